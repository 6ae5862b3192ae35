"""The advisor under the sliders: one line per piece of ``study.advice()``, each with its button.

A button does what its advice says (:class:`hpmagic.core.advice.Advice`): refine the
study by the advice's ranges and continue as the sliders' Continue does, or stop the
run. Edge warnings keep their own place under each slider, so they are not repeated
here. Messages are text: shown escaped.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from ..core.advice import Advice
from ..core.space import SpaceError


class AdvicePanel:
    """The advice of ``panel``'s study (``panel``: the :class:`hpmagic.ui.sliders.SpaceControls`)."""

    def __init__(self, panel: Any) -> None:
        self.panel = panel
        self.advice: list[Advice] = []
        self.widget = w.VBox(layout=w.Layout(display="none", margin="4px 0 0 0"))
        self.widget.add_class("hpmagic-advice")
        self._shown: Any = None

    def refresh(self) -> None:
        """Ask the study for its advice and show it (rows are rebuilt only when it changed)."""
        try:
            found = [a for a in self.panel.study.advice() if a.kind != "widen"]
        except Exception as exc:  # noqa: BLE001 - advice is a hint: the sliders work without it
            self.panel.study.log.write(f"[hpmagic] advice failed: {exc!r}\n")
            found = []
        running = self.panel.study.running  # a Stop button is live only while a run goes on
        shown = [(a.kind, a.key, a.message, running and a.then == "stop") for a in found]
        if shown == self._shown:
            return
        self._shown, self.advice = shown, found
        self.widget.children = tuple(self._row(i, a) for i, a in enumerate(found))
        self.widget.layout.display = "" if found else "none"

    def _row(self, index: int, advice: Advice) -> Any:
        note = w.HTML(f'<span style="color:#1f5f8b">&#128161; {html.escape(advice.line())}</span>')
        button = w.Button(
            description=advice.action,
            icon="stop" if advice.then == "stop" else "magic",
            tooltip="stop the run" if advice.then == "stop" else f"refine({advice.refine!r}), then continue",
            layout=w.Layout(width="auto", min_width="150px"),
        )
        button.disabled = advice.then == "stop" and not self.panel.study.running
        button.add_class("hpmagic-advice-button")
        button.add_class(f"hpmagic-advice-{advice.kind}")
        button.on_click(lambda _: self.follow(advice))
        row = w.HBox([button, note], layout=w.Layout(align_items="center"))
        row.add_class("hpmagic-advice-row")
        return row

    def follow(self, advice: Advice, n: int | None = None) -> bool:
        """Do what ``advice`` says: stop, or refine and continue (``n`` trials, else the panel's
        number). Returns whether it worked; on an error nothing changes and the panel says why."""
        panel = self.panel
        with panel._lock:
            study = panel.study
            if advice.then == "stop":
                study.stop()
                panel._message = "stopping: the running trials finish and are kept"
                panel._show_status()
                return True
            try:
                study.refine(**advice.refine)
            except (SpaceError, ValueError) as exc:
                panel.show_error(str(exc))
                return False
            panel.sync()  # the controls show the new space: Continue has nothing more to change
            return bool(panel.continue_(n))
