"""The study: the user's handle on a tuning study of one cell.

It holds the options, the space and the ledger of ended trials behind one lock, starts
runs (each in a background thread, see :mod:`hpmagic.run.loop`), and tells observers
what happened (:mod:`hpmagic.run.events`); it does not know who listens. ``refine``
swaps the space and rebuilds the search from the trials that fit; ``run`` starts more.
"""

from __future__ import annotations

import io
import numbers
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..core import context
from ..core.crossval import folds_ran
from ..core.numeric import seconds
from ..core.objectives import parse_objectives
from ..core.options import Options, OptionsError
from ..core.program import Program
from ..core.space import Space
from ..core.trials import Direction, Trial
from ..search import grid, pruning
from ..search.searcher import SearchSettings
from .advising import Advising
from .events import Observers, failure_note
from .execution import Executor
from .ledger import Ledger, first_direction
from .loop import make_executor, run_in_thread
from .queueing import Queueing
from .refining import Refinement
from .results import Results
from .searching import SearchControl, SearchSession


class Study(Refinement, Results, Queueing, SearchControl, Advising):
    """A tuning study of one cell. Built by :func:`create_study` (or ``%%tune``)."""

    def __init__(
        self,
        program: Program,
        namespace: dict[str, Any],
        options: Options | None = None,
        *,
        space: Space | None = None,
        history: list[Trial] | None = None,
        executor: Executor | None = None,
        first_number: int = 0,
        stored_direction: str | None = None,
        search_settings: SearchSettings | None = None,
    ) -> None:
        self.options = (options or Options()).check()
        self.program = program
        self.name = self.options.name or program.default_name()
        self.user_ns = namespace  # the namespace ``apply()`` writes to (the kernel's user namespace)
        self._snapshot = dict(namespace)
        self._lock = threading.RLock()
        self._space = space or Space.build(program, self._snapshot)
        self.notes: list[str] = []  # lasting one-line notes (study continued, space changed, store failed)
        self._noted: set[str] = set()
        #: several named objectives (--objectives): the first one is the direction and the value
        self.objectives = parse_objectives(self.options.objectives) if self.options.objectives else ()
        if self.objectives:  # trials read each named entry of the cell's dict
            self.program = program = replace(program, objectives=tuple(o.name for o in self.objectives))
        explicit = self.objectives[0].direction.value if self.objectives else self.options.direction
        direction, decided_by = first_direction(
            self.name, explicit, program.direction_hint, stored_direction, self.notes
        )
        history = list(history or [])
        self._ledger = Ledger(history, direction, decided_by, first_number, self.objectives)
        seed = self.options.seed
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "little")
        # a continued seeded study must not replay the points of its first run
        start = self._ledger.next_number
        rng = np.random.default_rng([self.seed, start] if start else self.seed)
        settings = search_settings or SearchSettings()
        self._searching = SearchSession(self.options.algo, settings, rng, self.objectives)
        self._executor, self._observers = executor, Observers()
        self._stop, self._done = threading.Event(), threading.Event()  # done: a run and its observers through
        self._done.set()
        self._active = False  # a run is going (false already while run_ended observers run)
        self.log = io.StringIO()  # output of the run thread outside trials
        self.end_reason: str | None = None  # completed, stopped, timeout, early-stop, done, failing, error
        self.message: str | None = None  # one line for people about the end of the run
        self.n_target = self.n_started = 0  # trials the current run is to start, and has started
        self.n_before_run = len(self._ledger.trials)  # trials that ended before the current run
        self.run_started_at: float | None = None  # and when it ended: wall-clock times of the last run
        self.run_ended_at: float | None = None
        self.pruner: Any = pruning.make_pruner(self.options.prune)  # decides on tune.report values
        for trial in self._ledger.trials if self.pruner is not None else ():
            ran = folds_ran(trial.extras)  # CV folds' scores, greater is better
            self.pruner.add_history(trial.number, trial.reports, folds=ran[1] if ran else None)
        if self.options.algo == "grid" and self.options.max_evals is None:
            advice = "give -n to run that many of them, or narrow the space"
            grid.check_size(self._space, "--algo grid", advice, error=OptionsError)
        self.on_report: Callable[[int, float, int], None] | None = None
        self.closed: str | None = None  # why run() is refused: the study was closed (see close)

    # -- reading ---------------------------------------------------------------
    @property
    def direction(self) -> Direction:
        """The study's direction (a str: "minimize" or "maximize")."""
        return self._ledger.direction

    @property
    def trials(self) -> list[Trial]:
        """The ended trials, in the order they ended (a copy: it does not grow as the run goes on)."""
        with self._lock:
            return list(self._ledger.trials)

    @property
    def best_trial(self) -> Trial | None:
        """The best complete, feasible trial (the Pareto front's first with several objectives), or None."""
        with self._lock:
            return self._ledger.best

    @property
    def running(self) -> bool:
        """Whether a run goes on (trials may still start or end)."""
        return self._active

    def counts(self) -> dict[str, int]:
        """How many ended trials are in each state, e.g. ``{"complete": 28, "failed": 1, "pruned": 1}``."""
        with self._lock:
            return self._ledger.counts()

    @property
    def n_ended_this_run(self) -> int:
        """Trials ended since the current (or last) run started."""
        with self._lock:
            return len(self._ledger.trials) - self.n_before_run

    def __len__(self) -> int:
        with self._lock:
            return len(self._ledger.trials)

    # -- observers and notes ---------------------------------------------------
    def subscribe(self, observer: Any) -> None:
        """``observer`` may define any method of :class:`hpmagic.run.events.StudyObserver`."""
        self._observers.add(observer)

    def unsubscribe(self, observer: Any) -> None:
        """Stop telling ``observer`` what happens."""
        self._observers.remove(observer)

    @property
    def observers(self) -> tuple[Any, ...]:
        """Who listens now (the store's writer, live views), e.g. to count live views."""
        return self._observers.snapshot()

    def _publish(self, event: str, *args: Any) -> None:
        self._observers.publish(self, event, *args, on_error=self._observer_failed)

    def _observer_failed(self, name: str, event: str, exc: BaseException) -> None:
        self.log.write(f"[hpmagic] {name}.{event} failed: {exc!r}\n")
        # said where people look, once per listener and event (a view may fail at every tick)
        self.note(failure_note(name, event, exc), once=name + event)

    def note(self, text: str, once: str | None = None) -> None:
        """Add a lasting one-line note (summary, dashboard, ``%tune_status``); ``once``: a key
        that keeps later notes of the same kind out."""
        with self._lock:
            if once is not None:
                if once in self._noted:
                    return
                self._noted.add(once)
            if text not in self.notes:
                self.notes.append(text)

    # -- control ---------------------------------------------------------------
    def run(self, n: int | None = None) -> Study:
        """Start ``n`` more trials in the background (the cell's ``-n`` by default)."""
        if n is None:
            n = self.options.max_evals or self._default_n()
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"run(n) needs a positive number of trials, got {n!r}")
        self._refuse_if_closed()
        context.install_router()  # from the calling thread, before any trial prints
        with self._lock:
            if self._active:
                raise RuntimeError(f"study '{self.name}' is already running; stop() or wait() first")
            self._active = True
            self._stop.clear()
            self._done.clear()
            self.n_target, self.n_started = int(n), 0
            self.n_before_run = len(self._ledger.trials)
            self.end_reason = self.message = None
            self.run_started_at, self.run_ended_at = time.time(), None
        threading.Thread(
            target=run_in_thread, args=(self, int(n)), name=f"hpmagic:{self.name}", daemon=True
        ).start()
        return self

    def stop(self) -> Study:
        """Start no new trials; the running ones finish and are kept."""
        self._stop.set()
        return self

    def close(self, successor: str | None = None) -> None:
        """Stop, then end the executor's workers and tell observers; a closed study refuses ``run``
        (its store writer is gone): ``successor`` names what to use."""
        self.stop()
        self.closed = f"study '{self.name}' was closed" + (
            f" when its cell ran again: use {successor}, which continues it" if successor else ""
        )
        executor, self._executor = self._executor, None

        def close_after_run() -> None:
            self.wait()
            if executor is not None:
                executor.close()
            self._publish("study_closed")

        if not self.running:
            return close_after_run()
        threading.Thread(target=close_after_run, name=f"hpmagic:close:{self.name}", daemon=True).start()

    def _refuse_if_closed(self) -> None:
        if self.closed is not None:
            raise RuntimeError(f"{self.closed}; this object saves no more trials")

    def wait(self, timeout: float | None = None) -> Study:
        """Block until the run ends (or ``timeout`` seconds pass); returns the study, so calls chain."""
        self._done.wait(seconds(timeout))
        return self

    def ended(self, timeout: float | None = None) -> bool:
        """Whether the run has ended (also when it never started), waiting up to ``timeout`` seconds."""
        return self._done.wait(seconds(timeout))

    # -- the run (driven by hpmagic.run.loop) ---------------------------------
    def _executor_started(self) -> Executor:
        if self._executor is None:
            self._executor = make_executor(self.options)
            self._executor.start(self.program, self._snapshot)
        return self._executor

    def _end(self, reason: str, message: str) -> None:
        with self._lock:
            if self.end_reason is None:
                self.end_reason, self.message = reason, message
        self._stop.set()
