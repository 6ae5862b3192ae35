"""Frontends that show no widgets: a kernel client that renders none, a kernel without ipywidgets,
and the plain IPython terminal. The study is still shown (text and HTML), the final state reaches
what is saved, help and completion work, and nothing shown says something the run's end makes false.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.kernel

REPO = Path(__file__).resolve().parents[2]
WIDGET = "application/vnd.jupyter.widget-view+json"


def _complete(kernel, code: str, timeout: float = 30) -> list[str]:
    """The matches a frontend's Tab gets for the end of ``code``."""
    msg_id = kernel.kc.complete(code, len(code))
    deadline = time.monotonic() + timeout
    while True:
        reply = kernel.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            assert reply["content"]["status"] == "ok", reply["content"]
            return reply["content"]["matches"]


def test_tab_completion_of_tune_in_a_kernel(kernel):
    matches = _complete(kernel, "tune.")
    for name in ("uniform", "loguniform", "int", "choice", "report"):
        assert any(m.endswith("tune." + name) or m == name for m in matches), (name, matches)
    matches = _complete(kernel, "lr = tune.logu")
    assert any(m.endswith("loguniform") for m in matches), matches


def test_result_text_says_nothing_the_run_end_makes_false(kernel):
    """The execute_result is sent once and never updated: it must not call the view live."""
    cell = "%%tune -n 1000 --algo rand --name result-text -o rt\nimport time\nx = tune.uniform(0, 1)\ntime.sleep(0.02)\nx\n"
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("rt.running") is True  # the result below was written while the run went on
    assert "result-text" in reply.result
    for word in ("live", "running", "trials"):
        assert word not in reply.result, reply.result
    kernel.execute("rt.stop(); rt.wait(60); None")
    assert kernel.value("rt.end_reason") == "stopped"


def _run_notebook(tmp_path: Path, cells: list[str]):
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell(c) for c in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    nbformat.write(nb, tmp_path / "saved.ipynb")
    return nbformat.read(tmp_path / "saved.ipynb", as_version=4)


NO_WIDGETS = {
    "ipywidgets-missing": (
        "import sys\nsys.modules['ipywidgets'] = None  # as in a kernel where it is not installed",
        "no live dashboard: ipywidgets cannot be imported",
    ),
    "comm-failing": (
        "import comm\n\ndef _no_comm(*args, **kwargs):\n    raise RuntimeError('no comm here')\n\n"
        "comm.create_comm = _no_comm  # the fault: every widget comm fails to open",
        "no live dashboard: its widgets failed (RuntimeError: no comm here)",
    ),
}


@pytest.mark.parametrize("case", list(NO_WIDGETS))
def test_without_working_widgets_a_summary_is_shown_and_updated_at_the_end(case, tmp_path, monkeypatch):
    monkeypatch.delenv("HPMAGIC_WAIT", raising=False)
    setup, note = NO_WIDGETS[case]
    saved = _run_notebook(
        tmp_path,
        [
            setup,
            "%load_ext hpmagic",
            "%%tune -n 12 --seed 0 -o s\nimport time\nx = tune.uniform(0, 1)\ntime.sleep(0.05)\n(x - 0.3) ** 2\n",
            "s.wait(); print(s.end_reason, len(s.trials), s.notes)",
        ],
    )
    outputs = saved.cells[2].outputs
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"], outputs
    shown = [o for o in outputs if o.output_type == "display_data"]
    assert len(shown) == 1, outputs
    data = shown[0].data
    assert WIDGET not in data
    # the run's end replaced the first summary with the final one, picture included
    assert "completed" in data["text/html"] and "12/12 trials" in data["text/html"], data["text/html"][:600]
    assert "data:image/png;base64," in data["text/html"]
    assert "12/12 trials" in data["text/plain"] and "best value" in data["text/plain"]
    assert note in data["text/plain"] and note in data["text/html"]
    result = [o for o in outputs if o.output_type == "execute_result"]
    assert result and "live" not in result[0].data["text/plain"]
    assert saved.cells[3].outputs[0].text.startswith("completed 12 ")


def _terminal(cwd: Path, lines: list[str], timeout: float = 120) -> str:
    """Feed ``lines`` to a real ``ipython`` terminal and return what it printed."""
    env = dict(os.environ)
    env.pop("HPMAGIC_WAIT", None)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    env["PAGER"] = "cat"
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


def test_terminal_ipython_shows_the_summary_help_and_completions(tmp_path):
    # a cell magic ends at an empty line in a terminal that is not a tty; a second one closes the input
    text = _terminal(
        tmp_path,
        [
            "%load_ext hpmagic",
            "%%tune -n 6 --seed 0 --wait --name in-terminal -o s",
            "x = tune.uniform(0, 1)",
            "(x - 0.3) ** 2",
            "",
            "",
            "%%tune?",
            "",
            "",
            "from IPython.core.completer import provisionalcompleter",
            "with provisionalcompleter(): print('COMPLETIONS', sorted(c.text for c in get_ipython().Completer.completions('tune.', 5)))",
            "",
            "print('TRIALS', len(s.trials), s.end_reason)",
            "exit",
        ],
    )
    assert "Traceback" not in text and "Error" not in text, text
    # the text summary of the ended run is the cell's result
    assert "hpmagic study 'in-terminal' (minimize) — completed" in text, text
    assert "6/6 trials" in text and "best value" in text and "x = " in text
    # %%tune? shows the options
    for option in ("--max-evals", "--algo", "--wait", "--parallel", "--out"):
        assert option in text, option
    line = next(t for t in text.splitlines() if "COMPLETIONS" in t)
    for name in ("uniform", "loguniform", "int", "choice", "report"):
        assert f"'{name}'" in line, line
    assert "TRIALS 6 completed" in text
