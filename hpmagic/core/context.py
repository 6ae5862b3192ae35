"""Per-thread state of a running trial: its ``tune.report`` hook and its output.

A trial runs in a thread of the kernel (or in a worker process). ``tune.report``
finds the trial through a thread-local, and prints find the trial's buffer
through a router installed once on ``sys.stdout``/``sys.stderr``: a thread that
has a capture target writes there, every other thread writes where it always did.
"""

from __future__ import annotations

import io
import operator
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TextIO

_local = threading.local()
_install_lock = threading.Lock()


class TrialPruned(Exception):
    """Raised inside a trial by ``tune.report`` when the pruner stops it."""


#: what a report hook is called with: (value, step, folds) — ``folds`` is the number of CV folds for
#: a fold's score from ``tune.cross_val_score`` (greater is better), None for ``tune.report``. It
#: answers False to go on, True to stop, or (for a fold) the estimated scores of the folds not run.
ReportHook = Callable[[float, int, "int | None"], Any]


def call_hook(hook: ReportHook, value: float, step: int, folds: int | None) -> Any:
    """Call a report hook: ``(value, step)`` for a plain report (hooks of two arguments keep
    working), ``(value, step, folds)`` for a CV fold's score."""
    return hook(value, step) if folds is None else hook(value, step, folds)  # type: ignore[call-arg]


class TrialContext:
    """What ``tune.report`` and the CV helpers talk to while a trial runs."""

    def __init__(self, on_report: ReportHook | None = None) -> None:
        self.reports: list[tuple[int, float]] = []
        self._on_report = on_report
        #: (folds ran, folds in all) once a CV helper reported folds
        self.folds: tuple[int, int] | None = None
        #: why the trial was stopped after a fold (its cell still ran on, with estimated scores)
        self.pruned: str | None = None
        #: what ``tune.constraint`` calls said: None when none was made, else whether all held
        self.feasible: bool | None = None

    def constraint(self, condition: Any) -> None:
        try:
            held = bool(condition)
        except Exception as exc:  # noqa: BLE001 - an array's truth value and such: one clear line
            raise TypeError(f"tune.constraint needs a condition that is true or false: {exc}") from None
        self.feasible = held and self.feasible is not False

    def report(self, value: Any, step: int | None = None) -> None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"tune.report needs a number, got {type(value).__name__}: {value!r:.60}"
            ) from None
        if step is None:
            step = self.reports[-1][0] + 1 if self.reports else 0
        try:
            step = operator.index(step)
        except TypeError:
            if not (isinstance(step, float) and step.is_integer()):
                raise TypeError(f"tune.report: step must be an integer, got {step!r}") from None
            step = int(step)
        self.reports.append((step, number))
        if self._on_report is not None and call_hook(self._on_report, number, step, None):
            raise TrialPruned(f"pruned at step {step} (value {number:g})")

    def fold(self, score: float, n_folds: int) -> list[float] | None:
        """Report one fold's score; None to go on, else estimated scores of the folds not run.

        The trial is not stopped by an exception: the CV helper returns estimated scores, so the
        cell computes its own objective from them (the trial is still recorded as pruned).
        """
        ran = (self.folds[0] if self.folds else 0) + 1
        step = self.reports[-1][0] + 1 if self.reports else 0
        self.reports.append((step, score))
        self.folds = (ran, n_folds)
        answer = call_hook(self._on_report, score, step, n_folds) if self._on_report is not None else False
        if not answer or ran >= n_folds:
            return None
        self.pruned = f"pruned after fold {ran} of {n_folds} (score {score:g})"
        return [float(v) for v in answer] if isinstance(answer, (list, tuple)) else []


#: context-manager factories entered around every trial in this process (see add_trial_hook)
_trial_hooks: list[Callable[[], AbstractContextManager[Any]]] = []


def add_trial_hook(factory: Callable[[], AbstractContextManager[Any]]) -> None:
    """Enter ``factory()`` around every trial run in this process, in the trial's thread.

    The IPython layer uses this to keep a trial's rich displays out of other cells.
    """
    with _install_lock:
        if factory not in _trial_hooks:
            _trial_hooks.append(factory)


def trial_hooks() -> list[Callable[[], AbstractContextManager[Any]]]:
    with _install_lock:
        return list(_trial_hooks)


def current() -> TrialContext | None:
    return getattr(_local, "trial", None)


@contextmanager
def trial_context(ctx: TrialContext) -> Iterator[TrialContext]:
    previous = current()
    _local.trial = ctx
    try:
        yield ctx
    finally:
        _local.trial = previous


class _Router(io.TextIOBase):
    """A stand-in for sys.stdout/stderr that sends each thread's writes to its target.

    Threads without a capture target (the kernel's own, other cells' threads) write
    to the stream that was there before, and see its attributes (``encoding``,
    ``fileno()``, ipykernel's ``echo`` ...) as if nothing had been installed.
    """

    def __init__(self, original: TextIO, attr: str) -> None:
        self._original = original
        self._attr = attr

    def _target(self) -> TextIO:
        return getattr(_local, "capture", None) or self._original

    def write(self, text: str) -> int:  # type: ignore[override]
        return self._target().write(text)

    def writelines(self, lines: Any) -> None:  # type: ignore[override]
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        target = self._target()
        if hasattr(target, "flush"):
            target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._target(), "isatty", lambda: False)())

    def fileno(self) -> int:
        return self._original.fileno()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        """Closing sys.stdout must not close the kernel's stream."""

    @property
    def closed(self) -> bool:  # type: ignore[override]
        return bool(getattr(self._original, "closed", False))

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._original, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._original, "errors", None)

    @property
    def newlines(self) -> Any:
        return None

    @property
    def name(self) -> str:
        return getattr(self._original, "name", f"<{self._attr}>")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def install_router() -> None:
    """Route thread output through capture targets; idempotent and cheap."""
    with _install_lock:
        for attr in ("stdout", "stderr"):
            stream = getattr(sys, attr)
            if not isinstance(stream, _Router):
                setattr(sys, attr, _Router(stream, attr))


@contextmanager
def capture(buffer: io.StringIO | None = None) -> Iterator[io.StringIO]:
    """Collect this thread's prints into ``buffer`` (other threads are unaffected)."""
    install_router()
    buffer = buffer if buffer is not None else io.StringIO()
    previous = getattr(_local, "capture", None)
    _local.capture = buffer
    try:
        yield buffer
    finally:
        _local.capture = previous
