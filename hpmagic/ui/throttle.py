"""Turning bursts of study events into few widget refreshes.

Study events arrive from the run thread, often many a second; a view pokes a
:class:`Throttle` instead of redrawing, and the throttle calls its function at
most once per interval, always delivering the last poke.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

REFRESH_INTERVAL = 0.1  # seconds: at most ~10 updates a second


class Throttle:
    """Calls ``fn`` at most once per ``interval``; a poke during the pause is not lost."""

    def __init__(self, fn: Callable[[], None], interval: float = REFRESH_INTERVAL) -> None:
        self._fn = fn
        self._interval = interval
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._due = 0.0
        self._last = 0.0

    def poke(self, delay: float = 0.0) -> None:
        """Ask for a call, not sooner than ``delay`` seconds from now."""
        with self._lock:
            now = time.monotonic()
            due = max(now + delay, self._last + self._interval)
            if self._timer is not None:
                if self._due <= due:
                    return
                self._timer.cancel()  # an earlier call is wanted
            self._due = due
            self._timer = threading.Timer(max(0.0, due - now), self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        self._fn()

    def flush(self) -> None:
        """Run now (e.g. when the run ends), cancelling a pending call."""
        self.cancel()
        with self._lock:
            self._last = time.monotonic()
        self._fn()

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
