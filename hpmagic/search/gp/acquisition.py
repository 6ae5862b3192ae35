"""Log expected improvement, computed so it stays finite and informative far from the best.

Expected improvement below the best loss ``f*`` is ``σ h(z)`` with ``z = (f* − μ) / σ`` and
``h(z) = φ(z) + z Φ(z)``. Once a study has found a good point, ``h`` underflows to zero over
most of the space, and an optimiser started there sees a flat zero with no gradient. Its
logarithm does not underflow: for ``z > −1`` it is taken directly; below, ``h`` is written
as ``φ(z) (1 − |z| Φ(z)/φ(z))`` with the ratio from the scaled complementary error function,
whose logarithm is exact however small ``h`` gets (the log-EI of the BO literature).
"""

from __future__ import annotations

import math

import numpy as np

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_LOG_SQRT_HALF_PI = 0.5 * math.log(math.pi / 2)


def log_h(z: np.ndarray) -> np.ndarray:
    """log(φ(z) + z Φ(z)) for every ``z``."""
    from scipy.special import erfcx, ndtr

    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    high = z > -1.0
    zh = z[high]
    out[high] = np.log(np.exp(-0.5 * zh * zh - _LOG_SQRT_2PI) + zh * ndtr(zh))
    zl = z[~high]
    a = np.log(erfcx(-zl / math.sqrt(2.0)) * np.abs(zl)) + _LOG_SQRT_HALF_PI  # log(|z| Φ/φ) < 0
    out[~high] = -0.5 * zl * zl - _LOG_SQRT_2PI + _log1mexp(a)
    return out


def _log1mexp(a: np.ndarray) -> np.ndarray:
    """log(1 − e^a) for a < 0, accurate on both sides of −log 2."""
    a = np.minimum(a, -1e-300)
    return np.where(a > -math.log(2.0), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))


def log_ei(mean: np.ndarray, var: np.ndarray, best: float) -> np.ndarray:
    """Log expected improvement below ``best`` at points with these posterior moments."""
    sd = np.sqrt(var)
    return np.log(sd) + log_h((best - mean) / sd)


def log_ei_grad(
    mean: np.ndarray, var: np.ndarray, dmean: np.ndarray, dvar: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray]:
    """Log-EI and its gradient, from the posterior's moments and their gradients (m × d)."""
    from scipy.special import log_ndtr

    sd = np.sqrt(var)
    z = (best - mean) / sd
    lh = log_h(z)
    dlh_dz = np.exp(log_ndtr(z) - lh)  # d log h / dz = Φ(z) / h(z)
    dsd = dvar / (2.0 * sd[:, None])
    dz = (-dmean - z[:, None] * dsd) / sd[:, None]
    return np.log(sd) + lh, dsd / sd[:, None] + dlh_dz[:, None] * dz
