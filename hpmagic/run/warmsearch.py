"""How a warm start's trials steer the search: placed on the study's scale, and kept only if they help.

A source measured another task (other data, another split), so two things are not
trusted as they are. Its *scale*: :func:`calibrated` places each source trial at the
same quantile among the study's own values, and where the study has measured near a
source trial, the study's value replaces it. And whether it *helps at all*: the first
trials are a contest (:class:`Contest`, asked through :class:`Alternating`) between the
search seeded by the source and a search without it, each learning only from its own
trials; the source is dropped when its side's best is worse than the median of the
other side's trials. The seeded side's first trial is the source's best point, so the
best the source knows is measured here at once.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ..core.space import Space
from ..core.trials import COMPLETE, Trial

#: the first own trials of a warm-started study alternate: one asked of the search seeded by
#: the source, one of a search of the study's own trials alone; after PAIRS of each the
#: source is dropped when its side's best did worse than the median of the other side's
#: trials (a clear loss: two similar bests differ by noise, and a source that helps is kept)
PAIRS = 3


class Contest:
    """Which of the study's first trials each side asked for, and how they ended."""

    def __init__(self, first: dict[str, Any] | None = None) -> None:
        #: the source's best point: the seeded side's first trial, so its best is measured here at once
        self.first = first
        self.asked: dict[int, str] = {}  # trial number → "warm" or "cold"
        self.losses: dict[str, list[float]] = {"warm": [], "cold": []}  # failed trials: inf
        self.ended = 0

    @property
    def best(self) -> dict[str, float]:
        return {who: min(losses, default=math.inf) for who, losses in self.losses.items()}

    def median(self, who: str) -> float:
        ordered = sorted(self.losses[who]) or [math.inf]
        return ordered[(len(ordered) - 1) // 2]

    def side(self) -> str:
        """Whose turn it is to ask."""
        return "warm" if len(self.asked) % 2 == 0 else "cold"

    def ended_trial(self, number: int, loss: float | None) -> str | None:
        """Count an ended trial; once each side's trials have ended, "kept" or "dropped"."""
        who = self.asked.get(number)
        if who is None:
            return None
        self.ended += 1
        self.losses[who].append(math.inf if loss is None else loss)
        if self.ended < 2 * PAIRS:
            return None
        return "dropped" if self.median("cold") < self.best["warm"] else "kept"


class Alternating:
    """The searcher a study asks while the contest goes on: the seeded search and the study's
    own take turns; results are told to both by the study (see SearchSession.tell)."""

    def __init__(self, warm: Any, cold: Any, contest: Contest) -> None:
        self.warm, self.cold, self.contest = warm, cold, contest
        self.space = warm.space

    @property
    def numbers(self) -> list[int]:
        return self.warm.numbers

    def ask(self, number: int) -> dict[str, Any]:
        who = self.contest.side()
        self.contest.asked[number] = who
        first, self.contest.first = (
            (self.contest.first, None) if who == "warm" else (None, self.contest.first)
        )
        if first is not None and self.space.contains(first):
            return dict(first)
        return (self.warm if who == "warm" else self.cold).ask(number)

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        return self.warm.tell(number, raw, loss, failed)


def _coordinate(dim: Any, value: Any) -> float:
    """A value's place on its dimension, about 0 to 1 (log scales in logarithms)."""
    if dim.is_choice:
        return float(value)
    if not dim.is_bounded:
        x = math.log(value) if dim.is_log and value > 0 else float(value)
        return (x - (dim.mu or 0.0)) / (8 * (dim.sigma or 1.0))
    lo, hi, x = float(dim.low), float(dim.high), float(value)
    if dim.is_log:
        lo, hi, x = math.log(lo), math.log(hi), math.log(max(x, 1e-300))
    return (x - lo) / (hi - lo) if hi > lo else 0.0


def distance(space: Space, a: dict[str, Any], b: dict[str, Any]) -> float:
    """How far two points lie apart: squared differences of coordinates; 1 for another option
    or a dimension active in one point only."""
    total = 0.0
    for key in set(a) | set(b):
        dim = space.by_key.get(key)
        if dim is None or key not in a or key not in b:
            total += 1.0
        elif dim.is_choice:
            total += float(a[key] != b[key])
        else:
            total += (_coordinate(dim, a[key]) - _coordinate(dim, b[key])) ** 2
    return total


#: how near (in unit coordinates, per dimension) the study's own trial must be to speak for a source trial
NEAR = 0.1
#: the study's own trials after which the warm trials' values are no longer renewed at each ask
CALIBRATE_UNTIL = 50


def calibrated(space: Space, warm: list[Trial], own: list[Trial], sign: float) -> list[Trial]:
    """The warm trials with the values the search is told, given the study's own trials.

    The source's values come from another task: only their order is trusted, so each is
    placed at the same quantile among the study's own values (once it has two), and never
    ahead of the study's own trial of that rank. Where an own trial lies near a source trial,
    what the study measured there speaks instead: a source that points to a region that
    proves poor here stops pulling the search there.
    """
    done = [t for t in own if t.state == COMPLETE and t.finite_value is not None and t.feasible]
    if not done:
        return warm
    losses = sorted(sign * t.value for t in done)
    source = sorted(sign * t.value for t in warm if t.finite_value is not None)
    reach = NEAR**2 * max(1, len(space.dims))
    out = []
    for w in warm:
        if w.finite_value is None:
            out.append(w)
            continue
        near = min(done, key=lambda t: distance(space, w.raw, t.raw))
        if distance(space, w.raw, near.raw) <= reach:
            loss = sign * near.value
        elif len(losses) >= 2:
            q = source.index(sign * w.value) / max(1, len(source) - 1)
            loss = _quantile(losses, q)
        else:
            out.append(w)
            continue
        out.append(replace(w, value=sign * loss))
    return out


def _quantile(ordered: list[float], q: float) -> float:
    at = q * (len(ordered) - 1)
    lo = int(math.floor(at))
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (at - lo)
