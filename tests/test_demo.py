"""``python -m hpmagic demo`` ends with a command that opens the notebook, and that command works:
with JupyterLab installed it opens it, without it first installs the ``lab`` extra that brings it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hpmagic.__main__ import open_hint

REPO = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("HPMAGIC_WAIT", None)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    return env


def _tiny_notebook(root: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell("%load_ext hpmagic"),
            new_code_cell("%%tune -n 3 --seed 0 -o s\nx = tune.uniform(0, 1)\n(x - 0.3) ** 2"),
            new_code_cell("s.best_params"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    path = root / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def _extras() -> dict[str, str]:
    text = (REPO / "pyproject.toml").read_text()
    block = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r"^(\w+) = (\[.*?\])", block, flags=re.M | re.S))


def test_the_demo_ends_with_a_command_that_opens_the_notebook(tmp_path):
    _tiny_notebook(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "hpmagic", "demo", "tiny.ipynb"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "without encryption" not in out.stderr and "WARNING" not in out.stderr, out.stderr
    last = out.stdout.strip().splitlines()[-1]
    assert last == "open it in JupyterLab:  python -m jupyterlab tiny.ipynb", out.stdout
    # the command's program is there in this Python (JupyterLab is installed here)
    version = subprocess.run(
        [sys.executable, "-m", "jupyterlab", "--version"], capture_output=True, text=True, timeout=120
    )
    assert version.returncode == 0 and re.match(r"4\.", version.stdout), version.stdout + version.stderr


def test_without_jupyterlab_the_hint_installs_the_lab_extra_first(tmp_path, monkeypatch):
    """As after the README's first command, which brings no JupyterLab."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "jupyterlab", None)
    assert open_hint("tiny.ipynb") == (
        "open it in JupyterLab (the 'lab' extra installs it):  "
        'python -m pip install "hpmagic[lab]" && python -m jupyterlab tiny.ipynb'
    )
    assert "jupyterlab" in _extras()["lab"]


def test_in_a_checkout_the_hint_installs_the_checkout_with_the_lab_extra(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setitem(sys.modules, "jupyterlab", None)
    hint = open_hint("notebooks/quickstart.ipynb")
    assert hint.endswith(
        'python -m pip install -e ".[lab]" && python -m jupyterlab notebooks/quickstart.ipynb'
    )
    # the README's first command installs the demo extra; the demo needs nothing more, the notebook the lab extra
    readme = (REPO / "README.md").read_text()
    assert 'python -m pip install -e ".[demo]" && python -m hpmagic demo' in readme
    extras = _extras()
    assert (
        "nbclient" in extras["demo"]
        and "scikit-learn>=1.3" in extras["demo"]
        and "jupyterlab" in extras["lab"]
    )
    assert "notebook" in extras["browser"]
