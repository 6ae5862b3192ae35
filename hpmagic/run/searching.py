"""A study's search across runs and refinements: built from the ledger, told every ended trial.

The searcher is made lazily from the trials the ledger holds (so a refined space or
a direction that turned round rebuilds it at the next ask) and told each ended trial
with the loss the pruning policy gives it. With several objectives a trial's place
depends on all the others (its non-domination rank), so before each ask the search
is told every trial's key anew (:func:`objective_keys`): re-scored in place where
the searcher can, else rebuilt.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.objectives import Objective, objective_keys
from ..core.options import DEFAULT_MAX_EVALS
from ..core.space import Space
from ..core.trials import COMPLETE, FAILED, Direction, Trial
from ..search import grid, pruning
from ..search.base import Searcher
from ..search.searcher import SearchSettings, make_searcher
from .warmsearch import Alternating, Contest


class SearchSession:
    """The algorithm, its settings and random state, and the current searcher (or none yet)."""

    def __init__(
        self,
        algo: str,
        settings: SearchSettings,
        rng: np.random.Generator,
        objectives: tuple[Objective, ...] = (),
    ) -> None:
        self.algo = algo
        self.settings = settings
        self.rng = rng
        self.objectives = objectives
        self.current: Searcher | None = None
        self._rescored_at = -1  # with several objectives: how many trials the keys were computed for
        #: raw points queued by hand (enqueue, --start-at-defaults): asked before the searcher
        self.queue: deque[dict[str, Any]] = deque()
        #: trial number → raw point of the trials running now: a rebuilt grid holds them back
        self.pending: dict[int, dict[str, Any]] = {}
        #: --warm-start: what seeded the search, and its trials (numbered below 0), told before the study's
        self.warm_start: Any = None
        self.warm: list[Trial] = []
        self.calibrate = True  # False: the source's values are told as they are (benchmarks compare)
        self._calibrated_warm: list[Trial] | None = None
        #: while a warm start is on trial: the contest, and the search of the study's own trials alone
        self.testing: Contest | None = None
        self._cold: Searcher | None = None
        #: trials in flight by number: which search proposed each (``--algo auto``), until recorded
        self.proposers: dict[int, str] = {}

    def note_proposer(self, number: int, searcher: Searcher) -> None:
        """Remember which search proposed trial ``number``, where the searcher says (``auto``)."""
        proposer = getattr(searcher, "proposer", None)
        by = proposer(number) if proposer is not None else None
        if by:
            self.proposers[number] = by

    def seed(self, warm_start: Any) -> None:
        """Tell the search a warm start's trials first, whenever it is built (see hpmagic.run.warmstart)."""
        self.warm_start = warm_start
        self.warm = list(warm_start.trials)
        self.current = self._cold = None
        # with one objective, the first trials test whether the source helps here
        best = Direction.of(warm_start.direction).best(self.warm) if self.warm else None
        self.testing = (
            Contest(dict(best.raw) if best else None) if self.warm and not self.objectives else None
        )

    def searcher(
        self,
        space: Space,
        trials: list[Trial],
        direction: Direction,
        keys: Callable[[], dict[int, float]],
    ) -> Searcher:
        """The searcher, told every trial's key anew with several objectives. ``keys``: the
        trials' keys (``objective_keys``), kept by whoever holds ``trials`` (the study's ledger).
        While a warm start is on trial, the seeded search and the study's own take turns."""
        seeded = self._seeded(space, trials, direction, keys)
        if self.testing is None:
            return seeded
        if self._cold is None:  # the study's trials but those the seeded side asked for
            trials = [t for t in trials if self.testing.asked.get(t.number) != "warm"]
            losses = search_losses(trials, direction, self.settings.pruned)
            history = [(t.number, t.raw, loss, t.state == FAILED) for t, loss in zip(trials, losses)]
            self._cold = make_searcher(self.algo, space, self.rng, history, self.effective_settings())
        return Alternating(seeded, self._cold, self.testing)  # type: ignore[return-value]

    def judge(self, trial: Trial, trials: list[Trial], direction: Direction) -> str | None:
        """Count an ended trial in the warm start's trial; a note when the source is dropped."""
        if self.testing is None:
            return None
        good = trial.state == COMPLETE and trial.finite_value is not None and trial.feasible
        verdict = self.testing.ended_trial(
            trial.number, Direction.of(direction).loss(trial.value) if good else None
        )
        if verdict is None:
            return None
        contest, self.testing, self._cold = self.testing, None, None
        self.current = None  # from now on, one search told every trial
        self.warm_start.verdict = verdict
        if verdict == "kept":
            return None
        self.warm, self.current = [], None  # the search goes on from the study's own trials
        sign = Direction.of(direction).sign
        return (
            f"warm start dropped after {contest.ended} trials: the best trial it suggested "
            f"({sign * contest.best['warm']:.6g}) did worse here than most trials of a search without it "
            f"(median {sign * contest.median('cold'):.6g}, best {sign * contest.best['cold']:.6g})"
        )

    def _seeded(
        self,
        space: Space,
        trials: list[Trial],
        direction: Direction,
        keys: Callable[[], dict[int, float]],
    ) -> Searcher:
        """The search told the warm start's trials (if any) and the study's own (while the source is
        on trial, not those the search without it asked for: each side learns from its own)."""
        if self.testing is not None:
            trials = [t for t in trials if self.testing.asked.get(t.number) != "cold"]
        if self.warm:  # told first, ranked with the study's own trials
            if self.calibrate and not self.objectives:
                trials = self._calibrated(space, trials, direction) + trials
            else:
                trials = self.warm + trials
            if self.objectives:
                keys = lambda: objective_keys(trials, self.objectives)  # noqa: E731
        if self.objectives and self.current is not None and self._rescored_at != len(trials):
            rescore = getattr(self.current, "rescore", None)
            if rescore is None:
                self.current = None  # rebuilt below with every trial's new key
            else:
                rescore(keys())
                self._rescored_at = len(trials)
        if self.current is None:
            if self.objectives:
                ranked = keys()
                losses: list[float | None] = [ranked.get(t.number) for t in trials]
                self._rescored_at = len(trials)
            else:
                losses = search_losses(trials, direction, self.settings.pruned)
            history = [(t.number, t.raw, loss, t.state == FAILED) for t, loss in zip(trials, losses)]
            self.current = make_searcher(self.algo, space, self.rng, history, self.effective_settings())
            hold = getattr(self.current, "hold", None)
            for raw in self.pending.values() if hold is not None else ():
                hold(raw)  # a point running in another slot is not handed out again
        return self.current

    def _calibrated(self, space: Space, trials: list[Trial], direction: Direction) -> list[Trial]:
        """The warm trials' values given the study's own (see hpmagic.run.warmsearch.calibrated),
        renewed at each ask while the study has few trials of its own, then kept."""
        from .warmsearch import CALIBRATE_UNTIL, calibrated

        if len(trials) > CALIBRATE_UNTIL and self._calibrated_warm is not None:
            return self._calibrated_warm
        self._calibrated_warm = calibrated(space, self.warm, trials, Direction.of(direction).sign)
        self.current = None  # built now from the renewed values, and again at the next ask
        return self._calibrated_warm

    def reset(self) -> None:
        """Forget the searcher: the space or the direction changed; the next ask rebuilds it."""
        self.current = self._cold = None

    def effective_settings(self) -> SearchSettings:
        """The settings the searcher is built with: whether there are several objectives (``auto``
        then keeps to the joint TPE) and, unless told, candidates recombine good trials with several
        objectives (they lie along a front; see hpmagic.search.joint_tpe)."""
        settings = replace(self.settings, several=bool(self.objectives))
        if settings.joint.recombine is not None:
            return settings
        return replace(settings, joint=replace(settings.joint, recombine=bool(self.objectives)))

    def tell(self, trial: Trial, trials: list[Trial], direction: Direction) -> None:
        """Tell the search an ended trial (pruned ones too; see hpmagic.search.pruning)."""
        self.pending.pop(trial.number, None)
        if self.current is not None:
            if self.objectives:  # a provisional key; every key is renewed before the next ask
                loss = None if trial.state != COMPLETE or not trial.values else math.inf
            else:
                loss = search_loss(trial, direction, trials, self.settings.pruned)
            side = self.testing.asked.get(trial.number) if self.testing is not None else None
            failed = trial.state == FAILED
            if side != "cold":
                self.current.tell(trial.number, trial.raw, loss, failed=failed)
            if side == "cold" and self._cold is not None:  # each side learns only from its own trials
                self._cold.tell(trial.number, trial.raw, loss, failed=failed)

    def default_n(self, space: Space, trials: list[Trial]) -> int:
        """Trials a run starts without -n: the untried grid points for grid, else the default."""
        if self.algo != "grid":
            return DEFAULT_MAX_EVALS
        grid.check_size(space, "the grid", "give run(n) a number of trials")
        return max(1, grid.remaining(space, [t.raw for t in trials]))


def search_loss(trial: Trial, direction: str, trials: list[Trial], policy: str) -> float | None:
    """The loss the search is told: an infeasible trial's is the worst seen, so it is avoided.

    Like a pruned trial under the "worst" policy: told (so the model learns the region
    is poor, which a failed trial's silence would not teach hyperopt's TPE), but never
    better than the worst complete trial, whatever its own value.
    """
    loss = pruning.search_loss(trial, direction, trials, policy)
    if loss is None or trial.feasible:
        return loss
    sign = Direction.of(direction).sign
    done = [sign * t.value for t in trials if t.state == COMPLETE and t.finite_value is not None]
    return max([loss, *done])


def search_losses(trials: list[Trial], direction: str, policy: str) -> list[float | None]:
    """:func:`search_loss` of every trial (a warm start), the worst complete loss found once."""
    losses = pruning.search_losses(trials, direction, policy)
    if all(t.feasible for t in trials):
        return losses
    sign = Direction.of(direction).sign
    worst = max(
        (sign * t.value for t in trials if t.state == COMPLETE and t.finite_value is not None), default=None
    )
    return [
        loss if loss is None or t.feasible or worst is None else max(loss, worst)
        for t, loss in zip(trials, losses)
    ]


class SearchControl:
    """A mixin of the study: its search, built from the ledger and told each ended trial."""

    _lock: Any
    _searching: SearchSession
    _space: Space
    _ledger: Any
    direction: Direction

    def note(self, text: str, once: str | None = None) -> None:
        raise NotImplementedError

    @property
    def search_settings(self) -> SearchSettings:
        """How this study searches beyond its options (benchmarks compare settings through it)."""
        return self._searching.settings

    @search_settings.setter
    def search_settings(self, settings: SearchSettings) -> None:
        with self._lock:
            self._searching.settings = settings
            self._searching.reset()

    def _default_n(self) -> int:
        with self._lock:
            return self._searching.default_n(self._space, self._ledger.trials)

    def _searcher(self) -> Searcher:
        """The search, built from the ledger when the space or the direction changed."""
        with self._lock:
            # with several objectives the ledger's keys, also what Zoom to best and edge warnings rank by
            return self._searching.searcher(
                self._space, self._ledger.trials, self.direction, self._ledger.rank_keys
            )

    @property
    def warm_start(self) -> Any:
        """What ``--warm-start`` seeded the search with (:class:`hpmagic.run.warmstart.WarmStart`), or None."""
        return self._searching.warm_start

    @property
    def warm_trials(self) -> list[Trial]:
        """The warm start's trials that seed the search (numbered -1, -2, …; not in ``trials``)."""
        return list(self._searching.warm)

    def _tell(self, trial: Trial) -> None:
        self._searching.tell(trial, self._ledger.trials, self.direction)
        if self._searching.testing is not None:
            said = self._searching.judge(trial, self._ledger.trials, self.direction)
            if said:
                self.note(said)


def values_of(space: Space, raw: dict[str, Any]) -> dict[str, Any]:
    """The values a trial's cell runs with: the active dimensions of ``raw``, as Python values."""
    return {d.key: space.runtime_value(d.key, raw) for d in space.active(raw)}
