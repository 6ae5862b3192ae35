"""%%tune end to end in a real kernel (one kernel for the module, one more for HPMAGIC_WAIT)."""

from __future__ import annotations

import time

import pytest

from .kernel import Kernel

pytestmark = pytest.mark.kernel

SVC_CELL = """%%tune -n 8 --seed 3 --wait -o s1
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC
X, y = load_iris(return_X_y=True)
model = SVC(C=tune.loguniform(1e-2, 1e2), kernel=tune.choice(["rbf", "linear"]))
1 - cross_val_score(model, X, y, cv=3).mean()
"""


def until(kernel: Kernel, expr: str, timeout: float = 30.0) -> None:
    """Poll ``expr`` in the kernel until it is true."""
    deadline = time.monotonic() + timeout
    while not kernel.value(expr):
        assert time.monotonic() < deadline, f"{expr} still false after {timeout}s"
        time.sleep(0.05)


def test_tunes_an_sklearn_model(kernel):
    reply = kernel.execute(SVC_CELL)
    assert reply.status == "ok", reply.error_text
    assert "hpmagic.Study" in (reply.result or "")
    n, states = kernel.value("len(s1.trials), sorted({t.state for t in s1.trials})")
    assert n == 8 and states == ["complete"]
    best = kernel.value("s1.best_params")
    assert set(best) == {"C", "kernel"} and best["kernel"] in ("rbf", "linear")
    assert 1e-2 <= best["C"] <= 1e2
    assert kernel.value("s1.best_value == min(t.value for t in s1.trials)")
    # the user's variables are not touched by the search
    assert kernel.value("'model' in dir()") is False


def test_the_cell_returns_while_the_run_goes_on(kernel):
    reply = kernel.execute("%%tune -n 6 -o s2\nimport time\ntime.sleep(0.5)\nx = tune.uniform(0, 1)\nx")
    assert reply.status == "ok", reply.error_text
    assert kernel.value("s2.running") is True
    assert kernel.value("type(_).__name__, _ is s2") == ("Study", True)  # `_` holds the study
    kernel.execute("s2.stop()")
    until(kernel, "not s2.running")
    assert kernel.value("s2.end_reason") == "stopped"


def test_tune_stop_ends_the_run_after_the_running_trial(kernel):
    reply = kernel.execute("%%tune -n 50 -o s3\nimport time\ntime.sleep(0.3)\nx = tune.uniform(0, 1)\nx")
    assert reply.status == "ok", reply.error_text
    until(kernel, "s3.n_started >= 1")
    reply = kernel.execute("%tune_stop")
    assert reply.status == "ok", reply.error_text
    assert "stopping" in reply.stdout
    kernel.execute("s3.wait(30)")
    n, states, reason = kernel.value("s3.n_started, [t.state for t in s3.trials], s3.end_reason")
    assert reason == "stopped" and n <= 2
    assert len(states) == n and set(states) == {"complete"}  # the running trial finished and is kept
    status = kernel.execute("%tune_status")
    assert "stopped" in status.stdout


def test_prints_of_trials_never_reach_other_cells(kernel):
    cell = (
        "%%tune -n 6 -o s4\nimport sys, time\nx = tune.uniform(0, 1)\n"
        "for i in range(5):\n    print('TRIAL-OUT', i, flush=True)\n"
        "    print('TRIAL-ERR', i, file=sys.stderr)\n    time.sleep(0.05)\nx"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    seen_running = False
    for _ in range(20):
        other = kernel.execute(
            "import sys, time\nprint('mine', flush=True)\ntime.sleep(0.1)\n"
            "print('also mine', file=sys.stderr)\ns4.running"
        )
        assert "TRIAL" not in other.stdout + other.stderr + (other.result or "")
        assert other.stdout == "mine\n" and other.stderr == "also mine\n"
        seen_running = seen_running or other.result == "True"
        if other.result == "False":
            break
    assert seen_running
    assert "TRIAL" not in reply.stdout + reply.stderr
    kernel.execute("s4.wait(30)")
    outputs = kernel.value("[t.output for t in s4.trials]")
    assert len(outputs) == 6
    assert all(o.count("TRIAL-OUT") == 5 and o.count("TRIAL-ERR") == 5 for o in outputs)
    # normal printing still works once the run is over
    reply = kernel.execute("import sys\nprint('after', flush=True)\nprint('after err', file=sys.stderr)")
    assert (reply.stdout, reply.stderr) == ("after\n", "after err\n")


def test_user_variables_are_unchanged(kernel):
    kernel.execute("alpha = 1\nitems = [1, 2]")
    reply = kernel.execute(
        "%%tune -n 3 --wait -o s5\nalpha = tune.uniform(0, 1)\nbeta = alpha * 2\nitems = None\nbeta"
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("len(s5.trials)") == 3
    assert kernel.value("alpha, items, 'beta' in dir()") == (1, [1, 2], False)


def test_help_shows_the_options(kernel):
    reply = kernel.execute("%%tune?")
    text = " ".join(p.get("data", {}).get("text/plain", "") for p in reply.payload) + reply.stdout
    for option in (
        "--max-evals",
        "--algo",
        "--maximize",
        "--seed",
        "--timeout",
        "--wait",
        "--out",
        "--prune",
        "--start-at-defaults",
    ):
        assert option in text, option


def test_failed_trials_appear_with_messages(kernel):
    kernel.execute("import itertools\ncounter = itertools.count()")
    cell = (
        "%%tune -n 6 --wait -o s6\nx = tune.uniform(0, 1)\n"
        "if next(counter) % 2:\n    raise ValueError('odd trial')\nx"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    trials = kernel.value("[(t.number, t.state, t.error) for t in s6.trials]")
    assert len(trials) == 6
    for number, state, error in trials:
        if number % 2:
            assert state == "failed" and error == "ValueError: odd trial (line 4)"
        else:
            assert state == "complete" and error is None
    assert kernel.value("s6.end_reason") == "completed"


def test_maximize_and_seed(kernel):
    cell = (
        "%%tune -n 10 --maximize --seed 11 --wait -o {0} --name seeded-{0}\n"
        "x = tune.uniform(0, 10)\nk = tune.int(1, 5)\nx + k"
    )
    # two studies (re-running under one name would continue the first)
    for name in ("s7", "s8"):
        reply = kernel.execute(cell.format(name))
        assert reply.status == "ok", reply.error_text
    assert kernel.value("s7.direction") == "maximize"
    assert kernel.value("s7.best_value == max(t.value for t in s7.trials)")
    assert kernel.value("[t.params for t in s7.trials] == [t.params for t in s8.trials]")
    assert kernel.value("len({t.params['x'] for t in s7.trials})") == 10


def test_hpmagic_wait_blocks(tmp_path):
    other = Kernel(cwd=str(tmp_path), env={"HPMAGIC_WAIT": "1"})
    try:
        assert other.execute("%load_ext hpmagic").status == "ok"
        reply = other.execute("%%tune -n 3 -o s\nimport time\ntime.sleep(0.2)\nx = tune.uniform(0, 1)\nx")
        assert reply.status == "ok", reply.error_text
        assert other.value("s.running, len(s.trials)") == (False, 3)
    finally:
        other.shutdown()


def test_interrupting_a_waiting_cell_stops_its_run(kernel, tmp_path):
    marker = tmp_path / "started"
    cell = (
        "%%tune -n 50 --wait -o s9\nimport time\n"
        f"open({str(marker)!r}, 'w').close()\ntime.sleep(0.3)\nx = tune.uniform(0, 1)\nx"
    )
    msg_id = kernel.kc.execute(cell)
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert time.monotonic() < deadline, "the first trial never started"
        time.sleep(0.02)
    kernel.km.interrupt_kernel()
    reply = kernel.kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kernel.kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    kernel.execute("s9.wait(30)")
    n, reason = kernel.value("len(s9.trials), s9.end_reason")
    assert reason == "stopped" and n <= 2


def test_displays_of_trials_never_reach_other_cells(kernel):
    cell = (
        "%%tune -n 4 -o s10\nimport time\nfrom IPython.display import display, clear_output\n"
        "x = tune.uniform(0, 1)\nfor i in range(4):\n    display('TRIAL-DISPLAY')\n"
        "    clear_output(wait=True)\n    time.sleep(0.05)\nx"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    for _ in range(20):
        other = kernel.execute(
            "from IPython.display import display\nimport time\ndisplay('mine')\ntime.sleep(0.1)\ns10.running"
        )
        assert [d.get("text/plain") for d in other.displays] == ["'mine'", other.result]
        if other.result == "False":
            break
    kernel.execute("s10.wait(30)")
    outputs = kernel.value("[t.output for t in s10.trials]")
    assert len(outputs) == 4 and all(o.count("'TRIAL-DISPLAY'") == 4 for o in outputs)
    assert kernel.value("[t.state for t in s10.trials]") == ["complete"] * 4


def test_warnings_and_logging_of_trials_stay_with_the_trial(kernel):
    cell = (
        "%%tune -n 3 --wait -o s11\nimport logging, warnings\nx = tune.uniform(0, 1)\n"
        "warnings.warn('careful ' + str(x))\nlogging.getLogger('hpmagic.test').warning('logged')\nx"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    assert "careful" not in reply.stderr + reply.stdout and "logged" not in reply.stderr
    for output, x in kernel.value("[(t.output, t.params['x']) for t in s11.trials]"):
        assert f"careful {x}" in output and "logged" in output
    # the kernel's own warnings and logging still show in the cell that makes them
    reply = kernel.execute(
        "import logging, warnings\nwarnings.warn('mine')\nlogging.getLogger('t').warning('me')"
    )
    assert "mine" in reply.stderr and "me" in reply.stderr


def test_start_at_defaults_and_a_feasible_key(kernel):
    cell = (
        "%%tune -n 12 --seed 2 --wait --start-at-defaults -o s_sd --name start-and-feasible\n"
        "x = tune.uniform(-5, 5, default=1.5)\n"
        "depth = 3  # tune: int(1, 8)\n"
        '{"loss": (x - 1) ** 2 + depth, "feasible": x > 0}'
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    first = kernel.value("dict(min(s_sd.trials, key=lambda t: t.number).params)")
    assert first == {"x": 1.5, "depth": 3}  # the cell's own values are trial 0
    assert kernel.value("s_sd.best_trial.feasible and s_sd.best_params['x'] > 0")
    assert kernel.value("all(t.state == 'complete' for t in s_sd.trials)")
    # a hand-picked infeasible point: run, recorded complete, marked apart, never the best
    reply = kernel.execute("s_sd.enqueue({'x': -1.0}).run(1).wait(); s_sd.trials[-1].params['x']")
    assert reply.status == "ok", reply.error_text
    assert kernel.value("s_sd.trials[-1].state, s_sd.trials[-1].feasible") == ("complete", False)
    assert kernel.value("s_sd.best_params['x'] > 0")
    number = kernel.value("s_sd.trials[-1].number")
    assert f"⊘ #{number}" in kernel.value("__import__('hpmagic.run.report').run.report.text_summary(s_sd)")
