"""What a study tells its observers (the store's writer, live views, MLflow), and how.

An observer defines any of the :class:`StudyObserver` methods; the study calls them
from its run thread (or from the caller of ``refine``). A failing observer never
ends the run: its error goes to the study's log and, once per observer and event,
to a note where people look.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from ..core.text import shorten
from ..core.trials import Trial

#: the events, in the order a run sends them (space_changed and study_closed come at any time)
EVENTS = ("run_started", "trial_ended", "run_ended", "space_changed", "study_closed")


class StudyObserver(Protocol):
    """Every method is optional; each gets the study first."""

    def run_started(self, study: Any) -> None: ...

    def trial_ended(self, study: Any, trial: Trial) -> None: ...

    def run_ended(self, study: Any) -> None: ...

    def space_changed(self, study: Any) -> None: ...

    def study_closed(self, study: Any) -> None: ...


class Observers:
    """The study's observers, in subscription order; safe to change while events go out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Any] = []

    def add(self, observer: Any) -> None:
        with self._lock:
            if observer not in self._items:
                self._items.append(observer)

    def remove(self, observer: Any) -> None:
        with self._lock:
            if observer in self._items:
                self._items.remove(observer)

    def snapshot(self) -> tuple[Any, ...]:
        with self._lock:
            return tuple(self._items)

    def publish(
        self, study: Any, event: str, *args: Any, on_error: Callable[[str, str, BaseException], None]
    ) -> None:
        """Call ``event`` on every observer that has it; ``on_error(name, event, exc)`` for failures."""
        if event not in EVENTS:
            raise ValueError(f"unknown study event {event!r}")
        for observer in self.snapshot():
            method = getattr(observer, event, None)
            if method is None:
                continue
            try:
                method(study, *args)
            except Exception as exc:  # noqa: BLE001 - a listener must not end the run
                on_error(type(observer).__name__, event, exc)


def failure_note(name: str, event: str, exc: BaseException) -> str:
    """The one line a failing observer leaves on the study."""
    return f"{name} failed on {event.replace('_', ' ')}: {shorten(repr(exc), 200)}"
