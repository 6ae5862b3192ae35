"""Where studies go besides the store: tracking servers people already use."""
