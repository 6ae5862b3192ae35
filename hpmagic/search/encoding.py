"""Where each dimension sits on the unit interval: the one encoding every searcher shares.

A number lives on [0, 1] (log scales in logarithms); an integer or a quantised value
as the continuous range its rounding covers, so every value owns an equal share of
the interval; a ``normal``/``lognormal`` through its prior's CDF (0.5 is mu).

A choice is either *categorical* or *ordinal*. Its options are categories when any
of them is not a number (``"relu"``, ``SVC(...)``, ``None``): a searcher keeps them
apart, and the axis gives an option's position among the kept ones. When every kept
option is a number and there are at least three (``batch_size=tune.choice([16, 32,
64, 128])``), they are ordered: sorted by value, each owns an equal share of [0, 1],
so 64 is next to 32 and 128, and a list spaced evenly on a log scale is spaced evenly
here too. A searcher then treats the axis as a number (kernels, windows, neighbours);
params, code and the store still see the user's values, because decoding gives back
the option itself.

``step`` is the width one value owns (0 for a continuous axis): a kernel narrower
than about half of it can only propose the value it is centred on again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from ..core.space import INT_KINDS, Dimension, multiple_in_range

#: how close to 0 or 1 a normal's CDF may come (its inverse is infinite there)
CDF_EDGE = 1e-9

#: fewer options than this stay categorical even when they are numbers (two points have no order to learn)
MIN_ORDINAL = 3


def ordinal_order(dim: Dimension) -> tuple[int, ...]:
    """The kept options of an all-number choice, sorted by value; ``()`` when it is categorical."""
    if not dim.is_choice or len(dim.allowed) < MIN_ORDINAL:
        return ()
    values = [dim.options[i] for i in dim.allowed]
    if not all(_is_number(v) for v in values):
        return ()
    return tuple(i for _, i in sorted(zip(values, dim.allowed), key=lambda pair: pair[0]))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class Axis:
    """One dimension's place on the unit interval (a category: its option's position)."""

    dim: Dimension
    lo: float = 0.0  # bounds of the range a number's rounding covers, log-scaled for log kinds
    hi: float = 1.0
    order: tuple[int, ...] = ()  # an ordinal choice: its kept options by value

    @classmethod
    def of(cls, dim: Dimension) -> Axis:
        if dim.is_choice:
            return cls(dim, order=ordinal_order(dim))
        if not dim.is_bounded:
            return cls(dim)
        lo, hi = float(dim.low), float(dim.high)
        half = 0.5 if dim.kind in INT_KINDS else (dim.q / 2 if dim.kind == "quniform" else 0.0)
        lo, hi = lo - half, hi + half
        if dim.is_log:
            lo, hi = math.log(lo), math.log(hi)
        return cls(dim, lo, hi)

    @property
    def categorical(self) -> bool:
        """Whether values are unordered categories (a searcher keeps or switches, never moves a little)."""
        return self.dim.is_choice and not self.order

    @property
    def size(self) -> int:
        """How many values the axis holds (0: a continuum)."""
        dim = self.dim
        if dim.is_choice:
            return len(dim.allowed)
        if dim.kind in INT_KINDS:
            return int(dim.high - dim.low) + 1
        if dim.kind == "quniform":
            return int(round((dim.high - dim.low) / dim.q)) + 1 if dim.low != dim.high else 1
        return 0

    @property
    def step(self) -> float:
        """The share of [0, 1] one value owns (the smallest, on a log scale); 0 on a continuum."""
        if self.categorical or not self.size:
            return 0.0
        if self.order:
            return 1.0 / len(self.order)
        if self.dim.kind == "logint":  # the top integer owns the least of a log axis
            top = float(self.dim.high)
            return (math.log(top + 0.5) - math.log(top - 0.5)) / (self.hi - self.lo)
        return 1.0 / self.size

    def to_unit(self, value: Any) -> float:
        """A value's place in [0, 1] (a category: its option's position among the kept ones)."""
        dim = self.dim
        if self.order:
            return (self.order.index(value) + 0.5) / len(self.order)
        if dim.is_choice:
            return float(dim.allowed.index(value))
        x = math.log(value) if dim.is_log else float(value)
        if not dim.is_bounded:  # normal kinds: the prior's CDF
            return min(max(NormalDist(dim.mu or 0.0, dim.sigma or 1.0).cdf(x), 0.0), 1.0)
        return min(max((x - self.lo) / (self.hi - self.lo), 0.0), 1.0) if self.hi > self.lo else 0.5

    def from_unit(self, u: float) -> Any:
        """The value at ``u`` (raw params: a choice gives its option's index)."""
        dim = self.dim
        if self.order:
            return self.order[min(max(int(float(u) * len(self.order)), 0), len(self.order) - 1)]
        if dim.is_choice:
            return dim.allowed[int(u)]
        if not dim.is_bounded:
            u = min(max(float(u), CDF_EDGE), 1 - CDF_EDGE)
            x = NormalDist(dim.mu or 0.0, dim.sigma or 1.0).inv_cdf(u)
            return math.exp(x) if dim.is_log else x
        x = self.lo + float(u) * (self.hi - self.lo)
        if dim.is_log:
            x = math.exp(x)
        if dim.kind in INT_KINDS:
            return int(min(max(round(x), dim.low), dim.high))
        if dim.kind == "quniform":
            if dim.low == dim.high:
                return dim._num(dim.low)
            y = multiple_in_range(x, dim.low, dim.high, dim.q)
            return int(round(y)) if dim.as_int else y
        return min(max(x, float(dim.low)), float(dim.high))
