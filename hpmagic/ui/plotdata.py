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

    def __len__(self) -> int:
        return len(self.numbers)


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
    failed = ~(complete | pruned)
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
    return Convergence(
        x=num[keep],
        y=val[keep],
        best_x=best_x,
        best_y=best_y,
        failed_x=num[fi],
        pruned_x=num[pi],
        pruned_y=val[pi],
        log=spans_decades(val[complete | pruned]),
        direction=direction,
        n=int(num.size),
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
