"""Kept figures: a redraw that reuses a figure's artists shows exactly what a fresh figure would.

Each plot is drawn from the data of a study, then from the data after more trials, once
on the kept figure and once on a new one; the two PNGs must decode to the same pixels.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

import hpmagic
from hpmagic import Options
from hpmagic.ui import plotdata
from hpmagic.ui.dashboard import Dashboard
from hpmagic.ui.repaint import Painter

CELL = """
x = tune.uniform(-5, 10)
lr = tune.loguniform(1e-4, 1e-1)
m = tune.choice(["a", "b", "c"])
if x > 9.5:
    raise ValueError("too far")
(x - 2) ** 2 + 10 * lr + (m == "b")
"""
FRONT = CELL.replace('(x - 2) ** 2 + 10 * lr + (m == "b")', '{"error": (x - 2) ** 2 + 1, "cost": lr * 1000}')


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def datas(dash: Dashboard) -> dict[str, object]:
    """The data of each plot the dashboard draws, as it would draw them now."""
    h, study = dash.history, dash.study
    dims = study.search_space.dims
    by = study.search_space.by_key
    out = {
        "convergence": plotdata.convergence(h.numbers, h.values, h.states, study.direction),
        "parallel": plotdata.parallel(
            dims, h.numbers, h.values, h.states, [dash._column(d.key) for d in dims], study.direction
        ),
        "map": plotdata.value_map(
            by["x"],
            by["lr"],
            h.numbers,
            h.values,
            h.states,
            dash._column("x"),
            dash._column("lr"),
            study.direction,
        ),
        "runs": plotdata.runs(h.numbers, h.values, h.states, [0, 30], study.direction),
    }
    for key in ("x", "lr", "m"):
        out[f"dimension:{key}"] = plotdata.dimension(
            by[key],
            h.numbers,
            h.values,
            h.states,
            h.raws,
            study.direction,
            positions=h.positions.get(key, []),
            params=h.params.get(key, []),
        )
    return out


def grown(cell: str = CELL, **options) -> tuple[hpmagic.Study, Dashboard]:
    s = hpmagic.create_study(cell, {"math": math}, Options(max_evals=40, seed=2, **options))
    s.run().wait(60)
    dash = Dashboard(s, listen=False)
    dash.refresh(final=True)
    return s, dash


def test_a_kept_figure_draws_the_same_pixels_as_a_new_one():
    s, dash = grown()
    before = datas(dash)
    painters = {name: Painter(name.split(":")[0]) for name in before}
    for name, data in before.items():
        painters[name].png(data)
    s.run(25).wait(60)
    dash.refresh(final=True)
    for name, data in datas(dash).items():
        painter = painters[name]
        kept = painter.png(data)
        assert painter.reused == 1, f"{name}: the layout changed, nothing was reused"
        fresh = Painter(name.split(":")[0]).png(data)
        assert np.array_equal(pixels(kept), pixels(fresh)), f"{name}: a kept figure differs from a new one"
    dash.close()


def test_the_pareto_front_reuses_its_figure_and_its_legend_counts_the_front():
    s, dash = grown(FRONT, objectives="error:min,cost:min")
    h = dash.history

    def data():
        return plotdata.front(
            ["error", "cost"],
            ["minimize", "minimize"],
            h.numbers,
            [h.objective_values[n] for n in ("error", "cost")],
            h.states,
        )

    painter = Painter("front")
    painter.png(data())
    s.run(25).wait(60)
    dash.refresh(final=True)
    kept = painter.png(data())
    assert painter.reused == 1
    assert np.array_equal(pixels(kept), pixels(Painter("front").png(data())))
    dash.close()


def test_a_new_layout_builds_a_new_figure():
    s, dash = grown()
    painter = Painter("dimension")
    painter.png(datas(dash)["dimension:x"])
    first = painter.figure
    s.refine(x=(-50, 10))  # the shaded range moves: a new figure
    s.run(5).wait(60)
    dash.refresh(final=True)
    painter.png(datas(dash)["dimension:x"])
    assert painter.figure is not first and painter.reused == 0
    dash.close()


def test_the_dashboard_keeps_one_figure_per_plot():
    s, dash = grown()
    assert {"convergence", "dimension:x", "dimension:lr", "dimension:m"} <= set(dash.painters)
    dash.close()
    assert dash.painters == {}


def test_a_scale_switch_redraws_the_dimension_on_its_new_axis():
    s, dash = grown()
    assert dash.painters["dimension:lr"].figure.axes[0].get_xscale() == "log"
    s.refine(lr=("linear",))  # same bounds, another scale: the plot is stale all the same
    dash.refresh(final=True)
    assert dash.painters["dimension:lr"].figure.axes[0].get_xscale() == "linear"
    dash.close()
