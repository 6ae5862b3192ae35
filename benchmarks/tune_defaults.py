"""The search for hpmagic's TPE settings (``hpmagic.search.joint_tpe.JointTPESettings``).

hpmagic's TPE on flat spaces is its joint (multivariate) Parzen estimator,
:mod:`hpmagic.search.joint_tpe`. Candidate settings are run through hpmagic itself
(``create_study`` headless, the settings swapped in for the run) on the problems
used to *choose* — Branin (2-d) and Hartmann-6 (6-d) — over seeds 100–199, which
``quality.py`` (seeds 0–9) does not use; then the chosen settings are *checked* on
problems that played no part in choosing: Levy (4-d) and the SVC on digits. A
candidate's ratios are its mean regret (best found − optimum) over raw hyperopt's
(fmin defaults), one per problem and budget. Chosen: the worst ratio ≤ 1 first
("never worse than raw hyperopt"), then the lowest geometric mean of the ratios.

The search is coordinate-wise: the kernel width rule first (Scott's rule on each
mixture's size, or widths annealed with the number of trials, ``bandwidth`` ×
((n + 1) / (start-up + 1)) ^ −``anneal``) at several initial widths, then the number
of candidates, the prior's weight, gamma and the number of start-up trials around the
best so far. Levy-4 was the check problem of a first version (fixed widths, Scott's
rule), where hpmagic came out worse than raw hyperopt at 100 evaluations; the annealed
widths answer it, so Styblinski-Tang (4-d) joined the checks as a problem never looked
at while designing.

``--hyperopt`` instead searches the settings of hyperopt's own TPE
(``hpmagic.search.hyperopt_driver.HyperoptTPESettings``; ``--algo hyperopt`` itself keeps
hyperopt's defaults), with the joint estimator switched off for the run.

    python benchmarks/tune_defaults.py [--quick] [--hyperopt]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

CHOOSE_ON = ("branin", "hartmann6")
CHECK_ON = ("levy4", "styblinski4", "svc")
BUDGETS = (50, 100)


def regrets(traces: list[list[float]], problem: common.Problem, k: int) -> np.ndarray:
    opt = problem.optimum if problem.optimum is not None else 0.0
    return np.array([common.best_at(t, k) - opt for t in traces])


def run_many(fn: Any, problem: common.Problem, n: int, seeds: Sequence[int]) -> list[list[float]]:
    return [fn(problem, n, s) for s in seeds]


def hpmagic_with(settings: dict[str, Any], hyperopt: bool = False) -> Any:
    def run(problem: common.Problem, n: int, seed: int) -> list[float]:
        return common.run_hpmagic(problem, n, seed, settings=common.search_settings(settings, hyperopt))

    return run


def describe(settings: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def candidates_hyperopt(consider: Any, best_so_far: Any, quick: bool) -> None:
    """hyperopt's TPE: gamma × n_EI_candidates, then start-up trials and prior_weight."""
    best = {"n_startup_jobs": 10, "n_EI_candidates": 24, "gamma": 0.25, "prior_weight": 1.0}
    for gamma in (0.25, 0.5, 1.0, 1.5, 2.0) if not quick else (0.25, 1.0):
        for cand in (24, 64, 256) if not quick else (24, 64):
            consider({**best, "gamma": gamma, "n_EI_candidates": cand})
    if quick:
        return
    best = best_so_far()
    for startup in (5, 15, 20):
        consider({**best, "n_startup_jobs": startup})
    for per_dim in (2, 3):
        consider({**best, "n_startup_jobs": 5, "n_startup_per_dim": per_dim})
    best = best_so_far()
    for pw in (0.5, 2.0):
        consider({**best, "prior_weight": pw})


def candidates_joint(consider: Any, best_so_far: Any, quick: bool) -> None:
    """The joint estimator: kernel width rule (Scott's, or annealed at several rates) × initial
    width, then candidates, the prior's weight, gamma and start-up trials around the best so far."""
    best = {"n_startup_jobs": 5, "n_EI_candidates": 24, "gamma": 0.5, "prior_weight": 1.0}
    if quick:
        for anneal, bandwidth in ((0.0, 0.05), (0.7, 0.2)):
            consider({**best, "bandwidth": bandwidth, "anneal": anneal})
        return
    for bandwidth in (0.05, 0.1, 0.2):
        consider({**best, "bandwidth": bandwidth, "anneal": 0.0})
    for anneal in (0.5, 0.7, 0.9):
        for bandwidth in (0.15, 0.2, 0.3):
            consider({**best, "bandwidth": bandwidth, "anneal": anneal})
    best = best_so_far()
    for cand in (12, 64):
        consider({**best, "n_EI_candidates": cand})
    best = best_so_far()
    for pw in (0.5, 2.0):
        consider({**best, "prior_weight": pw})
    best = best_so_far()
    for gamma in (0.35, 0.75):
        consider({**best, "gamma": gamma})
    best = best_so_far()
    for startup in (3, 10):
        consider({**best, "n_startup_jobs": startup})


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    hyperopt = common.get_flag(argv, "--hyperopt")
    seeds = range(100, 103) if quick else range(100, 200)
    svc_seeds = range(100, 110)
    budget = max(BUDGETS) if not quick else 50
    budgets = (50,) if quick else BUDGETS
    choose = CHOOSE_ON if not quick else ("branin",)
    check = CHECK_ON if not quick else ()
    which = "hyperopt's TPE (HyperoptTPESettings)" if hyperopt else "joint TPE (JointTPESettings)"
    common.print_header(
        f"Choosing hpmagic's TPE settings: {which}",
        "hpmagic (create_study, store off) with candidate settings vs raw hyperopt fmin (TPE defaults)"
        " and Optuna's default TPE",
        f"choose on {', '.join(choose)}; check on {', '.join(check) or '—'}; seeds {seeds.start}–"
        f"{seeds.stop - 1} (SVC: {svc_seeds.start}–{svc_seeds.stop - 1}); best value after "
        f"{', '.join(map(str, budgets))} evaluations; ratio = mean regret ÷ raw hyperopt's (lower is "
        "better, ≤ 1 = not worse)",
    )
    from dataclasses import asdict

    from hpmagic.search.searcher import SearchSettings

    defaults = SearchSettings()
    current = asdict(defaults.hyperopt_tpe if hyperopt else defaults.joint)
    problems = {k: common.PROBLEMS[k] for k in choose + check}
    baseline: dict[str, dict[int, float]] = {}
    optuna: dict[str, dict[int, float]] = {}

    def seeds_for(key: str) -> Sequence[int]:
        return svc_seeds if key == "svc" and not quick else seeds

    def measure_baselines(keys: Sequence[str]) -> None:
        for key in keys:
            problem = problems[key]
            hy = run_many(common.run_hyperopt, problem, budget, seeds_for(key))
            op = run_many(common.run_optuna, problem, budget, seeds_for(key))
            baseline[key] = {k: float(regrets(hy, problem, k).mean()) for k in budgets}
            optuna[key] = {k: float(regrets(op, problem, k).mean()) for k in budgets}
            print(f"  baselines on {key} done", file=sys.stderr, flush=True)

    measure_baselines(choose)

    def evaluate(
        settings: dict[str, Any], keys: Sequence[str]
    ) -> tuple[tuple[bool, float, float], list[float]]:
        fn = hpmagic_with(settings, hyperopt)
        ratios, means = [], []
        for key in keys:
            traces = run_many(fn, problems[key], budget, seeds_for(key))
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

    consider(current)
    (candidates_hyperopt if hyperopt else candidates_joint)(consider, best_so_far, quick)
    best_settings = best_so_far()
    common.print_table(
        ["settings", *[f"mean regret {c}" for c in cols], "geometric mean ratio", "worst ratio"],
        rows,
        "Mean regret (best found − optimum) per candidate; ratios are to raw hyperopt's mean regret "
        "(chosen: worst ratio ≤ 1 first, then the lowest geometric mean):",
    )
    print(f"Chosen: `{describe(best_settings)}` (hpmagic's current settings: `{describe(current)}`)\n")

    if check:
        measure_baselines(check)
        check_rows = []
        for key in check:
            problem = problems[key]
            chosen = run_many(hpmagic_with(best_settings, hyperopt), problem, budget, seeds_for(key))
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


_WORDS: dict[str, Any] = {"None": None, "True": True, "False": False}


def _parse(name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in name.split(", "):
        k, v = part.split("=")
        if v in _WORDS:  # a switch such as recombine=None
            out[k] = _WORDS[v]
        else:
            out[k] = int(v) if k in ("n_startup_jobs", "n_EI_candidates", "n_startup_per_dim") else float(v)
    return out


if __name__ == "__main__":
    main()
