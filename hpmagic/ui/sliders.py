"""Sliders: narrow or widen a study's search space while it runs, and continue.

:class:`SpaceControls` shows one row per dimension: a range slider for numbers
(over log10 values for log scales, since ipywidgets has no log slider; whole
steps for integers, steps of q for quniform) with editable low/high fields that
read in natural units, toggle buttons for the options of a choice, and under each
slider a strip of the trials so far drawn on the slider's own axis. The slider
reaches a margin beyond the current bounds, and the fields take any value, so
a range can be widened past the cell's own bounds.

"Continue" is ``study.refine(**changed ranges)`` then ``study.run(n)``, exactly
what code would call. While the study is still running, Continue refines the
running study (the trials it starts from then on use the new space) and starts
no second run; the trial count is for a run started when none is going.
A refinement the space rejects shows its message in the panel and changes
nothing.

Under a number whose best trials sit at a bound (``study.at_bounds()``, see
:mod:`hpmagic.core.edges`) the panel says so, with a *Widen* button: Continue with
that bound moved outward (``study.suggest_widening``). The warnings are found again
as often as the strips are drawn.

The panel is self-contained (``SpaceControls(study).widget``); a dashboard that
embeds it passes ``live=False``, calls :meth:`SpaceControls.refresh` when trials
end, and may place each row (:meth:`SpaceControls.row`) beside its own plot of
that dimension.
"""

from __future__ import annotations

import html
import io
import itertools
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..core.edges import Edge
from ..core.space import Dimension, Space, SpaceError
from ..core.text import shorten
from ..core.trials import COMPLETE
from ..run.study import Study, Trial
from .advisor import AdvicePanel
from .throttle import Throttle

SLIDER_WIDTH = 320  # px; the strip of marks under a slider has the same width
MARKS_HEIGHT = 16  # px
MARGIN = 0.25  # the slider reaches this share of the current range beyond each bound
DEFAULT_CONTINUE = 20  # trials the Continue box proposes
MARKS_INTERVAL = 1.0  # seconds between redraws of the strips while a run goes on
ADVICE_INTERVAL = 5.0  # seconds between asking for the study's advice while a run goes on
MAX_TOGGLES = 40  # buttons of a choice at most; a longer choice gets a filter


def _fmt(x: Any) -> str:
    """A number as the fields show it: exact (repr) so an unchanged field reads back equal."""
    return repr(float(x)) if isinstance(x, float) else str(x)


def _short(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _nice_step(width: float, parts: int = 200) -> float:
    """A 1-2-5 step that cuts ``width`` into about ``parts`` pieces."""
    if width <= 0:
        return 1.0
    raw = width / parts
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10.0**exp >= raw:
            return m * 10.0**exp
    return 10.0 ** (exp + 1)  # pragma: no cover


class _Control:
    """The controls of one dimension; ``widget`` is its row."""

    key: str
    widget: w.Box

    def __init__(self, panel: SpaceControls, dim: Dimension) -> None:
        self.panel = panel
        self.key = dim.key
        self.label = dim.label
        title = dim.label if dim.key == dim.label else f"{dim.label} ({dim.key})"
        kind = dim.kind + (" · log" if dim.is_log and dim.kind != "lognormal" else "")
        self.name = w.Label(value=title, tooltip=f"{dim.kind}, cell line {dim.line}")
        self.name.layout = w.Layout(width="120px")
        self.kind = w.Label(value=kind, layout=w.Layout(width="110px"))

    def pending(self, dim: Dimension) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def changed(self, dim: Dimension) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def sync(self, dim: Dimension, trials: list[Trial]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def refresh(
        self, dim: Dimension, trials: list[Trial], inside: dict[int, bool], best: Trial | None
    ) -> None:
        """Draw what the trials so far say about this dimension (``inside``: by trial number)."""


class NumericControl(_Control):
    """A range slider with low/high fields in natural units and a strip of the trials."""

    def __init__(self, panel: SpaceControls, dim: Dimension) -> None:
        super().__init__(panel, dim)
        self.slider = self._new_slider(dim)
        text = w.Layout(width="90px")
        self.low = w.Text(continuous_update=False, layout=text, tooltip="low, in natural units")
        self.high = w.Text(continuous_update=False, layout=text, tooltip="high, in natural units")
        self.readout = w.Label(layout=w.Layout(width="200px"))
        # shown when the best trials sit at a bound (see hpmagic.core.edges)
        self.edge_note = w.HTML()
        self.widen_button = w.Button(
            description="Widen", icon="arrows-h", tooltip="move that bound outward and continue"
        )
        self.widen_button.on_click(lambda _: self.panel.widen(self.key))
        self.edge_box = w.HBox(
            [self.edge_note, self.widen_button],
            layout=w.Layout(display="none", align_items="center", margin="0 0 4px 120px"),
        )
        self.edge_box.add_class("hpmagic-edge")
        self.widen_button.add_class("hpmagic-widen")
        self.edge: Edge | None = None
        self.marks = w.Image(
            format="png", layout=w.Layout(width=f"{SLIDER_WIDTH}px", height=f"{MARKS_HEIGHT}px")
        )
        self.slider_box = w.VBox([self.slider, self.marks], layout=w.Layout(width=f"{SLIDER_WIDTH + 10}px"))
        line = w.HBox(
            [
                self.name,
                self.low,
                self.slider_box,
                self.high,
                self.kind,
                self.readout,
            ],
            layout=w.Layout(align_items="center"),
        )
        self.widget = w.VBox([line, self.edge_box])
        self._marks_key: Any = None
        self.low.observe(self._on_text, names="value")
        self.high.observe(self._on_text, names="value")

    def _new_slider(self, dim: Dimension) -> w.IntRangeSlider | w.FloatRangeSlider:
        """A slider on ``dim``'s axis (log10 for log scales); made anew when a refinement
        switches the scale (``refine(C=("log", low, high))``)."""
        self.log = dim.is_log
        self.integer = dim.kind == "int" or (dim.kind == "quniform" and dim.as_int)
        self.kind.value = dim.kind + (" · log" if dim.is_log and dim.kind != "lognormal" else "")
        layout = w.Layout(width=f"{SLIDER_WIDTH}px")
        if self.integer and not self.log:
            slider: Any = w.IntRangeSlider(
                min=0, max=1, value=(0, 1), readout=False, continuous_update=False, layout=layout
            )
        else:
            slider = w.FloatRangeSlider(
                min=0.0, max=1.0, value=(0.0, 1.0), readout=False, continuous_update=False, layout=layout
            )
        slider.observe(self._on_slider, names="value")
        return slider

    # axis of the slider: log10 for log scales
    def to_axis(self, x: float) -> float:
        return math.log10(x) if self.log else x

    def from_axis(self, v: float, dim: Dimension) -> Any:
        """A slider position in natural units, rounded as a person would write it."""
        x = 10.0**v if self.log else v
        if dim.kind in ("int", "logint"):
            return int(round(x))
        if dim.kind == "quniform":
            x = round(round(x / dim.q) * dim.q, 12) if dim.q else x
            return int(round(x)) if dim.as_int else x
        return (
            float(f"{x:.3g}") if self.log else round(x, max(0, 2 - math.floor(math.log10(self.slider.step))))
        )

    def parse(self, text: str, which: str, dim: Dimension) -> float | int:
        try:
            value = float(text.strip())
        except ValueError:
            raise SpaceError(f"refine {dim.key}: {which} {text.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise SpaceError(f"refine {dim.key}: {which} must be finite, got {text.strip()!r}")
        if (dim.kind in ("int", "logint") or (dim.kind == "quniform" and dim.as_int)) and value.is_integer():
            return int(value)
        return value

    def pending(self, dim: Dimension) -> tuple[Any, Any]:
        return (self.parse(self.low.value, "low", dim), self.parse(self.high.value, "high", dim))

    def changed(self, dim: Dimension) -> bool:
        try:
            return self.pending(dim) != (dim.low, dim.high)
        except SpaceError:
            return True

    def extent(self, dim: Dimension, trials: list[Trial]) -> tuple[float, float, float]:
        """Slider min, max and step (axis units): the range, the trials, and a margin."""
        assert dim.low is not None and dim.high is not None
        lo, hi = self.to_axis(dim.low), self.to_axis(dim.high)
        seen = [_value(t, dim) for t in trials]
        seen = [self.to_axis(v) for v in seen if v is not None and (not self.log or v > 0)]
        width = hi - lo if hi > lo else (abs(lo) or 1.0)
        a = min([lo, *seen]) - MARGIN * width
        b = max([hi, *seen]) + MARGIN * width
        if not self.log and min([dim.low, *seen]) >= 0:
            a = max(a, 0.0)  # the margin does not cross zero (the fields still can)
        if self.log:
            step = 0.01
            a, b = math.floor(a / step) * step, math.ceil(b / step) * step
        elif dim.kind == "quniform" and dim.q:
            step = dim.q
            a, b = math.floor(a / step) * step, math.ceil(b / step) * step
        elif dim.kind == "int":
            step, a, b = 1, math.floor(a), math.ceil(b)
        else:
            step = _nice_step(b - a)
            a, b = math.floor(a / step) * step, math.ceil(b / step) * step
        if self.integer and not self.log:
            return int(round(a)), int(round(b)), int(round(step)) or 1
        return round(a, 12), round(b, 12), step

    def _set_slider(self, lo: float, hi: float, extent: tuple[float, float, float] | None = None) -> None:
        """Move the handles (and the ends); the ends grow to hold the handles."""
        s = self.slider
        a, b, step = extent if extent else (s.min, s.max, s.step)
        a, b = min(a, lo), max(b, hi)
        if self.integer and not self.log:
            lo, hi, a, b = int(math.floor(lo)), int(math.ceil(hi)), int(math.floor(a)), int(math.ceil(b))
        with s.hold_trait_notifications():
            s.step = step
            s.max = max(s.max, b)
            s.min = min(s.min, a)
            s.value = (lo, hi)
            s.min, s.max = a, b

    def sync(self, dim: Dimension, trials: list[Trial]) -> None:
        assert dim.low is not None and dim.high is not None
        if dim.is_log != self.log:  # the scale was switched: a slider on the new axis
            old, self.slider = self.slider, self._new_slider(dim)
            self.slider_box.children = (self.slider, self.marks)
            old.close()
        self.low.value, self.high.value = _fmt(dim.low), _fmt(dim.high)
        self._set_slider(self.to_axis(dim.low), self.to_axis(dim.high), self.extent(dim, trials))
        self._readout(dim)

    def _readout(self, dim: Dimension) -> None:
        try:
            lo, hi = self.pending(dim)
            text = f"{_short(lo)} … {_short(hi)}"
        except SpaceError:
            text = "?"
        self.readout.value = text + (" · changed" if self.changed(dim) else "")

    def _on_slider(self, change: dict[str, Any]) -> None:
        panel = self.panel
        with panel._lock:
            if panel._syncing:
                return
            dim = panel._dim(self.key)
            half = (self.slider.step or 0) / 2
            texts = []
            for v, field, which in zip(change["new"], (self.low, self.high), ("low", "high")):
                try:
                    old = self.to_axis(self.parse(field.value, which, dim))
                except (SpaceError, ValueError):
                    old = None
                # a handle the frontend only snapped to a step keeps its exact value
                texts.append(
                    field.value if old is not None and abs(old - v) <= half else _fmt(self.from_axis(v, dim))
                )
            panel._syncing = True
            try:
                self.low.value, self.high.value = texts
            finally:
                panel._syncing = False
            self._readout(dim)
            panel._pending_changed()

    def _on_text(self, change: dict[str, Any]) -> None:
        panel = self.panel
        with panel._lock:
            if panel._syncing:
                return
            dim = panel._dim(self.key)
            which = "low" if change["owner"] is self.low else "high"
            try:
                value = self.parse(change["new"], which, dim)
                if self.log and value <= 0:
                    raise SpaceError(f"refine {dim.key}: {which} must be > 0 on a log scale, got {value!r}")
            except SpaceError as exc:
                panel.show_error(str(exc))
                self._readout(dim)
                return
            lo, hi = self.slider.value
            lo, hi = (self.to_axis(value), hi) if which == "low" else (lo, self.to_axis(value))
            panel._syncing = True
            try:
                self._set_slider(min(lo, hi), max(lo, hi))
            finally:
                panel._syncing = False
            self._readout(dim)
            panel._pending_changed()

    def show_edge(self, edge: Edge | None) -> None:
        """Say (or stop saying) that the best trials sit at a bound, with a Widen button."""
        if edge == self.edge:
            return
        self.edge = edge
        if edge is None:
            self.edge_box.layout.display = "none"
            return
        text = f"best at the {edge.side} bound: widen to {_short(edge.new_bound)}?"
        if edge.new_bound is None:
            text = f"best at the {edge.side} bound (a hard limit)"
        self.edge_note.value = f'<span style="color:#a15c00">&#9888; {html.escape(text)}</span>'
        self.widen_button.disabled = edge.new_range is None
        self.widen_button.layout.display = "none" if edge.new_range is None else None
        self.edge_box.layout.display = None

    def refresh(
        self, dim: Dimension, trials: list[Trial], inside: dict[int, bool], best: Trial | None
    ) -> None:
        points = []
        for t in trials:
            v = _value(t, dim)
            if v is None or (self.log and v <= 0):
                continue
            points.append((self.to_axis(v), t.state == COMPLETE, inside[t.number], best is t))
        try:
            pending = tuple(self.to_axis(x) for x in self.pending(dim))
        except (SpaceError, ValueError):
            pending = None
        key = (tuple(points), self.slider.min, self.slider.max, pending)
        if key == self._marks_key:
            return
        self._marks_key = key
        self.marks.value = draw_marks(points, (self.slider.min, self.slider.max), pending)


class ChoiceControl(_Control):
    """A toggle button per option of the cell (pressed: kept); counts of trials beside.

    A choice of more than ``MAX_TOGGLES`` options gets that many buttons and a
    filter: the buttons show the first options that match it, and two buttons
    keep or drop every match at once. What is kept lives in ``kept`` (option
    indices), so 100 000 options cost a set, not 100 000 widgets.
    """

    def __init__(self, panel: SpaceControls, dim: Dimension) -> None:
        super().__init__(panel, dim)
        self.options = dim.options
        self.kept: set[int] = set(dim.allowed)
        self.shown: list[int] = list(range(min(len(dim.options), MAX_TOGGLES)))
        self._relabeling = False
        self._texts: list[str] | None = None
        self.buttons = [w.ToggleButton(layout=w.Layout(width="auto", max_width="220px")) for _ in self.shown]
        for button in self.buttons:
            button.observe(self._on_toggle, names="value")
        self.counts = w.Label(layout=w.Layout(width="auto"))
        toggles = w.HBox(self.buttons, layout=w.Layout(flex_flow="row wrap"))
        self.filter: w.Text | None = None
        self.note = w.Label()
        column: list[Any] = [toggles]
        if len(dim.options) > MAX_TOGGLES:
            self.filter = w.Text(
                placeholder=f"filter {len(dim.options)} options",
                continuous_update=False,
                layout=w.Layout(width="180px"),
            )
            self.filter.observe(lambda _: self.show_matching(), names="value")
            keep = w.Button(description="keep matches", layout=w.Layout(width="auto"))
            drop = w.Button(description="drop matches", layout=w.Layout(width="auto"))
            keep.on_click(lambda _: self.set_matching(True))
            drop.on_click(lambda _: self.set_matching(False))
            column.insert(0, w.HBox([self.filter, keep, drop, self.note]))
        self.widget = w.HBox(
            [self.name, w.VBox(column), self.kind, self.counts], layout=w.Layout(align_items="center")
        )
        self._label_buttons()

    def matches(self) -> list[int]:
        """Option indices whose text holds the filter (all of them without one)."""
        needle = (self.filter.value if self.filter is not None else "").strip().lower()
        if not needle:
            return list(range(len(self.options)))
        if self._texts is None:
            self._texts = [str(o).lower() for o in self.options]
        return [i for i, text in enumerate(self._texts) if needle in text]

    def show_matching(self) -> None:
        """Put the first options matching the filter on the buttons."""
        with self.panel._lock:
            found = self.matches()
            self.shown = found[: len(self.buttons)]
            self._label_buttons(len(found))

    def set_matching(self, keep: bool) -> None:
        """Keep (or drop) every option matching the filter, shown or not."""
        with self.panel._lock:
            found = self.matches()
            self.kept = self.kept | set(found) if keep else self.kept - set(found)
            self._label_buttons(len(found))
            self.panel._pending_changed()

    def _label_buttons(self, found: int | None = None) -> None:
        found = len(self.options) if found is None else found
        self._relabeling = True
        try:
            for button, i in itertools.zip_longest(self.buttons, self.shown):
                if i is None:
                    button.layout.display = "none"
                    continue
                text = str(self.options[i])
                button.description, button.tooltip = shorten(text, 28), shorten(text, 500)
                button.value = i in self.kept
                button.layout.display = None
        finally:
            self._relabeling = False
        if self.filter is not None:
            more = found - len(self.shown)
            self.note.value = f"{more} more match{'es' if more != 1 else ''}" if more > 0 else ""

    def allowed(self) -> list[int]:
        return sorted(self.kept)

    def pending(self, dim: Dimension) -> list[Any]:
        return [dim.options[i] for i in self.allowed()]

    def changed(self, dim: Dimension) -> bool:
        return self.allowed() != list(dim.allowed)

    def sync(self, dim: Dimension, trials: list[Trial]) -> None:
        self.kept = set(dim.allowed)
        self._label_buttons(len(self.matches()) if self.filter is not None else None)

    def _on_toggle(self, change: dict[str, Any]) -> None:
        if self._relabeling:
            return
        with self.panel._lock:
            i = self.shown[self.buttons.index(change["owner"])]
            if change["new"]:
                self.kept.add(i)
            else:
                self.kept.discard(i)
            if not self.panel._syncing:
                self.panel._pending_changed()

    def refresh(
        self, dim: Dimension, trials: list[Trial], inside: dict[int, bool], best: Trial | None
    ) -> None:
        counts: dict[int, int] = {}
        for t in trials:
            i = t.raw.get(dim.key)
            if isinstance(i, int) and 0 <= i < len(dim.options):
                counts[i] = counts.get(i, 0) + 1
        if len(dim.options) <= MAX_TOGGLES:
            self.counts.value = "trials: " + " · ".join(
                str(counts.get(i, 0)) for i in range(len(dim.options))
            )
            return
        shown = " · ".join(str(counts.get(i, 0)) for i in self.shown)
        self.counts.value = (
            f"trials: {shown} (buttons shown) · {len(counts)} of {len(dim.options)} options tried"
        )


class NormalControl(_Control):
    """mu and sigma fields for normal and lognormal dimensions."""

    def __init__(self, panel: SpaceControls, dim: Dimension) -> None:
        super().__init__(panel, dim)
        self.mu = w.Text(description="mu", continuous_update=False, layout=w.Layout(width="160px"))
        self.sigma = w.Text(description="sigma", continuous_update=False, layout=w.Layout(width="160px"))
        for field in (self.mu, self.sigma):
            field.observe(self._on_text, names="value")
        self.widget = w.HBox(
            [self.name, self.mu, self.sigma, self.kind], layout=w.Layout(align_items="center")
        )

    def pending(self, dim: Dimension) -> tuple[float, float]:
        out = []
        for field, which in ((self.mu, "mu"), (self.sigma, "sigma")):
            try:
                out.append(float(field.value.strip()))
            except ValueError:
                raise SpaceError(
                    f"refine {dim.key}: {which} {field.value.strip()!r} is not a number"
                ) from None
        return out[0], out[1]

    def changed(self, dim: Dimension) -> bool:
        try:
            return self.pending(dim) != (dim.mu, dim.sigma)
        except SpaceError:
            return True

    def sync(self, dim: Dimension, trials: list[Trial]) -> None:
        self.mu.value, self.sigma.value = _fmt(dim.mu), _fmt(dim.sigma)

    def _on_text(self, change: dict[str, Any]) -> None:
        with self.panel._lock:
            if not self.panel._syncing:
                self.panel._pending_changed()


def _value(trial: Trial, dim: Dimension) -> float | None:
    v = trial.raw.get(dim.key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def draw_marks(
    points: list[tuple[float, bool, bool, bool]],
    extent: tuple[float, float],
    pending: tuple[float, float] | None,
) -> bytes:
    """A strip of the trials on a slider's axis (PNG): one tick per trial.

    ``points`` are (axis value, complete, inside the current space, best). Inside
    trials are dark, outside ones pale, failed ones red, the best one taller and
    green; the range the controls show is shaded.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(SLIDER_WIDTH / dpi, MARKS_HEIGHT / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    lo, hi = extent
    ax.set_xlim(lo, hi if hi > lo else lo + 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    if pending is not None:
        ax.axvspan(min(pending), max(pending), color="#dbe8f6", lw=0)
    groups: dict[str, list[float]] = {"outside": [], "failed": [], "inside": []}
    best: list[float] = []
    for x, complete, inside, is_best in points:
        if is_best:
            best.append(x)
        elif not complete:
            groups["failed"].append(x)
        else:
            groups["inside" if inside else "outside"].append(x)
    style = {"outside": "#b9b9b9", "failed": "#d62728", "inside": "#1f4e8c"}
    for name, xs in groups.items():
        if xs:
            ax.vlines(xs, 0.2, 0.8, colors=style[name], lw=1)
    if best:
        ax.vlines(best, 0.0, 1.0, colors="#2ca02c", lw=2)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, transparent=True)
    return buf.getvalue()


class SpaceControls:
    """The sliders panel of a study: edit ranges, then Continue (refine + run).

    ``widget`` is the panel; :meth:`row` gives one dimension's row and
    :meth:`control` its widgets (``slider``, ``low``, ``high``, ``marks`` or
    ``buttons``). With ``live=True`` the panel listens to the study itself;
    a dashboard embedding it passes ``live=False`` and calls :meth:`refresh`.
    """

    def __init__(self, study: Study, *, live: bool = True) -> None:
        self.study = study
        self._lock = threading.RLock()
        self._syncing = False
        self._synced: Any = None
        self._message = ""
        self._marks_at = 0.0
        space = study.search_space
        self.controls: dict[str, _Control] = {}
        for dim in space.dims:
            if dim.is_choice:
                self.controls[dim.key] = ChoiceControl(self, dim)
            elif dim.kind in ("normal", "lognormal"):
                self.controls[dim.key] = NormalControl(self, dim)
            else:
                self.controls[dim.key] = NumericControl(self, dim)
        self.n_box = w.BoundedIntText(
            value=DEFAULT_CONTINUE, min=1, max=1_000_000, description="trials", layout=w.Layout(width="160px")
        )
        self.continue_button = w.Button(
            description="Continue",
            icon="play",
            button_style="primary",
            tooltip="refine the space to these ranges, then run more trials "
            "(while a run is going: refine it, start nothing new)",
        )
        self.zoom_button = w.Button(
            description="Zoom to best", icon="search", tooltip="set the ranges around the best 25% of trials"
        )
        self.reset_button = w.Button(
            description="Reset", icon="undo", tooltip="show the current ranges again"
        )
        self.continue_button.on_click(lambda _: self.continue_())
        self.zoom_button.on_click(lambda _: self.zoom())
        self.reset_button.on_click(lambda _: self.sync())
        self.status = w.HTML()
        self.advisor = AdvicePanel(self)  # study.advice(), each with its button
        self._advice_at = -math.inf
        self.widget = w.VBox(
            [
                *(c.widget for c in self.controls.values()),
                w.HBox([self.n_box, self.continue_button, self.zoom_button, self.reset_button]),
                self.status,
                self.advisor.widget,
            ]
        )
        # stable hooks for styling and for browser tests
        self.widget.add_class("hpmagic-sliders")
        self.continue_button.add_class("hpmagic-continue")
        self.status.add_class("hpmagic-sliders-status")
        for i, control in enumerate(self.controls.values()):
            control.widget.add_class("hpmagic-control")
            control.widget.add_class(f"hpmagic-control-{i}")
        self._throttle = None
        #: called just before Continue starts a run (a dashboard re-attaches to follow it)
        self.before_run: Callable[[], None] | None = None
        if live:  # listen first, then draw: a run that ends in between is not missed
            self._throttle = Throttle(self.refresh)
            study.subscribe(self)
        self.sync()

    # -- access for a dashboard and for tests ------------------------------------
    def control(self, name: str) -> Any:
        """The controls of a dimension, by key or label."""
        if name in self.controls:
            return self.controls[name]
        for control in self.controls.values():
            if control.label == name:
                return control
        raise KeyError(f"no dimension {name!r}; the space has {', '.join(self.controls)}")

    def row(self, name: str) -> w.Box:
        """One dimension's row, to place beside a plot of that dimension."""
        return self.control(name).widget

    @property
    def rows(self) -> dict[str, w.Box]:
        return {key: c.widget for key, c in self.controls.items()}

    def ranges(self) -> dict[str, Any]:
        """The ranges the controls show that differ from the study's, as ``refine`` takes them."""
        space = self.study.search_space
        out: dict[str, Any] = {}
        for key, control in self.controls.items():
            dim = space.by_key[key]
            if control.changed(dim):
                out[key] = control.pending(dim)
        return out

    # -- study events (any thread) ------------------------------------------------
    def trial_ended(self, study: Study, trial: Trial) -> None:
        if self._throttle:
            self._throttle.poke()

    def space_changed(self, study: Study) -> None:
        if self._throttle:
            self._throttle.poke()

    def run_started(self, study: Study) -> None:
        if self._throttle:
            self._throttle.poke()

    def run_ended(self, study: Study) -> None:
        if self._throttle:
            self._throttle.flush()

    # -- writing the widgets ------------------------------------------------------
    def _dim(self, key: str) -> Dimension:
        return self.study.search_space.by_key[key]

    def sync(self) -> None:
        """Show the study's current ranges (drops edits not yet applied)."""
        with self._lock:
            space = self.study.search_space
            trials = self.study.trials
            self._syncing = True
            try:
                for key, control in self.controls.items():
                    control.sync(space.by_key[key], trials)
            finally:
                self._syncing = False
            self._synced = space.describe(), space.to_json()
            self._draw(space, trials, force=True)

    def refresh(self) -> None:
        """Update the marks and counts from the trials so far (the dashboard calls this)."""
        with self._lock:
            space = self.study.search_space
            if self._synced is None or self._synced[1] != space.to_json():
                self.sync()  # refined from code or elsewhere
                return
            self._draw(space, self.study.trials)

    def _draw(
        self, space: Space, trials: list[Trial], numeric_only: bool = False, force: bool = False
    ) -> None:
        inside = {t.number: space.contains(t.raw) for t in trials}
        best = self.study.best_trial
        # drawing the strips costs milliseconds per dimension: at most once per
        # MARKS_INTERVAL during a run, always after it and after an edit
        now = time.monotonic()
        marks = force or not self.study.running or now - self._marks_at >= MARKS_INTERVAL
        if marks:
            self._marks_at = now
            self._show_edges()
        if force or not self.study.running or now - self._advice_at >= ADVICE_INTERVAL:
            self._advice_at = now  # importance and the two GPs cost 0.05-0.35 s of CPU
            self.advisor.refresh()
        for key, control in self.controls.items():
            numeric = isinstance(control, NumericControl)
            if (numeric and marks) or (not numeric and not numeric_only):
                control.refresh(space.by_key[key], trials, inside, best)
        self._visibility(space)
        self._show_status(space, trials, inside)

    def _show_edges(self) -> None:
        """The edge warnings, as ``study.at_bounds()`` finds them (as often as the strips)."""
        edges = {e.key: e for e in self.study.at_bounds()}
        for key, control in self.controls.items():
            if isinstance(control, NumericControl):
                control.show_edge(edges.get(key))

    def _visibility(self, space: Space) -> None:
        """Rows of dims under options switched off are hidden."""
        allowed = {k: c.allowed() for k, c in self.controls.items() if isinstance(c, ChoiceControl)}
        for key, control in self.controls.items():
            visible = space.reachable(space.by_key[key], allowed)
            control.widget.layout.display = None if visible else "none"

    def _pending_changed(self, message: str = "") -> None:
        """An edit in the controls: redraw the shaded ranges, hide rows, say what changed."""
        self._message = message
        self._draw(self.study.search_space, self.study.trials, numeric_only=True, force=True)

    def _show_status(
        self,
        space: Space | None = None,
        trials: list[Trial] | None = None,
        inside: dict[int, bool] | None = None,
    ) -> None:
        study = self.study
        space = space or study.search_space
        trials = study.trials if trials is None else trials
        n_inside = sum(inside.values()) if inside is not None else sum(space.contains(t.raw) for t in trials)
        parts = []
        if self._message:
            parts.append(self._message)
        try:
            changed = list(self.ranges())
        except SpaceError:
            changed = []
        if changed:
            parts.append("changed: " + html.escape(", ".join(changed)) + " (press Continue to apply)")
        parts.append(
            f"{n_inside} of {len(trials)} trials inside the current space"
            + (" · running" if study.running else "")
        )
        self.status.value = "<br>".join(parts)
        self.continue_button.description = "Apply to run" if study.running else "Continue"

    def show_error(self, message: str) -> None:
        """A refinement that failed: its message as text, in red."""
        with self._lock:
            self._message = f'<span style="color:#b00020">{html.escape(message)}</span>'
            self._show_status()

    # -- actions -------------------------------------------------------------------
    def continue_(self, n: int | None = None) -> bool:
        """Refine the study to the ranges shown, then run ``n`` more trials (the box's number).

        While the study runs, only the refinement is applied (to the running
        study). Returns whether it worked; on an error nothing changes and the
        panel shows why.
        """
        with self._lock:
            study = self.study
            try:
                ranges = self.ranges()
                n = int(self.n_box.value if n is None else n)
                study.refine(**ranges)
            except (SpaceError, ValueError) as exc:
                self.show_error(str(exc))
                return False
            if study.running:
                note = (
                    "applied to the running study: the trials it starts from now on use the new space"
                    if ranges
                    else "the study is still running; no range was changed"
                )
            else:
                try:
                    if self.before_run is not None:
                        self.before_run()
                    study.run(n)
                except (RuntimeError, ValueError) as exc:
                    self.show_error(str(exc))
                    return False
                note = f"running {n} more trials" + (" in the new space" if ranges else "")
            self.sync()
            self._message = html.escape(note)
            self._show_status()
            return True

    def widen(self, key: str, n: int | None = None) -> bool:
        """Move ``key``'s flagged bound outward and continue (Continue with that range).

        Other edits shown in the panel go with it, as with Continue. Returns whether it
        worked; when the bound is no longer at the edge the panel says so.
        """
        with self._lock:
            ranges = self.study.suggest_widening(key)
            if key not in ranges:
                self.show_error(f"widen {key}: its best trials no longer sit at a bound")
                self._show_edges()
                return False
            control = self.controls[key]
            assert isinstance(control, NumericControl)
            low, high = ranges[key][:2]
            self._syncing = True
            try:
                control.low.value, control.high.value = _fmt(low), _fmt(high)
                control._set_slider(control.to_axis(low), control.to_axis(high))
            finally:
                self._syncing = False
            return self.continue_(n)

    def zoom(self) -> dict[str, Any]:
        """Fill the controls with ranges around the best trials (not applied until Continue)."""
        with self._lock:
            ranges = self.study.suggest_refinement()
            if not ranges:
                self.show_error(
                    "zoom: needs at least 4 complete trials, and ranges wider than the best trials' span"
                )
                return ranges
            space = self.study.search_space
            self._syncing = True
            try:
                for key, (low, high) in ranges.items():
                    control = self.controls[key]
                    assert isinstance(control, NumericControl)
                    control.low.value, control.high.value = _fmt(low), _fmt(high)
                    control._set_slider(control.to_axis(low), control.to_axis(high))
            finally:
                self._syncing = False
            for key in ranges:
                control = self.controls[key]
                assert isinstance(control, NumericControl)
                control._readout(space.by_key[key])
            self._pending_changed("zoomed to the best trials: press Continue to search there")
            return ranges

    def close(self) -> None:
        """Stop listening to the study and close the widgets."""
        self.study.unsubscribe(self)

        def close(widget: Any) -> None:
            for child in getattr(widget, "children", ()):
                close(child)
            widget.close()

        close(self.widget)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = f"<hpmagic.SpaceControls of study '{self.study.name}'>"
        return bundle
