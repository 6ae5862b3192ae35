"""Odd but legal input: numbers that are not Python's, options equal but not the same, extreme ranges.

Each test is what a user may well type: a trial number read from ``to_dataframe()`` (a
numpy integer), ``1.0`` for the option ``1.0`` next to ``1`` and ``True``, a range as wide
as a float allows, a grid of two billion points capped by ``-n``. The study either does
what was asked or refuses in one line naming the label; never an internal error.
"""

from __future__ import annotations

import fractions
import json
import math
import numbers

import numpy as np
import pandas as pd
import pytest

from hpmagic import Options, SpaceError, create_study
from hpmagic.core.options import OptionsError

from .harness import assert_all_kept, finish, options

ALGOS = ["tpe", "rand", "anneal", "grid", "hyperopt"]
CHOICE = "x = tune.uniform(0, 1)\nk = tune.choice(['sqrt', 1, 1.0, True])\nx\n"


class Seven(numbers.Integral):
    """An integer type of a user's own: only what ``numbers.Integral`` promises."""

    def __init__(self, v: int = 7) -> None:
        self.v = v

    def __int__(self) -> int:
        return self.v

    def __index__(self) -> int:
        return self.v

    def __repr__(self) -> str:
        return f"Seven({self.v})"

    def __eq__(self, other):
        return int(self) == other

    def __hash__(self):
        return hash(self.v)

    def __lt__(self, other):
        return int(self) < other

    def __le__(self, other):
        return int(self) <= other

    def __float__(self) -> float:
        return float(self.v)

    def __bool__(self) -> bool:
        return bool(self.v)

    def __trunc__(self):
        return self.v

    __floor__ = __ceil__ = __trunc__

    def __round__(self, ndigits=None):
        return self.v

    def __abs__(self):
        return abs(self.v)

    def __neg__(self):
        return -self.v

    def __pos__(self):
        return self.v

    def __invert__(self):
        return ~self.v

    def _two(op):  # noqa: N805 - builds the arithmetic of the class
        return lambda self, other: op(self.v, int(other))

    __add__ = __radd__ = _two(lambda a, b: a + b)
    __sub__ = _two(lambda a, b: a - b)
    __rsub__ = _two(lambda a, b: b - a)
    __mul__ = __rmul__ = _two(lambda a, b: a * b)
    __truediv__ = _two(lambda a, b: a / b)
    __rtruediv__ = _two(lambda a, b: b / a)
    __floordiv__ = _two(lambda a, b: a // b)
    __rfloordiv__ = _two(lambda a, b: b // a)
    __mod__ = _two(lambda a, b: a % b)
    __rmod__ = _two(lambda a, b: b % a)
    __pow__ = _two(lambda a, b: a**b)
    __rpow__ = _two(lambda a, b: b**a)
    __and__ = __rand__ = _two(lambda a, b: a & b)
    __or__ = __ror__ = _two(lambda a, b: a | b)
    __xor__ = __rxor__ = _two(lambda a, b: a ^ b)
    __lshift__ = _two(lambda a, b: a << b)
    __rlshift__ = _two(lambda a, b: b << a)
    __rshift__ = _two(lambda a, b: a >> b)
    __rrshift__ = _two(lambda a, b: b >> a)


def ran(cell: str, n: int = 6, namespace: dict | None = None, **kw):
    kw.setdefault("algo", "rand")
    kw.setdefault("seed", 0)
    return finish(create_study(cell, dict(namespace or {}), Options(**kw)).run(n))


# -- 1. numbers that are not Python's ------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [np.int64(2), np.int32(2), np.uint8(2), Seven(2), "frame"],
    ids=["int64", "int32", "uint8", "Integral", "from-dataframe"],
)
def test_a_trial_number_of_any_integer_type_picks_that_trial(number):
    study = ran("x = tune.uniform(0, 1)\nx\n", n=4)
    if number == "frame":
        number = study.to_dataframe()["number"].iloc[2]
    assert study.trial(number).number == 2
    expected = study.trial(2).params["x"]
    assert repr(expected) in study.code(trial=number)
    assert study.apply(trial=number) == expected


@pytest.mark.parametrize("bad", [True, 2.0, "2", None.__class__])
def test_a_trial_number_that_is_no_integer_is_one_clear_error(bad):
    study = ran("x = tune.uniform(0, 1)\nx\n", n=3)
    with pytest.raises((TypeError, ValueError)) as err:
        study.code(trial=bad)
    assert "\n" not in str(err.value) and "trial" in str(err.value)
    with pytest.raises((TypeError, ValueError)):
        study.trial(bad)


def test_numpy_and_fraction_values_in_every_entry_point(tmp_path):
    cell = "x = tune.uniform(lo, hi)\nn = tune.int(1, top)\nk = tune.choice(['a', 'b'])\nx + n\n"
    ns = {"lo": fractions.Fraction(1, 4), "hi": np.float32(2.5), "top": np.int64(9)}
    opts = options(
        tmp_path,
        max_evals=np.int64(5),
        seed=np.uint32(7),
        timeout=np.float64(120),
        early_stop=np.int16(50),
        parallel=np.int64(1),
    )
    study = create_study(cell, ns, opts)
    assert study.space["x"] == (0.25, 2.5) and study.space["n"] == (1, 9)
    study.enqueue({"x": np.float32(0.5), "n": np.int16(3), "k": np.str_("b")})
    study.enqueue({"x": fractions.Fraction(3, 2), "n": Seven(4)})
    assert study.queued[0] == {"x": 0.5, "n": 3, "k": "b"}
    assert type(study.queued[1]["n"]) is int
    finish(study.run())
    assert len(study.trials) == 5 and study.ended(np.float64(1.0))
    finish(study.run(np.int64(3)))
    assert len(study.trials) == 8
    study.refine(x=(np.float32(0.5), fractions.Fraction(2)), n=(np.int64(2), Seven(8)))
    assert study.space["x"] == (0.5, 2.0) and study.space["n"] == (2, 8)
    assert isinstance(study.suggest_refinement(np.float64(0.5), np.float32(0.1)), dict)
    assert study.wait(np.float32(1.0)) is study
    stored = json.loads(
        __import__("sqlite3")
        .connect(str(tmp_path / "faults.db"))
        .execute("select options from studies")
        .fetchone()[0]
    )
    assert stored["max_evals"] == 5 and stored["seed"] == 7
    assert_all_kept(study)


def test_numpy_bools_and_numbers_in_enqueue_match_their_python_options():
    study = create_study("k = tune.choice([False, True, 0, 1])\nint(k)\n", {}, Options(algo="rand"))
    study.enqueue({"k": np.bool_(True)}).enqueue({"k": np.int64(0)}).enqueue({"k": np.float64(1.0)})
    assert [type(q["k"]) for q in study.queued[:2]] == [bool, int]
    assert study.queued[:2] == [{"k": True}, {"k": 0}]
    assert study.queued[2] == {"k": 1} and type(study.queued[2]["k"]) is int  # no 1.0 option: equal one


# -- 2. options equal but not the same --------------------------------------------------------------


@pytest.mark.parametrize(("given", "index"), [(1, 1), (1.0, 2), (True, 3), ("sqrt", 0)])
def test_enqueue_takes_the_option_of_the_same_type(given, index):
    study = create_study(CHOICE, {}, Options(algo="rand"))
    study.enqueue({"k": given})
    value = study.queued[0]["k"]
    assert value == given and type(value) is type(given)
    finish(study.run(1))
    assert study.trials[0].raw["k"] == index
    ran_with = study.trials[0].params["k"]
    assert type(ran_with) is type(given)


def test_refine_code_store_and_resume_keep_equal_options_apart(tmp_path):
    opts = options(tmp_path, name="eq")
    study = create_study(CHOICE, {}, opts)
    for v in ("sqrt", 1, 1.0, True):
        study.enqueue({"k": v})
    finish(study.run(4))
    study.refine(k=[1.0, True])
    assert study.space["k"] == [1.0, True] and [type(v) for v in study.space["k"]] == [float, bool]
    for t in study.trials:
        code = study.code(trial=t.number)
        assert f"k = {t.params['k']!r}" in code
    # the same cell with its options in another order: each trial keeps the option it ran
    reordered = "x = tune.uniform(0, 1)\nk = tune.choice([True, 1.0, 1, 'sqrt'])\nx\n"
    again = create_study(reordered, {}, opts)
    kinds = {t.number: (t.params["k"], type(t.params["k"])) for t in again.trials}
    assert kinds == {0: ("sqrt", str), 1: (1, int), 2: (1.0, float), 3: (True, bool)}
    for t in again.trials:
        shown = again.search_space.user_params(t.raw)["k"]
        assert type(shown) is type(t.params["k"]) and shown == t.params["k"]
        assert f"k = {t.params['k']!r}" in again.code(trial=t.number)


def test_a_reordered_equal_option_is_a_changed_space_not_the_same_one(tmp_path):
    opts = options(tmp_path, name="swap")
    finish(create_study("k = tune.choice([1, 1.0])\nfloat(k)\n", {}, opts).run(2))
    again = create_study("k = tune.choice([1.0, 1])\nfloat(k)\n", {}, opts)
    assert any("space changed" in n for n in again.notes), again.notes


# -- 3. extreme but legal ranges ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "x = tune.uniform(-1e308, 1e308)\nx\n",
        "x = tune.quniform(-1e308, 1e308, 1e300)\nx\n",
        "x = tune.normal(0, 1e308)\nx\n",
        "x = tune.lognormal(0, 1000)\nx\n",
        "x = tune.lognormal(800, 1)\nx\n",
    ],
    ids=["uniform", "quniform", "normal", "lognormal-sigma", "lognormal-mu"],
)
def test_a_range_too_wide_for_a_float_is_refused_in_one_line(cell):
    with pytest.raises(SpaceError) as err:
        create_study(cell, {}, Options())
    message = str(err.value)
    assert "\n" not in message and "line 1" in message and "x" in message or "tune." in message


@pytest.mark.parametrize("algo", ALGOS)
def test_every_algorithm_gives_finite_values_in_the_widest_ranges_accepted(algo):
    cell = (
        "x = tune.uniform(-1e307, 1e307)\nn = tune.int(-2**62, 2**62)\ns = tune.uniform(0, 5e-324)\n"
        "l = tune.loguniform(5e-324, 1e308)\nx / 1e307 + n / 2**62 + s\n"
    )
    study = ran(cell, n=12, algo=algo, max_evals=12)
    assert len(study.trials) == 12
    for t in study.trials:
        assert t.state == "complete", t.error
        p = t.params
        assert -1e307 <= p["x"] <= 1e307 and type(p["n"]) is int and -(2**62) <= p["n"] <= 2**62
        assert 0 <= p["s"] <= 5e-324 and 5e-324 <= p["l"] <= 1e308


def test_a_huge_grid_is_one_line_without_n_and_runs_its_first_points_with_n(tmp_path):
    cell = "n = tune.int(0, 2**31 - 1)\nq = tune.quniform(0, 1e12, 0.5)\nn + q\n"
    with pytest.raises(OptionsError) as err:
        create_study(cell, {}, Options(algo="grid"))
    assert "\n" not in str(err.value) and "more than" in str(err.value)
    study = ran(cell, n=5, algo="grid", max_evals=5)
    assert [t.state for t in study.trials] == ["complete"] * 5, study.message
    assert len({(t.params["n"], t.params["q"]) for t in study.trials}) == 5
    finish(study.run())  # the next five of them
    assert len({(t.params["n"], t.params["q"]) for t in study.trials}) == 10


@pytest.mark.parametrize(
    ("params", "label"),
    [({"n": 10**400}, "n"), ({"x": 10**400}, "x"), ({"x": -(10**400)}, "x"), ({"n": 2**53 + 1}, "n")],
)
def test_enqueue_of_a_number_beyond_floats_names_the_label(params, label):
    study = create_study("x = tune.uniform(0, 1)\nn = tune.int(0, 10)\nx\n", {}, Options())
    with pytest.raises(SpaceError) as err:
        study.enqueue(params)
    assert "\n" not in str(err.value) and label in str(err.value)


def test_refine_to_numbers_beyond_floats_is_one_line():
    study = create_study("x = tune.uniform(0, 1)\nn = tune.int(0, 10)\nx\n", {}, Options())
    for ranges in ({"n": (0, 10**400)}, {"x": (-1e308, 1e308)}):
        with pytest.raises(SpaceError) as err:
            study.refine(**ranges)
        assert "\n" not in str(err.value)
    assert study.space == {"x": (0, 1), "n": (0, 10)}


@pytest.mark.parametrize(
    "cell",
    [
        "x = tune.uniform(0, 5e-324)\nx\n",
        "x = tune.uniform(1.0, 1.0000000000000002)\nx\n",
        "x = tune.loguniform(5e-324, 1e-323)\nx\n",
        "x = tune.uniform(1e307, 1.7e308)\nx\n",
        "x = tune.quniform(0, 1e-300, 1e-301)\nx\n",
    ],
    ids=["denormal", "one-ulp", "log-denormal", "near-max", "tiny-q"],
)
def test_tiny_and_huge_widths_zoom_widen_and_refine(cell):
    study = ran(cell, n=12, algo="tpe")
    assert all(t.state == "complete" for t in study.trials), [t.error for t in study.trials]
    zoomed = study.suggest_refinement()
    study.refine(**zoomed)
    widened = study.suggest_widening()
    study.refine(**widened)
    finish(study.run(3))
    assert all(t.state == "complete" for t in study.trials[-3:])
    assert all(math.isfinite(t.value) for t in study.trials)


@pytest.mark.parametrize(
    ("low", "high", "side"),
    [
        (-5e307, 5e307, "upper"),
        (-5e307, 5e307, "lower"),
        (1e307, 1.5e308, "upper"),
        (-1.5e308, -1e307, "lower"),
    ],
)
def test_widening_near_a_float_s_limits_proposes_a_range_refine_takes(low, high, side):
    cell = f"x = tune.uniform({low!r}, {high!r})\n{'-x' if side == 'upper' else 'x'}\n"
    study = ran(cell, n=40, algo="tpe")
    edges = [e for e in study.at_bounds() if e.side == side]
    assert edges, study.at_bounds()
    widened = study.suggest_widening()
    assert "x" in widened, edges[0].message()  # there is room up to the largest float
    study.refine(**widened)
    new_low, new_high = study.space["x"]
    assert (new_high > high) if side == "upper" else (new_low < low)
    finish(study.run(3))
    assert all(t.state == "complete" for t in study.trials[-3:])


def test_refine_takes_ranges_and_options_as_numpy_arrays_and_pandas_values():
    study = create_study(CHOICE, {}, Options(algo="rand", seed=0))
    study.refine(x=np.percentile([0.1, 0.2, 0.6], [0, 100]), k=pd.Index(["sqrt", 1.0], dtype=object))
    assert study.space == {"x": (0.1, 0.6), "k": ["sqrt", 1.0]}
    study.refine(x=pd.Series([0.2, 0.5]), k=np.array(["sqrt"]))
    assert study.space == {"x": (0.2, 0.5), "k": ["sqrt"]}
    finish(study.run(3))
    assert all(0.2 <= t.params["x"] <= 0.5 and t.params["k"] == "sqrt" for t in study.trials)


@pytest.mark.parametrize("field", ["max_evals", "seed", "early_stop", "parallel", "timeout"])
def test_an_option_given_as_a_bool_is_one_clear_error(field):
    with pytest.raises(OptionsError) as err:
        Options(**{field: True}).check()
    assert field in str(err.value) and "\n" not in str(err.value)


def test_enqueue_of_a_dimension_inside_an_option_chooses_that_option():
    cell = "m = tune.choice([dict(C=tune.uniform(0, 1)), dict(C=tune.uniform(5, 6), k=tune.int(1, 3))])\nm['C']\n"
    study = create_study(cell, {}, Options(algo="rand"))
    study.enqueue({"C#2": 5.5}).enqueue({"k": 2})
    assert study.queued[0] == {"m": "dict(C=tune.uniform(5, 6), k=tune.int(1, 3))", "C": 5.5, "k": 2}
    assert study.queued[1]["k"] == 2 and study.queued[1]["m"].startswith("dict(C=tune.uniform(5, 6)")
    with pytest.raises(SpaceError, match="not used with the options chosen"):
        study.enqueue({"m": "dict(C=tune.uniform(0, 1))", "k": 2})
    finish(study.run(2))
    assert [t.params.get("k") for t in study.trials] == [2, 2]


@pytest.mark.parametrize("name", ["two\nlines", "tab\there", "bell\x07"])
def test_a_study_name_that_is_not_one_printable_line_is_refused(name):
    with pytest.raises(OptionsError) as err:
        Options(name=name).check()
    assert "--name" in str(err.value) and "\n" not in str(err.value)
    assert Options(name="naïve 🚀 'q' $x_$").check().name == "naïve 🚀 'q' $x_$"


@pytest.mark.parametrize("objective", ["10**400", "{'loss': -(10**400)}"])
def test_an_objective_beyond_floats_fails_its_trial_in_one_clear_line(objective):
    study = ran(f"x = tune.uniform(0, 1)\n{objective}\n", n=2)
    for t in study.trials:
        assert t.state == "failed" and "too large for a float" in t.error and "OverflowError" not in t.error
