"""What ``--mlflow`` costs the search: 1000 trivial trials with and without it.

    python benchmarks/mlflow_overhead.py [--quick]

Headless, in one process, against a real MLflow SQLite tracking store in a
temporary directory (MLflow's default kind of store). The same trivial cell
(``x1 + x2``) runs with the same seed, store on as users have it; the figure is
the search's wall time from ``run()`` to ``wait()`` returning, best of the
repeats, with MLflow off and on (target: on/off < 1.10). MLflow is imported and
its store created before timing (a kernel pays that once, in the logging
thread). The logging thread writes its backlog after the run: the time it then
needs to finish ("drain") and MLflow's cost per trial are shown beside.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hpmagic import Options, create_study  # noqa: E402
from hpmagic.integrations.mlflow import flush  # noqa: E402

CELL = "x1 = tune.uniform(-5, 10)\nx2 = tune.uniform(0, 15)\nx1 + x2\n"


def run_study(n: int, algo: str, store: str, mlflow: bool) -> tuple[float, float]:
    """The search's wall time for n trials, and the logging thread's drain after it."""
    options = Options(store=store, algo=algo, seed=0, name=f"bench-{uuid.uuid4().hex[:8]}")
    if mlflow:
        options.mlflow = "bench"
    study = create_study(CELL, {}, options)
    t0 = time.perf_counter()
    study.run(n).wait()
    ran = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert flush(study, 600), "the MLflow backlog did not drain in 10 minutes"
    assert not study.notes, study.notes
    return ran, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 trials, one repeat")
    args = parser.parse_args(argv)
    n, repeats = (200, 1) if args.quick else (1000, 3)
    import mlflow

    print(common.machine_line() + f"; MLflow {mlflow.__version__}")
    rows = []
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # MLflow puts the artifacts of a SQLite store in ./mlruns
        os.environ["MLFLOW_TRACKING_URI"] = "sqlite:///" + os.path.join(tmp, "mlflow.db")
        store = os.path.join(tmp, "studies.db")
        run_study(20, "rand", store, True)  # imports, the tracking store's tables
        for algo in ("rand", "tpe"):
            offs, ons, drains = [], [], []
            for _ in range(repeats):  # alternate, keep the best of each
                offs.append(run_study(n, algo, store, False)[0])
                on, drain = run_study(n, algo, store, True)
                ons.append(on)
                drains.append(drain)
            rows.append((algo, min(offs), min(ons), min(drains)))
        os.chdir(cwd)
    print()
    print("| algo | trials | off s | --mlflow s | ratio | drain after s | MLflow ms/trial |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for algo, off, on, drain in rows:
        print(
            f"| {algo} | {n} | {off:.2f} | {on:.2f} | {on / off:.3f} | {drain:.1f} | {(on - off + drain) / n * 1000:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
