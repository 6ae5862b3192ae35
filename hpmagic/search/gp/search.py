"""``--algo gp``: Gaussian-process search of a flat space, with the study's ask/tell.

After a Latin-hypercube start, each ask fits the GP (:mod:`.model`) to every result so far
(losses warped by :mod:`.warp`) and proposes the point of highest log expected improvement
(:mod:`.acquisition`, maximised by :mod:`.optimise`). Trials still running are told to the
model as if they had returned what it predicts there (the "kriging believer"): the
prediction stays, the uncertainty there collapses, so with ``--parallel 4`` the next asks
look elsewhere instead of proposing the same point four times. Beyond ``max_points``
results the model is fitted on the best half of them and a random draw of the rest, so the
time of an ask stays bounded however long the study runs.

Conditional spaces (dimensions inside a choice's options) are searched by the joint TPE
(see :func:`hpmagic.search.searcher.make_searcher`): the GP's one kernel covers the
dimensions that are always active.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...core.space import Space
from ..base import SearcherBase
from .columns import Encoding
from .model import Priors, fit
from .optimise import OptimiserSettings, maximise
from .warp import warp


@dataclass(frozen=True)
class GPSettings:
    """The GP search's settings (benchmarks/bbob.py measures them)."""

    n_startup: int = 5
    max_points: int = 160
    warp: str = "log"
    warp_delta: float = 0.3
    priors: Priors = field(default_factory=Priors)
    optimiser: OptimiserSettings = field(default_factory=OptimiserSettings)


#: running trials the model believes at most (more than any --parallel on local processes)
MAX_PENDING = 256

_CONTROLLER: list[Any] = []  # threadpoolctl's controller, made at the first ask (7 ms)


def one_blas_thread() -> Any:
    """A context where BLAS runs one thread: the GP's matrices are small (at most a few
    hundred rows), and on a busy 2-core machine BLAS's threads made a Cholesky factor 40×
    slower than one thread did. (Process-wide while an ask lasts: a trial's numpy in
    the same process runs on one thread for those milliseconds.)"""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return contextlib.nullcontext()
    if not _CONTROLLER:
        import scipy.linalg  # noqa: F401  (its own BLAS must be loaded to be limited)

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def supports(space: Space) -> bool:
    """Whether the GP covers ``space`` (every dimension always active)."""
    return bool(space.dims) and all(d.parent is None for d in space.dims)


class GPSearch(SearcherBase):
    """Gaussian-process Bayesian optimisation with log expected improvement."""

    algo = "gp"

    def __init__(
        self, space: Space, rng: np.random.Generator | None = None, settings: GPSettings | None = None
    ) -> None:
        if not supports(space):
            raise ValueError("the GP search needs a space of unconditional dimensions")
        super().__init__(space, rng)
        self.settings = settings or GPSettings()
        self.encoding = Encoding(space)
        self._x: list[np.ndarray] = []
        self._y: list[float] = []
        self._pending: dict[int, np.ndarray] = {}  # trials asked and not yet told
        self._design: list[np.ndarray] | None = None
        self._theta: np.ndarray | None = None  # the last fit's hyperparameters, where the next starts

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        self._pending.pop(number, None)
        return super().tell(number, raw, loss, failed)

    def _observe(self, number: int, raw: dict[str, Any], loss: float) -> None:
        self._x.append(self.encoding.encode(raw))
        self._y.append(loss)

    def _observe_failure(self, number: int, raw: dict[str, Any]) -> None:
        self._observe(number, raw, math.inf)  # the worst result: the region is avoided

    def _ask(self, number: int, seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        row = self._next(rng)
        self._pending[number] = row
        if len(self._pending) > MAX_PENDING:  # a trial asked and never told (given back): forget the oldest
            del self._pending[next(iter(self._pending))]
        return self.encoding.decode(row)

    def _next(self, rng: np.random.Generator) -> np.ndarray:
        if self._design is None:  # once: what a warm start told counts towards the start-up
            self._design = list(self._latin_hypercube(max(self.settings.n_startup - len(self._y), 0), rng))
        if self._design:
            return self._design.pop()
        if int(np.isfinite(self._y).sum()) < 2:
            return self.encoding.columns.random(1, rng)[0]
        return self.propose(rng)

    def propose(self, rng: np.random.Generator) -> np.ndarray:
        """The model's next point: fitted on the results, believing the running trials."""
        with one_blas_thread():
            return self._propose(rng)

    def _propose(self, rng: np.random.Generator) -> np.ndarray:
        x, y = self._training_set(rng)
        gp = fit(x, y, self.encoding.columns.categorical, self.settings.priors, self._theta)
        self._theta = gp.theta
        best = float(y.min())
        near = x[np.argsort(y)[:5]]
        taken = np.array(self._x)
        if self._pending:
            pending = np.array(list(self._pending.values()))
            gp = gp.condition(pending, gp.predict(pending)[0])
            taken = np.vstack([taken, pending])
        return maximise(gp, best, self.encoding.columns, near, rng, self.settings.optimiser, taken)

    def _training_set(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = np.array(self._x), warp(np.array(self._y), self.settings.warp, self.settings.warp_delta)
        cap = self.settings.max_points
        if len(y) > cap:  # the best half, and a random draw of the others
            order = np.argsort(y, kind="stable")
            keep = np.concatenate(
                [order[: cap // 2], rng.choice(order[cap // 2 :], cap - cap // 2, replace=False)]
            )
            x, y = x[keep], y[keep]
        return x, y

    def _latin_hypercube(self, k: int, rng: np.random.Generator) -> np.ndarray:
        columns = self.encoding.columns
        out = np.empty((k, len(columns.categorical)))
        for j, cat in enumerate(columns.categorical):
            if cat:  # options in turn from a shuffled order: each once before any twice
                n = int(columns.n_options[j])
                out[:, j] = rng.permutation(rng.permutation(n)[np.arange(k) % n])
            else:
                out[:, j] = (rng.permutation(k) + rng.random(k)) / max(k, 1)
        return columns.snap(out)
