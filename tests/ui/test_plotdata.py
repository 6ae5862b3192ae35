"""The dashboard's plot data, computed without drawing."""

from __future__ import annotations

import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np

from hpmagic.core.space import Dimension
from hpmagic.ui import plotdata


def test_best_so_far_skips_missing_values_both_directions():
    vals = [math.nan, 3.0, 5.0, 1.0, math.nan, 2.0]
    lo = plotdata.best_so_far(vals, "minimize")
    assert math.isnan(lo[0]) and lo[1:].tolist() == [3, 3, 1, 1, 1]
    hi = plotdata.best_so_far(vals, "maximize")
    assert hi[1:].tolist() == [3, 5, 5, 5, 5]


def test_spans_decades():
    assert plotdata.spans_decades([0.001, 0.5, 2.0])
    assert not plotdata.spans_decades([0.1, 0.5, 0.9])
    assert not plotdata.spans_decades([-1.0, 100.0])  # not positive: no log axis
    assert not plotdata.spans_decades([5.0])


def test_convergence_best_line_is_exact_and_points_are_capped():
    rng = np.random.default_rng(0)
    n = 5000
    values = rng.random(n).tolist()
    states = ["complete"] * n
    states[10] = "failed"
    values[10] = math.nan
    data = plotdata.convergence(range(n), values, states, max_points=300)
    assert data.n == n
    assert len(data.x) <= 300 + len(data.best_x)
    # every improvement is drawn and the line reaches the last trial
    best = plotdata.best_so_far(np.where(np.isnan(values), np.nan, values))
    assert data.best_y.min() == np.nanmin(values)
    assert data.best_x[-1] == n - 1
    assert np.all(np.diff(data.best_y) <= 0)
    for x in data.best_x[:-1]:
        assert x in set(data.x.tolist())
    assert data.failed_x.tolist() == [10]
    assert best[-1] == data.best_y[-1]


def test_convergence_maximize_and_log():
    data = plotdata.convergence([0, 1, 2], [0.001, 0.1, 10.0], ["complete"] * 3, "maximize")
    assert data.best_y.tolist() == [0.001, 0.1, 10.0]
    assert data.log


def test_convergence_of_nothing():
    data = plotdata.convergence([], [], [])
    assert data.n == 0 and data.x.size == 0 and data.best_x.size == 0


def test_pruned_trials_are_separate():
    data = plotdata.convergence([0, 1, 2], [1.0, 0.5, 2.0], ["complete", "pruned", "complete"])
    assert data.pruned_x.tolist() == [1] and 1 not in data.x.tolist()
    assert data.best_y.min() == 1.0  # a pruned value is not a result


def _dim(**kw):
    base = dict(key="k", label="k", kind="uniform", line=1, low=0.0, high=1.0)
    base.update(kw)
    return Dimension(**base)


def test_dimension_numeric_and_log_axis():
    dim = _dim(kind="loguniform", low=1e-4, high=1e-1)
    raws = [{"k": 1e-3}, {"k": 1e-2}, {}, {"k": 5e-2}]
    data = plotdata.dimension(
        dim, [0, 1, 2, 3], [3.0, 1.0, 0.5, math.nan], ["complete"] * 3 + ["failed"], raws
    )
    assert data.log_x and data.kind == "numeric"
    assert sorted(data.x.tolist()) == [1e-3, 1e-2]  # trial 2 did not have the dimension
    assert data.failed_x.tolist() == [5e-2]
    assert data.best_x == 1e-2 and data.best_y == 1.0
    assert data.bounds == (1e-4, 1e-1)


def test_dimension_choice_uses_categories_with_jitter():
    dim = _dim(
        kind="choice", low=None, high=None, options=["a", "<b>", None, "SVC(C=tune.loguniform(0.01, 100))"]
    )
    raws = [{"k": i % 4} for i in range(8)]
    data = plotdata.dimension(dim, list(range(8)), [float(i) for i in range(8)], ["complete"] * 8, raws)
    assert data.kind == "choice"
    assert data.categories[:3] == ["a", "<b>", "None"]
    assert len(data.categories[3]) <= 24
    assert np.all(np.abs(data.x - np.round(data.x)) <= 0.3)
    assert data.best_x == 0.0


def test_jitter_is_deterministic():
    a = plotdata.jitter(np.arange(10))
    assert np.array_equal(a, plotdata.jitter(np.arange(10)))
    assert np.all(np.abs(a) <= 0.3)


def test_importance_bars_sorted_and_sane():
    assert plotdata.importance_bars(None) == []
    bars = plotdata.importance_bars({"a": 0.2, "b": 0.7, "c": float("nan"), "d": "x", "e": 0.1})
    assert bars == [("b", 0.7), ("a", 0.2), ("e", 0.1)]


def test_report_curves_keep_recent_and_best():
    reports = {n: [(s, 10.0 - s - n * 0.01) for s in range(5)] for n in range(100)}
    final = {n: reports[n][-1][1] for n in reports}
    curves = plotdata.report_curves(reports, {}, final, max_curves=10)
    numbers = [c[0] for c in curves.curves]
    assert len(numbers) <= 10 and 99 in numbers and curves.n == 100


def test_history_appends_columns():
    h = plotdata.History()
    h.add(SimpleNamespace(number=0, value=1.0, state="complete", raw={"a": 1}, reports=[(0, 2.0)]))
    h.add(SimpleNamespace(number=1, value=None, state="failed", raw={"a": 2, "b": 0}, reports=[]))
    assert len(h) == 2 and h.counts["failed"] == 1 and h.touched == {"a": 2, "b": 1}
    assert math.isnan(h.values[1]) and h.reports == {0: [(0, 2.0)]}


def test_plotdata_does_not_import_matplotlib():
    code = "import sys, hpmagic.ui.plotdata; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_plots_draw_png():
    from hpmagic.ui import plots

    data = plotdata.convergence([0, 1, 2], [1.0, 0.5, math.nan], ["complete", "complete", "failed"])
    assert plots.convergence_png(data)[:8] == b"\x89PNG\r\n\x1a\n"
    dim = _dim(kind="choice", low=None, high=None, options=["a", "b"])
    d = plotdata.dimension(dim, [0, 1], [1.0, 2.0], ["complete"] * 2, [{"k": 0}, {"k": 1}])
    assert plots.dimension_png(d)[:4] == b"\x89PNG"
    assert plots.importance_png([("a", 0.6), ("b", 0.4)])[:4] == b"\x89PNG"


def test_infeasible_trials_never_make_the_best_line():
    h = plotdata.History()
    h.add(SimpleNamespace(number=0, value=1.0, state="complete", raw={}, reports=[], feasible=True))
    h.add(SimpleNamespace(number=1, value=0.1, state="complete", raw={}, reports=[], feasible=False))
    assert h.states == ["complete", "infeasible"] and h.counts["complete"] == 2
    data = plotdata.convergence(h.numbers, h.values, h.states)
    assert data.best_y.min() == 1.0 and 1 not in data.x.tolist()
