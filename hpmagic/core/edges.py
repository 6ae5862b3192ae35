"""Edges: dimensions whose best trials sit at a bound of the range, and how to widen them.

When the best trials crowd one end of a range the optimum may lie beyond it; no search
inside the range can find that out. :func:`at_bounds` says where that happens and
:func:`widened_bound` proposes a range that moves that bound outward, ready for ``refine``.

The rule (on the log10 axis for log scales): the *edge zone* of a side is the outer
``ZONE`` (5 %) of the range's width. A side is flagged when the best complete trial
lies in its zone and so do at least half of the top ``k`` complete trials
(``k = max(3, 10 %)`` of them). Both are asked so that one lucky trial at a bound is
not enough, and a search that merely tried the bound a few times is not either.
At least ``MIN_TRIALS`` complete trials with the dimension active are needed.
Choices and normal kinds (no bounds) are never flagged.

Widening moves only the flagged bound: ×10 (or ÷10) on log scales; by the range's
width otherwise. Hard limits hold: a log bound stays > 0 and finite, an integer log
bound ≥ 1, and a linear bound never crosses zero (a range of non-negative values
stays so, a positive integer range keeps its values ≥ 1), so a count never becomes 0 or
negative. Where nothing is left to widen the record says so (``new_bound`` is None).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from .space import INT_KINDS, Dimension, Space, on_step

MAX = sys.float_info.max  # the largest float: no range reaches past it
ZONE = 0.05  # share of the range's width (on its axis) that counts as "at the bound"
MIN_TRIALS = 5  # complete trials with the dimension active before anything is said
TOP_SHARE = 0.1  # the top k: this share of the complete trials, at least 3


@dataclass(frozen=True)
class Edge:
    """One dimension whose best trials sit at one of its bounds."""

    key: str
    label: str
    side: str  # "lower" or "upper"
    bound: Any  # the current bound on that side
    new_bound: Any  # where widening moves it, or None when a hard limit is reached
    new_range: tuple[Any, ...] | None  # what ``refine`` takes for the dimension widened, or None
    share: float  # the share of the top k trials in the edge zone

    def message(self) -> str:
        """One line for people, e.g. ``best at the upper bound 100: widen to 1000?``."""
        if self.new_bound is None:
            return f"best at the {self.side} bound {self.bound!r} (a hard limit: cannot widen)"
        return f"best at the {self.side} bound {self.bound!r}: widen to {self.new_bound!r}?"


def _axis(dim: Dimension, x: float) -> float:
    return math.log10(x) if dim.is_log else float(x)


def at_bounds(space: Space, ranked: list[dict[str, Any]]) -> list[Edge]:
    """The flagged sides of ``space``'s dimensions.

    ``ranked``: raw params of complete trials inside ``space``, best first.
    """
    out: list[Edge] = []
    for dim in space.visible():
        if not dim.is_bounded or dim.low is None or dim.high is None or dim.high <= dim.low:
            continue
        values = [p[dim.key] for p in ranked if dim.key in p]  # inside the space: valid values
        if len(values) < MIN_TRIALS:
            continue
        lo, hi = _axis(dim, dim.low), _axis(dim, dim.high)
        zone = ZONE * (hi - lo)
        top = [_axis(dim, v) for v in values[: max(3, math.ceil(TOP_SHARE * len(values)))]]
        for side, sign, edge in (("lower", -1, lo), ("upper", 1, hi)):
            near = [sign * (x - edge) >= -zone for x in top]  # within the zone of that side
            share = sum(near) / len(near)
            if near[0] and share >= 0.5:
                bound = dim.low if side == "lower" else dim.high
                new_bound = widened_bound(dim, side)
                new_range = _new_range(dim, side, new_bound)
                out.append(Edge(dim.key, dim.label, side, _plain(dim, bound), new_bound, new_range, share))
    return out


def _new_range(dim: Dimension, side: str, new_bound: Any) -> tuple[Any, ...] | None:
    if new_bound is None:
        return None
    low, high = (new_bound, dim.high) if side == "lower" else (dim.low, new_bound)
    return (_plain(dim, low), _plain(dim, high)) + ((dim.q,) if dim.kind == "quniform" else ())


def _plain(dim: Dimension, x: Any) -> Any:
    return int(x) if dim.is_int and float(x).is_integer() else x


def widened_bound(dim: Dimension, side: str) -> Any:
    """Where widening moves ``dim``'s bound on ``side`` ("lower" or "upper"), or None at a hard limit."""
    if side not in ("lower", "upper"):
        raise ValueError(f"side must be 'lower' or 'upper', got {side!r}")
    assert dim.low is not None and dim.high is not None
    low, high = dim.low, dim.high
    integer = dim.kind in INT_KINDS
    if dim.is_log:
        new = low / 10 if side == "lower" else high * 10
        if integer:
            new = max(1, math.floor(new)) if side == "lower" else math.ceil(new)
        if not (math.isfinite(new) and new > 0) or new == (low if side == "lower" else high):
            return None
        return new
    width = high - low
    if dim.kind == "quniform" and dim.q:
        width = max(dim.q, math.ceil(width / dim.q - 1e-9) * dim.q)  # stays on the grid of q
    floor = 1 if integer and low >= 1 else 0  # a bound does not cross zero (counts stay ≥ 1)
    if side == "lower":
        # as far as floats reach: the new range's width must be a float too (refine takes it)
        new = max(low - width, -MAX, high - MAX)
        if low >= 0:
            new = max(new, floor)
        if new >= low:
            return None
    else:
        new = min(high + width, MAX, low + MAX)
        if high <= 0:
            new = min(new, -floor if integer and high <= -1 else 0)
        if new <= high:
            return None
    if dim.kind == "quniform":
        new = on_step(new, dim.q)
        return int(new) if dim.as_int else new
    return int(new) if integer else new
