"""Parallel trials in real worker processes and on a real Dask LocalCluster (headless)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from hpmagic import Options, create_study
from hpmagic.core.program import parse
from hpmagic.run.dask_executor import DaskExecutor
from hpmagic.run.execution import COMPLETE, FAILED, PRUNED, TrialJob, TrialOutcome
from hpmagic.run.processes import ProcessExecutor, UnsendableError

# What a notebook defines lives in __main__, so cloudpickle sends it by value.
USER_CODE = """
def burn(seconds):
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n
"""


def user_namespace(**extra: Any) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "__main__", "time": time}
    exec(USER_CODE, ns)  # noqa: S102 - stands for a notebook cell
    del ns["__builtins__"]
    ns.update(extra)
    return ns


def until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# A cell whose behaviour the test picks through the value of `mode`.
MODES = """
mode = tune.int(0, 5)
import os, ctypes, time
print("trial with mode", mode)
if mode == 1:
    os._exit(3)
if mode == 2:
    ctypes.string_at(0)
if mode == 3:
    time.sleep(1.5)
if mode == 4:
    raise ValueError("bad mode")
if mode == 5:
    for step in range(5):
        tune.report(10.0 - step, step)
os.getpid()
"""


def job(number: int, mode: int) -> TrialJob:
    return TrialJob(number, {"mode": mode})


def outcome(future: Future[TrialOutcome]) -> TrialOutcome:
    return future.result(timeout=120)


@pytest.fixture
def processes():
    executor = ProcessExecutor(2)
    executor.start(parse(MODES), {})
    yield executor
    executor.close()


# -- local worker processes -----------------------------------------------------
def test_parallel_study_runs_trials_at_once_in_processes():
    src = (
        "x = tune.uniform(0, 1)\n"
        "print('x is', x)\n"
        "burn(0.3)\n"
        "import os\n"
        "{'loss': (x - 0.3) ** 2 + offset, 'pid': os.getpid()}"
    )
    study = create_study(src, user_namespace(offset=1.0), Options(max_evals=8, parallel=2, seed=1))
    try:
        study.run().wait(120)
        trials = study.trials
        assert [t.state for t in trials] == [COMPLETE] * 8, [t.error for t in trials]
        assert all(t.value >= 1.0 for t in trials)
        # each trial's prints are its own
        for t in trials:
            assert t.output == f"x is {t.params['x']}\n"
        pids = {t.extras["pid"] for t in trials}
        assert len(pids) == 2 and os.getpid() not in pids
        spans = sorted((t.started, t.ended) for t in trials)
        assert any(b[0] < a[1] for a, b in zip(spans, spans[1:])), "no two trials overlapped"
        gaps = study._executor.idle_gaps()
        assert len(gaps) >= 4 and all(g >= 0 for g in gaps.values())
    finally:
        study.close()


def test_a_failing_trial_is_recorded_and_the_others_go_on(processes):
    futures = [processes.submit(job(0, 4)), processes.submit(job(1, 0))]
    bad, good = map(outcome, futures)
    assert bad.state == FAILED and bad.error == "ValueError: bad mode (line 12)"
    assert "trial with mode 4" in bad.output and "Traceback" in bad.output
    assert good.state == COMPLETE and good.output == "trial with mode 0\n"


def test_a_dying_worker_fails_only_its_trial_and_is_replaced(processes):
    before = set(processes.pids())
    slow = processes.submit(job(0, 3))
    until(lambda: slow.running())
    dead = outcome(processes.submit(job(1, 1)))
    assert dead.state == FAILED
    assert dead.error == "worker process died (exit code 3) while running trial 1"
    segv = outcome(processes.submit(job(2, 2)))
    assert segv.state == FAILED
    assert segv.error == "worker process died (exit code -11, SIGSEGV) while running trial 2"
    # the trial that ran meanwhile on the other worker is unaffected
    assert outcome(slow).state == COMPLETE
    after = [outcome(processes.submit(job(n, 0))) for n in (3, 4)]
    assert all(o.state == COMPLETE for o in after)
    assert processes.replacements == 2
    alive = set(processes.pids())
    assert len(alive) == 2 and alive != before
    assert {o.value for o in after} <= alive


def test_a_worker_killed_while_idle_is_replaced_without_failing_a_trial(processes):
    import signal

    assert outcome(processes.submit(job(0, 0))).state == COMPLETE
    victims = [w.process for w in processes._workers]
    for process in victims:
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
    results = [outcome(processes.submit(job(n, 0))) for n in (1, 2)]
    assert [o.state for o in results] == [COMPLETE, COMPLETE], [o.error for o in results]
    assert processes.replacements >= 1
    assert not {o.value for o in results} & {p.pid for p in victims}


def test_a_study_goes_on_after_a_worker_dies(tmp_path: Path):
    src = (
        "x = tune.uniform(0, 1)\n"
        "import os\n"
        "try:\n"  # exactly one trial dies, even when two start at the same moment
        "    os.close(os.open(marker, os.O_CREAT | os.O_EXCL))\n"
        "except FileExistsError:\n"
        "    pass\n"
        "else:\n"
        "    os._exit(7)\n"
        "x"
    )
    marker = str(tmp_path / "died-once")
    study = create_study(src, {"marker": marker}, Options(max_evals=6, parallel=2, seed=0))
    try:
        study.run().wait(120)
        states = [t.state for t in study.trials]
        assert len(states) == 6 and states.count(FAILED) == 1, study.trials
        (failure,) = [t for t in study.trials if t.state == FAILED]
        assert failure.error == f"worker process died (exit code 7) while running trial {failure.number}"
    finally:
        study.close()


def test_reports_reach_the_study_and_its_decision_comes_back(processes):
    seen: list[tuple[float, int]] = []
    lock = threading.Lock()

    def prune_at_step_2(value: float, step: int) -> bool:
        with lock:
            seen.append((value, step))
        return step == 2

    pruned = outcome(processes.submit(job(0, 5), prune_at_step_2))
    assert pruned.state == PRUNED and pruned.value == 8.0
    assert pruned.reports == [(0, 10.0), (1, 9.0), (2, 8.0)]
    assert seen == [(10.0, 0), (9.0, 1), (8.0, 2)]
    # without a hook the reports are still kept with the outcome
    kept = outcome(processes.submit(job(1, 5)))
    assert kept.state == COMPLETE and [s for s, _ in kept.reports] == [0, 1, 2, 3, 4]

    def broken(value: float, step: int) -> bool:
        raise KeyError("no pruner")

    failed = outcome(processes.submit(job(2, 5), broken))
    assert failed.state == FAILED and "no pruner" in failed.error


def test_with_a_seed_the_random_startup_points_do_not_depend_on_parallelism():
    from hpmagic.search.joint_tpe import JointTPESettings

    src = "x = tune.uniform(0, 1)\nc = tune.choice(['a', 'b', 'c'])\nx"
    points = []
    for parallel in (1, 2, 2):
        study = create_study(src, {}, Options(max_evals=12, parallel=parallel, seed=5))
        try:
            study.run().wait(120)
            by_number = sorted(study.trials, key=lambda t: t.number)
            points.append([t.params for t in by_number[: JointTPESettings().n_startup_jobs]])
        finally:
            study.close()
    assert points[0] == points[1] == points[2]
    # random search: every point
    runs = []
    for parallel in (1, 2):
        study = create_study(src, {}, Options(max_evals=12, parallel=parallel, seed=5, algo="rand"))
        try:
            study.run().wait(120)
            runs.append([t.params for t in sorted(study.trials, key=lambda t: t.number)])
        finally:
            study.close()
    assert runs[0] == runs[1] and len(runs[0]) == 12


def test_stop_lets_running_trials_finish():
    src = "x = tune.uniform(0, 1)\nimport time\ntime.sleep(0.4)\nx"
    study = create_study(src, {}, Options(max_evals=40, parallel=2))
    try:
        study.run()
        until(lambda: len(study.trials) >= 2)
        study.stop().wait(60)
        assert not study.running
        trials = study.trials
        assert len(trials) == study.n_started < 40
        assert all(t.state == COMPLETE for t in trials)
    finally:
        study.close()


def test_close_ends_the_worker_processes():
    executor = ProcessExecutor(2)
    executor.start(parse(MODES), {})
    assert outcome(executor.submit(job(0, 0))).state == COMPLETE
    workers = [w.process for w in executor._workers]
    assert all(p.is_alive() for p in workers)
    executor.close()
    assert not any(p.is_alive() for p in workers)
    late = outcome(executor.submit(job(1, 0)))
    assert late.state == FAILED and "closed" in late.error


def test_a_name_that_cannot_travel_is_an_error_before_any_trial():
    src = "x = tune.uniform(0, 1)\nwith guard:\n    y = x\ny"
    with pytest.raises(UnsendableError) as info:
        create_study(src, {"guard": threading.Lock()}, Options(parallel=2))
    message = str(info.value)
    assert "'guard'" in message and "--parallel 1" in message and "\n" not in message
    gen = (i for i in range(3))
    with pytest.raises(UnsendableError, match="'numbers'"):
        create_study("x = tune.uniform(0, 1)\nnext(numbers) + x", {"numbers": gen}, Options(parallel=2))
    # names the cell does not read are not sent, so they do not matter
    study = create_study("x = tune.uniform(0, 1)\nx", {"guard": threading.Lock()}, Options(parallel=2))
    study.close()


def test_a_value_that_cannot_be_pickled_fails_its_trial_and_the_worker_goes_on(processes):
    """Before, pickling the values killed the serving thread and the future never resolved."""
    bad = outcome(processes.submit(TrialJob(0, {"mode": 0, "guard": threading.Lock()})))
    assert bad.state == FAILED and "\n" not in bad.error
    assert "cannot be sent to a worker process" in bad.error and "lock" in bad.error
    # the same slots serve the next trials; values that only cloudpickle can send travel too
    futures = [processes.submit(TrialJob(n, {"mode": 0, "f": lambda v: v})) for n in (1, 2, 3)]
    assert [outcome(f).state for f in futures] == [COMPLETE] * 3
    assert processes.replacements == 0


def test_parallel_is_bounded_with_a_one_line_error():
    from hpmagic.core.options import OptionsError, parallel_limit

    limit = parallel_limit(dask=False)
    assert limit == 4 * (os.cpu_count() or 1)
    Options(parallel=limit).check()
    with pytest.raises(OptionsError) as info:
        Options(parallel=limit + 1).check()
    message = str(info.value)
    assert "\n" not in message and f"at most {limit}" in message and str(limit + 1) in message
    # Dask clusters may be larger than this machine, but not unbounded
    Options(parallel=limit + 1, dask="").check()
    big = parallel_limit(dask=True)
    assert big > limit
    with pytest.raises(OptionsError, match=f"at most {big} on Dask"):
        Options(parallel=big + 1, dask="").check()


# -- Dask ---------------------------------------------------------------------
MO_CELL = (
    "x = tune.uniform(0, 1)\n"
    "import os\n"
    "{'error': x, 'cost': (1 - x) ** 2, 'feasible': x > 0.1, 'pid': os.getpid()}"
)


def check_several_objectives_run_elsewhere(**options: Any) -> None:
    """Each trial reads both objectives (and its feasibility) in a worker, not in this process."""
    options = dict(max_evals=6, seed=2, objectives="error:min,cost:min", **options)
    study = create_study(MO_CELL, user_namespace(), Options(**options))
    try:
        study.run().wait(120)
    finally:
        study.close()
    trials = study.trials
    assert [t.state for t in trials] == [COMPLETE] * 6, [t.error for t in trials]
    for t in trials:
        x = t.params["x"]
        assert dict(t.values) == {"error": x, "cost": (1 - x) ** 2} and t.feasible == (x > 0.1)
        assert t.extras["pid"] != os.getpid()
    front = {t.number for t in study.best_trials}
    assert front == {t.number for t in trials if t.feasible}  # on this trade-off, each feasible one


def test_several_objectives_in_worker_processes():
    check_several_objectives_run_elsewhere(parallel=2)


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import LocalCluster

    # a trial that kills its worker fails at once instead of being tried on other workers
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
    ):
        yield cluster


@pytest.fixture
def dask(cluster):
    executor = DaskExecutor(cluster.scheduler_address)
    executor.start(parse(MODES), {})
    yield executor
    executor.close()


def test_dask_study_runs_one_trial_per_worker_thread(cluster):
    src = (
        "x = tune.uniform(0, 1)\n"
        "print('x is', x)\n"
        "burn(0.2)\n"
        "import os\n"
        "{'loss': (x - 0.3) ** 2 + offset, 'pid': os.getpid()}"
    )
    options = Options(max_evals=8, dask=cluster.scheduler_address, seed=1)
    study = create_study(src, user_namespace(offset=1.0), options)
    try:
        assert study._executor.slots == 2 and study._executor.ahead == 1
        study.run().wait(120)
        trials = study.trials
        assert [t.state for t in trials] == [COMPLETE] * 8, [t.error for t in trials]
        # one trial waits at the scheduler ahead of time, yet never more run than worker threads
        for t in trials:
            assert sum(o.started < t.started < o.ended for o in trials if o is not t) <= 1
        for t in trials:
            assert t.output == f"x is {t.params['x']}\n"
        assert len({t.extras["pid"] for t in trials}) == 2
        assert study._executor.idle_gaps()
    finally:
        study.close()


def test_dask_failures_and_reports(dask):
    bad = outcome(dask.submit(job(0, 4)))
    assert bad.state == FAILED and bad.error == "ValueError: bad mode (line 12)"

    seen: list[tuple[float, int]] = []
    pruned = outcome(dask.submit(job(1, 5), lambda v, s: seen.append((v, s)) or s == 3))
    assert pruned.state == PRUNED and pruned.reports == [(0, 10.0), (1, 9.0), (2, 8.0), (3, 7.0)]
    assert seen == [(10.0, 0), (9.0, 1), (8.0, 2), (7.0, 3)]
    # two reporting trials at once get their own answers
    a = dask.submit(job(2, 5), lambda v, s: s == 1)
    b = dask.submit(job(3, 5), lambda v, s: False)
    assert outcome(a).state == PRUNED and len(outcome(a).reports) == 2
    assert outcome(b).state == COMPLETE and len(outcome(b).reports) == 5


def test_dask_worker_death_fails_the_trial_and_trials_go_on(dask):
    dead = outcome(dask.submit(job(0, 1)))
    assert dead.state == FAILED
    assert dead.error.startswith("worker process died while running trial 0 (Dask worker tcp://127.0.0.1:")
    assert dead.error.endswith("tried on 1 worker)")
    after = [outcome(dask.submit(job(n, 0))) for n in (1, 2)]
    assert [o.state for o in after] == [COMPLETE, COMPLETE], [o.error for o in after]


def test_dask_parallel_option_sets_trials_in_flight(cluster):
    executor = DaskExecutor(cluster.scheduler_address, parallel=3)
    executor.start(parse(MODES), {})
    try:
        assert executor.slots == 3 and executor.ahead == 0  # --parallel N: N at once, none ahead
    finally:
        executor.close()


def test_dask_unsendable_name_bad_address_and_no_client(monkeypatch):
    import hpmagic.run.dask_executor

    monkeypatch.setattr(hpmagic.run.dask_executor, "CONNECT_TIMEOUT", 1)
    with pytest.raises(UnsendableError, match="'guard'.*Dask workers.*--parallel 1"):
        create_study(
            "x = tune.uniform(0, 1)\nwith guard:\n    y = x\ny",
            {"guard": threading.Lock()},
            Options(dask="tcp://127.0.0.1:9"),
        )
    from hpmagic.run.processes import ExecutorError

    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        create_study("x = tune.uniform(0, 1)\nx", {}, Options(dask="tcp://127.0.0.1:9"))

    with pytest.raises(ExecutorError, match="needs a distributed.Client in the kernel"):
        create_study("x = tune.uniform(0, 1)\nx", {}, Options(dask=""))


def test_several_objectives_on_dask(cluster):
    check_several_objectives_run_elsewhere(dask=cluster.scheduler_address)


CV_CELL = """
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
X, y = load_iris(return_X_y=True)
scores = tune.cross_val_score(DecisionTreeClassifier(max_depth=tune.int(1, 5)), X, y, cv=5)
{"loss": 1 - scores.mean(), "scores": [float(s) for s in scores]}
"""


@pytest.mark.parametrize("where", ["processes", "dask"])
def test_a_fold_report_and_its_estimates_travel_both_ways(where, request):
    """A CV fold's score reaches the study with its fold count; the estimates come back."""
    if where == "dask":
        executor = DaskExecutor(request.getfixturevalue("cluster").scheduler_address)
    else:
        executor = ProcessExecutor(1)
    executor.start(parse(CV_CELL), {})
    try:
        seen: list[tuple[float, int, int]] = []

        def stop_after_two(value: float, step: int, folds: int) -> Any:
            seen.append((value, step, folds))
            return [0.5, 0.25, 0.0] if step == 1 else False

        pruned = outcome(executor.submit(TrialJob(0, {"max_depth": 3}), stop_after_two))
        assert [(s, f) for _, s, f in seen] == [(0, 5), (1, 5)]
        assert pruned.state == PRUNED and pruned.extras["cv_folds"] == "2/5", pruned.error
        assert pruned.extras["scores"] == [seen[0][0], seen[1][0], 0.5, 0.25, 0.0]
        assert pruned.value == pytest.approx(1 - sum(pruned.extras["scores"]) / 5)
        full = outcome(executor.submit(TrialJob(1, {"max_depth": 3}), lambda v, s, f: False))
        assert full.state == COMPLETE and full.extras["cv_folds"] == "5/5" and len(full.reports) == 5
    finally:
        executor.close()


def test_a_dask_study_prunes_cv_folds(cluster):
    cell = CV_CELL.replace("tune.int(1, 5)", "tune.choice([1, 3])")
    options = Options(max_evals=10, dask=cluster.scheduler_address, seed=2, algo="rand", prune="folds")
    study = create_study(cell, {}, options)
    try:
        study.run().wait(120)
        assert study.end_reason == "completed", study.message
        shallow = [t for t in study.trials[3:] if t.params["max_depth"] == 1]
        assert shallow and all(t.state == PRUNED and t.extras["cv_folds"] != "5/5" for t in shallow)
        assert all(t.value > 0.25 for t in shallow)  # a stump misses a whole class of iris: ~1/3 error
        assert study.best_params["max_depth"] == 3
    finally:
        study.close()
