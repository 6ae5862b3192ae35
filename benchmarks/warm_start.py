"""Does ``--warm-start`` help? A cell re-run on a related task, seeded by the first run's trials.

Each seed runs a *source* study (40 TPE trials) on one task, then the *target* study
on another task of the same family three ways: cold (no warm start), warm-started from
a related source, and warm-started from an unrelated one. Compared: the target's best
value after 10 and 20 of its own trials.

- **Levy family** (4-d on [-10, 10]^4, a multimodal landscape): the target is Levy with
  its optimum moved to (2, 2, 2, 2) (minimum 0); the related source has its optimum at
  (1.5, 1.5, 1.5, 1.5), the unrelated one at (-7, -7, -7, -7), at the other side of
  the box. Each seed draws its own small random tilt of both shifts, so the seeds are
  ten different pairs of tasks.
- **SVC on digits** (C and gamma, log scales; 3-fold CV error): the target is the second
  half of scikit-learn's digits, the related source the first half (another sample of
  the same data); the unrelated source is the first half with its pixels scaled by 1/16,
  where the best gamma is 256 times larger.

    python benchmarks/warm_start.py [--quick] [--seeds 30 --first-seed 10]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

SOURCE_TRIALS = 40
BUDGETS = (10, 20)

LEVY_CELL = """x1 = tune.uniform(-10, 10)
x2 = tune.uniform(-10, 10)
x3 = tune.uniform(-10, 10)
x4 = tune.uniform(-10, 10)
task(x1, x2, x3, x4)"""

SVC_CELL = """C = tune.loguniform(1e-2, 1e3)
gamma = tune.loguniform(1e-5, 1e1)
svc_error(C, gamma)"""


def shifted_levy(center: np.ndarray) -> Any:
    """Levy-4 with its minimum (0) moved from (1, 1, 1, 1) to ``center``."""

    def task(*x: float) -> float:
        return common.levy4(*(np.asarray(x) - center + 1.0))

    return task


def levy_tasks(seed: int) -> dict[str, Any]:
    tilt = np.random.default_rng(1000 + seed).uniform(-0.5, 0.5, 4)
    return {
        "target": shifted_levy(np.full(4, 2.0) + tilt),
        "related": shifted_levy(np.full(4, 1.5) + tilt),
        "unrelated": shifted_levy(np.full(4, -7.0) + tilt),
    }


_DIGITS: Any = None


def svc_tasks(seed: int) -> dict[str, Any]:
    global _DIGITS
    if _DIGITS is None:
        from sklearn.datasets import load_digits

        _DIGITS = load_digits(return_X_y=True)
    X, y = _DIGITS
    half = len(y) // 2

    def error(X: np.ndarray, y: np.ndarray) -> Any:
        def svc_error(C: float, gamma: float) -> float:
            from sklearn.model_selection import cross_val_score
            from sklearn.svm import SVC

            return float(1.0 - cross_val_score(SVC(C=C, gamma=gamma), X, y, cv=3).mean())

        return svc_error

    return {
        "target": error(X[half:], y[half:]),
        "related": error(X[:half], y[:half]),
        "unrelated": error(X[:half] / 16.0, y[:half]),
    }


PROBLEMS = {"levy": (LEVY_CELL, "task", levy_tasks), "svc": (SVC_CELL, "svc_error", svc_tasks)}


def study_trace(problem: str, task: Any, n: int, seed: int, warm: Any = None) -> tuple[list[float], Any]:
    from hpmagic import Options, create_study, tune

    cell, name, _ = PROBLEMS[problem]
    study = create_study(cell, {name: task, "tune": tune}, Options(seed=seed, warm_start=warm))
    study.run(n).wait()
    trials = sorted(study.trials, key=lambda t: t.number)
    if any(t.state != "complete" for t in trials):
        raise RuntimeError(f"trials failed: {[t.error for t in trials if t.error][0]}")
    return [float(t.value) for t in trials], study


def measure(problem: str, seeds: Sequence[int], n: int) -> dict[str, list[list[float]]]:
    """Per seed: the target's trace cold, warm from the related source, warm from the unrelated one."""
    out: dict[str, list[list[float]]] = {"cold": [], "related": [], "unrelated": []}
    for seed in seeds:
        tasks = PROBLEMS[problem][2](seed)
        out["cold"].append(study_trace(problem, tasks["target"], n, seed)[0])
        for kind in ("related", "unrelated"):
            _, source = study_trace(problem, tasks[kind], SOURCE_TRIALS, 10_000 + seed)
            out[kind].append(study_trace(problem, tasks["target"], n, seed, warm=source)[0])
    return out


#: the problem's known minimum; None: the best value any run of this benchmark saw
OPTIMA = {"levy": 0.0, "svc": None}


def rows_of(problem: str, runs: dict[str, list[list[float]]], budgets: Sequence[int]) -> list[list[Any]]:
    """A row per budget: cold, then per kind of source its best, regret ratio and seed wins."""
    known = OPTIMA[problem]
    floor = known if known is not None else min(min(tr) for traces in runs.values() for tr in traces)
    rows = []
    for k in budgets:
        cold = [common.best_at(tr, k) for tr in runs["cold"]]
        row: list[Any] = [f"{problem} @{k}", common.mean_sd(cold)]
        for kind in ("related", "unrelated"):
            warm = [common.best_at(tr, k) for tr in runs[kind]]
            wins = sum(w < c for c, w in zip(cold, warm))
            ties = sum(w == c for c, w in zip(cold, warm))
            regret = np.mean(cold) - floor
            ratio = (np.mean(warm) - floor) / regret if regret > 0 else math.nan
            row += [common.mean_sd(warm), f"{ratio:.3g}×", f"{wins}/{len(cold)} ({ties} tied)"]
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Levy only, 3 seeds")
    parser.add_argument("--seeds", type=int, default=None, help="seeds (default 10; quick: 3)")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed, first-seed + 1, ...")
    args = parser.parse_args(argv)
    quick = args.quick
    problems = ("levy",) if quick else ("levy", "svc")
    seeds = range(args.first_seed, args.first_seed + (args.seeds or (3 if quick else 10)))
    common.print_header(
        "--warm-start",
        "the target study cold, warm-started from a related source study, and from an unrelated one",
        f"{', '.join(problems)}; a {SOURCE_TRIALS}-trial TPE source per seed and kind; seeds {list(seeds)}; "
        f"best of the target's own trials after {', '.join(map(str, BUDGETS))}",
    )
    rows = []
    with common.Timer() as t:
        for problem in problems:
            rows += rows_of(problem, measure(problem, seeds, max(BUDGETS)), BUDGETS)
    common.print_table(
        [
            "problem @trials",
            "cold",
            "warm, related",
            "regret ÷ cold",
            "seeds better",
            "warm, unrelated",
            "regret ÷ cold",
            "seeds better",
        ],
        rows,
        f"Best value of the target (lower is better), mean ± sd over seeds {seeds.start}–{seeds.stop - 1}; "
        "÷ cold: the mean regret over the cold start's (below 1: warm start ahead), regret against "
        "Levy's minimum 0, and for the SVC against the lowest error any run here saw:",
    )
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
