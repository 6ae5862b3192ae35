"""A flat space as the GP sees it: one column per dimension, and what values each can take.

Every dimension sits on the unit interval as :mod:`hpmagic.search.encoding` places it for
every searcher: log scales in logarithms, an integer or a step of q as the range its
rounding covers, a normal through its prior's CDF, an all-number choice as an ordered axis
(its options sorted by value). A categorical choice is the position of its option, which
the kernel compares only for equality. Integers, steps of q and choices are discrete:
the optimiser puts them on values they can take, and sweeps all of them when they are few.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.space import Space
from ..encoding import Axis
from .optimise import Columns

#: a discrete column with at most this many values is swept value by value
MAX_SWEEP = 32
#: a categorical column with at most this many options is swept option by option
MAX_CATEGORIES = 256


class Encoding:
    """Points of a flat ``space`` to rows of unit coordinates and back."""

    def __init__(self, space: Space) -> None:
        self.axes = [Axis.of(d) for d in space.dims]
        categorical = np.array([a.categorical for a in self.axes], dtype=bool)
        n_options = np.array([len(a.dim.allowed) if a.categorical else 0 for a in self.axes])
        self.columns = Columns(
            categorical, n_options, [self._snap(a) for a in self.axes], [self._values(a) for a in self.axes]
        )

    def encode(self, raw: dict[str, Any]) -> np.ndarray:
        return np.array([a.to_unit(raw[a.dim.key]) for a in self.axes])

    def decode(self, row: np.ndarray) -> dict[str, Any]:
        return {a.dim.key: a.from_unit(float(u)) for a, u in zip(self.axes, row)}

    @staticmethod
    def _snap(axis: Axis) -> Any:
        if axis.categorical or not axis.size:
            return None
        return np.vectorize(lambda u: axis.to_unit(axis.from_unit(float(u))), otypes=[float])

    @staticmethod
    def _values(axis: Axis) -> np.ndarray | None:
        if axis.categorical:  # a long list is left to the random candidates (its sweep would be large)
            n = len(axis.dim.allowed)
            return np.arange(n, dtype=float) if n <= MAX_CATEGORIES else None
        if not axis.size or axis.size > MAX_SWEEP:
            return None
        grid = np.linspace(0.0, 1.0, 8 * axis.size + 1)
        return np.unique(np.round([axis.to_unit(axis.from_unit(u)) for u in grid], 12))
