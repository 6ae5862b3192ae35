"""How confident should ``--prune folds`` be? Replay recorded searches at several levels.

A search without pruning is run on each cell of ``time_to_good.py`` with every fold's
error and CPU time recorded. The recorded trials are then fed, in their order and
fold by fold, to ``FoldsPruner`` at each confidence level, and the script prints the
share of the search's CPU time the pruner would have saved (the folds after the one
it stopped at) and the trials it stopped that would have become the best had they
run every fold: the price of stopping early. The search does not react to the
pruning here (in a real run it would propose other points), so this measures the
test alone, on the same trials for every level. The last cell, gradient boosting on
the diabetes set, is held out: the level was not picked on it.

With ``--rules`` the same recorded searches are replayed, at 90 %, under other rules
than the one ``--prune folds`` uses, to show why it is that one: a test of whether the
trial ends worse on these 5 folds only (a smaller standard error as folds run), the
confidence lowered for trials whose folds cost more than the median trial's (and
raised for cheaper ones), and the pooled variance counted as 10 degrees of freedom
instead of 4.

    nice python benchmarks/fold_replay.py                 # 4 cells (one held out) × 2 seeds × 60 CPU-s, ~8 minutes
    nice python benchmarks/fold_replay.py --rules         # the same searches under other rules
    python benchmarks/fold_replay.py --quick              # one small cell: seconds
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

try:
    from . import common, time_to_good
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]
    import time_to_good  # type: ignore[no-redef]

LEVELS = (0.95, 0.9, 0.8, 0.7)


def held_out() -> Any:
    """A cell the confidence level was not picked on: gradient boosting on the 442 rows of the
    diabetes set, whose folds are small and noisy (RMSE), where a stopped would-be best is likeliest."""

    def data() -> tuple[Any, Any]:
        from sklearn.datasets import load_diabetes

        return load_diabetes(return_X_y=True)

    return time_to_good.Cell(
        key="gbr (held out)", title="GradientBoostingRegressor on diabetes (RMSE)", budget=60.0,
        data=data, model="GradientBoostingRegressor",
        space={
            "learning_rate": ("log", 0.01, 1.0), "n_estimators": ("int", 20, 300),
            "max_depth": ("int", 1, 6), "subsample": ("uniform", 0.3, 1.0),
        },
        scoring="neg_root_mean_squared_error", classifier=False, error=lambda s: -s,
    )  # fmt: skip


def record(cell: Any, seed: int, budget: float) -> list[list[tuple[float, float]]]:
    """Each trial's folds as (error, CPU seconds), from hpmagic's search without pruning."""
    import numpy as np
    from sklearn.model_selection import cross_validate

    from hpmagic import Options, create_study

    X, y = cell.data()
    splits = list(time_to_good.splitter(cell).split(X, y))
    trials: list[list[tuple[float, float]]] = []

    def scored(model: Any, X: Any, y: Any, cv: Any = None, scoring: str = "") -> Any:
        folds, scores = [], []
        for split in splits:
            start = time.process_time()
            score = float(cross_validate(model, X, y, cv=[split], scoring=scoring)["test_score"][0])
            folds.append((cell.error(score), time.process_time() - start))
            scores.append(score)
        trials.append(folds)
        return np.array(scores)

    text = time_to_good.hpmagic_cell(cell).replace("tune.cross_val_score", "scored")
    namespace = {**time_to_good.cell_namespace(cell, X, y), "scored": scored}
    start = time.process_time()

    class Budget:
        def trial_ended(self, study: Any, trial: Any) -> None:
            if time.process_time() - start > budget:
                study.stop()

    study = create_study(text, namespace, Options(seed=seed))
    study.subscribe(Budget())
    study.run(100_000).wait()
    return trials


def rules(trials: list[list[tuple[float, float]]]) -> dict[str, Any]:
    """Name → a pruner at 90 %: the one ``--prune folds`` uses, then the rules it was measured against."""
    import math
    import statistics

    from hpmagic.search.folds import FoldsPruner

    seconds = {number: sum(s for _, s in folds) / len(folds) for number, folds in enumerate(trials)}

    class OnTheseFolds(FoldsPruner):
        def _standard_error(self, variance: float, k: int, n: int) -> float:
            return math.sqrt(variance * (n - k) / (n * k))

    class ByCost(FoldsPruner):
        def _confidence(self, number: int, full: dict[int, list[float]]) -> float:
            ratio = seconds[number] / statistics.median(seconds[t] for t in full)
            return max(0.6, min(0.97, 1 - (1 - self.confidence) * ratio))

    return {
        "--prune folds": FoldsPruner(0.9),
        "ends worse on these folds": OnTheseFolds(0.9),
        "confidence by cost": ByCost(0.9),
        "pooled variance as 10 df": FoldsPruner(0.9, prior_df=10),
    }


def replay(trials: list[list[tuple[float, float]]], confidence: float | Any) -> tuple[float, int, int]:
    """(share of CPU saved, trials stopped, stopped trials that would have become the best);
    ``confidence`` is a level for ``FoldsPruner`` or a pruner."""
    from hpmagic.search.folds import FoldsPruner

    pruner = FoldsPruner(confidence=confidence) if isinstance(confidence, float) else confidence
    study = SimpleNamespace(direction="minimize")
    total = sum(seconds for folds in trials for _, seconds in folds)
    saved, stopped, lost, best = 0.0, 0, 0, float("inf")
    for number, folds in enumerate(trials):
        mean = sum(error for error, _ in folds) / len(folds)
        for k, (error, _) in enumerate(folds):
            if pruner.should_prune(study, number, k, -error, folds=len(folds)) is not False:
                saved += sum(seconds for _, seconds in folds[k + 1 :])
                stopped += 1
                lost += mean < best
                break
        else:
            best = min(best, mean)
    return saved / total if total else 0.0, stopped, lost


def bands(trials: list[list[tuple[float, float]]], cell: Any) -> str:
    """Shares of the CPU time spent in trials that ended good (as ``time_to_good`` counts, from the
    best trial's error), within 5 %, and further behind."""
    means = [sum(e for e, _ in folds) / len(folds) for folds in trials]
    costs = [sum(s for _, s in folds) for folds in trials]
    best, total = min(means, default=0.0), sum(costs) or 1.0
    edges = [cell.good(best, share) for share in (0.01, 0.05)]
    kind = [0 if m <= edges[0] else 1 if m <= edges[1] else 2 for m in means]
    return " · ".join(f"{sum(c for k, c in zip(kind, costs) if k == i) / total:.0%}" for i in range(3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small SVC cell, one seed, 2 CPU-s")
    parser.add_argument("--seeds", type=int, default=None, help="searches recorded per cell (default 2)")
    parser.add_argument("--cells", default=None, help="comma-separated: hgb,svc,rf,gbr (default: all)")
    parser.add_argument("--budget", type=float, default=None, help="CPU seconds per search (default 60)")
    parser.add_argument(
        "--rules", action="store_true", help="replay at 90 %% under other rules than the default's"
    )
    args = parser.parse_args(argv)
    cells = time_to_good.cells(args.quick)
    if not args.quick:
        cells["gbr"] = held_out()
    cells = time_to_good.only(cells, args.cells)
    seeds = range(args.seeds or (1 if args.quick else 2))
    budget = args.budget or (2.0 if args.quick else 60.0)
    names = list(rules([])) if args.rules else [f"{level:.0%}" for level in LEVELS]
    common.print_header(
        "Fold pruning replayed "
        + ("under other rules, at 90 %" if args.rules else "at several confidence levels"),
        ", ".join(names),
        f"{len(cells)} cells × {len(seeds)} recorded searches of {budget:g} CPU-s, no pruning, 5 folds",
    )
    rows = []
    for cell in cells.values():
        for seed in seeds:
            trials = record(cell, seed, budget)
            pruners = list(rules(trials).values()) if args.rules else list(LEVELS)
            cells_out = []
            for pruner in pruners:
                share, stopped, lost = replay(trials, pruner)
                cells_out.append(f"{share:.0%} · {stopped} · {lost}")
            rows.append([f"{cell.key} seed {seed}", str(len(trials)), bands(trials, cell), *cells_out])
    common.print_table(
        [
            "search",
            "trials",
            "CPU: good · ≤5 % · further",
            *(f"{name}: saved · stopped · lost" for name in names),
        ],
        rows,
        "Share of CPU time saved · trials stopped · stopped trials that would have become the best. "
        "The third column: where the search's CPU time went, by how far each trial's mean error "
        "ended behind the search's best (good: within 1 % or one sample, as time_to_good.py counts; "
        "no test should stop those)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
