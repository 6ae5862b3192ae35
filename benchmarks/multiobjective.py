"""Several objectives: the hypervolume of the front after 50 and 100 trials, over 10 seeds.

A search with several objectives is judged by its whole front, and the hypervolume
(the area the trials dominate up to a fixed reference point) is the one number that
grows whenever the front improves anywhere. Each searcher runs once per seed with 100
trials; "after 50" is the hypervolume of its first 50 trials (none of them knows its
budget).

Compares hpmagic's default search (``create_study`` headless, ``Options(seed=s,
objectives=...)``: the joint TPE, trials ranked by non-domination and hypervolume
contribution) and hpmagic's random search (``algo="rand"``) with Optuna's default
sampler for a multi-objective study (``TPESampler``, seeded; in Optuna 4 and later
the default is TPE, no longer NSGA-II) and Optuna's ``NSGAIISampler`` (seeded,
population 50).

Problems:

- ZDT1, 30 dimensions in [0, 1], both objectives minimised; reference point
  (1.1, 11), the same for every searcher. The true front's hypervolume there is
  12.1 − 1/3 ≈ 11.77; random points score about 8.5.
- An RBF SVC on scikit-learn's digits: validation error (one fixed stratified 50/50
  split) against *measured* fit seconds (the fastest of three fits, so a stall of the
  machine counts less). C loguniform in [1e-2, 1e3], gamma loguniform in [1e-5, 1],
  and the number of training rows loguniform in [50, 898] (the first n of the
  training half): with C and gamma alone the fastest fits are also nearly the most
  accurate, so there is hardly a front to find; how much data to fit on is the real
  trade-off. The time is real, not a proxy, so this problem is not exactly
  reproducible and the machine's load adds noise; the searchers run in turn for each
  seed, so a change of load falls on all of them. The reference point is fixed after
  all runs from the worst values any searcher saw: error 1.0 (the worst possible)
  and 1.1 × the slowest fit; the hypervolume is printed as the share of that box.

Hypervolumes of good fronts differ in the last digits, so the ratios come in two
forms: of the mean hypervolumes, and of the mean *regrets* (the best known front's
hypervolume minus the run's; ZDT1's true front, else the front of all runs of all
searchers together), as benchmarks/quality.py compares regrets.

The wall time per trial on ZDT1, whose objective costs microseconds, is each
searcher's own overhead (suggesting, recording, ranking) per trial.

    python benchmarks/multiobjective.py [--quick]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

N_TRIALS = 100
BUDGETS = (50, 100)
#: the true ZDT1 front's hypervolume up to (1.1, 11): the box less the area under 1 - sqrt(x)
ZDT1_OPTIMAL_HV = 1.1 * 11.0 - 1.0 / 3.0


@dataclass(frozen=True)
class MOProblem:
    """Dimensions (``common.Dim``), the objectives' names (all minimised) and a function of the params
    giving a dict of them; ``reference``: a fixed reference point, or None to take it from the runs."""

    name: str
    dims: tuple[common.Dim, ...]
    objectives: tuple[str, ...]
    fn: Callable[..., dict[str, float]]
    reference: tuple[float, ...] | None

    def __call__(self, params: dict[str, float]) -> dict[str, float]:
        return self.fn(**params)


def zdt1(**params: float) -> dict[str, float]:
    """ZDT1 on [0, 1]^d (x1..xd): f1 = x1, f2 = g (1 − sqrt(f1 / g)), g = 1 + 9 mean(x2..xd)."""
    x = np.array([params[f"x{i}"] for i in range(1, len(params) + 1)])
    g = 1.0 + 9.0 * float(x[1:].sum()) / (len(x) - 1)
    return {"f1": float(x[0]), "f2": float(g * (1.0 - np.sqrt(x[0] / g)))}


_SPLIT: Any = None


def svc_cost(C: float, gamma: float, n_train: float) -> dict[str, float]:
    """An RBF SVC on the first ``n_train`` training rows of digits: validation error and the
    fastest of three fits' seconds."""
    global _SPLIT
    from sklearn.svm import SVC

    if _SPLIT is None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        _SPLIT = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    X_train, X_val, y_train, y_val = _SPLIT
    n = int(round(n_train))
    seconds = []
    for _ in range(3):
        model = SVC(C=C, gamma=gamma)
        start = time.perf_counter()
        model.fit(X_train[:n], y_train[:n])
        seconds.append(time.perf_counter() - start)
    return {"error": float(1.0 - model.score(X_val, y_val)), "fit_s": min(seconds)}


PROBLEMS: dict[str, MOProblem] = {
    "zdt1": MOProblem(
        "ZDT1 (30-d)",
        tuple(common.Dim(f"x{i}", 0.0, 1.0) for i in range(1, 31)),
        ("f1", "f2"),
        zdt1,
        (1.1, 11.0),
    ),
    "svc": MOProblem(
        "SVC on digits (error, fit s)",
        (
            common.Dim("C", 1e-2, 1e3, log=True),
            common.Dim("gamma", 1e-5, 1.0, log=True),
            common.Dim("n_train", 50, 898, log=True),
        ),
        ("error", "fit_s"),
        svc_cost,
        None,
    ),
}


# -- the searchers: each gives the objectives of every trial, in order, and its wall time -----------
@dataclass
class Run:
    points: np.ndarray  # trials × objectives, in trial order
    seconds: float  # wall time of the whole search


def run_hpmagic(problem: MOProblem, n: int, seed: int, algo: str = "tpe") -> Run:
    """hpmagic headless, as a user would: ``create_study`` with ``objectives``, run, wait."""
    from hpmagic import Options, create_study, tune

    spec = ",".join(f"{o}:min" for o in problem.objectives)
    start = time.perf_counter()
    study = create_study(
        common.hpmagic_cell(problem),  # type: ignore[arg-type]
        {"objective": problem.fn, "tune": tune},
        Options(seed=seed, algo=algo, objectives=spec),
    )
    study.run(n).wait()
    seconds = time.perf_counter() - start
    trials = sorted(study.trials, key=lambda t: t.number)
    bad = [t.error for t in trials if t.state != "complete"]
    if bad:
        raise RuntimeError(f"hpmagic trials failed: {bad[0]}")
    return Run(np.array([[t.values[o] for o in problem.objectives] for t in trials]), seconds)


def run_hpmagic_random(problem: MOProblem, n: int, seed: int) -> Run:
    return run_hpmagic(problem, n, seed, algo="rand")


def run_optuna(problem: MOProblem, n: int, seed: int, sampler: str = "default") -> Run:
    """Optuna, seeded: its default sampler for several objectives (TPE) or NSGA-II."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.perf_counter()
    chosen = (
        optuna.samplers.NSGAIISampler(seed=seed)
        if sampler == "nsga2"
        else optuna.samplers.TPESampler(seed=seed)
    )
    study = optuna.create_study(directions=["minimize"] * len(problem.objectives), sampler=chosen)

    def objective(trial: Any) -> tuple[float, ...]:
        values = problem(
            {d.label: trial.suggest_float(d.label, d.low, d.high, log=d.log) for d in problem.dims}
        )
        return tuple(values[o] for o in problem.objectives)

    study.optimize(objective, n_trials=n)
    seconds = time.perf_counter() - start
    return Run(np.array([t.values for t in study.trials]), seconds)


def run_nsga2(problem: MOProblem, n: int, seed: int) -> Run:
    return run_optuna(problem, n, seed, sampler="nsga2")


SEARCHERS: dict[str, Callable[[MOProblem, int, int], Run]] = {
    "hpmagic (default)": run_hpmagic,
    "Optuna default (TPESampler)": run_optuna,
    "Optuna NSGAIISampler": run_nsga2,
    "hpmagic random": run_hpmagic_random,
}


def measure(problems: Sequence[str], seeds: Sequence[int], n: int) -> dict[tuple[str, str], list[Run]]:
    """Runs per (problem, searcher); for each seed every searcher runs in turn (load drifts hit all)."""
    runs: dict[tuple[str, str], list[Run]] = {(p, name): [] for p in problems for name in SEARCHERS}
    for key in problems:
        for seed in seeds:
            for name, fn in SEARCHERS.items():
                runs[(key, name)].append(fn(PROBLEMS[key], n, seed))
    return runs


def reference(problem: MOProblem, runs: Sequence[Run]) -> np.ndarray:
    """The problem's fixed reference point, else error 1.0 and 1.1 × the worst cost any run saw."""
    if problem.reference is not None:
        return np.array(problem.reference)
    worst = np.max([r.points.max(axis=0) for r in runs], axis=0)
    return np.array([1.0, *(1.1 * worst[1:])])


def best_known_hypervolume(key: str, runs: Sequence[Run], ref: np.ndarray) -> float:
    """ZDT1: its true front's; else the front of every run together."""
    from hpmagic.core.pareto import hypervolume

    if key == "zdt1":
        return ZDT1_OPTIMAL_HV
    return hypervolume(np.vstack([r.points for r in runs]), ref)


def hypervolumes(runs: Sequence[Run], ref: np.ndarray, k: int, scale: float = 1.0) -> list[float]:
    """Each run's hypervolume of its first ``k`` trials, divided by ``scale``."""
    from hpmagic.core.pareto import hypervolume

    return [hypervolume(r.points[:k], ref) / scale for r in runs]


def report(
    runs: dict[tuple[str, str], list[Run]], problems: Sequence[str], budgets: Sequence[int], seeds: str
) -> None:
    names = list(SEARCHERS)
    rows: list[list[Any]] = []
    ratio_rows: list[list[Any]] = []
    time_rows: list[list[Any]] = []
    for key in problems:
        problem = PROBLEMS[key]
        pooled = [r for name in names for r in runs[(key, name)]]
        ref = reference(problem, pooled)
        scale = 1.0 if problem.reference is not None else float(np.prod(ref))  # SVC: share of the box
        best_known = best_known_hypervolume(key, pooled, ref) / scale
        where = f"ref ({', '.join(f'{x:.3g}' for x in ref)})" + ("" if scale == 1.0 else ", share of the box")
        for k in budgets:
            hv = {name: hypervolumes(runs[(key, name)], ref, k, scale) for name in names}
            label = f"{problem.name} @{k}"
            rows.append([label, where, *(common.mean_sd(hv[name]) for name in names)])
            ratio_row: list[Any] = [label]
            ours = np.array(hv[names[0]])
            for other in names[1:]:
                theirs = np.array(hv[other])
                regret = (best_known - ours.mean()) / (best_known - theirs.mean())
                wins = int((ours > theirs).sum())
                ratio_row.append(f"{ours.mean() / theirs.mean():.4f} · {regret:.2f} · {wins}/{len(ours)}")
            ratio_rows.append(ratio_row)
        time_rows.append(
            [
                problem.name,
                *(
                    f"{1000 * np.mean([r.seconds / len(r.points) for r in runs[(key, name)]]):.3g}"
                    for name in names
                ),
            ]
        )
    common.print_table(
        ["problem @trials", "reference point", *names],
        rows,
        f"Hypervolume of the trials' front (higher is better), mean ± sd over {seeds}. "
        f"ZDT1's true front: {ZDT1_OPTIMAL_HV:.4g}.",
    )
    common.print_table(
        ["problem @trials", *(f"hpmagic vs {o}" for o in names[1:])],
        ratio_rows,
        "hpmagic against each searcher, from the same run: mean hypervolume ÷ theirs (above 1: hpmagic "
        "ahead) · mean regret ÷ theirs (below 1: hpmagic ahead) · seeds where hpmagic's front is better.",
    )
    common.print_table(
        ["problem", *names],
        time_rows,
        "Wall time per trial, ms (mean over seeds; on ZDT1 the objective costs microseconds, so this is "
        "each searcher's own overhead; on the SVC it includes three fits and a score):",
    )


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    problems = tuple(PROBLEMS)
    seeds = range(2) if quick else range(10)
    n = 12 if quick else N_TRIALS
    budgets = (6, 12) if quick else BUDGETS
    common.print_header(
        "Several objectives",
        "hpmagic default vs Optuna's default (TPESampler) vs Optuna NSGAIISampler vs hpmagic random, "
        "by hypervolume",
        f"{', '.join(PROBLEMS[p].name for p in problems)}; seeds {list(seeds)}; hypervolume after "
        f"{' and '.join(map(str, budgets))} trials",
    )
    with common.Timer() as t:
        runs = measure(problems, seeds, n)
    report(runs, problems, budgets, f"seeds {seeds.start}–{seeds.stop - 1}")
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
