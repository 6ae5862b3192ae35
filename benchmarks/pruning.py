"""Pruning against no pruning on an iterative model: compute spent and best value found.

An SGDClassifier is trained on digits with ``partial_fit``, one epoch at a time,
reporting its validation error after each epoch; the objective is the error
after the last epoch. For each setting the same TPE study (same trials budget)
runs for several seeds, and we print the mean and spread of the run's wall time
(all serial, so this is the compute spent) and of the best value.

Settings: no pruning; ``--prune median``; ``--prune halving``; and, for median,
how pruned trials are shown to TPE (``PRUNED_POLICY``: their last value, lifted
to the worst complete loss, or not told at all).

    python benchmarks/pruning.py            # 10 seeds, 40 trials, 20 epochs
    python benchmarks/pruning.py --quick    # 3 seeds, 20 trials, 8 epochs: under a minute
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hpmagic  # noqa: E402
from hpmagic import Options, create_study, pruning  # noqa: E402

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

SETTINGS = [
    ("none", "none", "last"),
    ("median", "median", "last"),
    ("halving", "halving", "last"),
    ("median, pruned told as worst", "median", "worst"),
    ("median, pruned not told", "median", "none"),
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


def run_once(ns: dict, prune: str, policy: str, seed: int, trials: int) -> tuple[float, float, int]:
    pruning.PRUNED_POLICY = policy
    study = create_study(CELL, ns, Options(store=None, max_evals=trials, seed=seed, prune=prune))
    started = time.perf_counter()
    study.run().wait()
    elapsed = time.perf_counter() - started
    if study.end_reason != "completed":
        raise RuntimeError(f"run ended early: {study.message}\n{study.log.getvalue()}")
    return elapsed, float(study.best_value), study.counts()["pruned"]


def spread(xs: list[float]) -> str:
    mean = statistics.fmean(xs)
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{mean:.4f} ± {sd:.4f}"


def machine() -> str:
    import hyperopt
    import numpy
    import sklearn

    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"{platform.platform()}; {platform.processor() or platform.machine()}; {os.cpu_count()} cores; "
        f"load {', '.join(f'{x:.2f}' for x in load)}\n"
        f"Python {platform.python_version()}, hpmagic {hpmagic.__version__}, hyperopt {hyperopt.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {numpy.__version__}"
    )


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

    print(machine())
    print(
        f"SGDClassifier on digits, partial_fit epochs: {seeds} seeds × {trials} TPE trials × {epochs} epochs"
    )
    ns = namespace(epochs)
    print(f"{'setting':32} {'time (s)':>18} {'best val. error':>18} {'pruned':>8}")
    baseline = None
    for label, prune, policy in SETTINGS:
        times, bests, pruned = [], [], []
        for seed in range(seeds):
            t, b, p = run_once(ns, prune, policy, seed, trials)
            times.append(t)
            bests.append(b)
            pruned.append(p)
        mean_t = statistics.fmean(times)
        baseline = baseline or mean_t
        print(
            f"{label:32} {spread(times):>18} {spread(bests):>18} {statistics.fmean(pruned):>8.1f}"
            f"   ({mean_t / baseline:.0%} of the time without pruning)"
        )
    pruning.PRUNED_POLICY = "last"
    return 0


if __name__ == "__main__":
    sys.exit(main())
