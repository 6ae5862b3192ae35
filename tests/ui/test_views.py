"""The dashboard's views: parallel coordinates, the map of two dimensions, the runs of a study."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.lines import Line2D
from matplotlib.text import Text

import hpmagic
from hpmagic.core.space import Dimension
from hpmagic.ui import dashboard, plotdata, plots


def _dim(key: str = "k", **kw) -> Dimension:
    base = dict(key=key, label=key, kind="uniform", line=1, low=0.0, high=1.0)
    base.update(kw)
    return Dimension(**base)


def _choice(key: str, options: list) -> Dimension:
    return _dim(key, kind="choice", low=None, high=None, options=options, allowed=list(range(len(options))))


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text()]


def test_axes_are_normalised_to_the_current_range_log_in_decades():
    val, ok = np.ones(4), np.ones(4, dtype=bool)
    lin = plotdata.unit_axis(_dim(low=0.0, high=10.0), np.array([0.0, 5.0, 10.0, 20.0]), val, ok, "minimize")
    assert lin.pos[:3].tolist() == [0.0, 0.5, 1.0]
    assert 1.0 < lin.pos[3] < 1.1  # past a narrowed range: at its edge, not off the plot
    assert [t for _, t in lin.ticks] == ["0", "5", "10"] and not lin.log
    log = plotdata.unit_axis(
        _dim(kind="loguniform", low=1e-4, high=1e-1),
        np.array([1e-4, 10**-2.5, 1e-1, math.nan]),
        val,
        ok,
        "minimize",
    )
    assert np.allclose(log.pos[:3], [0.0, 0.5, 1.0]) and math.isnan(log.pos[3]) and log.log
    assert [t for _, t in log.ticks] == ["0.0001", "0.00316", "0.1"]


def test_choices_are_evenly_spaced_categories_with_their_literal_labels():
    dim = _choice("c", ["$x$", "b", "c"])
    axis = plotdata.unit_axis(
        dim, np.array([0.0, 1.0, 2.0, 2.0]), np.ones(4), np.ones(4, dtype=bool), "minimize"
    )
    assert axis.pos.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert axis.ticks == [(0.0, "$x$"), (0.5, "b"), (1.0, "c")]


def test_parallel_highlights_the_best_and_caps_the_lines():
    n = 1000
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, n)
    c = rng.integers(0, 3, n).astype(float)
    values = (x - 0.3) ** 2 + c
    values[7] = -1.0  # the best, far from the recent end
    states = ["complete"] * n
    states[8] = "failed"
    values[8] = math.nan
    dims = [_dim("x"), _choice("c", ["a", "b", "c"])]
    data = plotdata.parallel(dims, range(n), values, states, [x, c], "minimize", max_lines=100)
    assert data.best_number == 7 and data.n == n - 1
    assert np.allclose(data.best, [x[7], c[7] / 2])
    assert 50 < data.lines.shape[0] <= 100 and data.lines.shape[1] == 2
    top = int(np.argmax(data.shade))  # the lightest line is the best trial's
    assert data.shade[top] == 1.0 and np.allclose(data.lines[top], data.best)
    assert np.allclose(data.lines[-1], [x[-1], c[-1] / 2])  # the latest trial is drawn too
    hi = plotdata.parallel(dims, range(n), values, states, [x, c], "maximize", max_lines=100)
    assert hi.best_number == int(np.nanargmax(values))


def test_parallel_leaves_inactive_dimensions_blank():
    dims = [_dim("x"), _dim("y")]
    data = plotdata.parallel(
        dims, [0, 1], [1.0, 2.0], ["complete"] * 2, [np.array([0.5, 0.2]), np.array([math.nan, 1.0])]
    )
    assert math.isnan(data.lines[0, 1]) and data.lines[1, 1] == 1.0


def test_map_bins_the_mean_and_leaves_empty_bins_blank():
    x = np.array([0.05, 0.06, 0.95, 0.55])
    y = np.array([0.05, 0.04, 0.95, 0.55])
    vals = [1.0, 3.0, 10.0, 4.0]
    data = plotdata.value_map(_dim("x"), _dim("y"), range(4), vals, ["complete"] * 4, x, y, bins=4)
    assert data.grid.shape == (4, 4) and data.n == 4
    assert data.grid[0, 0] == 2.0 and data.grid[3, 3] == 10.0 and data.grid[2, 2] == 4.0
    assert int(np.isnan(data.grid).sum()) == 13  # 16 bins, 3 with trials
    assert data.best == (0.05, 0.05)


def test_integer_dimensions_get_a_bin_each_and_plain_ticks():
    k = np.array([1.0, 2.0, 2.0, 4.0])
    data = plotdata.value_map(
        _dim("k", kind="int", low=1, high=4),
        _dim("x"),
        range(4),
        [1, 2, 3, 4],
        ["complete"] * 4,
        k,
        np.full(4, 0.5),
        bins=12,
    )
    assert data.x.edges.tolist() == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert np.isnan(data.grid[:, 2]).all() and data.grid[6, 1] == 2.5
    axis = plotdata.unit_axis(
        _dim("n", kind="int", low=10, high=1000), k, np.ones(4), np.ones(4, dtype=bool), "minimize"
    )
    assert [t for _, t in axis.ticks] == ["10", "505", "1000"]


def test_map_of_a_choice_and_a_log_dimension():
    c = np.array([0.0, 1.0, 1.0, 2.0, math.nan])
    lr = np.array([1e-4, 1e-3, 1e-3, 1e-1, 1e-2])
    dims = (_choice("c", ["<a>", "b", "c"]), _dim("lr", kind="loguniform", low=1e-4, high=1e-1))
    data = plotdata.value_map(*dims, range(5), [1, 2, 4, 8, 0], ["complete"] * 5, c, lr, bins=3)
    assert data.x.categories == ["<a>", "b", "c"] and data.x.edges.tolist() == [-0.5, 0.5, 1.5, 2.5]
    assert data.y.log and np.allclose(data.y.edges, [1e-4, 1e-3, 1e-2, 1e-1])
    assert data.n == 4  # the trial without the choice is left out
    assert data.grid[1, 1] == 3.0  # bins hold their mean
    assert data.best == (0.0, 1e-4)


def test_runs_come_from_known_starts_and_long_pauses():
    started = [100.0, 101.0, 102.0, 103.0, 500.0, 501.0]
    ended = [100.9, 101.9, 102.9, 103.9, 500.9, 501.9]
    assert plotdata.run_starts(started, ended) == [0, 4]  # a 396 s pause: the cell was run again
    assert plotdata.run_starts(started, ended, known=[2]) == [0, 2, 4]
    assert plotdata.run_starts([0.0] * 4, [0.0] * 4) == [0]  # old records without times: one run
    assert plotdata.run_starts([], []) == []
    data = plotdata.runs(
        range(6),
        [5.0, 4.0, 6.0, math.nan, 3.0, 7.0],
        ["complete"] * 3 + ["failed", "complete", "complete"],
        [0, 4],
    )
    assert data.labels == ["run 1 (4 trials)", "run 2 (2 trials)"]
    assert data.separators == [3.5]
    assert data.x[1].tolist() == [4.0, 5.0]
    assert data.best_x[0].tolist() == [0.0, 1.0, 3.0] and data.best_y[0].tolist() == [5.0, 4.0, 4.0]
    assert data.best_x[1][0] == 3.0 and data.best_y[1].tolist() == [4.0, 3.0, 3.0]  # joins the earlier line


def test_views_render_user_text_literally():
    dims = [_choice("$m$", ["$a$", "b_1"]), _dim("lr", kind="loguniform", low=1e-3, high=1.0)]
    cols = [np.array([0.0, 1.0, 1.0]), np.array([1e-3, 0.1, 0.5])]
    par = plots.parallel_figure(plotdata.parallel(dims, range(3), [2.0, 1.0, 3.0], ["complete"] * 3, cols))
    texts = _texts(par)
    words = [t.get_text() for t in texts]
    assert {"$a$", "b_1", "$m$", "lr (log)", "best (trial 1)"} <= set(words)
    assert all(not t.get_parse_math() for t in texts if "$" in t.get_text() or "_" in t.get_text())
    best = [ln for ln in par.axes[0].get_lines() if ln.get_linewidth() == 2.0]
    assert len(best) == 1 and np.allclose(best[0].get_ydata(), [1.0, 2 / 3])
    vmap = plots.map_figure(plotdata.value_map(*dims, range(3), [2.0, 1.0, 3.0], ["complete"] * 3, *cols))
    ax = vmap.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["$a$", "b_1"]
    assert ax.get_yscale() == "log" and ax.xaxis.label.get_text() == "$m$"
    assert all(not t.get_parse_math() for t in [*ax.get_xticklabels(), ax.xaxis.label])
    assert plots.render(vmap)[:4] == b"\x89PNG"


def test_map_with_no_trials_says_so():
    data = plotdata.value_map(_dim("x"), _dim("y"), [], [], [], np.array([]), np.array([]))
    fig = plots.map_figure(data)
    assert "no complete trial with both yet" in [t.get_text() for t in _texts(fig)]
    assert plots.render(fig)[:4] == b"\x89PNG"


CELL = "x = tune.uniform(0, 1)\nlr = tune.loguniform(1e-4, 1e-1)\nm = tune.choice(['a', 'b'])\n(x - 0.3) ** 2 + lr"


@pytest.fixture
def continued() -> dashboard.Dashboard:
    study = hpmagic.create_study(CELL, {}, hpmagic.Options(max_evals=6, seed=0))
    view = dashboard.Dashboard(study)
    study.run().wait(60)
    view.attach()  # as its Continue button does
    study.run(5).wait(60)
    yield view
    view.close()


def test_a_continued_study_shows_its_runs_apart(continued):
    view = continued
    runs = view.view_data["runs"]
    assert runs.starts == [0, 6] and runs.separators == [5.5]
    fig = plots.runs_figure(runs)
    words = [t.get_text() for t in _texts(fig)]
    assert "run 1 (6 trials)" in words and "run 2 (5 trials)" in words
    dashed = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    assert [ln.get_xdata()[0] for ln in dashed] == [5.5]
    assert view.runs_plot.value[:4] == b"\x89PNG"


def test_every_view_is_drawn_and_picking_dimensions_redraws_the_map(continued):
    view = continued
    assert all(img.value[:4] == b"\x89PNG" for img in (view.parallel_plot, view.map_plot, view.runs_plot))
    assert [a.label for a in view.view_data["parallel"].axes] == ["x", "lr", "m"]
    assert (view.view_data["map"].x.label, view.view_data["map"].y.label) == ("x", "lr")
    before = view.map_plot.value
    view.map_y.value = "m"
    assert view.view_data["map"].y.categories == ["a", "b"]
    assert view.map_plot.value != before and view._drawn["map"] == view._view_versions()["map"]
    assert isinstance(plots.map_figure(view.view_data["map"]).axes[0].get_lines()[0], Line2D)


def test_a_study_continued_from_its_store_shows_the_stored_runs_apart(tmp_path, monkeypatch):
    import time

    db = str(tmp_path / "runs.db")
    # a pause between runs far longer than this machine's trials of ``x``; stored trials keep their times
    monkeypatch.setattr(plotdata, "RUN_GAP", 0.3)
    for n in (3, 2):
        opts = hpmagic.Options(max_evals=n, seed=0, store=db, name="cont", algo="rand")
        hpmagic.create_study("x = tune.uniform(0, 1)\nx", {}, opts).run().wait(60)
        time.sleep(0.6)  # the time between two runs of the cell: what tells stored runs apart
    opts = hpmagic.Options(max_evals=2, seed=0, store=db, name="cont", algo="rand")
    study = hpmagic.create_study("x = tune.uniform(0, 1)\nx", {}, opts)
    assert study.n_before_run == 5 and all(t.started > 0 for t in study.trials)
    view = dashboard.Dashboard(study)
    try:
        study.run().wait(60)
        runs = view.view_data["runs"]
        assert runs.starts == [0, 3, 5]  # 3: from the pause; 5: the run this view saw begin
        assert runs.labels == ["run 1 (3 trials)", "run 2 (2 trials)", "run 3 (2 trials)"]
    finally:
        view.close()


def test_during_a_run_only_the_tab_in_sight_is_drawn():
    import threading

    gate = threading.Event()
    cell = "x = tune.uniform(0, 1)\nGATE.wait(30)\nx"
    study = hpmagic.create_study(cell, {"GATE": gate}, hpmagic.Options(max_evals=3, seed=0))
    view = dashboard.Dashboard(study)
    try:
        study.run()
        assert study.running
        assert set(view._view_versions()) == {"parallel"}
        view.views_tab.selected_index = 2
        assert set(view._view_versions()) == {"runs"}
        gate.set()
        study.wait(60)
        assert set(view._view_versions()) == set(dashboard.VIEWS)
        assert all(
            view._drawn[name] == v for name, v in view._view_versions().items()
        )  # the run's end drew all
    finally:
        gate.set()
        view.close()
