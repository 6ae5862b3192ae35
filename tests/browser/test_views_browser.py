"""The view tabs in JupyterLab: open the map's tab, pick another dimension, the map is drawn again."""

from __future__ import annotations

import pytest

from .lab import run_cell_to_the_end

pytestmark = pytest.mark.browser

CELL = (
    "%%tune -n 10 --seed 3 --name views -o s\n"
    "x = tune.uniform(0, 10)\n"
    "lr = tune.loguniform(1e-4, 1e-1)\n"
    "m = tune.choice(['$a$', 'b'])\n"
    "(x - 7) ** 2 + lr + (m == 'b')\n"
)
MAP_SRC = "() => document.querySelector('.hpmagic-dash .hpmagic-map').src"


def test_pick_two_dimensions_and_the_map_follows(lab, new_page):
    page = run_cell_to_the_end(lab, new_page, "views.ipynb", CELL)
    tabs = page.locator(".hpmagic-dash .hpmagic-views .lm-TabBar-tab")
    assert tabs.all_inner_texts() == ["parallel coordinates", "two dimensions", "runs"]
    tabs.nth(1).click()
    page.locator(".hpmagic-dash .hpmagic-map").wait_for(state="visible", timeout=15_000)
    before = page.evaluate(MAP_SRC)
    assert before.startswith("blob:") or before.startswith("data:image/png")
    y = page.locator(".hpmagic-dash .hpmagic-map-y select")
    assert y.input_value() == "lr"
    y.select_option(label="m")
    page.wait_for_function(f"() => ({MAP_SRC})() !== {before!r}", timeout=15_000)
    assert page.dialogs == []
