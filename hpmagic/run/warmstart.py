"""Warm start: earlier work (another study, an export, an Optuna study, a table) seeds the search.

``%%tune --warm-start SOURCE`` / ``Options(warm_start=SOURCE)``. The source's trials
are read as label → value params with their objective; those whose labels and values
fit the current space become the searcher's first observations, numbered -1, -2, …
so they never meet the study's own. They are told to the search exactly as a
continued study's stored trials are (see :class:`hpmagic.run.searching.SearchSession`),
but they are not the study's trials: not counted, never the best, not stored or
exported. One note counts those that fit and those that do not.

What SOURCE may be (a string, resolved in this order):

- a name in the cell's namespace bound to a pandas DataFrame (one column per label, or
  ``params_<label>`` columns as ``to_dataframe()`` and Optuna's ``trials_dataframe()``
  write them, and a ``value`` column; ``values_<name>`` or ``<name>`` columns with
  ``--objectives``) or to another hpmagic study;
- ``URL`` or ``URL:NAME`` with ``://`` in the URL: an Optuna storage and its study (the
  only study there when NAME is left out), e.g. ``sqlite:///optuna.db:my-study``;
- a ``.json``/``.yaml`` file written by ``study.export`` / ``%tune_export``;
- ``PATH:NAME``: study NAME in the hpmagic store file PATH;
- ``NAME``: a study in the cell's store (``--store``), else in the default store.

From Python, ``warm_start`` may also be the DataFrame or the study itself.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.options import DEFAULT_STORE, OptionsError
from ..core.points import point_of
from ..core.space import Space, SpaceError
from ..core.trials import COMPLETE, Direction, Trial

#: a DataFrame's columns that are about a trial, not its params
META_COLUMNS = {
    "number",
    "value",
    "state",
    "duration",
    "error",
    "feasible",
    "datetime_start",
    "datetime_complete",
}


@dataclass
class Record:
    """One trial of a source: label → value params, its objective(s) and whether it completed."""

    params: dict[str, Any]
    value: float | None
    values: dict[str, float] = field(default_factory=dict)
    complete: bool = True
    feasible: bool = True


@dataclass
class Source:
    """What a source holds, before it meets the current space."""

    what: str  # for people: "study 'old' in .hpmagic/studies.db"
    records: list[Record]
    direction: str | None = None
    objectives: tuple[str, ...] = ()
    #: a table without ``params_`` columns: columns that are not labels of the space are not params
    loose: bool = False


@dataclass
class WarmStart:
    """What seeded a study's search: the source, the trials that fit it, and those that did not."""

    source: str
    trials: list[Trial]
    n_read: int
    direction: str | None  # the study's, when the trials were fitted (which way the best lies)
    n_left_out: int
    reasons: dict[str, int] = field(default_factory=dict)
    #: after the first trials: "kept" (the source's side found the better trial) or "dropped"
    verdict: str | None = None

    def note(self) -> str | None:
        """The one note about the source's trials that do not fit (None when all fit)."""
        if not self.n_left_out:
            return None
        why = ", ".join(f"{n} {reason}" for reason, n in self.reasons.items())
        return f"warm start: {self.n_left_out} of {self.n_read} trials of {self.source} left out ({why})"


# -- reading a source --------------------------------------------------------------
def source_of(spec: Any, namespace: dict[str, Any], store: str | None, own_name: str) -> Source:
    """The :class:`Source` ``spec`` names; :class:`OptionsError` (one line) when there is none."""
    if _is_frame(spec):
        return from_frame(spec, "a DataFrame")
    if _is_study(spec):
        return from_study(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise OptionsError(
            f"--warm-start takes a study name, a file, an Optuna storage URL or a DataFrame, got {spec!r}"
        )
    spec = spec.strip()
    bound = namespace.get(spec) if spec.isidentifier() else None
    if _is_frame(bound):
        return from_frame(bound, f"the DataFrame {spec}")
    if _is_study(bound):
        return from_study(bound)
    if "://" in spec:
        head, _, tail = spec.rpartition(":")
        url, name = (head, tail) if "://" in head else (spec, None)
        return from_optuna(url, name)
    if os.path.splitext(spec)[1].lower() in (".json", ".yaml", ".yml"):
        return from_export(spec)
    head, sep, tail = spec.rpartition(":")
    if sep and head and os.path.isfile(os.path.expanduser(head)):
        return from_store(tail, [head])
    stores = [s for s in dict.fromkeys([store, DEFAULT_STORE]) if s]
    if spec == own_name and store in stores[:1]:
        raise OptionsError(
            f"--warm-start {spec}: that is this study; running its cell again continues it already"
        )
    return from_store(spec, stores)


def _is_frame(value: Any) -> bool:
    return hasattr(value, "columns") and hasattr(value, "to_dict")


def _is_study(value: Any) -> bool:
    return hasattr(value, "trials") and hasattr(value, "search_space") and hasattr(value, "direction")


def _finite(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _records(trials: Iterable[Any]) -> list[Record]:
    return [
        Record(
            dict(t.params),
            _finite(t.value),
            dict(getattr(t, "values", {}) or {}),
            str(t.state) == COMPLETE,
            getattr(t, "feasible", True),
        )
        for t in trials
    ]


def from_study(study: Any) -> Source:
    """Another study of this kernel (or one built from Python)."""
    objectives = tuple(o.name for o in getattr(study, "objectives", ()))
    direction = str(study.direction) if study.direction else None
    return Source(f"study '{study.name}'", _records(study.trials), direction, objectives)


def from_store(name: str, stores: list[str]) -> Source:
    """Study ``name`` in the first of ``stores`` that has it."""
    from ..storage.store import StoreError, load_stored

    for path in stores:
        if not os.path.exists(os.path.expanduser(path)):
            continue
        try:
            stored, trials = load_stored(path, name)
        except StoreError:
            continue
        objectives = stored.options.get("objectives") or ""
        names = tuple(part.split(":")[0].strip() for part in objectives.split(",")) if objectives else ()
        return Source(f"study '{name}' in {path}", _records(trials), stored.direction, names)
    raise OptionsError(f"--warm-start {name}: no study named {name!r} in {' or '.join(stores)}")


def from_optuna(url: str, name: str | None) -> Source:
    """An Optuna study: its params by name, its value(s) by metric name (``values_<i>`` unnamed)."""
    from ..integrations.optuna import read_study

    data = read_study(url, name)
    metrics = data["metric_names"] or [f"values_{i}" for i in range(len(data["directions"]))]
    several = len(data["directions"]) > 1
    records = [
        Record(
            r["params"],
            _finite(r["values"][0]) if r["values"] else None,
            dict(zip(metrics, r["values"])) if several and r["values"] else {},
            r["state"] == COMPLETE,
            r["feasible"],
        )
        for r in data["trials"]
    ]
    direction = None if several else data["directions"][0]
    return Source(
        f"Optuna study '{data['name']}' in {url}", records, direction, tuple(metrics) if several else ()
    )


def from_export(path: str) -> Source:
    """A file written by ``study.export`` (JSON, or YAML with PyYAML)."""
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as f:
            text = f.read()
        data = json.loads(text) if path.lower().endswith(".json") else _yaml(text)
        rows = data["trials"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OptionsError(f"--warm-start {path}: cannot read an hpmagic export there ({exc})") from None
    objectives = data.get("objectives") or ""
    names = tuple(part.split(":")[0].strip() for part in objectives.split(",")) if objectives else ()
    records = [
        Record(
            dict(r.get("params") or {}),
            _finite(r.get("value")),
            {k: v for k, v in (r.get("values") or {}).items() if _finite(v) is not None},
            r.get("state") == COMPLETE,
            (r.get("feasible") is not False),
        )
        for r in rows
    ]
    return Source(f"the export {path}", records, data.get("direction"), names)


def _yaml(text: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise ValueError("reading YAML needs PyYAML: pip install pyyaml") from None
    return yaml.safe_load(text)


def from_frame(frame: Any, what: str) -> Source:
    """A table of trials: params as columns (or ``params_<label>``), a ``value`` column."""
    columns = [str(c) for c in frame.columns]
    prefixed = [c for c in columns if c.startswith("params_")]
    params = {c: c[len("params_") :] for c in prefixed} if prefixed else {}
    if not prefixed:
        params = {
            c: c
            for c in columns
            if c not in META_COLUMNS and not c.startswith(("values_", "user_attrs_", "system_attrs_"))
        }
    value_column = next((c for c in ("value", "loss", "score") if c in columns), None)
    direction = "maximize" if value_column == "score" else None
    records = []
    for row in frame.to_dict("records"):
        row = {str(k): v for k, v in row.items()}
        values = {c[len("values_") :]: row[c] for c in columns if c.startswith("values_")}
        state = str(row.get("state", COMPLETE)).rsplit(".", 1)[-1].lower()
        records.append(
            Record(
                {label: _plain(row[c]) for c, label in params.items() if not _missing(row[c])},
                _finite(row.get(value_column)) if value_column else None,
                {k: v for k, v in values.items() if _finite(v) is not None},
                state == COMPLETE,
                row.get("feasible") is not False,
            )
        )
    return Source(what, records, direction, (), loose=not prefixed)


def _missing(value: Any) -> bool:
    """A cell a DataFrame leaves empty: a label not active in that trial."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "shape", None) == () else value


# -- meeting the space -------------------------------------------------------------
def fit(source: Source, space: Space, direction: str | None, objectives: tuple[str, ...]) -> WarmStart:
    """The source's trials that fit ``space`` as trials numbered -1, -2, …, and a count of the rest."""
    kept: list[Trial] = []
    reasons: dict[str, int] = {}

    def leave(reason: str) -> None:
        reasons[reason] = reasons.get(reason, 0) + 1

    clash = _direction_clash(source, direction, objectives)
    for record in source.records:
        if clash:
            leave(clash)
            continue
        if not record.complete:
            leave("not complete")
            continue
        values = {o: record.values[o] for o in objectives if _finite(record.values.get(o)) is not None}
        if (len(values) != len(objectives)) if objectives else record.value is None:
            leave("without this study's objective" + ("s" if objectives else ""))
            continue
        params = record.params
        if source.loose:
            params = {k: v for k, v in params.items() if space.find(k)}
        try:
            raw = point_of(space, params, where="warm start", fill=False)
        except SpaceError:
            leave("outside this space")
            continue
        value = values[objectives[0]] if objectives else record.value
        kept.append(
            Trial(
                number=-1 - len(kept),
                params=space.user_params(raw),
                value=value,
                state=COMPLETE,
                duration=0.0,
                raw=raw,
                values=values,
                extras={} if record.feasible else {"feasible": False},
            )
        )
    n = len(source.records)
    return WarmStart(source.what, kept, n, direction or source.direction, n - len(kept), reasons)


def _direction_clash(source: Source, direction: str | None, objectives: tuple[str, ...]) -> str | None:
    """Why no trial of the source can be used, when its objective goes the other way."""
    if objectives:
        return None
    if source.direction and direction and Direction.of(source.direction) != Direction.of(direction):
        return f"the source was run to {source.direction}, this study to {direction}"
    return None


def warm_start(study: Any, source: Source) -> WarmStart:
    """Fit ``source`` (see :func:`source_of`) to the study's space and seed the study's search with it."""
    names = tuple(o.name for o in study.objectives)
    explicit = study._ledger.direction_name
    found = fit(source, study.search_space, explicit, names)
    study._searching.seed(found)
    note = found.note()
    if note:
        study.note(note)
    return found


# -- does the source help here? ---------------------------------------------------
#: the first own trials of a warm-started study alternate: one asked of the search seeded by
#: the source, one of a search of the study's own trials alone; after PAIRS of each the
#: source is dropped when its side's best did worse than the median of the other side's
#: trials (a clear loss: two similar bests differ by noise, and a source that helps is kept)
PAIRS = 3


class Contest:
    """Which of the study's first trials each side asked for, and how they ended."""

    def __init__(self, first: dict[str, Any] | None = None) -> None:
        #: the source's best point: the seeded side's first trial, so its best is measured here at once
        self.first = first
        self.asked: dict[int, str] = {}  # trial number → "warm" or "cold"
        self.losses: dict[str, list[float]] = {"warm": [], "cold": []}  # failed trials: inf
        self.ended = 0

    @property
    def best(self) -> dict[str, float]:
        return {who: min(losses, default=math.inf) for who, losses in self.losses.items()}

    def median(self, who: str) -> float:
        ordered = sorted(self.losses[who]) or [math.inf]
        return ordered[(len(ordered) - 1) // 2]

    def side(self) -> str:
        """Whose turn it is to ask."""
        return "warm" if len(self.asked) % 2 == 0 else "cold"

    def ended_trial(self, number: int, loss: float | None) -> str | None:
        """Count an ended trial; once each side's trials have ended, "kept" or "dropped"."""
        who = self.asked.get(number)
        if who is None:
            return None
        self.ended += 1
        self.losses[who].append(math.inf if loss is None else loss)
        if self.ended < 2 * PAIRS:
            return None
        return "dropped" if self.median("cold") < self.best["warm"] else "kept"


class Alternating:
    """The searcher a study asks while the contest goes on: the seeded search and the study's
    own take turns; results are told to both by the study (see SearchSession.tell)."""

    def __init__(self, warm: Any, cold: Any, contest: Contest) -> None:
        self.warm, self.cold, self.contest = warm, cold, contest
        self.space = warm.space

    @property
    def numbers(self) -> list[int]:
        return self.warm.numbers

    def ask(self, number: int) -> dict[str, Any]:
        who = self.contest.side()
        self.contest.asked[number] = who
        first, self.contest.first = (
            (self.contest.first, None) if who == "warm" else (None, self.contest.first)
        )
        if first is not None and self.space.contains(first):
            return dict(first)
        return (self.warm if who == "warm" else self.cold).ask(number)

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        return self.warm.tell(number, raw, loss, failed)


def _coordinate(dim: Any, value: Any) -> float:
    """A value's place on its dimension, about 0 to 1 (log scales in logarithms)."""
    if dim.is_choice:
        return float(value)
    if not dim.is_bounded:
        x = math.log(value) if dim.is_log and value > 0 else float(value)
        return (x - (dim.mu or 0.0)) / (8 * (dim.sigma or 1.0))
    lo, hi, x = float(dim.low), float(dim.high), float(value)
    if dim.is_log:
        lo, hi, x = math.log(lo), math.log(hi), math.log(max(x, 1e-300))
    return (x - lo) / (hi - lo) if hi > lo else 0.0


def distance(space: Space, a: dict[str, Any], b: dict[str, Any]) -> float:
    """How far two points lie apart: squared differences of coordinates; 1 for another option
    or a dimension active in one point only."""
    total = 0.0
    for key in set(a) | set(b):
        dim = space.by_key.get(key)
        if dim is None or key not in a or key not in b:
            total += 1.0
        elif dim.is_choice:
            total += float(a[key] != b[key])
        else:
            total += (_coordinate(dim, a[key]) - _coordinate(dim, b[key])) ** 2
    return total


#: how near (in unit coordinates, per dimension) the study's own trial must be to speak for a source trial
NEAR = 0.1
#: the study's own trials after which the warm trials' values are no longer renewed at each ask
CALIBRATE_UNTIL = 50


def calibrated(space: Space, warm: list[Trial], own: list[Trial], sign: float) -> list[Trial]:
    """The warm trials with the values the search is told, given the study's own trials.

    The source's values come from another task: only their order is trusted, so each is
    placed at the same quantile among the study's own values (once it has two), and never
    ahead of the study's own trial of that rank. Where an own trial lies near a source trial,
    what the study measured there speaks instead: a source that points to a region that
    proves poor here stops pulling the search there.
    """
    done = [t for t in own if t.state == COMPLETE and t.finite_value is not None and t.feasible]
    if not done:
        return warm
    losses = sorted(sign * t.value for t in done)
    source = sorted(sign * t.value for t in warm if t.finite_value is not None)
    reach = NEAR**2 * max(1, len(space.dims))
    out = []
    for w in warm:
        if w.finite_value is None:
            out.append(w)
            continue
        near = min(done, key=lambda t: distance(space, w.raw, t.raw))
        if distance(space, w.raw, near.raw) <= reach:
            loss = sign * near.value
        elif len(losses) >= 2:
            q = source.index(sign * w.value) / max(1, len(source) - 1)
            loss = _quantile(losses, q)
        else:
            out.append(w)
            continue
        out.append(replace(w, value=sign * loss))
    return out


def _quantile(ordered: list[float], q: float) -> float:
    at = q * (len(ordered) - 1)
    lo = int(math.floor(at))
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (at - lo)
