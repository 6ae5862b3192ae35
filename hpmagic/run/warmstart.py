"""Warm start: earlier work (another study, an export, an Optuna study, a table) seeds the search.

``%%tune --warm-start SOURCE`` / ``Options(warm_start=SOURCE)``. The source's trials
are read as label → value params with their objective; those whose labels and values
fit the current space become the searcher's first observations, numbered -1, -2, …
so they never meet the study's own. They are told to the search as a continued
study's stored trials are (see :class:`hpmagic.run.searching.SearchSession`; how their
values are placed and whether they are kept: :mod:`hpmagic.run.warmsearch`), but they
are not the study's trials: not counted, never the best, not stored or exported. One
note counts those that do not fit.

What SOURCE may be (a string, resolved in this order):

- a name in the cell's namespace bound to a pandas DataFrame (one column per label, or
  ``params_<label>`` columns as ``to_dataframe()`` and Optuna's ``trials_dataframe()``
  write them, and a ``value`` column; ``values_<name>`` columns with ``--objectives``)
  or to another hpmagic study;
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
from dataclasses import dataclass, field
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
