"""What keeping every trial costs: per-trial overhead, resume time, file size.

    python benchmarks/store.py           # full: 1000-trial studies, 10 000-trial resume
    python benchmarks/store.py --quick   # smaller, well under 40 s

Headless, on real SQLite files in a temporary directory. The store-on/off
comparison runs the same trivial cell with the same seed; ``rand`` keeps
hyperopt's own cost small so the store's share shows, ``tpe`` is what users run.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hpmagic import Options, Trial, create_study  # noqa: E402
from hpmagic.core.program import parse  # noqa: E402
from hpmagic.core.space import Space  # noqa: E402
from hpmagic.storage.store import Store, StoreObserver  # noqa: E402

CELL = """x = tune.uniform(-5, 5)
y = tune.loguniform(1e-3, 1e1)
kind = tune.choice(["a", "b", "c"])
(x - 1) ** 2 + y + {"a": 0, "b": 1, "c": 2}[kind]
"""


def run_study(n: int, algo: str, store: str | None) -> tuple[float, float]:
    """Wall time of an n-trial study, and the time spent in the store observer."""
    study = create_study(CELL, {}, Options(store=store, algo=algo, seed=0, name="bench"))
    spent = [0.0]
    for observer in list(study.observers):
        if isinstance(observer, StoreObserver):
            inner = observer.trial_ended

            def timed(s, t, inner=inner):
                t0 = time.perf_counter()
                inner(s, t)
                spent[0] += time.perf_counter() - t0

            observer.trial_ended = timed  # type: ignore[method-assign]
    t0 = time.perf_counter()
    study.run(n).wait()
    return time.perf_counter() - t0, spent[0]


def checkpointed_size(path: str) -> int:
    """The file's size once the write-ahead log is folded into it."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return os.path.getsize(path)


def fake_trials(space: Space, n: int) -> list[Trial]:
    rng = random.Random(0)
    trials = []
    for i in range(n):
        raw = {"x": rng.uniform(-5, 5), "y": 10 ** rng.uniform(-3, 1), "kind": rng.randrange(3)}
        trials.append(
            Trial(
                number=i,
                params=space.user_params(raw),
                value=rng.random(),
                state="complete",
                duration=0.001,
                raw=raw,
                started=time.time(),
                ended=time.time(),
            )
        )
    return trials


def resume(n: int, tmp: str) -> dict[str, float]:
    """Write n trials through the store API, then time loading them and building the search."""
    path = os.path.join(tmp, f"resume-{n}.db")
    program = parse(CELL)
    space = Space.build(program, {})
    store = Store(path)
    store.save_study(
        "big",
        source=CELL,
        first_line=1,
        space=space.to_json(),
        cell_space=space.to_json(),
        direction="minimize",
        options=Options().to_json(),
        seed=0,
    )
    t0 = time.perf_counter()
    store.add_trials("big", fake_trials(space, n), space)
    write_s = time.perf_counter() - t0
    store.close()
    size = checkpointed_size(path)
    t0 = time.perf_counter()
    study = create_study(CELL, {}, Options(store=path, name="big", algo="tpe", seed=0))
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    search = study._searcher()
    build_s = time.perf_counter() - t0
    assert len(study.trials) == n and search.n_told == n
    return {"write_s": write_s, "load_s": load_s, "build_s": build_s, "bytes": size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (< 40 s)")
    args = parser.parse_args(argv)
    n_trials = 300 if args.quick else 1000
    n_tpe = 100 if args.quick else 1000
    n_resume = 2000 if args.quick else 10_000

    print(common.machine_line() + f"; SQLite {sqlite3.sqlite_version}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        run_study(20, "tpe", os.path.join(tmp, "warmup.db"))  # imports and first-call costs
        for algo, n, repeats in (("rand", n_trials, 3), ("tpe", n_tpe, 3 if args.quick else 1)):
            offs, ons, spents = [], [], []
            for r in range(repeats):  # alternate, keep the best of each
                offs.append(run_study(n, algo, None)[0])
                path = os.path.join(tmp, f"{algo}-{r}.db")
                on, spent = run_study(n, algo, path)
                ons.append(on)
                spents.append(spent)
            size = checkpointed_size(path)
            rows.append((algo, n, min(offs), min(ons), min(spents), size))
        res = resume(n_resume, tmp)

    print()
    print(
        f"{'algo':<6}{'trials':>8}{'store off s':>13}{'store on s':>12}{'ratio':>8}{'ms/trial':>10}{'KB/1000':>10}"
    )
    for algo, n, off, on, spent, size in rows:
        print(
            f"{algo:<6}{n:>8}{off:>13.2f}{on:>12.2f}{on / off:>8.2f}{spent / n * 1000:>10.3f}"
            f"{size / n * 1000 / 1024:>10.0f}"
        )
    print()
    print(f"resume of a {n_resume}-trial study (written through Store.add_trials in {res['write_s']:.2f} s):")
    print(f"  load trials into a new Study   {res['load_s']:.3f} s")
    print(f"  build the TPE search from them {res['build_s']:.3f} s")
    print(f"  file size                      {res['bytes'] / n_resume * 1000 / 1024:.0f} KB per 1000 trials")
    return 0


if __name__ == "__main__":
    sys.exit(main())
