"""Figures kept between redraws: a plot's artists get the new data instead of a new figure.

Building a figure (its axes, ticks, spines and texts) costs about as much as drawing
it: some 10 of the 40-50 ms a plot of 5 000 trials took. A :class:`Painter` keeps one
figure per plot and, when the new data has the same *layout* as the figure's (which
series exist, scales, categories, axes and their tick labels, the map's bins), sets the
new data on the artists the figure functions of :mod:`hpmagic.ui.plots` tagged with a
``gid``, rescales the axes and draws again. Anything else — a series appears, a scale
or the bins change — builds the figure anew, so a reused figure always shows what a
fresh one would (a test draws both and compares the pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import plots
from .plotdata import Convergence, DimensionData, FrontData, MapData, Parallel, Runs


def _tagged(ax: Any) -> dict[str, Any]:
    """The axes' artists by gid."""
    return {a.get_gid(): a for a in (*ax.lines, *ax.collections, *ax.texts) if a.get_gid()}


def _rescale(ax: Any) -> None:
    ax.relim()
    ax.autoscale_view()


def _ticks_y(n: int) -> list[float]:
    return [0.97] * n


# -- layouts (equal: the figure can be reused) and updates, per plot ------------------------
def _convergence_key(d: Convergence) -> Any:
    sizes = (d.x.size, d.pruned_x.size, d.best_x.size, d.failed_x.size)
    return ("convergence", d.n == 0, *(bool(s) for s in sizes), d.log, d.direction)


def _convergence_update(fig: Any, d: Convergence) -> None:
    ax = fig.axes[0]
    a = _tagged(ax)
    for gid, x, y in (("trial", d.x, d.y), ("pruned", d.pruned_x, d.pruned_y), ("best", d.best_x, d.best_y)):
        if gid in a:
            a[gid].set_data(x, y)
    if "failed" in a:
        a["failed"].set_data(d.failed_x, _ticks_y(len(d.failed_x)))
    _rescale(ax)


def _dimension_key(d: DimensionData) -> Any:
    empty = d.n == 0 and not d.failed_x.size
    return (
        "dimension",
        d.label,
        d.kind,
        empty,
        d.n == 0,
        d.best_x is not None,
        bool(d.failed_x.size),
        tuple(d.categories),
        d.log_x,
        d.log_y,
        d.bounds,
    )


def _dimension_update(fig: Any, d: DimensionData) -> None:
    ax = fig.axes[0]
    a = _tagged(ax)
    if "trial" in a:
        a["trial"].set_data(d.x, d.y)
    if "best" in a:
        a["best"].set_data([d.best_x], [d.best_y])
    if "failed" in a:
        a["failed"].set_data(d.failed_x, _ticks_y(len(d.failed_x)))
    _rescale(ax)
    if d.kind == "choice":  # the fresh figure fixes these limits
        ax.set_xlim(-0.6, len(d.categories) - 0.4)


def _parallel_key(d: Parallel) -> Any:
    axes = tuple((a.label, a.log, tuple(a.ticks)) for a in d.axes)
    return ("parallel", axes, d.n == 0, d.best is not None)


def _parallel_update(fig: Any, d: Parallel) -> None:
    from matplotlib import colormaps

    ax = fig.axes[0]
    a = _tagged(ax)
    if "lines" in a:
        xs = np.arange(len(d.axes), dtype=float)
        a["lines"].set_segments(np.stack([np.broadcast_to(xs, d.lines.shape), d.lines], axis=-1))
        a["lines"].set_color(colormaps["viridis"](d.shade))
        if "best" in a:
            a["best"].set_data(xs, d.best)
            a["best-text"].set_text(f"best (trial {d.best_number})")
    shown = f" ({d.lines.shape[0]} of {d.n})" if d.lines.shape[0] < d.n else ""
    plots._title(ax, f"parallel coordinates{shown}: lighter is better")


def _map_key(d: MapData) -> Any:
    finite = d.grid[np.isfinite(d.grid)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 0.0
    log_norm = bool(finite.size) and d.log_values and lo > 0 and hi / lo >= 10
    sides = tuple(
        (s.label, s.log, tuple(s.categories), tuple(np.round(s.edges, 12).tolist())) for s in (d.x, d.y)
    )
    return ("map", sides, bool(finite.size), log_norm, d.best is not None, d.direction)


def _map_update(fig: Any, d: MapData) -> None:
    ax = fig.axes[0]
    a = _tagged(ax)
    if "mesh" not in a:
        return
    finite = d.grid[np.isfinite(d.grid)]
    lo, hi = float(finite.min()), float(finite.max())
    mesh = a["mesh"]
    mesh.set_array(np.ma.masked_invalid(d.grid))
    norm = mesh.norm
    low_high = (lo, max(hi, lo * 1.0001)) if type(norm).__name__ == "LogNorm" else (lo, max(hi, lo + 1e-12))
    mesh.set_clim(*low_high)
    a["points"].set_data(d.px, d.py)
    if "best" in a and d.best is not None:
        a["best"].set_data([d.best[0]], [d.best[1]])


def _runs_key(d: Runs) -> Any:
    series = tuple((bool(x.size), bool(b.size)) for x, b in zip(d.x, d.best_x))
    return ("runs", d.n == 0, len(d.labels), series, tuple(d.separators), d.log)


def _runs_update(fig: Any, d: Runs) -> None:
    ax = fig.axes[0]
    a = _tagged(ax)
    for k in range(len(d.labels)):
        if f"run-{k}" in a:
            a[f"run-{k}"].set_data(d.x[k], d.y[k])
        if f"best-{k}" in a:
            a[f"best-{k}"].set_data(d.best_x[k], d.best_y[k])
    legend = ax.get_legend()  # "run 2 (17 trials)": the counts move with each trial
    labels = [label for k, label in enumerate(d.labels) if d.x[k].size]
    for text, label in zip(legend.get_texts() if legend is not None else (), labels):
        text.set_text(label)
    _rescale(ax)


def _front_key(d: FrontData) -> Any:
    sizes = (d.infeasible_x.size, d.x.size, d.front_x.size)
    empty = d.n == 0 and not d.infeasible_x.size
    return ("front", empty, d.n == 0, *(bool(s) for s in sizes), d.log_x, d.log_y, d.names)


def _front_update(fig: Any, d: FrontData) -> None:
    ax = fig.axes[0]
    a = _tagged(ax)
    series = (
        ("infeasible", d.infeasible_x, d.infeasible_y),
        ("trial", d.x, d.y),
        ("front-line", d.front_x, d.front_y),
        ("front", d.front_x, d.front_y),
    )
    for gid, x, y in series:
        if gid in a:
            a[gid].set_data(x, y)
    legend = ax.get_legend()
    for text in legend.get_texts() if legend is not None else ():
        if text.get_text().startswith("front ("):
            text.set_text(f"front ({d.n_front})")
    _rescale(ax)


#: plot → (build a figure, its layout, update a figure of that layout)
KINDS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], Callable[[Any, Any], None]]] = {
    "convergence": (plots.convergence_figure, _convergence_key, _convergence_update),
    "dimension": (plots.dimension_figure, _dimension_key, _dimension_update),
    "parallel": (plots.parallel_figure, _parallel_key, _parallel_update),
    "map": (plots.map_figure, _map_key, _map_update),
    "runs": (plots.runs_figure, _runs_key, _runs_update),
    "front": (plots.front_figure, _front_key, _front_update),
}


class Painter:
    """One plot's figure, kept between redraws (see the module's docstring). Not thread-safe:
    a view calls it under its own lock."""

    def __init__(self, kind: str) -> None:
        self.build, self.layout, self.update = KINDS[kind]
        self.figure: Any = None
        self.key: Any = None
        self.reused = 0  # redraws that reused the figure (for tests and benchmarks)

    def png(self, data: Any) -> bytes:
        """The plot of ``data`` as PNG bytes."""
        try:
            with np.errstate(all="ignore"):  # rounding edges near a float's limits overflows: no matter
                key = self.layout(data)
                if self.figure is not None and key == self.key:
                    self.update(self.figure, data)
                    self.reused += 1
                else:
                    self.figure, self.key = self.build(data), key
                return plots.render(self.figure)
        except plots.UNDRAWABLE:  # values near a float's limits: a note, never an error in the view
            self.figure = self.key = None
            return plots.cannot_draw()

    def close(self) -> None:
        self.figure = self.key = None
