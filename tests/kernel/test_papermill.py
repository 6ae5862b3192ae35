"""papermill runs a notebook of %%tune cells with parameters; each study ends before the next cell."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "papermill.ipynb"


def _outputs(nb: nbformat.NotebookNode, startswith: str) -> list:
    return next(c.outputs for c in nb.cells if c.cell_type == "code" and c.source.startswith(startswith))


@pytest.mark.kernel
def test_papermill_parameters_feed_the_magic_and_the_study_ends_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HPMAGIC_WAIT", "1")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters={"n_trials": 13, "seed": 4}, cwd=str(tmp_path), progress_bar=False
    )
    nb = nbformat.read(out, as_version=4)
    printed = "".join(o.get("text", "") for o in _outputs(nb, "print(len(study.trials)"))
    assert printed.startswith("13 "), printed
    html = [o.data["text/html"] for o in _outputs(nb, "%%tune") if "text/html" in o.get("data", {})]
    assert html and "completed" in html[-1] and "13/13 trials" in html[-1], html
    assert (tmp_path / "papermill.db").exists()


@pytest.mark.kernel
def test_hpmagic_wait_0_leaves_a_headless_run_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The opt-out is honoured: the cell returns while its study still runs."""
    monkeypatch.setenv("HPMAGIC_WAIT", "0")
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("%load_ext hpmagic"),
            nbformat.v4.new_code_cell("import threading\ngate = threading.Event()\n"),
            nbformat.v4.new_code_cell("%%tune -n 3 -o s\nx = tune.uniform(0, 1)\ngate.wait(60)\nx"),
            nbformat.v4.new_code_cell("print(s.running)\ngate.set()\ns.wait(60)\nprint(len(s.trials))"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    path = tmp_path / "bg.ipynb"
    nbformat.write(nb, path)
    papermill.execute_notebook(str(path), str(tmp_path / "out.ipynb"), cwd=str(tmp_path), progress_bar=False)
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in out.cells[-1].outputs)
    assert printed.split() == ["True", "3"], printed
