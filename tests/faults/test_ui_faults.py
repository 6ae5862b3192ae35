"""Faults of the dashboard: odd user text in plots and HTML, huge choices, huge outputs.

Every case builds the real dashboard and slider panel on a real study and draws
the real plots on matplotlib's Agg canvas, then reads back what would be shown.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import pytest
from matplotlib.text import Text

import hpmagic
from hpmagic.ui import dashboard, plotdata, plots, sliders

CELL = (
    "m = tune.choice(OPTS, name={label!r})\n"
    "x = tune.uniform(0, 1)\n"
    "print('printed', m)\n"
    "if m == OPTS[1]:\n"
    "    raise ValueError(m)\n"
    "x + OPTS.index(m) % 7\n"
)
#: widgets a dashboard (with its slider panel) may hold whatever the space
MAX_WIDGETS = 200


@dataclass
class UiCase:
    id: str
    options: list[Any]
    label: str = "m"
    name: str = "ui"
    n: int = 12

    def __str__(self) -> str:
        return self.id


CASES = [
    UiCase("dollar", ["$5", "a $x_$ b", "$10 to $20", "$$"], name="cost in $ ($)"),
    UiCase("underscore", ["a_b", "$x_$", "__init__"], label="lr_sched__"),
    UiCase("caret", ["x^2", "$^$", "$a^{$"], name="$x^2$"),
    UiCase("backslash", ["\\alpha", "$\\frac$", "C:\\dir\\", "$\\undefinedcmd$"], name="$\\beta$"),
    UiCase("markup", ["<script>alert(1)</script>", "$<b>$", "</pre><i>x</i>"], name="<b>m</b>"),
    UiCase("ampersand", ["a & b", "&amp;", "$&$"], name="R&D $&$"),
    UiCase("emoji", ["🚀 fast", "$🚀$", "naïve ☃"], label="é_π"),
    UiCase("long", ["x" * 5000, "$" + "y" * 3000 + "$", "short"], label="L" * 400),
    UiCase("quotes", ["it's", 'say "hi"', "$'$", "\"'$"], name='it\'s "q" $x_$'),
    UiCase("huge", [f"${i}_$" for i in range(100_000)], label="huge_", n=40),
]


def _walk(widget: Any, out: list[Any]) -> list[Any]:
    out.append(widget)
    for child in getattr(widget, "children", ()) or ():
        _walk(child, out)
    return out


def _study(case: UiCase) -> hpmagic.Study:
    opts = hpmagic.Options(max_evals=case.n, seed=0, name=case.name)
    study = hpmagic.create_study(CELL.format(label=case.label), {"OPTS": case.options}, opts).run()
    study.wait(60)
    assert not study.running
    assert {t.state for t in study.trials} <= {"complete", "failed"}
    return study


def _assert_literal(texts: list[Text]) -> None:
    """None of these texts goes through math text or TeX."""
    assert texts
    for text in texts:
        assert text.get_parse_math() is False, text.get_text()
        assert not text.get_usetex(), text.get_text()


def _assert_escaped(values: list[str], raw: list[str]) -> None:
    blob = "\n".join(values)
    for s in raw:
        if set(s) & set("<>\"'"):
            assert s not in blob, f"unescaped: {s[:60]!r}"


@pytest.fixture(scope="module", params=CASES, ids=str)
def built(request: pytest.FixtureRequest) -> Iterator[tuple[UiCase, hpmagic.Study, dashboard.Dashboard]]:
    case = request.param
    study = _study(case)
    started = time.perf_counter()
    view = dashboard.Dashboard(study)
    print(
        f"{case.id}: dashboard of {len(case.options)} options built in {time.perf_counter() - started:.3f}s"
    )
    yield case, study, view
    view.close()


def test_dashboard_builds_and_refreshes(built):
    case, study, view = built
    view.refresh(final=True)
    view.refresh(final=True)
    assert "failed" not in study.log.getvalue(), study.log.getvalue()
    assert view.convergence.value[:4] == b"\x89PNG"
    assert all(p.value[:4] == b"\x89PNG" for p in view.dimension_plots.values())
    assert len(_walk(view.widget, [])) <= MAX_WIDGETS


def test_plot_text_is_literal(built):
    case, study, view = built
    dim = study.search_space.dims[0]
    h = view.history
    data = plotdata.dimension(dim, h.numbers, h.values, h.states, h.raws, study.direction)
    fig = plots.dimension_figure(data)
    assert plots.render(fig)[:4] == b"\x89PNG"
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == case.label
    titles = [t for t in fig.findobj(Text) if t.get_text() == case.label]
    _assert_literal(titles + ax.get_xticklabels())
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) <= plotdata.MAX_CATEGORIES
    texts = [str(o) for o in case.options]
    for tick in ticks:  # each tick shows an option as written (its start, when cut), or the rest's count
        assert tick.endswith(" others") or any(t.startswith(tick.rstrip("…")) for t in texts), tick
    if len(texts) <= plotdata.MAX_CATEGORIES:
        assert [t for t in texts if len(t) <= 14] == [t for t in ticks if not t.endswith("…")]
    bars = [(case.label, 0.7), ("x", 0.3)]
    fig = plots.importance_figure(bars)
    plots.render(fig)
    _assert_literal(fig.axes[0].get_yticklabels())
    assert plotdata.shorten(case.label, 18) in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_view_text_is_literal(built):
    """Parallel coordinates and the map show odd option text as written, a huge choice on a bounded axis."""
    case, study, view = built
    view.refresh(final=True)
    par = plots.parallel_figure(view.view_data["parallel"])
    vmap = plots.map_figure(view.view_data["map"])
    for fig in (par, vmap):
        assert plots.render(fig)[:4] == b"\x89PNG"
    ax = vmap.axes[0]
    _assert_literal(ax.get_xticklabels() + [ax.xaxis.label])
    assert ax.xaxis.label.get_text() == plotdata.shorten(case.label, 24)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) <= plotdata.MAX_CATEGORIES
    texts = [str(o) for o in case.options]
    for tick in ticks:
        assert tick.endswith(" others") or any(t.startswith(tick.rstrip("…")) for t in texts), tick
    on_axes = [t for t in par.axes[0].texts if t.get_text() and t.get_text() not in ("0", "0.5", "1")]
    named_best = [t for t in on_axes if t.get_text().startswith("best (trial ")]  # the best line's name
    assert len(named_best) == 1
    _assert_literal(named_best)
    on_axes = [t for t in on_axes if t not in named_best]
    _assert_literal(on_axes + par.axes[0].get_xticklabels())
    assert len(on_axes) <= plotdata.MAX_CATEGORIES


def test_slider_panel_is_bounded(built):
    case, study, _ = built
    started = time.perf_counter()
    panel = sliders.SpaceControls(study, live=False)
    print(f"{case.id}: slider panel of {len(case.options)} options in {time.perf_counter() - started:.3f}s")
    toggles = [x for x in _walk(panel.widget, []) if isinstance(x, w.ToggleButton)]
    assert len(toggles) == min(len(case.options), sliders.MAX_TOGGLES)
    assert len(_walk(panel.widget, [])) <= MAX_WIDGETS
    assert len(panel.control(case.label).counts.value) < 1000
    shown = [t.description for t in toggles]
    assert all(s.rstrip("…") and str(case.options[i]).startswith(s.rstrip("…")) for i, s in enumerate(shown))
    assert panel.ranges() == {}
    panel.close()


def test_html_is_escaped(built):
    case, study, view = built
    values = [view.title.value, view.best.value, dashboard.static_html(study, view.convergence.value)]
    for trial in study.trials:
        view._show_output(trial.number)
        values.append(view.output.value)
    texts = [str(o) for o in case.options[:3]] + [case.label, case.name]
    _assert_escaped(values, texts)
    assert html.escape(case.name) in values[0]
    best = study.best_trial.params[case.label]
    assert html.escape(repr(best)[:200]) in values[1]  # the value as text: '&amp;' reads '&amp;amp;'
    failed = [t for t in study.trials if t.state == "failed"]
    if failed:
        view._show_output(failed[0].number)
        assert html.escape(str(case.options[1])[:100]) in view.output.value


def test_a_huge_choice_filters_instead_of_a_button_each():
    case = CASES[-1]
    study = hpmagic.create_study(CELL.format(label="m"), {"OPTS": case.options}, hpmagic.Options())
    panel = sliders.SpaceControls(study, live=False)
    control = panel.control("m")
    assert len(control.buttons) == sliders.MAX_TOGGLES
    control.filter.value = "$99999_"
    assert [b.description for b in control.buttons if b.layout.display != "none"] == ["$99999_$"]
    assert control.note.value == ""
    control.filter.value = "12"
    found = sum("12" in str(i) for i in range(100_000))
    assert control.note.value == f"{found - sliders.MAX_TOGGLES} more matches"
    assert all("12" in b.description for b in control.buttons)
    control.filter.value = ""
    control.set_matching(False)
    control.filter.value = "$4242_"
    control.buttons[0].value = True
    assert panel.ranges() == {"m": ["$4242_$"]}
    panel.close()


def test_printed_output_and_errors_are_shown_as_a_bounded_tail():
    cell = (
        "x = tune.uniform(0, 1)\n"
        "print('<head>' + 'a' * 300_000 + '$END<tail>')\n"
        "if x > 0.5:\n"
        "    raise ValueError('e' * 200_000 + '<last>')\n"
        "x\n"
    )
    study = hpmagic.create_study(cell, {}, hpmagic.Options(max_evals=6, seed=1))
    study.run().wait(60)
    assert {t.state for t in study.trials} == {"complete", "failed"}
    view = dashboard.Dashboard(study)
    for trial in study.trials:
        view._show_output(trial.number)
        shown = view.output.value
        assert len(shown) < 3 * dashboard.OUTPUT_CHARS
        assert "<head>" not in shown and "&lt;head&gt;" not in shown and "<last>" not in shown
        assert "characters cut" in shown
        # the tail is what is shown: the print's end, or the error's (which also ends the output)
        assert ("&lt;last&gt;" if trial.state == "failed" else "$END&lt;tail&gt;") in shown
    assert max(len(label) for label, _ in view.trials.options) < 500
    view.close()


def test_notes_shown_are_bounded():
    study = hpmagic.create_study("x = tune.uniform(0, 1)\nx\n", {}, hpmagic.Options())
    for i in range(1000):
        study.note(f"note {i} <{'n' * 5000}>")
    view = dashboard.Dashboard(study)
    assert view.title.value.count("note ") == dashboard.NOTES_SHOWN
    assert f"{len(study.notes) - dashboard.NOTES_SHOWN} earlier notes not shown" in view.title.value
    assert len(view.title.value) < dashboard.NOTES_SHOWN * (dashboard.NOTE_CHARS + 200)
    assert "note 999 " in view.title.value and "note 799 " not in view.title.value
    assert len(dashboard.text_summary(study)) < dashboard.NOTES_SHOWN * (dashboard.NOTE_CHARS + 50)
    view.close()
