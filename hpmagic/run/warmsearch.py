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

import bisect
import math
from dataclasses import replace
from typing import Any

import numpy as np

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


def _encode(space: Space, points: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Each point's coordinates on the numeric dimensions (NaN where inactive) and its options
    on the choices (-1 where inactive)."""
    numeric = [d for d in space.dims if not d.is_choice]
    choices = [d for d in space.dims if d.is_choice]
    x = np.full((len(points), len(numeric)), np.nan)
    c = np.full((len(points), len(choices)), -1, dtype=np.int64)
    for i, raw in enumerate(points):
        for j, dim in enumerate(numeric):
            if dim.key in raw:
                x[i, j] = _coordinate(dim, raw[dim.key])
        for j, dim in enumerate(choices):
            if dim.key in raw:
                c[i, j] = raw[dim.key]
    return x, c


def distances(space: Space, a: list[Any], b: list[Any]) -> np.ndarray:
    """Squared distances between the points ``a`` and ``b`` (rows: ``a``): squared differences of
    coordinates, 1 for another option or a dimension active in one point only."""
    xa, ca = _encode(space, a)
    xb, cb = _encode(space, b)
    out = np.empty((len(a), len(b)))
    step = max(1, 2_000_000 // max(1, len(b) * (xa.shape[1] + ca.shape[1])))  # bounded memory
    for lo in range(0, len(a), step):
        pa, pb = xa[lo : lo + step, None, :], xb[None, :, :]
        on_a, on_b = ~np.isnan(pa), ~np.isnan(pb)
        squared = np.where(on_a & on_b, np.nan_to_num(pa - pb) ** 2, 0.0).sum(-1)
        out[lo : lo + step] = (
            squared + (on_a ^ on_b).sum(-1) + (ca[lo : lo + step, None, :] != cb[None]).sum(-1)
        )
    return out


#: how near (in unit coordinates, per dimension) the study's own trial must be to speak for a source trial
NEAR = 0.25
#: the study's own trials after which the warm trials' values are no longer renewed at each ask
CALIBRATE_UNTIL = 50


def calibrated(space: Space, warm: list[Trial], own: list[Trial], sign: float) -> list[Trial]:
    """The warm trials with the values the search is told, given the study's own trials.

    The source's values come from another task: only their order is trusted, so each is
    placed at the same quantile among the study's own values (once it has two). Where an
    own trial lies near a source trial,
    what the study measured there speaks instead: a source that points to a region that
    proves poor here stops pulling the search there.
    """
    done = [t for t in own if t.state == COMPLETE and t.finite_value is not None and t.feasible]
    told = [i for i, w in enumerate(warm) if w.finite_value is not None]
    if not done or not told:
        return warm
    losses = sorted(sign * t.value for t in done)
    source = sorted(sign * warm[i].value for i in told)
    apart = distances(space, [warm[i].raw for i in told], [t.raw for t in done])
    nearest = apart.argmin(axis=1)
    reach = NEAR**2 * max(1, len(space.dims))
    out = list(warm)
    for row, i in enumerate(told):
        w = warm[i]
        if apart[row, nearest[row]] <= reach:
            loss = sign * done[nearest[row]].value
        elif len(losses) >= 2:
            loss = _quantile(losses, bisect.bisect_left(source, sign * w.value) / max(1, len(source) - 1))
        else:
            continue
        out[i] = replace(w, value=sign * loss)
    return _untied(warm, out, told, [sign * t.value for t in done], sign)


def _untied(
    warm: list[Trial],
    placed: list[Trial],
    told: list[int],
    own: list[float],
    sign: float,
) -> list[Trial]:
    """The ``placed`` warm trials moved apart by less than any gap between values, so none ties.

    Placing copies values: every source trial near one own trial takes its value, and the
    source's best takes the own best. To the search, equal values are a plateau, whose good
    trials it draws among them anew at each ask; copies are no plateau. So ties are broken
    by what is known: the study's measured trial ahead of the copies, and the copies in
    the source's own order. (On 30 seeds not used before, this beat drawing among the ties
    on all 8 cells of ``benchmarks/warm_start.py``.)
    """
    losses = [sign * placed[i].value for i in told]
    values = np.unique(np.asarray(losses + own, dtype=float))
    values = values[np.isfinite(values)]
    gaps = np.diff(values)
    step = float(gaps.min()) / 2 if len(gaps) else 1e-9 * max(1.0, float(np.abs(values).max(initial=0.0)))
    by_source = sorted(told, key=lambda i: (sign * warm[i].value, i))
    rank = {i: r for r, i in enumerate(by_source)}
    out = list(placed)
    for i, loss in zip(told, losses):
        out[i] = replace(placed[i], value=sign * (loss + step * (1 + rank[i]) / (len(told) + 1)))
    return out


def _quantile(ordered: list[float], q: float) -> float:
    at = q * (len(ordered) - 1)
    lo = int(math.floor(at))
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (at - lo)
