"""Faults of the executors: values that cannot travel, workers that die or lie, kernels that go away.

Every case runs real worker processes (``--parallel 2``) or a real Dask LocalCluster on
127.0.0.1; a run that does not end within the harness's bound is a hang and fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hpmagic import Study, create_study

from .harness import Case, assert_all_kept, finish, options, run_case

ROOT = Path(__file__).resolve().parents[2]

# What a notebook defines lives in __main__: cloudpickle sends it by value.
NOTEBOOK = """
fns = [lambda v: v + 1, lambda v: 10 * v]
def double(v):
    return 2 * v
named = [double, abs]
def refuse():
    raise RuntimeError("cannot be rebuilt here")
class Stubborn:
    def __reduce__(self):
        return (refuse, ())
stubborn = [Stubborn(), Stubborn()]
"""


def notebook() -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "__main__"}
    exec(NOTEBOOK, ns)  # noqa: S102 - stands for notebook cells
    del ns["__builtins__"]
    return ns


# The first trial to claim the flag file (in the dir HPM_FAULT_DIR names) misbehaves; the others run.
FIRST = """
import os
x = tune.uniform(0, 1)
try:
    os.close(os.open(os.path.join(os.environ["HPM_FAULT_DIR"], "claimed"), os.O_CREAT | os.O_EXCL))
    first = True
except FileExistsError:
    first = False
if first:
{fault}
{{"loss": x}}
"""
# the worker's own end of its pipe to the kernel, found the way a misbehaving library might
PIPE = (
    "import gc, multiprocessing.connection as mc\n"
    "pipe = next(o for o in gc.get_objects() if isinstance(o, mc.Connection) and o.readable and o.writable)\n"
)


def first(fault: str) -> str:
    return FIRST.format(fault=textwrap.indent(textwrap.dedent(fault).strip(), "    "))


def all_complete(study: Study) -> None:
    assert [t.state for t in study.trials] == ["complete"] * len(study.trials), [
        t.error for t in study.trials
    ]


def one_failed(*needles: str) -> Callable[[Study], None]:
    """Exactly one trial failed, with all of ``needles`` in its error; the run went on to the end."""

    def check(study: Study) -> None:
        failed = [t for t in study.trials if t.state == "failed"]
        assert len(failed) == 1, [(t.state, t.error) for t in study.trials]
        assert all(n in failed[0].error for n in needles), failed[0].error
        assert "\n" not in failed[0].error.strip()
        assert len(study.trials) == 4 and study.end_reason == "completed"

    return check


def all_failed(*needles: str) -> Callable[[Study], None]:
    def check(study: Study) -> None:
        assert study.trials and all(t.state == "failed" for t in study.trials)
        assert all(n in t.error for t in study.trials for n in needles), study.trials[0].error

    return check


PARALLEL = {"parallel": 2}
CASES = [
    # defect 3: choices whose options are notebook functions
    Case("choice-of-notebook-lambdas", "f = tune.choice(fns)\nx = tune.uniform(0, 1)\nf(x)\n", 4, PARALLEL,
         notebook(), all_complete),
    Case("choice-of-notebook-functions", "f = tune.choice(named)\nx = tune.uniform(-1, 1)\nf(x)\n", 4,
         PARALLEL, notebook(), all_complete),
    Case("choice-of-lambdas-in-the-cell", "f = tune.choice([lambda v: v, lambda v: -v])\nx = tune.uniform(0, 1)\n"
         "f(x) ** 2\n", 4, PARALLEL, {}, all_complete),
    Case("choice-values-that-cannot-be-rebuilt", "f = tune.choice(stubborn)\nx = tune.uniform(0, 1)\nx\n", 3,
         PARALLEL, notebook(), all_failed("could not be loaded in the worker process", "cannot be rebuilt here")),
    # workers that die mid-trial: that trial fails, a fresh worker runs the next ones
    Case("worker-exits", first("os._exit(3)"), 4, PARALLEL, {},
         one_failed("worker process died (exit code 3)")),
    Case("worker-kills-itself", first("os.kill(os.getpid(), 9)"), 4, PARALLEL, {},
         one_failed("worker process died (exit code -9, SIGKILL)")),
    Case("worker-segfaults", first("import ctypes\nctypes.string_at(0)"), 4, PARALLEL, {},
         one_failed("worker process died (exit code -11, SIGSEGV)")),
    # replies that cannot be read: that trial fails, the worker is replaced
    Case("reply-is-not-a-pickle", first(PIPE + "pipe.send_bytes(b'not a pickle')"), 4, PARALLEL, {},
         one_failed("reply from its worker process could not be read", "UnpicklingError")),
    Case("outcome-cannot-be-unpickled", first(PIPE + "pipe.send(('done', b'junk', None))"), 4, PARALLEL, {},
         one_failed("reply from its worker process could not be read")),
    Case("outcome-is-not-an-outcome", first(PIPE + "import cloudpickle\npipe.send(('done', cloudpickle.dumps(5), None))"),
         4, PARALLEL, {}, one_failed("a int instead of the trial's outcome")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_executor_fault(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPM_FAULT_DIR", str(tmp_path))  # workers are started after this
    study = run_case(case, tmp_path)
    try:
        assert case.check is not None
        case.check(study)
        assert_all_kept(study)
    finally:
        study.close()


def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """Running (a zombie left for a parent to reap counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


SLEEPER = "import time\nx = tune.uniform(0, 1)\ntime.sleep(0.8)\nx\n"


def test_a_worker_killed_from_outside_fails_its_trial_and_a_fresh_one_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("HPM_FAULT_DIR", str(tmp_path))
    cell = first("open(os.path.join(os.environ['HPM_FAULT_DIR'], 'pid'), 'w').write(str(os.getpid()))\n"
                 "import time\ntime.sleep(60)")  # fmt: skip
    study = create_study(cell, {}, options(tmp_path, parallel=2)).run(5)
    pid_file = tmp_path / "pid"
    until(lambda: pid_file.exists() and pid_file.read_text() != "")
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    finish(study, timeout=30)
    try:
        errors = [t.error for t in study.trials if t.state == "failed"]
        assert len(errors) == 1 and "worker process died (exit code -9, SIGKILL)" in errors[0]
        assert len(study.trials) == 5 and study._executor.replacements == 1
        assert_all_kept(study)
    finally:
        study.close()


def test_stop_with_trials_in_flight_ends_the_run_promptly(tmp_path):
    study = create_study(SLEEPER, {}, options(tmp_path, parallel=2)).run(20)
    until(lambda: study.n_started >= 2)
    stopped = time.monotonic()
    study.stop()
    finish(study, timeout=10)
    assert time.monotonic() - stopped < 5
    assert study.end_reason == "stopped" and len(study.trials) < 20
    assert all(t.state == "complete" for t in study.trials)  # the running ones finished and were kept
    assert_all_kept(study)
    study.close()


def test_stop_ends_a_run_whose_choice_values_are_lambdas(tmp_path):
    """Before, the serving thread died on pickling and Stop could not end the run."""
    study = create_study(
        "import time\nf = tune.choice(fns)\nx = tune.uniform(0, 1)\ntime.sleep(0.3)\nf(x)\n",
        notebook(),
        options(tmp_path, parallel=2),
    ).run(50)
    until(lambda: len(study.trials) >= 1, timeout=20)
    study.stop()
    finish(study, timeout=10)
    assert study.end_reason == "stopped" and all(t.state == "complete" for t in study.trials)
    assert_all_kept(study)
    study.close()


def script(tmp_path: Path, body: str) -> subprocess.Popen[str]:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# no `if __name__ == "__main__"` guard: as people write scripts
PARALLEL_SCRIPT = """
from hpmagic import Options, create_study
study = create_study("x = tune.uniform(0, 1)\\nx\\n", {}, Options(parallel=2)).run(4).wait()
print("pids", *study._executor.pids(), flush=True)
print("states", *[t.state for t in study.trials], flush=True)
"""


def test_a_script_with_a_parallel_study_exits_and_leaves_no_worker(tmp_path):
    proc = script(tmp_path, PARALLEL_SCRIPT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the script did not exit in 30 s:\n{out}\n{err}") from None
    assert proc.returncode == 0, err
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["states"].split() == ["complete"] * 4  # the script ran once, not once per worker
    pids = [int(p) for p in lines["pids"].split()]
    assert len(pids) == 2
    until(lambda: not any(alive(p) for p in pids), timeout=10)


KILLED_SCRIPT = """
import time
from hpmagic import Options, create_study
study = create_study("import time\\nx = tune.uniform(0, 1)\\ntime.sleep(120)\\nx\\n", {}, Options(parallel=2))
study.run(4)
while len(study._executor.pids()) < 2:
    time.sleep(0.05)
print("pids", *study._executor.pids(), flush=True)
study.wait()
"""


def test_workers_exit_when_their_kernel_is_killed(tmp_path):
    proc = script(tmp_path, KILLED_SCRIPT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("pids"), (line, proc.stderr.read() if proc.poll() is not None else "")
        pids = [int(p) for p in line.split()[1:]]
        os.kill(proc.pid, signal.SIGKILL)  # the trials sleep for two minutes: only the watchdog ends them
        proc.wait(10)
        until(lambda: not any(alive(p) for p in pids), timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.fixture
def lone_cluster():
    """A cluster this test may close under a running study."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    yield cluster
    cluster.close()


def test_dask_lambdas_travel_and_a_scheduler_that_goes_away_ends_the_run_with_a_note(tmp_path, lone_cluster):
    from hpmagic.ui.dashboard import text_summary

    cell = "import time\nf = tune.choice(fns)\nx = tune.uniform(0, 1)\ntime.sleep(0.3)\nf(x)\n"
    study = create_study(cell, notebook(), options(tmp_path, dask=lone_cluster.scheduler_address)).run(30)
    until(lambda: len(study.trials) >= 2)
    lone_cluster.close()
    finish(study, timeout=30)
    ended = study.trials
    assert [t.state for t in ended[:2]] == ["complete", "complete"]  # lambdas reached the worker
    assert study.end_reason == "error" and len(ended) < 30
    assert "Dask scheduler" in study.message and "went away" in study.message
    assert "internal error" not in study.message
    assert any("went away" in n for n in study.notes) and "went away" in text_summary(study)
    assert_all_kept(study)
    study.close()
