"""Which dimensions do not matter at all: a Gaussian process with a length scale per dimension.

Importance (:mod:`hpmagic.search.importance`) weighs each dimension by the variation of
its main effect *where the trials lie*: once a search has tuned a dimension its trials
crowd the optimum and its share falls, though moving it would still hurt; and a forest
fitted to a TPE's trials sees structure in dimensions that have none (the trials'
values of all dimensions move together as the search homes in). Freezing asks "does
the objective depend on this dimension anywhere?", which is what automatic relevance
determination answers: a GP (Matérn 5/2) with one length scale per dimension (a choice's
indicator columns share one) fitted by marginal likelihood gives a dimension the
objective does not depend on a length scale far beyond its range. The fit: the best
isotropic kernel on a small grid, then two sweeps that try each dimension's length scale
×¼ … ×16 and "infinite" (:data:`FLAT`) and keep what raises the likelihood, then the
noise share again. Points as for importance (numbers scaled to [0, 1], log scales in
logarithms); at most :data:`MAX_FIT` trials (a fixed random sample). About 0.1 s for 90
trials of six dimensions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.space import Space
from .importance import _encode, subsample
from .regret import _matern, one_blas_thread

MAX_FIT = 200
FLAT = 1e3  # a length scale this long: the objective is flat along the dimension
STEPS = (0.25, 0.5, 2.0, 4.0, 16.0, FLAT)
START_LENGTHS = (0.15, 0.3, 0.6, 1.2)
START_SHARES = (1e-4, 1e-2, 0.1)
SHARES = (1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2)


def _log_likelihood(X: np.ndarray, z: np.ndarray, scales: np.ndarray, share: float) -> float:
    """Marginal log likelihood (amplitude in closed form) of ``z`` at points ``X``."""
    Xs = X / scales
    sq = (Xs * Xs).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * Xs @ Xs.T, 0.0)
    try:
        chol = np.linalg.cholesky(_matern(d2, 1.0) + (share + 1e-9) * np.eye(len(z)))
    except np.linalg.LinAlgError:
        return -math.inf
    alpha = np.linalg.solve(chol, z)
    amplitude = max(float(alpha @ alpha) / len(z), 1e-12)
    return -0.5 * len(z) * math.log(amplitude) - float(np.log(np.diag(chol)).sum())


def _fit(X: np.ndarray, z: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Length scale per column, by coordinate search over the groups."""
    d = X.shape[1]
    best, scales, share = -math.inf, np.ones(d), 0.01
    for length in START_LENGTHS:
        for s in START_SHARES:
            value = _log_likelihood(X, z, np.full(d, length), s)
            if value > best:
                best, scales, share = value, np.full(d, length), s
    for _ in range(2):
        for cols in groups:
            base = scales.copy()
            for step in STEPS:
                trial = base.copy()
                trial[cols] = np.minimum(base[cols] * step, FLAT)
                value = _log_likelihood(X, z, trial, share)
                if value > best + 1e-9:
                    best, scales = value, trial
        for s in SHARES:
            value = _log_likelihood(X, z, scales, s)
            if value > best:
                best, share = value, s
    return scales


def length_scales(
    space: Space, raws: Sequence[dict[str, Any]], values: Sequence[float], seed: int = 0
) -> dict[str, float]:
    """label → its fitted length scale, in units of its range (labels shared by exclusive
    options: the shortest); :data:`FLAT` means the objective does not depend on it."""
    rng = np.random.default_rng(seed)
    raws, values = subsample(raws, values, MAX_FIT, rng)
    X, groups = _encode(space, raws)
    y = np.asarray(values, dtype=float)
    out = {d.label: FLAT for d in space.dims}
    if len(y) < 3 or np.ptp(y) <= 0 or not X.shape[1]:
        return out
    with one_blas_thread():
        scales = _fit(X, (y - y.mean()) / y.std(), [g for g in groups if g])
    for dim, cols in zip(space.dims, groups):
        if cols:
            out[dim.label] = min(out[dim.label], float(scales[cols].min()))
    return out
