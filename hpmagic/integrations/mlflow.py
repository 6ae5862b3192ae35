"""A study in MLflow: the study as a parent run, each trial as a nested run.

:class:`MlflowLogger` is an observer of the study (``study.subscribe``): the run
thread only puts the ended trial on a bounded queue, one logging thread of its own
writes to MLflow. While the study runs, that thread takes at most :data:`DUTY` of
the wall time (the search keeps its pace; MLflow's store takes tens of milliseconds a
trial); the backlog is written as soon as the run ends. A full queue drops
trials with a note; a failing tracking store stops the logging with a note: never
a failed trial, never a stopped search. The kernel logs, so ``--parallel`` and
``--dask`` studies are logged alike.

It uses the tracking URI MLflow is configured with (``MLFLOW_TRACKING_URI``,
``mlflow.set_tracking_uri``; by default MLflow's local store). A study continued
from the same store (same ``--name``) appends to the parent run it had: the parent
is found by its tags (study name and store path).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import queue
import re
import threading
import time
import weakref
from typing import Any

from ..core import context
from ..core.options import OptionsError
from ..core.text import shorten

MISSING = "--mlflow needs MLflow, which is not installed: pip install hpmagic[mlflow]"
#: trials waiting to be logged; past that they are dropped (with a note)
QUEUE_SIZE = 10_000
#: items written in one go (the parent's metrics go in one log_batch per batch)
BATCH = 100
#: share of the wall time the logging thread takes while its study runs ...
DUTY = 0.05
#: ... writing for SLICE_S, then pausing (MIN_PAUSE_S at least; also before the first write of a run)
SLICE_S, MIN_PAUSE_S = 0.05, 1.0
#: how long the interpreter waits at exit for trials not yet logged
FLUSH_AT_EXIT_S = 30.0
#: MLflow's limits on tag and param values (shortened to fit)
MAX_TAG, MAX_PARAM = 8000, 6000
STATUS = {"complete": "FINISHED", "failed": "FAILED", "pruned": "KILLED"}
ROLE, STUDY_TAG, STORE_TAG = "hpmagic.role", "hpmagic.study", "hpmagic.store"

#: seconds the logging thread stays with nothing to write before it ends (the next trial starts another)
IDLE_S = 5.0

#: the live loggers (a study's observers keep them; a closed study's go with it)
_LOGGERS: weakref.WeakSet[MlflowLogger] = weakref.WeakSet()


def available() -> bool:
    """Whether MLflow can be imported (without importing it: that takes seconds)."""
    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError):
        return False


def require() -> None:
    """Raise :class:`OptionsError` (one line naming the extra) when MLflow is missing."""
    if not available():
        raise OptionsError(MISSING)


def track(study: Any, experiment: str | None = None) -> MlflowLogger:
    """Log ``study`` to MLflow from now on, in ``experiment`` (default: the study's name).

    Raises :class:`OptionsError` (one line naming the extra) when MLflow is missing.
    """
    require()
    store = study.options.store
    logger = MlflowLogger(
        study, experiment or study.name, os.path.abspath(store) if store is not None else None
    )
    _LOGGERS.add(logger)
    study.subscribe(logger)
    return logger


def flush(study: Any, timeout: float | None = None) -> bool:
    """Wait until everything ``study`` handed to MLflow so far is written; False on timeout."""
    return all(logger.flush(timeout) for logger in list(_LOGGERS) if logger.study is study)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return shorten(text.splitlines()[0] if text else type(exc).__name__, 200)


def _key(label: str) -> str:
    """A param name MLflow accepts (letters, digits, ``_-. /``)."""
    return re.sub(r"[^\w\-. /]", "_", str(label)) or "_"


def _metric(name: str) -> str:
    """An objective's metric name; one that would clash with hpmagic's own gets a prefix."""
    key = _key(name)
    return f"objective.{key}" if key in ("value", "duration_s", "report") else key


def _ms(seconds: float) -> int:
    return int(seconds * 1000) if seconds else int(time.time() * 1000)


class MlflowLogger:
    """Observer that writes a study's trials to MLflow from its own thread."""

    def __init__(self, study: Any, experiment: str, store: str | None) -> None:
        self.study = study
        self.experiment = experiment
        self.store = store
        self.enabled = True
        self.parent_id: str | None = None
        self.dropped = 0
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(QUEUE_SIZE)
        self._hurry = threading.Event()  # set: write at full speed (the run ended)
        self._hurry.set()
        self._resume_at = 0.0  # monotonic time before which a running study's trials wait
        self._values: list[Any] = []  # the parent's objective history, written in one batch
        self._client: Any = None
        self._experiment_id: str | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None  # runs while there is something to write

    # -- study events (run thread: never waits) ------------------------------------
    def run_started(self, study: Any) -> None:
        self._resume_at = time.monotonic() + MIN_PAUSE_S
        self._hurry.clear()
        self._put(("start", None))

    def trial_ended(self, study: Any, trial: Any) -> None:
        self._put(("trial", trial))

    def run_ended(self, study: Any) -> None:
        self._put(("end", None))
        self._hurry.set()

    def _put(self, item: tuple[str, Any]) -> None:
        try:
            self._queue.put_nowait(item)
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._work, name=f"hpmagic:mlflow:{self.study.name}", daemon=True
                    )
                    self._thread.start()
        except queue.Full:
            self.dropped += 1
            number = getattr(item[1], "number", None)
            self.study.note(
                f"MLflow logging fell behind (queue of {QUEUE_SIZE} full): trials from "
                f"#{number} on may be missing in MLflow",
                once="mlflow-dropped",
            )

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the queue is written; False when ``timeout`` seconds pass first."""
        self._hurry.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    # -- the logging thread -------------------------------------------------------
    def _work(self) -> None:
        with context.capture(self.study.log):  # MLflow's own messages go to the study's log
            busy = 0.0
            while True:
                try:
                    items = [self._queue.get(timeout=IDLE_S)]
                except queue.Empty:
                    with self._lock:  # ends unless _put just added an item
                        if self._queue.empty():
                            self._thread = None
                            return
                    continue
                wait = self._resume_at - time.monotonic()
                if wait > 0 and not self._hurry.is_set():
                    self._hurry.wait(wait)
                while self._hurry.is_set() and len(items) < BATCH:
                    try:
                        items.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                began = time.monotonic()
                try:
                    if self.enabled:
                        self._write(items)
                except Exception as exc:  # noqa: BLE001 - any tracking failure: a note, not a failed trial
                    self.enabled = False
                    self.study.note(
                        f"MLflow logging failed ({_reason(exc)}): this study is no longer logged to "
                        "MLflow; the search goes on",
                        once="mlflow",
                    )
                finally:
                    for _ in items:
                        self._queue.task_done()
                busy += time.monotonic() - began
                if self._hurry.is_set():
                    busy = 0.0
                elif busy >= SLICE_S:  # pause so that writing takes at most DUTY of the time
                    self._resume_at = time.monotonic() + max(MIN_PAUSE_S, busy * (1 / DUTY - 1))
                    busy = 0.0

    def _write(self, items: list[tuple[str, Any]]) -> None:
        parent = self._parent()
        from mlflow.entities import Metric

        for kind, trial in items:
            if kind == "start":
                self._client.update_run(parent, status="RUNNING")
            elif kind == "trial":
                self._log_trial(parent, trial)
                if trial.finite_value is not None:
                    self._values.append(Metric("value", trial.finite_value, _ms(trial.ended), trial.number))
            if kind == "end" or len(self._values) >= 900:
                self._flush_values(parent)
            if kind == "end":
                self._log_end(parent)
        if self._hurry.is_set():
            self._flush_values(parent)

    def _flush_values(self, parent: str) -> None:
        """The objective of each trial as the parent's metric history (step: trial number)."""
        if self._values:
            values, self._values = self._values, []
            self._client.log_batch(parent, metrics=values)

    # -- MLflow calls ---------------------------------------------------------------
    def _parent(self) -> str:
        """The study's parent run: found by its tags when the study ran before, else made."""
        if self.parent_id is not None:
            return self.parent_id
        from mlflow import MlflowClient

        self._client = client = MlflowClient()
        found = client.get_experiment_by_name(self.experiment)
        exp_id = found.experiment_id if found is not None else client.create_experiment(self.experiment)
        self._experiment_id = exp_id
        if self.store is not None:
            runs = client.search_runs(
                [exp_id],
                filter_string=f"tags.`{ROLE}` = 'study'",
                max_results=5000,
                order_by=["start_time DESC"],
            )
            for run in runs:
                tags = run.data.tags
                if tags.get(STUDY_TAG) == self.study.name and tags.get(STORE_TAG) == self.store:
                    self.parent_id = run.info.run_id
                    return self.parent_id
        tags = {ROLE: "study", STUDY_TAG: self.study.name, STORE_TAG: self.store or "memory"}
        run = client.create_run(exp_id, run_name=self.study.name, tags=tags)
        self.parent_id = run.info.run_id
        return self.parent_id

    def _log_trial(self, parent: str, trial: Any) -> None:
        """One nested run: params, objective, reports (a history by step), state, duration, error."""
        from mlflow.entities import Metric, Param

        client = self._client
        tags = {
            "mlflow.parentRunId": parent,
            ROLE: "trial",
            STUDY_TAG: self.study.name,
            STORE_TAG: self.store or "memory",
            "hpmagic.trial": str(trial.number),
            "hpmagic.state": str(trial.state),
        }
        if trial.error:
            tags["hpmagic.error"] = shorten(trial.error, MAX_TAG)
        run = client.create_run(
            self._experiment_id, start_time=_ms(trial.started), tags=tags, run_name=f"trial {trial.number}"
        )
        run_id = run.info.run_id
        end = _ms(trial.ended)
        metrics = [Metric("duration_s", float(trial.duration), end, 0)]
        if trial.finite_value is not None:
            metrics.append(Metric("value", trial.finite_value, end, 0))
        # several objectives: each one a metric of its own name, so MLflow can plot the trade-off
        metrics += [Metric(_metric(name), float(v), end, 0) for name, v in trial.values.items()]
        metrics += [Metric("report", value, end, step) for step, value in trial.reports]
        params = [Param(_key(k), shorten(str(v), MAX_PARAM)) for k, v in trial.params.items()]
        client.log_batch(run_id, metrics=metrics, params=params)
        if trial.error:
            client.log_text(run_id, trial.error, "error.txt")
        client.set_terminated(run_id, STATUS.get(str(trial.state), "FINISHED"), end_time=end)

    def _log_end(self, parent: str) -> None:
        """The parent's artifacts at the end of each run: best params and the exported study."""
        from ..storage.export import study_summary

        data = study_summary(self.study)
        client = self._client
        client.log_text(parent, json.dumps(data["best_params"], indent=2, default=repr), "best_params.json")
        client.log_text(parent, json.dumps(data, indent=2, default=repr), "study.json")
        tags = {"hpmagic.n_trials": str(data["n_trials"]), "hpmagic.direction": str(data["direction"])}
        if data["best_value"] is not None:
            tags["hpmagic.best_value"] = repr(data["best_value"])
            tags["hpmagic.best_trial"] = str(data["best_trial"])
        for key, value in tags.items():
            client.set_tag(parent, key, value)
        client.set_terminated(parent, "FINISHED")


@atexit.register
def _flush_at_exit() -> None:
    """Trials still queued when the interpreter ends are written (for a bounded time)."""
    deadline = time.monotonic() + FLUSH_AT_EXIT_S
    for logger in list(_LOGGERS):
        logger.flush(max(0.0, deadline - time.monotonic()))
