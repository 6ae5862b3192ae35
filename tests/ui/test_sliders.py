"""The sliders panel's logic on real ipywidgets objects, without a kernel."""

from __future__ import annotations

import math

import pytest

import hpmagic
from hpmagic import Options
from hpmagic.ui.sliders import NumericControl, SpaceControls

CELL = """
x = tune.uniform(0, 10)
lr = tune.loguniform(1e-4, 1e-1)
n = tune.quniform(10, 100, 10)
d = tune.logint(1, 1000)
(x - 3) ** 2 + abs(math.log10(lr) + 2) + n / 100 + math.log10(d)
"""


@pytest.fixture()
def panel():
    s = hpmagic.create_study(CELL, {"math": math}, Options(max_evals=20, seed=3))
    s.run().wait(60)
    c = SpaceControls(s, live=False)
    yield c
    c.close()


def test_controls_follow_the_kinds(panel):
    x, lr, n, d = (panel.control(k) for k in ("x", "lr", "n", "d"))
    assert all(isinstance(c, NumericControl) for c in (x, lr, n, d))
    # log scales run over log10 values, with the fields in natural units
    assert lr.slider.value == (-4.0, -1.0) and (lr.low.value, lr.high.value) == ("0.0001", "0.1")
    assert lr.slider.min < -4 and lr.slider.max > -1  # room to widen
    assert n.slider.step == 10 and n.slider.value == (10, 100)
    assert type(n.slider).__name__ == "IntRangeSlider"
    assert x.slider.min == 0  # the margin does not cross zero
    lr.slider.value = (-3.0, -2.0)
    assert (lr.low.value, lr.high.value) == ("0.001", "0.01")
    assert "0.001 … 0.01" in lr.readout.value
    d.slider.value = (1.0, 2.0)
    assert (d.low.value, d.high.value) == ("10", "100")
    assert panel.ranges() == {"lr": (0.001, 0.01), "d": (10, 100)}
    png = lr.marks.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_fields_widen_beyond_the_slider_and_continue(panel):
    x = panel.control("x")
    x.high.value = "50"
    assert x.slider.max >= 50 and x.slider.value[1] == 50
    panel.n_box.value = 5
    assert panel.continue_() is True
    panel.study.wait(60)
    assert panel.study.space["x"] == (0.0, 50.0)
    assert len(panel.study.trials) == 25
    assert all(panel.study.is_inside(t) for t in panel.study.trials)


def test_zoom_fills_the_controls_without_applying(panel):
    before = panel.study.space
    ranges = panel.zoom()
    assert ranges and panel.study.space == before
    assert panel.ranges() == ranges
    assert "Continue" in panel.status.value
    panel.n_box.value = 4
    assert panel.continue_()
    panel.study.wait(60)
    assert all(panel.study.is_inside(t) for t in panel.study.trials[20:])
    assert panel.ranges() == {}


def test_refresh_shows_a_refinement_made_from_code(panel):
    panel.study.refine(x=(2, 4))
    panel.refresh()
    x = panel.control("x")
    assert (x.low.value, x.high.value) == ("2", "4") and x.slider.value == (2, 4)
    assert "of 20 trials inside" in panel.status.value


def test_errors_are_shown_as_text(panel):
    panel.control("lr").low.value = "<script>alert(1)</script>"
    assert "<script>" not in panel.status.value and "&lt;script&gt;" in panel.status.value
    before = panel.study.search_space.to_json()
    assert panel.continue_() is False
    assert panel.study.search_space.to_json() == before and not panel.study.running


EDGE_CELL = """
n = tune.int(10, 100)
x = tune.uniform(-1, 1)
1000 / n + x ** 2
"""


def test_edge_warning_and_widen_continue_in_the_wider_range():
    s = hpmagic.create_study(EDGE_CELL, {}, Options(max_evals=30, seed=4)).run().wait(60)
    panel = SpaceControls(s, live=False)
    try:
        n, x = panel.control("n"), panel.control("x")
        assert n.edge_box.layout.display is None and x.edge_box.layout.display == "none"
        assert "best at the upper bound: widen to 190?" in n.edge_note.value
        assert not n.widen_button.disabled
        panel.n_box.value = 15
        n.widen_button.click()
        s.wait(60)
        assert s.space["n"] == (10, 190) and len(s.trials) == 45
        assert max(t.params["n"] for t in s.trials[30:]) > 100
        panel.refresh()
        assert (n.low.value, n.high.value) == ("10", "190")
        # the warning follows the trials: the best may sit at the new bound again, never the old
        assert n.edge is None or n.edge.bound == 190
        # a bound no longer at the edge is refused with a message, and nothing changes
        s.refine(n=(10, 100000)).run(5).wait(60)
        panel.refresh()
        assert panel.widen("x") is False and "no longer sit at a bound" in panel.status.value
        assert s.space["x"] == (-1.0, 1.0)
    finally:
        panel.close()
        s.close()


def test_a_hard_limit_shows_the_warning_without_widen():
    s = hpmagic.create_study("n = tune.int(1, 50)\nn", {}, Options(max_evals=30, seed=1)).run().wait(60)
    panel = SpaceControls(s, live=False)
    try:
        n = panel.control("n")
        assert n.edge is not None and n.edge.side == "lower" and n.edge.new_range is None
        assert "hard limit" in n.edge_note.value and n.widen_button.layout.display == "none"
    finally:
        panel.close()
        s.close()
