"""The Matérn-5/2 kernel over a mixed space: numbers on the unit interval, choices by option.

A point is a row of unit coordinates. A numeric column adds ``ρ_j (x_j − y_j)²`` to the
squared distance (``ρ_j`` is one over its length scale squared); a categorical column
(an option's index) adds ``ρ_j`` when the two options differ and nothing when they agree,
so no order is imposed on unordered options. The kernel is ``s² m(r)`` with
``m(r) = (1 + √5 r + 5r²/3) e^{−√5 r}``: twice differentiable, rough enough for
objectives that are not smooth at every scale. Everything here works on arrays; the
derivatives are those the marginal likelihood and the acquisition's optimiser need.
"""

from __future__ import annotations

import numpy as np

_SQRT5 = float(np.sqrt(5.0))


def matern(r2: np.ndarray) -> np.ndarray:
    """m(r) of the squared distance ``r2``."""
    r = np.sqrt(np.maximum(r2, 0.0))
    return (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * np.exp(-_SQRT5 * r)


def matern_grad(r2: np.ndarray) -> np.ndarray:
    """dm/d(r²): finite at r = 0, where the kernel is flat."""
    r = np.sqrt(np.maximum(r2, 0.0))
    return -5.0 / 6.0 * (1.0 + _SQRT5 * r) * np.exp(-_SQRT5 * r)


def sq_dist(a: np.ndarray, b: np.ndarray, rho: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """Scaled squared distances between the rows of ``a`` (m × d) and ``b`` (n × d): m × n."""
    out = np.zeros((len(a), len(b)))
    num = ~categorical
    if num.any():
        an, bn = a[:, num] * np.sqrt(rho[num]), b[:, num] * np.sqrt(rho[num])
        out += (an * an).sum(1)[:, None] + (bn * bn).sum(1)[None, :] - 2.0 * an @ bn.T
        np.maximum(out, 0.0, out=out)
    for j in np.flatnonzero(categorical):
        out += rho[j] * (a[:, j][:, None] != b[:, j][None, :])
    return out


def per_dim_dist(x: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    """Unscaled distance of every pair along each dimension: n × n × d (for length-scale gradients)."""
    diff = x[:, None, :] - x[None, :, :]
    return np.where(categorical[None, None, :], diff != 0, diff * diff)
