"""The search space: evaluated bounds, natural units, integer kinds, hyperopt conversion."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hpmagic import Options, create_study, tune
from hpmagic.core.program import parse
from hpmagic.core.space import Space, SpaceError
from hpmagic.search.searcher import make_searcher


def build(source: str, ns: dict | None = None) -> Space:
    return Space.build(parse(source), ns or {})


def sample(space: Space, n: int, seed: int = 0) -> list[dict]:
    search = make_searcher("rand", space, np.random.default_rng(seed))
    return [search.ask(i) for i in range(n)]


def test_bounds_are_expressions_over_user_variables():
    space = build(
        "k = tune.int(1, n_features)\nx = tune.uniform(lo * 2, hi + 1)\nk",
        {"n_features": 7, "lo": 1, "hi": 4},
    )
    assert space.describe() == {"k": (1, 7), "x": (2, 5)}
    assert all(1 <= p["k"] <= 7 and 2 <= p["x"] <= 5 for p in sample(space, 50))


def test_numpy_bounds_are_plain_numbers():
    space = build("k = tune.int(1, n)\nx = tune.uniform(0, hi)\nk", {"n": np.int64(5), "hi": np.float32(2)})
    assert space.describe() == {"k": (1, 5), "x": (0, 2.0)}
    assert json.dumps(space.to_json())


def test_loguniform_is_in_natural_units_and_log_spread():
    space = build("lr = tune.loguniform(1e-4, 1e-1)\nlr")
    values = [p["lr"] for p in sample(space, 300)]
    assert all(1e-4 <= v <= 1e-1 for v in values)
    below = sum(v < 1e-3 for v in values) / len(values)
    assert 0.2 < below < 0.5  # a third of the decades; a uniform draw would give ~1%


@pytest.mark.parametrize("kind", ["int", "logint"])
def test_integers_reach_both_ends_and_are_python_ints(kind: str):
    space = build(f"k = tune.{kind}(1, 4)\nk")
    values = [p["k"] for p in sample(space, 300)]
    assert set(values) == {1, 2, 3, 4}
    assert all(type(v) is int for v in values)


def test_tpe_integers_are_python_ints_in_a_study():
    study = create_study("k = tune.int(1, 3)\nk", {}, Options(max_evals=15, seed=2)).run().wait(60)
    assert {type(t.params["k"]) for t in study.trials} == {int}
    assert {t.params["k"] for t in study.trials} == {1, 2, 3}


def test_quniform_is_int_when_all_arguments_are_ints():
    ints = [p["q"] for p in sample(build("q = tune.quniform(0, 10, 2)\nq"), 200)]
    assert set(ints) == {0, 2, 4, 6, 8, 10} and all(type(v) is int for v in ints)
    floats = [p["q"] for p in sample(build("q = tune.quniform(0, 1, 0.25)\nq"), 200)]
    assert all(type(v) is float for v in floats)
    assert set(floats) == {0.0, 0.25, 0.5, 0.75, 1.0}


def test_quniform_values_are_multiples_of_q():
    space = build("q = tune.quniform(1, 10, 3)\nq")
    assert set(p["q"] for p in sample(space, 200)) == {3, 6, 9}
    assert space.user_params(space.defaults()) == {"q": 6}
    floats = {p["q"] for p in sample(build("q = tune.quniform(0.05, 0.95, 0.2)\nq"), 200)}
    assert floats == {0.2, 0.4, 0.6, 0.8}


def test_choice_gives_the_value_never_an_index():
    source = "m = tune.choice([10, 'b', None, sizes])\nrecord(m)\n0"
    seen: list = []
    ns = {"sizes": [1, 2], "record": seen.append}
    study = create_study(source, ns, Options(max_evals=30, seed=0, algo="rand")).run().wait(60)
    assert {repr(v) for v in seen} == {"10", "'b'", "None", "[1, 2]"}
    assert {json.dumps(t.params["m"]) for t in study.trials} == {"10", '"b"', "null", '"sizes"'}


def test_choice_over_a_variable_list():
    models = [{"kind": "svc"}, {"kind": "tree"}]
    source = "m = tune.choice(models)\nrecord(m['kind'])\n0"
    seen: list = []
    study = (
        create_study(source, {"models": models, "record": seen.append}, Options(max_evals=20, seed=0))
        .run()
        .wait(60)
    )
    assert set(seen) == {"svc", "tree"}
    assert {t.params["m"] for t in study.trials} == {repr(m) for m in models}
    assert study.space == {"m": [repr(m) for m in models]}


def test_params_are_json():
    source = "m = tune.choice([f(C=tune.loguniform(0.01, 100)), 'plain', 3])\nk = tune.int(np.int64(1), 5)\n0"
    study = (
        create_study(source, {"f": dict, "np": np}, Options(max_evals=20, seed=1, algo="rand")).run().wait(60)
    )
    for trial in study.trials:
        assert json.loads(json.dumps(trial.params, allow_nan=False)) == trial.params


def test_defaults():
    space = build(
        "a = tune.uniform(-1, 3)\nb = tune.loguniform(1, 100)\nc = tune.int(0, 5)\n"
        "d = tune.logint(1, 1000)\ne = tune.choice(['p', 'q'])\nf = tune.normal(2, 1)\n"
        "g = tune.lognormal(0, 1)\nh = tune.quniform(1, 2, 0.5)\n0"
    )
    params = space.user_params(space.defaults())
    assert params["a"] == 1.0
    assert params["b"] == pytest.approx(10.0)
    assert params["c"] in (2, 3) and type(params["c"]) is int
    assert params["d"] in (31, 32) and type(params["d"]) is int
    assert params["e"] == "p"
    assert params["f"] == 2.0 and params["g"] == pytest.approx(1.0)
    assert params["h"] == 1.5
    assert space.contains(space.defaults())


def test_hyperopt_round_trip():
    space = build(
        "m = tune.choice([f(C=tune.loguniform(0.01, 100)), g(depth=tune.int(1, 8)), 'x'])\n"
        "lr = tune.loguniform(1e-4, 1e-1)\nq = tune.quniform(0, 10, 2)\nn = tune.normal(0, 1)\n0",
    )
    for raw in sample(space, 100):
        assert space.contains(raw), raw
        assert space.from_hyperopt(space.to_hyperopt_vals(raw)) == raw
    assert {raw["m"] for raw in sample(space, 100)} == {0, 1, 2}


def test_contains():
    space = build("m = tune.choice([f(k=tune.int(1, 3)), 'b'])\nx = tune.uniform(0, 1)\n0")
    assert space.contains({"m": 0, "k": 2, "x": 0.5})
    assert space.contains({"m": 1, "x": 1.0})
    assert not space.contains({"m": 1, "k": 2, "x": 0.5})  # k is inactive under 'b'
    assert not space.contains({"m": 0, "x": 0.5})  # k is missing
    assert not space.contains({"m": 0, "k": 4, "x": 0.5})
    assert not space.contains({"m": 2, "x": 0.5})
    assert not space.contains({"m": 1, "x": 1.5})
    assert not space.contains({"m": 1, "x": "0.5"})


def test_refined_space_keeps_the_original():
    space = build("x = tune.uniform(0, 10)\nm = tune.choice(['a', 'b', 'c'])\n0")
    narrow = space.refined({"x": (2, 3), "m": ["b", "c"]})
    assert narrow.describe() == {"x": (2, 3), "m": ["b", "c"]}
    assert space.describe() == {"x": (0, 10), "m": ["a", "b", "c"]}
    assert all(2 <= p["x"] <= 3 and p["m"] in (1, 2) for p in sample(narrow, 50))
    with pytest.raises(SpaceError):
        space.refined({"x": (3, 2)})


def test_json_round_trip():
    space = build("m = tune.choice([f(C=tune.loguniform(0.01, 100)), 'x'])\nk = tune.int(1, 5)\n0")
    again = Space.from_json(json.loads(json.dumps(space.to_json())))
    assert again.describe() == space.describe()
    assert again.defaults() == space.defaults()
    assert math.isclose(again.by_key["C"].low, 0.01)


def test_choice_over_a_numpy_array_shows_plain_numbers():
    study = (
        create_study(
            "k = tune.choice(ks)\nfloat(k)",
            {"ks": np.array([1, 2, 3])},
            Options(max_evals=10, seed=0),
        )
        .run()
        .wait(60)
    )
    assert study.space == {"k": [1, 2, 3]}
    assert all(type(t.params["k"]) is int and t.value == t.params["k"] for t in study.trials)


@pytest.mark.parametrize(
    "call",
    [
        "tune.uniform(-1, 4)",
        "tune.loguniform(1e-5, 1e-1)",
        "tune.quniform(0, 10, 3)",
        "tune.quniform(0.0, 1.0, 0.3)",
        "tune.quniform(1, 10, 3)",
        "tune.quniform(0.05, 0.95, 0.2)",
        "tune.int(1, 4)",
        "tune.int(-3, 8)",
        "tune.logint(1, 100)",
        "tune.logint(2, 9)",
        "tune.normal(1.5, 2)",
        "tune.lognormal(0.5, 1)",
        "tune.choice(['a', 'b'])",
        "tune.uniform(0, 1, default=0.25)",
        "tune.int(1, 9, default=7)",
        "tune.choice([1, 2, 3], default=3)",
    ],
)
def test_the_default_in_a_study_is_what_the_cell_gives_outside(call: str):
    space = build(f"v = {call}\n0")
    inside = space.user_params(space.defaults())["v"]
    outside = eval(call, {"tune": tune})
    assert inside == pytest.approx(outside) and type(inside) is type(outside)


def test_a_choice_default_may_name_an_option_by_its_code():
    space = build("m = tune.choice([f(1), f(2), 'x'], default=f(2))\nm", {"f": lambda v: object()})
    assert space.user_params(space.defaults()) == {"m": "f(2)"}
    space = build("m = tune.choice([f(1), 'x'], default='x')\nm", {"f": lambda v: object()})
    assert space.user_params(space.defaults()) == {"m": "x"}


def test_a_default_among_the_options_of_a_numpy_array_is_accepted():
    import numpy as np

    from hpmagic.core.program import parse

    ns = {"opts": np.array([1, 2, 3])}
    space = Space.build(parse("k = tune.choice(opts, default=3)\nk"), ns)
    assert space.describe() == {"k": [1, 2, 3]}
    assert space.user_params(space.defaults()) == {"k": 3}
