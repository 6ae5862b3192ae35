"""Random search and simulated annealing, on numpy alone.

Both place every dimension on the unit interval as the joint TPE does
(:class:`~hpmagic.search.encoding.Axis`: log scales in logarithms, an integer as
the range its rounding covers, a normal through its prior's CDF, numbers listed in a
choice in their order), where a uniform
draw is a draw from the dimension's prior. They walk the space's groups
(:mod:`.groups`), so a dimension inside an option is drawn only when that option is.

Annealing follows hyperopt's idea: pick one of the best trials so far (the k-th
best with a geometric weight of mean ``avg_best_idx``), then draw each dimension
near that trial's value in a window that shrinks as the dimension is seen more
often (width 1 / (1 + ``shrink_coef`` × trials where it was active)); a choice
keeps the trial's option unless a draw with that window's probability redraws
it. A dimension the chosen trial did not have is drawn from its prior. Neither
imports hyperopt (whose import costs some 55 MB of scipy.stats and networkx).

Neither proposes a point that was tried (or is running) while others are free: on a
space of listed values a draw lands on a tried point often (20 points, 20 draws:
about 7 repeats), and a repeat teaches nothing. A drawn point that was tried is drawn
again, and after :data:`REDRAWS` misses the draws come from the whole space; on a
continuous space no draw is ever repeated, so a seed's points do not change.
"""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Any

import numpy as np

from ..core.space import Dimension, Space
from .base import SearcherBase
from .encoding import Axis
from .groups import groups, walk
from .joint_tpe import point_key

#: draws of an untried point before the search looks elsewhere (and, past twice as many, repeats one)
REDRAWS = 64


class RandomSearch(SearcherBase):
    """Every point drawn from the priors, independently of every result."""

    def __init__(self, space: Space, rng: np.random.Generator | None = None) -> None:
        super().__init__(space, rng)
        self.axes = {d.key: Axis.of(d) for d in space.dims}
        self._groups = groups(space)
        self._tried: set[tuple[Any, ...]] = set()  # every point proposed or ended

    def _draw(self, key: str, rng: np.random.Generator) -> Any:
        axis = self.axes[key]
        if axis.categorical:
            return axis.from_unit(float(rng.integers(len(axis.dim.allowed))))
        return axis.from_unit(float(rng.random()))

    def _ask(self, number: int, seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        point = self._propose(rng)
        for attempt in range(2 * REDRAWS):
            if point_key(point) not in self._tried:
                break
            point = self._propose(rng) if attempt < REDRAWS else self._prior(rng)
        self._tried.add(point_key(point))
        return point

    def _ended(self, raw: dict[str, Any]) -> None:
        self._tried.add(point_key(raw))  # from an earlier run, failed or pruned: tried all the same

    def _propose(self, rng: np.random.Generator) -> dict[str, Any]:
        return self._prior(rng)

    def _prior(self, rng: np.random.Generator) -> dict[str, Any]:
        return walk(
            self.space, lambda parent, _: {d.key: self._draw(d.key, rng) for d in self._group(parent)}
        )

    def _group(self, parent: tuple[str, int] | None) -> list[Dimension]:
        return self._groups[parent]


class AnnealSearch(RandomSearch):
    """Draws near one of the best trials, in a neighbourhood that shrinks with experience."""

    def __init__(
        self,
        space: Space,
        rng: np.random.Generator | None = None,
        avg_best_idx: float = 2.0,
        shrink_coef: float = 0.1,
    ) -> None:
        super().__init__(space, rng)
        self.avg_best_idx = avg_best_idx
        self.shrink_coef = shrink_coef
        self._ranked: list[tuple[float, int]] = []  # (loss, index into _points), best first
        self._points: list[dict[str, float]] = []  # each result's unit coordinates
        self._seen: Counter[str] = Counter()  # results in which each dimension was active

    def _observe(self, number: int, raw: dict[str, Any], loss: float) -> None:
        if not np.isfinite(loss):
            return
        self._points.append({k: self.axes[k].to_unit(v) for k, v in raw.items()})
        self._seen.update(raw.keys())
        bisect.insort(self._ranked, (loss, len(self._points) - 1))

    def _propose(self, rng: np.random.Generator) -> dict[str, Any]:
        if not self._ranked:
            return self._prior(rng)
        k = min(int(rng.geometric(1.0 / (1.0 + self.avg_best_idx))) - 1, len(self._ranked) - 1)
        base = self._points[self._ranked[k][1]]
        return walk(
            self.space, lambda parent, _: {d.key: self._near(d.key, base, rng) for d in self._group(parent)}
        )

    def _near(self, key: str, base: dict[str, float], rng: np.random.Generator) -> Any:
        if key not in base:
            return self._draw(key, rng)
        axis = self.axes[key]
        width = 1.0 / (1.0 + self.shrink_coef * self._seen[key])
        if axis.categorical:
            if rng.random() < width:
                return self._draw(key, rng)
            return axis.from_unit(base[key])
        lo, hi = max(0.0, base[key] - width / 2), min(1.0, base[key] + width / 2)
        return axis.from_unit(lo + float(rng.random()) * (hi - lo))
