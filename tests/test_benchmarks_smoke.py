"""The benchmarks import and their machinery works, on tiny workloads (seconds, not minutes).

The figures themselves come from ``python benchmarks/run.py``; here only that every
script loads, that the searchers they compare really search, and that run.py finds
scripts, passes ``--quick`` and survives a broken or missing one.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest

from benchmarks import common, latency, overhead, quality, run, tune_defaults


def test_every_script_imports_and_has_main() -> None:
    names = run.scripts()
    assert {"overhead", "quality", "latency", "tune_defaults"} <= set(names)
    assert "common" not in names and "run" not in names
    for name in names:
        module = run.load(name)
        assert callable(getattr(module, "main", None)), f"benchmarks/{name}.py has no main(argv)"


def test_problems_have_their_known_optima() -> None:
    assert math.isclose(common.branin(math.pi, 2.275), 0.397887, abs_tol=1e-5)
    x = (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)
    assert math.isclose(common.hartmann6(*x), -3.32237, abs_tol=1e-4)
    assert common.levy4(1, 1, 1, 1) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "searcher", [common.run_hpmagic, common.run_hyperopt, common.run_optuna, common.run_random]
)
def test_searchers_give_a_trace_per_evaluation(searcher) -> None:
    problem = common.PROBLEMS["branin"]
    trace = searcher(problem, 12, 0)
    assert len(trace) == 12
    assert all(v >= problem.optimum - 1e-9 for v in trace)
    assert trace == searcher(problem, 12, 0), "a seeded searcher must repeat itself"


def test_randomized_search_cv_scores_like_the_svc_objective() -> None:
    problem = common.PROBLEMS["svc"]
    trace = common.run_randomized_search_cv(problem, 2, 0)
    assert len(trace) == 2 and all(0 <= v <= 1 for v in trace)


def test_quality_tables(capsys: pytest.CaptureFixture[str]) -> None:
    traces = quality.measure(("branin",), [0, 1], (6,))
    assert len(traces) == 4  # RandomizedSearchCV only on the SVC
    quality.report(traces, ("branin",), (6,))
    out = capsys.readouterr().out
    assert "| Branin (2-d) @6 |" in out and "±" in out


def test_latency_paths_run_on_a_small_history() -> None:
    points = latency.history(15)
    for make in (latency.hpmagic_ask, latency.hyperopt_suggest, latency.optuna_ask_tell):
        assert latency.median_ms(make(points), 1) > 0


def test_tune_defaults_runs_candidate_settings_and_parses_them_back() -> None:
    from dataclasses import asdict

    from hpmagic.search.searcher import SearchSettings

    defaults = SearchSettings()
    before, joint = asdict(defaults.hyperopt_tpe), asdict(defaults.joint)
    for hyperopt in (False, True):
        settings = common.search_settings({"n_startup_jobs": 3, "n_EI_candidates": 8, "gamma": 1.0}, hyperopt)
        assert settings.joint_on_flat is not hyperopt
        trace = tune_defaults.hpmagic_with(
            {"n_startup_jobs": 3, "n_EI_candidates": 8, "gamma": 1.0}, hyperopt
        )(common.PROBLEMS["branin"], 8, 0)
        assert len(trace) == 8
    assert tune_defaults._parse(tune_defaults.describe(before)) == before
    assert tune_defaults._parse(tune_defaults.describe(joint)) == joint


def test_overhead_reads_peak_memory_and_writes_cells() -> None:
    assert overhead.vm_hwm_mb(os.getpid()) >= overhead.vm_rss_mb(os.getpid()) > 10
    cell = overhead.tune_cell(5, "/tmp/x.db", "rand", 3)
    first = cell.splitlines()[0]
    assert re.fullmatch(
        r"%%tune -n 5 --algo rand --seed 3 --store /tmp/x\.db --name overhead-\w+ --wait", first
    )
    assert overhead.tune_cell(5, "/tmp/x.db", "rand", 3).splitlines()[0] != first  # a new study each time


def test_run_passes_quick_and_survives_broken_scripts(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "good.py").write_text(
        "import sys\nSEEN = []\ndef main(argv):\n    print('good ran with', list(argv))\n"
    )
    (tmp_path / "broken.py").write_text("raise RuntimeError('cannot even import')\n")
    (tmp_path / "failing.py").write_text("def main(argv):\n    raise ValueError('bad run')\n")
    (tmp_path / "helper.py").write_text("X = 1\n")
    (tmp_path / "common.py").write_text("raise AssertionError('common is not a benchmark')\n")
    status = run.main(["--quick"], folder=str(tmp_path))
    captured = capsys.readouterr()
    assert status == 1
    assert "good ran with ['--quick']" in captured.out
    assert "broken: could not be imported" in captured.err and "failing failed" in captured.err
    assert "common is not a benchmark" not in captured.err
    # a missing script is reported, not fatal
    assert run.main(["nosuch"], folder=str(tmp_path)) == 0
    assert "no benchmark named 'nosuch'" in capsys.readouterr().err


def test_search_ask_is_identical_whatever_order_trials_end_in() -> None:
    """Columns kept sorted at each tell: the same point whether trials end in order or not."""
    from hpmagic import Options, create_study, tune
    from hpmagic.search.searcher import make_searcher

    study = create_study(common.hpmagic_cell(common.PROBLEMS["branin"]), {"tune": tune}, Options())
    space = study.search_space
    rng = np.random.default_rng(0)
    told = [
        ({d.key: float(rng.uniform(d.low, d.high)) for d in space.dims}, float(rng.random()))
        for _ in range(30)
    ]
    in_order = make_searcher(
        "tpe", space, np.random.default_rng(1), [(i, r, loss, False) for i, (r, loss) in enumerate(told)]
    )
    shuffled = make_searcher("tpe", space, np.random.default_rng(1))
    for i in rng.permutation(len(told)):
        shuffled.tell(int(i), *told[i])
    assert in_order.ask(30) == shuffled.ask(30)


def test_preload_imports_the_default_searchs_needs_in_the_background() -> None:
    import sys

    from hpmagic.search.searcher import preload

    thread = preload()
    thread.join(timeout=120)
    assert not thread.is_alive() and "scipy.special" in sys.modules


def test_held_out_functions_have_their_known_optima() -> None:
    from benchmarks import testfunctions

    at = {
        "rosenbrock4": [1.0] * 4,
        "rastrigin5": [0.0] * 5,
        "ackley6": [0.0] * 6,
        "levy6": [1.0] * 6,
        "styblinski8": [-2.903534] * 8,
        "michalewicz5": [2.202906, 1.570796, 1.284992, 1.923058, 1.720470],
        "hartmann3": [0.114614, 0.555649, 0.852547],
        "camel2": [0.0898, -0.7126],
        "griewank10": [0.0] * 10,
        "schwefel3": [420.9687] * 3,
    }
    assert set(at) == set(testfunctions.FUNCTIONS) and len(at) >= 10
    for key, x in at.items():
        problem = testfunctions.FUNCTIONS[key]
        assert 2 <= len(problem.dims) <= 10
        assert problem({f"x{i}": v for i, v in enumerate(x, 1)}) == pytest.approx(problem.optimum, abs=1e-3)


def test_tie_rule_and_cmaes_runner() -> None:
    from benchmarks import testfunctions

    assert testfunctions.verdict([1.0] * 10, [1.0] * 10) == "tie"
    assert testfunctions.verdict(list(range(10)), [x + 100 for x in range(10)]) == "win"
    assert testfunctions.verdict([x + 100 for x in range(10)], list(range(10))) == "loss"
    assert testfunctions.verdict([0, 1, 2], [0.5, 1.5, 2.5]) == "tie"
    trace = testfunctions.run_cmaes(testfunctions.FUNCTIONS["camel2"], 6, seed=0)
    assert len(trace) == 6 and all(math.isfinite(v) for v in trace)


@pytest.mark.parametrize("runner", ["run_hpmagic", "run_hyperopt", "run_optuna", "run_random"])
def test_conditional_searchers_search_the_same_choice(runner: str) -> None:
    from benchmarks import conditional

    problem = conditional.problems()["synthetic"]
    trace = getattr(conditional, runner)(problem, 25, 0)
    assert len(trace) == 25 and min(trace) >= problem.optimum - 1e-6
    assert min(trace) < 0  # found the options below zero (Hartmann-3 or the bowl)


def test_conditional_cell_is_the_model_choice_a_user_writes() -> None:
    from benchmarks import conditional

    problem = conditional.problems()["wine"]
    cell = conditional.hpmagic_cell(problem)
    assert cell.startswith("m = tune.choice([SVC(C=tune.loguniform(0.01, 1000.0)")
    assert "RandomForestClassifier(n_estimators=tune.int(10, 100)" in cell and "max_iter=300" in cell
    model = problem.build(2, {"n_estimators": 10, "max_depth": 3, "max_features": 0.5})
    assert 0 <= conditional.cv_error("wine", model) < 0.5
    assert math.isclose(conditional.hartmann3(0.114614, 0.555649, 0.852547), -3.86278, abs_tol=1e-4)


def test_zdt1_front_and_svc_objectives() -> None:
    from benchmarks import multiobjective as mo

    on_front = mo.zdt1(**{f"x{i}": (0.25 if i == 1 else 0.0) for i in range(1, 31)})
    assert on_front == pytest.approx({"f1": 0.25, "f2": 0.5})  # g = 1: f2 = 1 - sqrt(f1)
    assert mo.zdt1(**{f"x{i}": 1.0 for i in range(1, 31)})["f2"] == pytest.approx(10 * (1 - math.sqrt(0.1)))
    full, small = mo.svc_cost(C=1.0, gamma=1e-3, n_train=898), mo.svc_cost(C=1.0, gamma=1e-3, n_train=50)
    assert 0 <= full["error"] < 0.05 < small["error"] < 0.5  # fewer rows: a worse model, the trade-off
    assert 0 < full["fit_s"] < 10 and 0 < small["fit_s"] < 10


@pytest.mark.parametrize("searcher", ["hpmagic (default)", "Optuna default (TPESampler)", "hpmagic random"])
def test_multiobjective_searchers_repeat_themselves(searcher: str) -> None:
    from benchmarks import multiobjective as mo

    run = mo.SEARCHERS[searcher](mo.PROBLEMS["zdt1"], 10, 0)
    assert run.points.shape == (10, 2) and run.seconds > 0
    assert np.array_equal(run.points, mo.SEARCHERS[searcher](mo.PROBLEMS["zdt1"], 10, 0).points)


def test_multiobjective_quick_tables(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import multiobjective as mo

    mo.main(["--quick"])
    out = capsys.readouterr().out
    assert "| ZDT1 (30-d) @12 | ref (1.1, 11) |" in out and "share of the box" in out
    assert "| hpmagic vs Optuna NSGAIISampler |" in out.replace(" | hpmagic vs hpmagic random", "")
    assert re.search(r"\| ZDT1 \(30-d\) @12 \| \d\.\d{4} · \d+\.\d\d · \d/2 \|", out)


def test_tabular_tasks_are_lookups_with_their_optimum() -> None:
    from benchmarks import tabular

    task = tabular.load_task("hpolib", "naval_propulsion")
    assert len(task.losses) == int(np.prod([len(v) for v in task.grid.values()]))
    trace = tabular.run_hpmagic(task, 8, 0)
    assert len(trace) == 8 and min(trace) >= task.optimum
    assert trace == tabular.run_hpmagic(task, 8, 0), "a seeded searcher must repeat itself"


def test_model_choice_counts_a_seed_stuck_on_one_option() -> None:
    from benchmarks import model_choice

    stuck = [(1.0, 0)] * 30 + [(0.5, 1)] * 30  # the last 30 all on option 1, the best by far
    assert model_choice.collapsed(stuck) == (True, False)
    close = [(0.51, 0)] + [(0.9, 0)] * 29 + [(0.5, 1)] * 30  # option 0's best within 5 %
    assert model_choice.collapsed(close) == (True, True)
    assert model_choice.collapsed([(1.0, 0), (1.0, 1)] * 30) == (False, False)


def test_bbob_methods_run_and_report_without_the_bench_gp_extra(capsys: pytest.CaptureFixture[str]) -> None:
    """The GP benchmark's own machinery on a plain sphere (COCO and torch are not needed)."""
    from benchmarks import bbob

    def sphere(x: np.ndarray) -> float:
        return float(((x - 1.0) ** 2).sum())

    results = {}
    for name in ("hpmagic gp", "hpmagic auto", "hpmagic tpe", "random"):
        values, per_suggest = bbob.METHODS[name][0](sphere, 2, 8, 0)
        assert len(values) == 8 and per_suggest >= 0
        assert values == bbob.METHODS[name][0](sphere, 2, 8, 0)[0], "a seeded method must repeat itself"
        key = f"{name}|f1|2|8|i1|s0"
        results[key] = {"key": key, "log_regret": float(np.log10(min(values))), "suggest": per_suggest}
    names = ["hpmagic gp", "hpmagic auto", "hpmagic tpe", "random"]
    bbob.report(results, names)
    out = capsys.readouterr().out
    assert "| f1 |" in out and "mean log10 regret" in out and "s per suggest" in out
    assert bbob.available(["hpmagic gp", "random"]) == ["hpmagic gp", "random"]


def test_gp_latency_measures_a_suggest() -> None:
    from benchmarks import gp_latency

    secs, peak = gp_latency.measure("gp", 2, 12, 1)
    assert 0 < secs < 30 and peak > 0


def test_time_to_good_quick_compares_every_method(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import time_to_good as ttg

    assert ttg.main(["--quick"]) == 0
    out = capsys.readouterr().out
    for name in ttg.METHODS:
        assert f"| {name} |" in out
    assert "best known" in out and "good ≤" in out
    run = ttg.Run(trace=[(1.0, 0.5), (2.0, 0.2), (3.0, 0.1)])
    assert run.time_to(0.2) == 2.0 and run.time_to(0.05) == math.inf and run.best() == 0.1
    assert ttg.Run(trace=[(1.0, 0.1), (5.0, 0.1)], final_only=True).time_to(0.2) == 5.0
    assert "at most" in out  # the most fold pruning could save on the cell, from the no-pruning runs
    walled = ttg.Run(trace=[(1.0, 0.5), (2.0, 0.2)], walls=[1.5, 4.0])
    assert walled.time_to(0.2, wall=True) == 4.0
    spent = [ttg.Run(spent=[(3.0, 0.5), (1.0, 0.1)])]
    assert ttg.pruning_ceiling(spent, 0.2) == pytest.approx((0.75, 1 / (1 - 0.6)))


def test_fold_replay_saves_time_and_counts_what_it_lost(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import fold_replay

    # trial 0 the best; trial 1 far behind on its first fold; trial 2 better than 0 on every fold
    trials = [
        [(0.10, 1.0), (0.12, 1.0), (0.11, 1.0), (0.09, 1.0), (0.10, 1.0)],
        [(0.50, 1.0), (0.52, 1.0), (0.51, 1.0), (0.49, 1.0), (0.50, 1.0)],
        [(0.08, 1.0), (0.10, 1.0), (0.09, 1.0), (0.07, 1.0), (0.08, 1.0)],
    ]
    assert fold_replay.replay(trials, 0.9) == (pytest.approx(4 / 15), 1, 0)
    for name, pruner in fold_replay.rules(trials).items():  # every rule stops the hopeless trial 1
        assert fold_replay.replay(trials, pruner)[1:] == (1, 0), name
    assert fold_replay.main(["--quick"]) == 0
    assert "| svc seed 0 |" in capsys.readouterr().out
    assert fold_replay.main(["--quick", "--rules"]) == 0
    assert "ends worse on these folds" in capsys.readouterr().out


def test_time_to_good_methods_are_named_though_names_hold_commas() -> None:
    from benchmarks import time_to_good as ttg

    assert ttg.chosen_methods("hpmagic, no pruning") == ["hpmagic, no pruning"]
    both = "Optuna TPE + WilcoxonPruner, hpmagic, no pruning"
    assert ttg.chosen_methods(both) == ["Optuna TPE + WilcoxonPruner", "hpmagic, no pruning"]
    assert ttg.chosen_methods("hpmagic --prune folds, bogus") == ["hpmagic --prune folds", "bogus"]
