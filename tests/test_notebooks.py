"""Every example notebook runs headless with HPMAGIC_WAIT=1, as a user would run it, twice in a
row in the same folder: the second run meets the store the first left beside the notebook, so
every ``%%tune`` cell continues its study, and must still run through and say so."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def run(path: Path, folder: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    return nb


def texts(nb: nbformat.NotebookNode) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(o.get("text") or "")
            out.append(str(o.get("data", {}).get("text/plain", "")))
            out.append(str(o.get("data", {}).get("text/html", "")))
    return "\n".join(out)


@pytest.mark.kernel
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_twice_in_the_same_folder(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HPMAGIC_WAIT", "1")
    first = run(path, tmp_path)
    second = run(path, tmp_path)
    tuned = sum("%%tune" in c.source for c in first.cells if c.cell_type == "code")
    if tuned and (tmp_path / ".hpmagic" / "studies.db").exists():
        assert "continues study" in texts(second), f"{path.name}: the second run does not say it continued"


def test_there_are_notebooks():
    assert any(p.name == "quickstart.ipynb" for p in NOTEBOOKS)
