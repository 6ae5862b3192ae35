"""Shared pieces of the benchmarks: machine facts, tables, test problems, runners.

Every benchmark prints the facts of the machine it ran on, then Markdown tables,
so a run can be pasted as it is. The test problems are the standard ones (Branin,
Hartmann-6, Levy, an SVC on scikit-learn's digits); each runner gives the *trace*
of one search (the loss of every evaluation, in order), so "best after k
evaluations" comes from one run of the largest budget — the searchers compared
here do not know their budget, so that is the same as a run of k evaluations.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


# -- machine facts and printing -------------------------------------------------
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(module: str) -> str:
    try:
        from importlib.metadata import version as v

        return v(module)
    except Exception:  # noqa: BLE001 - a missing library is a fact too
        return "not installed"


def machine_facts(extra: Sequence[str] = ()) -> dict[str, str]:
    """What a figure depends on: cores, CPU, Python and library versions (plus ``extra``), load."""
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    libs = ["hpmagic", "hyperopt", "optuna", "scikit-learn", "numpy", "ipykernel", "jupyter_client", *extra]
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        **{lib: version(lib) for lib in libs},
        "load average (1, 5, 15 min) at start": load,
    }


def machine_line(extra: Sequence[str] = ()) -> str:
    """The machine facts as one printed line."""
    return "Machine: " + "; ".join(f"{k} {v}" for k, v in machine_facts(extra).items())


def print_header(title: str, compares: str, workload: str) -> None:
    """The script's title, what it compares, its exact workload, and the machine."""
    print(f"## {title}\n")
    print(f"Compares: {compares}\n")
    print(f"Workload: {workload}\n")
    print(machine_line() + "\n", flush=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; floats get 4 significant digits."""

    def cell(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:.4g}"
        return str(x)

    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> None:
    if caption:
        print(caption + "\n")
    print(table(headers, rows) + "\n", flush=True)


def mean_sd(values: Sequence[float], digits: int | None = None) -> str:
    """Mean ± sample sd: 4 and 2 significant figures, or ``digits`` decimals for both."""
    a = np.asarray(values, dtype=float)
    sd = a.std(ddof=1) if len(a) > 1 else 0.0
    if digits is not None:
        return f"{a.mean():.{digits}f} ± {sd:.{digits}f}"
    return f"{a.mean():.4g} ± {sd:.2g}"


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.start


# -- test problems -------------------------------------------------------------
def branin(x1: float, x2: float) -> float:
    """Branin-Hoo on [-5, 10] x [0, 15]; minimum 0.397887 (three places)."""
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann6(x1: float, x2: float, x3: float, x4: float, x5: float, x6: float) -> float:
    """Hartmann-6 on [0, 1]^6; minimum -3.32237."""
    x = np.array([x1, x2, x3, x4, x5, x6])
    return float(-np.sum(_H6_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def levy4(x1: float, x2: float, x3: float, x4: float) -> float:
    """Levy in 4 dimensions on [-10, 10]^4; minimum 0 at (1, 1, 1, 1)."""
    w = 1 + (np.array([x1, x2, x3, x4]) - 1) / 4
    term1 = math.sin(math.pi * w[0]) ** 2
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    last = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(term1 + mid + last)


def styblinski_tang4(x1: float, x2: float, x3: float, x4: float) -> float:
    """Styblinski-Tang in 4 dimensions on [-5, 5]^4; minimum -156.66466 at x_i = -2.903534."""
    x = np.array([x1, x2, x3, x4])
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


_DIGITS: Any = None


def svc_digits(C: float, gamma: float) -> float:
    """3-fold CV error of an RBF SVC on scikit-learn's digits (1 - mean accuracy)."""
    global _DIGITS
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    if _DIGITS is None:
        from sklearn.datasets import load_digits

        _DIGITS = load_digits(return_X_y=True)
    X, y = _DIGITS
    return float(1.0 - cross_val_score(SVC(C=C, gamma=gamma), X, y, cv=3).mean())


@dataclass(frozen=True)
class Dim:
    label: str
    low: float
    high: float
    log: bool = False


@dataclass(frozen=True)
class Problem:
    name: str
    dims: tuple[Dim, ...]
    fn: Callable[..., float]
    optimum: float | None

    def __call__(self, params: dict[str, float]) -> float:
        return self.fn(**params)


PROBLEMS: dict[str, Problem] = {
    "branin": Problem("Branin (2-d)", (Dim("x1", -5, 10), Dim("x2", 0, 15)), branin, 0.397887),
    "hartmann6": Problem(
        "Hartmann-6 (6-d)", tuple(Dim(f"x{i}", 0, 1) for i in range(1, 7)), hartmann6, -3.32237
    ),
    "levy4": Problem("Levy (4-d)", tuple(Dim(f"x{i}", -10, 10) for i in range(1, 5)), levy4, 0.0),
    "styblinski4": Problem(
        "Styblinski-Tang (4-d)", tuple(Dim(f"x{i}", -5, 5) for i in range(1, 5)), styblinski_tang4, -156.66466
    ),
    "svc": Problem(
        "SVC on digits (3-fold CV error)",
        (Dim("C", 1e-2, 1e3, log=True), Dim("gamma", 1e-5, 1.0, log=True)),
        svc_digits,
        None,
    ),
}


# -- the searchers: each returns the trace of losses -----------------------------
def hpmagic_cell(problem: Problem) -> str:
    """The %%tune cell body a user would write for ``problem``."""
    lines = [
        f"{d.label} = tune.{'loguniform' if d.log else 'uniform'}({d.low!r}, {d.high!r})"
        for d in problem.dims
    ]
    args = ", ".join(f"{d.label}={d.label}" for d in problem.dims)
    return "\n".join(lines + [f"objective({args})"])


def run_hpmagic(problem: Problem, n: int, seed: int, algo: str = "tpe", settings: Any = None) -> list[float]:
    """hpmagic through its headless API, as a user would: create_study, run, wait.

    ``settings``: a :class:`hpmagic.search.searcher.SearchSettings` (None: the defaults)."""
    from hpmagic import Options, create_study, tune

    study = create_study(
        hpmagic_cell(problem),
        {"objective": problem.fn, "tune": tune},
        Options(seed=seed, algo=algo),
        search_settings=settings,
    )
    study.run(n).wait()
    trials = sorted(study.trials, key=lambda t: t.number)
    bad = [t.error for t in trials if t.state != "complete"]
    if bad:
        raise RuntimeError(f"hpmagic trials failed: {bad[0]}")
    return [float(t.value) for t in trials]


def hyperopt_space(problem: Problem) -> dict[str, Any]:
    from hyperopt import hp

    return {
        d.label: hp.loguniform(d.label, math.log(d.low), math.log(d.high))
        if d.log
        else hp.uniform(d.label, d.low, d.high)
        for d in problem.dims
    }


def run_hyperopt(problem: Problem, n: int, seed: int, algo: str = "tpe", **tpe_settings: Any) -> list[float]:
    """Raw ``hyperopt.fmin``; ``tpe_settings`` are passed to ``tpe.suggest`` (none: its defaults)."""
    import functools

    from hyperopt import rand, tpe

    if algo == "tpe":
        suggest = functools.partial(tpe.suggest, **tpe_settings) if tpe_settings else tpe.suggest
    else:
        suggest = rand.suggest
    return fmin_losses(problem, hyperopt_space(problem), suggest, n, seed)


def fmin_losses(objective: Any, space: Any, suggest: Any, n: int, seed: int) -> list[float]:
    """The losses of ``n`` evaluations of raw ``hyperopt.fmin``, seeded, without its progress bar."""
    from hyperopt import Trials, fmin

    trials = Trials()
    fmin(
        objective,
        space,
        algo=suggest,
        max_evals=n,
        trials=trials,
        rstate=np.random.default_rng(seed),
        show_progressbar=False,
    )
    return [float(x) for x in trials.losses()]


def run_optuna(problem: Problem, n: int, seed: int) -> list[float]:
    """Optuna's default TPE sampler, seeded."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(
        lambda trial: problem(
            {d.label: trial.suggest_float(d.label, d.low, d.high, log=d.log) for d in problem.dims}
        ),
        n_trials=n,
    )
    return [float(t.value) for t in study.trials]


def run_random(problem: Problem, n: int, seed: int) -> list[float]:
    """Random search (hyperopt's rand.suggest through fmin)."""
    return run_hyperopt(problem, n, seed, algo="rand")


def run_randomized_search_cv(problem: Problem, n: int, seed: int) -> list[float]:
    """scikit-learn's RandomizedSearchCV over C and gamma (SVC problem only), same folds."""
    from scipy.stats import loguniform
    from sklearn.datasets import load_digits
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.svm import SVC

    assert problem.fn is svc_digits
    X, y = load_digits(return_X_y=True)
    dists = {d.label: loguniform(d.low, d.high) for d in problem.dims}
    search = RandomizedSearchCV(SVC(), dists, n_iter=n, cv=3, random_state=seed, refit=False)
    search.fit(X, y)
    return [float(1.0 - s) for s in search.cv_results_["mean_test_score"]]


SEARCHERS: dict[str, Callable[[Problem, int, int], list[float]]] = {
    "hpmagic (default)": run_hpmagic,
    "hyperopt TPE (fmin default)": run_hyperopt,
    "Optuna TPE (default)": run_optuna,
    "random search": run_random,
    "RandomizedSearchCV": run_randomized_search_cv,
}


def best_at(trace: Sequence[float], k: int) -> float:
    return float(min(trace[:k]))


def search_settings(settings: dict[str, Any], hyperopt: bool = False) -> Any:
    """hpmagic's search settings with the TPE's replaced by ``settings``.

    ``hyperopt``: the settings are hyperopt's TPE's, and the joint estimator is off
    (hyperopt's TPE on every space).
    """
    from hpmagic.search.hyperopt_driver import HyperoptTPESettings
    from hpmagic.search.joint_tpe import JointTPESettings
    from hpmagic.search.searcher import SearchSettings

    if hyperopt:
        return SearchSettings(hyperopt_tpe=HyperoptTPESettings(**settings), joint_on_flat=False)
    return SearchSettings(joint=JointTPESettings(**settings))


def get_flag(argv: Sequence[str] | None, flag: str) -> bool:
    return flag in (argv if argv is not None else sys.argv[1:])
