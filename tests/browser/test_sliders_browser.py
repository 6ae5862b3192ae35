"""Steering by hand in JupyterLab: drag a range slider, click Continue, the search follows."""

from __future__ import annotations

import pytest

from hpmagic.storage.store import Store

from .lab import drag_first_range, run_cell_to_the_end

pytestmark = pytest.mark.browser

CELL = (
    "%%tune -n 12 --seed 2 --name steer -o s\nx = tune.uniform(0, 10)\nk = tune.int(1, 5)\n(x - 7) ** 2 + k\n"
)


def _status(page) -> str:
    return page.inner_text(".hpmagic-dash .hpmagic-status")


def test_drag_a_slider_and_continue(lab, new_page):
    page = run_cell_to_the_end(lab, new_page, "steer.ipynb", CELL, height=1400)
    new_low, high = drag_first_range(page, 0.5)  # x's lower handle about half way
    page.click(".hpmagic-dash .hpmagic-continue")
    # the dashboard follows the second run: 20 more trials (the box's default), then completed
    page.wait_for_function(
        "() => /^20\\/20 trials/.test(document.querySelector('.hpmagic-dash .hpmagic-status').innerText)"
        " && document.querySelector('.hpmagic-dash .hpmagic-title').innerText.includes('completed')",
        timeout=120_000,
    )
    # the controls are an observer of their own, refreshed on their own throttle: they follow shortly
    page.wait_for_function(
        "() => /\\d+ of 32 trials inside/.test("
        "document.querySelector('.hpmagic-dash .hpmagic-sliders-status').innerText)",
        timeout=15_000,
    )
    # every trial is in the store: the first 12 as they were, the 20 after the drag inside the new range
    store = Store(str(lab.root / ".hpmagic" / "studies.db"))
    try:
        trials = store.trials("steer")
    finally:
        store.close()
    assert [t.number for t in trials] == list(range(32))
    assert all(new_low - 1e-9 <= t.params["x"] <= high + 1e-9 for t in trials[12:])
    assert any(t.params["x"] < new_low for t in trials[:12])  # earlier trials kept


EDGE_CELL = (
    "%%tune -n 30 --seed 4 --name edge -o e\nx = tune.uniform(-1, 1)\nn = tune.int(10, 100)\n"
    "1000 / n + x ** 2\n"
)


def test_edge_warning_and_widen(lab, new_page):
    # (during the run a warning may come and go as the best trials move: read it once it ended)
    page = run_cell_to_the_end(lab, new_page, "edge.ipynb", EDGE_CELL, height=1400)
    # the best trials sit at n's upper bound 100: the warning shows beside n (control 1), not x
    row = page.locator(".hpmagic-dash .hpmagic-control-1")
    warning = row.locator(".hpmagic-edge")
    warning.wait_for(state="visible", timeout=30_000)
    assert "best at the upper bound: widen to 190?" in warning.inner_text()
    assert not page.locator(".hpmagic-dash .hpmagic-control-0 .hpmagic-edge").is_visible()
    row.locator(".hpmagic-widen").click()
    # Widen continues: 20 more trials (the box's default) in the wider range
    page.wait_for_function(
        "() => /^20\\/20 trials/.test(document.querySelector('.hpmagic-dash .hpmagic-status').innerText)"
        " && document.querySelector('.hpmagic-dash .hpmagic-title').innerText.includes('completed')",
        timeout=120_000,
    )
    assert row.locator("input[type=text]").nth(1).input_value() == "190"
    store = Store(str(lab.root / ".hpmagic" / "studies.db"))
    try:
        trials = store.trials("edge")
    finally:
        store.close()
    assert [t.number for t in trials] == list(range(50))
    assert all(10 <= t.params["n"] <= 100 for t in trials[:30])
    assert all(10 <= t.params["n"] <= 190 for t in trials[30:])
    assert max(t.params["n"] for t in trials[30:]) > 100
