"""Does one refinement halfway help? Best value after 30 + 20 trials with a zoom, against 50 without.

The refinement is the rule the sliders' "Zoom to best" button applies
(``Study.suggest_refinement()``: each numeric range narrowed to the span of the
best 25 % of trials, padded by 10 % of that span and at least 5 % of the range),
applied once after the first 30 trials; the study then runs 20 more, warm-started
from the trials inside the new space. The baseline runs 50 trials straight.
Both go through hpmagic's own Study (hyperopt TPE with hpmagic's settings), one
seed per pair, so the first 30 trials of both arms are the same.

    python benchmarks/refine.py            # 10 seeds on Branin and SVC on digits
    python benchmarks/refine.py --quick    # a smoke run, under a minute
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import hpmagic  # noqa: E402
from hpmagic import Options  # noqa: E402

BRANIN = """
import math
x1 = tune.uniform(-5, 10)
x2 = tune.uniform(0, 15)
b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
(x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10
"""
BRANIN_OPTIMUM = 0.397887

SVC_DIGITS = """
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC
model = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e-1))
1 - cross_val_score(model, X, y, cv=3).mean()
"""


def namespace(problem: str) -> dict[str, Any]:
    if problem == "svc":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return {"X": X, "y": y}
    return {}


def one_run(source: str, ns: dict[str, Any], seed: int, first: int, second: int, refine: bool) -> dict:
    """Best value of one study: ``first`` trials, maybe a zoom, then ``second`` more."""
    study = hpmagic.create_study(source, ns, Options(seed=seed, max_evals=first))
    study.run(first).wait()
    ranges: dict[str, Any] = {}
    if refine:
        ranges = study.suggest_refinement()
        study.refine(**ranges)
    study.run(second).wait()
    assert len(study.trials) == first + second, study.summary()
    return {
        "best": study.best_value,
        "ranges": ranges,
        "inside": sum(study.is_inside(t) for t in study.trials[:first]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few seeds and trials, under a minute")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per problem (default 10, quick 3)")
    parser.add_argument("--first", type=int, default=30, help="trials before the refinement")
    parser.add_argument("--second", type=int, default=20, help="trials after it")
    parser.add_argument("--problems", default="branin,svc", help="comma list of branin, svc")
    args = parser.parse_args(argv)
    seeds = args.seeds or (3 if args.quick else 10)
    problems = [p.strip() for p in args.problems.split(",") if p.strip()]
    print("## refine: one zoom after the first trials, against no zoom\n")
    print(common.machine_line() + "\n")
    print(
        f"Workload: {seeds} seeds; refine arm = {args.first} trials, suggest_refinement(), "
        f"{args.second} trials; baseline = {args.first + args.second} trials; TPE\n"
    )
    rows = []
    for problem in problems:
        source = {"branin": BRANIN, "svc": SVC_DIGITS}[problem]
        ns = namespace(problem)
        n_seeds = 1 if (args.quick and problem == "svc") else seeds
        first, second = args.first, args.second
        if args.quick and problem == "svc":
            first, second = 12, 8
        t0 = time.perf_counter()
        zoomed, plain, inside = [], [], []
        for seed in range(n_seeds):
            r = one_run(source, ns, seed, first, second, refine=True)
            b = one_run(source, ns, seed, first, second, refine=False)
            zoomed.append(r["best"])
            plain.append(b["best"])
            inside.append(r["inside"])
            print(
                f"  {problem} seed {seed}: zoom {r['best']:.5g}  plain {b['best']:.5g}  "
                f"ranges {{{', '.join(f'{k}: ({lo:.3g}, {hi:.3g})' for k, (lo, hi) in r['ranges'].items())}}}",
                flush=True,
            )
        wins = sum(z < p for z, p in zip(zoomed, plain))
        rows.append(
            (
                problem,
                f"{first}+{second}",
                common.mean_sd(zoomed),
                common.mean_sd(plain),
                f"{wins}/{n_seeds}",
                f"{statistics.fmean(inside):.1f}/{first}",
                f"{time.perf_counter() - t0:.1f}",
            )
        )
    print()
    print(
        "| problem | trials | best with one zoom (mean ± sd) | best without | zoom better | first trials inside the zoom | seconds |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if "branin" in problems:
        print(f"\nBranin's optimum is {BRANIN_OPTIMUM}. Lower is better everywhere (SVC: 1 - CV accuracy).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
