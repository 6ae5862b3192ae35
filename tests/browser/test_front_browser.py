"""Several objectives in JupyterLab: the Pareto front tab comes first and shows its plot."""

from __future__ import annotations

import pytest

from .lab import run_cell_to_the_end

pytestmark = pytest.mark.browser

CELL = (
    '%%tune --objectives "a:min,b:min" -n 20 --seed 4 --name front -o s\n'
    "x = tune.uniform(0, 1)\n"
    "m = tune.choice(['<b>&x', 'plain'])\n"
    "{'a': x, 'b': (1 - x) ** 2 + 0.1 * (m == 'plain')}\n"
)
FRONT_IMAGE = (
    "() => { const i = document.querySelector('.hpmagic-dash .hpmagic-front');"
    " return i && i.complete && i.naturalWidth > 200 && i.naturalHeight > 100"
    " && i.getBoundingClientRect().width > 200 ? i.src : null; }"
)


def test_the_pareto_front_tab_shows_its_plot(lab, new_page):
    page = run_cell_to_the_end(lab, new_page, "front.ipynb", CELL)
    tabs = page.locator(".hpmagic-dash .hpmagic-views .lm-TabBar-tab")
    assert tabs.all_inner_texts() == ["Pareto front", "parallel coordinates", "two dimensions", "runs"]
    assert "lm-mod-current" in (tabs.nth(0).get_attribute("class") or "")
    # the front's PNG is decoded and laid out in the open tab
    src = page.wait_for_function(FRONT_IMAGE, timeout=30_000).json_value()
    assert src.startswith("blob:") or src.startswith("data:image/png")
    best = page.locator(".hpmagic-dash .hpmagic-best").inner_text()
    assert "Pareto front:" in best and "(a:min, b:min)" in best
    assert "m='<b>&x'" in best  # the seed puts that choice on the front's first rows
    # the choice '<b>&x' is text: the panel's only bold parts are the heading and each row's values
    bold = page.locator(".hpmagic-dash .hpmagic-best b").all_inner_texts()
    assert bold and all(t.startswith(("Pareto front:", "a=")) for t in bold), bold
    assert page.dialogs == []
