"""Several objectives in JupyterLab: the Pareto front tab comes first and shows its plot."""

from __future__ import annotations

from pathlib import Path

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


FRONT_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "front.png"
TREE_CELL = (
    '%%tune --objectives "error:min,nodes:min" -n 40 --seed 0 --name tree-size -o trees\n'
    "from sklearn.datasets import load_digits\n"
    "from sklearn.model_selection import train_test_split\n"
    "from sklearn.tree import DecisionTreeClassifier\n\n"
    "X, y = load_digits(return_X_y=True)\n"
    "X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)\n"
    "tree = DecisionTreeClassifier(\n"
    "    max_depth=tune.int(2, 20), min_samples_leaf=tune.logint(1, 50), random_state=0\n"
    ").fit(X_train, y_train)\n"
    '{"error": 1 - tree.score(X_val, y_val), "nodes": tree.tree_.node_count}'
)


#: the front's plot holds the front: some of its pixels are the front's orange (none in an empty plot)
FRONT_DRAWN = """() => {
    const i = document.querySelector('.hpmagic-dash .hpmagic-front');
    if (!i || !i.complete || i.naturalWidth < 200) return false;
    const c = document.createElement('canvas');
    c.width = i.naturalWidth; c.height = i.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(i, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let orange = 0;
    for (let k = 0; k < d.length; k += 4)
        if (Math.abs(d[k] - 221) < 12 && Math.abs(d[k + 1] - 132) < 12 && Math.abs(d[k + 2] - 82) < 12) orange++;
    return orange > 50;
}"""


def test_screenshot_of_a_front_of_accuracy_against_model_size(lab, new_page):
    """The README's picture of several objectives: the front tab of a real trade-off."""
    page = run_cell_to_the_end(lab, new_page, "tree.ipynb", TREE_CELL, height=1800)
    page.wait_for_function(FRONT_DRAWN, timeout=30_000)  # the run's last drawing arrives after its text
    page.wait_for_function(
        "() => /^40\\/40 trials/.test(document.querySelector('.hpmagic-dash .hpmagic-status').innerText)",
        timeout=30_000,
    )
    best = page.locator(".hpmagic-dash .hpmagic-best").inner_text()
    assert "Pareto front:" in best and "(error:min, nodes:min)" in best
    # the run's end updates the display with its final summary, and JupyterLab draws the view anew
    page.wait_for_function(
        """() => {
            const outputs = window.jupyterapp.shell.currentWidget.content.model.cells.get(1).outputs;
            for (let i = 0; i < outputs.length; i++) {
                const html = outputs.get(i).data['text/html'];
                if (html && html.includes('completed') && html.includes('Pareto front')) return true;
            }
            return false;
        }""",
        timeout=30_000,
    )
    page.wait_for_function(FRONT_DRAWN, timeout=30_000)
    FRONT_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.locator(".hpmagic-dash .hpmagic-views").screenshot(path=str(FRONT_SCREENSHOT))
    assert FRONT_SCREENSHOT.stat().st_size > 10_000
