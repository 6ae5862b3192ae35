"""The GP's cost: seconds per suggest and peak memory as a study grows, against the joint TPE.

Workload: a 5-d space of uniform numbers (and a 10-d one), N ended trials at random points
with the sphere's values told to a fresh searcher (``make_searcher`` with that history),
then R suggestions without telling: the median CPU time of one (the process's, on one BLAS
thread: what it takes on an idle core, whatever else the machine runs), and the peak of Python's
allocations during them (``tracemalloc``: the model's arrays, not the imports). ``auto`` at
N ≥ 200 is the joint TPE by its rule, which is the point: its suggest stays in milliseconds.

    python benchmarks/gp_latency.py [--quick]
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Sequence

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]


def measure(algo: str, d: int, n: int, repeats: int) -> tuple[float, float]:
    """Median CPU seconds per suggest and peak MB allocated while suggesting, after ``n`` trials."""
    from hpmagic.core.space import Dimension, Space
    from hpmagic.search.searcher import make_searcher

    space = Space([Dimension(f"x{i}", f"x{i}", "uniform", 1, low=-5.0, high=5.0) for i in range(d)])
    rng = np.random.default_rng(0)
    points = rng.uniform(-5, 5, (n, d))
    history = [
        (k, {f"x{i}": float(v) for i, v in enumerate(p)}, float((p**2).sum()), False)
        for k, p in enumerate(points)
    ]
    searcher = make_searcher(algo, space, np.random.default_rng(1), history)
    searcher.ask(n)  # imports and the first fit's start, outside the figures
    times = []
    tracemalloc.start()
    for k in range(repeats):
        start = time.process_time()
        searcher.ask(n + 1 + k)
        times.append(time.process_time() - start)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    sizes = (20, 100) if quick else (20, 100, 300, 1000)
    repeats = 3 if quick else 7
    common.print_header(
        "GP suggest cost",
        "hpmagic --algo gp, auto and tpe",
        f"5-d and 10-d uniform spaces, N told trials (random points, sphere values), median of {repeats} "
        f"suggestions at N = {', '.join(map(str, sizes))}",
    )
    from threadpoolctl import threadpool_limits

    rows = []
    with threadpool_limits(1):
        for d in (5, 10):
            for n in sizes:
                row: list[object] = [f"{d}-d, N = {n}"]
                for algo in ("gp", "auto", "tpe"):
                    secs, peak = measure(algo, d, n, repeats)
                    row += [f"{secs:.3f}", f"{peak:.1f}"]
                rows.append(row)
    common.print_table(
        ["trials", "gp s", "gp MB", "auto s", "auto MB", "tpe s", "tpe MB"],
        rows,
        "CPU seconds per suggest (median) and peak MB allocated while suggesting",
    )


if __name__ == "__main__":
    main()
