"""Property tests over the whole round trip, on generated cells (see :mod:`.strategies`).

For any cell of annotations (every kind, extreme and tiny ranges, nested choices, odd labels,
options of every type): every algorithm proposes only in-range, finite, correctly typed values;
trials stored and resumed give the same params; ``code()`` executed gives the same values;
``enqueue`` and ``refine`` accept exactly the valid values.

Derandomised and bounded by default (CI); ``HPMAGIC_HYPOTHESIS=long`` runs many more
random examples by hand (see ``conftest.py``).
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import assume, given, note
from hypothesis import strategies as st

from hpmagic import Options, SpaceError, create_study
from hpmagic.core.space import Space

from .strategies import MAX, Spec, cell, same, walk

ALGOS = ["tpe", "rand", "anneal", "grid", "hyperopt"]
N = 5


def finished(study: Any) -> Any:
    study.run(N)
    assert study.ended(60), study.summary()
    return study


def check_value(spec: Spec, value: Any) -> None:
    """A trial's value of ``spec`` as params show it: in range, finite, of the right type."""
    if spec.kind == "choice":
        shown = [o.value if o.literal else o.source for o in spec.options]
        assert any(same(s, value) for s in shown), (value, shown)
        return
    assert spec.typed(value), (spec.kind, spec.args, type(value), value)
    assert spec.valid(value), (spec.kind, spec.args, value)


def check_trials(study: Any, specs: list[Spec]) -> None:
    everything = walk(specs)
    for t in study.trials:
        assert t.state == "complete", t.error
        for spec in everything:
            if spec in specs:
                assert spec.label in t.params, (spec.label, dict(t.params))
            if spec.label in t.params:
                check_value(spec, t.params[spec.label])


@given(cell(), st.sampled_from(ALGOS))
def test_every_algorithm_proposes_valid_values(generated, algo):
    source, specs = generated
    note(source)
    study = create_study(source, {}, Options(algo=algo, seed=0, max_evals=N))
    finished(study)
    assert len(study.trials) == N or study.end_reason == "completed"
    check_trials(study, specs)


def runtime(spec: Spec, params: dict[str, Any]) -> Any:
    """The value the cell sees for ``spec`` in a trial with ``params``."""
    if spec.kind != "choice":
        return params[spec.label]
    record = params[spec.label]
    for o in spec.options:
        if o.literal and same(o.value, record):
            return o.value
        if not o.literal and record == o.source:
            return runtime(o.nested, params) if o.nested is not None else o.value
    raise AssertionError(f"{record!r} is no option of {spec.label!r}")


def alike(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, float) or isinstance(b, float):
        return same(a, b)
    return type(a) is type(b) and (a == b or repr(a) == repr(b))


@given(cell(), st.sampled_from(ALGOS))
def test_stored_resumed_and_written_back_give_the_same_values(generated, algo):
    source, specs = generated
    note(source)
    with tempfile.TemporaryDirectory() as folder:
        opts = Options(algo="rand", seed=1, max_evals=N, store=str(Path(folder) / "p.db"), name="p")
        study = finished(create_study(source, {}, opts))
        check_trials(study, specs)
        again = create_study(source, {}, opts)
        dump = lambda ts: [json.dumps([t.number, t.params, str(t.state)], sort_keys=True) for t in ts]  # noqa: E731
        assert dump(again.trials) == dump(study.trials)
        for t in again.trials:
            assert again.search_space.user_params(t.raw) == dict(t.params)
            assert json.dumps(again.search_space.user_params(t.raw)) == json.dumps(dict(t.params))
            namespace: dict[str, Any] = {}
            exec(again.code(trial=t.number), namespace)  # noqa: S102 - the cell written back
            for spec in specs:
                written, expected = namespace["params"][spec.label], runtime(spec, t.params)
                assert alike(written, expected), (spec.label, written, expected)
        # the search warm-started from the stored trials goes on with valid values
        more = create_study(source, {}, replace(opts, algo=algo, max_evals=N + len(again.trials)))
        finished(more)
        check_trials(more, specs)
        more.close()
        again.close()
        study.close()


def candidates(spec: Spec) -> st.SearchStrategy[Any]:
    """Values a user may enqueue for ``spec``: valid ones, numpy ones, and plainly wrong ones."""
    wrong = st.sampled_from(
        [None, "zz", 10**400, -(10**400), float("nan"), float("inf"), [1], True, 2**53 + 1]
    )
    if spec.kind == "choice":
        literal = [o.value for o in spec.options if o.literal]
        return st.one_of(
            wrong, st.sampled_from(literal or [None]), st.sampled_from([1, 1.0, 0, 0.0, -0.0, False])
        )
    if spec.kind in ("normal", "lognormal"):
        return st.one_of(wrong, st.floats(allow_nan=True), st.floats(1e-300, 1e300).map(np.float64))
    low, high = spec.args[0], spec.args[1]
    if spec.kind in ("int", "logint") or (
        spec.kind == "quniform" and all(isinstance(a, int) for a in spec.args)
    ):
        ints = st.integers(low - 2, high + 2)
        return st.one_of(
            wrong,
            ints,
            ints.filter(lambda v: -(2**63) <= v < 2**63).map(np.int64),
            ints.map(float),
            st.floats(float(low), float(high)),
        )
    if spec.kind == "quniform":
        q = spec.args[2]
        steps = st.integers(0, round((high - low) / q)).map(lambda k: low + k * q)
        return st.one_of(wrong, steps, st.floats(low, high))
    inside = st.floats(low, high)
    return st.one_of(wrong, inside, inside.map(np.float64), st.floats(allow_nan=False))


def valid(spec: Spec, value: Any) -> bool:
    """The oracle, with numpy values taken as the Python numbers they hold."""
    if isinstance(value, np.generic):
        value = value.item()
    if spec.kind == "choice":
        if any(o.literal and same(o.value, value) for o in spec.options):
            return True
        # no option of the same type: an equal one, but a bool only for a bool
        return any(
            o.literal and isinstance(o.value, bool) == isinstance(value, bool) and _equal(o.value, value)
            for o in spec.options
        )
    return spec.valid(value)


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


@given(cell(), st.data())
def test_enqueue_accepts_exactly_the_valid_values(generated, data):
    source, specs = generated
    spec = data.draw(st.sampled_from(specs))
    value = data.draw(candidates(spec))
    note(f"{source}\n{spec.label!r} = {value!r}")
    study = create_study(source, {}, Options(algo="rand"))
    try:
        study.enqueue({spec.label: value})
        accepted = True
    except SpaceError as exc:
        assert "\n" not in str(exc)
        accepted = False
    assert accepted == valid(spec, value), (accepted, value)
    if accepted:
        queued = study.queued[0][spec.label]
        plain = value.item() if isinstance(value, np.generic) else value
        if spec.kind == "choice":
            assert any(o.literal and same(o.value, queued) for o in spec.options)
            assert same(queued, plain) or not any(o.literal and same(o.value, plain) for o in spec.options)
        else:
            check_value(spec, queued)
            snap = spec.args[2] * 1e-9 if spec.kind == "quniform" else 1e-300  # snapped onto a step
            assert math.isclose(queued, plain, rel_tol=1e-9, abs_tol=snap)


def range_ok(spec: Spec, low: Any, high: Any) -> bool:
    """Whether (low, high) is a range ``refine`` must take for ``spec``."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
        return False
    if not all(-MAX <= v <= MAX for v in (low, high)) or low > high:  # ints beyond floats too
        return False
    if spec.kind in ("uniform", "loguniform") and low == high:
        return False
    if spec.kind == "loguniform" and low <= 0:
        return False
    if spec.kind == "int" and not (float(low).is_integer() and float(high).is_integer()):
        return False
    return spec.kind == "loguniform" or math.isfinite(float(high) - float(low))


@given(cell(), st.data())
def test_refine_accepts_exactly_the_valid_ranges(generated, data):
    source, specs = generated
    numeric = [s for s in specs if s.kind in ("uniform", "loguniform", "int")]
    assume(numeric)
    spec = data.draw(st.sampled_from(numeric))
    ends = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(2**64), 2**64),
        st.sampled_from([0, 0.0, -0.0, 5e-324, 1e308, -1e308, 10**400, None, "1"]),
    )
    low, high = data.draw(ends), data.draw(ends)
    note(f"{source}\nrefine {spec.label!r} = ({low!r}, {high!r})")
    study = create_study(source, {}, Options(algo="tpe", seed=0))
    before = study.space
    try:
        study.refine(**{spec.label: (low, high)})
        accepted = True
    except SpaceError as exc:
        assert "\n" not in str(exc)
        accepted = False
    assert accepted == range_ok(spec, low, high), (accepted, low, high)
    if not accepted:
        assert study.space == before
        return
    finished(study)
    dim = study.search_space.find(spec.label)[0]
    for t in study.trials:
        assert t.state == "complete", t.error
        value = t.params[spec.label]
        assert dim.low <= value <= dim.high and math.isfinite(value)
    assert Space.from_json(json.loads(json.dumps(study.search_space.to_json()))).signature() == (
        study.search_space.signature()
    )
