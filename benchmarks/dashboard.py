"""How much a dashboard refresh costs, and how responsive the kernel stays during a run.

    python benchmarks/dashboard.py            # both parts
    python benchmarks/dashboard.py refresh    # refresh time at 100 / 1000 / 5000 trials
    python benchmarks/dashboard.py idle       # a trivial cell's latency in a real kernel
    python benchmarks/dashboard.py views      # a refresh redrawing each plot alone at 5000 trials
    python benchmarks/dashboard.py front      # the same for the Pareto front of two objectives

*refresh*: a study with N ended trials (4 dimensions, one a choice), a dashboard
on it; one trial more, then one refresh — text, table and the plots that are due —
timed; median and worst of several rounds. ``full`` is the worst case where every
plot is redrawn (the run's last refresh).
*views*: at 5000 trials (in two runs), one trial more, then a refresh where only
the named plot is stale (convergence, parallel coordinates, the map of two
dimensions, the runs), timed; median, best (the least disturbed by other work on the machine) and worst;
in turn with the same redraw on a new figure (as every redraw was before figures were kept), and the ratio.
*front*: the same at 5000 trials of a study with two objectives (``--objectives``, some
trials infeasible), redrawing only the Pareto front's plot; the refresh includes the best
panel's front, found again for the new trial.
*idle*: a real kernel runs ``1`` repeatedly; median round trip with no study, while a
study of trivial trials runs without any view (the run's own cost), and while a
%%tune study runs with its dashboard; each as a ratio to the idle kernel.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CELL = """x = tune.uniform(-5, 10)
y = tune.uniform(0, 15)
lr = tune.loguniform(1e-4, 1e-1)
m = tune.choice(["a", "b", "c"])
(y - 5.1 / (4 * 3.14159**2) * x**2 + 5 / 3.14159 * x - 6) ** 2 + 10 * lr + (m == "b")
"""


FRONT_CELL = (
    CELL.rsplit("\n", 2)[0]
    + """
{"error": (y - 5.1 / (4 * 3.14159**2) * x**2 + 5 / 3.14159 * x - 6) ** 2 + (m == "b"), "latency": lr * 1000}
"""
)


def make_study(n: int, objectives: str | None = None):
    import numpy as np

    import hpmagic
    from hpmagic.run.study import Trial

    cell = FRONT_CELL if objectives else CELL
    study = hpmagic.create_study(cell, {}, hpmagic.Options(max_evals=10, seed=0, objectives=objectives))
    rng = np.random.default_rng(0)
    space = study.search_space
    for i in range(n):
        raw = {"x": float(rng.uniform(-5, 10)), "y": float(rng.uniform(0, 15))}
        raw["lr"] = float(np.exp(rng.uniform(np.log(1e-4), np.log(1e-1))))
        raw["m"] = int(rng.integers(3))
        failed = i % 17 == 3
        value = None if failed else float(rng.lognormal())
        values, extras = {}, {}
        if objectives and not failed:  # a trade-off: lower error costs latency
            values = {"error": value, "latency": float(rng.lognormal(-np.log(value), 0.3))}
            extras = {"feasible": i % 23 != 5}
        study._ledger.add(
            Trial(
                number=i,
                params=space.user_params(raw),
                value=value,
                state="failed" if failed else "complete",
                duration=0.01,
                error="ValueError: boom" if failed else None,
                raw=raw,
                output=f"trial {i}\n",
                values=values,
                extras=extras,
            )
        )
    return study


def add_one(study) -> None:
    from hpmagic.run.study import Trial

    last = study._ledger.trials[-1]
    values = {"error": 1.0, "latency": 1.0} if study.objectives else {}
    t = Trial(
        number=last.number + 1,
        params=last.params,
        value=1.0,
        state="complete",
        duration=0.01,
        raw=last.raw,
        values=values,
    )
    study._ledger.add(t)


def bench_refresh(rounds: int = 15) -> None:
    from hpmagic.ui import dashboard

    for n in (100, 1000, 5000):
        study = make_study(n)
        d = dashboard.Dashboard(study)
        d.refresh(final=True)
        d._throttle.cancel()
        times = []
        for _ in range(rounds):
            add_one(study)
            d._next_draw = 0.0  # a plot is due, as during a run
            t0 = time.perf_counter()
            d.refresh()
            times.append(time.perf_counter() - t0)
            d._throttle.cancel()
        add_one(study)
        t0 = time.perf_counter()
        d.refresh(final=True)
        full = time.perf_counter() - t0
        text_only = []
        for _ in range(rounds):
            add_one(study)
            d._next_draw = time.monotonic() + 60  # no plot due: what most refreshes cost
            t0 = time.perf_counter()
            d.refresh()
            text_only.append(time.perf_counter() - t0)
            d._throttle.cancel()
        print(
            f"refresh at {n:>5} trials: median {statistics.median(times) * 1e3:6.1f} ms, "
            f"worst {max(times) * 1e3:6.1f} ms (one plot redrawn); without plots "
            f"{statistics.median(text_only) * 1e3:5.1f} ms; every plot redrawn {full * 1e3:6.1f} ms"
        )


def bench_views(
    n: int = 5000, rounds: int = 15, names: tuple[str, ...] = ("convergence", "parallel", "map", "runs")
) -> dict[str, float]:
    """Median seconds of a refresh redrawing each of ``names`` alone ("front": a two-objective study)."""
    from hpmagic.ui import dashboard

    study = make_study(n, "error:min,latency:min" if "front" in names else None)
    d = dashboard.Dashboard(study)
    d._run_starts.add(n // 2)  # a continued study: the runs plot has two runs to tell apart
    d.refresh(final=True)
    d._throttle.cancel()
    medians = {}

    def redraw(name: str, times: list[float], text: list[float], cpu: list[float]) -> None:
        add_one(study)
        d._next_draw = time.monotonic() + 60
        t0 = time.perf_counter()
        d.refresh()  # the new trial's text (with objectives, the best panel's front), no plot
        text.append(time.perf_counter() - t0)
        d._drawn.update(d._plot_versions())
        d._drawn.pop(name)  # only this plot is stale
        d._next_draw = 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        d.refresh()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)  # CPU time: less moved by other work on the machine
        d._throttle.cancel()
        assert name in d._drawn

    for name in names:
        times, text, fresh, cpu, fresh_cpu = [], [], [], [], []
        for _ in range(rounds):  # in turn, so that other work on the machine weighs on both alike
            redraw(name, times, text, cpu)
            kept = dict(d.painters)
            d.painters.clear()  # a new figure, as every redraw built before figures were kept
            redraw(name, fresh, [], fresh_cpu)
            d.painters.update(kept)
        medians[name] = statistics.median(times)
        print(
            f"refresh at {n} trials redrawing {name:<11}: median {statistics.median(times) * 1e3:6.1f} ms, "
            f"best {min(times) * 1e3:6.1f} ms, worst {max(times) * 1e3:6.1f} ms "
            f"(a new figure each time: median {statistics.median(fresh) * 1e3:6.1f} ms, best "
            f"{min(fresh) * 1e3:6.1f} ms; ratio of medians {statistics.median(fresh) / statistics.median(times):.2f}); "
            f"CPU time median {statistics.median(cpu) * 1e3:5.1f} ms (new figure {statistics.median(fresh_cpu) * 1e3:5.1f}); "
            f"the refresh before it (the new trial, no plot) {statistics.median(text) * 1e3:5.1f} ms"
        )
    d.close()
    return medians


def bench_idle(samples: int = 40) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from kernel.kernel import Kernel

    with tempfile.TemporaryDirectory() as tmp:
        k = Kernel(cwd=tmp)
        try:
            k.execute("%load_ext hpmagic")

            def under_way(name: str) -> None:
                # measure while trials run, not while the run is still starting
                deadline = time.monotonic() + 60
                while k.value(f"len({name}.trials)") < 200:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the study did not get going")

            def latency() -> float:
                out = []
                for _ in range(samples):
                    t0 = time.perf_counter()
                    k.execute("1")
                    out.append(time.perf_counter() - t0)
                return statistics.median(out)

            base = latency()
            # the same run without any view, to tell the dashboard's share from the run's
            k.execute(
                "import hpmagic\n"
                f"_s = hpmagic.create_study({CELL!r}, {{}}, hpmagic.Options(max_evals=100000, algo='rand'))\n"
                "_s.run(); None"
            )
            under_way("_s")
            bare = latency()
            k.execute("_s.stop(); _s.wait(); None")
            reply = k.execute("%%tune -n 100000 --algo rand -o s\n" + CELL)
            assert reply.status == "ok", reply.error_text
            under_way("s")
            busy = latency()
            n = k.value("len(s.trials)")
            k.execute("s.stop(); s.wait(); None")
            print(
                f"trivial cell: {base * 1e3:.1f} ms idle; {bare * 1e3:.1f} ms while a study runs without a view "
                f"(ratio {bare / base:.2f}); {busy * 1e3:.1f} ms while a %%tune study runs with its dashboard "
                f"({n} trials ended meanwhile): ratio {busy / base:.2f}"
            )
        finally:
            k.shutdown()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    what = [a for a in args if not a.startswith("--")] or ["refresh", "views", "front", "idle"]
    try:
        from .common import print_header
    except ImportError:
        from common import print_header  # type: ignore[no-redef]

    print_header(
        "dashboard refresh and kernel responsiveness",
        "one dashboard refresh at 100/1000/5000 trials; a trivial cell's latency while a study runs vs idle",
        "4-d space (one choice); trivial objective; --algo rand for the responsiveness part",
    )
    if "refresh" in what:
        bench_refresh(rounds=5 if quick else 15)
    if "views" in what:
        bench_views(rounds=5 if quick else 15)
    if "front" in what:
        bench_views(rounds=5 if quick else 15, names=("front",))
    if "idle" in what:
        bench_idle(samples=15 if quick else 40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
