"""The study's display where the live dashboard cannot be made: text and HTML, updated at the run's end.

A kernel whose ipywidgets cannot be imported, or whose widget comm fails, still
shows the study: the same text and static HTML summary a frontend without widgets
falls back to, displayed with a display id and replaced by the final summary when
a run of the study ends. A note on the study says why there is no live view.
"""

from __future__ import annotations

import threading
from typing import Any

from ..run.study import Study
from .dashboard import static_html, text_summary


def _convergence(study: Study) -> bytes | None:
    """The convergence plot of the study's trials (``None`` when it cannot be drawn)."""
    try:
        from . import plotdata, plots

        history = plotdata.History()
        for trial in study.trials:
            history.add(trial)
        data = plotdata.convergence(history.numbers, history.values, history.states, study.direction)
        return plots.convergence_png(data)
    except Exception:  # noqa: BLE001 - the summary is useful without its picture
        return None


class SummaryView:
    """A text/HTML display of a study that follows the ends of its runs."""

    def __init__(self, study: Study) -> None:
        self.study = study
        self._lock = threading.Lock()
        self._display: Any = None

    def bundle(self, picture: bool = False) -> dict[str, Any]:
        """Text for terminals and logs, HTML for notebooks (with the convergence plot when ``picture``)."""
        png = _convergence(self.study) if picture else None
        return {"text/plain": text_summary(self.study), "text/html": static_html(self.study, png)}

    def show(self) -> None:
        from IPython.display import display

        with self._lock:
            self._display = display(self.bundle(picture=not self.study.running), raw=True, display_id=True)
        self.study.subscribe(self)

    def run_ended(self, study: Study) -> None:
        with self._lock:
            if self._display is not None:
                self._display.update(self.bundle(picture=True), raw=True)


def show_without_widgets(study: Study, reason: BaseException) -> SummaryView:
    """Display ``study`` as a summary instead of a dashboard, and say why on the study."""
    if isinstance(reason, ImportError):
        why = "ipywidgets cannot be imported (pip install ipywidgets)"
    else:
        why = f"its widgets failed ({type(reason).__name__}: {str(reason)[:200]})"
    study.note(
        f"no live dashboard: {why}; the summary shown is updated when the run ends", once="no-dashboard"
    )
    view = SummaryView(study)
    view.show()
    return view
