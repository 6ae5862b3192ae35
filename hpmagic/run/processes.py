"""Trials in local worker processes (``--parallel N``), and what every remote executor shares.

Python threads do not speed up CPU-bound training, so parallel trials run in
processes. :class:`ProcessExecutor` keeps N worker processes (``spawn``, so it
works from a notebook kernel) warm for the study. Each worker is served by one
thread of the kernel that owns its pipe: it takes the next job from a queue the
moment the worker is free (a blocking get, no polling), sends it, answers the
worker's ``tune.report`` messages with the study's prune decision, and resolves
the trial's future. A worker that dies fails only its own trial; the thread
starts a replacement and goes on.

What a trial needs travels once per worker, when it starts: the cell's source
(workers parse it again; code objects do not pickle) and the part of the namespace
snapshot the cell reads, serialised with cloudpickle so that functions and classes
defined in the notebook travel by value. A name that cannot travel is an
:class:`UnsendableError` before any trial starts.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util  # registers its exit hook now, so ours (below) runs before it
import os
import queue
import signal
import threading
import time
import traceback
import weakref
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import cloudpickle

from ..core.annotations import Tune
from ..core.context import ReportHook, call_hook
from ..core.program import Program, parse
from .execution import FAILED, TrialJob, TrialOutcome, decision, run_trial

#: seconds a worker gets to end by itself before it is terminated
EXIT_GRACE = 5.0
#: seconds between a worker's checks that its kernel is still there (a pipe EOF is seen at once)
WATCH_EVERY = 1.0


class ExecutorError(RuntimeError):
    """Trials cannot run where the options say; the message is one line that says why."""


class UnsendableError(ExecutorError):
    """A name the cell reads cannot be sent to worker processes."""


# -- what travels -------------------------------------------------------------
def trial_namespace(program: Program, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The part of the snapshot the cell reads (its free names that exist in the snapshot)."""
    return {
        name: snapshot[name]
        for name in sorted(program.free_names)
        if name in snapshot and not isinstance(snapshot[name], Tune)  # workers have their own tune
    }


def pack(program: Program, snapshot: dict[str, Any], where: str = "worker processes") -> bytes:
    """Serialise the cell and its namespace, or name the first variable that cannot travel."""
    namespace = trial_namespace(program, snapshot)
    try:
        return cloudpickle.dumps((program.source, program.first_line, program.objectives, namespace))
    except Exception:  # noqa: BLE001 - find which name it was, below
        pass
    for name, value in namespace.items():
        try:
            cloudpickle.dumps(value)
        except Exception as exc:  # noqa: BLE001 - any pickling failure means the same to the user
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnsendableError(
                f"variable '{name}' ({type(value).__name__}) cannot be sent to {where}: {reason}; "
                "create it inside the cell, or use --parallel 1 to run trials in the kernel"
            ) from None
    raise UnsendableError(f"the cell's variables together cannot be sent to {where}; use --parallel 1")


def unpack(blob: bytes) -> tuple[Program, dict[str, Any]]:
    """The cell as the kernel parsed it (with the objectives its result is read by) and its names."""
    source, first_line, objectives, namespace = cloudpickle.loads(blob)
    return replace(parse(source, first_line=first_line), objectives=objectives), namespace


def failed(message: str, started: float | None = None) -> TrialOutcome:
    """A failed outcome for a trial that did not come back from its worker."""
    now = time.time()
    return TrialOutcome(state=FAILED, error=message, started=started or now, ended=now)


def exit_description(code: int | None) -> str:
    """``exit code -11, SIGSEGV`` for a process killed by a signal."""
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            return f"exit code {code}, {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"exit code {code}"


class IdleClock:
    """Worker side: how long a worker stood idle between the end of one trial and the next."""

    def __init__(self) -> None:
        self._last_end: float | None = None

    def begin(self) -> float | None:
        """The idle gap in ms before this trial (None for a worker's first trial)."""
        if self._last_end is None:
            return None
        return (time.perf_counter() - self._last_end) * 1000.0

    def end(self) -> None:
        self._last_end = time.perf_counter()


class GapLog:
    """Kernel side: the idle gap of each trial, by trial number (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gaps: dict[int, float] = {}

    def add(self, number: int, gap_ms: float | None) -> None:
        if gap_ms is not None:
            with self._lock:
                self._gaps[number] = gap_ms

    def __call__(self) -> dict[int, float]:
        with self._lock:
            return dict(self._gaps)


# -- the worker process -------------------------------------------------------
def _watch_parent(lifeline: Any, parent: int) -> None:
    """Worker side: end this process once the kernel is gone (pipe EOF, or a new parent pid)."""
    while True:
        try:
            if lifeline.poll(WATCH_EVERY):
                break  # EOF (the kernel's end closed) or an unexpected message: either way, go
        except (EOFError, OSError):
            break
        if os.getppid() != parent:
            break
    os._exit(0)


def describe(exc: BaseException) -> str:
    """``TypeError: first line of the message``, for one-line trial errors."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _outcome_bytes(outcome: TrialOutcome) -> bytes:
    """The outcome for the pipe, or a failed one that says why it could not travel."""
    try:
        return cloudpickle.dumps(outcome)
    except Exception as exc:  # noqa: BLE001 - any value the cell returned
        return cloudpickle.dumps(failed(f"the trial's result could not be sent back: {describe(exc)}"))


def _worker_main(conn: Any, lifeline: Any = None, parent: int | None = None) -> None:
    """A worker's whole life: load the cell once, then run trials until told to exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupting the kernel does not kill workers
    if lifeline is not None and parent is not None:
        threading.Thread(target=_watch_parent, args=(lifeline, parent), daemon=True).start()
    try:
        program, namespace = unpack(conn.recv_bytes())
        broken = None
    except EOFError:
        return
    except BaseException as exc:  # noqa: BLE001 - reported with every trial instead
        program, namespace = None, {}
        broken = (
            f"the cell's variables could not be loaded in the worker process: {type(exc).__name__}: {exc}"
        )
    clock = IdleClock()

    def ask(value: float, step: int, folds: int | None = None) -> Any:
        conn.send(("report", value, step, folds))
        kind, answer = conn.recv()
        if kind == "error":
            raise RuntimeError(f"the study could not judge this report: {answer}")
        return answer

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the kernel has gone
        if message[0] == "exit":
            return
        _, number, blob, wants_reports = message
        gap = clock.begin()
        try:
            values = cloudpickle.loads(blob)
        except Exception as exc:  # noqa: BLE001 - e.g. a value whose module the worker lacks
            outcome = failed(f"the trial's values could not be loaded in the worker process: {describe(exc)}")
        else:
            if broken is not None:
                outcome = failed(broken)
            else:
                outcome = run_trial(
                    program, TrialJob(number, values), namespace, ask if wants_reports else None
                )
        try:
            conn.send(("done", _outcome_bytes(outcome), gap))
        except (EOFError, OSError):
            return
        clock.end()


# -- the kernel side ------------------------------------------------------------
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # registered after multiprocessing's own exit hook, so it runs first: workers end
    # here instead of being waited for
    for executor in list(_LIVE):
        executor.close()


_START_LOCK = threading.Lock()


def _start_without_main(process: Any) -> None:
    """Start a spawned worker without running the user's script again in it.

    ``spawn`` imports the parent's ``__main__`` file in the child; for a script without an
    ``if __name__ == "__main__"`` guard that would run the whole script (and its study) in
    every worker. Workers need nothing from it (cloudpickle sends notebook code by value),
    so the script is named as a ``__main__`` module, which the child does not import.
    """
    import importlib.machinery
    import sys

    with _START_LOCK:  # one start at a time: another thread must not see the borrowed spec
        main = sys.modules.get("__main__")
        if main is None or getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
            process.start()
            return
        main.__spec__ = importlib.machinery.ModuleSpec("hpmagic.__main__", None)
        try:
            process.start()
        finally:
            main.__spec__ = None


class _Worker:
    """One worker process and the pipes to it; only its serving thread touches them."""

    def __init__(self, ctx: Any, blob: bytes, index: int) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        watch, self._lifeline = ctx.Pipe(duplex=False)  # closing our end tells the worker to go
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, watch, os.getpid()),
            name=f"hpmagic-worker-{index}",
            daemon=False,  # a trial may start processes of its own
        )
        try:
            _start_without_main(self.process)
        finally:
            child.close()
            watch.close()
        self.busy = False
        try:
            self.conn.send_bytes(blob)
        except OSError:
            pass  # it died at once; the first trial finds out and says so

    def died(self) -> str:
        """Why the pipe broke: the process's exit code (it is reaped here)."""
        self._reap()
        return exit_description(self.process.exitcode)

    def end(self) -> None:
        try:
            self.conn.send(("exit",))
        except OSError:
            pass
        self._reap()

    def kill(self) -> None:
        """End it now: its pipe may hold half a message."""
        if self.process.exitcode is None:
            self.process.kill()
        self._reap()

    def _reap(self) -> None:
        self.process.join(EXIT_GRACE)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join(EXIT_GRACE)
        self.conn.close()
        self._lifeline.close()


class ProcessExecutor:
    """N warm worker processes; each trial goes to whichever worker is free first."""

    def __init__(self, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"a process executor needs at least 1 process, got {processes}")
        self.slots = processes
        self.ahead = 0  # a job waiting in our queue would start no sooner than one asked for then
        self._ctx = multiprocessing.get_context("spawn")
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers: list[_Worker | None] = []
        self._threads: list[threading.Thread] = []
        self._closing = False
        self._blob: bytes | None = None
        #: trial number → ms its worker stood idle before it (the first trial per worker has none)
        self.idle_gaps = GapLog()
        self.replacements = 0  # workers started in place of one that died

    def start(self, program: Program, snapshot: dict[str, Any]) -> None:
        """Check that the namespace can travel (raises here), then start the workers."""
        if self._blob is not None:
            raise RuntimeError("this executor was started already")
        self._blob = pack(program, snapshot)
        self._workers = [None] * self.slots
        for index in range(self.slots):
            thread = threading.Thread(
                target=self._serve, args=(index,), name=f"hpmagic-worker-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        _LIVE.add(self)

    def submit(self, job: TrialJob, on_report: ReportHook | None = None) -> Future[TrialOutcome]:
        if self._blob is None:
            raise RuntimeError("start() first")
        future: Future[TrialOutcome] = Future()
        if self._closing:
            future.set_result(failed("the executor is closed"))
        else:
            self._jobs.put((job, on_report, future))
        return future

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w is not None and w.process.pid is not None]

    def _new_worker(self, index: int, replacing: bool = False) -> _Worker | str:
        """A started worker in slot ``index``, or why none could be started."""
        assert self._blob is not None
        try:
            worker = _Worker(self._ctx, self._blob, index)
        except Exception as exc:  # noqa: BLE001 - out of processes or memory: the trial says so
            return f"could not start a worker process: {type(exc).__name__}: {exc}"
        with self._lock:
            self._workers[index] = worker
            self.replacements += replacing
        return worker

    def _serve(self, index: int) -> None:
        """One worker's thread: feed it jobs, relay its reports, replace it if it dies.

        Whatever goes wrong with one trial resolves that trial's future, so the study never
        waits for a trial that nobody runs.
        """
        worker: _Worker | str | None = self._new_worker(index)
        while True:
            item = self._jobs.get()
            if item is None:
                break
            job, on_report, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                outcome, worker = self._serve_one(index, worker, job, on_report)
            except BaseException as exc:  # noqa: BLE001 - the trial fails, the thread goes on
                outcome = failed(f"trial {job.number} could not run in a worker process: {describe(exc)}")
                with self._lock:
                    current = self._workers[index]
                if current is not None:
                    current.kill()  # its pipe may be mid-message: start afresh
                worker = "replaced"
            future.set_result(outcome)
            if self._closing and not isinstance(worker, _Worker):
                break
        if isinstance(worker, _Worker):
            worker.end()

    def _serve_one(
        self,
        index: int,
        worker: _Worker | str | None,
        job: TrialJob,
        on_report: ReportHook | None,
    ) -> tuple[TrialOutcome, _Worker | str | None]:
        """Run one trial on this slot's worker (started or replaced as needed)."""
        if self._closing:
            return failed("the executor was closed before the trial started"), worker
        try:
            values = cloudpickle.dumps(job.values)
        except Exception as exc:  # noqa: BLE001 - any value of a choice
            return failed(f"the trial's values cannot be sent to a worker process: {describe(exc)}"), worker
        if isinstance(worker, _Worker) and not worker.process.is_alive():
            worker.died()  # died while idle: nothing was lost, replace it quietly
            worker = self._new_worker(index, replacing=True)
        if not isinstance(worker, _Worker):
            worker = self._new_worker(index, replacing=True)
            if isinstance(worker, str):
                return failed(worker), worker
        worker.busy = True
        sent = time.time()
        try:
            outcome, gap = self._run(worker, job.number, values, on_report)
        except (EOFError, OSError):
            reason = worker.died()
            if self._closing:
                return failed(f"the executor was closed while trial {job.number} ran", sent), None
            message = f"worker process died ({reason}) while running trial {job.number}"
            return failed(message, sent), self._new_worker(index, replacing=True)
        except Exception as exc:  # noqa: BLE001 - a message that cannot be read: the pipe is suspect
            worker.kill()
            message = (
                f"trial {job.number}'s reply from its worker process could not be read ({describe(exc)})"
            )
            return failed(message, sent), self._new_worker(index, replacing=True)
        worker.busy = False
        self.idle_gaps.add(job.number, gap)
        return outcome, worker

    @staticmethod
    def _run(
        worker: _Worker, number: int, values: bytes, on_report: ReportHook | None
    ) -> tuple[TrialOutcome, float | None]:
        conn = worker.conn
        conn.send(("trial", number, values, on_report is not None))
        while True:
            message = conn.recv()
            if message[0] == "done":
                outcome = cloudpickle.loads(message[1])
                if not isinstance(outcome, TrialOutcome):
                    raise TypeError(f"a {type(outcome).__name__} instead of the trial's outcome")
                return outcome, message[2]
            _, value, step, folds = message  # a report: the worker waits for the decision
            assert on_report is not None
            try:
                reply: tuple[str, Any] = ("decision", decision(call_hook(on_report, value, step, folds)))
            except Exception as exc:  # noqa: BLE001 - the trial fails with it, as in the kernel
                reply = ("error", "".join(traceback.format_exception_only(type(exc), exc)).strip())
            conn.send(reply)

    def close(self) -> None:
        """End the workers: idle ones exit, busy ones are terminated (their trials fail)."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            workers = list(self._workers)
        for _ in self._threads:
            self._jobs.put(None)
        for worker in workers:
            if worker is not None and worker.busy and worker.process.is_alive():
                worker.process.terminate()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(EXIT_GRACE * 2)
        _LIVE.discard(self)
