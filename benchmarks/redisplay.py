"""What re-displaying a running study costs the run.

    python benchmarks/redisplay.py [--quick]

In a real kernel, a %%tune study of trivial trials (``--algo rand``, a sum of two
uniforms: the run loop and its listeners are all the cost) runs with its dashboard.
While it runs, ten more cells execute: either ``s`` (the study displayed again)
or ``s;`` (the same cell with its display suppressed). Throughput is trials per
second between the run's start and end; the rounds alternate the two kinds and
the table gives the median of each and the median ratio of paired rounds. After the run, the number of
live views still listening is counted (a view listens only while a run goes on).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CELL = "x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)\nx + y\n"
VIEWS = "sum(type(o).__name__ in ('Dashboard', 'SpaceControls') for o in s.observers)"


def one_run(k, n: int, redisplays: int, kind: str) -> tuple[float, int]:
    """Trials per second of one run with ``redisplays`` cells of ``kind`` during it; views left listening."""
    reply = k.execute(f"%%tune -n {n} --algo rand --name r{time.monotonic_ns()} -o s\n" + CELL)
    assert reply.status == "ok", reply.error_text
    for _ in range(redisplays):
        reply = k.execute("s" if kind == "display" else "s;")  # the same cell, its display suppressed
        assert reply.status == "ok", reply.error_text
    still = k.value("s.running")
    k.execute("s.wait(); None", timeout=900)  # a version that redraws every view may be slow
    rate = k.value("len(s.trials) / (s.run_ended_at - s.run_started_at)")
    left = k.value(VIEWS)
    if not still and redisplays:
        print(f"  (the run ended before the {redisplays} cells were through: raise -n)")
    return rate, left


def bench(n: int, rounds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from kernel.kernel import Kernel

    try:
        from .common import print_table
    except ImportError:
        from common import print_table  # type: ignore[no-redef]

    with tempfile.TemporaryDirectory() as tmp:
        k = Kernel(cwd=tmp)
        try:
            assert k.execute("%load_ext hpmagic").status == "ok"
            one_run(k, n // 4, 0, "plain")  # warm-up: imports, first widgets, the store file
            plain, shown, left = [], [], []
            for i in range(rounds):
                # alternate which goes first, so a drift in the machine's load touches both alike
                order = ["plain", "display"] if i % 2 == 0 else ["display", "plain"]
                for kind in order:
                    rate, views = one_run(k, n, 10, kind)
                    (shown if kind == "display" else plain).append(rate)
                    if kind == "display":
                        left.append(views)
                print(f"  round {i + 1}: {plain[-1]:,.0f} vs {shown[-1]:,.0f} trials/s", flush=True)
        finally:
            k.shutdown()
    ratios = [b / a for a, b in zip(plain, shown)]
    a, b, r = statistics.median(plain), statistics.median(shown), statistics.median(ratios)
    print_table(
        ["cells during the run", "trials/s (median)", "rounds"],
        [["10 × s; (display suppressed)", f"{a:,.0f}", rounds], ["10 × s (re-display)", f"{b:,.0f}", rounds]],
    )
    print(
        f"throughput with 10 re-displays / without, median of paired rounds: {r:.3f} "
        f"(a cost of {100 * (1 - r):.1f}%; rounds {', '.join(f'{x:.2f}' for x in ratios)}); "
        f"views still listening after each run: {left}"
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    try:
        from .common import print_header
    except ImportError:
        from common import print_header  # type: ignore[no-redef]

    print_header(
        "re-displaying a running study",
        "throughput of a run while 10 cells display the study again vs 10 cells that do not",
        "%%tune --algo rand, 2-d space, trivial objective, file store on (the magic's default)",
    )
    bench(n=2000 if quick else 8000, rounds=2 if quick else 9)
    return 0


if __name__ == "__main__":
    sys.exit(main())
