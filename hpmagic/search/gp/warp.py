"""Losses as the GP is fitted to them: failures made the worst, then standardised.

Objectives at small budgets span decades (a loss of 10⁴ at a bad corner, 10⁻² near the
best), and a GP fitted to the raw values spends its whole variance on the bad corner
and sees the good region as flat. ``"log"`` first takes ``log(y − min + δ)`` with ``δ`` a
small share of the spread, so differences among good values count for as much as those
among bad ones; ``"plain"`` only standardises. A failed trial is told as the worst result.
"""

from __future__ import annotations

import numpy as np

WARPS = ("log", "plain")


def warp(y: np.ndarray, how: str = "log", delta: float = 0.01) -> np.ndarray:
    """Standardised (mean 0, sd 1) losses; ``inf`` (a failure) becomes the worst finite value."""
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(y)
    if not finite.any():
        return np.zeros_like(y)
    y = np.where(finite, y, y[finite].max())
    if how == "log":
        spread = float(np.median(y) - y.min())
        if spread > 0:
            y = np.log(y - y.min() + delta * spread)
    sd = float(y.std())
    return (y - y.mean()) / sd if sd > 0 else y - y.mean()
