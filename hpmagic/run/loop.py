"""One run of a study, in its background thread: ask, submit, record, tell, until done.

The loop keeps the executor's slots full with points asked from the search, waits
for the first trial to end, records it in the study's ledger, tells the search and
publishes ``trial_ended``. It ends when the run's trials are through, or on stop,
timeout, early stop, an exhausted grid, a lost executor, or when the first trials
all fail alike (a typo must not burn the whole budget).
"""

from __future__ import annotations

import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future
from concurrent.futures import wait as wait_futures
from typing import Any

from ..core import context
from ..core.options import Options
from ..core.space import Space
from ..core.trials import FAILED, Trial
from ..search.base import Exhausted
from .advising import DONE_EVERY
from .execution import Executor, SerialExecutor, TrialJob, TrialOutcome, decision
from .processes import ExecutorError
from .searching import values_of

#: the loop drives a :class:`hpmagic.run.study.Study` (not imported: the study imports this module)
Study = Any

#: the first trials of a run failing alike stop it
SAME_FAILURE_LIMIT = 3
#: seconds the run loop holds on before it lets other threads run (see RunLoop.run)
YIELD_EVERY = 0.0005


def run_in_thread(study: Study, n: int) -> None:
    """The body of a run's thread: the loop, then ``run_ended`` to observers, then done."""
    with context.capture(study.log):
        study._publish("run_started")
        try:
            RunLoop(study, n).run()
        except Exception as exc:  # noqa: BLE001 - reported on the study, never lost
            study.end_reason = "error"
            study.message = f"the run stopped on an internal error: {exc!r}"
            study.log.write(traceback.format_exc())
        finally:
            finish_run(study)


class RunLoop:
    """The state of one run: trials in flight, the first errors, trials since the best."""

    def __init__(self, study: Study, n: int) -> None:
        self.study = study
        self.n = n
        self.inflight: dict[Future[TrialOutcome], tuple[int, dict[str, Any]]] = {}
        self.first_errors: list[str | None] = []
        self.since_best = 0

    def run(self) -> None:
        study = self.study
        executor = study._executor_started()
        study._searcher()  # imports what the search needs now, so --timeout measures trials
        self.started = time.monotonic()
        yielded = time.monotonic()
        while True:
            self.fill(executor)
            if not self.inflight:
                return
            done, _ = wait_futures(list(self.inflight), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: self.inflight[f][0]):
                self.collect(future)
            if time.monotonic() - yielded > YIELD_EVERY:
                # let the kernel's own threads run: trials that never release the GIL would otherwise
                # keep a cell typed meanwhile waiting out the interpreter's switch interval again and again
                time.sleep(0)
                yielded = time.monotonic()

    def fill(self, executor: Executor) -> None:
        """Start trials until the executor's slots (and the few it queues ahead) are taken."""
        study, timeout = self.study, self.study.options.timeout
        while (
            len(self.inflight) < executor.slots + executor.ahead
            and study.n_started < self.n
            and not study._stop.is_set()
        ):
            if timeout is not None and time.monotonic() - self.started >= timeout:
                study._end("timeout", f"timeout of {timeout:g}s reached")
                return
            with study._lock:
                number = study._ledger.take_number()
                # hand-picked points first (enqueue, --start-at-defaults), then the search's own
                raw = study._take_queued()
                try:
                    if raw is None:
                        searcher = study._searcher()
                        raw = searcher.ask(number)
                        study._searching.note_proposer(number, searcher)
                except Exhausted as exc:
                    study._ledger.give_back(number)
                    study._end("completed", str(exc))
                    return
                study.n_started += 1
                study._searching.pending[number] = raw
                space = study._space  # the space the point came from (refine() may swap it)
            future = self.submit(executor, number, raw, space)
            if future is None:
                return
            self.inflight[future] = (number, raw)

    def submit(
        self, executor: Executor, number: int, raw: dict[str, Any], space: Space
    ) -> Future[TrialOutcome] | None:
        """Hand trial ``number`` to the executor; None when the executor cannot take trials any more.

        A Dask scheduler that went away is not one failed trial but the end of the run, said
        on the study (where people look) and not as an internal error.
        """
        study = self.study
        try:
            return executor.submit(TrialJob(number, values_of(space, raw)), report_hook(study, number))
        except ExecutorError as exc:
            with study._lock:
                study._searching.pending.pop(number, None)
                study._ledger.give_back(number)
                study.n_started -= 1
            study._end("error", str(exc))
            study.note(str(exc), once="executor-lost")
            return None

    def collect(self, future: Future[TrialOutcome]) -> None:
        """Record the trial ``future`` ran, then apply the rules that may end the run."""
        number, raw = self.inflight.pop(future)
        try:
            outcome = future.result()
        except Exception as exc:  # noqa: BLE001 - an executor failure fails the trial
            outcome = TrialOutcome(state=FAILED, error=f"the trial could not run: {exc}")
            outcome.started = outcome.ended = time.time()
        trial = record(self.study, number, raw, outcome)
        self.check_first_failures(trial)
        self.check_early_stop(trial)
        self.check_done()

    def check_first_failures(self, trial: Trial) -> None:
        if len(self.first_errors) >= SAME_FAILURE_LIMIT:
            return
        self.first_errors.append(trial.error if trial.state == FAILED else None)
        first = self.first_errors[0]
        if (
            len(self.first_errors) == SAME_FAILURE_LIMIT
            and first is not None
            and all(e == first for e in self.first_errors)
            and self.n > SAME_FAILURE_LIMIT
        ):
            self.study._end(
                "failing", f"stopped: the first {SAME_FAILURE_LIMIT} trials all failed with {first}"
            )

    def check_early_stop(self, trial: Trial) -> None:
        study = self.study
        best = study.best_trial
        # with several objectives a trial improves the study when it joins the front
        improved = any(t is trial for t in study.best_trials) if study.objectives else best is trial
        self.since_best = 0 if improved else self.since_best + 1
        if study.options.early_stop and self.since_best >= study.options.early_stop and best:
            study._end("early-stop", f"no improvement in {self.since_best} trials")

    def check_done(self) -> None:
        """``--stop-when-done``: end the run once more trials are unlikely to gain more than noise."""
        study = self.study
        if not study.options.stop_when_done or len(study) % DONE_EVERY:
            return
        found = study.done_estimate()
        if found is not None and found.done:
            study._end(
                "done",
                f"stopped: after {found.n} trials more are unlikely to beat the best by more than "
                f"the objective's noise (regret bound {found.regret:.3g} ≤ noise {found.noise:.3g})",
            )


def report_hook(study: Study, number: int) -> context.ReportHook | None:
    """What a trial's reports call: the study's listener, then the pruner's verdict."""
    if study.pruner is None and study.on_report is None:
        return None

    def hook(value: float, step: int, folds: int | None = None) -> Any:
        if study.on_report is not None:
            study.on_report(number, value, step)
        if study.pruner is None:
            return False
        return decision(study.pruner.should_prune(study, number, step, value, folds=folds))

    return hook


def record(study: Study, number: int, raw: dict[str, Any], outcome: TrialOutcome) -> Trial:
    """Turn an outcome into a frozen trial: in the ledger, told to the search, sent to observers."""
    ledger = study._ledger
    refusal = ledger.conflict(outcome.key, study.name)
    if refusal is not None:
        # the stored trials were ranked the other way: refuse, never search the wrong way quietly
        outcome = TrialOutcome(
            state=FAILED, error=refusal, output=outcome.output, started=outcome.started, ended=outcome.ended
        )
        study._end("failing", refusal)
    with study._lock:
        if ledger.settle(outcome.key, outcome.state):
            study._searching.reset()  # losses so far were computed for minimising
        trial = Trial(
            number=number,
            params=study._space.user_params(raw),
            value=outcome.value,
            state=outcome.state,
            duration=outcome.duration,
            error=outcome.error,
            raw=raw,
            extras=outcome.extras,
            values=outcome.values,
            output=outcome.output,
            reports=outcome.reports,
            started=outcome.started,
            ended=outcome.ended,
            algo=study._searching.proposers.pop(number, ""),
        )
        ledger.add(trial)
        study._tell(trial)
    study._publish("trial_ended", trial)
    return trial


def finish_run(study: Study) -> None:
    """Mark the run ended, let observers finish with it, then release ``wait()``."""
    with study._lock:
        study.run_ended_at = time.time()
        if study.end_reason is None:
            study.end_reason = "stopped" if study._stop.is_set() else "completed"
        study._active = False
    # observers (store, dashboard) finish with the run before wait() returns; they see running == False
    try:
        study._publish("run_ended")
    finally:
        with study._lock:
            if not study._active:  # unless an observer started the next run
                study._done.set()


def make_executor(options: Options) -> Executor:
    """The executor the options ask for: Dask, local worker processes, or the study's thread."""
    if options.dask is not None:
        from .dask_executor import DaskExecutor

        return DaskExecutor(options.dask, options.parallel)
    if options.parallel > 1:
        from .processes import ProcessExecutor

        return ProcessExecutor(options.parallel)
    return SerialExecutor()
