"""The Pareto front in the dashboard: its data, its figure, its tab, the best panel and escaping."""

from __future__ import annotations

import html
import io
import math
import threading

import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.text import Text

import hpmagic
from hpmagic.core.objectives import pareto_front, parse_objectives
from hpmagic.core.trials import Trial
from hpmagic.ui import dashboard, plotdata, plots

ODD = "<b>&x"


def _trials(objectives, rows) -> list[Trial]:
    """Trials from (state, values, feasible) rows; failed ones have no values."""
    out = []
    for i, (state, values, feasible) in enumerate(rows):
        out.append(
            Trial(
                number=i,
                params={"i": i},
                value=None if state == "failed" else values[objectives[0].name],
                state=state,
                duration=0.0,
                raw={},
                values=values if state != "failed" else {},
                extras={} if feasible else {"feasible": False},
            )
        )
    return out


def _front_data(objectives, trials, max_points=plotdata.MAX_POINTS) -> plotdata.FrontData:
    history = plotdata.History(objectives=tuple(o.name for o in objectives))
    for t in trials:
        history.add(t)
    names = [o.name for o in objectives]
    return plotdata.front(
        names,
        [str(o.direction) for o in objectives],
        history.numbers,
        [history.objective_values[n] for n in names],
        history.states,
        max_points=max_points,
    )


def _random_rows(n: int, seed: int, objectives) -> list:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        a = float(rng.uniform(0, 1))
        b = float(rng.uniform(0, 1) + (1 - a) ** 2)
        if i % 7 == 3:
            rows.append(("failed", {}, True))
        elif i % 11 == 5:
            rows.append(("pruned", {objectives[0].name: a, objectives[1].name: b}, True))
        else:
            feasible = i % 13 != 4
            rows.append(
                ("complete", {objectives[0].name: round(a, 2), objectives[1].name: round(b, 2)}, feasible)
            )
    return rows


@pytest.mark.parametrize("spec", ["a:min,b:min", "a:max,b:min", "a:min,b:max", "a:max,b:max"])
def test_the_front_is_the_cores_front_in_its_order(spec):
    objectives = parse_objectives(spec)
    trials = _trials(objectives, _random_rows(400, 3, objectives))  # rounded: ties on the front too
    data = _front_data(objectives, trials)
    expected = [t.number for t in pareto_front(trials, objectives)]
    assert data.front_numbers.tolist() == expected and data.n_front == len(expected) > 2
    by_number = {t.number: t for t in trials}
    assert data.front_x.tolist() == [by_number[k].values["a"] for k in expected]
    assert data.front_y.tolist() == [by_number[k].values["b"] for k in expected]
    feasible = [t for t in trials if t.state == "complete" and t.feasible]
    assert data.n == len(feasible)
    assert data.x.size == len(feasible) - len(expected)  # every other feasible trial, once
    infeasible = [t for t in trials if t.state == "complete" and not t.feasible]
    assert sorted(data.infeasible_x.tolist()) == sorted(t.values["a"] for t in infeasible)
    assert data.labels == tuple(f"{o.name} ({str(o).split(':')[1]})" for o in objectives)


def test_front_data_is_capped_whatever_the_number_of_trials():
    objectives = parse_objectives("a:min,b:min")
    n, cap = 20000, 300
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 1, n)
    b = 1 - a + rng.uniform(0, 0.3, n) * (rng.uniform(0, 1, n) < 0.5)  # half of them on the front
    rows = [("complete", {"a": float(x), "b": float(y)}, i % 9 != 1) for i, (x, y) in enumerate(zip(a, b))]
    trials = _trials(objectives, rows)
    data = _front_data(objectives, trials, max_points=cap)
    front = pareto_front(trials, objectives)
    assert data.n_front == len(front) > 5 * cap
    assert data.front_x.size <= cap and data.x.size <= cap + 1 and data.infeasible_x.size <= cap // 4 + 1
    # the drawn front keeps both ends and is the real front, in its order
    numbers = data.front_numbers.tolist()
    assert numbers[0] == front[0].number and numbers[-1] == front[-1].number
    order = {t.number: k for k, t in enumerate(front)}
    assert all(k in order for k in numbers) and [order[k] for k in numbers] == sorted(
        order[k] for k in numbers
    )


def test_the_figure_is_a_real_png_with_named_axes_and_a_step_line():
    objectives = parse_objectives("error:min,speed:max")
    rows = [
        ("complete", {"error": 0.1, "speed": 1.0}, True),
        ("complete", {"error": 0.2, "speed": 3.0}, True),
        ("complete", {"error": 0.3, "speed": 2.0}, True),  # beaten by trial 1
        ("complete", {"error": 0.05, "speed": 9.0}, False),  # infeasible: greyed, never on the front
        ("failed", {}, True),
    ]
    data = _front_data(objectives, _trials(objectives, rows))
    assert data.front_numbers.tolist() == [0, 1] and data.x.tolist() == [0.3]
    fig = plots.front_figure(data)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "error (min)" and ax.get_ylabel() == "speed (max)"
    steps = [ln for ln in ax.get_lines() if ln.get_drawstyle() == "steps-post"]
    assert len(steps) == 1 and steps[0].get_xdata().tolist() == [0.1, 0.2]
    assert steps[0].get_ydata().tolist() == [1.0, 3.0]
    words = [t.get_text() for t in fig.findobj(Text)]
    assert "front (2)" in words and "infeasible" in words
    png = plots.front_png(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = imread(io.BytesIO(png))
    assert pixels.shape[0] > 200 and pixels.shape[1] > 400
    assert np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0).shape[0] > 20  # something was drawn


def test_no_trial_yet_says_so():
    objectives = parse_objectives("a:min,b:min")
    data = _front_data(objectives, [])
    assert data.n == 0 and data.front_x.size == 0
    fig = plots.front_figure(data)
    assert "no complete trial yet" in [t.get_text() for t in fig.findobj(Text)]
    assert plots.front_png(data)[:4] == b"\x89PNG"


def test_odd_objective_names_are_drawn_literally_and_escaped_in_html():
    objectives = parse_objectives(f"{ODD}:min,$y$:min,c:max")
    rows = [("complete", {ODD: 0.1 * i, "$y$": 1 - 0.1 * i, "c": 1.0}, True) for i in range(4)]
    trials = _trials(objectives, rows)
    fig = plots.front_figure(_front_data(objectives[:2], trials))
    assert fig.axes[0].get_xlabel() == f"{ODD} (min)" and fig.axes[0].get_ylabel() == "$y$ (min)"
    assert plots.render(fig)[:4] == b"\x89PNG"  # "$y$" is not math text, "&" not markup
    table = plotdata.front_table(pareto_front(trials, objectives), objectives, limit=2)
    page = dashboard.front_table_html(table)
    assert ODD not in page and html.escape(ODD) in page
    assert "the first 2 of 4" in page and page.count("<tr>") == 3  # the head and two rows


CELL2 = (
    "x = tune.uniform(0, 1)\n"
    f"m = tune.choice([{ODD!r}, 'b'])\n"
    "{'a': x, 'b': (1 - x) ** 2 + (m == 'b'), 'feasible': x < 0.9}\n"
)


@pytest.fixture(scope="module")
def two() -> dashboard.Dashboard:
    study = hpmagic.create_study(CELL2, {}, hpmagic.Options(max_evals=30, seed=0, objectives="a:min,b:min"))
    view = dashboard.Dashboard(study)
    study.run().wait(60)
    yield view
    view.close()


def test_the_front_is_the_first_tab_and_is_drawn(two):
    view, study = two, two.study
    assert view.views_tab.titles == ("Pareto front", "parallel coordinates", "two dimensions", "runs")
    assert view.views_tab.children[0] is view.front_plot and view.front_table is None
    assert view.front_plot.value[:4] == b"\x89PNG" and len(view.front_plot.value) > 1000
    data = view.view_data["front"]
    assert data.front_numbers.tolist() == [t.number for t in study.best_trials]
    assert data.n == sum(t.state == "complete" and t.feasible for t in study.trials)
    assert view._drawn["front"] == view._view_versions()["front"]


def test_the_best_panel_shows_the_front_and_the_table_each_trials_values(two):
    view, study = two, two.study
    front = study.best_trials
    assert f"<b>Pareto front: {len(front)} trials (a:min, b:min)</b>" in view.best.value
    assert f"#{front[0].number}</span>" in view.best.value
    assert ODD not in view.best.value  # the choice is escaped in the panel
    labels = [label for label, _ in view.trials.options]
    for label, number in view.trials.options:
        t = study.trial(number)
        if t.state == "complete":
            assert f"a={t.values['a']:.6g}, b={t.values['b']:.6g}" in label
            assert label.startswith("★" if t in front else ("⊘" if not t.feasible else " "))
    assert any(label.startswith("★") for label in labels)
    view._show_output(front[0].number)
    assert f"a={front[0].values['a']:.6g}" in view.output.value


def test_three_objectives_list_the_front_escaped():
    cell = (
        "x = tune.uniform(0, 1)\n"
        f"m = tune.choice([{ODD!r}, 'b'])\n"
        f"{{{ODD!r}: x, 'b': (1 - x) ** 2, 'c': x * (m == 'b') + (m != 'b') * (1 - x)}}\n"
    )
    opts = hpmagic.Options(max_evals=16, seed=1, objectives=f"{ODD}:min,b:max,c:min")
    study = hpmagic.create_study(cell, {}, opts)
    view = dashboard.Dashboard(study)
    try:
        study.run().wait(60)
        assert view.front_plot is None and view.views_tab.children[0] is view.front_table
        page = view.front_table.value
        assert ODD not in page and f"{html.escape(ODD)} (min)" in page
        assert page.count("<tr>") == len(study.best_trials) + 1
        for t in study.best_trials:
            assert f"<td style='padding:2px 8px'>#{t.number}</td>" in page
        assert "Pareto front:" in view.best.value and ODD not in view.best.value
    finally:
        view.close()


def test_one_objective_keeps_its_dashboard():
    study = hpmagic.create_study("x = tune.uniform(0, 1)\nx", {}, hpmagic.Options(max_evals=4, seed=0))
    view = dashboard.Dashboard(study)
    try:
        study.run().wait(60)
        assert view.views_tab.titles == ("parallel coordinates", "two dimensions", "runs")
        assert view.view_names == dashboard.VIEWS and "front" not in view._view_versions()
        assert view.front_plot is None and view.front_table is None
        assert view.best.value.startswith("<div>best value") and "Pareto" not in view.best.value
    finally:
        view.close()


def test_during_a_run_the_front_tab_is_the_one_in_sight():
    gate = threading.Event()
    cell = "x = tune.uniform(0, 1)\nGATE.wait(30)\n{'a': x, 'b': 1 - x}"
    opts = hpmagic.Options(max_evals=3, seed=0, objectives="a:min,b:min")
    study = hpmagic.create_study(cell, {"GATE": gate}, opts)
    view = dashboard.Dashboard(study)
    try:
        study.run()
        assert study.running and set(view._view_versions()) == {"front"}
        view.views_tab.selected_index = 3
        assert set(view._view_versions()) == {"runs"}
        gate.set()
        study.wait(60)
        assert set(view._view_versions()) == {"front", *dashboard.VIEWS}
        assert view.view_data["front"].n_front == 3 and not math.isnan(view.view_data["front"].front_x[0])
    finally:
        gate.set()
        view.close()
