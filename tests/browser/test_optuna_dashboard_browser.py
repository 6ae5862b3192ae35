"""A study exported with ``study.to_optuna`` served by a real optuna-dashboard, seen in Chromium.

optuna-dashboard runs on 127.0.0.1 (a free port) against the exported SQLite file; the
page is the study's, and its history plot carries each complete trial's value at its
number and the best-so-far line ending at the study's best value. The page is also
saved as ``docs/optuna-dashboard.png`` (the README shows it).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hpmagic import Options, create_study

from .lab import free_port

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "optuna-dashboard.png"

CELL = """x = tune.uniform(-3, 3)
depth = tune.int(1, 8)
kind = tune.choice(["gbm", "forest"])
if depth == 8:
    raise ValueError("too deep")
(x - 1) ** 2 + depth / 4 + (kind == "forest")
"""

#: the history plot's traces, as plotly keeps them on the graph's div
HISTORY = """() => {
  const graph = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .find(g => g.layout && g.layout.xaxis && g.layout.xaxis.title && g.layout.xaxis.title.text === 'Trial');
  return graph ? graph.data.map(d => ({name: d.name, x: Array.from(d.x || []), y: Array.from(d.y || [])})) : null;
}"""


def wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll ``url`` until it answers (bounded); fail early when the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"optuna-dashboard exited with {server.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout:g}s")


def test_optuna_dashboard_serves_the_exported_study_and_its_history(tmp_path, new_page):
    study = create_study(CELL, {}, Options(max_evals=30, seed=4, name="exported")).run().wait()
    study.enqueue({"depth": 8}).run(1).wait()  # a failed trial: not in the history's markers
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    study.to_optuna(storage)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "optuna_dashboard._cli", storage, "--host", "127.0.0.1", "--port", str(port)]
        + ["--server", "wsgiref", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/api/studies", server)
        page = new_page(width=1400, height=1000)
        page.goto(f"{base}/dashboard/studies/1")
        page.get_by_text("exported (id=1)").wait_for(timeout=60_000)
        page.wait_for_function(
            HISTORY.replace("return graph ?", "return graph && graph.data.length ?"), timeout=60_000
        )
        traces = {t["name"]: t for t in page.evaluate(HISTORY)}
        values = traces["Objective 0 of exported"]
        complete = [(i, t.value) for i, t in enumerate(study.trials) if t.state == "complete"]
        assert list(zip(values["x"], values["y"])) == complete
        assert len(complete) < len(study.trials)  # the failed one is not drawn
        assert traces["Best Value of exported"]["y"][-1] == study.best_value
        page.get_by_text("Best Trial").first.wait_for()
        page.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 1400, "height": 620})
    finally:
        server.terminate()
        server.wait(timeout=30)
