"""A real JupyterLab or Notebook 7 in a temporary directory, driven by Debian's Chromium through Playwright.

Reusable by any browser test: :class:`Server` starts ``jupyter lab`` (:class:`Lab`) or
``jupyter notebook`` 7 (:class:`Notebook`) on 127.0.0.1 on a free port with a token (no
browser of its own, settings kept inside the directory, the app exposed as
``window.jupyterapp`` in both),
:func:`launch_chromium` starts headless Chromium, :func:`write_notebook` and
:func:`open_notebook` put a notebook in front of the page and :func:`run_all` runs it.
Everything waits on conditions with deadlines, never on fixed sleeps.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: per frontend: the module ``python -m`` starts, its app's config class, the page of a notebook
FRONTENDS = {
    "lab": ("jupyterlab", "LabApp", "/lab/tree/{path}?reset&token={token}"),
    "notebook": ("notebook", "JupyterNotebookApp", "/notebooks/{path}?token={token}"),
}


class Server:
    """One Jupyter server of ``frontend`` ("lab" or "notebook") rooted at ``root``; ``stop()`` ends it."""

    def __init__(self, root: Path, frontend: str = "lab", timeout: float = 90) -> None:
        module, app, self._page = FRONTENDS[frontend]
        self.frontend = frontend
        self.root = Path(root)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        settings = self.root / ".lab-settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        # no news or update toasts over the notebook
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = dict(os.environ)
        env.pop("HPMAGIC_WAIT", None)
        # kernels import the package of this checkout
        repo = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(
            [repo] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        )
        env.update(
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.root / ".lab-workspaces"),
            JUPYTER_CONFIG_DIR=str(self.root / ".jupyter-config"),
        )
        self.log_path = self.root / f".{frontend}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "--ServerApp.open_browser=False",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                "--ServerApp.allow_root=True",
                f"--{app}.expose_app_in_browser=True",
            ],
            cwd=self.root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(timeout)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The page of notebook ``path`` alone (in JupyterLab, notebooks opened by earlier pages stay closed)."""
        return self.base + self._page.format(path=path, token=self.token)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter {self.frontend} exited:\n{self.log_path.read_text(errors='replace')}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling the server until it answers
        raise TimeoutError(
            f"jupyter {self.frontend} did not start in {timeout}s:\n{self.log_path.read_text(errors='replace')}"
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._log.close()


class Lab(Server):
    """JupyterLab rooted at ``root``."""

    def __init__(self, root: Path, timeout: float = 90) -> None:
        super().__init__(root, "lab", timeout)


class Notebook(Server):
    """Jupyter Notebook 7 rooted at ``root``."""

    def __init__(self, root: Path, timeout: float = 90) -> None:
        super().__init__(root, "notebook", timeout)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless."""
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("browser tests need Debian's chromium on PATH (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def write_notebook(root: Path, name: str, cells: list[str]) -> Path:
    """A notebook of code cells (a cell starting with ``#md`` is markdown)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(
        cells=[new_markdown_cell(c[3:].lstrip()) if c.startswith("#md") else new_code_cell(c) for c in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    path = Path(root) / name
    nbformat.write(nb, path)
    return path


def open_notebook(page: Any, lab: Server, name: str, timeout: float = 90) -> None:
    """Open ``name`` and wait until its kernel is idle."""
    page.goto(lab.url(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
    page.wait_for_function(
        """() => {
            const app = window.jupyterapp;
            const w = app && app.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            return !!k && k.status === 'idle';
        }""",
        timeout=timeout * 1000,
    )


def run_all(page: Any) -> None:
    """Run every cell of the current notebook (does not wait for them)."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def kernel_idle(page: Any, timeout: float = 120) -> None:
    """Wait until the current notebook's kernel is idle again."""
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            return w.sessionContext.session.kernel.status === 'idle';
        }""",
        timeout=timeout * 1000,
    )


def drag_lower_handle(page: Any, row: Any, fraction: float) -> None:
    """Drag the lower handle of the range slider in ``row`` to ``fraction`` of its track, as a person would."""
    handle = row.locator(".noUi-handle-lower")
    track = row.locator(".noUi-target")
    box, start = track.bounding_box(), handle.bounding_box()
    assert box and start
    y = start["y"] + start["height"] / 2
    page.mouse.move(start["x"] + start["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * fraction, y, steps=12)
    page.mouse.up()


def drag_first_range(page: Any, fraction: float = 0.5) -> tuple[float, float]:
    """Drag the first dimension's lower handle from 0 to about ``fraction`` of its track; the new range.

    Waits until the range's text box shows the moved bound, as the panel's model says it.
    """
    row = page.locator(".hpmagic-dash .hpmagic-control-0")
    low = row.locator("input[type=text]").first
    assert float(low.input_value()) == 0
    drag_lower_handle(page, row, fraction)
    page.wait_for_function(
        "() => parseFloat(document.querySelector('.hpmagic-dash .hpmagic-control-0 input[type=text]').value) > 0.5",
        timeout=15_000,
    )
    new_low = float(low.input_value())
    high = float(row.locator("input[type=text]").nth(1).input_value())
    assert 0.5 < new_low < high
    return new_low, high


def run_completed(page: Any, timeout: float = 120) -> None:
    """Wait until the dashboard's title says the run completed."""
    page.wait_for_function(
        "() => { const t = document.querySelector('.hpmagic-dash .hpmagic-title');"
        " return t && t.innerText.includes('completed'); }",
        timeout=timeout * 1000,
    )


def run_cell_to_the_end(lab: Server, new_page: Any, name: str, cell: str, height: int = 1600) -> Any:
    """A notebook of ``%load_ext hpmagic`` and ``cell``, opened in a page, run until its study completed."""
    write_notebook(lab.root, name, ["%load_ext hpmagic", cell])
    page = new_page(width=1280, height=height)
    open_notebook(page, lab, name)
    run_all(page)
    run_completed(page)
    return page
