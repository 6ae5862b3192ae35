"""The dashboard as a person sees it: JupyterLab in Chromium, a %%tune cell running."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .lab import kernel_idle, open_notebook, run_all, write_notebook

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
INJECTIONS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "</table><iframe src=x></iframe>",
    "&amp; &lt;b&gt;",
]


def _progress(page) -> int:
    text = page.inner_text(".hpmagic-dash .hpmagic-status")
    m = re.match(r"(\d+)/(\d+) trials", text)
    assert m, text
    return int(m.group(1))


def test_progress_plots_and_stop(lab, new_page):
    cell = (
        "%%tune -n 200 --seed 0 -o s\n"
        "import time\n"
        "x = tune.uniform(0, 1)\n"
        "lr = tune.loguniform(1e-4, 1e-1)\n"
        f"c = tune.choice({INJECTIONS!r})\n"
        "print('printed', c)\n"
        "time.sleep(0.2)\n"
        "if x > 0.85:\n"
        "    raise ValueError(c)\n"
        "(x - 0.3) ** 2 + lr\n"
    )
    write_notebook(lab.root, "live.ipynb", ["%load_ext hpmagic", cell])
    page = new_page()
    open_notebook(page, lab, "live.ipynb")
    run_all(page)
    page.wait_for_selector(".hpmagic-dash .hpmagic-status", timeout=60_000)
    # progress advances while the kernel is free
    page.wait_for_function(
        """() => { const e = document.querySelector('.hpmagic-dash .hpmagic-status');
                   const m = e && e.innerText.match(/^(\\d+)\\//); return m && +m[1] >= 4; }""",
        timeout=60_000,
    )
    first = _progress(page)
    page.wait_for_function(
        f"""() => {{ const m = document.querySelector('.hpmagic-dash .hpmagic-status').innerText
                    .match(/^(\\d+)\\//); return m && +m[1] > {first}; }}""",
        timeout=30_000,
    )
    # the convergence plot and one plot per dimension are pictures that loaded
    page.wait_for_function(
        """() => [...document.querySelectorAll('.hpmagic-dash img')]
                 .filter(i => i.complete && i.naturalWidth > 100).length >= 4""",
        timeout=30_000,
    )
    # user text stayed text: no element made from it, no dialog
    dash = page.locator(".hpmagic-dash")
    assert dash.locator("img[src='x'], script, iframe, svg[onload]").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert any(s in dash.inner_text() for s in INJECTIONS)  # shown, as text
    # Stop: no new trials; the run ends as "stopped"
    page.click(".hpmagic-dash button:has-text('Stop')")
    page.wait_for_function(
        "() => document.querySelector('.hpmagic-dash .hpmagic-title').innerText.includes('stopped')",
        timeout=30_000,
    )
    stopped_at = _progress(page)
    assert stopped_at < 200
    assert page.locator(".hpmagic-dash button:has-text('Stop')").is_disabled()
    # select a trial: its printed output shows, as text
    page.locator(".hpmagic-dash .hpmagic-trials select").select_option(index=1)
    page.wait_for_function(
        "() => /trial \\d+ ·/.test(document.querySelector('.hpmagic-dash .hpmagic-output').innerText)",
        timeout=15_000,
    )
    out = page.inner_text(".hpmagic-dash .hpmagic-output")
    assert any(s in out for s in INJECTIONS), out
    assert dash.locator("img[src='x'], script, iframe, svg[onload]").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    # the count does not move after the stop
    kernel_idle(page)
    assert _progress(page) == stopped_at


def test_screenshot_of_a_finished_sklearn_study(lab, new_page):
    cells = [
        "%load_ext hpmagic",
        "from sklearn.datasets import load_digits\nX, y = load_digits(return_X_y=True)",
        "%%tune -n 40 --seed 0 --name svc-digits -o study\n"
        "from sklearn.svm import SVC\n"
        "from sklearn.model_selection import cross_val_score\n\n"
        "model = SVC(\n"
        "    C=tune.loguniform(1e-2, 1e3),\n"
        "    gamma=tune.loguniform(1e-6, 1e-3),\n"  # the best end up at its upper bound: a warning
        '    kernel=tune.choice(["rbf", "poly", "sigmoid"]),\n'
        ")\n"
        "1 - cross_val_score(model, X, y, cv=3).mean()",
    ]
    write_notebook(lab.root, "svc.ipynb", cells)
    page = new_page(width=1280, height=2400)  # the whole cell, views and trial list included
    open_notebook(page, lab, "svc.ipynb")
    run_all(page)
    page.wait_for_selector(".hpmagic-dash .hpmagic-title", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('.hpmagic-dash .hpmagic-title').innerText.includes('completed')",
        timeout=300_000,
    )
    page.wait_for_function(
        """() => [...document.querySelectorAll('.hpmagic-dash img')]
                 .filter(i => i.complete && i.naturalWidth > 100).length >= 4""",
        timeout=30_000,
    )
    # widget updates arrive one trait at a time: wait for the count rather than read it once
    page.wait_for_function(
        "() => /^40\\/40 trials/.test(document.querySelector('.hpmagic-dash .hpmagic-status').innerText)",
        timeout=30_000,
    )
    # what JupyterLab would save: the display's HTML was updated to the final summary at the run's end
    page.wait_for_function(
        """() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            const outputs = cells.get(2).outputs;
            for (let i = 0; i < outputs.length; i++) {
                const html = outputs.get(i).data['text/html'];
                if (html && html.includes('completed') && html.includes('40/40 trials')
                    && html.includes('data:image/png;base64,')) return true;
            }
            return false;
        }""",
        timeout=30_000,
    )
    # the selected trial's output shows too
    page.locator(".hpmagic-dash .hpmagic-trials select").select_option(index=0)
    page.wait_for_function(
        "() => /trial \\d+ ·/.test(document.querySelector('.hpmagic-dash .hpmagic-output').innerText)",
        timeout=15_000,
    )
    # gamma's best trials sit at its upper bound: the edge warning shows beside it, for the picture too
    edge = page.locator(".hpmagic-dash .hpmagic-control-1 .hpmagic-edge")
    edge.wait_for(state="visible", timeout=15_000)
    assert "best at the upper bound: widen to 0.01?" in edge.inner_text()
    cell = page.locator(".jp-CodeCell").nth(2)
    cell.scroll_into_view_if_needed()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    cell.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 20_000
    # the widget fits the output area: nothing wider than the notebook
    overflow = page.evaluate(
        """() => { const d = document.querySelector('.hpmagic-dash');
                   const area = d.closest('.jp-OutputArea-output') || d.parentElement;
                   return d.scrollWidth - area.clientWidth; }"""
    )
    assert overflow <= 2, overflow
