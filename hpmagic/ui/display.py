"""How a study shows itself in IPython: one live view per study, never a new one per display.

IPython asks a registered formatter for a study's display (:func:`register`). In a
kernel, the first display builds the study's view; every later display shows that
same widget again and, while a run goes on, makes sure it listens (once). A study
that is not running gets no listener at all: its view shows the final state. Without
a kernel (a terminal, a script) the study's own text is shown.

This module loads ipywidgets only when a study is displayed in a kernel.
"""

from __future__ import annotations

from typing import Any

from ..run.report import text_summary
from ..run.study import Study


def live_view(study: Study) -> Any:
    """The study's one open view, built on first use."""
    from .dashboard import Dashboard, views

    for view in views(study):
        if not view.closed:
            return view
    return Dashboard(study, listen=False)


def study_bundle(study: Study, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """The display of a study: its live view in a kernel, its text everywhere else."""
    if not _widgets_available():
        return {"text/plain": text_summary(study)}
    try:
        _show_live(study)
    except Exception as exc:  # noqa: BLE001 - no ipywidgets, or its comm failed: a summary instead
        from .summary import show_without_widgets

        show_without_widgets(study, exc)
        return {"text/plain": f"<hpmagic.Study '{study.name}'>"}
    if study.running:
        # sent once and never updated: no word that the run's end would make false
        return {"text/plain": f"<hpmagic.Study '{study.name}' (its dashboard is above)>"}
    return {"text/plain": repr(study)}


def _show_live(study: Study) -> None:
    view = live_view(study)
    if study.running:
        view.attach()
        if not study.running:  # the run ended while attaching: its last event may have missed us
            view.detach()
            view.refresh(final=True)
    else:
        view.refresh(final=True)
    view.show()


def register(ipython: Any) -> None:
    """Show studies through :func:`study_bundle` in this IPython shell."""
    formatter = getattr(getattr(ipython, "display_formatter", None), "mimebundle_formatter", None)
    if formatter is not None:
        formatter.for_type(Study, study_bundle)


def register_if_loaded() -> None:
    """Register in the running IPython shell, if there is one (``import hpmagic`` in a notebook)."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    ipython = get_ipython()
    if ipython is not None:
        register(ipython)


def _widgets_available() -> bool:
    try:
        from IPython import get_ipython

        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None
    except ImportError:
        return False
