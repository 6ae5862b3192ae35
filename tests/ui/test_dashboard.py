"""The dashboard's widgets without a kernel: throttling, the control slots, text, cost bounds."""

from __future__ import annotations

import threading
import time

import hpmagic
from hpmagic.ui import dashboard

CELL = "x = tune.uniform(0, 1)\nlr = tune.loguniform(1e-4, 1e-1)\nm = tune.choice(['a', 'b'])\n(x - 0.3) ** 2 + lr"


def _study(n: int = 20) -> hpmagic.Study:
    return hpmagic.create_study(CELL, {}, hpmagic.Options(max_evals=n, seed=0))


def test_throttle_coalesces_bursts_and_keeps_the_last():
    calls: list[float] = []
    done = threading.Event()

    def fn() -> None:
        calls.append(time.monotonic())
        done.set()

    t = dashboard.Throttle(fn, interval=0.1)
    start = time.monotonic()
    while time.monotonic() - start < 0.5:
        t.poke()
    done.clear()
    t.poke()
    assert done.wait(2)
    assert 3 <= len(calls) <= 8, len(calls)
    gaps = [b - a for a, b in zip(calls, calls[1:])]
    assert min(gaps) >= 0.09


def test_views_sync_with_the_study_and_end_in_its_final_state():
    study = _study(15)
    views = [dashboard.Dashboard(study), dashboard.Dashboard(study)]
    study.run().wait()
    for v in views:
        assert v.progress.value == 15 and v.stop_button.disabled
        assert "15/15 trials" in v.status.value
        assert len(v.history) == 15
        assert v.convergence.value[:4] == b"\x89PNG"
        assert all(p.value[:4] == b"\x89PNG" for p in v.dimension_plots.values())
    assert set(dashboard.views(study)) == set(views)


def test_control_slots_take_rows_and_a_panel():
    import ipywidgets as w

    study = _study()
    view = dashboard.Dashboard(study)
    assert set(view.dimension_plots) == {d.key for d in study.search_space.dims}
    assert view.dimension_plot("x") is view.dimension_plots["x"]

    class Controls:
        def __init__(self) -> None:
            self.rows = {"x": w.FloatRangeSlider(), "m": w.SelectMultiple(options=["a", "b"])}
            self.widget = w.Button(description="continue")

    controls = Controls()
    view.attach_controls(controls)
    assert view.control_slot("x").children == (controls.rows["x"],)
    assert view.control_slot("x").layout.display == ""
    assert view.control_slot("lr").layout.display == "none"
    assert view.controls_box.children == (controls.widget,)

    class Panel:  # a panel that holds its own rows is shown whole, each row once
        def __init__(self) -> None:
            self.rows = {"x": w.FloatRangeSlider()}
            self.widget = w.VBox([self.rows["x"], w.Button(description="continue")])

    other = dashboard.Dashboard(study)
    panel = Panel()
    other.attach_controls(panel)
    assert other.control_slot("x").children == ()
    assert other.controls_box.children == (panel.widget,)


def test_text_summary_is_useful():
    study = _study(6).run().wait()
    text = dashboard.text_summary(study)
    assert "6/6 trials" in text and "best value" in text
    assert "x = " in text and "lr = " in text
    assert text.count("#") >= 6


def test_refresh_cost_does_not_walk_every_trial_again():
    study = _study(300).run().wait()
    view = dashboard.Dashboard(study)
    view._next_draw = time.monotonic() + 60  # no plot due: what most refreshes cost
    t0 = time.perf_counter()
    for _ in range(20):
        view.refresh()
    per = (time.perf_counter() - t0) / 20
    assert per < 0.02, per


def test_study_notes_are_shown_escaped(tmp_path):
    import hpmagic
    from hpmagic.ui.dashboard import static_html, text_summary

    db = str(tmp_path / "s.db")
    opts = dict(max_evals=3, store=db, name="n<b>")
    hpmagic.create_study("x = tune.uniform(0, 1)\nx", {}, hpmagic.Options(**opts)).run().wait()
    again = hpmagic.create_study("x = tune.uniform(0, 2)\nx", {}, hpmagic.Options(**opts))
    assert again.notes and "space changed" in again.notes[0]
    assert "note: " + again.notes[0] in text_summary(again)
    page = static_html(again)
    assert "space changed" in page and "n<b>" not in page and "n&lt;b&gt;" in page
