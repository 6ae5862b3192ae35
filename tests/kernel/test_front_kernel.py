"""Several objectives in a real kernel: the dashboard's Pareto front tab, its image and the best panel."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

CELL = (
    '%%tune --objectives "a:min,b:min" -n 20 --seed 2 --wait -o sf --name front\n'
    "x = tune.uniform(0, 1)\n"
    "m = tune.choice(['<b>&x', 'plain'])\n"
    "{'a': x, 'b': (1 - x) ** 2 + 0.1 * (m == 'plain')}\n"
)


def test_the_front_tab_shows_an_image_and_the_best_panel_the_front(kernel):
    reply = kernel.execute(CELL)
    assert reply.status == "ok", reply.error_text
    kernel.execute("from hpmagic.ui import dashboard as _dash; _vf = _dash.views(sf)[0]")
    # the widgets' own state, as the frontend receives it
    tab = kernel.value(
        "{k: v for k, v in _vf.views_tab.get_state().items() if k in ('titles', 'selected_index')}"
    )
    assert tab == {
        "titles": ("Pareto front", "parallel coordinates", "two dimensions", "runs"),
        "selected_index": 0,
    }
    assert kernel.value("_vf.views_tab.children[0] is _vf.front_plot")
    image = kernel.value(
        "(bytes(_vf.front_plot.get_state()['value'][:4]), len(_vf.front_plot.get_state()['value']))"
    )
    assert image[0] == b"\x89PNG" and image[1] > 1000
    best = kernel.value("_vf.best.get_state()['value']")
    n_front = kernel.value("len(sf.best_trials)")
    assert n_front >= 1 and f"Pareto front: {n_front} trials (a:min, b:min)" in best
    assert "<b>&x" not in best and kernel.value("len(sf.trials)") == 20
    front = kernel.value("[t.number for t in sf.best_trials]")
    assert kernel.value("_vf.view_data['front'].front_numbers.tolist()") == front
    # each trial's row names both objectives
    labels = kernel.value("list(_vf.trials.get_state()['_options_labels'])")
    assert labels and all("a=" in label and ", b=" in label for label in labels)
    # the image went over the wire: a comm message of the front plot's model carries the PNG
    model = kernel.value("_vf.front_plot.model_id")
    sent = [
        m
        for m in kernel.comm_msgs
        if m["content"].get("comm_id") == model
        and any(bytes(b)[:4] == b"\x89PNG" for b in m.get("buffers", []))
    ]
    assert sent
    # and where widgets cannot render, the saved HTML lists the front too
    html = [d["text/html"] for d in reply.displays if "text/html" in d]
    assert html and any("Pareto front:" in h for h in html)
