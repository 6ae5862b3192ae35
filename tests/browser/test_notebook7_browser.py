"""Jupyter Notebook 7 in Chromium: the dashboard shows and Stop, a slider drag and Continue work.

Notebook 7 is the other frontend people open notebooks in; it renders widgets with
the same manager as JupyterLab but in its own page (``/notebooks/<path>``), so the
same flows are checked there.
"""

from __future__ import annotations

import re

import pytest

from hpmagic.storage.store import Store

from .lab import drag_first_range, kernel_idle, open_notebook, run_all, write_notebook

pytestmark = pytest.mark.browser

STATUS = "document.querySelector('.hpmagic-dash .hpmagic-status')"
TITLE = "document.querySelector('.hpmagic-dash .hpmagic-title')"


def _progress(page) -> int:
    text = page.inner_text(".hpmagic-dash .hpmagic-status")
    m = re.match(r"(\d+)/(\d+) trials", text)
    assert m, text
    return int(m.group(1))


def test_dashboard_and_stop_in_notebook7(notebook7, new_page):
    cell = "%%tune -n 200 --seed 0 --name nb7-stop\nimport time\nx = tune.uniform(0, 1)\ntime.sleep(0.1)\n(x - 0.3) ** 2\n"
    write_notebook(notebook7.root, "stop.ipynb", ["%load_ext hpmagic", cell])
    page = new_page()
    open_notebook(page, notebook7, "stop.ipynb")
    assert "/notebooks/stop.ipynb" in page.url  # the Notebook 7 page, not JupyterLab's
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    run_all(page)
    page.wait_for_function(
        f"() => {{ const e = {STATUS}; const m = e && e.innerText.match(/^(\\d+)\\//); return m && +m[1] >= 3; }}",
        timeout=60_000,
    )
    first = _progress(page)
    page.wait_for_function(
        f"() => {{ const m = {STATUS}.innerText.match(/^(\\d+)\\//); return m && +m[1] > {first}; }}",
        timeout=30_000,
    )
    # the convergence plot and the dimension's plot are pictures that loaded
    page.wait_for_function(
        """() => [...document.querySelectorAll('.hpmagic-dash img')]
                 .filter(i => i.complete && i.naturalWidth > 100).length >= 2""",
        timeout=30_000,
    )
    page.click(".hpmagic-dash button:has-text('Stop')")
    page.wait_for_function(f"() => {TITLE}.innerText.includes('stopped')", timeout=30_000)
    kernel_idle(page)
    stopped_at = _progress(page)
    assert 3 <= stopped_at < 200
    assert page.locator(".hpmagic-dash button:has-text('Stop')").is_disabled()
    # what Notebook 7 would save: the display's HTML was updated to the stopped run
    page.wait_for_function(
        """() => {
            const outputs = window.jupyterapp.shell.currentWidget.content.model.cells.get(1).outputs;
            for (let i = 0; i < outputs.length; i++) {
                const html = outputs.get(i).data['text/html'];
                if (html && html.includes('stopped')) return true;
            }
            return false;
        }""",
        timeout=30_000,
    )
    assert _progress(page) == stopped_at


def test_drag_a_slider_and_continue_in_notebook7(notebook7, new_page):
    cell = "%%tune -n 10 --seed 2 --name nb7-steer\nx = tune.uniform(0, 10)\n(x - 7) ** 2\n"
    write_notebook(notebook7.root, "steer.ipynb", ["%load_ext hpmagic", cell])
    page = new_page(width=1280, height=1400)
    open_notebook(page, notebook7, "steer.ipynb")
    run_all(page)
    page.wait_for_function(
        f"() => {{ const t = {TITLE}; return t && t.innerText.includes('completed'); }}", timeout=120_000
    )
    new_low, high = drag_first_range(page, 0.5)  # x's lower handle about half way
    page.click(".hpmagic-dash .hpmagic-continue")
    page.wait_for_function(
        f"() => /^20\\/20 trials/.test({STATUS}.innerText) && {TITLE}.innerText.includes('completed')",
        timeout=120_000,
    )
    store = Store(str(notebook7.root / ".hpmagic" / "studies.db"))
    try:
        trials = store.trials("nb7-steer")
    finally:
        store.close()
    assert [t.number for t in trials] == list(range(30))
    assert all(new_low - 1e-9 <= t.params["x"] <= high + 1e-9 for t in trials[10:])
    assert any(t.params["x"] < new_low for t in trials[:10])
