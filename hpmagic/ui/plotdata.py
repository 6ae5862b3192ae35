"""What the dashboard's plots show, computed without drawing anything.

Pure functions over plain sequences (and :class:`History`, a column store that
grows by one trial at a time so a refresh never walks Python objects of every
trial again). :mod:`hpmagic.plots` turns the results into pictures; tests check
the data here on its own. No matplotlib, no widgets.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.text import shorten

COMPLETE, FAILED, PRUNED = "complete", "failed", "pruned"
INFEASIBLE = "infeasible"  # a complete trial whose result said "feasible": False (plots only)

#: scatter points drawn per plot at most; the best-so-far line is always exact
MAX_POINTS = 1500
#: values whose largest / smallest reaches this ratio (1.3 decades) are drawn on a log axis
LOG_RATIO = 20.0
#: curves of intermediate reports drawn at most
MAX_CURVES = 40
#: categories labelled on a choice's axis at most; beyond, the other options share one place
MAX_CATEGORIES = 30


@dataclass
class History:
    """The ended trials as columns, appended to as trials end (never rebuilt).

    Numbers are kept in typed arrays (8 bytes each, not a Python object each) and
    each trial's raw params by reference: a dashboard of a long study holds little
    more than the study itself.
    """

    numbers: array[int] = field(default_factory=lambda: array("q"))
    values: array[float] = field(default_factory=lambda: array("d"))  # NaN where there is no value
    states: list[str] = field(default_factory=list)
    raws: list[dict[str, Any]] = field(default_factory=list)  # the trials' own dicts, not copies
    reports: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {COMPLETE: 0, FAILED: 0, PRUNED: 0})
    #: per dimension key, the positions (in the columns above) of trials that had it, and its values
    positions: dict[str, array[int]] = field(default_factory=dict)
    params: dict[str, array[float]] = field(default_factory=dict)
    started: array[float] = field(default_factory=lambda: array("d"))  # wall-clock, 0 when unknown
    ended: array[float] = field(default_factory=lambda: array("d"))
    #: with several objectives (``--objectives``): their names, and a column of each one's values
    #: (NaN where a trial has none), so the front is found without walking the trials again
    objectives: tuple[str, ...] = ()
    objective_values: dict[str, array[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.objectives:
            self.objective_values.setdefault(name, array("d"))

    @property
    def touched(self) -> dict[str, int]:
        """Per dimension key, how many trials had it: its plot is stale when this moves."""
        return {k: len(v) for k, v in self.positions.items()}

    def add(self, trial: Any) -> None:
        """Append one ended trial (anything with number, value, state, raw, reports)."""
        self.numbers.append(int(trial.number))
        value = trial.value
        self.values.append(float(value) if value is not None and trial.state != FAILED else math.nan)
        # an infeasible trial is drawn apart from the complete ones: it never makes the best line
        self.states.append(trial.state if getattr(trial, "feasible", True) else INFEASIBLE)
        self.started.append(float(getattr(trial, "started", 0.0) or 0.0))
        self.ended.append(float(getattr(trial, "ended", 0.0) or 0.0))
        raw = getattr(trial, "raw", None) or {}
        self.raws.append(raw)
        at = len(self.numbers) - 1
        for key, v in raw.items():
            if key not in self.positions:
                self.positions[key], self.params[key] = array("q"), array("d")
            self.positions[key].append(at)
            self.params[key].append(float(v))
        reports = list(getattr(trial, "reports", None) or [])
        if reports:
            self.reports[int(trial.number)] = reports
        self.counts[trial.state] = self.counts.get(trial.state, 0) + 1
        if self.objectives:
            values = getattr(trial, "values", None) or {}
            for name in self.objectives:
                self.objective_values[name].append(_float_or_nan(values.get(name)))

    def __len__(self) -> int:
        return len(self.numbers)


def _float_or_nan(value: Any) -> float:
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def spans_decades(values: Sequence[float] | np.ndarray, ratio: float = LOG_RATIO) -> bool:
    """Whether positive values spread over enough orders of magnitude for a log axis."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size < 2 or arr.min() <= 0:
        return False
    return bool(arr.max() / arr.min() >= ratio)


def best_so_far(values: Sequence[float] | np.ndarray, direction: str = "minimize") -> np.ndarray:
    """The running best of ``values`` (NaN until the first finite value)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return arr
    if direction == "maximize":
        filled = np.where(np.isnan(arr), -np.inf, arr)
        out = np.maximum.accumulate(filled)
        out[np.isneginf(out)] = np.nan
    else:
        filled = np.where(np.isnan(arr), np.inf, arr)
        out = np.minimum.accumulate(filled)
        out[np.isposinf(out)] = np.nan
    return out


def sample_indices(n: int, keep: int, always: Sequence[int] | np.ndarray = ()) -> np.ndarray:
    """At most about ``keep`` indices of ``n``: the recent half in full, the rest strided.

    Indices in ``always`` (e.g. the improvements) are kept whatever the cap.
    """
    if n <= keep:
        return np.arange(n)
    recent = keep // 2
    older = np.linspace(0, n - recent - 1, keep - recent).astype(int)
    picked = np.concatenate([older, np.arange(n - recent, n), np.asarray(always, dtype=int)])
    return np.unique(picked)


@dataclass
class Convergence:
    """Each trial's value and the best so far, ready to draw."""

    x: np.ndarray  # trial numbers of the drawn complete trials
    y: np.ndarray
    best_x: np.ndarray  # the best-so-far step line: where it changes, plus the last trial
    best_y: np.ndarray
    failed_x: np.ndarray  # trials without a usable value (drawn as ticks)
    pruned_x: np.ndarray
    pruned_y: np.ndarray
    log: bool
    direction: str
    n: int  # trials in all, drawn or not
    #: complete trials whose result broke a constraint: drawn apart, never the best
    infeasible_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    infeasible_y: np.ndarray = field(default_factory=lambda: np.empty(0))


def convergence(
    numbers: Sequence[int],
    values: Sequence[float],
    states: Sequence[str],
    direction: str = "minimize",
    max_points: int = MAX_POINTS,
) -> Convergence:
    """The convergence plot's data; at most ~``max_points`` points whatever the trial count."""
    num = np.asarray(numbers, dtype=float)
    val = np.asarray(values, dtype=float)
    st = np.asarray(states, dtype=object)
    complete = (st == COMPLETE) & np.isfinite(val)
    pruned = (st == PRUNED) & np.isfinite(val)
    infeasible = (st == INFEASIBLE) & np.isfinite(val)
    failed = ~(complete | pruned | infeasible)
    cval = np.where(complete, val, np.nan)
    best = best_so_far(cval, direction)
    finite = np.isfinite(best)
    change = np.flatnonzero(finite & np.concatenate([[True], best[1:] != best[:-1]]))
    change = change[np.isfinite(best[change])]
    best_x, best_y = num[change], best[change]
    if best_x.size and num.size and best_x[-1] != num[-1]:
        best_x, best_y = np.append(best_x, num[-1]), np.append(best_y, best_y[-1])
    ci = np.flatnonzero(complete)
    keep = ci[sample_indices(ci.size, max_points, np.searchsorted(ci, change))]
    pi = np.flatnonzero(pruned)
    pi = pi[sample_indices(pi.size, max(1, max_points // 4))]
    fi = np.flatnonzero(failed)
    fi = fi[sample_indices(fi.size, max(1, max_points // 4))]
    ii = np.flatnonzero(infeasible)
    ii = ii[sample_indices(ii.size, max(1, max_points // 4))]
    return Convergence(
        x=num[keep],
        y=val[keep],
        best_x=best_x,
        best_y=best_y,
        failed_x=num[fi],
        pruned_x=num[pi],
        pruned_y=val[pi],
        log=spans_decades(val[complete | pruned | infeasible]),
        direction=direction,
        n=int(num.size),
        infeasible_x=num[ii],
        infeasible_y=val[ii],
    )


@dataclass
class DimensionData:
    """One dimension's scatter: objective value against the parameter."""

    key: str
    label: str
    kind: str  # "numeric" or "choice"
    x: np.ndarray  # parameter value (numeric) or category position (choice, jittered)
    y: np.ndarray
    log_x: bool
    log_y: bool
    categories: list[str]  # choice labels, by position
    failed_x: np.ndarray  # parameter values of trials without a value
    best_x: float | None  # the best trial's parameter value / category position
    best_y: float | None
    bounds: tuple[float, float] | None  # the current range, when the dimension has one
    n: int


def option_label(option: Any, limit: int = 24) -> str:
    """A short text for a choice option (its literal, or its source text shortened)."""
    text = option if isinstance(option, str) else repr(option)
    return shorten(" ".join(text.split()), limit)


def jitter(numbers: np.ndarray, width: float = 0.3) -> np.ndarray:
    """A deterministic horizontal spread in [-width, width] (same trial, same place)."""
    return ((np.asarray(numbers, dtype=float) * 0.6180339887) % 1.0 - 0.5) * 2 * width


def dimension(
    dim: Any,
    numbers: Sequence[int],
    values: Sequence[float],
    states: Sequence[str],
    raws: Sequence[dict[str, Any]],
    direction: str = "minimize",
    max_points: int = MAX_POINTS,
    positions: Sequence[int] | None = None,
    params: Sequence[float] | None = None,
) -> DimensionData:
    """Value against parameter for ``dim`` (a :class:`hpmagic.space.Dimension`).

    ``positions`` / ``params`` (from :class:`History`) say which trials had the
    dimension and its values there; without them they are found in ``raws``.

    Trials where the dimension was not active are left out; a choice's categories
    are all its original options (so positions do not move when the space narrows).
    """
    key = dim.key
    if positions is None:
        positions = [i for i, raw in enumerate(raws) if key in raw]
        params = [float(raws[i][key]) for i in positions]
    idx = np.asarray(positions, dtype=int)
    num = np.asarray(numbers, dtype=float)[idx]
    val = np.asarray(values, dtype=float)[idx]
    st = np.asarray(states, dtype=object)[idx]
    px = np.asarray(params, dtype=float)
    ok = np.isfinite(val) & (st == COMPLETE)
    choice = dim.kind == "choice"
    categories: list[str] = []
    if choice:
        categories, px = categorise(dim, px, val, ok, direction)
    xs = px + jitter(num) if choice else px
    oi = np.flatnonzero(ok)
    best_x = best_y = None
    if oi.size:
        b = oi[np.nanargmax(val[oi]) if direction == "maximize" else np.nanargmin(val[oi])]
        best_x, best_y = float(px[b]), float(val[b])
    keep = oi[sample_indices(oi.size, max_points)]
    fi = np.flatnonzero(~ok)
    fi = fi[sample_indices(fi.size, max(1, max_points // 4))]
    bounds = None
    if not choice and dim.low is not None and dim.high is not None:
        bounds = (float(dim.low), float(dim.high))
    return DimensionData(
        key=key,
        label=dim.label,
        kind="choice" if choice else "numeric",
        x=xs[keep],
        y=val[keep],
        log_x=dim.kind in ("loguniform", "logint", "lognormal"),
        log_y=spans_decades(val[ok]),
        categories=categories,
        failed_x=px[fi],
        best_x=best_x,
        best_y=best_y,
        bounds=bounds,
        n=int(oi.size),
    )


def shown_options(
    n_options: int,
    allowed: Sequence[int],
    px: np.ndarray,
    val: np.ndarray,
    ok: np.ndarray,
    direction: str = "minimize",
    limit: int = MAX_CATEGORIES,
) -> list[int]:
    """Which options of a choice get a place of their own on its axis (at most ``limit - 1``).

    The best trial's option first, then the options tried most, then the kept
    options in order: a choice of 100 000 options gets a readable axis.
    """
    idx = px[np.isfinite(px)].astype(int)
    idx = idx[(idx >= 0) & (idx < n_options)]
    picked: dict[int, None] = {}
    oi = np.flatnonzero(ok & np.isfinite(px) & (px >= 0) & (px < n_options))
    if oi.size:
        b = oi[np.nanargmax(val[oi]) if direction == "maximize" else np.nanargmin(val[oi])]
        picked[int(px[b])] = None
    options, counts = np.unique(idx, return_counts=True)
    for i in options[np.argsort(-counts, kind="stable")][: limit - 1]:
        picked.setdefault(int(i), None)
    for i in allowed:
        if len(picked) >= limit - 1:
            break
        picked.setdefault(int(i), None)
    return sorted(list(picked)[: limit - 1])


def categorise(
    dim: Any, px: np.ndarray, val: np.ndarray, ok: np.ndarray, direction: str, limit: int = MAX_CATEGORIES
) -> tuple[list[str], np.ndarray]:
    """A choice's axis labels and each trial's place on it.

    Up to ``limit`` options: every option, at its own index (places do not move
    when the space narrows). Beyond: :func:`shown_options`, then one place for
    all the others, labelled with how many they are.
    """
    n = len(dim.options)
    if n <= limit:
        return [option_label(o) for o in dim.options], px
    shown = np.asarray(shown_options(n, dim.allowed, px, val, ok, direction, limit), dtype=float)
    at = np.searchsorted(shown, px)
    hit = shown[np.minimum(at, shown.size - 1)] == px
    places = np.where(hit, at, shown.size).astype(float)
    labels = [option_label(dim.options[int(i)]) for i in shown]
    return labels + [f"{n - shown.size} others"], places


def importance_bars(shares: dict[str, float] | None) -> list[tuple[str, float]]:
    """Labels and shares, largest first; empty when there is nothing sound to show."""
    if not shares:
        return []
    out = []
    for label, share in shares.items():
        try:
            s = float(share)
        except (TypeError, ValueError):
            continue
        if math.isfinite(s) and s >= 0:
            out.append((str(label), s))
    return sorted(out, key=lambda p: -p[1])


@dataclass
class Curves:
    """Intermediate reports: one curve per trial (the latest, and the best ones)."""

    curves: list[tuple[int, np.ndarray, np.ndarray, str]]  # (trial number, steps, values, state)
    log: bool
    n: int  # trials with reports in all


def report_curves(
    reports: dict[int, list[tuple[int, float]]],
    states: dict[int, str],
    final: dict[int, float],
    direction: str = "minimize",
    max_curves: int = MAX_CURVES,
) -> Curves:
    """Which report curves to draw: the most recent half and the best-ending half."""
    numbers = sorted(reports)
    if len(numbers) > max_curves:
        recent = numbers[-(max_curves // 2) :]
        sign = -1.0 if direction == "maximize" else 1.0

        def end(n: int) -> float:
            v = final.get(n)
            if v is None or not math.isfinite(v):
                v = reports[n][-1][1]
            return sign * v

        best = sorted(numbers, key=end)[: max_curves - len(recent)]
        numbers = sorted(set(recent) | set(best))
    curves = []
    every: list[float] = []
    for n in numbers:
        pts = reports[n]
        steps = np.asarray([s if s is not None else i for i, (s, _) in enumerate(pts)], dtype=float)
        vals = np.asarray([v for _, v in pts], dtype=float)
        curves.append((n, steps, vals, states.get(n, COMPLETE)))
        every.extend(vals.tolist())
    return Curves(curves=curves, log=spans_decades(every), n=len(reports))


# -- views: parallel coordinates, a two-dimension map, the runs of a continued study ---------

#: lines drawn in the parallel-coordinates plot at most (the best half and the recent half)
MAX_LINES = 200
#: a new run starts after this long with no trial running (and at least RUN_GAP_DURATIONS trials' time)
RUN_GAP = 30.0
RUN_GAP_DURATIONS = 20.0


def param_column(
    key: str,
    n: int,
    raws: Sequence[dict[str, Any]],
    positions: Sequence[int] | None = None,
    params: Sequence[float] | None = None,
) -> np.ndarray:
    """One dimension's raw values for all ``n`` trials, NaN where it was not active."""
    if positions is None:
        positions = [i for i, raw in enumerate(raws) if key in raw]
        params = [float(raws[i][key]) for i in positions]
    col = np.full(n, np.nan)
    idx = np.asarray(positions, dtype=int)
    col[idx] = np.asarray(params, dtype=float)[: idx.size]
    return col


def value_range(dim: Any, col: np.ndarray, cover: bool = False) -> tuple[float, float]:
    """A numeric dimension's current range (``cover``: widened to the values seen); the
    values' own range for unbounded ones (normal, lognormal)."""
    seen = col[np.isfinite(col)]
    if dim.is_log:
        seen = seen[seen > 0]
    lo, hi = (dim.low, dim.high) if dim.is_bounded else (None, None)
    if lo is None or hi is None:
        if not seen.size:
            return (1.0, 10.0) if dim.is_log else (0.0, 1.0)
        lo, hi = float(seen.min()), float(seen.max())
    elif cover and seen.size:
        lo, hi = min(float(lo), float(seen.min())), max(float(hi), float(seen.max()))
    return float(lo), float(hi)


def _fmt_tick(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))  # 1000 as 1000, not 1e+03
    return f"{v:.3g}"


@dataclass
class Axis:
    """One dimension placed on [0, 1]: where each trial sits, and labelled places."""

    label: str
    pos: np.ndarray  # per trial, NaN where inactive
    ticks: list[tuple[float, str]]  # (place in [0, 1], text); choices: their literal labels
    log: bool


def unit_axis(dim: Any, col: np.ndarray, val: np.ndarray, ok: np.ndarray, direction: str) -> Axis:
    """``dim`` normalised to its current range: log dims in decades, choices evenly spaced."""
    if dim.kind == "choice":
        labels, places = categorise(dim, col, val, ok, direction)
        span = max(len(labels) - 1, 1)
        pos = places / span if len(labels) > 1 else np.where(np.isfinite(places), 0.5, np.nan)
        ticks = [(i / span if len(labels) > 1 else 0.5, lab) for i, lab in enumerate(labels)]
        return Axis(dim.label, pos, ticks, False)
    lo, hi = value_range(dim, col)
    log = dim.is_log and lo > 0
    f = np.log10 if log else (lambda a: a)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = f(np.asarray(col, dtype=float))
        a, b = float(f(lo)), float(f(hi))
        pos = (t - a) / (b - a) if b > a else np.where(np.isfinite(t), 0.5, np.nan)
    pos = np.clip(pos, -0.04, 1.04)  # outside the current range (it was narrowed): at its edge
    mid = 10 ** ((a + b) / 2) if log else (lo + hi) / 2
    ticks = (
        [(0.0, _fmt_tick(lo)), (0.5, _fmt_tick(mid)), (1.0, _fmt_tick(hi))]
        if b > a
        else [(0.5, _fmt_tick(lo))]
    )
    return Axis(dim.label, pos, ticks, log)


@dataclass
class Parallel:
    """Parallel coordinates: one line per drawn trial over the dimensions' axes."""

    axes: list[Axis]  # pos of each axis holds only the drawn lines' places
    lines: np.ndarray  # (lines, dims) places in [0, 1], NaN where inactive
    shade: np.ndarray  # per line, 0 (worst drawn) .. 1 (best)
    best: np.ndarray | None  # the best trial's places
    best_number: int | None
    n: int  # complete trials in all


def shade_of(val: np.ndarray, direction: str) -> np.ndarray:
    """0 for the worst value .. 1 for the best (in decades when values spread over several)."""
    v = np.asarray(val, dtype=float)
    if spans_decades(v):
        v = np.log10(v)
    loss = -v if direction == "maximize" else v
    if not loss.size:
        return loss
    lo, hi = float(np.min(loss)), float(np.max(loss))
    return np.ones_like(loss) if hi <= lo else (hi - loss) / (hi - lo)


def _best_and_recent(loss: np.ndarray, keep: int) -> np.ndarray:
    """Indices of the ``keep // 2`` best and the most recent, at most about ``keep``."""
    if loss.size <= keep:
        return np.arange(loss.size)
    best = np.argsort(loss, kind="stable")[: keep // 2]
    return np.unique(np.concatenate([best, np.arange(loss.size - (keep - keep // 2), loss.size)]))


def parallel(
    dims: Sequence[Any],
    numbers: Sequence[int],
    values: Sequence[float],
    states: Sequence[str],
    columns: Sequence[np.ndarray],
    direction: str = "minimize",
    max_lines: int = MAX_LINES,
) -> Parallel:
    """The parallel-coordinates plot's data: complete trials, each dimension on [0, 1]."""
    val = np.asarray(values, dtype=float)
    ok = (np.asarray(states, dtype=object) == COMPLETE) & np.isfinite(val)
    oi = np.flatnonzero(ok)
    sign = -1.0 if direction == "maximize" else 1.0
    keep = oi[_best_and_recent(sign * val[oi], max_lines)]
    axes = [unit_axis(d, np.asarray(c, dtype=float), val, ok, direction) for d, c in zip(dims, columns)]
    lines = np.column_stack([a.pos[keep] for a in axes]) if axes else np.empty((keep.size, 0))
    best = best_number = None
    if oi.size:
        b = oi[np.argmin(sign * val[oi])]
        best = np.asarray([a.pos[b] for a in axes], dtype=float)
        best_number = int(np.asarray(numbers)[b])
    for a in axes:
        a.pos = a.pos[keep]
    return Parallel(axes, lines, shade_of(val[keep], direction), best, best_number, int(oi.size))


#: bins per numeric axis of the two-dimension map
MAP_BINS = 12


@dataclass
class MapAxis:
    """One side of the map: bin edges in the dimension's units, and where each trial sits."""

    label: str
    edges: np.ndarray
    place: np.ndarray  # per trial: its value (numeric) or category place (choice)
    log: bool
    categories: list[str]


def map_axis(
    dim: Any, col: np.ndarray, val: np.ndarray, ok: np.ndarray, direction: str, bins: int
) -> MapAxis:
    """Bins of ``dim``: one per category for a choice, ``bins`` even ones (in decades when log)."""
    if dim.kind == "choice":
        labels, places = categorise(dim, col, val, ok, direction)
        return MapAxis(dim.label, np.arange(len(labels) + 1) - 0.5, places, False, labels)
    lo, hi = value_range(dim, col, cover=True)
    log = dim.is_log and lo > 0
    if hi <= lo:
        lo, hi = (lo / 2, lo * 2) if log else (lo - 0.5, hi + 0.5)
    if dim.is_int and not log and hi - lo + 1 <= bins:  # a bin per integer, not bins between them
        edges = np.arange(round(lo), round(hi) + 2) - 0.5
    else:
        edges = np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)
    return MapAxis(dim.label, edges, np.asarray(col, dtype=float), log, [])


@dataclass
class MapData:
    """Two dimensions against each other: the mean value in each bin (NaN: no trial there)."""

    x: MapAxis  # place holds the drawn trials only
    y: MapAxis
    grid: np.ndarray  # (len(y.edges) - 1, len(x.edges) - 1), as pcolormesh takes it
    px: np.ndarray  # drawn trials' places (choices jittered)
    py: np.ndarray
    best: tuple[float, float] | None
    log_values: bool
    n: int  # complete trials with both dimensions
    direction: str = "minimize"


def _bin(axis: MapAxis, place: np.ndarray) -> np.ndarray:
    """Each place's bin index (values on or past the last edge go to the last bin)."""
    nb = axis.edges.size - 1
    return np.clip(np.searchsorted(axis.edges, place, side="right") - 1, 0, nb - 1)


def binned_mean(ix: np.ndarray, iy: np.ndarray, val: np.ndarray, nx: int, ny: int) -> np.ndarray:
    """The mean of ``val`` per (iy, ix) cell; NaN for empty cells."""
    flat = iy * nx + ix
    counts = np.bincount(flat, minlength=nx * ny)
    sums = np.bincount(flat, weights=val, minlength=nx * ny)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return mean.reshape(ny, nx)


def value_map(
    dim_x: Any,
    dim_y: Any,
    numbers: Sequence[int],
    values: Sequence[float],
    states: Sequence[str],
    col_x: np.ndarray,
    col_y: np.ndarray,
    direction: str = "minimize",
    bins: int = MAP_BINS,
    max_points: int = MAX_POINTS,
) -> MapData:
    """The map's data: complete trials where both dimensions were active, binned."""
    val = np.asarray(values, dtype=float)
    cx, cy = np.asarray(col_x, dtype=float), np.asarray(col_y, dtype=float)
    ok = (np.asarray(states, dtype=object) == COMPLETE) & np.isfinite(val) & np.isfinite(cx) & np.isfinite(cy)
    ax = map_axis(dim_x, cx, val, ok, direction, bins)
    ay = map_axis(dim_y, cy, val, ok, direction, bins)
    oi = np.flatnonzero(ok)
    log_values = spans_decades(val[oi])
    binned = np.log10(val[oi]) if log_values else val[oi]
    grid = binned_mean(
        _bin(ax, ax.place[oi]), _bin(ay, ay.place[oi]), binned, ax.edges.size - 1, ay.edges.size - 1
    )
    if log_values:
        grid = 10**grid  # the mean in decades, shown in the value's units
    num = np.asarray(numbers, dtype=float)
    best = None
    if oi.size:
        b = oi[np.nanargmax(val[oi]) if direction == "maximize" else np.nanargmin(val[oi])]
        best = (float(ax.place[b]), float(ay.place[b]))
    keep = oi[sample_indices(oi.size, max_points)]
    px = ax.place[keep] + (jitter(num[keep]) if ax.categories else 0.0)
    py = ay.place[keep] + (jitter(num[keep] * 1.7) if ay.categories else 0.0)
    ax.place, ay.place = ax.place[keep], ay.place[keep]
    return MapData(ax, ay, grid, px, py, best, log_values, int(oi.size), direction)


@dataclass
class Runs:
    """The trials split by run: the study's best so far, coloured by the run it came in."""

    starts: list[int]  # positions (in the trials) where each run begins; the first is 0
    labels: list[str]  # per run: "run k (m trials)"
    x: list[np.ndarray]  # per run: trial numbers of drawn complete trials
    y: list[np.ndarray]
    best_x: list[np.ndarray]  # per run: the study's best-so-far step line over that run
    best_y: list[np.ndarray]
    separators: list[float]  # trial numbers where a later run begins
    log: bool
    n: int


def run_starts(
    started: Sequence[float], ended: Sequence[float], known: Sequence[int] = (), gap: float | None = None
) -> list[int]:
    """Where each run begins: the ``known`` positions, and where no trial ran for a long while.

    A stored study does not record its runs; a pause of ``gap`` seconds (and at
    least :data:`RUN_GAP_DURATIONS` median trials) between the end of every
    earlier trial and the next start means somebody ran the cell again.
    """
    s, e = np.asarray(started, dtype=float), np.asarray(ended, dtype=float)
    out = {0} if s.size else set()
    out.update(int(k) for k in known if 0 < k < s.size)
    if s.size > 1:
        timed = (s > 0) & (e >= s)
        typical = float(np.median(e[timed] - s[timed])) if timed.any() else 0.0
        limit = max(RUN_GAP if gap is None else gap, RUN_GAP_DURATIONS * typical)
        last_end = np.maximum.accumulate(np.where(e > 0, e, 0.0))[:-1]
        idle = np.where((s[1:] > 0) & (last_end > 0), s[1:] - last_end, 0.0)
        out.update((np.flatnonzero(idle > limit) + 1).tolist())
    return sorted(out)


def runs(
    numbers: Sequence[int],
    values: Sequence[float],
    states: Sequence[str],
    starts: Sequence[int],
    direction: str = "minimize",
    max_points: int = MAX_POINTS,
) -> Runs:
    """Each run's trials and its stretch of the best-so-far line (data for the runs plot)."""
    num = np.asarray(numbers, dtype=float)
    val = np.asarray(values, dtype=float)
    complete = (np.asarray(states, dtype=object) == COMPLETE) & np.isfinite(val)
    best = best_so_far(np.where(complete, val, np.nan), direction)
    bounds = list(starts) + [num.size]
    per_run = max(1, max_points // max(1, len(starts)))
    out = Runs(list(starts), [], [], [], [], [], [], spans_decades(val[complete]), int(num.size))
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        ci = np.flatnonzero(complete[a:b]) + a
        ci = ci[sample_indices(ci.size, per_run)]
        out.labels.append(f"run {k + 1} ({b - a} trials)")
        out.x.append(num[ci])
        out.y.append(val[ci])
        seg = np.arange(max(a - 1, 0), b)  # from the previous run's last trial: the line joins up
        seg = seg[np.isfinite(best[seg])]
        change = seg[np.concatenate([[True], best[seg][1:] != best[seg][:-1]])] if seg.size else seg
        if seg.size and change[-1] != seg[-1]:
            change = np.append(change, seg[-1])
        out.best_x.append(num[change])
        out.best_y.append(best[change])
        if k:
            out.separators.append(float(num[a]) - 0.5)
    return out


# -- several objectives: the Pareto front ---------------------------------------------------

#: front trials listed in the front's table (three objectives or more) at most
FRONT_ROWS = 50


@dataclass
class FrontData:
    """Two objectives against each other: the feasible trials, the front among them, the rest.

    Every array is capped in size (:data:`MAX_POINTS` front points and other points, a
    quarter of that infeasible ones); ``n`` and ``n_front`` count them all.
    """

    names: tuple[str, str]
    directions: tuple[str, str]  # "minimize" / "maximize", per axis
    x: np.ndarray  # feasible complete trials off the front (drawn ones)
    y: np.ndarray
    front_x: np.ndarray  # the front, best in the first objective first: the step line's order
    front_y: np.ndarray
    front_numbers: np.ndarray  # trial numbers of the drawn front points
    infeasible_x: np.ndarray  # complete trials whose result said "feasible": False (greyed)
    infeasible_y: np.ndarray
    log_x: bool
    log_y: bool
    n: int  # feasible complete trials with both values
    n_front: int

    @property
    def labels(self) -> tuple[str, str]:
        """``error (min)``: each axis's name and which way is better."""
        return tuple(
            f"{n} ({'max' if d == 'maximize' else 'min'})" for n, d in zip(self.names, self.directions)
        )  # type: ignore[return-value]


def _spread(n: int, keep: int) -> np.ndarray:
    """At most ``keep`` indices of ``n`` evenly spread, both ends kept (a front keeps its extent)."""
    if n <= keep:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, keep).round().astype(int))


def front(
    names: Sequence[str],
    directions: Sequence[str],
    numbers: Sequence[int],
    columns: Sequence[Sequence[float]],
    states: Sequence[str],
    max_points: int = MAX_POINTS,
) -> FrontData:
    """The front view's data for two objectives (``columns``: each one's values, NaN for none).

    The front is the feasible complete trials no other one beats in both objectives
    (as :func:`hpmagic.core.objectives.pareto_front` finds it), sorted by the first
    objective's loss, then the second's.
    """
    from ..core.pareto import nondominated

    num = np.asarray(numbers, dtype=float)
    cx, cy = (np.asarray(c, dtype=float) for c in columns[:2])
    st = np.asarray(states, dtype=object)
    both = np.isfinite(cx) & np.isfinite(cy)
    ok = both & (st == COMPLETE)
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in directions[:2]])
    oi = np.flatnonzero(ok)
    losses = np.column_stack([cx[oi], cy[oi]]) * signs
    on = nondominated(losses) if oi.size else np.zeros(0, dtype=bool)
    fi = oi[on]
    fi = fi[np.lexsort((losses[on, 1], losses[on, 0]))]
    fi = fi[_spread(fi.size, max_points)]
    rest = oi[~on]
    rest = rest[sample_indices(rest.size, max_points)]
    ii = np.flatnonzero(both & (st == INFEASIBLE))
    ii = ii[sample_indices(ii.size, max(1, max_points // 4))]
    seen = ok | (both & (st == INFEASIBLE))
    return FrontData(
        names=(str(names[0]), str(names[1])),
        directions=(str(directions[0]), str(directions[1])),
        x=cx[rest],
        y=cy[rest],
        front_x=cx[fi],
        front_y=cy[fi],
        front_numbers=num[fi].astype(int),
        infeasible_x=cx[ii],
        infeasible_y=cy[ii],
        log_x=spans_decades(cx[seen]),
        log_y=spans_decades(cy[seen]),
        n=int(oi.size),
        n_front=int(on.sum()),
    )


@dataclass
class FrontTable:
    """The front as rows (three objectives or more): trial number, each objective, the params."""

    names: list[str]  # ``error (min)`` per objective
    rows: list[tuple[int, list[float], dict[str, Any]]]
    n: int  # trials on the front in all


def front_table(
    front_trials: Sequence[Any], objectives: Sequence[Any], limit: int = FRONT_ROWS
) -> FrontTable:
    """The first ``limit`` trials of a front (e.g. ``study.best_trials``), each objective in the spec's order."""
    names = [f"{o.name} ({'max' if str(o.direction) == 'maximize' else 'min'})" for o in objectives]
    rows = [
        (int(t.number), [_float_or_nan(t.values.get(o.name)) for o in objectives], dict(t.params))
        for t in list(front_trials)[:limit]
    ]
    return FrontTable(names, rows, len(front_trials))
