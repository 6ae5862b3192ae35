"""The live view of a study: ipywidgets, updated from the run thread, throttled.

A :class:`Dashboard` observes a study. Events only mark it dirty; a
:class:`Throttle` turns bursts of events into at most ``1 / interval`` refreshes
and always delivers the last one, and every widget write happens in
:meth:`Dashboard.refresh` under one lock.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import Any

from .execution import COMPLETE, FAILED, PRUNED
from .study import Study

REFRESH_INTERVAL = 0.1  # seconds: at most ~10 updates a second


class Throttle:
    """Calls ``fn`` at most once per ``interval``; a poke during the pause is not lost."""

    def __init__(self, fn: Callable[[], None], interval: float = REFRESH_INTERVAL) -> None:
        self._fn = fn
        self._interval = interval
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._last = 0.0

    def poke(self) -> None:
        with self._lock:
            if self._timer is not None:
                return
            delay = max(0.0, self._last + self._interval - time.monotonic())
            self._timer = threading.Timer(delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        self._fn()

    def flush(self) -> None:
        """Run now (e.g. when the run ends), cancelling a pending call."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._last = time.monotonic()
        self._fn()


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.6g}"


def format_params(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v!r}" if isinstance(v, str) else f"{k}={_fmt(v) if isinstance(v, float) else v}"
        for k, v in params.items()
    )


class Dashboard:
    """The widgets of one view of a study."""

    def __init__(self, study: Study) -> None:
        import ipywidgets as w

        self.study = study
        self._lock = threading.Lock()
        self.progress = w.IntProgress(min=0, max=max(study.n_target, 1), description="trials")
        self.status = w.HTML()
        self.best = w.HTML()
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop")
        self.stop_button.on_click(lambda _: study.stop())
        self.widget = w.VBox(
            [w.HBox([self.progress, self.status, self.stop_button]), self.best],
            layout=w.Layout(width="100%"),
        )
        self._throttle = Throttle(self.refresh)
        study.subscribe(self)
        self.refresh()

    # study events (run thread): only mark dirty
    def trial_ended(self, study: Study, trial: Any) -> None:
        self._throttle.poke()

    def run_started(self, study: Study) -> None:
        self._throttle.poke()

    def space_changed(self, study: Study) -> None:
        self._throttle.poke()

    def run_ended(self, study: Study) -> None:
        self._throttle.flush()

    def refresh(self) -> None:
        """Write the study's state into the widgets: the one path that touches them."""
        study = self.study
        with self._lock:
            counts = study.counts()
            done = sum(counts.values())
            ran = study.n_ended_this_run
            self.progress.max = max(study.n_target, 1)
            self.progress.value = min(max(ran, 0), self.progress.max)
            elapsed = (study.run_ended_at or time.time()) - (study.run_started_at or time.time())
            state = "running" if study.running else html.escape(study.message or study.end_reason or "")
            self.status.value = (
                f"<b>{done}</b> done · {counts[FAILED]} failed · {counts[PRUNED]} pruned · "
                f"{counts[COMPLETE]} complete · {elapsed:.1f}s · {state}"
            )
            self.stop_button.disabled = not study.running
            best = study.best_trial
            self.best.value = (
                f"best <b>{html.escape(_fmt(best.value))}</b> (trial {best.number}): "
                f"<code>{html.escape(format_params(best.params))}</code>"
                if best
                else "no complete trial yet"
            )


def mimebundle(study: Study) -> dict[str, Any]:
    """The study's display: a live dashboard in a kernel, its text line everywhere."""
    bundle: dict[str, Any] = {}
    if _widgets_available():
        bundle.update(Dashboard(study).widget._repr_mimebundle_() or {})
    bundle["text/plain"] = repr(study)
    return bundle


def _widgets_available() -> bool:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None
    except ImportError:
        return False
