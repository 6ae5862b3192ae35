"""Pruners: stop a trial early when its ``tune.report`` values fall behind.

A pruner is asked at every report, ``should_prune(study, number, step, value)``,
and answers whether the trial stops there. It keeps every trial's reports
itself (trials still running included: they are the ones worth comparing
against), behind its own lock, because reports may arrive from several trials
at once and from any thread; it needs nothing from the study but its direction.

Two rules:

- :class:`MedianPruner` (``--prune median``): stop a trial whose report at a step
  is worse than the median of the other trials' reports at that same step, once
  enough other trials have reported there and past a few warm-up steps.
- :class:`HyperbandPruner` (``--prune hyperband``): several halving brackets whose first
  rungs sit at later and later steps, each trial in one of them.
- :class:`~hpmagic.search.folds.FoldsPruner` (``--prune folds``): a paired test of a
  trial's CV folds against the best trial's same folds (see :mod:`hpmagic.search.folds`).
- :class:`HalvingPruner` (``--prune halving``): asynchronous successive halving.
  Rungs sit at steps ``min_resource * reduction_factor**k``; a trial reaching a
  rung goes on only if its value there is among the best ``1/reduction_factor``
  of all values recorded at that rung so far.

A pruned trial keeps its last reported value. How the search is told about it
is :func:`search_loss`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, Protocol

from ..core.trials import Direction


class Pruner(Protocol):
    """What a study needs of a pruner."""

    def should_prune(
        self, study: Any, number: int, step: int, value: float, folds: int | None = None
    ) -> bool | list[float]: ...

    def add_history(
        self, number: int, reports: Iterable[tuple[int, float]], folds: int | None = None
    ) -> None: ...


def _sign(study: Any, folds: int | None = None) -> float:
    """+1 when lower reports are better; a CV fold's score (``folds`` given) is better higher."""
    return -1.0 if folds else Direction.of(getattr(study, "direction", None)).sign


class _Reports:
    """Every trial's reports by step, behind a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_trial: dict[int, dict[int, float]] = {}

    def add_history(
        self, number: int, reports: Iterable[tuple[int, float]], folds: int | None = None
    ) -> None:
        """Reports of a trial that ended before this pruner existed (a continued study)."""
        with self._lock:
            mine = self._by_trial.setdefault(number, {})
            for step, value in reports:
                if math.isfinite(value):
                    mine[int(step)] = float(value)


class MedianPruner(_Reports):
    """Prune below the median of the other trials at the same step."""

    def __init__(self, warmup_trials: int = 5, warmup_steps: int = 1) -> None:
        super().__init__()
        #: other trials that must have reported at a step before it can prune there
        self.warmup_trials = warmup_trials
        #: steps below this never prune (the first epochs are noisy)
        self.warmup_steps = warmup_steps

    def should_prune(
        self, study: Any, number: int, step: int, value: float, folds: int | None = None
    ) -> bool:
        """Record the report; True if the trial should stop here."""
        if not math.isfinite(value):
            return False
        with self._lock:
            self._by_trial.setdefault(number, {})[step] = value
            if step < self.warmup_steps:
                return False
            others = [r[step] for n, r in self._by_trial.items() if n != number and step in r]
        if len(others) < self.warmup_trials:
            return False
        others.sort()
        mid = len(others) // 2
        median = others[mid] if len(others) % 2 else (others[mid - 1] + others[mid]) / 2
        return _sign(study, folds) * value > _sign(study, folds) * median


class HalvingPruner(_Reports):
    """Asynchronous successive halving over the report steps."""

    def __init__(self, reduction_factor: int = 3, min_resource: int = 1) -> None:
        super().__init__()
        if reduction_factor < 2 or min_resource < 1:
            raise ValueError("halving needs reduction_factor >= 2 and min_resource >= 1")
        self.reduction_factor = reduction_factor
        self.min_resource = min_resource
        self._rungs: dict[int, dict[int, float]] = {}  # rung → trial → value there

    def rung_of(self, step: int) -> int:
        """The highest rung a report at ``step`` reaches (-1 below the first)."""
        if step < self.min_resource:
            return -1
        k = 0
        while self.min_resource * self.reduction_factor ** (k + 1) <= step:
            k += 1
        return k

    def add_history(
        self, number: int, reports: Iterable[tuple[int, float]], folds: int | None = None
    ) -> None:
        reports = list(reports)
        super().add_history(number, reports)
        with self._lock:
            for step, value in reports:
                self._enter(number, int(step), float(value))

    def _enter(self, number: int, step: int, value: float) -> int:
        """Put a report into the rungs it reaches first; returns the rung (-1: none new)."""
        if not math.isfinite(value):
            return -1
        rung = self.rung_of(step)
        entered = -1
        for k in range(rung + 1):
            values = self._rungs.setdefault(k, {})
            if number not in values:
                values[number] = value
                entered = k
        return entered

    def should_prune(
        self, study: Any, number: int, step: int, value: float, folds: int | None = None
    ) -> bool:
        """Record the report; True if the trial is not among the best at the rung it reached."""
        with self._lock:
            if math.isfinite(value):
                self._by_trial.setdefault(number, {})[step] = value
            rung = self._enter(number, step, value)
            if rung < 0:
                return False
            values = list(self._rungs[rung].values())
        if len(values) < self.reduction_factor:
            return False  # too few at this rung to halve
        keep = max(1, math.ceil(len(values) / self.reduction_factor))
        sign = _sign(study, folds)
        better = sum(1 for v in values if sign * v < sign * value)
        return better >= keep


class HyperbandPruner:
    """Asynchronous Hyperband: several halving brackets, each starting its rungs at a later step.

    Bracket ``s`` halves at steps ``min_resource * reduction_factor**(s + k)``: bracket 0 stops
    trials after their first step, the last bracket lets its trials run far before judging them,
    which saves the trials whose early reports mislead (a slow start, a high learning rate that
    pays off late). A trial joins bracket ``number % brackets`` at its first report; the number
    of brackets grows with the furthest step reported so far (one per rung that step reaches),
    so nothing needs to know the maximum resource ahead. Within a bracket, trials are compared
    only with the bracket's own trials, as in Hyperband.
    """

    def __init__(self, reduction_factor: int = 3, min_resource: int = 1, max_brackets: int = 4) -> None:
        if max_brackets < 1:
            raise ValueError("hyperband needs max_brackets >= 1")
        self.reduction_factor = reduction_factor
        self.min_resource = min_resource
        self.max_brackets = max_brackets
        self._lock = threading.Lock()
        self._brackets = [
            HalvingPruner(reduction_factor, min_resource * reduction_factor**s) for s in range(max_brackets)
        ]
        self._bracket_of: dict[int, int] = {}
        self._furthest = 0

    def _open_brackets(self) -> int:
        """Brackets in use: one per rung the furthest step so far reaches (at least one)."""
        return max(1, min(self.max_brackets, self._brackets[0].rung_of(self._furthest) + 1))

    def bracket(self, number: int, step: int) -> HalvingPruner:
        with self._lock:
            self._furthest = max(self._furthest, step)
            if number not in self._bracket_of:
                self._bracket_of[number] = number % self._open_brackets()
            return self._brackets[self._bracket_of[number]]

    def add_history(
        self, number: int, reports: Iterable[tuple[int, float]], folds: int | None = None
    ) -> None:
        reports = list(reports)
        if reports:
            self.bracket(number, max(int(s) for s, _ in reports)).add_history(number, reports)

    def should_prune(
        self, study: Any, number: int, step: int, value: float, folds: int | None = None
    ) -> bool:
        """True if the trial is not among the best of its bracket at the rung it reached."""
        return self.bracket(number, step).should_prune(study, number, step, value, folds)


def make_pruner(name: str | None) -> Pruner | None:
    """The pruner ``--prune`` names (``None`` for "none")."""
    if name in (None, "", "none"):
        return None
    if name == "median":
        return MedianPruner()
    if name == "halving":
        return HalvingPruner()
    if name == "hyperband":
        return HyperbandPruner()
    if name == "folds":
        from .folds import FoldsPruner

        return FoldsPruner()
    raise ValueError(f"unknown pruner {name!r}; choose one of none, median, halving, hyperband, folds")


def search_loss(
    trial: Any, direction: str, trials: Iterable[Any] = (), policy: str = "worst"
) -> float | None:
    """The loss a search is told for an ended trial (``None``: not told).

    Complete trials are told their value (negated when maximising); failed ones
    never. A pruned trial is told by ``policy``: "worst" (the default), "last" (its
    last reported value as it is) or "none" (not told at all). "worst"
    tells it the larger of its last reported loss and the worst complete loss
    among ``trials``: a pruning decision says "this configuration fell behind",
    so it belongs with the poor trials in TPE's model, whatever the scale of the
    intermediate values against the final objective (a training loss reported
    per epoch, a validation error returned at the end). TPE splits the trials by
    rank into good and poor, so the exact number does not distort its model; not
    telling pruned trials at all lets TPE keep sampling the regions they came from.
    """
    value, state = trial.value, trial.state
    if value is None or not math.isfinite(value) or state not in ("complete", "pruned"):
        return None
    sign = Direction.of(direction).sign
    loss = sign * value
    if state == "complete":
        return loss
    if policy == "none":
        return None
    if policy == "worst":
        done = [sign * t.value for t in trials if t.state == "complete" and t.value is not None]
        return max([loss, *done])
    return loss


def search_losses(trials: list[Any], direction: str, policy: str = "worst") -> list[float | None]:
    """:func:`search_loss` of every trial, the worst complete loss found once (warm starts)."""
    sign = Direction.of(direction).sign
    done = [sign * t.value for t in trials if t.state == "complete" and t.value is not None]
    worst = [SimpleNamespace(state="complete", value=sign * max(done))] if done else []
    return [search_loss(t, direction, worst, policy) for t in trials]
