"""Text cut to a size people can read: one rule for labels, notes, errors and tags."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
