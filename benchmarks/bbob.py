"""GP, auto and TPE against the rivals on COCO's BBOB suite: log10 regret at small budgets.

Every one of BBOB's 24 noiseless functions on [-5, 5]^d, 2-d with 50 evaluations and
5-d with 100 (and 10-d with 100 on a subset), a few instances and seeds each. A cell is a
(function, dimension); its figure is the median over instances × seeds of the log10 of
the best value's regret (f − f_opt, floored at 1e-8). Printed: the mean over cells per
method, each method's cells won and lost against Optuna's ``GPSampler`` (a difference of
more than 0.1 decade; less is a tie), a table per dimension, and the seconds per suggest
(the method's own time: the run's wall time less the objective's). Every method runs on one
thread (BLAS and torch limited to one), which on a busy 2-core machine is also the fastest.

Methods: hpmagic ``gp``, ``auto`` and ``tpe`` asked and told directly (the searchers a
study builds, without a study around them), Optuna's ``GPSampler`` (needs torch) and
default ``TPESampler``, scikit-optimize's ``gp_minimize`` (minutes per run: only with
``--skopt``, on 2-d), hyperopt's TPE (``fmin``) and random search. A rival whose package
is missing is skipped with a printed line (they come with ``pip install .[bench-gp]``).

Results are cached per run in a JSON-lines file (``--cache PATH``), so a long run can be
stopped, resumed and reported from (``--report``).

    python benchmarks/bbob.py [--quick] [--ten] [--skopt] [--methods a,b] [--cache PATH] [--report]
        [--functions 1,2,..] [--dims 2,5] [--instances 1,2] [--seeds 0,1]
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

Objective = Callable[[np.ndarray], float]
#: a method: (objective, dimensions, evaluations, seed) -> (values in order, seconds per suggest)
Method = Callable[[Objective, int, int, int], tuple[list[float], float]]
LOW, HIGH = -5.0, 5.0
REGRET_FLOOR = 1e-8
TIE = 0.1
FULL = {"functions": range(1, 25), "dims": ((2, 50), (5, 100)), "instances": (1, 2), "seeds": (0,)}
QUICK = {"functions": (1, 2, 5, 8, 15, 21), "dims": ((2, 30),), "instances": (1,), "seeds": (0,)}
TEN = {"functions": (1, 2, 5, 8, 10, 15, 21, 24), "dims": ((10, 100),), "instances": (1,), "seeds": (0,)}
SKOPT = {"functions": (1, 2, 5, 8, 10, 15, 21, 24), "dims": ((2, 50),), "instances": (1,), "seeds": (0,)}


# -- the problems ------------------------------------------------------------------
def problem(function: int, dim: int, instance: int) -> tuple[Objective, float]:
    """BBOB's function ``function`` in ``dim`` dimensions, instance ``instance``, and its optimum."""
    import cocoex

    suite = cocoex.Suite(
        "bbob", "", f"dimensions:{dim} function_indices:{function} instance_indices:{instance}"
    )
    p = suite[0]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:  # the optimum is written to a file in the current folder
        os.chdir(tmp)
        try:
            p._best_parameter("print")
            with open("._bbob_problem_best_parameter.txt") as f:
                xopt = [float(v) for v in f.read().split()]
        finally:
            os.chdir(here)
    return (lambda x: float(p(np.asarray(x, dtype=float)))), float(p(xopt))


# -- the methods ----------------------------------------------------------------------
def _hpmagic(algo: str) -> Method:
    def run(f: Objective, d: int, n: int, seed: int) -> tuple[list[float], float]:
        from hpmagic.core.space import Dimension, Space
        from hpmagic.search.searcher import make_searcher

        space = Space([Dimension(f"x{i}", f"x{i}", "uniform", 1, low=LOW, high=HIGH) for i in range(d)])
        searcher = make_searcher(algo, space, np.random.default_rng(seed))
        values, spent = [], 0.0
        for k in range(n):
            start = time.perf_counter()
            raw = searcher.ask(k)
            spent += time.perf_counter() - start
            values.append(f(np.array([raw[f"x{i}"] for i in range(d)])))
            start = time.perf_counter()
            searcher.tell(k, raw, values[-1])
            spent += time.perf_counter() - start
        return values, spent / n

    return run


def _optuna(sampler: str) -> Method:
    def run(f: Objective, d: int, n: int, seed: int) -> tuple[list[float], float]:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        if sampler == "gp":  # one thread, as every method here (torch's threads thrash a busy machine)
            import torch

            torch.set_num_threads(1)
        make = optuna.samplers.GPSampler if sampler == "gp" else optuna.samplers.TPESampler
        study = optuna.create_study(sampler=make(seed=seed))
        return _timed(
            lambda g: study.optimize(
                lambda t: g(np.array([t.suggest_float(f"x{i}", LOW, HIGH) for i in range(d)])), n_trials=n
            ),
            f,
            n,
        )

    return run


def _skopt(f: Objective, d: int, n: int, seed: int) -> tuple[list[float], float]:
    from skopt import gp_minimize

    return _timed(
        lambda g: gp_minimize(lambda x: g(np.array(x)), [(LOW, HIGH)] * d, n_calls=n, random_state=seed), f, n
    )


def _hyperopt(f: Objective, d: int, n: int, seed: int) -> tuple[list[float], float]:
    from hyperopt import Trials, fmin, hp, tpe

    space = [hp.uniform(f"x{i}", LOW, HIGH) for i in range(d)]

    def run(g: Objective) -> Any:
        return fmin(
            lambda x: g(np.array(x)),
            space,
            algo=tpe.suggest,
            max_evals=n,
            trials=Trials(),
            rstate=np.random.default_rng(seed),
            show_progressbar=False,
        )

    return _timed(run, f, n)


def _random(f: Objective, d: int, n: int, seed: int) -> tuple[list[float], float]:
    rng = np.random.default_rng(seed)
    return [f(rng.uniform(LOW, HIGH, d)) for _ in range(n)], 0.0


def _timed(optimise: Callable[[Objective], Any], f: Objective, n: int) -> tuple[list[float], float]:
    """Values in order, and the seconds per suggest: the run's wall time less the objective's."""
    values: list[float] = []
    inside = [0.0]

    def g(x: np.ndarray) -> float:
        start = time.perf_counter()
        values.append(f(x))
        inside[0] += time.perf_counter() - start
        return values[-1]

    start = time.perf_counter()
    optimise(g)
    return values, (time.perf_counter() - start - inside[0]) / n


METHODS: dict[str, tuple[Method, str | None]] = {
    "hpmagic auto": (_hpmagic("auto"), None),
    "hpmagic gp": (_hpmagic("gp"), None),
    "hpmagic tpe": (_hpmagic("tpe"), None),
    "Optuna GP": (_optuna("gp"), "torch"),
    "Optuna TPE": (_optuna("tpe"), "optuna"),
    "skopt gp_minimize": (_skopt, "skopt"),
    "hyperopt TPE": (_hyperopt, "hyperopt"),
    "random": (_random, None),
}
REFERENCE = "Optuna GP"


def available(names: Sequence[str]) -> list[str]:
    """The methods among ``names`` whose packages are installed; a line for each skipped."""
    out = []
    for name in names:
        needs = METHODS[name][1]
        try:
            if needs:
                __import__(needs)
            out.append(name)
        except ImportError:
            print(f"skipped {name}: {needs} is not installed (pip install .[bench-gp])", flush=True)
    return out


# -- running and caching -------------------------------------------------------------
def load(path: str | None) -> dict[str, dict[str, float]]:
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["key"]: r for r in map(json.loads, f) if r}


def measure(
    plan: dict[str, Any], names: Sequence[str], cache: str | None = None
) -> dict[str, dict[str, float]]:
    """Runs every (method, function, dimension, instance, seed) of ``plan`` not already in ``cache``."""
    results = load(cache)
    for d, n in plan["dims"]:
        for fn in plan["functions"]:
            for inst in plan["instances"]:
                objective, fopt = problem(fn, d, inst)
                for seed in plan["seeds"]:
                    for name in names:
                        key = f"{name}|f{fn}|{d}|{n}|i{inst}|s{seed}"
                        if key in results:
                            continue
                        values, per_suggest = METHODS[name][0](objective, d, n, seed)
                        regret = max(min(values[:n]) - fopt, REGRET_FLOOR)
                        results[key] = {"key": key, "log_regret": math.log10(regret), "suggest": per_suggest}
                        if cache:
                            with open(cache, "a") as f:
                                f.write(json.dumps(results[key]) + "\n")
    return results


# -- the report -----------------------------------------------------------------------
def cells(
    results: dict[str, dict[str, float]], names: Sequence[str]
) -> dict[tuple[int, int, int], dict[str, float]]:
    """Median log10 regret per (dimension, budget, function) and method."""
    runs: dict[tuple[int, int, int], dict[str, list[float]]] = {}
    for key, r in results.items():
        name, fn, d, n, _, _ = key.split("|")
        if name in names:
            runs.setdefault((int(d), int(n), int(fn[1:])), {}).setdefault(name, []).append(r["log_regret"])
    return {cell: {m: float(np.median(v)) for m, v in by.items()} for cell, by in sorted(runs.items())}


def _cell(key: str) -> tuple[int, int, int]:
    _, fn, d, n, _, _ = key.split("|")
    return int(d), int(n), int(fn[1:])


def report(results: dict[str, dict[str, float]], names: Sequence[str]) -> None:
    """Tables over the cells every method ran (a stopped run's cache reports what it finished)."""
    table = {c: by for c, by in cells(results, names).items() if all(m in by for m in names)}
    for d, n in sorted({(c[0], c[1]) for c in table}):
        rows = [
            [f"f{c[2]}", *[by.get(m, math.nan) for m in names]] for c, by in table.items() if c[:2] == (d, n)
        ]
        common.print_table(
            ["function", *names], rows, f"Median log10 regret, {d}-d at {n} evaluations (lower is better)"
        )
    rows = []
    for m in names:
        mine = [(by[m], by.get(REFERENCE)) for by in table.values() if m in by]
        mean = float(np.mean([a for a, _ in mine])) if mine else math.nan
        wins = sum(1 for a, b in mine if b is not None and a < b - TIE)
        losses = sum(1 for a, b in mine if b is not None and a > b + TIE)
        secs = [r["suggest"] for k, r in results.items() if k.startswith(m + "|") and _cell(k) in table]
        versus = f"{wins}/{losses}" if REFERENCE in names and m != REFERENCE else "—"
        rows.append([m, f"{mean:.2f}", len(mine), versus, f"{np.mean(secs):.4f}" if secs else "—"])
    common.print_table(
        ["method", "mean log10 regret", "cells", f"wins/losses vs {REFERENCE}", "s per suggest"],
        sorted(rows, key=lambda r: float(r[1])),
        f"Over the cells every method ran (a win or loss: more than {TIE} decade apart)",
    )


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    flag = lambda name: name in argv  # noqa: E731
    value = lambda name: argv[argv.index(name) + 1] if name in argv else None  # noqa: E731
    try:
        import cocoex  # noqa: F401
    except ImportError:
        print("skipped: coco-experiment is not installed (pip install .[bench-gp])")
        return
    plan = dict(QUICK if flag("--quick") else TEN if flag("--ten") else SKOPT if flag("--skopt") else FULL)
    for name, cast in (("functions", int), ("instances", int), ("seeds", int)):  # e.g. --functions 1,2,3
        if value(f"--{name}"):
            plan[name] = tuple(cast(v) for v in value(f"--{name}").split(","))
    if value("--dims"):  # e.g. --dims 5 keeps the 5-d budget
        plan["dims"] = tuple((d, n) for d, n in plan["dims"] if str(d) in value("--dims").split(","))
    wanted = (
        value("--methods").split(",")
        if value("--methods")
        else [m for m in METHODS if m != "skopt gp_minimize" or flag("--skopt")]
    )
    names = available(wanted)
    common.print_header(
        "BBOB at small budgets",
        ", ".join(names),
        f"functions {list(plan['functions'])}, (d, evaluations) {list(plan['dims'])}, instances "
        f"{list(plan['instances'])}, seeds {list(plan['seeds'])}",
    )
    if flag("--report"):  # the plan's runs among those cached
        keep = {f"|i{i}|s{s}" for i in plan["instances"] for s in plan["seeds"]}
        cells_kept = {(d, n, f) for d, n in plan["dims"] for f in plan["functions"]}
        results = {
            k: r
            for k, r in load(value("--cache")).items()
            if k[k.index("|i") :] in keep and _cell(k) in cells_kept
        }
    else:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            results = measure(plan, names, value("--cache"))
    report(results, names)


if __name__ == "__main__":
    main()
