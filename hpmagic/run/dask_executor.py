"""Trials on a Dask cluster (``--dask [ADDRESS]``).

The cell and its namespace are scattered to every worker once (``broadcast``);
each worker process loads them the first time one of its threads runs a trial of
this study and keeps them for the next ones. Every trial is one task; its Dask
future resolves the study's future through a done-callback, so a free worker
thread gets the next trial as soon as the study has asked hyperopt for it.

``tune.report`` on a worker puts ``(number, value, step)`` on the study's report
queue (a ``distributed.Queue``); a thread of the kernel blocks on that queue, asks
the study's ``on_report`` and answers on the trial's own reply queue, which the
worker is blocked on. Queues go through the scheduler: a report costs a few
scheduler round trips (milliseconds), which is small next to a training epoch.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import cloudpickle

from ..core.context import ReportHook, call_hook
from ..core.program import Program
from .execution import TrialJob, TrialOutcome, decision, run_trial
from .processes import ExecutorError, GapLog, IdleClock, describe, failed, pack, unpack

#: seconds to reach a scheduler given by address
CONNECT_TIMEOUT = 10
#: seconds a worker waits for the study's answer to a report before going on unpruned
REPLY_TIMEOUT = 60

# -- worker side ----------------------------------------------------------------
_loaded_lock = threading.Lock()
_loaded: dict[str, tuple[Program, dict[str, Any]]] = {}
_clocks = threading.local()


def _load(token: str, blob: bytes) -> tuple[Program, dict[str, Any]]:
    with _loaded_lock:
        if token not in _loaded:
            _loaded[token] = unpack(blob)
        return _loaded[token]


def _forget(token: str) -> None:
    """Run on every worker when the study's executor closes."""
    with _loaded_lock:
        _loaded.pop(token, None)


def _clock(token: str) -> IdleClock:
    clocks = getattr(_clocks, "by_token", None)
    if clocks is None:
        clocks = _clocks.by_token = {}
    return clocks.setdefault(token, IdleClock())


def run_dask_trial(
    token: str, blob: bytes, number: int, values: dict[str, Any], reports: str | None
) -> tuple[TrialOutcome, float | None]:
    """The task: one trial on a worker thread, and the thread's idle gap before it."""
    clock = _clock(token)
    gap = clock.begin()
    try:
        program, namespace = _load(token, blob)
        on_report = _report_hook(reports, number) if reports else None
        return run_trial(program, TrialJob(number, values), namespace, on_report), gap
    finally:
        clock.end()


def _report_hook(reports: str, number: int) -> ReportHook:
    from distributed import Queue, get_client

    client = get_client()
    outbox = Queue(reports, client=client)
    inbox = Queue(f"{reports}-{number}", client=client)

    def ask(value: float, step: int, folds: int | None = None) -> Any:
        outbox.put([number, value, step, folds])
        kind, answer = inbox.get(timeout=REPLY_TIMEOUT)
        if kind == "error":
            raise RuntimeError(f"the study could not judge this report: {answer}")
        return answer

    return ask


# -- kernel side --------------------------------------------------------------
def _client_for(address: str) -> tuple[Any, bool]:
    """The client to use and whether this executor owns it (and closes it)."""
    require_distributed()
    from distributed import Client, get_client

    if address:
        try:
            return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False), True
        except Exception as exc:  # noqa: BLE001 - one clear line for the user
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        return get_client(), False
    except ValueError:
        raise ExecutorError(
            "--dask without an address needs a distributed.Client in the kernel "
            "(from distributed import Client; client = Client()), or give the scheduler's address"
        ) from None


class DaskExecutor:
    """Trials as Dask tasks: ``parallel`` at once, else one per worker thread of the cluster."""

    def __init__(self, address: str = "", parallel: int = 1) -> None:
        self.address = address
        self.parallel = parallel
        self.slots = max(1, parallel)
        #: trials submitted beyond ``slots``: one per worker thread runs, the extra waits at the
        #: scheduler, so a thread that ends a trial starts the next without the round trip through
        #: the kernel (about 15 ms on one machine). Only when the cluster's threads set the pace:
        #: ``--parallel N`` means N at once, and a cluster with more threads would run N + 1.
        self.ahead = 0
        self.token = uuid.uuid4().hex[:12]
        self._client: Any = None
        self._owns_client = False
        self._payload = b""  # the cell and its namespace, pickled
        self._blob: Any = None  # the payload scattered to the workers (a Dask future)
        self._lock = threading.Lock()
        self._inflight: dict[int, tuple[Any, Future[TrialOutcome], Callable[..., bool] | None]] = {}
        self._reports: Any = None  # the study's report queue, once a trial reports
        self._reader: threading.Thread | None = None
        self._closed = False
        #: why the scheduler cannot be used any more (it went away); submit refuses then
        self.lost: str | None = None
        #: trial number → ms its worker thread stood idle before it
        self.idle_gaps = GapLog()

    def start(self, program: Program, snapshot: dict[str, Any]) -> None:
        """Check that the namespace can travel, connect, and send it to every worker once."""
        self._payload = pack(program, snapshot, where="Dask workers")
        self._client, self._owns_client = _client_for(self.address)
        try:
            if self.parallel <= 1:
                threads = sum(self._client.nthreads().values())
                self.slots = max(1, threads)
                self.ahead = 1
            self._scatter()
        except Exception:
            self.close()
            raise

    def submit(self, job: TrialJob, on_report: ReportHook | None = None) -> Future[TrialOutcome]:
        if self._client is None:
            raise RuntimeError("start() first")
        future: Future[TrialOutcome] = Future()
        future.set_running_or_notify_cancel()
        if self._closed:
            future.set_result(failed("the executor is closed"))
            return future
        try:
            cloudpickle.dumps(job.values)  # what Dask would fail on later, and less clearly
        except Exception as exc:  # noqa: BLE001 - any value of a choice
            future.set_result(failed(f"the trial's values cannot be sent to Dask workers: {describe(exc)}"))
            return future
        self._check_scheduler()
        with self._lock:  # before the task exists: its first report may come at once
            self._inflight[job.number] = (None, future, on_report)
        try:
            reports = self._report_queue() if on_report is not None else None
            if self._blob.status != "finished":
                self._scatter()  # every worker holding it died
            task = self._client.submit(
                run_dask_trial,
                self.token,
                self._blob,
                job.number,
                job.values,
                reports,
                key=f"hpmagic-trial-{self.token}-{job.number}",
                pure=False,
            )
        except Exception as exc:  # noqa: BLE001 - the client cannot reach the scheduler
            with self._lock:
                self._inflight.pop(job.number, None)
            self._lose(type(exc).__name__)
            self._check_scheduler()
        with self._lock:
            closed = job.number not in self._inflight
            if not closed:
                self._inflight[job.number] = (task, future, on_report)
        if closed:  # close() ran meanwhile and failed the trial
            task.cancel()
            return future
        task.add_done_callback(lambda task, number=job.number: self._finished(number, task))
        return future

    def _where(self) -> str:
        try:
            return f" at {self._client.scheduler.address}"
        except Exception:  # noqa: BLE001 - only for the message
            return f" at {self.address}" if self.address else ""

    def _lose(self, why: str) -> None:
        """Remember that the scheduler went away (the first reason is kept)."""
        if self.lost is None:
            self.lost = f"the Dask scheduler{self._where()} went away ({why}); the run ended"

    def _check_scheduler(self) -> None:
        """Refuse new trials once the scheduler is gone, with one line that says so."""
        status = getattr(self._client, "status", "running")
        if self.lost is None and status not in ("running", "newly-created"):
            self._lose(f"the client is {status}")
        if self.lost is not None:
            raise ExecutorError(self.lost)

    def _scatter(self) -> None:
        self._blob = self._client.scatter(self._payload, broadcast=True, hash=False)

    def _finished(self, number: int, task: Any) -> None:
        with self._lock:
            entry = self._inflight.pop(number, None)
        if entry is None:
            return
        _, future, _ = entry
        try:
            outcome, gap = task.result()
            self.idle_gaps.add(number, gap)
        except Exception as exc:  # noqa: BLE001 - the trial fails, the study goes on
            if (
                getattr(exc, "reason", None) == "scheduler-connection-lost"
                or self._client.status != "running"
            ):
                self._lose("connection lost")
                outcome = failed(f"the Dask scheduler{self._where()} went away while trial {number} ran")
            else:
                outcome = failed(self._describe(number, exc))
        if not future.done():
            future.set_result(outcome)

    @staticmethod
    def _describe(number: int, exc: BaseException) -> str:
        from distributed import KilledWorker

        if isinstance(exc, KilledWorker):
            tries = exc.allowed_failures + 1
            where = getattr(exc.last_worker, "address", exc.last_worker)
            return (
                f"worker process died while running trial {number} "
                f"(Dask worker {where}; tried on {tries} worker{'s' if tries > 1 else ''})"
            )
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return f"the trial could not run on Dask: {text}"

    # -- reports ---------------------------------------------------------------
    def _report_queue(self) -> str:
        """The name of the study's report queue; the reader thread starts with it."""
        from distributed import Queue

        with self._lock:
            if self._reports is None:
                self._reports = Queue(f"hpmagic-reports-{self.token}", client=self._client)
                self._reader = threading.Thread(
                    target=self._read_reports, name="hpmagic-dask-reports", daemon=True
                )
                self._reader.start()
            return self._reports.name

    def _read_reports(self) -> None:
        from distributed import Queue

        replies: dict[int, Any] = {}
        while True:
            try:
                item = self._reports.get()
            except Exception:  # noqa: BLE001 - the client closed under us
                break
            if item is None or self._closed:
                break
            number, value, step, folds = item
            with self._lock:
                entry = self._inflight.get(number)
                for old in [n for n in replies if n not in self._inflight]:
                    replies.pop(old).close()
            if entry is None or entry[2] is None:
                answer: list[Any] = ["decision", False]
            else:
                try:
                    answer = ["decision", decision(call_hook(entry[2], value, step, folds))]
                except Exception as exc:  # noqa: BLE001 - the trial fails with it, as in the kernel
                    answer = ["error", f"{type(exc).__name__}: {exc}"]
            if number not in replies:
                replies[number] = Queue(f"{self._reports.name}-{number}", client=self._client)
            replies[number].put(answer)
        for reply in replies.values():
            try:
                reply.close()
            except Exception:  # noqa: BLE001 - closing down anyway
                pass

    # -- closing -----------------------------------------------------------------
    def close(self) -> None:
        """Cancel what is in flight, drop the cell's data on the workers, close an owned client."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            inflight = list(self._inflight.items())
            self._inflight.clear()
        client = self._client
        if client is None:
            return
        for number, (task, future, _) in inflight:
            if not future.done():
                future.set_result(failed(f"the executor was closed while trial {number} ran"))
            if task is not None:
                task.cancel()
        try:
            if self._reports is not None:
                self._reports.put(None)
                if self._reader is not None:
                    self._reader.join(5)
                self._reports.close()
            if client.status == "running":
                client.run(_forget, self.token)
                if self._blob is not None:
                    self._blob.release()
        except Exception:  # noqa: BLE001 - the cluster may already be gone
            pass
        finally:
            self._blob = None
            if self._owns_client:
                client.close()


def require_distributed() -> None:
    """``--dask`` needs the optional ``distributed`` package: say which extra installs it."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ExecutorError(
            f"--dask needs the distributed package ({exc}): pip install 'hpmagic[dask]'"
        ) from None
