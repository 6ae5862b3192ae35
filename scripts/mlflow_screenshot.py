"""Take docs/mlflow.png: the MLflow UI listing a study's trials as nested runs.

    python scripts/mlflow_screenshot.py [OUT.png]

Runs one study with ``--mlflow`` into a MLflow store in a temporary directory,
starts ``mlflow server`` on 127.0.0.1 (a free port) against it, opens the
experiment in headless Chromium (Playwright, Debian's chromium) with the study's
run expanded, and saves the screenshot. Needs the [mlflow] and [browser] extras.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hpmagic import Options, create_study  # noqa: E402
from hpmagic.integrations.mlflow import flush  # noqa: E402

CELL = """from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet
from sklearn.model_selection import cross_val_score
X, y = load_diabetes(return_X_y=True)
alpha = tune.loguniform(1e-4, 1.0)
l1_ratio = tune.uniform(0.0, 1.0)
folds = cross_val_score(ElasticNet(alpha=alpha, l1_ratio=l1_ratio), X, y, cv=5)
for step in range(len(folds)):
    tune.report(folds[: step + 1].mean(), step=step)  # the running mean, fold by fold
{"score": folds.mean()}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Poll ``url`` until it answers (bounded); fail early when the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mlflow server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout:g}s")


def run_study(folder: str) -> str:
    """One 20-trial study logged to MLflow in ``folder``; returns the tracking URI."""
    uri = "sqlite:///" + os.path.join(folder, "mlflow.db")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    options = Options(
        max_evals=20, seed=0, name="elasticnet", store=os.path.join(folder, "studies.db"), mlflow="diabetes"
    )
    study = create_study(CELL, {}, options)
    study.run().wait()
    assert flush(study, 300), "MLflow logging did not finish"
    assert not study.notes, study.notes
    return uri


def show_columns(page: Any) -> None:
    """The trials' metrics and params as columns, instead of dataset, source and models."""
    page.locator("[data-testid='column-selection-dropdown']").first.click()
    for name in ("Dataset", "Source", "Models"):
        page.get_by_text(name, exact=True).last.click()
    for group in ("Metrics", "Parameters"):
        page.get_by_text(re.compile(rf"^{group} \(\d+\)$")).first.click()
    page.keyboard.press("Escape")


def screenshot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.get_by_text("elasticnet", exact=True).first.wait_for(timeout=60_000)
        close = page.locator("[data-component-id='mlflow.assistant.chat_panel.close']")
        if close.count():  # the assistant panel takes a third of the page
            close.first.click()
        page.get_by_text("Model training", exact=True).first.click()
        show_columns(page)
        page.locator("[data-component-id*='runnamecellrenderer']").first.click()  # expand the study
        page.get_by_text("trial 19", exact=True).first.wait_for(timeout=30_000)
        page.wait_for_timeout(500)  # let the table settle its column widths
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "docs" / "mlflow.png"
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # MLflow puts the artifacts of a SQLite store in ./mlruns
        try:
            uri = run_study(tmp)
            port = free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mlflow",
                    "server",
                    "--backend-store-uri",
                    uri,
                    "--default-artifact-root",
                    os.path.join(tmp, "mlruns"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its workers in its own process group, ended with it
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_for(base + "/health", server)
                from mlflow import MlflowClient

                experiment = MlflowClient(uri).get_experiment_by_name("diabetes").experiment_id
                screenshot(f"{base}/#/experiments/{experiment}/runs", out)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(30)
        finally:
            os.chdir(cwd)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
