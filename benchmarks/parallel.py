"""Speedup of parallel trials over serial ones, and how long a worker stands idle between trials.

    python benchmarks/parallel.py [--quick]

Two workloads: a pure-Python loop of about 0.2 s per trial (TPE, as users run it;
the work does not depend on the point) and an SVC on the digits data (random
search, so that every mode evaluates the very same points). Each runs serially
(the study's own thread), with ``--parallel 2`` (local worker processes) and on a
Dask LocalCluster of 2 single-threaded worker processes. Workers are warmed by a
first run of two trials before the timed run: they are kept warm for the study.
The idle gap is measured by the workers themselves: from sending one trial's
result to receiving the next trial (its median and 90th percentile, in ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

LOOP_CELL = """
x = tune.uniform(-5, 5)
y = tune.uniform(-5, 5)
spin(rounds)
(x - 1) ** 2 + (y + 2) ** 2
"""

SVC_CELL = """
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC
model = SVC(C=tune.loguniform(1e-1, 1e2), gamma=tune.loguniform(1e-4, 3e-3))
1 - cross_val_score(model, X, y, cv=3).mean()
"""


def spin(rounds: int) -> int:
    """CPU-bound pure Python (defined in __main__, so it travels to workers by value)."""
    total = 0
    for i in range(rounds):
        total += i * i % 7
    return total


def calibrate(seconds: float) -> int:
    """Loop rounds that take about ``seconds`` on this machine now."""
    rounds = 100_000
    while True:
        start = time.perf_counter()
        spin(rounds)
        took = time.perf_counter() - start
        if took > 0.05:
            return max(1, int(rounds * seconds / took))
        rounds *= 2


REPORT_CELL = """
import time
x = tune.uniform(0, 1)
start = time.perf_counter()
for step in range(20):
    tune.report(x, step)
(time.perf_counter() - start) / 20 * 1000
"""


def report_round_trip(**mode: Any) -> float:
    """Median ms for one ``tune.report`` to reach the study and its answer to come back."""
    from hpmagic import Options, create_study

    study = create_study(REPORT_CELL, {}, Options(max_evals=6, algo="rand", **mode))
    study.on_report = lambda number, value, step: None  # the study now answers every report
    try:
        study.run().wait()
        return statistics.median(t.value for t in study.trials)
    finally:
        study.close()


def timed_run(cell: str, namespace: dict[str, Any], n: int, algo: str, **mode: Any) -> dict[str, Any]:
    from hpmagic import Options, create_study

    options = Options(max_evals=n, algo=algo, seed=7, **mode)
    study = create_study(cell, namespace, options)
    try:
        warm = max(2, study._executor.slots) if mode else 0
        if warm:
            study.run(warm).wait()
        start = time.perf_counter()
        study.run(n).wait()
        elapsed = time.perf_counter() - start
        trials = study.trials[warm:]
        bad = [t.error for t in trials if t.state != "complete"]
        if bad:
            raise RuntimeError(f"trials failed: {bad[:3]}")
        gaps = getattr(study._executor, "idle_gaps", None)
        timed = {t.number for t in trials}
        gap_ms = sorted(v for k, v in (gaps() if gaps else {}).items() if k in timed)
        slots = study._executor.slots if mode else 1
        return {
            "seconds": elapsed,
            "per_trial": statistics.mean(t.duration for t in trials),
            # share of the slots' time spent inside trials: what the executor loses, apart from
            # trials running slower when the CPUs are shared
            "busy": sum(t.duration for t in trials) / (slots * elapsed),
            "gaps": gap_ms,
        }
    finally:
        study.close()


def gap_text(gaps: list[float]) -> str:
    if not gaps:
        return "-"
    p90 = gaps[min(len(gaps) - 1, int(0.9 * len(gaps)))]
    return f"{statistics.median(gaps):.2f} / {p90:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter trials (under a minute)")
    args = parser.parse_args(argv)
    n, seconds = (16, 0.15) if args.quick else (40, 0.2)

    from distributed import Client, LocalCluster
    from sklearn.datasets import load_digits

    print(common.machine_line(["distributed"]))
    rounds = calibrate(seconds)
    X, y = load_digits(return_X_y=True)
    workloads = {
        f"pure-Python loop ~{seconds:g}s, tpe": (LOOP_CELL, {"spin": spin, "rounds": rounds}, "tpe"),
        "SVC on digits, cv=3, rand": (SVC_CELL, {"X": X, "y": y}, "rand"),
    }
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    client = Client(cluster, set_as_default=False)
    try:
        print(
            f"{n} trials per run; busy = time in trials / (trials at once x seconds); "
            "idle gap = median / p90 ms per trial"
        )
        header = f"{'workload':<32} {'mode':<12} {'seconds':>8} {'s/trial':>8} {'busy':>6} {'speedup':>8}  idle gap"
        print(header)
        print("-" * len(header))
        for name, (cell, namespace, algo) in workloads.items():
            serial = timed_run(cell, namespace, n, algo)
            runs = {
                "serial": serial,
                "--parallel 2": timed_run(cell, namespace, n, algo, parallel=2),
                "dask 2x1": timed_run(cell, namespace, n, algo, dask=cluster.scheduler_address),
            }
            for mode, r in runs.items():
                speedup = serial["seconds"] / r["seconds"]
                print(
                    f"{name:<32} {mode:<12} {r['seconds']:8.2f} {r['per_trial']:8.3f} {r['busy']:6.0%} "
                    f"{speedup:7.2f}x  {gap_text(r['gaps'])}"
                )
        print("targets: --parallel 2 >= 1.8x, dask with 2 workers >= 1.7x (on an otherwise idle machine)")
        trips = {
            "in the kernel": report_round_trip(),
            "--parallel 2": report_round_trip(parallel=2),
            "dask 2x1": report_round_trip(dask=cluster.scheduler_address),
        }
        print("tune.report round trip, median ms:", "; ".join(f"{k} {v:.3f}" for k, v in trips.items()))
    finally:
        client.close()
        cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
