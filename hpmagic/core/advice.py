"""Advice: what to change in a search space, read from the trials so far, each with its action.

Edge warnings (:mod:`hpmagic.core.edges`) say a bound should move. This module adds
three kinds, each an :class:`Advice` whose action is data (``refine``: ranges for
``study.refine``; ``then``: ``"run"`` to continue the search, ``"stop"`` to end it):

- ``"log-scale"``: a linear range (uniform or int) spanning at least two decades
  (``high / low >= 100``, ``low > 0``) whose good trials crowd its bottom tenth,
  i.e. every decade below ``high / 10``. A linear scale samples those decades only one
  trial in ten; the same range on a log scale gives each decade the same share. The
  rule is the edges' one: at least :data:`MIN_TRIALS` complete trials with the
  dimension active, the best of them in the bottom tenth and so at least half of
  the top ``k`` (``k = max(3, 10 %)``). Action: ``refine(C=("log", low, high))``, continue.
- ``"freeze"``: a dimension that does not matter anywhere in its range, after at least
  :func:`freeze_min_trials` complete trials: its importance
  (:mod:`hpmagic.search.importance`, where the trials lie) is under :data:`FREEZE_SHARE`
  *and* a GP with a length scale per dimension (:mod:`hpmagic.search.relevance`) finds
  the objective flat along it (a length scale of at least :data:`FREEZE_LENGTH` times
  its range; a dimension already tuned has a small share but a short length scale,
  and is left alone), with the best trial's value to freeze it at. Action: ``refine(C=value)`` (a choice:
  ``refine(model=[option])``), continue; ``code()`` then writes that value, and
  ``code(ranges=True)`` writes it in place of the annotation.
- ``"done"``: an estimate that further trials are unlikely to beat the best by more
  than the objective's noise (:mod:`hpmagic.search.regret`: a regret bound against a
  noise estimate). Action: stop; ``--stop-when-done`` takes it on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .space import Dimension, Space

MIN_TRIALS = 10  # complete trials with the dimension active before a scale is advised
TOP_SHARE = 0.1  # the top k: this share of the complete trials, at least 3
DECADES = 2  # a linear range spanning at least this many decades may be advised a log scale
FREEZE_SHARE = 0.05  # importance under this share, and
FREEZE_LENGTH = 50.0  # a GP length scale this many times the range: the objective is flat along it
#: the label a button shows for each kind's action
ACTIONS = {"log-scale": "Log scale", "freeze": "Freeze", "done": "Stop", "widen": "Widen"}


@dataclass(frozen=True)
class Advice:
    """One piece of advice: what, about which dimension, and the action as data."""

    kind: str  # "log-scale", "freeze", "done" (and "widen" for an edge)
    label: str  # the dimension's label; "" for the study as a whole
    message: str  # one line for people
    refine: dict[str, Any] = field(default_factory=dict)  # ranges for ``study.refine``
    then: str = "run"  # "run": continue the search; "stop": end it
    key: str = ""  # the dimension's key (the label unless shared)

    def line(self) -> str:
        """``log-scale C: good trials crowd …`` for the text summary and ``%tune_status``."""
        return f"{self.kind} {self.label}: {self.message}" if self.label else f"{self.kind}: {self.message}"

    @property
    def action(self) -> str:
        """What the dashboard's button says (``Log scale & continue``, ``Stop``)."""
        verb = ACTIONS.get(self.kind, self.kind)
        return verb if self.then == "stop" else f"{verb} & continue"


def _short(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def log_scale(space: Space, ranked: list[dict[str, Any]]) -> list[Advice]:
    """The linear dimensions whose good trials crowd their bottom tenth (``ranked``: raw params
    of complete trials inside ``space``, best first)."""
    out: list[Advice] = []
    for dim in space.visible():
        if dim.kind not in ("uniform", "int") or dim.low is None or dim.high is None:
            continue
        if dim.low <= 0 or (dim.kind == "int" and dim.low < 1):
            continue  # a log scale needs positive values (integers from 1)
        if dim.high / dim.low < 10**DECADES:
            continue
        values = [p[dim.key] for p in ranked if dim.key in p]
        if len(values) < MIN_TRIALS:
            continue
        bottom = dim.low + (dim.high - dim.low) / 10
        top = values[: max(3, math.ceil(TOP_SHARE * len(values)))]
        near = [v <= bottom for v in top]
        share = sum(near) / len(near)
        if near[0] and share >= 0.5:
            decades = math.log10(dim.high / dim.low)
            message = (
                f"{share:.0%} of the best trials lie in the bottom tenth of {_short(dim.low)}…"
                f"{_short(dim.high)} (below {_short(bottom)}), a range of {decades:.1f} decades: "
                "search it on a log scale?"
            )
            action = {dim.key: ("log", dim._num(dim.low), dim._num(dim.high))}
            out.append(Advice("log-scale", dim.label, message, action, "run", dim.key))
    return out


def freeze_min_trials(space: Space) -> int:
    """Complete trials needed before a dimension is called unimportant: 40, and 15 per label
    (with fewer, a forest of TPE's trials sees structure in dimensions that have none)."""
    return max(40, 15 * len({d.label for d in space.dims}))


def _frozen(dim: Dimension) -> bool:
    if dim.is_choice:
        return len(dim.allowed) <= 1
    return dim.is_bounded and dim.low == dim.high


def freeze(
    space: Space,
    shares: dict[str, float],
    lengths: dict[str, float],
    best_raw: dict[str, Any] | None,
    n_complete: int,
) -> list[Advice]:
    """The dimensions that do not matter, each with the best trial's value to freeze it at
    (``shares``: ``importance()``, label → share; ``lengths``: label → GP length scale)."""
    if best_raw is None or len(shares) < 2 or n_complete < freeze_min_trials(space):
        return []
    out: list[Advice] = []
    for label, share in shares.items():
        if share >= FREEZE_SHARE or lengths.get(label, 0.0) < FREEZE_LENGTH:
            continue
        dims = [d for d in space.visible() if d.label == label and d.key in best_raw]
        dims = [d for d in dims if not _frozen(d) and d.kind not in ("normal", "lognormal")]
        if len(dims) != 1:
            continue  # not in the best trial (an option it did not choose), or already frozen
        dim = dims[0]
        value = best_raw[dim.key]
        shown = dim.options[value] if dim.is_choice else value
        action = {dim.key: [shown] if dim.is_choice else value}
        message = (
            f"explains {share:.1%} of the objective's variation after {n_complete} trials, which are "
            f"flat along it: freeze it at the best trial's "
            f"{_short(shown) if not dim.is_choice else repr(shown)}?"
        )
        out.append(Advice("freeze", label, message, action, "run", dim.key))
    return out


def done(regret: float, noise: float, n_complete: int, direction: str = "minimize") -> list[Advice]:
    """ "Little left to gain" when the regret bound is within the noise (else nothing)."""
    if not (math.isfinite(regret) and math.isfinite(noise)) or regret > noise:
        return []
    word = "raise" if direction == "maximize" else "lower"
    message = (
        f"after {n_complete} trials, more are unlikely to {word} the best by more than the "
        f"objective's noise (regret bound {regret:.3g} ≤ noise {noise:.3g}): stop here?"
    )
    return [Advice("done", "", message, {}, "stop")]
