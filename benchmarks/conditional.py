"""Search quality on conditional spaces: a choice of model, each with its own ranges.

The cell a user writes to pick a model and its settings at once::

    m = tune.choice([SVC(C=tune.loguniform(0.01, 1000.0), gamma=tune.loguniform(1e-05, 1.0)),
                     LogisticRegression(C=tune.loguniform(0.0001, 100.0), max_iter=300),
                     RandomForestClassifier(n_estimators=tune.int(10, 100), ...)])
    objective(m)

Cells: that choice on scikit-learn's digits and on its wine data (3-fold CV error of
the model after standard scaling), and a synthetic conditional function with a known
optimum: a choice of Branin (2-d, minimum 0.397887), Hartmann-3 (3-d, minimum
−3.86278, the global one) and a 1-d bowl (minimum −1), so a search must find the
right option *and* its optimum.

Compares hpmagic's default search (``create_study``; the joint TPE, one model per
group of dimensions active together) with raw hyperopt (``fmin``, ``tpe.suggest``
with its defaults, the same space as ``hp.choice``), Optuna's default
``TPESampler`` (seeded; define-by-run, the option picked first) and random search
(hpmagic's ``--algo rand``). Each runs once per seed with 100 evaluations; "best
after 50" is the best of its first 50.

    python benchmarks/conditional.py [--quick]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

BUDGETS = (50, 100)


@dataclass(frozen=True)
class Dim:
    """One setting of one option: ``kind`` is uniform, loguniform, int or logint."""

    label: str
    low: float
    high: float
    kind: str = "uniform"


@dataclass(frozen=True)
class Option:
    """One option of the choice: a constructor called with its dims and ``fixed`` keywords."""

    name: str
    dims: tuple[Dim, ...]
    fixed: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Conditional:
    name: str
    options: tuple[Option, ...]
    make: dict[str, Callable[..., Any]] = field(repr=False)
    objective: Callable[[Any], float] = field(repr=False)
    optimum: float | None = None

    def build(self, index: int, params: dict[str, Any]) -> Any:
        option = self.options[index]
        return self.make[option.name](**params, **dict(option.fixed))


# -- problems -----------------------------------------------------------------------
_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])


def hartmann3(x1: float, x2: float, x3: float) -> float:
    """Hartmann-3 on [0, 1]^3; minimum −3.86278 at (0.114614, 0.555649, 0.852547)."""
    x = np.array([x1, x2, x3])
    return float(-np.sum(_H3_ALPHA * np.exp(-np.sum(_H3_A * (x - _H3_P) ** 2, axis=1))))


def bowl(x: float) -> float:
    """A 1-d bowl on [-5, 5], minimum −1 at 0: an easy option that is not the best."""
    return 0.5 * x * x - 1.0


def _tagged(fn: Callable[..., float]) -> Callable[..., tuple[Callable[..., float], dict[str, Any]]]:
    return lambda **kw: (fn, kw)


_DATA: dict[str, Any] = {}


def cv_error(dataset: str, model: Any) -> float:
    """3-fold CV error (1 − mean accuracy) of ``model`` after standard scaling."""
    from sklearn import datasets
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if dataset not in _DATA:
        _DATA[dataset] = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X, y = _DATA[dataset]
    return float(1.0 - cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=3).mean())


def _models() -> dict[str, Callable[..., Any]]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    return {
        "SVC": SVC,
        "LogisticRegression": LogisticRegression,
        "RandomForestClassifier": RandomForestClassifier,
    }


MODEL_OPTIONS = (
    Option("SVC", (Dim("C", 1e-2, 1e3, "loguniform"), Dim("gamma", 1e-5, 1.0, "loguniform"))),
    Option("LogisticRegression", (Dim("C", 1e-4, 1e2, "loguniform"),), (("max_iter", 300),)),
    Option(
        "RandomForestClassifier",
        (
            Dim("n_estimators", 10, 100, "int"),
            Dim("max_depth", 2, 32, "logint"),
            Dim("max_features", 0.1, 1.0),
        ),
        (("random_state", 0),),
    ),
)


def problems() -> dict[str, Conditional]:
    synthetic = Conditional(
        "Branin / Hartmann-3 / bowl (synthetic)",
        (
            Option("branin", (Dim("x1", -5, 10), Dim("x2", 0, 15))),
            Option("hartmann3", tuple(Dim(f"x{i}", 0, 1) for i in range(1, 4))),
            Option("bowl", (Dim("x", -5, 5),)),
        ),
        {"branin": _tagged(common.branin), "hartmann3": _tagged(hartmann3), "bowl": _tagged(bowl)},
        lambda tagged: tagged[0](**tagged[1]),
        -3.86278,
    )
    out = {"synthetic": synthetic}
    for dataset in ("wine", "digits"):
        out[dataset] = Conditional(
            f"SVC / LogisticRegression / RandomForest on {dataset} (3-fold CV error)",
            MODEL_OPTIONS,
            _models(),
            lambda model, dataset=dataset: cv_error(dataset, model),
        )
    return out


# -- the searchers ------------------------------------------------------------------------
def hpmagic_cell(problem: Conditional) -> str:
    """The %%tune cell a user would write: one choice among constructor calls."""

    def arg(d: Dim) -> str:
        kind = {"uniform": "uniform", "loguniform": "loguniform", "int": "int", "logint": "logint"}[d.kind]
        bounds = (int(d.low), int(d.high)) if d.kind in ("int", "logint") else (float(d.low), float(d.high))
        return f"{d.label}=tune.{kind}({bounds[0]!r}, {bounds[1]!r})"

    calls = []
    for option in problem.options:
        args = [arg(d) for d in option.dims] + [f"{k}={v!r}" for k, v in option.fixed]
        calls.append(f"{option.name}({', '.join(args)})")
    return "m = tune.choice([" + ", ".join(calls) + "])\nobjective(m)"


def run_hpmagic(problem: Conditional, n: int, seed: int, algo: str = "tpe") -> list[float]:
    from hpmagic import Options, create_study, tune

    namespace = {"objective": problem.objective, "tune": tune, **problem.make}
    study = create_study(hpmagic_cell(problem), namespace, Options(store=None, seed=seed, algo=algo))
    study.run(n).wait()
    trials = sorted(study.trials, key=lambda t: t.number)
    bad = [t.error for t in trials if t.state != "complete"]
    if bad:
        raise RuntimeError(f"hpmagic trials failed: {bad[0]}")
    return [float(t.value) for t in trials]


def _hp_dim(label: str, d: Dim) -> Any:
    from hyperopt import hp

    if d.kind == "uniform":
        return hp.uniform(label, d.low, d.high)
    if d.kind == "loguniform":
        return hp.loguniform(label, math.log(d.low), math.log(d.high))
    if d.kind == "int":
        return hp.quniform(label, d.low - 0.4999, d.high + 0.4999, 1)
    return hp.qloguniform(label, math.log(d.low - 0.4999), math.log(d.high + 0.4999), 1)


def _value(d: Dim, x: float) -> Any:
    return int(min(max(round(x), d.low), d.high)) if d.kind in ("int", "logint") else float(x)


def run_hyperopt(problem: Conditional, n: int, seed: int) -> list[float]:
    """Raw ``fmin`` with ``tpe.suggest``'s defaults on the same space as ``hp.choice``."""
    from hyperopt import hp, tpe

    space = hp.choice(
        "m",
        [
            {"_o": i, **{d.label: _hp_dim(f"{o.name}.{d.label}", d) for d in o.dims}}
            for i, o in enumerate(problem.options)
        ],
    )

    def objective(p: dict[str, Any]) -> float:
        option = problem.options[p["_o"]]
        return problem.objective(
            problem.build(p["_o"], {d.label: _value(d, p[d.label]) for d in option.dims})
        )

    return common.fmin_losses(objective, space, tpe.suggest, n, seed)


def run_optuna(problem: Conditional, n: int, seed: int) -> list[float]:
    """Optuna's default TPE sampler, seeded: the option first, then that option's settings."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = [o.name for o in problem.options]

    def objective(trial: Any) -> float:
        index = names.index(trial.suggest_categorical("m", names))
        params = {}
        for d in problem.options[index].dims:
            key, log = f"{names[index]}.{d.label}", d.kind in ("loguniform", "logint")
            if d.kind in ("int", "logint"):
                params[d.label] = trial.suggest_int(key, int(d.low), int(d.high), log=log)
            else:
                params[d.label] = trial.suggest_float(key, d.low, d.high, log=log)
        return problem.objective(problem.build(index, params))

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return [float(t.value) for t in study.trials]


def run_random(problem: Conditional, n: int, seed: int) -> list[float]:
    return run_hpmagic(problem, n, seed, algo="rand")


SEARCHERS: dict[str, Callable[[Conditional, int, int], list[float]]] = {
    "hpmagic (default)": run_hpmagic,
    "hyperopt TPE (fmin default)": run_hyperopt,
    "Optuna TPE (default)": run_optuna,
    "random search": run_random,
}


# -- tables ---------------------------------------------------------------------------------
def measure(
    keys: Sequence[str], seeds: Sequence[int], budget: int
) -> dict[tuple[str, str], list[list[float]]]:
    """Traces per (problem, searcher)."""
    found = problems()
    return {
        (key, name): [fn(found[key], budget, s) for s in seeds]
        for key in keys
        for name, fn in SEARCHERS.items()
    }


def report(
    traces: dict[tuple[str, str], list[list[float]]], keys: Sequence[str], budgets: Sequence[int]
) -> None:
    found = problems()
    names = list(SEARCHERS)
    rows, ratio_rows = [], []
    for key in keys:
        opt = found[key].optimum if found[key].optimum is not None else 0.0
        for k in budgets:
            label = f"{found[key].name} @{k}"
            bests = {name: [common.best_at(t, k) for t in traces[(key, name)]] for name in names}
            rows.append([label, *(common.mean_sd(bests[name]) for name in names)])
            regret = {name: float(np.mean(bests[name])) - opt for name in names}
            ours = regret[names[0]]
            ratio_rows.append([label, *(f"{ours / regret[n]:.2f}" if regret[n] else "—" for n in names[1:])])
    common.print_table(["problem @evaluations", *names], rows, "Best value found, mean ± sd over the seeds:")
    common.print_table(
        ["problem @evaluations", *names[1:]],
        ratio_rows,
        "hpmagic's mean regret ÷ each searcher's (regret = best − optimum; for the CV cells the error "
        "itself). Below 1: hpmagic is ahead.",
    )


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    args = list(sys.argv[1:] if argv is None else argv)
    only = [a for a in args if a in ("synthetic", "wine", "digits")]
    keys = only or (("synthetic",) if quick else ("synthetic", "wine", "digits"))
    seeds = range(3) if quick else range(10)
    budgets = (50,) if quick else BUDGETS
    common.print_header(
        "Search quality on conditional spaces",
        "hpmagic default (joint TPE per group) vs raw hyperopt TPE vs Optuna TPE vs random search",
        f"{', '.join(problems()[k].name for k in keys)}; seeds {list(seeds)}; best value after "
        f"{' and '.join(map(str, budgets))} evaluations",
    )
    with common.Timer() as t:
        traces = measure(keys, seeds, max(budgets))
    report(traces, keys, budgets)
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
