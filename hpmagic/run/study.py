"""The study: trials, best result and the background run, behind one lock.

A study runs its search loop in one background thread: ask the search for a
point, hand it to the executor, record what comes back, tell the search. Every
ended trial is published to observers (the store, the dashboard) through
``trial_ended``; the study does not know who listens. ``refine`` swaps the space
and rebuilds the search from the trials that fit; ``run`` starts more trials.
"""

from __future__ import annotations

import io
import math
import numbers
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as wait_futures
from typing import Any

import numpy as np

from ..core import context
from ..core.options import DEFAULT_MAX_EVALS, Options, OptionsError
from ..core.program import Program, parse
from ..core.space import Space, zoom
from ..core.trials import COMPLETE, FAILED, PRUNED, Direction, Trial
from ..search import grid, pruning
from ..search.base import Exhausted, Searcher
from ..search.searcher import SearchSettings, make_searcher
from .execution import Executor, SerialExecutor, TrialJob, TrialOutcome, apply_values

#: the first trials of a run failing alike stop it: a typo must not burn the whole budget
SAME_FAILURE_LIMIT = 3
#: seconds the run loop holds on before it lets other threads run (see Study._loop)
YIELD_EVERY = 0.0005


class Study:
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
        #: the namespace ``apply()`` writes to (the kernel's user namespace)
        self.user_ns = namespace
        self._snapshot = dict(namespace)
        self._lock = threading.RLock()
        self._space = space or Space.build(program, self._snapshot)
        self.notes: list[str] = []  # lasting one-line notes (study continued, space changed, store failed)
        self._direction, self._direction_from = self._first_direction(stored_direction)
        self.seed = (
            self.options.seed if self.options.seed is not None else int.from_bytes(os.urandom(4), "little")
        )
        self._trials: list[Trial] = list(history or [])
        self._best: Trial | None = None
        # a continued study numbers its trials after the stored ones
        self._numbers = max(first_number, max((t.number for t in self._trials), default=-1) + 1)
        # a continued seeded study must not replay the points of its first run
        self._rng = np.random.default_rng([self.seed, self._numbers] if self._numbers else self.seed)
        for trial in self._trials:
            self._update_best(trial)
        #: how this study searches beyond its options (benchmarks compare settings through it)
        self.search_settings = search_settings or SearchSettings()
        self._search: Searcher | None = None
        self._executor = executor
        self._observers: list[Any] = []
        self._noted: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._done = threading.Event()  # set once a run and its run_ended observers are through
        self._done.set()
        self._active = False  # a run is going (false already while run_ended observers run)
        self.log = io.StringIO()  # output of the run thread outside trials
        #: why the last run ended: completed, stopped, timeout, early-stop, failing, error
        self.end_reason: str | None = None
        self.message: str | None = None  # one line for people about the end of the run
        self.n_target = 0  # trials the current run is to start
        self.n_started = 0  # trials the current run has started
        self.n_before_run = len(self._trials)  # trials that ended before the current run
        self.run_started_at: float | None = None
        self.run_ended_at: float | None = None
        self.pruner: Any = pruning.make_pruner(self.options.prune)  # decides on tune.report values
        if self.pruner is not None:
            for trial in self._trials:
                self.pruner.add_history(trial.number, trial.reports)
        if self.options.algo == "grid" and self.options.max_evals is None:
            points = grid.size(self._space)
            if points > grid.MAX_GRID:
                raise OptionsError(
                    f"--algo grid: the grid has {points:,} points, more than {grid.MAX_GRID:,}; "
                    "give -n to run that many of them, or narrow the space"
                )
        self.on_report: Callable[[int, float, int], None] | None = None

    def _first_direction(self, stored: str | None) -> tuple[str | None, str | None]:
        """The direction and who set it: the options, the stored study, or the cell itself.

        A stored direction ranks earlier trials; a cell whose objective now says the
        opposite (a "score" where a "loss" was minimised) is refused rather than
        searched the wrong way. An explicit option wins, with a note.
        """
        explicit, hint = self.options.direction, self.program.direction_hint
        if explicit is not None:
            if stored is not None and stored != explicit:
                self.notes.append(
                    f"direction changed from {stored} to {explicit}: earlier trials are ranked the new way"
                )
            return explicit, "option"
        if stored is not None:
            if hint is not None and hint != stored:
                raise OptionsError(direction_conflict(self.name, stored, hint))
            return stored, "stored"
        return hint, "cell" if hint else None

    # -- reading ---------------------------------------------------------------
    @property
    def direction(self) -> Direction:
        """The study's direction (a str: "minimize" or "maximize")."""
        return Direction.of(self._direction)

    @property
    def trials(self) -> list[Trial]:
        with self._lock:
            return list(self._trials)

    @property
    def best_trial(self) -> Trial | None:
        with self._lock:
            return self._best

    @property
    def best_params(self) -> dict[str, Any]:
        best = self.best_trial
        return dict(best.params) if best else {}

    @property
    def best_value(self) -> float | None:
        best = self.best_trial
        return best.value if best else None

    @property
    def space(self) -> dict[str, Any]:
        """label → current range ``(low, high)`` or list of options."""
        with self._lock:
            return self._space.describe()

    @property
    def search_space(self) -> Space:
        with self._lock:
            return self._space

    @property
    def running(self) -> bool:
        return self._active

    def counts(self) -> dict[str, int]:
        with self._lock:
            out = {COMPLETE: 0, FAILED: 0, PRUNED: 0}
            for t in self._trials:
                out[t.state] = out.get(t.state, 0) + 1
            return out

    @property
    def n_ended_this_run(self) -> int:
        with self._lock:
            return len(self._trials) - self.n_before_run

    def __len__(self) -> int:
        with self._lock:
            return len(self._trials)

    # -- observers -------------------------------------------------------------
    def subscribe(self, observer: Any) -> None:
        """``observer`` may define trial_ended(study, trial), run_started(study), run_ended(study)."""
        with self._lock:
            if observer not in self._observers:
                self._observers.append(observer)

    def unsubscribe(self, observer: Any) -> None:
        with self._lock:
            if observer in self._observers:
                self._observers.remove(observer)

    def _publish(self, event: str, *args: Any) -> None:
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            method = getattr(observer, event, None)
            if method is None:
                continue
            try:
                method(self, *args)
            except Exception as exc:  # noqa: BLE001 - a listener must not end the run
                name = type(observer).__name__
                self.log.write(f"[hpmagic] {name}.{event} failed: {exc!r}\n")
                # said where people look, once per listener and event (a view may fail at every tick)
                self.note(
                    f"{name} failed on {event.replace('_', ' ')}: {_shorten(repr(exc), 200)}",
                    once=name + event,
                )

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
        n = int(n)
        context.install_router()  # from the calling thread, before any trial prints
        with self._lock:
            if self._active:
                raise RuntimeError(f"study '{self.name}' is already running; stop() or wait() first")
            self._active = True
            self._stop.clear()
            self._done.clear()
            self.n_target, self.n_started = n, 0
            self.n_before_run = len(self._trials)
            self.end_reason = self.message = None
            self.run_started_at, self.run_ended_at = time.time(), None
        self._thread = threading.Thread(target=self._run, args=(n,), name=f"hpmagic:{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Study:
        """Start no new trials; the running ones finish and are kept."""
        self._stop.set()
        return self

    def close(self) -> None:
        """Stop, and end the executor's workers once the running trials are kept."""
        self.stop()
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if not self.running:
            executor.close()
            return

        def close_after_run() -> None:
            self.wait()
            executor.close()

        threading.Thread(target=close_after_run, name=f"hpmagic:close:{self.name}", daemon=True).start()

    def wait(self, timeout: float | None = None) -> Study:
        """Block until the run ends (or ``timeout`` seconds pass); returns the study."""
        self._done.wait(timeout)
        return self

    def refine(self, **ranges: Any) -> Study:
        """Narrow or widen dimensions; later trials use the new space, earlier ones stay.

        ``refine(lr=(1e-3, 1e-2), model=["svc"])``: keys are labels (or keys such as
        ``C#2`` when a label is shared), values as ``space`` shows them. Bounds may
        go beyond the cell's own. Works while the study runs: trials started after
        the call use the new space. TPE is warm-started from the earlier complete
        trials that lie inside the new space; the others stay in ``trials``
        (see :meth:`is_inside`). A bad range raises :class:`SpaceError` and changes
        nothing. ``refine(**ranges)`` followed by ``run(n)`` is what the sliders'
        Continue button does.
        """
        if not ranges:
            return self
        with self._lock:
            new_space = self._space.refined(ranges)  # raises before anything changes
            self._space = new_space
            self._search = None  # rebuilt from the trials that fit, at the next ask
        self._publish("space_changed")
        return self

    def is_inside(self, trial: Trial) -> bool:
        """Whether ``trial``'s point lies in the current space (asked live, never stored)."""
        with self._lock:
            return self._space.contains(trial.raw)

    def suggest_refinement(self, fraction: float = 0.25, pad: float = 0.1) -> dict[str, Any]:
        """Ranges around the best ``fraction`` of complete trials, ready for ``refine``.

        Each bounded numeric dimension is narrowed to the span of the best trials'
        values, padded a little (see :func:`hpmagic.space.zoom`); choices are kept.
        Trials inside the current space are used when there are enough of them.
        Empty when fewer than 4 trials are complete.
        """
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        with self._lock:
            space = self._space
            done = [t for t in self._trials if t.state == COMPLETE and self._loss(t) is not None]
            inside = [t for t in done if space.contains(t.raw)]
            pool = inside if len(inside) >= 4 else done
            if len(pool) < 4:
                return {}
            pool.sort(key=lambda t: self._loss(t))  # type: ignore[arg-type, return-value]
            best = pool[: max(2, math.ceil(fraction * len(pool)))]
            return zoom(space, [t.raw for t in best], pad=pad)

    # -- the run ---------------------------------------------------------------
    def _default_n(self) -> int:
        """Trials a run starts without -n: the untried grid points for grid, else the default."""
        if self.options.algo != "grid":
            return DEFAULT_MAX_EVALS
        with self._lock:
            space, tried = self._space, [t.raw for t in self._trials]
        points = grid.size(space)
        if points > grid.MAX_GRID:
            raise ValueError(
                f"the grid has {points:,} points, more than {grid.MAX_GRID:,}; give run(n) a number of trials"
            )
        return max(1, grid.remaining(space, tried))

    def _search_for_ask(self) -> Searcher:
        with self._lock:
            if self._search is None:
                policy = self.search_settings.pruned
                losses = pruning.search_losses(self._trials, self.direction, policy)
                history = [
                    (t.number, t.raw, loss, t.state == FAILED) for t, loss in zip(self._trials, losses)
                ]
                self._search = make_searcher(
                    self.options.algo, self._space, self._rng, history, self.search_settings
                )
            return self._search

    def _search_loss(self, trial: Trial) -> float | None:
        """What the search is told for an ended trial (pruned ones too; see hpmagic.pruning)."""
        return pruning.search_loss(trial, self.direction, self._trials, self.search_settings.pruned)

    def _loss(self, trial: Trial) -> float | None:
        return None if trial.value is None else self.direction.loss(trial.value)

    def _run(self, n: int) -> None:
        with context.capture(self.log):
            self._publish("run_started")
            try:
                self._loop(n)
            except Exception as exc:  # noqa: BLE001 - reported on the study, never lost
                import traceback

                self.end_reason = "error"
                self.message = f"the run stopped on an internal error: {exc!r}"
                self.log.write(traceback.format_exc())
            finally:
                with self._lock:
                    self.run_ended_at = time.time()
                    if self.end_reason is None:
                        self.end_reason = "stopped" if self._stop.is_set() else "completed"
                    self._active = False
                # observers (store, dashboard) finish with the run before wait() returns;
                # they already see running == False
                try:
                    self._publish("run_ended")
                finally:
                    with self._lock:
                        if not self._active:  # unless an observer started the next run
                            self._done.set()

    def _executor_started(self) -> Executor:
        if self._executor is None:
            self._executor = make_executor(self.options)
            self._executor.start(self.program, self._snapshot)
        return self._executor

    def _loop(self, n: int) -> None:
        executor = self._executor_started()
        self._search_for_ask()  # imports what the search needs now, so --timeout measures trials
        started = time.monotonic()
        inflight: dict[Future[TrialOutcome], tuple[int, dict[str, Any]]] = {}
        first_errors: list[str | None] = []
        since_best = 0
        yielded = time.monotonic()
        while True:
            while (
                len(inflight) < executor.slots + executor.ahead
                and self.n_started < n
                and not self._stop.is_set()
            ):
                if self.options.timeout is not None and time.monotonic() - started >= self.options.timeout:
                    self._end("timeout", f"timeout of {self.options.timeout:g}s reached")
                    break
                with self._lock:
                    number = self._next_number()
                    try:
                        raw = self._search_for_ask().ask(number)
                    except Exhausted as exc:
                        self._numbers = number
                        self._end("completed", str(exc))
                        break
                    self.n_started += 1
                    # the space the point came from (refine() may swap it at any moment)
                    space = self._space
                values = {d.key: space.runtime_value(d.key, raw) for d in space.active(raw)}
                job = TrialJob(number, values)
                future = executor.submit(job, self._report_hook(number))
                inflight[future] = (number, raw)
            if not inflight:
                break
            done, _ = wait_futures(list(inflight), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: inflight[f][0]):
                number, raw = inflight.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - an executor failure fails the trial
                    outcome = TrialOutcome(state=FAILED, error=f"the trial could not run: {exc}")
                    outcome.started = outcome.ended = time.time()
                trial = self._record(number, raw, outcome)
                if len(first_errors) < SAME_FAILURE_LIMIT:
                    first_errors.append(trial.error if trial.state == FAILED else None)
                    if (
                        len(first_errors) == SAME_FAILURE_LIMIT
                        and first_errors[0] is not None
                        and all(e == first_errors[0] for e in first_errors)
                        and n > SAME_FAILURE_LIMIT
                    ):
                        self._end(
                            "failing",
                            f"stopped: the first {SAME_FAILURE_LIMIT} trials all failed with "
                            f"{first_errors[0]}",
                        )
                since_best = 0 if self.best_trial is trial else since_best + 1
                if self.options.early_stop and since_best >= self.options.early_stop and self.best_trial:
                    self._end("early-stop", f"no improvement in {since_best} trials")
            if time.monotonic() - yielded > YIELD_EVERY:
                # let the kernel's own threads run: trials that never release the GIL would otherwise
                # keep a cell typed meanwhile waiting out the interpreter's switch interval again and again
                time.sleep(0)
                yielded = time.monotonic()

    def _end(self, reason: str, message: str) -> None:
        with self._lock:
            if self.end_reason is None:
                self.end_reason, self.message = reason, message
        self._stop.set()

    def _next_number(self) -> int:
        number = self._numbers
        self._numbers += 1
        return number

    def _report_hook(self, number: int) -> Callable[[float, int], bool] | None:
        if self.pruner is None and self.on_report is None:
            return None

        def hook(value: float, step: int) -> bool:
            if self.on_report is not None:
                self.on_report(number, value, step)
            if self.pruner is None:
                return False
            return bool(self.pruner.should_prune(self, number, step, value))

        return hook

    def _record(self, number: int, raw: dict[str, Any], outcome: TrialOutcome) -> Trial:
        implied = IMPLIED_DIRECTION.get(outcome.key or "")
        if implied and self._direction_from == "stored" and implied != self._direction:
            # the stored trials were ranked the other way: refuse, never search the wrong way quietly
            message = direction_conflict(self.name, self.direction, implied)
            outcome = TrialOutcome(
                state=FAILED,
                error=message,
                output=outcome.output,
                started=outcome.started,
                ended=outcome.ended,
            )
            self._end("failing", message)
        with self._lock:
            if outcome.key == "score" and self._direction is None:
                self._direction = "maximize"
                self._search = None  # losses so far were computed for minimising
            elif self._direction is None and outcome.state == COMPLETE:
                self._direction = "minimize"
            trial = Trial(
                number=number,
                params=self._space.user_params(raw),
                value=outcome.value,
                state=outcome.state,
                duration=outcome.duration,
                error=outcome.error,
                raw=raw,
                extras=outcome.extras,
                output=outcome.output,
                reports=outcome.reports,
                started=outcome.started,
                ended=outcome.ended,
            )
            self._trials.append(trial)
            self._update_best(trial)
            if self._search is not None:
                self._search.tell(number, raw, self._search_loss(trial), failed=trial.state == FAILED)
        self._publish("trial_ended", trial)
        return trial

    def _update_best(self, trial: Trial) -> None:
        if trial.state != COMPLETE or trial.value is None:
            return
        if self._best is None or self.direction.better(trial.value, self._best.value):
            self._best = trial

    # -- results ---------------------------------------------------------------
    def importance(self) -> dict[str, float]:
        """label → share of the objective's variation it explains (sums to 1); see hpmagic.importance."""
        from ..search.importance import importance

        with self._lock:
            done = [t for t in self._trials if t.state == COMPLETE and t.value is not None]
            space = self._space
        return importance(space, [t.raw for t in done], [t.value for t in done], seed=0)

    def to_dataframe(self) -> Any:
        """The trials as a pandas DataFrame, one column per parameter (``params_<label>``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
        rows = []
        for t in self.trials:
            row = {
                "number": t.number,
                "value": t.value,
                "state": t.state,
                "duration": t.duration,
                "error": t.error,
            }
            row.update({f"params_{k}": v for k, v in t.params.items()})
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else ["number", "value", "state", "duration", "error"])

    def summary(self) -> str:
        """One line: where the run is and what is best so far."""
        counts = self.counts()
        done = sum(counts.values())
        parts = [f"study '{self.name}'"]
        if self.running:
            parts.append(f"running: {self.n_started}/{self.n_target} started")
        elif self.end_reason:
            parts.append(self.message or self.end_reason)
        parts.append(
            f"{done} trials ({counts[COMPLETE]} complete, {counts[FAILED]} failed, {counts[PRUNED]} pruned)"
        )
        if self.best_trial is not None:
            parts.append(f"best {self.best_value:.6g} at {self.best_params}")
        parts.extend(self.notes)
        return "; ".join(parts)

    def export(self, path: str) -> str:
        """Write best params and a summary to ``path`` (.json, or .yaml with PyYAML); returns it."""
        from ..storage.export import export

        return export(self, path)

    def code(self, ranges: bool = False) -> str:
        """The cell with each annotation replaced by its best value (``ranges``: by the current space)."""
        from ..core.codegen import best_code, ranges_cell

        if ranges:
            return ranges_cell(self)
        return best_code(self)

    def apply(self) -> float:
        """Run the cell once with the best params in the user namespace; returns the objective."""
        best = self.best_trial
        if best is None:
            raise ValueError(f"study '{self.name}' has no complete trial yet: nothing to apply")
        space = self.search_space
        values = {d.key: space.runtime_value(d.key, best.raw) for d in space.active(best.raw)}
        return apply_values(self.program, values, self.user_ns)

    def __repr__(self) -> str:
        return f"<hpmagic.Study {self.summary()}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # a live dashboard where widgets render; text (and HTML) everywhere else
        from ..ui.dashboard import mimebundle

        return mimebundle(self)


IMPLIED_DIRECTION = {"score": "maximize", "loss": "minimize"}


def direction_conflict(name: str, stored: str, implied: str) -> str:
    """One line: the cell's objective says ``implied``, the stored study went ``stored``."""
    key = "score" if implied == "maximize" else "loss"
    flag = "--maximize" if stored == "maximize" else "--minimize"
    return (
        f"study '{name}' was run to {stored} and this cell returns a '{key}' to {implied}: "
        f"give {flag} to go on as before, or another --name for a new study"
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_executor(options: Options) -> Executor:
    """The executor the options ask for: Dask, local worker processes, or the study's thread."""
    if options.dask is not None:
        from .dask_executor import DaskExecutor

        return DaskExecutor(options.dask, options.parallel)
    if options.parallel > 1:
        from .processes import ProcessExecutor

        return ProcessExecutor(options.parallel)
    return SerialExecutor()


def create_study(
    source: str,
    namespace: dict[str, Any] | None = None,
    options: Options | None = None,
    *,
    first_line: int = 1,
    search_settings: SearchSettings | None = None,
) -> Study:
    """Parse a cell and build its study (nothing runs until ``run``)."""
    options = (options or Options()).check()
    program = parse(source, first_line=first_line)
    namespace = namespace if namespace is not None else {}
    if options.store is None:
        study = Study(program, namespace, options)
    else:
        from ..storage.store import open_study

        study = open_study(program, namespace, options)
    if search_settings is not None:
        study.search_settings = search_settings
    if options.mlflow is not None:  # every ended trial also goes to MLflow, from a thread of its own
        from ..integrations.mlflow import track

        track(study, options.mlflow or None)
    # workers start now, so a namespace that cannot reach them is an error before any trial
    study._executor_started()
    return study
