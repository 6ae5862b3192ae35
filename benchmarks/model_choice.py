"""Search quality on a choice of models, each with its own settings, scored on a continuous objective.

The cell a user writes to pick a model and its settings at once::

    m = tune.choice([SVC(C=tune.loguniform(0.01, 1000.0), gamma=tune.loguniform(1e-05, 1.0)),
                     LogisticRegression(C=tune.loguniform(0.0001, 100.0), max_iter=300),
                     RandomForestClassifier(n_estimators=tune.int(10, 60), ...)])
    1 - cross_val_score(m, X, y, cv=3, scoring="roc_auc_ovr").mean()

Continuous objectives, so that trials rarely tie: 1 − AUC (one-vs-rest for several classes) on
scikit-learn's breast cancer, wine and digits (a 600-row sample, to keep the run in minutes),
and RMSE of SVR / ridge / random forest on its diabetes data. 3-fold CV after standard scaling.
Besides the best value after 30 and 60 evaluations, it prints how often a seed spent *all* of its
last 30 trials on one option, and how often that option was not the best one by a margin.

Compares hpmagic's default search with raw hyperopt (``fmin``, ``tpe.suggest``), Optuna's default
``TPESampler`` and random search; ``*`` marks a rival significantly ahead of hpmagic on the seeds
(one-sided Mann-Whitney, p < 0.05).

    python benchmarks/model_choice.py [--quick] [breast_cancer|wine|digits|diabetes ...]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from . import common, conditional
    from .conditional import Conditional, Dim, Option
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]
    import conditional  # type: ignore[no-redef]
    from conditional import Conditional, Dim, Option  # type: ignore[no-redef]

BUDGETS = (30, 60)
DATASETS = ("breast_cancer", "wine", "digits", "diabetes")
_DATA: dict[str, Any] = {}


def _data(dataset: str) -> tuple[Any, Any]:
    from sklearn import datasets

    if dataset not in _DATA:
        X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
        if dataset == "digits":  # a stratified 600-row sample: the same for every searcher and seed
            rng = np.random.default_rng(0)
            keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:60] for c in range(10)]))
            X, y = X[keep], y[keep]
        _DATA[dataset] = (X, y)
    return _DATA[dataset]


def cv_objective(dataset: str, model: Any) -> float:
    """1 − AUC (classification) or RMSE (diabetes), 3-fold CV after standard scaling."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data(dataset)
    pipeline = make_pipeline(StandardScaler(), model)
    if dataset == "diabetes":
        folds = KFold(3, shuffle=True, random_state=0)
        return float(-cross_val_score(pipeline, X, y, cv=folds, scoring="neg_root_mean_squared_error").mean())
    scoring = "roc_auc" if dataset == "breast_cancer" else "roc_auc_ovr"
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    return float(1.0 - cross_val_score(pipeline, X, y, cv=folds, scoring=scoring).mean())


def _classifiers() -> dict[str, Callable[..., Any]]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    return {
        "SVC": SVC,
        "LogisticRegression": LogisticRegression,
        "RandomForestClassifier": RandomForestClassifier,
    }


def _regressors() -> dict[str, Callable[..., Any]]:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.svm import SVR

    return {"SVR": SVR, "Ridge": Ridge, "RandomForestRegressor": RandomForestRegressor}


def _forest(name: str) -> Option:
    return Option(
        name,
        (
            Dim("n_estimators", 10, 60, "int"),
            Dim("max_depth", 2, 32, "logint"),
            Dim("max_features", 0.1, 1.0),
        ),
        (("random_state", 0),),
    )


def problems() -> dict[str, Conditional]:
    out = {}
    for dataset in DATASETS[:3]:
        svc_fixed = (("probability", True), ("random_state", 0)) if dataset != "breast_cancer" else ()
        options = (
            Option(
                "SVC", (Dim("C", 1e-2, 1e3, "loguniform"), Dim("gamma", 1e-5, 1.0, "loguniform")), svc_fixed
            ),
            Option("LogisticRegression", (Dim("C", 1e-4, 1e2, "loguniform"),), (("max_iter", 300),)),
            _forest("RandomForestClassifier"),
        )
        out[dataset] = Conditional(
            f"SVC / LogisticRegression / RandomForest on {dataset} (1 − AUC)",
            options,
            _classifiers(),
            lambda model, dataset=dataset: cv_objective(dataset, model),
        )
    regression = (
        Option(
            "SVR",
            (
                Dim("C", 1e-1, 1e4, "loguniform"),
                Dim("gamma", 1e-5, 1.0, "loguniform"),
                Dim("epsilon", 1e-2, 1e2, "loguniform"),
            ),
        ),
        Option("Ridge", (Dim("alpha", 1e-4, 1e3, "loguniform"),)),
        _forest("RandomForestRegressor"),
    )
    out["diabetes"] = Conditional(
        "SVR / Ridge / RandomForest on diabetes (RMSE)",
        regression,
        _regressors(),
        lambda model: cv_objective("diabetes", model),
    )
    return out


def run_hpmagic(problem: Conditional, n: int, seed: int) -> list[tuple[float, int]]:
    """(value, option index) per trial, in trial order."""
    from hpmagic import Options, create_study, tune

    namespace = {"objective": problem.objective, "tune": tune, **problem.make}
    study = create_study(conditional.hpmagic_cell(problem), namespace, Options(store=None, seed=seed))
    study.run(n).wait()
    trials = sorted(study.trials, key=lambda t: t.number)
    names = [o.name for o in problem.options]
    return [
        (float(t.value), next(i for i, nm in enumerate(names) if str(t.params["m"]).startswith(nm + "(")))
        for t in trials
    ]


def run_random(problem: Conditional, n: int, seed: int) -> list[tuple[float, int]]:
    values = conditional.run_hpmagic(problem, n, seed, algo="rand")
    return [(v, -1) for v in values]


def _without_options(
    fn: Callable[[Conditional, int, int], list[float]],
) -> Callable[..., list[tuple[float, int]]]:
    return lambda problem, n, seed: [(v, -1) for v in fn(problem, n, seed)]


SEARCHERS: dict[str, Callable[[Conditional, int, int], list[tuple[float, int]]]] = {
    "hpmagic (default)": run_hpmagic,
    "hyperopt TPE (fmin default)": _without_options(conditional.run_hyperopt),
    "Optuna TPE (default)": _without_options(conditional.run_optuna),
    "random search": run_random,
}


def measure(
    keys: Sequence[str], seeds: Sequence[int], budget: int
) -> dict[tuple[str, str], list[list[tuple[float, int]]]]:
    found = problems()
    out = {}
    for key in keys:
        for name, fn in SEARCHERS.items():
            out[(key, name)] = [fn(found[key], budget, s) for s in seeds]
        print(f"  measured {key}", file=sys.stderr, flush=True)
    return out


def collapsed(trace: list[tuple[float, int]], last: int = 30, margin: float = 0.05) -> tuple[bool, bool]:
    """Whether the last ``last`` trials all chose one option, and whether that option was *not*
    best by ``margin`` (relative): another option's best came within it."""
    tail = [o for _, o in trace[-last:]]
    if len(trace) < 2 * last or len(set(tail)) != 1:
        return False, False
    best: dict[int, float] = {}
    for v, o in trace:
        best[o] = min(best.get(o, np.inf), v)
    mine = best[tail[0]]
    others = [b for o, b in best.items() if o != tail[0]]
    return True, bool(others) and min(others) <= mine + margin * abs(mine)


def report(
    traces: dict[tuple[str, str], list[list[tuple[float, int]]]], keys: Sequence[str], budgets: Sequence[int]
) -> None:
    from scipy.stats import mannwhitneyu

    found = problems()
    names = list(SEARCHERS)
    rows, lost = [], {n: 0 for n in names[1:]}
    for key in keys:
        for k in budgets:
            best = {n: np.array([min(v for v, _ in t[:k]) for t in traces[(key, n)]]) for n in names}
            cells = [common.mean_sd(best[names[0]], 4)]
            for n in names[1:]:
                worse = mannwhitneyu(best[names[0]], best[n], alternative="greater").pvalue < 0.05
                lost[n] += worse
                cells.append(common.mean_sd(best[n], 4) + (" *" if worse else ""))
            rows.append([f"{found[key].name} @{k}", *cells])
    common.print_table(
        ["cell @evaluations", *names], rows, "Best value found, mean ± sd over the seeds (lower is better):"
    )
    n_cells = len(keys) * len(budgets)
    print(
        "Cells where a rival is significantly ahead of hpmagic: "
        + ", ".join(f"{n} {lost[n]}/{n_cells}" for n in lost)
    )
    k = max(budgets)
    if k >= 60:
        stuck = [collapsed(t[:k]) for key in keys for t in traces[(key, names[0])]]
        print(
            f"hpmagic seeds whose last 30 of {k} trials all chose one option: {sum(s for s, _ in stuck)}/{len(stuck)}; "
            f"of those, where another option's best was within 5 %: {sum(w for _, w in stuck)}"
        )
    print()


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    args = list(sys.argv[1:] if argv is None else argv)
    keys = [a for a in args if a in DATASETS] or (["breast_cancer"] if quick else list(DATASETS))
    seeds = range(2) if quick else range(10)
    budgets = (12,) if quick else BUDGETS
    common.print_header(
        "Search quality on a choice of models with a continuous objective",
        "hpmagic default vs raw hyperopt TPE vs Optuna TPE vs random search",
        f"{', '.join(problems()[k].name for k in keys)}; seeds {list(seeds)}; best after "
        f"{' and '.join(map(str, budgets))} evaluations",
    )
    with common.Timer() as t:
        traces = measure(keys, seeds, max(budgets))
    report(traces, keys, budgets)
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
