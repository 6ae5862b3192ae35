"""A study in Optuna's own format: ``study.to_optuna(url)`` and ``python -m hpmagic export --optuna``.

Optuna's storage (a SQLite file through SQLAlchemy, or any URL it takes) is read by
``optuna.load_study`` and served by optuna-dashboard, so a study written there opens in
the tools Optuna users have. Each hpmagic trial becomes one Optuna trial, in trial
order: its active params with their distributions (inactive conditional dimensions are
absent, as in define-by-run), its state, value(s), ``tune.report`` values as
intermediate values, start and end times, and its extras as user attributes.

Distributions are mapped to the nearest Optuna has, exactly where one exists:
``uniform`` → ``FloatDistribution``, ``loguniform`` → ``FloatDistribution(log=True)``,
``quniform`` → ``FloatDistribution(step=q)`` (``IntDistribution(step=q)`` over ints),
``int``/``logint`` → ``IntDistribution`` (``log=True``), ``choice`` → a
``CategoricalDistribution`` of the recorded option values (literals, else the option's
source text). Optuna has no normal distribution: ``normal``/``lognormal`` become a
float range (log for lognormal) of mu ± 4 sigma. Every range also covers the values
trials recorded, so trials run before a ``refine`` stay inside their distribution.

Reading an Optuna study (for ``--warm-start``) is :func:`read_study`.
"""

from __future__ import annotations

import datetime
import inspect
import math
import warnings
from collections.abc import Sequence
from typing import Any

from ..core.objectives import parse_objectives
from ..core.options import OptionsError

MISSING = "needs Optuna, which is not installed: pip install hpmagic[optuna]"
STATES = {"complete": "COMPLETE", "failed": "FAIL", "pruned": "PRUNED"}
#: how far a normal's range reaches on each side of mu, in sigmas
NORMAL_REACH = 4.0


def require(what: str = "exporting to Optuna") -> Any:
    """``optuna``, or an :class:`OptionsError` of one line naming the extra."""
    try:
        import optuna
    except ImportError:
        raise OptionsError(f"{what} {MISSING}") from None
    return optuna


# -- distributions -----------------------------------------------------------------
def _span(lo: float, hi: float, seen: list[float]) -> tuple[float, float]:
    return min([lo, *seen]), max([hi, *seen])


def distribution(dims: Sequence[Any], seen: list[Any]) -> Any:
    """The Optuna distribution of a label's dimensions (those of the cell and of the
    current space), wide enough for the ``seen`` values trials recorded."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    dim = dims[-1]
    if dim.is_choice:
        choices: list[Any] = []
        for value in [o for d in dims for o in d.options] + list(seen):
            if not any(value == c and type(value) is type(c) for c in choices):
                choices.append(value)
        return CategoricalDistribution(choices)
    numbers = [float(v) for v in seen if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if dim.kind in ("normal", "lognormal"):
        lo = dim.mu - NORMAL_REACH * dim.sigma
        hi = dim.mu + NORMAL_REACH * dim.sigma
        if dim.kind == "lognormal":
            lo, hi = _span(math.exp(lo), math.exp(hi), [v for v in numbers if v > 0])
            return FloatDistribution(lo, hi, log=True)
        return FloatDistribution(*_span(lo, hi, numbers))
    lo, hi = _span(min(float(d.low) for d in dims), max(float(d.high) for d in dims), numbers)
    if dim.kind == "quniform":
        return _stepped(dim, lo, hi, numbers)
    if dim.is_int:
        return IntDistribution(int(math.floor(lo)), int(math.ceil(hi)), log=dim.is_log)
    return FloatDistribution(lo, hi, log=dim.is_log)


def _stepped(dim: Any, lo: float, hi: float, numbers: list[float]) -> Any:
    """``quniform``: its values are multiples of q, so the grid starts at the first multiple."""
    from optuna.distributions import FloatDistribution, IntDistribution

    q = float(dim.q)
    first, last = math.ceil(round(lo / q, 9)) * q, math.floor(round(hi / q, 9)) * q
    if not all(math.isclose(round(v / q) * q, v, abs_tol=1e-9) for v in numbers) or last < first:
        return FloatDistribution(lo, hi)  # values off the grid (a refine changed q): no step
    if dim.as_int:
        return IntDistribution(int(first), int(last), step=int(q))
    return FloatDistribution(round(first, 12), round(last, 12), step=q)


def _name_params(space: Any) -> dict[str, str]:
    """key → Optuna param name: the label, or the key where one label would need two kinds of
    distribution (Optuna keeps one kind per name in a study)."""
    out: dict[str, str] = {}
    kinds: dict[str, tuple[Any, ...]] = {}
    for dim in space.dims:
        kind = ("choice", tuple(map(repr, dim.options))) if dim.is_choice else (dim.is_int, dim.is_log)
        if kinds.setdefault(dim.label, kind) == kind:
            out[dim.key] = dim.label
        else:
            out[dim.key] = dim.key
    return out


def _plain_distribution(values: list[Any]) -> Any:
    """A param whose dimension the cell no longer has: a range of its numbers, else categories."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        lo, hi = float(min(values)), float(max(values))
        return FloatDistribution(lo, hi if hi > lo else lo + 1.0)
    choices: list[Any] = []
    for v in values:
        v = v if v is None or isinstance(v, (bool, int, float, str)) else repr(v)
        if v not in choices:
            choices.append(v)
    return CategoricalDistribution(choices)


# -- trials ------------------------------------------------------------------------
def trial_params(trial: Any, space: Any, names: dict[str, str]) -> dict[str, tuple[str, Any]]:
    """key → (param name, value) for the dimensions active in ``trial`` (define-by-run)."""
    out: dict[str, tuple[str, Any]] = {}
    for key in trial.raw:
        dim = space.by_key.get(key)
        label = dim.label if dim is not None else key.split("#")[0]
        if label in trial.params:
            out[key] = (names.get(key, label), trial.params[label])
    return out


def distributions_of(
    trials: Sequence[Any], space: Any, cell_space: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """param name → one distribution for the whole study (Optuna keeps one kind per name),
    and dimension key → param name."""
    names = _name_params(space)
    seen: dict[str, list[Any]] = {}
    keys: dict[str, list[str]] = {}
    for t in trials:
        for key, (name, value) in trial_params(t, space, names).items():
            seen.setdefault(name, []).append(value)
            if key not in keys.setdefault(name, []):
                keys[name].append(key)
    out = {}
    for name, values in seen.items():
        dims = [
            s.by_key[k] for k in keys[name] for s in (cell_space, space) if s is not None and k in s.by_key
        ]
        out[name] = distribution(dims, values) if dims else _plain_distribution(values)
    return out, names


def _when(seconds: float) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(seconds) if seconds else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def frozen_trial(
    trial: Any, space: Any, names: dict[str, str], dists: dict[str, Any], objectives: Any
) -> Any:
    """One hpmagic trial as an Optuna ``FrozenTrial``."""
    import optuna

    state = getattr(optuna.trial.TrialState, STATES[str(trial.state)])
    params = {name: value for name, value in trial_params(trial, space, names).values()}
    values = None
    if str(trial.state) != "failed" and trial.value is not None and not math.isnan(trial.value):
        values = [trial.values[o.name] for o in objectives] if objectives else [trial.value]
    if objectives and values is not None and any(v is None or math.isnan(v) for v in values):
        values, state = None, optuna.trial.TrialState.FAIL
    user_attrs = {"hpmagic_number": trial.number, **_jsonable(dict(trial.extras))}
    if trial.error:
        user_attrs["error"] = trial.error
    kwargs: dict[str, Any] = {}
    if not trial.feasible or "feasible" in trial.extras:
        kwargs = _constraint(0.0 if trial.feasible else 1.0)
    made = optuna.trial.create_trial(
        state=state,
        values=values,
        params=params,
        distributions={name: dists[name] for name in params},
        user_attrs=user_attrs,
        intermediate_values={int(s): float(v) for s, v in trial.reports},
        **kwargs,
    )
    start = _when(trial.started)
    if start is not None:
        made.datetime_start = start
        made.datetime_complete = _when(trial.ended) or start + datetime.timedelta(seconds=trial.duration)
    return made


def _constraint(value: float) -> dict[str, Any]:
    """A feasibility constraint (≤ 0 feasible) the way this Optuna takes it."""
    import optuna

    if "constraints" in inspect.signature(optuna.trial.create_trial).parameters:
        return {"constraints": {"feasible": value}}
    return {"system_attrs": {"constraints": [value]}}


# -- the study ---------------------------------------------------------------------
def write_study(
    storage: str,
    name: str,
    direction: str | None,
    objectives: str | None,
    trials: Sequence[Any],
    space: Any,
    cell_space: Any = None,
    attrs: dict[str, Any] | None = None,
    replace: bool = False,
) -> Any:
    """Write a study (its trials read against ``space``) to Optuna's ``storage``; returns it.

    A study of that name already there is an :class:`OptionsError` unless ``replace``.
    """
    optuna = require()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    specs = parse_objectives(objectives) if objectives else ()
    directions = [o.direction.value for o in specs] if specs else [direction or "minimize"]
    known = {s.study_name for s in optuna.get_all_study_summaries(storage)}
    if name in known:
        if not replace:
            raise OptionsError(
                f"Optuna's storage {storage} has a study {name!r} already: "
                "give another name, or replace=True (--replace) to write it anew"
            )
        optuna.delete_study(study_name=name, storage=storage)
    study = optuna.create_study(storage=storage, study_name=name, directions=directions)
    if specs:
        with warnings.catch_warnings():  # experimental in Optuna 3 and 4, as it is used here
            warnings.simplefilter("ignore")
            study.set_metric_names([o.name for o in specs])
    for key, value in (attrs or {}).items():
        study.set_user_attr(key, _jsonable(value))
    dists, names = distributions_of(trials, space, cell_space)
    study.add_trials([frozen_trial(t, space, names, dists, specs) for t in trials])
    return study


def cell_space_of(study: Any) -> Any:
    """The space as the study's cell defines it (its bounds evaluated again), or ``None``."""
    from ..core.space import Space

    try:
        return Space.build(study.program, dict(getattr(study, "_snapshot", {})))
    except Exception:  # noqa: BLE001 - the current space's ranges and the values still hold every trial
        return None


def export_study(study: Any, storage: str, name: str | None = None, replace: bool = False) -> Any:
    """``study.to_optuna(storage)``: a live study's trials, space and options."""
    from ..storage.store import StoreObserver

    cell = next((o.cell_space for o in study.observers if isinstance(o, StoreObserver)), None)
    if cell is None:  # kept in memory: the cell's own ranges, before any refine
        cell = cell_space_of(study)
    return write_study(
        storage,
        name or study.name,
        str(study.direction) if study.direction else None,
        study.options.objectives,
        study.trials,
        study.search_space,
        cell,
        attrs={"hpmagic_cell": study.program.source, "hpmagic_seed": study.seed},
        replace=replace,
    )


def export_stored(name: str, storage: str, stores: Sequence[str], replace: bool = False) -> Any:
    """``python -m hpmagic export NAME --optuna URL``: a study found only in a store."""
    from ..core.space import Space
    from ..storage.store import find_stored

    require()
    stored, trials = find_stored(name, stores)
    return write_study(
        storage,
        name,
        stored.direction,
        stored.options.get("objectives") or None,
        trials,
        Space.from_json(stored.cell_space),
        Space.from_json(stored.space),
        attrs={"hpmagic_cell": stored.source, "hpmagic_seed": stored.seed},
        replace=replace,
    )


def read_study(storage: str, name: str | None = None) -> dict[str, Any]:
    """An Optuna study as plain data for a warm start: its name, directions (``"minimize"`` /
    ``"maximize"``), metric names and one dict per trial (``params``, ``values``, ``state``,
    ``feasible``). ``name`` may be left out when the storage holds one study."""
    optuna = require("--warm-start from an Optuna study")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
    except Exception as exc:  # noqa: BLE001 - a bad URL or file is one line, whatever Optuna raises
        raise OptionsError(f"--warm-start {storage}: cannot read Optuna's storage there ({exc})") from None
    if name is None and len(names) != 1:
        raise OptionsError(
            f"--warm-start {storage}: give the study as {storage}:NAME; it holds {', '.join(names) or 'none'}"
        )
    name = name if name is not None else names[0]
    if name not in names:
        raise OptionsError(
            f"--warm-start: no Optuna study {name!r} in {storage}; it holds {', '.join(names) or 'none'}"
        )
    study = optuna.load_study(study_name=name, storage=storage)
    rows = []
    for t in study.get_trials(deepcopy=False):
        held = t.constraints or {}
        held = list(held.values()) if isinstance(held, dict) else list(held)
        rows.append(
            {
                "params": dict(t.params),
                "values": list(t.values) if t.values is not None else None,
                "state": "complete"
                if t.state == optuna.trial.TrialState.COMPLETE
                else str(t.state.name).lower(),
                "feasible": all(c <= 0 for c in held),
            }
        )
    directions = [d.name.lower() for d in study.directions]
    return {"name": name, "directions": directions, "metric_names": study.metric_names, "trials": rows}
