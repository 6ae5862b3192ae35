"""Grid search over a :class:`~hpmagic.space.Space`, with the search's ask/tell.

The grid is every combination of choice options, integers and ``quniform``
steps (the multiples of q in the range); a continuous dimension gets :data:`CONTINUOUS_POINTS` evenly spaced
points (log-spaced on log scales). ``normal`` and ``lognormal`` have no range,
so they get ``mu + k*sigma`` for k in -2, -1, 0, 1, 2 (exponentiated for
lognormal): the centre and the bulk of the distribution.

Conditional dimensions are gridded only under their option: the grid of a
choice is the sum over its options of the grid of that option's own dimensions.
The order is deterministic: dimensions in cell order, the first varying
slowest, options in the cell's order, values from low to high. Points are made
lazily, so a huge grid capped by ``-n`` costs nothing; points already tried
(an earlier run, a continued study) are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..core.space import Dimension, Space
from .base import Exhausted

CONTINUOUS_POINTS = 5
NORMAL_STEPS = (-2.0, -1.0, 0.0, 1.0, 2.0)
#: a grid bigger than this needs -n to say how much of it to run
MAX_GRID = 100_000


class GridExhausted(Exhausted):
    """Every point of the grid has been asked for."""


def values(dim: Dimension) -> list[Any]:
    """The grid values of one numeric dimension (raw, natural units), low to high."""
    kind, lo, hi = dim.kind, dim.low, dim.high
    if kind in ("int", "logint"):
        return list(range(int(lo), int(hi) + 1))
    if kind == "quniform":
        # multiples of q inside [low, high], as the search rounds them
        first, last = math.ceil(lo / dim.q - 1e-9), math.floor(hi / dim.q + 1e-9)
        out = [round(i * dim.q, 12) for i in range(first, last + 1)] or [lo]
        return [int(round(x)) for x in out] if dim.as_int else out
    if kind in ("uniform", "loguniform") and lo == hi:
        return [float(lo)]  # frozen by refine
    if kind == "uniform":
        out = list(np.linspace(lo, hi, CONTINUOUS_POINTS))
    elif kind == "loguniform":
        out = list(np.geomspace(lo, hi, CONTINUOUS_POINTS))
    elif kind == "normal":
        out = [dim.mu + k * dim.sigma for k in NORMAL_STEPS]
    elif kind == "lognormal":
        out = [math.exp(dim.mu + k * dim.sigma) for k in NORMAL_STEPS]
    else:
        raise AssertionError(kind)
    # 12 significant digits: 0.7, not 0.7000000000000001; the ends stay exactly in range
    out = [float(f"{float(x):.12g}") for x in out]
    return [min(max(x, lo), hi) for x in out] if lo is not None else out


def size(space: Space, parent: tuple[str, int] | None = None) -> int:
    """How many points the grid of ``space`` has (exact, however big)."""
    total = 1
    for dim in space.children(parent):
        if dim.is_choice:
            total *= sum(size(space, (dim.key, i)) for i in dim.allowed)
        else:
            total *= len(values(dim))
    return total


def points(space: Space) -> Iterator[dict[str, Any]]:
    """Every point of the grid of ``space``, as raw params, in the grid's order."""

    def assignments(dim: Dimension) -> Iterator[dict[str, Any]]:
        if dim.is_choice:
            for i in dim.allowed:
                for sub in product(space.children((dim.key, i))):
                    yield {dim.key: i, **sub}
        else:
            for v in values(dim):
                yield {dim.key: v}

    def product(dims: list[Dimension]) -> Iterator[dict[str, Any]]:
        if not dims:
            yield {}
            return
        for head in assignments(dims[0]):
            for rest in product(dims[1:]):
                yield {**head, **rest}

    yield from product(space.children(None))


def point_key(raw: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A hashable form of raw params, equal for equal points (floats to 12 digits)."""
    return tuple(sorted((k, float(f"{v:.12g}") if isinstance(v, float) else v) for k, v in raw.items()))


def check_size(space: Space, what: str, advice: str, error: type[Exception] = ValueError) -> int:
    """The grid's size; ``error`` (one line: ``what`` has N points, ``advice``) past :data:`MAX_GRID`."""
    n = size(space)
    if n > MAX_GRID:
        raise error(f"{what}: the grid has {n:,} points, more than {MAX_GRID:,}; {advice}")
    return n


def remaining(space: Space, tried: Iterable[dict[str, Any]]) -> int:
    """Points of the grid not in ``tried`` (walks the grid: call it only on grids of sane size)."""
    done = {point_key(raw) for raw in tried}
    return sum(1 for p in points(space) if point_key(p) not in done)


class GridSearch:
    """The grid as a search: ``ask`` gives the next untried point; ``tell`` changes nothing."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.size = size(space)
        self._tried: set[tuple[tuple[str, Any], ...]] = set()
        self._points = points(space)
        self._told: list[int] = []

    @property
    def numbers(self) -> list[int]:
        return list(self._told)

    def ask(self, number: int) -> dict[str, Any]:
        """The next point not tried yet; :class:`GridExhausted` after the last."""
        for raw in self._points:
            key = point_key(raw)
            if key not in self._tried:
                self._tried.add(key)
                return raw
        raise GridExhausted(f"all {self.size} grid points have been tried")

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        """Mark the point tried, whatever its end (a grid never tries a point twice)."""
        self._tried.add(point_key(raw))
        if loss is not None:
            self._told.append(number)
        return False
