"""The advisor in JupyterLab: its line under the sliders, and one click that puts a dimension on a
log scale and continues the search there."""

from __future__ import annotations

import math

import pytest

from hpmagic.storage.store import Store

from .lab import run_cell_to_the_end

pytestmark = pytest.mark.browser

CELL = (
    "%%tune -n 40 --seed 0 --name advised -o s\nimport math\nC = tune.uniform(0.001, 10)\n"
    "g = tune.uniform(0, 1)\n(math.log10(C) + 2) ** 2 + (g - 0.5) ** 2\n"
)


def test_the_log_scale_button(lab, new_page):
    page = run_cell_to_the_end(lab, new_page, "advised.ipynb", CELL, height=1600)
    advice = page.locator(".hpmagic-dash .hpmagic-advice")
    advice.wait_for(state="visible", timeout=30_000)
    text = advice.inner_text()
    assert "log-scale C:" in text and "search it on a log scale?" in text
    button = advice.locator(".hpmagic-advice-log-scale")
    assert button.inner_text().strip() == "Log scale & continue"
    button.click()
    # it continues: 20 more trials (the sliders' box), on the log scale
    page.wait_for_function(
        "() => /^20\\/20 trials/.test(document.querySelector('.hpmagic-dash .hpmagic-status').innerText)"
        " && document.querySelector('.hpmagic-dash .hpmagic-title').innerText.includes('completed')",
        timeout=120_000,
    )
    # C's control now reads "loguniform · log", and the advice is gone
    page.wait_for_function(
        "() => document.querySelector('.hpmagic-dash .hpmagic-control-0').innerText.includes('loguniform')",
        timeout=15_000,
    )
    assert "log-scale C" not in page.locator(".hpmagic-dash .hpmagic-sliders").inner_text()
    store = Store(str(lab.root / ".hpmagic" / "studies.db"))
    try:
        trials = store.trials("advised")
        stored = store.study("advised")
    finally:
        store.close()
    assert [t.number for t in trials] == list(range(60))
    # a log scale puts a quarter of the trials below 0.01 (the linear one: a thousandth)
    low = [t for t in trials[40:] if t.params["C"] < 0.01]
    assert len(low) >= 3 and all(0.001 <= t.params["C"] <= 10 for t in trials)
    assert [d["kind"] for d in stored.space if d["key"] == "C"] == ["loguniform"]
    assert math.isfinite(min(t.value for t in trials if t.value is not None))
