"""The advice under the sliders, on real ipywidgets objects without a kernel: rows, buttons, and
what a click does to the study and to the sliders."""

from __future__ import annotations

import math

import hpmagic
from hpmagic import Options
from hpmagic.ui.sliders import SpaceControls

CELL = """
C = tune.uniform(0.001, 10)
g = tune.uniform(0, 1)
(math.log10(C) + 2) ** 2
"""


def panel_of(n: int = 50) -> SpaceControls:
    s = hpmagic.create_study(CELL, {"math": math}, Options(max_evals=n, seed=0))
    s.run().wait(60)
    return SpaceControls(s, live=False)


def test_each_piece_of_advice_has_a_row_and_a_button():
    panel = panel_of()
    try:
        advisor = panel.advisor
        kinds = [a.kind for a in advisor.advice]
        assert "log-scale" in kinds and advisor.widget.layout.display == ""
        rows = advisor.widget.children
        assert len(rows) == len(kinds)
        button, note = rows[kinds.index("log-scale")].children
        assert button.description == "Log scale & continue"
        assert "hpmagic-advice-log-scale" in button._dom_classes
        assert "log-scale C:" in note.value and "&#128161;" in note.value
    finally:
        panel.close()


def test_a_click_switches_the_scale_moves_the_slider_and_continues():
    panel = panel_of()
    try:
        study, advisor = panel.study, panel.advisor
        control = panel.control("C")
        assert not control.log and control.slider.value[1] == 10
        row = [a.kind for a in advisor.advice].index("log-scale")
        advisor.widget.children[row].children[0].click()
        assert study.search_space.by_key["C"].kind == "loguniform"
        assert control.log and control.slider.value == (-3.0, 1.0)  # log10 of 0.001 and 10
        assert control.slider in control.slider_box.children
        assert control.kind.value == "loguniform · log"
        assert study.running or study.n_target == panel.n_box.value
        study.wait(60)
        later = study.trials[50:]
        assert len(later) == panel.n_box.value
        assert "running" in panel.status.value or "more trials" in panel.status.value
        panel.refresh()
        assert "log-scale" not in [a.kind for a in advisor.advice]
    finally:
        panel.close()


def test_stop_advice_stops_and_no_advice_hides_the_panel():
    panel = panel_of(n=5)
    try:
        assert panel.advisor.advice == [] and panel.advisor.widget.layout.display == "none"
        from hpmagic.core.advice import Advice

        study = panel.study
        study.run(1000)
        assert panel.advisor.follow(Advice("done", "", "enough", {}, "stop"))
        study.wait(60)
        assert study.end_reason == "stopped" and len(study.trials) < 1005
        assert "stopping" in panel.status.value
    finally:
        panel.close()


def test_a_stop_button_is_live_only_while_a_run_goes_on():
    from hpmagic.core.advice import Advice

    panel = panel_of(n=5)
    try:
        row = panel.advisor._row(0, Advice("done", "", "enough", {}, "stop"))
        assert row.children[0].disabled and row.children[0].description == "Stop"
    finally:
        panel.close()
