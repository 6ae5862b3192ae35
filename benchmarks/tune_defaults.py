"""The search for the TPE settings hpmagic passes to hyperopt (``hpmagic.search.TPE_SETTINGS``).

Candidates are run through hpmagic itself (``create_study`` headless, the settings
swapped in for the run), on the problems used to *choose* — Branin (2-d) and
Hartmann-6 (6-d) — and then the chosen one is *checked* on problems that played
no part in choosing: Levy (4-d) and the SVC on digits. A candidate's ratios are
its mean regret (best found − optimum) over raw hyperopt's (fmin defaults), one
per problem and budget. Chosen: the worst ratio ≤ 1 first ("never worse than raw
hyperopt"), then the lowest geometric mean of the ratios.

The search is coordinate-wise: gamma × n_EI_candidates first, then the number of
random start-up trials (fixed, or per dimension) and prior_weight around the best so far.

    python benchmarks/tune_defaults.py [--quick]
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

CHOOSE_ON = ("branin", "hartmann6")
CHECK_ON = ("levy4", "svc")
BUDGETS = (50, 100)


@contextlib.contextmanager
def tpe_settings(settings: dict[str, Any]) -> Iterator[None]:
    """hpmagic's TPE settings replaced for the duration (restored after)."""
    from hpmagic import search

    saved = dict(search.TPE_SETTINGS)
    search.TPE_SETTINGS.clear()
    search.TPE_SETTINGS.update(settings)
    try:
        yield
    finally:
        search.TPE_SETTINGS.clear()
        search.TPE_SETTINGS.update(saved)


def regrets(traces: list[list[float]], problem: common.Problem, k: int) -> np.ndarray:
    opt = problem.optimum if problem.optimum is not None else 0.0
    return np.array([common.best_at(t, k) - opt for t in traces])


def run_many(fn: Any, problem: common.Problem, n: int, seeds: Sequence[int]) -> list[list[float]]:
    return [fn(problem, n, s) for s in seeds]


def hpmagic_with(settings: dict[str, Any]) -> Any:
    def run(problem: common.Problem, n: int, seed: int) -> list[float]:
        with tpe_settings(settings):
            return common.run_hpmagic(problem, n, seed)

    return run


def describe(settings: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    seeds = range(3 if quick else 10)
    budget = max(BUDGETS) if not quick else 50
    budgets = (50,) if quick else BUDGETS
    choose = CHOOSE_ON if not quick else ("branin",)
    check = CHECK_ON if not quick else ()
    common.print_header(
        "Choosing hpmagic's TPE settings",
        "hpmagic (create_study, store off) with candidate TPE settings vs raw hyperopt fmin (TPE defaults)"
        " and Optuna's default TPE",
        f"choose on {', '.join(choose)}; check on {', '.join(check) or '—'}; {len(seeds)} seeds; "
        f"best value after {', '.join(map(str, budgets))} evaluations; ratio = mean regret ÷ raw "
        "hyperopt's (lower is better, ≤ 1 = not worse)",
    )
    from hpmagic import search

    current = dict(search.TPE_SETTINGS)
    problems = {k: common.PROBLEMS[k] for k in choose + check}
    baseline: dict[str, dict[int, float]] = {}
    optuna: dict[str, dict[int, float]] = {}

    def measure_baselines(keys: Sequence[str]) -> None:
        for key in keys:
            problem = problems[key]
            hy = run_many(common.run_hyperopt, problem, budget, seeds)
            op = run_many(common.run_optuna, problem, budget, seeds)
            baseline[key] = {k: float(regrets(hy, problem, k).mean()) for k in budgets}
            optuna[key] = {k: float(regrets(op, problem, k).mean()) for k in budgets}
            print(f"  baselines on {key} done", file=sys.stderr, flush=True)

    measure_baselines(choose)

    def evaluate(
        settings: dict[str, Any], keys: Sequence[str]
    ) -> tuple[tuple[bool, float, float], list[float]]:
        fn = hpmagic_with(settings)
        ratios, means = [], []
        for key in keys:
            traces = run_many(fn, problems[key], budget, seeds)
            for k in budgets:
                m = float(regrets(traces, problems[key], k).mean())
                means.append(m)
                ratios.append(m / baseline[key][k] if baseline[key][k] > 0 else 1.0)
        # never worse than raw hyperopt first, then the geometric mean of the ratios
        return (max(ratios) > 1.0, float(np.exp(np.mean(np.log(ratios)))), max(ratios)), means

    cols = [f"{problems[k].name} @{b}" for k in choose for b in budgets]
    rows: list[list[Any]] = [
        ["raw hyperopt (fmin defaults)", *[baseline[k][b] for k in choose for b in budgets], 1.0, 1.0],
        ["Optuna TPE (default)", *[optuna[k][b] for k in choose for b in budgets], "", ""],
    ]
    tried: dict[str, tuple[tuple[bool, float, float], list[float]]] = {}

    def consider(settings: dict[str, Any]) -> None:
        name = describe(settings)
        if name not in tried:
            tried[name] = evaluate(settings, choose)
            (_, geo, worst), means = tried[name]
            rows.append([name, *means, geo, worst])
            print(
                f"  tried {name}: geometric mean ratio {geo:.3f}, worst {worst:.3f}",
                file=sys.stderr,
                flush=True,
            )

    def best_so_far() -> dict[str, Any]:
        return _parse(min(tried, key=lambda n: tried[n][0]))

    best = {"n_startup_jobs": 10, "n_EI_candidates": 24, "gamma": 0.25, "prior_weight": 1.0}
    consider(current)
    grid_gamma = (0.25, 0.5, 1.0, 1.5, 2.0) if not quick else (0.25, 1.0)
    grid_cand = (24, 64, 256) if not quick else (24, 64)
    for gamma in grid_gamma:
        for cand in grid_cand:
            candidate = {**best, "gamma": gamma, "n_EI_candidates": cand}
            consider(candidate)
    best_settings = best_so_far()
    if not quick:
        for startup in (5, 15, 20):
            consider({**best_settings, "n_startup_jobs": startup})
        for per_dim in (2, 3):
            consider({**best_settings, "n_startup_jobs": 5, "n_startup_per_dim": per_dim})
        best_settings = best_so_far()
        for pw in (0.5, 2.0):
            consider({**best_settings, "prior_weight": pw})
        best_settings = best_so_far()
    common.print_table(
        ["settings", *[f"mean regret {c}" for c in cols], "geometric mean ratio", "worst ratio"],
        rows,
        "Mean regret (best found − optimum) per candidate; ratios are to raw hyperopt's mean regret "
        "(chosen: worst ratio ≤ 1 first, then the lowest geometric mean):",
    )
    print(f"Chosen: `{describe(best_settings)}` (hpmagic's current TPE_SETTINGS: `{describe(current)}`)\n")

    if check:
        measure_baselines(check)
        check_rows = []
        for key in check:
            problem = problems[key]
            chosen = run_many(hpmagic_with(best_settings), problem, budget, seeds)
            for k in budgets:
                m = float(regrets(chosen, problem, k).mean())
                check_rows.append(
                    [f"{problem.name} @{k}", baseline[key][k], optuna[key][k], m, m / baseline[key][k]]
                )
        common.print_table(
            ["check problem", "raw hyperopt", "Optuna TPE", "hpmagic chosen", "ratio to hyperopt"],
            check_rows,
            "Check on problems not used to choose (mean regret; the SVC's is its CV error):",
        )


def _parse(name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in name.split(", "):
        k, v = part.split("=")
        out[k] = int(v) if k in ("n_startup_jobs", "n_EI_candidates", "n_startup_per_dim") else float(v)
    return out


if __name__ == "__main__":
    main()
