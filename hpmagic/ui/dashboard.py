"""The live view of a study: ipywidgets, updated from the run thread, throttled.

A :class:`Dashboard` observes a study. Study events only poke a :class:`Throttle`,
which turns bursts of events into at most ``1 / REFRESH_INTERVAL`` refreshes and
always delivers the last one. Every widget write happens in
:meth:`Dashboard.refresh` under the dashboard's lock: the one path from the run
thread to the widgets.

A refresh costs little whatever the number of trials: new trials are appended to
a column store (:class:`hpmagic.plotdata.History`), text is rebuilt only when it
changed, plot data is capped in size, and plots are redrawn only when their data
moved, one per refresh, with a pause that grows with how long drawing takes.

User text (names, choices, errors, prints) reaches the page either through
widgets that take plain text or through :func:`html.escape`.
"""

from __future__ import annotations

import html
import itertools
import threading
import time
import weakref
from typing import Any

from ..core.trials import COMPLETE
from ..run.report import (  # noqa: F401 - the view's text, also used from here
    ERROR_CHARS,
    NOTE_CHARS,
    NOTES_SHOWN,
    OUTPUT_CHARS,
    PARAM_CHARS,
    _fmt,
    _notes_html,
    _one_line,
    _trial_line,
    format_duration,
    format_params,
    format_value,
    format_values,
    front_heading,
    progress_line,
    shorten,
    shown_notes,
    state_line,
    static_html,
    tail,
    text_summary,
)
from ..run.study import Study, Trial
from .throttle import Throttle

TICK_INTERVAL = 1.0  # elapsed time / ETA move on even when no trial ends
PLOT_MIN_GAP = 0.25  # seconds between two plot drawings during a run
PLOT_DUTY = 6.0  # after a drawing of d seconds, wait at least d * PLOT_DUTY
IMPORTANCE_GAP = 5.0  # importance() may be costly: at most this often during a run
RECENT = 12  # trials listed in the table
VIEWS = ("parallel", "map", "runs")  # the plots in the views' tabs
FRONT_VIEW = "front"  # with several objectives, the first tab: the Pareto front
FRONT_BEST = 5  # front trials listed in the best panel (the front's tab lists more)

_VIEWS: weakref.WeakSet[Dashboard] = weakref.WeakSet()
_display_ids = itertools.count()


_CSS = """<style>
.hpmagic-dash .hpmagic-trials select { font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; }
.hpmagic-dash .hpmagic-output pre { max-height: 220px; overflow: auto; margin: 0; padding: 4px 6px;
  background: var(--jp-layout-color2, #f5f5f5); font-size: 12px; white-space: pre-wrap; }
</style>"""


class Dashboard:
    """The widgets of one live view of a study.

    A view listens to its study while a run goes on and stops listening when the run
    ends or its widget is closed; :meth:`attach` makes it listen again (a re-display
    or its own Continue button). Displaying a study reuses its one view
    (see :mod:`hpmagic.ui.display`); building a ``Dashboard`` directly makes another.
    """

    def __init__(self, study: Study, *, listen: bool = True) -> None:
        from .plotdata import History

        self.study = study
        self._lock = threading.RLock()
        #: several named objectives (``--objectives``): the view shows their front
        self.objectives: tuple[Any, ...] = tuple(getattr(study, "objectives", ()) or ())
        self.view_names: tuple[str, ...] = ((FRONT_VIEW,) if self.objectives else ()) + VIEWS
        self.history = History(objectives=tuple(o.name for o in self.objectives))
        self._front_numbers: frozenset[int] = frozenset()
        self._stopping = False
        self._closed = False
        self._best_shown: Any = object()
        self._table_shown: tuple[Any, ...] = ()
        self._drawn: dict[str, Any] = {}  # plot name -> version drawn
        self._drawn_at: dict[str, float] = {}
        self._next_draw = 0.0
        self._importance_at = 0.0
        self._importance_version: Any = None
        self._importance: list[tuple[str, float]] = []
        self._run_starts: set[int] = set()  # positions in the trials where a run this view saw began
        self.view_data: dict[str, Any] = {}  # what each view last drew (parallel, map, runs)
        self.painters: dict[str, Any] = {}  # one kept figure per plot (hpmagic.ui.repaint)
        self._displays: list[Any] = []  # display handles, updated when the run ends
        self._controls: Any = None
        self._updating_table = False
        self.display_id: str | None = None
        self.refresh_count = 0
        self.last_refresh_seconds = 0.0
        self.widget = self._build(study)
        self._add_views(study)
        self._throttle = Throttle(self.refresh)
        self._attach_space_controls()
        self.widget.observe(self._on_comm, names="comm")  # the widget closed (by code or frontend)
        _VIEWS.add(self)
        if listen:
            study.subscribe(self)
        else:
            self.detach()
        self.refresh(final=not study.running)

    def _build(self, study: Study) -> Any:
        """The widgets: header, best and plots, per-dimension plots with control slots, trials."""
        import ipywidgets as w

        self.title = w.HTML()
        self.progress = w.IntProgress(min=0, max=1, layout=w.Layout(width="220px"))
        self.status = w.Label(layout=w.Layout(flex="1 1 auto", margin="0 0 0 10px"))
        self.status.add_class("hpmagic-status")
        self.title.add_class("hpmagic-title")
        self.state = w.Label()
        self.stop_button = w.Button(
            description="Stop", button_style="danger", icon="stop", layout=w.Layout(width="90px")
        )
        self.stop_button.on_click(self._on_stop)
        header = w.HBox(
            [self.progress, self.status, self.stop_button],
            layout=w.Layout(align_items="center", width="100%"),
        )
        self.best = w.HTML()
        self.best.add_class("hpmagic-best")
        self.convergence = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.importance = w.Image(format="png")
        self.importance_box = w.VBox([self.importance], layout=w.Layout(display="none"))
        right = w.VBox(
            [self.best, self.importance_box], layout=w.Layout(margin="0 0 0 12px", flex="1 1 260px")
        )
        top = w.HBox(
            [self.convergence, right], layout=w.Layout(flex_flow="row wrap", align_items="flex-start")
        )

        self.dimensions = self._build_dimensions(study)
        #: where a control panel for the whole space goes (e.g. a "continue" button)
        self.controls_box = w.VBox(layout=w.Layout(display="none"))

        self.curves = w.Image(format="png")
        self.curves_box = w.VBox([self.curves], layout=w.Layout(display="none", align_items="flex-start"))

        widget = w.VBox(
            [
                w.HTML(_CSS),
                self.title,
                header,
                top,
                self.dimensions,
                self.controls_box,
                self.curves_box,
                *self._build_trials(),
            ],
            layout=w.Layout(width="100%", max_width="1100px"),
        )
        widget.add_class("hpmagic-dash")
        return widget

    def _build_trials(self) -> list[Any]:
        """The list of recent trials and the pane that shows the selected one's output."""
        import ipywidgets as w

        self.trials = w.Select(options=[], rows=RECENT + 1, layout=w.Layout(width="calc(100% - 8px)"))
        self.trials.add_class("hpmagic-trials")
        self.trials.observe(self._on_select, names="value")
        self.output = w.HTML("<i>select a trial to see its params, error and printed output</i>")
        self.output.add_class("hpmagic-output")
        star = "★ on the Pareto front" if self.objectives else "★ best"
        label = w.Label(
            f"recent trials ({star}, ✗ failed, ✂ pruned, ⊘ infeasible) — select one to see its output"
        )
        return [label, self.trials, self.output]

    def _build_dimensions(self, study: Study) -> Any:
        """Per dimension key: its plot, and a slot beside it for a control (see attach_controls)."""
        import ipywidgets as w

        self.dimension_plots: dict[str, Any] = {}
        self.control_slots: dict[str, Any] = {}
        self.dimension_cells: dict[str, Any] = {}
        for dim in study.search_space.dims:
            plot = w.Image(format="png")
            slot = w.VBox(layout=w.Layout(display="none"))
            self.dimension_plots[dim.key] = plot
            self.control_slots[dim.key] = slot
            self.dimension_cells[dim.key] = w.VBox([plot, slot], layout=w.Layout(margin="0 8px 6px 0"))
        return w.HBox(
            list(self.dimension_cells.values()), layout=w.Layout(flex_flow="row wrap", width="100%")
        )

    # -- the slot for per-dimension controls --------------------------------------
    def dimension_plot(self, key: str) -> Any:
        """The plot widget of dimension ``key`` (a control may sit beside it)."""
        return self.dimension_plots[key]

    def control_slot(self, key: str) -> Any:
        """The box under dimension ``key``'s plot where its control goes."""
        return self.control_slots[key]

    def attach_controls(self, controls: Any) -> None:
        """Place a control panel: one row per dimension beside its plot, the rest below.

        ``controls`` needs ``.widget``; if it has ``.rows`` (dict key → widget) or
        ``.row(key)``, each row goes under its dimension's plot and ``.widget`` (its
        buttons) below the plots.
        """
        rows = getattr(controls, "rows", None)
        if rows is None and callable(getattr(controls, "row", None)):
            rows = {key: controls.row(key) for key in self.control_slots}
        widget = getattr(controls, "widget", None)
        if rows and widget is not None and _contains_any(widget, [r for r in rows.values() if r is not None]):
            rows = None  # the panel already holds its rows: show it whole, each row once
        with self._lock:
            for key, row in (rows or {}).items():
                if key in self.control_slots and row is not None:
                    slot = self.control_slots[key]
                    slot.children = (row,)
                    slot.layout.display = ""
            if widget is not None:
                self.controls_box.children = (widget,)
                self.controls_box.layout.display = ""

    def _attach_space_controls(self) -> None:
        """The per-dimension controls of :mod:`hpmagic.sliders`, where that module exists."""
        try:
            from .sliders import SpaceControls  # type: ignore[import-not-found]
        except ImportError:
            return
        try:
            controls = SpaceControls(self.study)
            controls.before_run = self.attach  # its Continue starts a run this view must follow
            self.attach_controls(controls)
            self._controls = controls
        except Exception as exc:  # noqa: BLE001 - the view works without its controls
            self.study.log.write(f"[hpmagic] the dashboard's controls failed: {exc!r}\n")

    # -- study events (any thread): only poke ---------------------------------------
    def trial_ended(self, study: Study, trial: Any) -> None:
        self._throttle.poke()

    def run_started(self, study: Study) -> None:
        with self._lock:
            self._stopping = False
        self._throttle.poke()

    def space_changed(self, study: Study) -> None:
        self._throttle.poke()

    def run_ended(self, study: Study) -> None:
        self._throttle.cancel()
        self.refresh(final=True)
        self.detach()  # nothing moves until the next run, which attaches it again

    # -- listening ----------------------------------------------------------------
    @property
    def listening(self) -> bool:
        """Whether the view (with its controls) is subscribed to its study."""
        return self in self.study.observers

    def attach(self) -> None:
        """Listen to the study again, if a run goes on or is about to start (Continue)."""
        if self._closed:
            return
        self.study.subscribe(self)
        if self._controls is not None:
            self.study.subscribe(self._controls)
        self._throttle.poke()

    def detach(self) -> None:
        """Stop listening; the widgets keep what they show."""
        self.study.unsubscribe(self)
        if self._controls is not None:
            self.study.unsubscribe(self._controls)

    def _on_comm(self, change: Any) -> None:
        if change["new"] is None and not self._closed:
            self.close()

    def _on_stop(self, _: Any) -> None:
        self.study.stop()
        with self._lock:
            self._stopping = True
        self._throttle.poke()

    def _on_select(self, change: Any) -> None:
        if self._updating_table:
            return
        with self._lock:
            self._show_output(change["new"])

    # -- the one path that writes widgets -----------------------------------------------
    def refresh(self, final: bool = False) -> None:
        """Write the study's state into the widgets (``final``: draw every stale plot)."""
        started = time.perf_counter()
        study = self.study
        with self._lock:
            if self._closed:
                return
            new = study.trials[len(self.history) :]
            for trial in new:
                self.history.add(trial)
            if 0 < study.n_before_run <= len(self.history):
                self._run_starts.add(study.n_before_run)  # where the run this view saw begins
            running = study.running
            counts = dict(self.history.counts)
            self.progress.max = max(study.n_target, 1)
            self.progress.value = min(max(study.n_ended_this_run, 0), self.progress.max)
            self.progress.bar_style = "" if running else ("success" if counts[COMPLETE] else "warning")
            self.status.value = progress_line(study, counts)
            self.stop_button.disabled = not running or self._stopping
            self.stop_button.button_style = "danger" if running and not self._stopping else ""
            self.stop_button.description = "Stopping" if running and self._stopping else "Stop"
            # the state last: a view that reads "completed" or "stopped" already has the final counts
            self.title.value = (
                f"<b>hpmagic study {html.escape(study.name)}</b> "
                f"<span style='color:#666'>({html.escape(study.direction)}) — "
                f"{html.escape(state_line(study, self._stopping))}</span>" + _notes_html(study)
            )
            best = study.best_trial
            if self.objectives:
                shown: Any = (best, len(self.history))  # the front moves with any new trial
                if shown != self._best_shown:
                    self._best_shown = shown
                    front = study.best_trials
                    self._front_numbers = frozenset(t.number for t in front)
                    self.best.value = _front_html(front_heading(study), front, self.objectives)
            elif best is not self._best_shown:
                self._best_shown = best
                self.best.value = _best_html(best, study.direction)
            if new or final or not self._table_shown:
                self._update_table(best)
            self._draw_plots(final)
            if final:
                self._update_display()
            self.refresh_count += 1
            self.last_refresh_seconds = time.perf_counter() - started
            pending = self._pending_plots()
        if pending:
            self._throttle.poke(max(0.0, self._next_draw - time.monotonic()))
        elif running:
            self._throttle.poke(TICK_INTERVAL)

    def _update_table(self, best: Trial | None) -> None:
        trials = self.study.trials
        shown = list(reversed(trials[-RECENT:]))
        if best is not None and best not in shown:
            shown.insert(0, best)
        selected = self.trials.value
        if selected is not None and selected not in {t.number for t in shown}:
            extra = next((t for t in reversed(trials) if t.number == selected), None)
            if extra is not None:
                shown.append(extra)
        if self.objectives:
            front, names = self._front_numbers, [o.name for o in self.objectives]
            options = tuple((_values_line(t, t.number in front, names), t.number) for t in shown)
        else:
            options = tuple((_trial_line(t, best), t.number) for t in shown)
        if options != self._table_shown:
            self._table_shown = options
            self._updating_table = True
            try:
                self.trials.options = options
                self.trials.value = selected if selected in {n for _, n in options} else None
            finally:
                self._updating_table = False
        if selected is not None:
            self._show_output(selected)

    def _show_output(self, number: int | None) -> None:
        if number is None:
            return
        trial = next((t for t in reversed(self.study.trials) if t.number == number), None)
        if trial is None:
            return
        e = html.escape
        value = (
            format_values(trial.values) if self.objectives and trial.values else f"value {_fmt(trial.value)}"
        )
        head = f"trial {trial.number} · {trial.state} · {value} · {format_duration(trial.duration)}"
        parts = [f"<div><b>{e(head)}</b></div>", f"<div><code>{e(format_params(trial.params))}</code></div>"]
        if trial.error:
            parts.append(f"<div style='color:#b00'>{e(tail(trial.error))}</div>")
        if trial.reports:
            pts = ", ".join(f"{s}: {_fmt(v)}" for s, v in trial.reports[-20:])
            parts.append(f"<div style='color:#555'>reports (step: value) {e(pts)}</div>")
        out = tail(trial.output or "")
        parts.append(
            f"<pre>{e(out)}</pre>" if out else "<div style='color:#777'><i>no printed output</i></div>"
        )
        self.output.value = "".join(parts)

    # -- plots -------------------------------------------------------------------------
    def _plot_versions(self) -> dict[str, Any]:
        h = self.history
        space = self.study.search_space
        versions: dict[str, Any] = {"convergence": (len(h), self.study.direction)}
        for dim in space.dims:
            if dim.key in self.dimension_plots:
                versions[f"dim:{dim.key}"] = (
                    h.touched.get(dim.key, 0),
                    dim.kind,  # refine may switch a scale and keep the bounds
                    dim.low,
                    dim.high,
                    tuple(dim.allowed),
                )
        if h.reports:
            versions["curves"] = (len(h.reports), len(h))
        versions.update(self._view_versions())
        return versions

    def _pending_plots(self) -> list[str]:
        return [k for k, v in self._plot_versions().items() if self._drawn.get(k) != v]

    def _draw_plots(self, everything: bool) -> None:
        now = time.monotonic()
        if not everything and now < self._next_draw:
            return
        versions = self._plot_versions()
        stale = [k for k, v in versions.items() if self._drawn.get(k) != v]
        # the longest-waiting plot first, so a plot that changes with every trial cannot starve the others
        stale.sort(key=lambda k: (self._drawn_at.get(k, 0.0), k != "convergence"))
        for name in stale if everything else stale[:1]:
            t0 = time.perf_counter()
            self._draw(name)
            self._drawn[name] = versions[name]
            self._drawn_at[name] = time.monotonic()
            self._next_draw = time.monotonic() + max(PLOT_MIN_GAP, PLOT_DUTY * (time.perf_counter() - t0))
        self._draw_importance(everything)

    def _draw(self, name: str) -> None:
        from . import plotdata, plots

        h, study = self.history, self.study
        if name == "convergence":
            data = plotdata.convergence(h.numbers, h.values, h.states, study.direction)
            self.convergence.value = self._painter("convergence").png(data)
        elif name.startswith("dim:"):
            key = name[4:]
            dim = study.search_space.by_key[key]
            data = plotdata.dimension(
                dim,
                h.numbers,
                h.values,
                h.states,
                h.raws,
                study.direction,
                positions=h.positions.get(key, []),
                params=h.params.get(key, []),
            )
            self.dimension_plots[key].value = self._painter("dimension", key).png(data)
        elif name == "curves":
            states = dict(zip(h.numbers, h.states))
            final = dict(zip(h.numbers, h.values))
            data = plotdata.report_curves(h.reports, states, final, study.direction)
            self.curves.value = plots.curves_png(data)
            self.curves_box.layout.display = ""
        elif name in self.view_names:
            self._draw_view(name)

    def _painter(self, kind: str, key: str = "") -> Any:
        """The kept figure of one plot: redraws reuse its artists (see hpmagic.ui.repaint)."""
        from .repaint import Painter

        name = f"{kind}:{key}" if key else kind
        if name not in self.painters:
            self.painters[name] = Painter(kind)
        return self.painters[name]

    def _draw_importance(self, now_: bool) -> None:
        from . import plotdata, plots

        importance = getattr(self.study, "importance", None)
        version = self.history.counts.get(COMPLETE, 0)
        if importance is None or version == self._importance_version:
            return
        if not now_ and time.monotonic() - self._importance_at < IMPORTANCE_GAP:
            return
        self._importance_at = time.monotonic()
        self._importance_version = version
        try:
            bars = plotdata.importance_bars(importance())
        except Exception:  # noqa: BLE001 - too few trials, or no importance at all: no panel
            bars = []
        if bars != self._importance:
            self._importance = bars
            if bars:
                self.importance.value = plots.importance_png(bars)
        self.importance_box.layout.display = "" if bars else "none"

    # -- views: parallel coordinates, a map of two dimensions, the runs ------------------
    def _add_views(self, study: Study) -> None:
        """The views' tabs, under the report curves."""
        self.views_tab = self._build_views(study)
        children = list(self.widget.children)
        children.insert(children.index(self.curves_box) + 1, self.views_tab)
        self.widget.children = tuple(children)

    def _build_views(self, study: Study) -> Any:
        """A tab per view; the map's two dimensions are picked in two dropdowns. With several
        objectives the Pareto front comes first: a plot for two, a table for more."""
        import ipywidgets as w

        self.front_plot: Any = None
        self.front_table: Any = None
        front: list[Any] = []
        if len(self.objectives) == 2:
            self.front_plot = w.Image(format="png", layout=w.Layout(max_width="100%"))
            self.front_plot.add_class("hpmagic-front")
            front = [self.front_plot]
        elif self.objectives:
            self.front_table = w.HTML(layout=w.Layout(max_height="420px", overflow="auto"))
            self.front_table.add_class("hpmagic-front-table")
            front = [self.front_table]

        self.parallel_plot = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.map_plot = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.map_plot.add_class("hpmagic-map")
        self.runs_plot = w.Image(format="png", layout=w.Layout(max_width="100%"))
        options = [(dim.label, dim.key) for dim in study.search_space.dims]
        keys = [key for _, key in options]
        self.map_x = w.Dropdown(options=options, value=keys[0] if keys else None, description="x")
        self.map_y = w.Dropdown(
            options=options, value=keys[min(1, len(keys) - 1)] if keys else None, description="y"
        )
        for side, dropdown in (("x", self.map_x), ("y", self.map_y)):
            dropdown.add_class(f"hpmagic-map-{side}")
            dropdown.layout.width = "260px"
            dropdown.observe(self._on_map_pick, names="value")
        pick = w.HBox([self.map_x, self.map_y])
        tab = w.Tab(
            children=[*front, self.parallel_plot, w.VBox([pick, self.map_plot]), self.runs_plot],
            titles=(("Pareto front",) if front else ()) + ("parallel coordinates", "two dimensions", "runs"),
        )
        tab.add_class("hpmagic-views")
        tab.observe(lambda _: self._throttle.poke(), names="selected_index")  # its plot may be stale
        return tab

    def _on_map_pick(self, _: Any) -> None:
        """Two other dimensions picked: redraw the map now, not at the next refresh."""
        with self._lock:
            if self._closed:
                return
            version = self._view_versions().get("map")
            self._draw_view("map")
            self._drawn["map"] = version
            self._drawn_at["map"] = time.monotonic()

    def _view_versions(self) -> dict[str, Any]:
        """What each view shows: it is redrawn when this moves."""
        h = self.history
        ranges = tuple((d.kind, d.low, d.high, len(d.allowed)) for d in self.study.search_space.dims)
        versions = {
            "parallel": (len(h), self.study.direction, ranges),
            "map": (len(h), self.study.direction, self.map_x.value, self.map_y.value, ranges),
            "runs": (len(h), self.study.direction, tuple(sorted(self._run_starts))),
        }
        if self.objectives:
            versions[FRONT_VIEW] = (len(h),)
        if self.study.running:  # during a run only the tab in sight; the others when the run ends
            shown = self.view_names[self.views_tab.selected_index or 0]
            return {shown: versions[shown]}
        return versions

    def _draw_view(self, name: str) -> None:
        from . import plotdata

        h, study = self.history, self.study
        if name == FRONT_VIEW:
            self._draw_front()
        elif name == "runs":
            starts = plotdata.run_starts(h.started, h.ended, sorted(self._run_starts))
            data = plotdata.runs(h.numbers, h.values, h.states, starts, study.direction)
            self.runs_plot.value = self._painter("runs").png(data)
            self.view_data[name] = data
        elif name == "parallel":
            dims = study.search_space.dims
            columns = [self._column(d.key) for d in dims]
            data = plotdata.parallel(dims, h.numbers, h.values, h.states, columns, study.direction)
            self.parallel_plot.value = self._painter("parallel").png(data)
            self.view_data[name] = data
        elif name == "map":
            by_key = study.search_space.by_key
            kx, ky = self.map_x.value, self.map_y.value
            if kx not in by_key or ky not in by_key:
                return
            cx, cy = self._column(kx), self._column(ky)
            data = plotdata.value_map(
                by_key[kx], by_key[ky], h.numbers, h.values, h.states, cx, cy, study.direction
            )
            self.map_plot.value = self._painter("map").png(data)
            self.view_data[name] = data

    def _draw_front(self) -> None:
        """Two objectives: the front plotted from the view's columns; more: the study's front as a table."""
        from . import plotdata

        h = self.history
        if self.front_plot is not None:
            names = [o.name for o in self.objectives]
            data = plotdata.front(
                names,
                [str(o.direction) for o in self.objectives],
                h.numbers,
                [h.objective_values[n] for n in names],
                h.states,
            )
            self.front_plot.value = self._painter("front").png(data)
            self.view_data[FRONT_VIEW] = data
        elif self.front_table is not None:
            table = plotdata.front_table(self.study.best_trials, self.objectives)
            self.front_table.value = front_table_html(table)
            self.view_data[FRONT_VIEW] = table

    def _column(self, key: str) -> Any:
        from .plotdata import param_column

        h = self.history
        return param_column(key, len(h), h.raws, h.positions.get(key, []), h.params.get(key, []))

    # -- the cell's display ---------------------------------------------------------------
    def bundle(self) -> dict[str, Any]:
        """The display bundle: the live widget, and HTML and text for where widgets cannot render."""
        data = dict(self.widget._repr_mimebundle_() or {})
        data["text/plain"] = text_summary(self.study)
        data["text/html"] = static_html(self.study, self.convergence.value or None)
        return data

    def show(self) -> None:
        """Display this view with a display id, so the run's end can update what is saved.

        Showing it again displays the same widget once more (the frontend keeps the
        copies in sync); the view still listens once.
        """
        from IPython.display import display

        self.display_id = f"hpmagic-{id(self):x}-{next(_display_ids)}"
        with self._lock:
            self._displays.append(display(self.bundle(), raw=True, display_id=self.display_id))

    def _update_display(self) -> None:
        if self._displays:
            bundle = self.bundle()
            for handle in self._displays:
                handle.update(bundle, raw=True)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop observing the study and close the widgets."""
        self.detach()
        self._throttle.cancel()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self.widget.close()
            self.painters.clear()
        if self._controls is not None:
            self._controls.close()


def _contains_any(root: Any, widgets: list[Any]) -> bool:
    """Whether any of ``widgets`` is ``root`` or inside it."""
    targets = {id(x) for x in widgets}
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in targets:
            return True
        stack.extend(getattr(node, "children", ()) or ())
    return False


def _best_html(best: Trial | None, direction: str) -> str:
    if best is None:
        return "<div style='color:#777'>no complete trial yet</div>"
    e = html.escape
    rows = "".join(
        f"<div style='line-height:1.5'><code>{e(str(k))}</code> = <code><b>{e(format_value(v))}</b></code></div>"
        for k, v in best.params.items()
    )
    word = "score" if direction == "maximize" else "value"
    return (
        f"<div>best {word} <b style='font-size:15px'>{e(_fmt(best.value))}</b> "
        f"<span style='color:#666'>(trial {best.number})</span></div>{rows}"
    )


def _values_line(trial: Trial, on_front: bool, names: list[str]) -> str:
    """A row of the trials table with several objectives: each objective's value, not one value."""
    mark = "★" if on_front else {"failed": "✗", "pruned": "✂"}.get(str(trial.state), " ")
    if not trial.feasible:
        mark = "⊘"
    values = format_values({n: trial.values[n] for n in names if n in trial.values}) or "–"
    head = f"{mark} #{trial.number:<4} {trial.state:<8} {values}  {format_duration(trial.duration):>7}  "
    if trial.state == "failed":
        return head + _one_line(trial.error, ERROR_CHARS)
    return head + shorten(format_params(trial.params), PARAM_CHARS)


def _front_html(
    heading: str, front: list[Trial], objectives: tuple[Any, ...], limit: int = FRONT_BEST
) -> str:
    """The best panel with several objectives: the front's size and its first trials."""
    e = html.escape
    if not front:
        return "<div style='color:#777'>no complete feasible trial yet</div>"
    names = [o.name for o in objectives]
    rows = "".join(
        "<div style='line-height:1.5'>"
        f"<span style='color:#666'>#{t.number}</span> "
        f"<code><b>{e(format_values({n: t.values[n] for n in names if n in t.values}))}</b></code>"
        f"<div style='margin-left:1.5em;font-size:12px'><code>{e(shorten(format_params(t.params), 160))}</code></div>"
        "</div>"
        for t in front[:limit]
    )
    more = (
        f"<div style='color:#666'>… {len(front) - limit} more in the Pareto front tab (study.best_trials)</div>"
        if len(front) > limit
        else ""
    )
    return f"<div class='hpmagic-front-heading'><b>{e(heading)}</b></div>{rows}{more}"


def front_table_html(table: Any) -> str:
    """The front as an HTML table (three objectives or more); every name and value escaped."""
    e = html.escape
    if not table.rows:
        return "<div style='color:#777'>no complete feasible trial yet</div>"
    head = "".join(f"<th style='text-align:right;padding:2px 8px'>{e(n)}</th>" for n in table.names)
    body = "".join(
        "<tr>"
        f"<td style='padding:2px 8px'>#{number}</td>"
        + "".join(
            f"<td style='text-align:right;padding:2px 8px'><code>{e(_fmt(v))}</code></td>" for v in values
        )
        + f"<td style='padding:2px 8px'><code>{e(shorten(format_params(params), PARAM_CHARS))}</code></td>"
        "</tr>"
        for number, values, params in table.rows
    )
    shown = f" (the first {len(table.rows)} of {table.n})" if len(table.rows) < table.n else ""
    return (
        f"<div><b>Pareto front: {table.n} trial{'' if table.n == 1 else 's'}{e(shown)}</b></div>"
        "<table class='hpmagic-front-rows' style='border-collapse:collapse;font-size:12px'>"
        f"<thead><tr><th style='padding:2px 8px'>trial</th>{head}<th style='text-align:left;padding:2px 8px'>params</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def views(study: Study | None = None) -> list[Dashboard]:
    """The live dashboards (of ``study``), e.g. to inspect their widgets."""
    return [d for d in list(_VIEWS) if study is None or d.study is study]
