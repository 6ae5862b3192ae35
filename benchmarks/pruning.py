"""Pruning against no pruning on an iterative model: compute spent and best value found.

An SGDClassifier is trained on digits with ``partial_fit``, one epoch at a time,
reporting its validation error after each epoch; the objective is the error
after the last epoch. For each setting the same TPE study (same trials budget)
runs for several seeds; printed are the mean and spread of the run's CPU time
(all serial, so this is the compute spent), the epochs trained and the best value.

Settings: no pruning; ``--prune median``; ``--prune halving``; ``--prune hyperband``
with the search told of the trials stopped at every rung (lifted to the worst
complete loss, the default) or only of those that reached the top (pruned ones
not told); for median, how pruned trials are shown to TPE (``SearchSettings.pruned``:
lifted to the worst complete loss, the default; their last value; not told at
all); and median with twice the trials, which is what the saved compute buys.

    python benchmarks/pruning.py            # 10 seeds, 40 trials, 20 epochs
    python benchmarks/pruning.py --quick    # 3 seeds, 20 trials, 8 epochs: under a minute
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hpmagic import Options, create_study  # noqa: E402
from hpmagic.search.searcher import SearchSettings  # noqa: E402

CELL = """
import warnings
import numpy as np
from sklearn.linear_model import SGDClassifier

model = SGDClassifier(
    loss=tune.choice(["hinge", "log_loss", "modified_huber", "perceptron"]),
    alpha=tune.loguniform(1e-7, 1e-0),
    learning_rate=tune.choice(["constant", "invscaling", "adaptive", "optimal"]),
    eta0=tune.loguniform(1e-6, 1.0),
    random_state=0,
)
classes = np.unique(y_train)
error = 1.0
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for epoch in range(EPOCHS):
        model.partial_fit(X_train, y_train, classes=classes)
        error = 1.0 - model.score(X_val, y_val)
        tune.report(error, step=epoch)
error
"""

#: (label, --prune, PRUNED_POLICY, trials as a multiple of the budget)
SETTINGS = [
    ("none", "none", "worst", 1),
    ("median", "median", "worst", 1),
    ("halving", "halving", "worst", 1),
    ("hyperband, search told every rung", "hyperband", "worst", 1),
    ("hyperband, search told the top rung only", "hyperband", "none", 1),
    ("median, pruned told last value", "median", "last", 1),
    ("median, pruned not told", "median", "none", 1),
    ("median, 2x trials", "median", "worst", 2),
]


def namespace(epochs: int) -> dict:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return {
        "X_train": scaler.transform(X_train),
        "X_val": scaler.transform(X_val),
        "y_train": y_train,
        "y_val": y_val,
        "EPOCHS": epochs,
    }


def run_once(ns: dict, prune: str, policy: str, seed: int, trials: int) -> dict[str, float]:
    settings = SearchSettings(pruned=policy)
    study = create_study(
        CELL, ns, Options(max_evals=trials, seed=seed, prune=prune), search_settings=settings
    )
    wall, cpu = time.perf_counter(), time.process_time()
    study.run().wait()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if study.end_reason != "completed":
        raise RuntimeError(f"run ended early: {study.message}\n{study.log.getvalue()}")
    return {
        "wall": wall,
        "cpu": cpu,
        "epochs": float(sum(len(t.reports) for t in study.trials)),
        "best": float(study.best_value),
        "pruned": float(study.counts()["pruned"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 20 trials, 8 epochs (under a minute)")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)
    seeds = args.seeds or (3 if args.quick else 10)
    trials = args.trials or (20 if args.quick else 40)
    epochs = args.epochs or (8 if args.quick else 20)

    print(common.machine_line())
    print(
        f"SGDClassifier on digits, partial_fit epochs: {seeds} seeds × {trials} TPE trials × {epochs} epochs"
    )
    ns = namespace(epochs)
    print(
        "time: CPU seconds of the run (all serial; wall time is noisy on a shared machine); "
        "epochs: epochs trained over all trials"
    )
    print(f"{'setting':42} {'CPU time (s)':>16} {'epochs':>7} {'best val. error':>18} {'pruned':>7}")
    baseline = None
    for label, prune, policy, factor in SETTINGS:
        runs = [run_once(ns, prune, policy, seed, trials * factor) for seed in range(seeds)]
        cpu = [r["cpu"] for r in runs]
        epochs_mean = statistics.fmean(r["epochs"] for r in runs)
        baseline = baseline or epochs_mean
        print(
            f"{label:42} {common.mean_sd(cpu, 2):>16} {epochs_mean:>7.0f} {common.mean_sd([r['best'] for r in runs], 4):>18} "
            f"{statistics.fmean(r['pruned'] for r in runs):>7.1f}   "
            f"({epochs_mean / baseline:.0%} of the epochs without pruning)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
