"""The dashboard in a real kernel: real widget state, escaping, display updates, text fallback."""

from __future__ import annotations

import html
import json

import pytest

pytestmark = pytest.mark.kernel

#: user text that would be markup if it were not escaped
INJECTIONS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "'; alert(1); '",
    "</table><b>bold</b>",
    "&amp; &lt;not a tag&gt;",
    "</pre><i>italic</i>",
    "<style>body{display:none}</style>",
    "<a href='javascript:alert(1)'>link</a>",
    "</textarea><iframe src=x></iframe>",
    "</div></div><h1>big</h1>",
    "<!-- comment",
]
SPECIAL = set("<>&'\"")

# every widget of a view, by walking its children; HTML values apart from plain-text ones
STATE = """
import json as _json
from hpmagic.ui import dashboard as _dash

def _walk(w, out):
    out.append(w)
    for c in getattr(w, "children", ()):
        _walk(c, out)
    return out

def _dash_state(study):
    views = _dash.views(study)
    html_values, text_values = [], []
    for d in views:
        for w in _walk(d.widget, []):
            state = w.get_state()
            if state.get("_view_name") in ("HTMLView", "HTMLMathView"):
                html_values.append(state["value"])
            elif "value" in state and isinstance(state["value"], str):
                text_values.append(state["value"])
            text_values.extend(state.get("_options_labels", ()))
    return _json.dumps({"views": len(views), "html": html_values, "text": text_values})
"""


def _cell(name: str) -> str:
    options = ", ".join(repr(s) for s in INJECTIONS)
    return (
        f"%%tune -n 24 --algo rand --seed 1 --wait -o {name} --name {name}\n"
        f"c = tune.choice([{options}])\n"
        "print('printed:', c)\n"
        f"i = {INJECTIONS!r}.index(c)\n"
        "if i % 2:\n"
        "    raise ValueError(c)\n"
        "float(i) + 0.5\n"
    )


def _state(kernel, study: str) -> dict:
    return json.loads(kernel.value(f"_dash_state({study})"))


def _assert_escaped(values: list[str]) -> None:
    blob = "\n".join(values)
    for s in INJECTIONS:
        if SPECIAL & set(s):
            assert s not in blob, f"unescaped in HTML: {s!r}"


def test_user_text_is_escaped_in_widget_state(kernel):
    assert kernel.execute(STATE).status == "ok"
    reply = kernel.execute(_cell("inj"))
    assert reply.status == "ok", reply.error_text
    state = _state(kernel, "inj")
    assert state["views"] == 1
    _assert_escaped(state["html"])
    # choices reach the trial list as text (plain-text widget), raw
    assert any(s in t for t in state["text"] for s in INJECTIONS)
    # show each failed and complete trial's output: error and prints escaped, yet all there
    numbers = kernel.value("[t.number for t in inj.trials]")
    seen_html = []
    for n in numbers:
        r = kernel.execute(f"_d = _dash.views(inj)[0]; _d._show_output({n}); print(_d.output.value)")
        assert r.status == "ok", r.error_text
        seen_html.append(r.stdout)
    _assert_escaped(seen_html)
    blob = "\n".join(seen_html)
    states = kernel.value("sorted({t.state for t in inj.trials})")
    assert states == ["complete", "failed"]
    chosen = kernel.value("sorted({t.params['c'] for t in inj.trials})")
    for s in chosen:
        assert html.escape(s) in blob  # its print (and error) are shown, as text
    assert "ValueError: " + html.escape(INJECTIONS[1]) in blob or "ValueError" in blob
    # the static HTML summary of the display is escaped too
    htmls = [d["text/html"] for d in reply.displays if "text/html" in d]
    assert htmls, reply.displays
    _assert_escaped(htmls)


def test_display_has_widget_html_and_text(kernel):
    reply = kernel.execute("%%tune -n 5 --seed 0 --wait -o s2\nx = tune.uniform(0, 1)\n(x - 0.3) ** 2\n")
    assert reply.status == "ok", reply.error_text
    bundle = next(d for d in reply.displays if "application/vnd.jupyter.widget-view+json" in d)
    assert "<img" in bundle["text/html"] and "best value" in bundle["text/html"]
    assert "best value" in bundle["text/plain"] and "x = " in bundle["text/plain"]
    assert "5/5 trials" in bundle["text/plain"]
    assert "hpmagic.Study" in reply.result


WIDGET = "application/vnd.jupyter.widget-view+json"
LISTENING_VIEWS = (
    "sorted(type(o).__name__ for o in {0}.observers if type(o).__name__ in ('Dashboard', 'SpaceControls'))"
)


def test_redisplays_of_a_running_study_share_one_live_view(kernel):
    reply = kernel.execute(
        "%%tune -n 3000 --algo rand --seed 0 -o s3\nimport time\nx = tune.uniform(0, 1)\ntime.sleep(0.005)\nx\n"
    )
    assert reply.status == "ok", reply.error_text
    models = set()
    for _ in range(10):
        reply = kernel.execute("s3")
        assert reply.status == "ok", reply.error_text
        models |= {d[WIDGET]["model_id"] for d in reply.displays if WIDGET in d}
    assert kernel.value("s3.running") is True
    # one view, displayed 11 times as the same widget, listening once (with its slider panel)
    assert len(models) == 1
    assert kernel.value("len(_dash.views(s3))") == 1
    assert kernel.value(LISTENING_VIEWS.format("s3")) == ["Dashboard", "SpaceControls"]
    kernel.execute("s3.stop(); s3.wait(); None")
    # the run's end leaves the view in its final state and listening no more
    values = kernel.value("[v.progress.value for v in _dash.views(s3)] + [s3.n_ended_this_run]")
    assert values[0] == values[1]
    assert kernel.value("_dash.views(s3)[0].stop_button.disabled") is True
    assert kernel.value(LISTENING_VIEWS.format("s3")) == []
    # a display of the ended study shows the same widget and adds no listener
    reply = kernel.execute("s3")
    assert {d[WIDGET]["model_id"] for d in reply.displays if WIDGET in d} == models
    assert kernel.value(LISTENING_VIEWS.format("s3")) == []


def test_continue_makes_the_view_follow_the_new_run_then_let_go(kernel):
    reply = kernel.execute("%%tune -n 3 --seed 0 --wait -o s7\nx = tune.uniform(0, 1)\nx\n")
    assert reply.status == "ok", reply.error_text
    assert kernel.value(LISTENING_VIEWS.format("s7")) == []
    kernel.execute("_v7 = _dash.views(s7)[0]; _v7._controls.continue_(4); s7.wait(60); None")
    assert kernel.value("(s7.ended(0), _v7.progress.value, len(s7.trials))") == (True, 4, 7)
    assert kernel.value(LISTENING_VIEWS.format("s7")) == []
    # closing the widget ends the view for good: the next display builds a new one
    kernel.execute("_v7.widget.close()")
    assert kernel.value("_v7.closed") is True
    kernel.execute("s7")
    assert kernel.value("[v.closed for v in _dash.views(s7)].count(False)") == 1


def test_stop_button_stops_the_run(kernel):
    reply = kernel.execute(
        "%%tune -n 1000 --algo rand -o s4\nimport time\nx = tune.uniform(0, 1)\ntime.sleep(0.02)\nx\n"
    )
    assert reply.status == "ok", reply.error_text
    # a click, as the frontend's comm message would deliver it
    kernel.execute("_dash.views(s4)[0].stop_button.click()")
    kernel.execute("s4.wait(30); None")
    assert kernel.value("s4.running") is False
    assert kernel.value("s4.end_reason") == "stopped"
    assert kernel.value("len(s4.trials) < 1000")


def test_importance_panel_hidden_without_importance_shown_with(kernel):
    kernel.execute(
        "%%tune -n 6 --seed 0 --wait -o s5\nx = tune.uniform(0, 1)\ny = tune.uniform(0, 1)\nx + 0.1 * y\n"
    )
    has = kernel.value("callable(getattr(s5, 'importance', None))")
    shown = kernel.value("_dash.views(s5)[0].importance_box.layout.display")
    if not has:
        assert shown == "none"
    # a study whose importance works gets the panel
    code = (
        "_v = _dash.views(s5)[0]\n"
        "s5.importance = lambda: {'x': 0.9, 'y': 0.1}\n"
        "_v._importance_version = None; _v.refresh(final=True)\n"
        "print(repr((_v.importance_box.layout.display, len(_v.importance.value) > 100)))"
    )
    r = kernel.execute(code)
    assert r.stdout.strip() == "('', True)", r.stdout + r.error_text
    code = (
        "def _boom(): raise ValueError('needs more trials')\n"
        "s5.importance = _boom\n"
        "_v._importance_version = None; _v.refresh(final=True)\n"
        "print(repr(_v.importance_box.layout.display))"
    )
    assert kernel.execute(code).stdout.strip() == "'none'"


def test_report_curves_appear(kernel):
    cell = (
        "%%tune -n 6 --seed 0 --wait -o s6\n"
        "lr = tune.loguniform(1e-3, 1)\n"
        "for step in range(5):\n"
        "    tune.report(1 / (1 + lr * step), step)\n"
        "1 / (1 + lr * 5)\n"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    if kernel.value("sum(bool(t.reports) for t in s6.trials)") == 0:
        pytest.fail("trials recorded no reports")
    assert kernel.value("_dash.views(s6)[0].curves_box.layout.display") == ""
    assert kernel.value("len(_dash.views(s6)[0].curves.value) > 100")


def test_plain_text_where_there_are_no_widgets(tmp_path):
    import subprocess
    import sys

    code = (
        "import hpmagic\n"
        "s = hpmagic.create_study('x = tune.uniform(0, 1)\\nprint(\"<b>\")\\nx', {}, "
        "hpmagic.Options(max_evals=4, seed=0))\n"
        "s.run().wait()\n"
        "b = s._repr_mimebundle_()\n"
        "print(sorted(b))\n"
        "assert 'best value' in b['text/html']\n"
        "print(b['text/plain'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert "['text/html', 'text/plain']" in out.stdout
    assert "best value" in out.stdout and "4/4 trials" in out.stdout and "x = " in out.stdout


def test_saved_notebook_keeps_the_final_html(tmp_path, monkeypatch):
    """Run without --wait, wait in the next cell: the run's end updates the first cell's display."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    monkeypatch.delenv("HPMAGIC_WAIT", raising=False)
    nb = new_notebook(
        cells=[
            new_code_cell("%load_ext hpmagic"),
            new_code_cell(
                "%%tune -n 15 --seed 0 -o s\nimport time\nx = tune.uniform(0, 1)\ntime.sleep(0.05)\n(x - 0.3) ** 2\n"
            ),
            new_code_cell("s.wait(); len(s.trials)"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    nbformat.write(nb, tmp_path / "saved.ipynb")
    saved = nbformat.read(tmp_path / "saved.ipynb", as_version=4)
    outputs = saved.cells[1].outputs
    shown = [o for o in outputs if o.output_type == "display_data" and "text/html" in o.data]
    assert shown, outputs
    final = shown[0].data["text/html"]
    assert "completed" in final and "15/15 trials" in final, final[:500]
    assert "data:image/png;base64," in final
    assert "15/15 trials" in shown[0].data["text/plain"]


def test_a_choice_label_with_dollars_shows_its_dashboard(kernel):
    assert kernel.execute(STATE).status == "ok"
    cell = (
        "%%tune -n 6 --algo rand --seed 0 --wait -o dollar --name dollar\n"
        "price = tune.choice(['$5', 'a $x_$ b', '$\\\\frac$'])\n"
        "len(price)\n"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    assert any("application/vnd.jupyter.widget-view+json" in d for d in reply.displays), reply.displays
    assert kernel.value("len(_dash.views(dollar))") == 1
    assert kernel.value("[bytes(p.value[:4]) for p in _dash.views(dollar)[0].dimension_plots.values()]") == [
        b"\x89PNG"
    ]
    assert kernel.value("dollar.log.getvalue()") == ""
    # a later refresh (what each tick does during a run) draws again without raising
    code = "_v = _dash.views(dollar)[0]; _v._drawn.clear(); _v.refresh(final=True); print('redrawn')"
    r = kernel.execute(code)
    assert r.status == "ok" and r.stdout.strip() == "redrawn", r.error_text


def test_views_show_in_a_real_study_and_the_map_follows_the_dropdowns(kernel):
    cell = (
        "%%tune -n 12 --seed 0 --wait -o s16\n"
        "x = tune.uniform(0, 1)\n"
        "lr = tune.loguniform(1e-4, 1e-1)\n"
        "m = tune.choice(['$a$', 'b'])\n"
        "(x - 0.3) ** 2 + lr + (m == 'b')\n"
    )
    reply = kernel.execute(cell)
    assert reply.status == "ok", reply.error_text
    kernel.execute("from hpmagic.ui import dashboard as _dash; _v16 = _dash.views(s16)[0]")
    sizes = kernel.value("[len(i.value) for i in (_v16.parallel_plot, _v16.map_plot, _v16.runs_plot)]")
    heads = kernel.value(
        "[i.value[:4] == b'\\x89PNG' for i in (_v16.parallel_plot, _v16.map_plot, _v16.runs_plot)]"
    )
    assert heads == [True, True, True] and min(sizes) > 1000
    assert kernel.value("_v16.views_tab.titles") == ("parallel coordinates", "two dimensions", "runs")
    assert kernel.value("[a.label for a in _v16.view_data['parallel'].axes]") == ["x", "lr", "m"]
    assert kernel.value("_v16.view_data['parallel'].best_number") == kernel.value("s16.best_trial.number")
    assert kernel.value("[k for _, k in _v16.map_x.options]") == ["x", "lr", "m"]
    before = kernel.value(
        "(hash(_v16.map_plot.value), _v16.view_data['map'].x.label, _v16.view_data['map'].y.label)"
    )
    assert before[1:] == ("x", "lr")
    # as the frontend does: the dropdowns' values change through the widget protocol
    kernel.execute("_v16.map_x.set_state({'index': 2}); _v16.map_y.set_state({'index': 0}); None")
    after = kernel.value(
        "(hash(_v16.map_plot.value), _v16.view_data['map'].x.categories, _v16.view_data['map'].y.label)"
    )
    assert after[1:] == (["$a$", "b"], "x")
    assert after[0] != before[0]
