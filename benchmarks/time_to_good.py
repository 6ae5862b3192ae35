"""Time to a good model: how long until a study's best CV error is within 1 % of the best known.

Three cells a person tunes, each 5-fold cross-validated on the same folds by every
method: a HistGradientBoostingClassifier on 20 000 generated rows (log loss), an SVC on
digits (error rate), a RandomForestRegressor on Friedman #1 (mean squared error).
Compared: hpmagic's TPE without pruning, with ``--prune folds``, with ``--prune
halving`` (over the same fold reports); Optuna's TPE with its WilcoxonPruner over the
same folds (each fold reported, a pruned trial returning the mean of its folds, as
Optuna's documentation advises); scikit-learn's HalvingRandomSearchCV on the same
splitter and space.

Every method runs serially with one BLAS/OpenMP thread. "Time to good" is the time at
which a search's best error first comes within the tolerance of the best error any
method found on that cell in this run (1 % relative, and never less than one sample's
worth for an error rate: 1.01/1797 on digits, the 1 % absorbing folds of unequal
sizes), ``>budget`` when it never does. It is read on the process's CPU clock, which
is the wall time on an idle core and does not move with what else the machine runs;
the wall clock is printed beside it (equal to it when each search had a core to
itself). Each search gets the same CPU budget per cell. HalvingRandomSearchCV is not
an anytime search: its time is that of the whole fit, counted only when the
configuration it returns (scored on the same 5 folds, untimed) is within the tolerance.

    nice python benchmarks/time_to_good.py           # 3 cells × 10 seeds: ~100 CPU-minutes, 2 searches at once
    python benchmarks/time_to_good.py --quick        # one small cell, one seed: seconds
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread everywhere: CPU time = wall time on one core

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

import numpy as np  # noqa: E402


# -- the cells ---------------------------------------------------------------------
@dataclass
class Cell:
    """One tuning problem: data, splitter, scorer, and the same space for every method."""

    key: str
    title: str
    budget: float  # CPU seconds per search
    data: Callable[[], tuple[Any, Any]]
    model: str  # expression of the estimator, over annotations (the %%tune cell's text)
    space: dict[str, tuple[str, float, float]]  # label → (kind, low, high), kind in uniform/log/int/logint
    scoring: str
    classifier: bool
    #: objective from the mean fold score (greater is better): an error to minimise
    error: Callable[[float], float]
    tolerance_floor: float = 0.0  # one sample's worth for an error rate (1 % more: folds differ in size)
    halving_candidates: int = 60

    def good(self, best: float, share: float = 0.01) -> float:
        """The worst error that counts as good when ``best`` is the best known: within ``share`` of it
        (relative), or within the tolerance floor (one sample of an error rate), whichever is wider."""
        return best + max(share * abs(best), self.tolerance_floor)


def _hgb_data(rows: int) -> Callable[[], tuple[Any, Any]]:
    def data() -> tuple[Any, Any]:
        from sklearn.datasets import make_classification

        return make_classification(
            n_samples=rows, n_features=20, n_informative=8, flip_y=0.05, random_state=0
        )

    return data


def _digits() -> tuple[Any, Any]:
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _friedman(rows: int) -> Callable[[], tuple[Any, Any]]:
    def data() -> tuple[Any, Any]:
        from sklearn.datasets import make_friedman1

        return make_friedman1(n_samples=rows, n_features=10, noise=1.0, random_state=0)

    return data


HGB_SPACE = {
    "learning_rate": ("log", 0.01, 1.0),
    "max_iter": ("int", 20, 200),
    "max_leaf_nodes": ("logint", 4, 128),
    "min_samples_leaf": ("logint", 2, 200),
    "l2_regularization": ("log", 1e-4, 10.0),
}
SVC_SPACE = {"C": ("log", 1e-2, 1e3), "gamma": ("log", 1e-5, 1e-1)}
RF_SPACE = {
    "n_estimators": ("int", 10, 150),
    "max_features": ("uniform", 0.1, 1.0),
    "min_samples_leaf": ("logint", 1, 50),
    "max_depth": ("int", 2, 30),
}


def cells(quick: bool) -> dict[str, Cell]:
    """The three cells (quick: one small SVC cell with a 1 s budget, for the smoke test)."""
    svc = dict(model="SVC", space=SVC_SPACE, scoring="accuracy", classifier=True, error=lambda s: 1 - s)
    if quick:
        small = Cell(
            key="svc", title="SVC on 300 digits (error rate)", budget=1.0,
            data=lambda: tuple(a[:300] for a in _digits()), tolerance_floor=1.01 / 300,
            halving_candidates=10, **svc,
        )  # fmt: skip
        return {"svc": small}
    return {
        "hgb": Cell(
            key="hgb", title="HistGradientBoostingClassifier, 20 000 generated rows (log loss)", budget=60.0,
            data=_hgb_data(20_000), model="HistGradientBoostingClassifier", space=HGB_SPACE,
            scoring="neg_log_loss", classifier=True, error=lambda s: -s, halving_candidates=40,
        ),
        "svc": Cell(
            key="svc", title="SVC on digits, 1 797 rows (error rate)", budget=40.0, data=_digits,
            tolerance_floor=1.01 / 1797, halving_candidates=60, **svc,
        ),
        "rf": Cell(
            key="rf", title="RandomForestRegressor, Friedman #1, 1 500 rows (MSE)", budget=40.0,
            data=_friedman(1500), model="RandomForestRegressor", space=RF_SPACE,
            scoring="neg_mean_squared_error", classifier=False, error=lambda s: -s, halving_candidates=30,
        ),
    }  # fmt: skip


def estimator(cell: Cell, params: dict[str, Any]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
    from sklearn.svm import SVC

    if cell.model == "SVC":
        return SVC(**params)
    if cell.model == "RandomForestRegressor":
        return RandomForestRegressor(random_state=0, **params)
    if cell.model == "GradientBoostingRegressor":
        from sklearn.ensemble import GradientBoostingRegressor

        return GradientBoostingRegressor(random_state=0, **params)
    return HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params)


def splitter(cell: Cell) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    kind = StratifiedKFold if cell.classifier else KFold
    return kind(n_splits=5, shuffle=True, random_state=0)


# -- one search's trace --------------------------------------------------------------
@dataclass
class Run:
    """When (CPU seconds from the start) each complete trial ended, and the best error then."""

    trace: list[tuple[float, float]] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)  # wall-clock seconds at the same points
    #: (CPU seconds, error) of each complete trial, in order (hpmagic's runs): where the time went
    spent: list[tuple[float, float]] = field(default_factory=list)
    trials: int = 0
    pruned: int = 0
    folds: int = 0  # folds fitted over all trials
    final_only: bool = False  # not anytime: only its last point counts

    def best(self) -> float:
        return min((e for _, e in self.trace), default=math.inf)

    def time_to(self, target: float, wall: bool = False) -> float:
        points = list(zip(self.walls, (e for _, e in self.trace))) if wall else self.trace
        points = points[-1:] if self.final_only else points
        return next((t for t, e in points if e <= target), math.inf)

    def mark(self, cpu: float, wall: float, error: float) -> None:
        """A complete trial ended: the best error so far, at these clocks."""
        self.trace.append((cpu, min(error, self.best())))
        self.walls.append(wall)


def hpmagic_cell(cell: Cell) -> str:
    words = {"uniform": "uniform", "log": "loguniform", "int": "int", "logint": "logint"}
    args = ", ".join(
        f"{label}=tune.{words[kind]}({low!r}, {high!r})" for label, (kind, low, high) in cell.space.items()
    )
    return f"scores = tune.cross_val_score(make({args}), X, y, cv=CV, scoring={cell.scoring!r})\nerror(scores.mean())"


def cell_namespace(cell: Cell, X: Any, y: Any) -> dict[str, Any]:
    """What the text of :func:`hpmagic_cell` reads: the data, the splitter, the error, the estimator."""
    from hpmagic import tune

    return {
        "tune": tune, "X": X, "y": y, "CV": splitter(cell), "error": cell.error,
        "make": lambda **p: estimator(cell, p),
    }  # fmt: skip


def only(chosen: dict[str, Cell], keys: str | None) -> dict[str, Cell]:
    """The cells named in ``keys`` (comma-separated), all when None."""
    return {k: v for k, v in chosen.items() if k in keys.split(",")} if keys else chosen


def run_hpmagic(cell: Cell, X: Any, y: Any, seed: int, prune: str, pruned: str = "worst") -> Run:
    """hpmagic's default search; ``pruned``: how pruned trials are told to it (SearchSettings.pruned)."""
    from hpmagic import Options, create_study
    from hpmagic.search.searcher import SearchSettings

    run, start, wall = Run(), time.process_time(), time.perf_counter()

    class Clock:
        last = 0.0  # CPU clock when the previous trial ended (trials run one at a time)

        def trial_ended(self, study: Any, trial: Any) -> None:
            now = time.process_time() - start
            took, self.last = now - self.last, now
            run.trials += 1
            ran = trial.extras.get("cv_folds", "5/5")
            run.folds += int(str(ran).split("/")[0])
            if trial.state == "pruned":
                run.pruned += 1
            elif trial.state == "complete":
                run.mark(now, time.perf_counter() - wall, trial.value)
                run.spent.append((took, trial.value))
            if now > cell.budget:
                study.stop()

    settings = SearchSettings(pruned=pruned)
    study = create_study(
        hpmagic_cell(cell),
        cell_namespace(cell, X, y),
        Options(seed=seed, prune=prune),
        search_settings=settings,
    )
    study.subscribe(Clock())
    study.run(100_000).wait()
    return run


def run_optuna(cell: Cell, X: Any, y: Any, seed: int) -> Run:
    import optuna
    from sklearn.model_selection import cross_validate

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    splits = list(splitter(cell).split(X, y))
    run, start, wall = Run(), time.process_time(), time.perf_counter()

    def suggest(trial: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for label, (kind, low, high) in cell.space.items():
            if kind in ("int", "logint"):
                out[label] = trial.suggest_int(label, int(low), int(high), log=kind == "logint")
            else:
                out[label] = trial.suggest_float(label, low, high, log=kind == "log")
        return out

    def objective(trial: Any) -> float:
        model, errors = estimator(cell, suggest(trial)), []
        for i, split in enumerate(splits):
            score = cross_validate(model, X, y, cv=[split], scoring=cell.scoring)["test_score"][0]
            errors.append(cell.error(float(score)))
            run.folds += 1
            trial.report(errors[-1], i)
            if trial.should_prune():
                run.pruned += 1
                return float(np.mean(errors))  # Optuna's advice for its WilcoxonPruner with TPE
        return float(np.mean(errors))

    def clock(study: Any, trial: Any) -> None:
        now = time.process_time() - start
        run.trials += 1
        if trial.value is not None and len(trial.intermediate_values) == len(splits):
            run.mark(now, time.perf_counter() - wall, trial.value)
        if now > cell.budget:
            study.stop()

    study = optuna.create_study(
        sampler=optuna.samplers.TPESampler(seed=seed), pruner=optuna.pruners.WilcoxonPruner()
    )
    study.optimize(objective, callbacks=[clock])
    return run


def run_halving_search(cell: Cell, X: Any, y: Any, seed: int) -> Run:
    from scipy.stats import loguniform, randint, uniform
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV, cross_val_score

    dists = {
        "uniform": lambda lo, hi: uniform(lo, hi - lo),
        "log": loguniform,
        "int": lambda lo, hi: randint(int(lo), int(hi) + 1),
        "logint": lambda lo, hi: _LogInt(int(lo), int(hi)),
    }
    space = {label: dists[kind](low, high) for label, (kind, low, high) in cell.space.items()}
    start, wall = time.process_time(), time.perf_counter()
    search = HalvingRandomSearchCV(
        estimator(cell, {}), space, n_candidates=cell.halving_candidates, cv=splitter(cell),
        scoring=cell.scoring, random_state=seed, refit=False,
    )  # fmt: skip
    search.fit(X, y)
    seconds, walled = time.process_time() - start, time.perf_counter() - wall
    score = cross_val_score(
        estimator(cell, search.best_params_), X, y, cv=splitter(cell), scoring=cell.scoring
    )
    n = len(search.cv_results_["params"])
    error = cell.error(float(score.mean()))
    return Run([(seconds, error)], [walled], trials=n, final_only=True, folds=5 * n)


class _LogInt:
    """An integer whose logarithm is uniform (scipy has none), for HalvingRandomSearchCV."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def rvs(self, random_state: Any = None, size: Any = None) -> int:
        rng = np.random.default_rng(random_state) if not hasattr(random_state, "uniform") else random_state
        x = math.exp(rng.uniform(math.log(self.low), math.log(self.high + 1)))
        return int(min(self.high, max(self.low, math.floor(x))))


METHODS: dict[str, Callable[[Cell, Any, Any, int], Run]] = {
    "hpmagic, no pruning": lambda c, X, y, s: run_hpmagic(c, X, y, s, "none"),
    "hpmagic --prune folds": lambda c, X, y, s: run_hpmagic(c, X, y, s, "folds"),
    "hpmagic --prune halving": lambda c, X, y, s: run_hpmagic(c, X, y, s, "halving"),
    "Optuna TPE + WilcoxonPruner": run_optuna,
    "HalvingRandomSearchCV": run_halving_search,
}
#: measured on request (--methods): how the search should be told of fold-pruned trials
VARIANTS: dict[str, Callable[[Cell, Any, Any, int], Run]] = {
    "hpmagic --prune folds (pruned told their estimate)": lambda c, X, y, s: run_hpmagic(
        c, X, y, s, "folds", "last"
    ),
    "hpmagic --prune folds (pruned not told)": lambda c, X, y, s: run_hpmagic(c, X, y, s, "folds", "none"),
}
ALL_METHODS = {**METHODS, **VARIANTS}


# -- the tables --------------------------------------------------------------------------
def _seconds(x: float, budget: float) -> str:
    return f">{budget:g}" if math.isinf(x) else f"{x:.1f}"


def one_search(quick: bool, key: str, name: str, seed: int) -> Run:
    """One method's search on one cell (a task for a worker process)."""
    import warnings

    # scoring a tiny subsample with one class (HalvingRandomSearchCV's first rungs) warns at length;
    # the NaN it scores is the method's own behaviour, kept, but not printed fold after fold
    warnings.filterwarnings("ignore", message="Scoring failed")
    warnings.filterwarnings("ignore", message=".*is experimental")
    cell = cells(quick)[key]
    X, y = cell.data()
    run = ALL_METHODS[name](cell, X, y, seed)
    print(f"  {key} · {name} · seed {seed}: best {run.best():.5g}", file=sys.stderr, flush=True)
    return run


def measure(
    quick: bool, keys: list[str], seeds: list[int], jobs: int, methods: list[str] | None = None
) -> dict[str, dict[str, list[Run]]]:
    """Every (cell, method, seed) search, ``jobs`` at once in worker processes (1: in this one).

    Each search is timed by its own process's CPU clock, so running searches side by side
    changes the wall time of the whole benchmark, not the figures.
    """
    methods = methods or list(METHODS)
    tasks = [(quick, key, name, seed) for key in keys for name in methods for seed in seeds]
    if jobs <= 1:
        results = [one_search(*task) for task in tasks]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")  # fresh workers: nothing inherited, no forked threads
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            results = list(pool.map(one_search, *zip(*tasks)))
    out: dict[str, dict[str, list[Run]]] = {key: {name: [] for name in methods} for key in keys}
    for (_, key, name, _), run in zip(tasks, results):
        out[key][name].append(run)
    return out


def load(paths: list[str], keys: list[str], methods: list[str]) -> dict[str, dict[str, list[Run]]]:
    """Traces saved by earlier runs (``--save``), merged: each method's runs of every file."""
    import json

    out: dict[str, dict[str, list[Run]]] = {key: {name: [] for name in methods} for key in keys}
    for path in paths:
        with open(path) as f:
            saved = json.load(f)
        for key in keys:
            for name in methods:
                for r in saved.get(key, {}).get(name, []):
                    out[key][name].append(Run(**{**r, "trace": [tuple(p) for p in r["trace"]]}))
    return out


def _speedup(base: float, median: float, budget: float) -> str:
    """``base / median``; a lower bound when the first row never got there within the budget."""
    if not math.isfinite(median):
        return "–"
    if not math.isfinite(base):
        return f"≥{budget / median:.2f}×"
    return f"{base / median:.2f}×"


def report(cell: Cell, runs: dict[str, list[Run]], best: float | None = None) -> dict[str, float]:
    """Print the cell's table (``best``: the best error known, else this run's); each method's median
    time to good."""
    best = min(r.best() for rs in runs.values() for r in rs) if best is None else best
    target = cell.good(best)
    medians: dict[str, float] = {}
    rows = []
    base = None
    for name, rs in runs.items():
        times = [r.time_to(target) for r in rs]
        median = statistics.median(times)
        wall = statistics.median(r.time_to(target, wall=True) for r in rs)
        medians[name] = median
        base = median if base is None else base
        speedup = _speedup(base, median, cell.budget)
        rows.append(
            [
                name,
                _seconds(median, cell.budget),
                " ".join(_seconds(t, cell.budget) for t in times),
                speedup,
                _seconds(wall, cell.budget),
                f"{statistics.median(r.best() for r in rs):.5g}",
                f"{statistics.fmean(r.trials for r in rs):.0f}",
                f"{statistics.fmean(r.pruned for r in rs):.0f}",
                f"{statistics.fmean(r.folds for r in rs):.0f}",
            ]
        )
    common.print_table(
        [
            "method",
            "time to good (s, median)",
            "each seed",
            "speed-up vs first row",
            "wall-clock (s, median)",
            "final best (median)",
            "trials",
            "pruned",
            "folds fitted",
        ],
        rows,
        f"**{cell.title}** — 5-fold CV, budget {cell.budget:g} CPU-s per search; best known {best:.5g}, "
        f"good ≤ {target:.5g}",
    )
    ceiling = pruning_ceiling(runs.get("hpmagic, no pruning", []), target)
    if ceiling is not None:
        share, most = ceiling
        print(
            f"Without pruning, trials that ended worse than good took {share:.0%} of the CPU time; "
            f"stopping each after its first of 5 folds would save at most {0.8 * share:.0%} of it, "
            f"a speed-up of at most {most:.2f}× if the search went as it did.\n"
        )
    return medians


def pruning_ceiling(runs: list[Run], target: float) -> tuple[float, float] | None:
    """(share of CPU spent on trials worse than ``target``, the speed-up stopping them all after
    one fold of five would give): what fold pruning could buy at most on this cell."""
    spent = [(cpu, error) for r in runs for cpu, error in r.spent]
    total = sum(cpu for cpu, _ in spent)
    if not total:
        return None
    share = sum(cpu for cpu, error in spent if error > target) / total
    return share, 1 / (1 - 0.8 * share)


def chosen_methods(text: str) -> list[str]:
    """The methods named in ``text``, in its order: names hold commas, so known names are matched
    first and what is left between them, once separators are dropped, is an unknown name."""
    found, rest = [], text
    for name in sorted(ALL_METHODS, key=len, reverse=True):
        at = rest.find(name)
        if at >= 0:
            found.append((text.find(name), name))
            rest = rest[:at] + "," + rest[at + len(name) :]
    leftover = [piece.strip() for piece in rest.split(",") if piece.strip()]
    return [name for _, name in sorted(found)] + leftover


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small cell, one seed, a 1 s budget")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per method (default 10; quick: 1)")
    parser.add_argument("--cells", default=None, help="comma-separated: hgb,svc,rf")
    parser.add_argument("--jobs", type=int, default=None, help="searches at once (default 2; quick: 1)")
    parser.add_argument("--save", default=None, help="also write every search's trace to this JSON file")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed, first-seed + 1, ...")
    parser.add_argument(
        "--load", default=None, help="comma-separated JSON files of --save: report them, run nothing"
    )
    parser.add_argument(
        "--best-known",
        default=None,
        help="cell=value,... : the best error to measure against instead of this run's best (another run's)",
    )
    parser.add_argument(
        "--methods",
        default=None,
        help=f"names among {'; '.join(ALL_METHODS)}, separated by commas (default: the first five)",
    )
    args = parser.parse_args(argv)
    chosen = only(cells(args.quick), args.cells)
    seeds = list(range(args.first_seed, args.first_seed + (args.seeds or (1 if args.quick else 10))))
    methods = chosen_methods(args.methods) if args.methods else list(METHODS)
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        parser.error(f"unknown method {unknown[0]!r}")
    common.print_header(
        "Time to a good model",
        ", ".join(methods),
        f"{len(chosen)} cells × {len(seeds)} seeds, 5-fold CV on fixed folds; CPU time, one thread per search",
    )
    if args.load:
        runs = load(args.load.split(","), list(chosen), methods)
    else:
        runs = measure(args.quick, list(chosen), seeds, args.jobs or (1 if args.quick else 2), methods)
    if args.save:
        import json
        from dataclasses import asdict

        with open(args.save, "w") as f:
            json.dump({k: {m: [asdict(r) for r in rs] for m, rs in v.items()} for k, v in runs.items()}, f)
    known = dict(item.split("=") for item in args.best_known.split(",")) if args.best_known else {}
    for key, cell in chosen.items():
        report(cell, runs[key], float(known[key]) if key in known else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
