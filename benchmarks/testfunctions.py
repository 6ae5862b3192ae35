"""Held-out test functions: none of them was used to choose hpmagic's search settings.

Ten standard functions in 2–10 dimensions, each on its usual domain, with budgets of
20·d and 50·d evaluations (d dimensions) over 10 seeds. hpmagic's default search
(``create_study``, the joint TPE) against Optuna's default ``TPESampler``, Optuna's
``CmaEsSampler`` (every function here is continuous with d ≥ 2, where it applies)
and random search (hpmagic's ``--algo rand``). Each searcher runs once per seed with
the larger budget; "best after 20·d" is the best of its first 20·d.

Wins, ties and losses are hpmagic's, per function and budget, against each other
searcher. Tie rule: a two-sided Mann–Whitney U test on the 10 best values of each
gives p > 0.05; otherwise the one with the lower median wins.

    python benchmarks/testfunctions.py [--quick]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from . import common
    from .conditional import hartmann3
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]
    from conditional import hartmann3  # type: ignore[no-redef]

P_TIE = 0.05


def _vector(fn: Callable[[np.ndarray], float]) -> Callable[..., float]:
    """``fn`` of one array as a function of keywords x1..xd (how the cells call it)."""
    return lambda **kw: float(fn(np.array([kw[f"x{i}"] for i in range(1, len(kw) + 1)])))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def rastrigin(x: np.ndarray) -> float:
    return float(10 * len(x) + np.sum(x * x - 10 * np.cos(2 * math.pi * x)))


def ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(
        -20 * math.exp(-0.2 * math.sqrt(np.sum(x * x) / d))
        - math.exp(np.sum(np.cos(2 * math.pi * x)) / d)
        + 20
        + math.e
    )


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    last = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(math.sin(math.pi * w[0]) ** 2 + mid + last)


def styblinski_tang(x: np.ndarray) -> float:
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def michalewicz(x: np.ndarray, m: int = 10) -> float:
    i = np.arange(1, len(x) + 1)
    return float(-np.sum(np.sin(x) * np.sin(i * x * x / math.pi) ** (2 * m)))


def six_hump_camel(x: np.ndarray) -> float:
    a, b = x
    return float((4 - 2.1 * a * a + a**4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b)


def griewank(x: np.ndarray) -> float:
    i = np.arange(1, len(x) + 1)
    return float(np.sum(x * x) / 4000 - np.prod(np.cos(x / np.sqrt(i))) + 1)


def schwefel(x: np.ndarray) -> float:
    return float(418.9829 * len(x) - np.sum(x * np.sin(np.sqrt(np.abs(x)))))


def _problem(name: str, fn: Callable[[np.ndarray], float], bounds: Sequence[tuple[float, float]], opt: float):
    dims = tuple(common.Dim(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds, 1))
    return common.Problem(f"{name} ({len(dims)}-d)", dims, _vector(fn), opt)


FUNCTIONS: dict[str, common.Problem] = {
    "rosenbrock4": _problem("Rosenbrock", rosenbrock, [(-5, 10)] * 4, 0.0),
    "rastrigin5": _problem("Rastrigin", rastrigin, [(-5.12, 5.12)] * 5, 0.0),
    "ackley6": _problem("Ackley", ackley, [(-32.768, 32.768)] * 6, 0.0),
    "levy6": _problem("Levy", levy, [(-10, 10)] * 6, 0.0),
    "styblinski8": _problem("Styblinski-Tang", styblinski_tang, [(-5, 5)] * 8, -39.16617 * 8),
    "michalewicz5": _problem("Michalewicz", michalewicz, [(0, math.pi)] * 5, -4.687658),
    "hartmann3": _problem("Hartmann-3", lambda x: hartmann3(*x), [(0, 1)] * 3, -3.86278),
    "camel2": _problem("Six-hump camel", six_hump_camel, [(-3, 3), (-2, 2)], -1.0316285),
    "griewank10": _problem("Griewank", griewank, [(-600, 600)] * 10, 0.0),
    "schwefel3": _problem("Schwefel", schwefel, [(-500, 500)] * 3, 0.0),
}
QUICK = ("camel2", "hartmann3")


def run_cmaes(problem: common.Problem, n: int, seed: int) -> list[float]:
    """Optuna's CMA-ES sampler, seeded."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed))
    study.optimize(
        lambda trial: problem({d.label: trial.suggest_float(d.label, d.low, d.high) for d in problem.dims}),
        n_trials=n,
    )
    return [float(t.value) for t in study.trials]


def run_random(problem: common.Problem, n: int, seed: int) -> list[float]:
    return common.run_hpmagic(problem, n, seed, algo="rand")


SEARCHERS: dict[str, Callable[[common.Problem, int, int], list[float]]] = {
    "hpmagic (default)": common.run_hpmagic,
    "Optuna TPE (default)": common.run_optuna,
    "Optuna CMA-ES": run_cmaes,
    "random search": run_random,
}


def verdict(ours: Sequence[float], theirs: Sequence[float]) -> str:
    """'win', 'tie' or 'loss' for hpmagic (lower is better), by the tie rule above."""
    from scipy.stats import mannwhitneyu

    if np.allclose(ours, theirs) or mannwhitneyu(ours, theirs, alternative="two-sided").pvalue > P_TIE:
        return "tie"
    return "win" if np.median(ours) < np.median(theirs) else "loss"


def measure(
    keys: Sequence[str], seeds: Sequence[int], factor: int
) -> dict[tuple[str, str], list[list[float]]]:
    traces = {}
    for key in keys:
        problem = FUNCTIONS[key]
        for name, fn in SEARCHERS.items():
            traces[(key, name)] = [fn(problem, factor * len(problem.dims), s) for s in seeds]
    return traces


def report(
    traces: dict[tuple[str, str], list[list[float]]], keys: Sequence[str], factors: Sequence[int]
) -> None:
    names = list(SEARCHERS)
    rows: list[list[Any]] = []
    tally = {name: {"win": 0, "tie": 0, "loss": 0} for name in names[1:]}
    for key in keys:
        problem = FUNCTIONS[key]
        for f in factors:
            k = f * len(problem.dims)
            best = {name: [common.best_at(t, k) for t in traces[(key, name)]] for name in names}
            row: list[Any] = [f"{problem.name} @{f}·d={k}", f"{problem.optimum:.4g}"]
            row.append(common.mean_sd(best[names[0]]))
            for name in names[1:]:
                v = verdict(best[names[0]], best[name])
                tally[name][v] += 1
                row.append(f"{common.mean_sd(best[name])} ({v})")
            rows.append(row)
    common.print_table(
        ["function @budget", "optimum", *names],
        rows,
        "Best value found, mean ± sd over the seeds; in brackets hpmagic's result against that searcher "
        f"(tie: Mann–Whitney p > {P_TIE}, else the lower median wins):",
    )
    common.print_table(
        ["hpmagic against", "wins", "ties", "losses"],
        [[name, t["win"], t["tie"], t["loss"]] for name, t in tally.items()],
        "hpmagic's wins / ties / losses over every function and budget:",
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    keys = [a for a in args if a in FUNCTIONS] or list(QUICK if quick else FUNCTIONS)
    seeds = range(3) if quick else range(10)
    factors = (20,) if quick else (20, 50)
    common.print_header(
        "Held-out test functions",
        "hpmagic default (joint TPE) vs Optuna TPE vs Optuna CMA-ES vs random search",
        f"{', '.join(FUNCTIONS[k].name for k in keys)}; seeds {list(seeds)}; best value after "
        f"{' and '.join(f'{f}·d' for f in factors)} evaluations",
    )
    with common.Timer() as t:
        traces = measure(keys, seeds, max(factors))
    report(traces, keys, factors)
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
