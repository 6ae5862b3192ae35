"""Running one trial: the cell's code on a namespace snapshot, with the trial's values.

:func:`run_trial` is the whole evaluation and is the same wherever a trial runs:
in the study's thread (:class:`SerialExecutor`) or in a worker process. Executors
are the seam between the study and where trials run; the study only submits
:class:`TrialJob` s and receives :class:`TrialOutcome` s through futures.
"""

from __future__ import annotations

import io
import math
import numbers
import time
import traceback
from collections.abc import Mapping
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from ..core import context
from ..core.annotations import tune
from ..core.crossval import FOLDS_KEY
from ..core.program import CELL_FILENAME, RUNTIME_NAME, Program
from ..core.trials import COMPLETE, FAILED, PRUNED

#: printed output kept per trial: its last this many characters (memory, store and browser alike)
MAX_OUTPUT = 64 * 1024
#: characters of a trial's error message kept
MAX_ERROR = 16 * 1024


class TailBuffer(io.TextIOBase):
    """Collects a trial's prints but keeps only the last ``limit`` characters.

    A trial printing 20 MB would otherwise hold all of it in the kernel, the
    store and the browser; ``getvalue()`` starts with a line saying how much was cut.
    """

    def __init__(self, limit: int = MAX_OUTPUT) -> None:
        super().__init__()
        self.limit = limit
        self._parts: list[str] = []
        self._size = 0
        self.dropped = 0

    def write(self, text: str) -> int:  # type: ignore[override]
        if not isinstance(text, str):
            text = str(text)
        self._parts.append(text)
        self._size += len(text)
        if self._size > 2 * self.limit:
            self._trim()
        return len(text)

    def _trim(self) -> None:
        joined = "".join(self._parts)
        cut = max(0, len(joined) - self.limit)
        self.dropped += cut
        self._parts, self._size = [joined[cut:]], len(joined) - cut

    def writable(self) -> bool:
        return True

    def getvalue(self) -> str:
        self._trim()
        text = self._parts[0] if self._parts else ""
        if self.dropped:
            return (
                f"[hpmagic] {self.dropped:,} earlier characters of output not kept (last {self.limit:,} kept)\n"
                + text
            )
        return text


def bound_error(text: str | None, limit: int = MAX_ERROR) -> str | None:
    """An error message cut to ``limit`` characters, saying so."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f" ... [{len(text) - limit:,} more characters not kept]"


class ObjectiveError(ValueError):
    """The cell's last expression is not a usable objective."""


@dataclass
class TrialJob:
    """One trial to run: its number and the value each annotation site reads."""

    number: int
    values: dict[str, Any]


@dataclass
class TrialOutcome:
    state: str
    value: float | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    output: str = ""
    reports: list[tuple[int, float]] = field(default_factory=list)
    started: float = 0.0  # wall-clock time
    ended: float = 0.0
    key: str | None = None  # "loss" or "score" when the objective was a dict
    values: dict[str, float] = field(default_factory=dict)  # each objective, with --objectives

    @property
    def duration(self) -> float:
        return max(0.0, self.ended - self.started)


class _Runtime:
    """What the rewritten cell calls to read the trial's values."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def value(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise RuntimeError(
                f"annotation '{key}' is not active in this trial; annotations inside a function "
                "that outlives its tune.choice option are not supported"
            ) from None

    index = value


class Reading(NamedTuple):
    """What a cell's result says: the objective, the extra entries kept with the trial, the
    dict key it came from ('loss', 'score' or None) and, with several objectives, each one."""

    value: float
    extras: dict[str, Any]
    key: str | None
    values: dict[str, float]


def interpret(result: Any, objectives: tuple[str, ...] = ()) -> Reading:
    """The objective (or, with ``objectives``, each named one) read from a cell's result."""
    if objectives:
        return _interpret_several(result, objectives)
    key = None
    extras: dict[str, Any] = {}
    if isinstance(result, dict):
        if "loss" in result:
            key = "loss"
        elif "score" in result:
            key = "score"
        else:
            raise ObjectiveError(
                f"the objective dict needs a 'loss' or 'score' entry; it has {sorted(map(str, result))}"
            )
        extras = _extras(result, {key})
        result = result[key]
    return Reading(_number(result, f"the objective's '{key}'" if key else "the objective"), extras, key, {})


def _interpret_several(result: Any, names: tuple[str, ...]) -> Reading:
    if not isinstance(result, Mapping):
        raise ObjectiveError(
            f"with --objectives the cell must end with a dict holding {', '.join(map(repr, names))}; "
            f"it ended with {'None' if result is None else 'a ' + type(result).__name__}"
        )
    missing = [n for n in names if n not in result]
    if missing:
        raise ObjectiveError(
            f"the objective dict lacks {', '.join(map(repr, missing))} (--objectives); "
            f"it has {sorted(map(str, result))}"
        )
    values = {n: _number(result[n], f"the objective '{n}'") for n in names}
    return Reading(values[names[0]], _extras(dict(result), set(names)), None, values)


def _extras(result: dict[Any, Any], taken: set[str]) -> dict[str, Any]:
    """The entries kept with the trial besides the objectives; a 'feasible' entry must be a bool."""
    extras = {str(k): _jsonable(v) for k, v in result.items() if k not in taken}
    if not isinstance(extras.get("feasible", True), bool):
        raise ObjectiveError(
            f"the objective's 'feasible' must be True or False, got {_short(repr(result['feasible']))}"
        )
    return extras


def _number(result: Any, what: str) -> float:
    """A finite float, or :class:`ObjectiveError` saying what ``what`` was instead."""
    if result is None and what != "the objective":
        raise ObjectiveError(f"{what} is None; it must be a number")
    if result is None:
        raise ObjectiveError(
            "the objective is None: the cell's last line must be an expression giving a number "
            "(or a dict with 'loss' or 'score'), not a call that returns nothing"
        )
    result = _scalar(result)
    if isinstance(result, bool) or not isinstance(result, numbers.Real):
        raise ObjectiveError(f"{what} must be a number, got {type(result).__name__}: {_short(repr(result))}")
    try:
        value = float(result)
    except OverflowError:  # an int with hundreds of digits
        raise ObjectiveError(f"{what} is too large for a float ({_short(repr(result), 40)})") from None
    if not math.isfinite(value):
        kind = "NaN (not a number)" if math.isnan(value) else f"infinite ({value})"
        whose = "the objective" if what.startswith("the objective'") else what  # 'loss' or a number
        raise ObjectiveError(f"{whose} is {kind}: it must be a finite number")
    return value


def _scalar(result: Any) -> Any:
    """A one-element array or tensor (numpy, torch, pandas ...) as its Python number."""
    if isinstance(result, numbers.Real):
        return result
    shape, item = getattr(result, "shape", None), getattr(result, "item", None)
    try:
        if callable(item) and shape is not None and math.prod(shape) == 1:
            return item()
    except (TypeError, ValueError):
        pass
    return result


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _jsonable(value: Any) -> Any:
    import json

    if hasattr(value, "item") and callable(value.item):
        try:
            value = value.item()
        except (TypeError, ValueError):
            if callable(getattr(value, "tolist", None)):
                value = value.tolist()
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)


def _in_cell(filename: str) -> bool:
    return filename.startswith(CELL_FILENAME[:-1])


def describe_error(exc: BaseException) -> str:
    """``Type: message (line N)`` with the innermost line of the cell, if any."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if _in_cell(frame.filename):
            line = frame.lineno
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{text} (line {line})" if line else text


def decision(answer: Any) -> bool | list[float]:
    """A pruner's answer as it travels to a trial: go on/stop, or a fold's estimated scores."""
    if isinstance(answer, (list, tuple)):
        return [float(v) for v in answer]
    return bool(answer)


def run_trial(
    program: Program,
    job: TrialJob,
    snapshot: dict[str, Any],
    on_report: context.ReportHook | None = None,
) -> TrialOutcome:
    """Evaluate the cell once. Never raises for the user's errors: they become the outcome."""
    namespace = dict(snapshot)
    namespace[RUNTIME_NAME] = _Runtime(job.values)
    namespace.setdefault("tune", tune)
    ctx = context.TrialContext(on_report)
    outcome = TrialOutcome(state=FAILED, started=time.time())
    out = TailBuffer()
    with context.capture(out), context.trial_context(ctx), ExitStack() as hooks:  # type: ignore[arg-type]
        try:
            for hook in context.trial_hooks():
                hooks.enter_context(hook())
            exec(program.body, namespace)  # noqa: S102 - the user's own cell
            result = eval(program.objective, namespace)  # noqa: S307
            reading = interpret(result, program.objectives)
            outcome.value, outcome.extras, outcome.key, outcome.values = reading
            if ctx.feasible is not None:  # tune.constraint calls and a "feasible" entry must all hold
                outcome.extras["feasible"] = ctx.feasible and outcome.extras.get("feasible", True)
            if ctx.folds is not None:
                outcome.extras.setdefault(FOLDS_KEY, f"{ctx.folds[0]}/{ctx.folds[1]}")
            outcome.state = COMPLETE
            if ctx.pruned is not None:  # stopped after a fold: the value is the cell's own estimate
                outcome.state = PRUNED
                out.write(f"[hpmagic] {ctx.pruned}\n")
        except context.TrialPruned as exc:
            outcome.state = PRUNED
            outcome.error = None
            outcome.value = ctx.reports[-1][1] if ctx.reports else None
            out.write(f"[hpmagic] {exc}\n")
        except ObjectiveError as exc:
            outcome.error = str(exc)
        except BaseException as exc:  # noqa: BLE001 - a trial's error (even SystemExit) is data
            outcome.error = describe_error(exc)
            out.write("".join(_cell_traceback(exc)))
    outcome.ended = time.time()
    outcome.error = bound_error(outcome.error)
    outcome.output = out.getvalue()
    outcome.reports = list(ctx.reports)
    return outcome


def evaluate(program: Program, values: dict[str, Any], namespace: dict[str, Any]) -> Any:
    """Run the cell in ``namespace`` with the annotations reading ``values``; the objective's value."""
    namespace.setdefault("tune", tune)
    namespace[RUNTIME_NAME] = _Runtime(values)
    try:
        exec(program.body, namespace)  # noqa: S102 - the user's own cell
        return eval(program.objective, namespace)  # noqa: S307
    finally:
        namespace.pop(RUNTIME_NAME, None)


def apply_values(
    program: Program, values: dict[str, Any], namespace: dict[str, Any]
) -> float | dict[str, float]:
    """The cell once in the user's own namespace (``study.apply()``): names it assigns stay.

    Returns the objective, or with several objectives the dict of their values.
    """
    reading = interpret(evaluate(program, values, namespace), program.objectives)
    return reading.values or reading.value


def _cell_traceback(exc: BaseException) -> list[str]:
    """The traceback from the cell's frames down, without hpmagic's own frames."""
    tb = exc.__traceback__
    while tb is not None and not _in_cell(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return traceback.format_exception(type(exc), exc, tb)


class Executor(Protocol):
    """Where trials run. ``slots`` trials may run at once; ``ahead`` more are submitted
    to wait for a free slot where the executor queues work itself (see ``DaskExecutor``).
    """

    slots: int
    ahead: int

    def start(self, program: Program, snapshot: dict[str, Any]) -> None: ...

    def submit(self, job: TrialJob, on_report: context.ReportHook | None) -> Future[TrialOutcome]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs each trial in the calling (study) thread, one at a time."""

    slots = 1
    ahead = 0

    def __init__(self) -> None:
        self._program: Program | None = None
        self._snapshot: dict[str, Any] = {}

    def start(self, program: Program, snapshot: dict[str, Any]) -> None:
        self._program, self._snapshot = program, snapshot

    def submit(self, job: TrialJob, on_report: context.ReportHook | None = None) -> Future[TrialOutcome]:
        assert self._program is not None, "start() first"
        future: Future[TrialOutcome] = Future()
        future.set_result(run_trial(self._program, job, self._snapshot, on_report))
        return future

    def close(self) -> None:
        self._program = None
