"""Does following the advisor help? For each kind of advice: a problem where it speaks and
following it is measured against not following it, and one where it should stay silent.

Each pair of arms runs hpmagic's own Study (joint TPE) with the same seed, so both arms
share their first trials exactly; at the check point the study's ``advice()`` is read:

- *log-scale*: ``C = tune.uniform(0.001, 10)`` with its optimum at C = 0.005 (and a
  second dimension that matters). At 20 trials, when the advice is given, one arm
  follows it (``refine(**advice.refine)``) and both run 20 more; best after 40.
  Silent case: the same range with the optimum at C = 6.
- *freeze*: two dimensions that matter and four that do not (six in all). At 90
  trials (the rule's minimum for six) one arm freezes what the advice names; both run
  40 more; best after 130. Silent case: all six matter.
- *done*: a noisy objective (a flat bowl under noise of sd 0.3) runs with
  ``--stop-when-done`` for up to 60 trials, and a second, still improving problem
  (Branin) gets the trials the first one saved, against 60 each: the first one's true
  value (the bowl without noise) at its best trial, and Branin's best. Silent case:
  Branin alone with ``--stop-when-done``, 60 trials: how often it stops early.

    python benchmarks/advice.py            # 10 seeds
    python benchmarks/advice.py --quick    # 2 seeds, a smoke run
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import hpmagic  # noqa: E402
from hpmagic import Options  # noqa: E402

LOG_CELL = """
import math
C = tune.uniform(0.001, 10)
g = tune.uniform(0, 1)
(math.log10(C) - math.log10(OPT)) ** 2 + 4 * (g - 0.3) ** 2
"""

FREEZE_CELL = """
x1 = tune.uniform(-5, 5)
x2 = tune.uniform(-5, 5)
z1 = tune.uniform(-5, 5)
z2 = tune.uniform(-5, 5)
z3 = tune.uniform(-5, 5)
z4 = tune.uniform(-5, 5)
(x1 - 1.3) ** 2 + (x2 + 0.7) ** 2 + W * ((z1 - 2) ** 2 + (z2 + 1) ** 2 + (z3 - 0.5) ** 2 + (z4 + 3) ** 2)
"""

NOISY_CELL = """
import random
x = tune.uniform(-1, 1)
y = tune.uniform(-1, 1)
true = 0.05 * (x ** 2 + y ** 2)
{"loss": true + random.gauss(0, 0.3), "true": true}
"""

BRANIN_CELL = """
import math
x1 = tune.uniform(-5, 10)
x2 = tune.uniform(0, 15)
(x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10
"""


def _study(cell: str, seed: int, ns: dict[str, Any] | None = None, **options: Any) -> hpmagic.Study:
    return hpmagic.create_study(cell, dict(ns or {}), Options(seed=seed, **options))


def _kinds(study: hpmagic.Study, kind: str) -> list[Any]:
    return [a for a in study.advice() if a.kind == kind]


def follow_or_not(
    cell: str, ns: dict[str, Any], kind: str, first: int, more: int, seed: int
) -> tuple[bool, float, float]:
    """(advice given at ``first`` trials, best after ``first + more`` following it, without)."""
    arms = []
    given = False
    for follow in (True, False):
        s = _study(cell, seed, ns)
        s.run(first).wait()
        found = _kinds(s, kind)
        given = bool(found)
        if follow:
            for advice in found:
                s.refine(**advice.refine)
        s.run(more).wait()
        arms.append(s.best_value)
    return given, arms[0], arms[1]


def pair_rows(
    name: str, cell: str, ns: dict[str, Any], kind: str, first: int, more: int, seeds: Sequence[int]
) -> list[Any]:
    results = [follow_or_not(cell, ns, kind, first, more, seed) for seed in seeds]
    given = [r for r in results if r[0]]
    followed = [r[1] for r in results]
    not_followed = [r[2] for r in results]
    wins = sum(r[1] < r[2] for r in given)
    return [
        name,
        f"{len(given)}/{len(results)}",
        common.mean_sd(followed, 4),
        common.mean_sd(not_followed, 4),
        f"{wins}/{len(given)}" if given else "–",
    ]


def done_rows(seeds: Sequence[int]) -> tuple[list[Any], list[Any]]:
    """The noisy study stopped when done and its saved trials given to Branin, against 60 each."""
    rows = []
    stops, true_stop, true_full, branin_more, branin_even = [], [], [], [], []
    for seed in seeds:
        noisy = _study(NOISY_CELL, seed, stop_when_done=True)
        noisy.run(60).wait()
        used = len(noisy.trials)
        stops.append(used)
        true_stop.append(noisy.best_trial.extras["true"])
        full = _study(NOISY_CELL, seed)
        full.run(60).wait()
        true_full.append(full.best_trial.extras["true"])
        for budget, out in ((60 + 60 - used, branin_more), (60, branin_even)):
            b = _study(BRANIN_CELL, seed)
            b.run(budget).wait()
            out.append(b.best_value)
    rows.append(
        [
            "noisy bowl (sd 0.3) + Branin, 120 trials",
            f"{sum(u < 60 for u in stops)}/{len(seeds)}",
            f"{statistics.mean(stops):.0f}",
            common.mean_sd(true_stop, 4),
            common.mean_sd(true_full, 4),
            common.mean_sd(branin_more, 4),
            common.mean_sd(branin_even, 4),
        ]
    )
    silent = []
    for seed in seeds:
        b = _study(BRANIN_CELL, seed, stop_when_done=True)
        b.run(60).wait()
        silent.append(len(b.trials))
    quiet = [
        "Branin alone, 60 trials, --stop-when-done",
        f"{sum(n < 60 for n in silent)}/{len(seeds)}",
        f"{statistics.mean(silent):.0f}",
    ]
    return rows, quiet


def main(argv: Sequence[str] | None = None) -> int:
    quick = common.get_flag(argv, "--quick")
    seeds = range(2 if quick else 10)
    common.print_header(
        "the advisor: following its advice against not following it",
        "best value after N trials with the advice followed at a check point vs the same seed without; "
        "how often the advice is given where it should not be",
        "hpmagic Study, joint TPE, seeds 0-" + str(len(seeds) - 1) + "; see the module docstring",
    )
    started = time.perf_counter()
    headers = ["problem", "advice given", "best, followed", "best, not followed", "followed better"]
    rows = [
        pair_rows(
            "log-scale: optimum C=0.005 in 0.001…10 (20 + 20)",
            LOG_CELL,
            {"OPT": 0.005},
            "log-scale",
            20,
            20,
            seeds,
        ),
        pair_rows(
            "log-scale silent: optimum C=6 (20 + 20)", LOG_CELL, {"OPT": 6.0}, "log-scale", 20, 20, seeds
        ),
        pair_rows("freeze: 2 of 6 matter (90 + 40)", FREEZE_CELL, {"W": 0.0}, "freeze", 90, 40, seeds),
        pair_rows("freeze silent: 6 of 6 matter (90 + 40)", FREEZE_CELL, {"W": 1.0}, "freeze", 90, 40, seeds),
    ]
    common.print_table(
        headers,
        rows,
        "mean ± sd of the best value (lower is better); followed better: "
        "of the seeds where the advice was given",
    )
    done, quiet = done_rows(seeds)
    common.print_table(
        [
            "problems",
            "stopped early",
            "trials used (of 60)",
            "bowl's true value, stopped",
            "bowl's true value, 60 trials",
            "Branin best, given the saved trials",
            "Branin best, 60 trials",
        ],
        done,
        "done: the noisy study stops when --stop-when-done says so; the trials it saved go to Branin",
    )
    common.print_table(["problem", "stopped early", "mean trials"], [quiet], "done, silent case")
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
