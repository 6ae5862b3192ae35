"""Does ``--start-at-defaults`` help? The best value after 10 to 100 evaluations, over 10 seeds.

The same hpmagic search (``create_study`` headless, ``Options(seed=s)``) with and
without ``start_at_defaults``: with it, trial 0 runs the cell's own values and the
search goes on from there. What trial 0 is worth depends on the cell's values:

- Branin and Hartmann-6 have no values of their own: the defaults are the ranges'
  midpoints, as a cell with bare ``tune.uniform(low, high)`` gets (Branin at
  (2.5, 7.5): 24.1; Hartmann-6 at 0.5⁶: −0.505 against an optimum of −3.32).
- The SVC on digits is written as people write it, with scikit-learn's own values as
  defaults (``C=1``, ``gamma`` about what ``gamma="scale"`` gives on digits, 1e-3): a
  good configuration, which is what the option is for. Its trials are slow (about half
  a second), so it is compared after 10 and 25 evaluations only.

    python benchmarks/start_at_defaults.py [--quick]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

BUDGETS = (10, 25, 50, 100)
#: an SVC trial takes about half a second: its comparison stops at 25 evaluations, where a start matters most
SVC_BUDGETS = (10, 25)
#: the values a user's cell carries (default=...) per problem; none: the midpoints
DEFAULTS = {"svc": {"C": 1.0, "gamma": 1e-3}}


def cell(key: str) -> str:
    """The problem's cell, with ``default=`` where the problem has values of its own."""
    problem, own = common.PROBLEMS[key], DEFAULTS.get(key, {})
    lines = []
    for d in problem.dims:
        default = f", default={own[d.label]!r}" if d.label in own else ""
        lines.append(
            f"{d.label} = tune.{'loguniform' if d.log else 'uniform'}({d.low!r}, {d.high!r}{default})"
        )
    args = ", ".join(f"{d.label}={d.label}" for d in problem.dims)
    return "\n".join(lines + [f"objective({args})"])


def trace(key: str, n: int, seed: int, start_at_defaults: bool) -> list[float]:
    from hpmagic import Options, create_study, tune

    problem = common.PROBLEMS[key]
    study = create_study(
        cell(key),
        {"objective": problem.fn, "tune": tune},
        Options(seed=seed, start_at_defaults=start_at_defaults),
    )
    study.run(n).wait()
    trials = sorted(study.trials, key=lambda t: t.number)
    if any(t.state != "complete" for t in trials):
        raise RuntimeError(f"trials failed: {[t.error for t in trials if t.error][0]}")
    return [float(t.value) for t in trials]


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    problems = ("branin", "hartmann6") if quick else ("branin", "hartmann6", "svc")
    seeds = range(3) if quick else range(10)
    budgets = BUDGETS[:3] if quick else BUDGETS
    common.print_header(
        "--start-at-defaults",
        "hpmagic's default search with and without the cell's own values as trial 0",
        f"{', '.join(common.PROBLEMS[p].name for p in problems)}; seeds {list(seeds)}; best value after "
        f"{', '.join(map(str, budgets))} evaluations",
    )
    rows = []
    with common.Timer() as t:
        for key in problems:
            ks = SVC_BUDGETS if key == "svc" else budgets
            runs = {flag: [trace(key, max(ks), s, flag) for s in seeds] for flag in (False, True)}
            for k in ks:
                plain = [common.best_at(tr, k) for tr in runs[False]]
                start = [common.best_at(tr, k) for tr in runs[True]]
                wins = sum(b < a for a, b in zip(plain, start))
                ties = sum(b == a for a, b in zip(plain, start))
                rows.append(
                    [
                        f"{common.PROBLEMS[key].name} @{k}",
                        common.mean_sd(plain),
                        common.mean_sd(start),
                        f"{np.mean(start) - np.mean(plain):+.4g}",
                        f"{wins}/{len(plain)} ({ties} tied)",
                    ]
                )
    common.print_table(
        ["problem @evaluations", "without", "--start-at-defaults", "difference", "seeds better"],
        rows,
        f"Best value found (lower is better), mean ± sd over seeds {seeds.start}–{seeds.stop - 1}:",
    )
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
