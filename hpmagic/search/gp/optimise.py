"""Maximising the acquisition over a mixed space: many starts, then L-BFGS-B, then exact values.

The acquisition is scored on a thousand random points and a few hundred near the best
trials (where the next improvement usually is). The best few start a joint L-BFGS-B run
over every numeric coordinate at once (integers relaxed to the line between them), with
the categorical coordinates held; bounds are exact, so a slope is followed onto its range's
end. Then every coordinate is put on a value it can take (an integer, a step of q, an
option) and the leaders are improved one coordinate at a time over the values a discrete
coordinate can take, choices included: the point proposed is one the space contains,
scored as it will be evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .acquisition import log_ei, log_ei_grad
from .model import GP


@dataclass
class Columns:
    """What the optimiser must know of each coordinate of a point."""

    categorical: np.ndarray  # bool per column: an option's index, no order
    n_options: np.ndarray  # options of each categorical column (0 for numeric ones)
    #: per numeric column: a map of unit positions to the nearest value the column can take (None: continuous)
    snaps: list[Callable[[np.ndarray], np.ndarray] | None] = field(default_factory=list)
    #: per column: every unit position it can take when they are few (swept one by one), else None
    values: list[np.ndarray | None] = field(default_factory=list)

    def snap(self, x: np.ndarray) -> np.ndarray:
        x = x.copy()
        for j, snap in enumerate(self.snaps):
            if snap is not None:
                x[:, j] = snap(x[:, j])
        return x

    def random(self, k: int, rng: np.random.Generator) -> np.ndarray:
        x = rng.random((k, len(self.categorical)))
        for j in np.flatnonzero(self.categorical):
            x[:, j] = rng.integers(self.n_options[j], size=k)
        return self.snap(x)


@dataclass(frozen=True)
class OptimiserSettings:
    n_random: int = 1000
    n_local: int = 300
    n_starts: int = 8
    maxiter: int = 60


def maximise(
    gp: GP,
    best: float,
    columns: Columns,
    near: np.ndarray,
    rng: np.random.Generator,
    settings: OptimiserSettings = OptimiserSettings(),
    taken: np.ndarray | None = None,
) -> np.ndarray:
    """The point of highest log-EI below ``best``; ``near``: the best trials' points, to search around.

    ``taken``: points tried or running; the best point not among them is proposed when there
    is one (a deterministic trial run twice teaches nothing)."""
    cand = np.vstack([columns.random(settings.n_random, rng), _around(near, columns, settings.n_local, rng)])
    score = log_ei(*gp.predict(cand), best)
    starts = cand[np.argsort(-score)[: settings.n_starts]]
    refined = columns.snap(_lbfgsb(gp, best, columns, starts, settings.maxiter))
    refined_score = log_ei(*gp.predict(refined), best)
    pool, pool_score = np.vstack([cand, refined]), np.concatenate([score, refined_score])
    swept = [_sweep(gp, best, columns, x) for x in pool[np.argsort(-pool_score)[:2]]]
    pool = np.vstack([pool, [x for x, _ in swept]])
    pool_score = np.concatenate([pool_score, [v for _, v in swept]])
    order = np.argsort(-pool_score, kind="stable")
    if taken is not None and len(taken):
        for i in order:
            if not np.any(np.all(np.abs(taken - pool[i]) < 1e-12, axis=1)):
                return pool[i]
    return pool[order[0]]


def _around(near: np.ndarray, columns: Columns, k: int, rng: np.random.Generator) -> np.ndarray:
    """Points near the best trials, at scales from 0.2 down to 0.002 of each range."""
    if not len(near) or not k:
        return np.empty((0, len(columns.categorical)))
    base = near[rng.integers(len(near), size=k)]
    scale = 10.0 ** rng.uniform(-2.7, -0.7, size=(k, 1))
    x = np.clip(base + scale * rng.standard_normal(base.shape), 0.0, 1.0)
    for j in np.flatnonzero(columns.categorical):
        flip = rng.random(k) < 0.2
        x[:, j] = np.where(flip, rng.integers(columns.n_options[j], size=k), base[:, j])
    return columns.snap(x)


def _lbfgsb(gp: GP, best: float, columns: Columns, starts: np.ndarray, maxiter: int) -> np.ndarray:
    """Every start refined at once: one L-BFGS-B run over their numeric coordinates together."""
    from scipy.optimize import minimize

    num = np.flatnonzero(~columns.categorical)
    if not len(num):
        return starts
    m = len(starts)

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = starts.copy()
        x[:, num] = flat.reshape(m, len(num))
        value, grad = log_ei_grad(*gp.predict_grad(x), best)
        return -float(value.sum()), -grad[:, num].ravel()

    res = minimize(
        objective,
        starts[:, num].ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (m * len(num)),
        options={"maxiter": maxiter},
    )
    out = starts.copy()
    out[:, num] = np.clip(res.x.reshape(m, len(num)), 0.0, 1.0)
    return out


def _sweep(gp: GP, best: float, columns: Columns, x: np.ndarray) -> tuple[np.ndarray, float]:
    """``x`` improved one coordinate at a time over every value a discrete coordinate can take."""
    x = x.copy()
    value = float(log_ei(*gp.predict(x[None, :]), best)[0])
    for j, values in enumerate(columns.values):
        if values is None or len(values) < 2:
            continue
        trial = np.repeat(x[None, :], len(values), axis=0)
        trial[:, j] = values
        scores = log_ei(*gp.predict(trial), best)
        i = int(np.argmax(scores))
        if scores[i] > value:
            x, value = trial[i], float(scores[i])
    return x, value
