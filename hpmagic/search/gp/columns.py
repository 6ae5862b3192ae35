"""A flat space as the GP sees it: one column per dimension, and what values each can take.

A number sits on the unit interval as every searcher places it (log scales in logarithms,
an integer or a step of q as the range its rounding covers, a normal through its prior's
CDF); a choice is the position of its option, compared only for equality by the kernel.
Integers, steps of q and choices are discrete: the optimiser puts them on values they can
take, and sweeps all of them when they are few.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.space import INT_KINDS, Space
from ..joint_tpe import _Axis
from .optimise import Columns

#: a discrete column with at most this many values is swept value by value
MAX_SWEEP = 32


class Encoding:
    """Points of a flat ``space`` to rows of unit coordinates and back."""

    def __init__(self, space: Space) -> None:
        self.axes = [_Axis.of(d) for d in space.dims]
        categorical = np.array([a.dim.is_choice for a in self.axes], dtype=bool)
        n_options = np.array([len(a.dim.allowed) if a.dim.is_choice else 0 for a in self.axes])
        self.columns = Columns(
            categorical, n_options, [self._snap(a) for a in self.axes], [self._values(a) for a in self.axes]
        )

    def encode(self, raw: dict[str, Any]) -> np.ndarray:
        return np.array([a.to_unit(raw[a.dim.key]) for a in self.axes])

    def decode(self, row: np.ndarray) -> dict[str, Any]:
        return {a.dim.key: a.from_unit(float(u)) for a, u in zip(self.axes, row)}

    @staticmethod
    def _snap(axis: _Axis) -> Any:
        dim = axis.dim
        if dim.is_choice or not (dim.kind in INT_KINDS or dim.kind == "quniform"):
            return None
        return np.vectorize(lambda u: axis.to_unit(axis.from_unit(float(u))), otypes=[float])

    @staticmethod
    def _values(axis: _Axis) -> np.ndarray | None:
        dim = axis.dim
        if dim.is_choice:
            return np.arange(len(dim.allowed), dtype=float)
        if dim.kind in INT_KINDS and dim.high - dim.low < MAX_SWEEP:
            return np.array([axis.to_unit(v) for v in range(int(dim.low), int(dim.high) + 1)])
        if dim.kind == "quniform" and (dim.high - dim.low) / dim.q < MAX_SWEEP:
            grid = np.linspace(0.0, 1.0, 4 * MAX_SWEEP + 1)
            return np.unique(np.round([axis.to_unit(axis.from_unit(u)) for u in grid], 12))
        return None
