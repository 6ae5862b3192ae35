"""How much is left to gain: a regret bound from a Gaussian process, against the objective's noise.

The idea is Optuna's Terminator (after Makarova et al., 2022, "Automatic termination for
hyperparameter optimization"): fit a GP to the best trials, and bound how much better than
the best trial any point of the space may be,

    regret ≤ min over the fitted trials of UCB(x) − min over the space of LCB(x),

with UCB/LCB = mean ± √β · sd and β from GP-UCB (Srinivas et al., 2010), scaled down by
5 as those experiments do. When that bound is below the objective's noise, more trials are
unlikely to beat the best by more than chance.

Here, with numpy alone: the points are encoded as for importance (numbers scaled to
[0, 1], log scales in logarithms, a choice as indicators, an inactive dimension as −1);
the GP is fitted to the top half of the complete trials (at least :data:`MIN_TRIALS`, at
most :data:`MAX_FIT`), losses standardised; a Matérn-5/2 kernel whose length scale and
noise share are picked on a small grid by marginal likelihood (the amplitude has a closed
form); the minimum of the LCB is taken over :data:`CANDIDATES` random points of the
encoded box and points near the best trials. The noise is the GP's own estimate (its
noise variance, in the objective's units), so a noisy objective — a CV score, a seed —
is "done" once the search can no longer tell its points apart, and a smooth
deterministic one only when the bound itself is tiny. Cost: about 0.05 s at 200 trials.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.space import Space
from .importance import INACTIVE, _encode

MIN_TRIALS = 20  # complete trials before any estimate
MAX_FIT = 200  # the GP is fitted to at most this many of the best trials
TOP_SHARE = 0.5  # the share of the complete trials the GP is fitted to
CANDIDATES = 2000
DELTA = 0.1  # GP-UCB's confidence parameter
LENGTHS = (0.08, 0.15, 0.3, 0.6, 1.2, 2.4)
NOISE_SHARES = (1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread while the GP's small matrices are factored.

    A 200 × 200 Cholesky takes 0.17 ms on one thread; with OpenBLAS's two threads on a busy
    2-core machine it took 420 ms (the threads wait for each other). For that while, other
    threads' BLAS calls are on one thread too. Without threadpoolctl nothing changes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@dataclass(frozen=True)
class Estimate:
    """A regret bound and a noise estimate, both in the objective's units."""

    regret: float
    noise: float
    n: int  # complete trials it was computed from

    @property
    def done(self) -> bool:
        """Whether more trials are unlikely to gain more than the noise."""
        return self.regret <= self.noise


def _matern(d2: np.ndarray, length: float) -> np.ndarray:
    r = np.sqrt(np.maximum(d2, 0.0)) * (math.sqrt(5.0) / length)
    return (1.0 + r + r * r / 3.0) * np.exp(-r)


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)


def _fit(X: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Length scale, noise share and amplitude with the highest marginal likelihood."""
    d2 = _sq_dists(X, X)
    n = len(y)
    best: tuple[float, float, float, float] | None = None
    for length in LENGTHS:
        base = _matern(d2, length)
        for share in NOISE_SHARES:
            try:
                chol = np.linalg.cholesky(base + (share + 1e-9) * np.eye(n))
            except np.linalg.LinAlgError:
                continue
            alpha = np.linalg.solve(chol, y)
            amplitude = max(float(alpha @ alpha) / n, 1e-12)  # closed form of the scale
            log_ml = -0.5 * n * math.log(amplitude) - float(np.log(np.diag(chol)).sum())
            if best is None or log_ml > best[0]:
                best = (log_ml, length, share, amplitude)
    if best is None:
        raise np.linalg.LinAlgError("no kernel fits these trials")
    return best[1], best[2], best[3]


def _candidates(X: np.ndarray, groups: list[list[int]], rng: np.random.Generator) -> np.ndarray:
    """Random points of the encoded box (each keeping an observed trial's active dimensions),
    and points near the best trials."""
    base = X[rng.integers(len(X), size=CANDIDATES)].copy()
    for cols in groups:
        if not cols:
            continue
        active = (base[:, cols] != INACTIVE).any(axis=1) if len(cols) == 1 else base[:, cols].sum(1) > 0
        if len(cols) == 1 and not np.isin(X[:, cols[0]], (0.0, 1.0)).all():  # a number
            base[active, cols[0]] = rng.random(int(active.sum()))
        else:  # a choice's indicators: one of them on
            picks = rng.integers(len(cols), size=int(active.sum()))
            block = np.zeros((int(active.sum()), len(cols)))
            block[np.arange(len(picks)), picks] = 1.0
            base[np.ix_(np.flatnonzero(active), cols)] = block
    near = X[: min(10, len(X))]
    jitter = np.repeat(near, 20, axis=0)
    numeric = jitter != INACTIVE
    jitter = np.where(numeric, np.clip(jitter + rng.normal(0, 0.03, jitter.shape), 0, 1), jitter)
    return np.vstack([base, jitter, X])


def estimate(
    space: Space, raws: Sequence[dict[str, Any]], losses: Sequence[float], seed: int = 0
) -> Estimate | None:
    """The regret bound and noise of complete trials (``losses``: lower is better); None with
    fewer than :data:`MIN_TRIALS` of them or when no GP fits."""
    with one_blas_thread():
        return _estimate(space, raws, losses, seed)


def _estimate(
    space: Space, raws: Sequence[dict[str, Any]], losses: Sequence[float], seed: int
) -> Estimate | None:
    y_all = np.asarray(losses, dtype=float)
    keep = np.isfinite(y_all)
    if keep.sum() < MIN_TRIALS:
        return None
    raws = [r for r, k in zip(raws, keep) if k]
    y_all = y_all[keep]
    order = np.argsort(y_all, kind="stable")
    top = order[: min(MAX_FIT, max(MIN_TRIALS, math.ceil(TOP_SHARE * len(order))))]
    X, groups = _encode(space, [raws[i] for i in top])
    y = y_all[top]
    scale = float(y.std())
    if scale <= 0 or X.shape[1] == 0:
        return Estimate(0.0, 0.0, len(y_all))  # every good trial equal: nothing left to tell apart
    z = (y - y.mean()) / scale
    try:
        length, share, amplitude = _fit(X, z)
    except np.linalg.LinAlgError:
        return None
    n, d = len(y_all), max(1, len(space.dims))
    beta = 2.0 * math.log(d * n * n * math.pi**2 / (6.0 * DELTA)) / 5.0
    cand = _candidates(X, groups, np.random.default_rng(seed))
    K = amplitude * (_matern(_sq_dists(X, X), length) + (share + 1e-9) * np.eye(len(z)))
    chol = np.linalg.cholesky(K)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, z))

    def mean_sd(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ks = amplitude * _matern(_sq_dists(points, X), length)
        v = np.linalg.solve(chol, ks.T)
        var = np.maximum(amplitude - (v * v).sum(0), 1e-12)
        return ks @ alpha, np.sqrt(var)

    m_obs, s_obs = mean_sd(X)
    m_all, s_all = mean_sd(cand)
    root = math.sqrt(beta)
    regret = float(np.min(m_obs) - np.min(m_all - root * s_all))
    noise = math.sqrt(share * amplitude)
    return Estimate(max(regret, 0.0) * scale, noise * scale, n)
