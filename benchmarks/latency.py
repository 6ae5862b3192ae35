"""Suggestion latency: milliseconds for one new point once N trials have ended.

Compares hpmagic's ``Search.ask`` — its joint TPE (``--algo tpe``) and its driving
of hyperopt's TPE (``--algo hyperopt``'s path, here with hpmagic's benchmark settings) — with raw hyperopt ``tpe.suggest`` called on
a ``Trials`` holding the same N documents (once with hyperopt's default settings,
once with the settings hpmagic passes it, so the difference that is hpmagic's own
driving shows apart from the settings) and Optuna's default TPE through ask/tell
(ask, two ``suggest_float``, tell).

Workload: the 2-d Branin space (x1 uniform in [-5, 10], x2 uniform in [0, 15]);
the N earlier trials are the same N random points with their Branin values for all
three; the figure is the median over R suggestions at N = 100, 1000, 2000.

    python benchmarks/latency.py [--quick]
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]


def history(n: int, seed: int = 0) -> list[tuple[dict[str, float], float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        p = {"x1": float(rng.uniform(-5, 10)), "x2": float(rng.uniform(0, 15))}
        out.append((p, common.branin(**p)))
    return out


def median_ms(fn: Callable[[int], Any], repeats: int) -> float:
    """Median CPU milliseconds of ``fn`` (see :func:`interleaved`)."""
    return interleaved({"f": fn}, repeats)["f"]


def interleaved(fns: dict[str, Callable[[int], Any]], repeats: int) -> dict[str, float]:
    """Median CPU milliseconds per call of each function, called in turn.

    Thread CPU time, not wall time, and the functions take turns, so a busy
    machine (other processes on the two cores) slows none of them more than another.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn(0)  # warm-up (caches, imports)
    for i in range(1, repeats + 1):
        for name, fn in fns.items():
            t = time.thread_time()
            fn(i)
            times[name].append(time.thread_time() - t)
    return {name: 1000 * statistics.median(ts) for name, ts in times.items()}


def hpmagic_ask(points: list[tuple[dict[str, float], float]], joint: bool = True) -> Callable[[int], Any]:
    """hpmagic's ask on the Branin space; ``joint=False``: as it drives hyperopt's TPE."""
    from hpmagic import create_study, tune
    from hpmagic.core.options import Options
    from hpmagic.search.searcher import SearchSettings, make_searcher

    study = create_study(common.hpmagic_cell(common.PROBLEMS["branin"]), {"tune": tune}, Options())
    space = study.search_space
    keys = {d.label: d.key for d in space.dims}
    search = make_searcher(
        "tpe", space, np.random.default_rng(0), settings=SearchSettings(joint_on_flat=joint)
    )
    for number, (p, loss) in enumerate(points):
        search.tell(number, {keys[k]: v for k, v in p.items()}, loss)
    n = len(points)
    return lambda i: search.ask(n + i)


def hyperopt_suggest(points: list[tuple[dict[str, float], float]], **settings: Any) -> Callable[[int], Any]:
    from hyperopt import JOB_STATE_DONE, STATUS_OK, Domain, Trials, tpe

    domain = Domain(lambda _: 0.0, common.hyperopt_space(common.PROBLEMS["branin"]))
    trials = Trials()
    docs = []
    for tid, (p, loss) in enumerate(points):
        misc = {
            "tid": tid,
            "cmd": domain.cmd,
            "workdir": None,
            "idxs": {k: [tid] for k in p},
            "vals": {k: [v] for k, v in p.items()},
        }
        (doc,) = trials.new_trial_docs([tid], [None], [{"loss": loss, "status": STATUS_OK}], [misc])
        doc["state"] = JOB_STATE_DONE
        docs.append(doc)
    trials.insert_trial_docs(docs)
    trials.refresh()
    suggest = functools.partial(tpe.suggest, verbose=False, **settings)
    n = len(points)
    return lambda i: suggest([n + i], domain, trials, i)


def optuna_ask_tell(points: list[tuple[dict[str, float], float]]) -> Callable[[int], Any]:
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = {"x1": FloatDistribution(-5, 10), "x2": FloatDistribution(0, 15)}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.add_trials(
        [optuna.trial.create_trial(params=p, distributions=dists, value=loss) for p, loss in points]
    )

    def step(i: int) -> None:
        trial = study.ask()
        x1 = trial.suggest_float("x1", -5, 10)
        x2 = trial.suggest_float("x2", 0, 15)
        study.tell(trial, common.branin(x1, x2))

    return step


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    sizes = (100, 1000) if quick else (100, 1000, 2000)
    repeats = 5 if quick else 21
    from dataclasses import asdict

    from hpmagic.search.searcher import SearchSettings

    defaults = SearchSettings()
    settings = defaults.hyperopt_tpe.suggest_kwargs(2)
    joint_settings = asdict(defaults.joint)

    common.print_header(
        "Suggestion latency",
        "hpmagic Search.ask (joint TPE; driving hyperopt's TPE) vs raw hyperopt tpe.suggest (default and "
        "hpmagic's settings) vs Optuna TPE ask/tell",
        f"2-d Branin space, N ended trials (the same random points for all), median CPU time of {repeats} "
        f"suggestions at N = {', '.join(map(str, sizes))}; joint TPE settings: {joint_settings}; settings "
        f"hpmagic passes hyperopt's TPE: {settings}",
    )
    rows = []
    for n in sizes:
        points = history(n)
        ms = interleaved(
            {
                "ours": hpmagic_ask(points),
                "driven": hpmagic_ask(points, joint=False),
                "raw": hyperopt_suggest(points),
                "raw_same": hyperopt_suggest(points, **settings),
                "optuna": optuna_ask_tell(points),
            },
            repeats,
        )
        ours, driven, raw, raw_same, opt = (ms[k] for k in ("ours", "driven", "raw", "raw_same", "optuna"))
        rows.append([n, ours, driven, raw, raw_same, opt, f"{ours / opt:.2f}", f"{driven / raw_same:.2f}"])
    common.print_table(
        [
            "trials",
            "hpmagic joint TPE (ms)",
            "hpmagic driving hyperopt's TPE (ms)",
            "hyperopt tpe.suggest defaults (ms)",
            "hyperopt tpe.suggest hpmagic's settings (ms)",
            "Optuna TPE ask/tell (ms)",
            "joint TPE ÷ Optuna",
            "driving ÷ hyperopt same settings",
        ],
        rows,
        "Median CPU milliseconds per suggestion (thread CPU time, methods taking turns):",
    )


if __name__ == "__main__":
    main()
