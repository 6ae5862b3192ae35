"""Drawing the dashboard's plots as PNG bytes: matplotlib ``Figure`` + Agg, never pyplot.

Each function takes the data computed by :mod:`hpmagic.plotdata` and returns a
PNG. Figures are small and drawn at a modest resolution: a refresh pays for what
it draws, and the data is already capped in size.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import AutoLocator, FixedLocator, FuncFormatter, LogLocator, MaxNLocator, NullLocator

from ..core.text import shorten
from .plotdata import Convergence, Curves, DimensionData, FrontData, MapData, Parallel, Runs

DPI = 96
BLUE, ORANGE, RED, GREY, GREEN = "#4c72b0", "#dd8452", "#c44e52", "#8c8c8c", "#55a868"
FONT = 8
TICKS = 5  # at most this many intervals between the ticks of a linear axis


def _axes(width: float, height: float) -> tuple[Figure, Any]:
    """A figure on the Agg canvas (never pyplot: plots are drawn off the main thread) and its styled axes."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.tick_params(labelsize=FONT - 1, length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, alpha=0.25, linewidth=0.6)
    return fig, ax


def _title(ax: Any, text: str, literal: bool = False) -> None:
    """The plot's title, top left. A fixed height (y=1) spares matplotlib measuring the tick
    labels to place it (about 1.5 ms of a 40-50 ms redraw); nothing of ours sits above the axes."""
    ax.set_title(text, fontsize=FONT + 1, loc="left", y=1.0, **(LITERAL if literal else {}))


def _margins(
    fig: Figure, left: float = 0.55, bottom: float = 0.42, top: float = 0.25, right: float = 0.1
) -> None:
    """Fixed margins in inches: tight_layout costs more than the drawing itself."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h)


def _plain(value: float, _: Any = None) -> str:
    """A tick label as plain text (0.03, 1e-5, 2e+6): math text costs a parse per label and draw."""
    text = f"{value:g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{'+' if int(exponent) > 0 else ''}{int(exponent)}"
    return text


#: tick labels written plainly (0.001, 10): cheaper to draw than math text, and as readable
PLAIN = FuncFormatter(_plain)


def _few_decades(axis: Any, lo: float, hi: float) -> None:
    """A log axis over a short range gets 1-2-5 or 1-3 ticks, a long one powers of ten; all written
    plainly (0.03, not 3e-2; 1e-5, not math text)."""
    if lo <= 0 or hi <= 0:
        return
    decades = abs(math.log10(hi / lo))
    if decades < 3:
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades < 1.5 else (1.0, 3.0)))
    axis.set_major_formatter(PLAIN)


#: text properties that show user text as written: a ``$`` in a choice or a name is not math text
LITERAL = {"parse_math": False, "usetex": False}


def render(fig: Figure) -> bytes:
    """The PNG of ``fig``."""
    for ax in fig.axes:  # minor ticks of log axes cost more than the rest of the drawing
        for axis, limits in ((ax.xaxis, ax.get_xlim), (ax.yaxis, ax.get_ylim)):
            axis.set_minor_locator(NullLocator())
            if axis.get_scale() == "log":
                _few_decades(axis, *limits())
            elif _beyond_ticks(*limits()):  # matplotlib's tick search overflows there
                lo, hi = limits()
                axis.set_major_locator(FixedLocator([lo, lo / 2 + hi / 2, hi]))
            elif isinstance(axis.get_major_locator(), AutoLocator):
                # each tick is built anew for each drawing: five say as much on a small plot as nine
                axis.get_major_locator().set_params(nbins=TICKS)
    from PIL import Image  # matplotlib's own dependency

    canvas = fig.canvas
    with np.errstate(
        all="ignore"
    ):  # values near a float's limits overflow in scaling: not the cell's business
        canvas.draw()
    # opaque RGB: a quarter less to compress and send than the RGBA savefig writes
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=2)  # fast beats small here
    return buf.getvalue()


#: what matplotlib raises where it cannot scale values (a range near a float's limits)
UNDRAWABLE = (ValueError, OverflowError, ArithmeticError, np.linalg.LinAlgError)


def drawn(figure: Any, data: Any) -> bytes:
    """The PNG of ``figure(data)``; where matplotlib cannot scale the values (a range near a
    float's limits overflows its transforms) a picture that says so, never an error in the view."""
    try:
        with np.errstate(all="ignore"):
            return render(figure(data))
    except UNDRAWABLE:
        return cannot_draw()


def cannot_draw() -> bytes:
    """The picture shown instead of a plot whose values matplotlib cannot scale."""
    fig, ax = _axes(2.6, 1.2)
    _empty(ax, "values too near a float's limits to draw")
    return render(fig)


def _beyond_ticks(lo: float, hi: float) -> bool:
    """Whether an axis reaches so near a float's limits that its automatic ticks overflow."""
    return not (math.isfinite(lo) and math.isfinite(hi)) or max(abs(lo), abs(hi)) > 1e300


def _empty(ax: Any, text: str, keep_x: bool = False) -> None:
    """A note in the middle of an axes with nothing to plot (``keep_x``: its x axis still means something)."""
    ax.text(
        0.5, 0.5, text, ha="center", va="center", fontsize=FONT, color=GREY, transform=ax.transAxes, **LITERAL
    )
    if not keep_x:
        ax.set_xticks([])
    ax.set_yticks([])


def convergence_figure(data: Convergence, width: float = 5.2, height: float = 2.7) -> Figure:
    """Each trial's value (dots), the best so far (a step line), failed trials as ticks."""
    fig, ax = _axes(width, height)
    if data.n == 0:
        _empty(ax, "no trials yet")
    else:
        marks = (  # (x, y, marker, colour, alpha, name): each kind of trial a series of its own
            (data.x, data.y, "o", BLUE, 0.55, "trial"),
            (data.pruned_x, data.pruned_y, "v", GREY, 0.6, "pruned"),
            (data.infeasible_x, data.infeasible_y, "x", GREY, 0.6, "infeasible"),
        )
        for x, y, marker, colour, alpha, name in marks:
            if x.size:
                mew = {} if marker == "x" else {"mew": 0}
                ax.plot(x, y, marker, ms=3, color=colour, alpha=alpha, label=name, zorder=2, gid=name, **mew)
        if data.best_x.size:
            ax.step(
                data.best_x,
                data.best_y,
                where="post",
                color=ORANGE,
                linewidth=1.6,
                label="best",
                zorder=3,
                gid="best",
            )
        if data.failed_x.size:
            ax.plot(
                data.failed_x,
                [0.97] * len(data.failed_x),
                "|",
                color=RED,
                markersize=6,
                transform=ax.get_xaxis_transform(),
                label="failed",
                gid="failed",
            )
        if data.log:
            ax.set_yscale("log")
        if not data.x.size and not data.pruned_x.size:
            _empty(ax, "no complete trial yet", keep_x=True)
        ax.set_xlabel("trial", fontsize=FONT)
        ax.set_ylabel("score" if data.direction == "maximize" else "value", fontsize=FONT)
        _title_row_legend(ax, ncol=4, handlelength=1.2)  # clear of the points and of the failed ticks
    _title(ax, "convergence")
    _margins(fig, left=0.62, bottom=0.45)
    return fig


def dimension_figure(data: DimensionData, width: float = 2.6, height: float = 2.0) -> Figure:
    """The objective against one parameter; log axis for log dimensions, categories for choices."""
    fig, ax = _axes(width, height)
    if data.n == 0 and not data.failed_x.size:
        _empty(ax, "no trials yet")
    else:
        ax.plot(data.x, data.y, "o", ms=3, color=BLUE, alpha=0.5, mew=0, zorder=2, gid="trial")
        if data.best_x is not None:
            ax.plot([data.best_x], [data.best_y], "*", ms=9, color=ORANGE, mew=0, zorder=3, gid="best")
        if data.failed_x.size:
            ax.plot(
                data.failed_x,
                [0.97] * len(data.failed_x),
                "|",
                color=RED,
                markersize=6,
                transform=ax.get_xaxis_transform(),
                gid="failed",
            )
        if data.n == 0:
            _empty(ax, "no complete trial yet", keep_x=True)
        if data.kind == "choice":
            labels = [shorten(c, 14) for c in data.categories]
            tilt = len(labels) > 3 or sum(map(len, labels)) > 24
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels(
                labels, rotation=25 if tilt else 0, ha="right" if tilt else "center", **LITERAL
            )
            ax.set_xlim(-0.6, len(data.categories) - 0.4)
            ax.grid(False, axis="x")
        else:
            if data.log_x:
                ax.set_xscale("log")
            if data.bounds is not None and data.bounds[0] < data.bounds[1]:
                lo, hi = data.bounds
                ax.axvspan(lo, hi, color=GREEN, alpha=0.06, zorder=0)
        if data.log_y:
            ax.set_yscale("log")
    _title(ax, data.label, literal=True)
    _margins(fig, left=0.5, bottom=0.62 if data.kind == "choice" else 0.32)
    return fig


def importance_figure(
    bars: list[tuple[str, float]], width: float = 2.6, height: float | None = None
) -> Figure:
    """Horizontal bars: the share of the objective's variation each parameter explains."""
    height = height or max(1.2, 0.28 * len(bars) + 0.6)
    fig, ax = _axes(width, height)
    labels = [shorten(label, 18) for label, _ in bars][::-1]
    shares = [share for _, share in bars][::-1]
    ax.barh(range(len(bars)), shares, color=BLUE, height=0.6)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels(labels, **LITERAL)
    ax.set_xlim(0, max(shares + [0.01]) * 1.1)
    ax.grid(False, axis="y")
    _title(ax, "importance")
    _margins(fig, left=1.15, bottom=0.3)
    return fig


def curves_figure(data: Curves, width: float = 5.2, height: float = 2.4) -> Figure:
    """Intermediate reports of each trial against their step; pruned ones in grey."""
    fig, ax = _axes(width, height)
    for _, steps, vals, state in data.curves:
        pruned = state == "pruned"
        ax.plot(
            steps,
            vals,
            color=GREY if pruned else BLUE,
            alpha=0.45 if pruned else 0.7,
            linewidth=0.9,
            marker="." if len(steps) < 12 else None,
            markersize=3,
        )
    if data.log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step", fontsize=FONT)
    shown = f" ({len(data.curves)} of {data.n})" if len(data.curves) < data.n else ""
    _title(ax, f"intermediate reports{shown}")
    _margins(fig, left=0.62, bottom=0.45)
    return fig


def convergence_png(data: Convergence) -> bytes:
    return drawn(convergence_figure, data)


def dimension_png(data: DimensionData) -> bytes:
    return drawn(dimension_figure, data)


def importance_png(bars: list[tuple[str, float]]) -> bytes:
    return drawn(importance_figure, bars)


def curves_png(data: Curves) -> bytes:
    return drawn(curves_figure, data)


# -- views: parallel coordinates, a two-dimension map, the runs of a continued study ---------

#: one colour per run, in turn
RUN_COLOURS = (BLUE, GREEN, "#8172b3", ORANGE, "#937860", "#da8bc3", "#64b5cd", RED)


def parallel_figure(data: Parallel, width: float = 7.0, height: float = 2.8) -> Figure:
    """One line per trial across the dimensions' axes (yellow: better), the best in red on top."""
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection

    fig, ax = _axes(width, height)
    ax.grid(False)
    dims = len(data.axes)
    if data.n == 0 or dims == 0:
        _empty(ax, "no complete trial yet" if dims else "no dimension to show")
    else:
        xs = np.arange(dims, dtype=float)
        segs = np.stack([np.broadcast_to(xs, data.lines.shape), data.lines], axis=-1)
        colours = colormaps["viridis"](data.shade)
        ax.add_collection(
            LineCollection(segs, colors=colours, linewidths=0.7, alpha=0.5, zorder=2, gid="lines")
        )
        if data.best is not None:
            ax.plot(xs, data.best, color=RED, linewidth=2.0, zorder=4, gid="best")
            # its name in its colour in the title's row: a legend costs a tenth of the drawing
            ax.text(
                1.0,
                1.02,
                f"best (trial {data.best_number})",
                color=RED,
                fontsize=FONT - 1,
                ha="right",
                va="bottom",
                transform=ax.transAxes,
                gid="best-text",
                **LITERAL,
            )
        for i, axis in enumerate(data.axes):
            ax.axvline(i, color=GREY, linewidth=0.8, zorder=1)
            for place, text in axis.ticks:
                ax.text(
                    i + 0.04, place, shorten(text, 16), fontsize=FONT - 2, va="center", zorder=5, **LITERAL
                )
        ax.set_xticks(xs)
        ax.set_xticklabels([shorten(a.label + (" (log)" if a.log else ""), 18) for a in data.axes], **LITERAL)
        ax.set_xlim(-0.15, dims - 0.5)
        ax.set_ylim(-0.08, 1.08)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
    shown = f" ({data.lines.shape[0]} of {data.n})" if data.lines.shape[0] < data.n else ""
    _title(ax, f"parallel coordinates{shown}: lighter is better")
    _margins(fig, left=0.2, bottom=0.4, right=0.2)
    return fig


def _map_side(ax: Any, side: str, data: Any) -> None:
    """Scale, limits and labels of one side of the map (choices: their literal labels)."""
    axis = ax.xaxis if side == "x" else ax.yaxis
    if data.log:
        (ax.set_xscale if side == "x" else ax.set_yscale)("log")
    (ax.set_xlim if side == "x" else ax.set_ylim)(data.edges[0], data.edges[-1])
    if data.categories:
        axis.set_ticks(np.arange(len(data.categories)))
        axis.set_ticklabels([shorten(c, 12) for c in data.categories], **LITERAL)
    axis.label.set_fontsize(FONT)
    (ax.set_xlabel if side == "x" else ax.set_ylabel)(shorten(data.label, 24), **LITERAL)


def map_figure(data: MapData, width: float = 4.6, height: float = 3.2) -> Figure:
    """The mean value per bin as colour (blank: no trial there), the trials on top, the best starred."""
    from matplotlib.colors import LogNorm, Normalize

    fig, ax = _axes(width, height)
    ax.grid(False)
    finite = data.grid[np.isfinite(data.grid)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        norm = (
            LogNorm(lo, max(hi, lo * 1.0001))
            if data.log_values and lo > 0 and hi / lo >= 10  # the bins' means span decades
            else Normalize(lo, max(hi, lo + 1e-12))
        )
        cmap = "viridis" if data.direction == "maximize" else "viridis_r"
        mesh = ax.pcolormesh(
            data.x.edges, data.y.edges, np.ma.masked_invalid(data.grid), cmap=cmap, norm=norm, gid="mesh"
        )
        bar = fig.colorbar(mesh, ax=ax, pad=0.02, fraction=0.06)
        bar.ax.tick_params(labelsize=FONT - 2, length=2)
        bar.ax.minorticks_off()
        bar.ax.yaxis.set_major_formatter(PLAIN)
        ax.plot(
            data.px,
            data.py,
            "o",
            ms=2.2,
            color="white",
            mec="black",
            mew=0.3,
            alpha=0.7,
            zorder=3,
            gid="points",
        )
        if data.best is not None:
            ax.plot(
                [data.best[0]],
                [data.best[1]],
                "*",
                ms=11,
                color=RED,
                mec="white",
                mew=0.6,
                zorder=4,
                gid="best",
            )
    else:
        _empty(ax, "no complete trial with both yet")
    _map_side(ax, "x", data.x)
    _map_side(ax, "y", data.y)
    _title(ax, "mean value per bin: lighter is better")
    _margins(
        fig, left=0.75, bottom=0.55 if data.x.categories else 0.45, right=0.45
    )  # the colour bar's labels
    return fig


def runs_figure(data: Runs, width: float = 5.2, height: float = 2.7) -> Figure:
    """Each run's trials in its own colour, the best so far over them, a line where a run begins."""
    fig, ax = _axes(width, height)
    if data.n == 0:
        _empty(ax, "no trials yet")
    else:
        for k, label in enumerate(data.labels):
            colour = RUN_COLOURS[k % len(RUN_COLOURS)]
            if data.x[k].size:
                ax.plot(
                    data.x[k],
                    data.y[k],
                    "o",
                    ms=3,
                    color=colour,
                    alpha=0.55,
                    mew=0,
                    label=label,
                    zorder=2,
                    gid=f"run-{k}",
                )
            if data.best_x[k].size:
                ax.step(
                    data.best_x[k],
                    data.best_y[k],
                    where="post",
                    color=colour,
                    linewidth=1.6,
                    zorder=3,
                    gid=f"best-{k}",
                )
        for x in data.separators:
            ax.axvline(x, color=GREY, linestyle="--", linewidth=0.9, zorder=1)
        if data.log:
            ax.set_yscale("log")
        ax.set_xlabel("trial", fontsize=FONT)
        _title_row_legend(ax, ncol=3, handlelength=1.0)  # rows of three above the plot
    _title(ax, "runs")
    _margins(fig, left=0.62, bottom=0.45, top=0.25 + 0.16 * ((len(data.labels) - 1) // 3))
    return fig


def parallel_png(data: Parallel) -> bytes:
    return drawn(parallel_figure, data)


def map_png(data: MapData) -> bytes:
    return drawn(map_figure, data)


def runs_png(data: Runs) -> bytes:
    return drawn(runs_figure, data)


def front_figure(data: FrontData, width: float = 5.2, height: float = 3.0) -> Figure:
    """Two objectives against each other: every feasible trial, the front starred and joined by
    the step line that bounds what it dominates, infeasible trials as grey crosses."""
    fig, ax = _axes(width, height)
    if data.n == 0 and not data.infeasible_x.size:
        _empty(ax, "no complete trial yet")
    else:
        if data.infeasible_x.size:
            ax.plot(
                data.infeasible_x,
                data.infeasible_y,
                "x",
                ms=3,
                color=GREY,
                alpha=0.5,
                mew=0.8,
                label="infeasible",
                zorder=1,
                gid="infeasible",
            )
        if data.x.size:
            ax.plot(
                data.x, data.y, "o", ms=3, color=BLUE, alpha=0.45, mew=0, label="trial", zorder=2, gid="trial"
            )
        if data.front_x.size:
            ax.step(
                data.front_x,
                data.front_y,
                where="post",
                color=ORANGE,
                linewidth=1.4,
                zorder=3,
                gid="front-line",
            )
            ax.plot(
                data.front_x,
                data.front_y,
                "o",
                ms=5,
                color=ORANGE,
                mec="black",
                mew=0.4,
                label=f"front ({data.n_front})",
                zorder=4,
                gid="front",
            )
        if data.log_x:
            ax.set_xscale("log")
        if data.log_y:
            ax.set_yscale("log")
        if data.n == 0:
            _empty(ax, "no feasible trial yet", keep_x=True)
        _title_row_legend(ax, ncol=3, handlelength=1.0)
    x_label, y_label = data.labels
    ax.set_xlabel(shorten(x_label, 40), fontsize=FONT, **LITERAL)
    ax.set_ylabel(shorten(y_label, 30), fontsize=FONT, **LITERAL)
    _title(ax, "Pareto front")
    _margins(fig, left=0.62, bottom=0.45)
    return fig


def front_png(data: FrontData) -> bytes:
    return drawn(front_figure, data)


def _title_row_legend(ax: Any, ncol: int, handlelength: float) -> None:
    """A legend in the title's row, right-aligned, clear of the points (none when nothing is labelled:
    matplotlib would warn into the cell)."""
    if not ax.get_legend_handles_labels()[0]:
        return
    ax.legend(
        fontsize=FONT - 1,
        frameon=False,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=ncol,
        markerscale=1.2,
        handlelength=handlelength,
        borderaxespad=0.1,
    )
