"""The advisor: switching a dimension's scale and freezing one by refine, study.advice(), and
--stop-when-done, on real studies."""

from __future__ import annotations

import math
import random

import pytest

import hpmagic
from hpmagic import Options, SpaceError
from hpmagic.core import advice as rules
from hpmagic.core.options import OptionsError
from hpmagic.run.report import text_summary
from hpmagic.search.regret import estimate

# good C near 0.01 in a linear range of four decades; g and k do not matter
CROWDED = """
C = tune.uniform(0.001, 10)
g = tune.uniform(0, 1)
k = tune.choice(["a", "b"])
(math.log10(C) + 2) ** 2
"""


def study(source: str = CROWDED, n: int = 40, seed: int = 0, **options) -> hpmagic.Study:
    s = hpmagic.create_study(
        source, {"math": math, "random": random}, Options(max_evals=n, seed=seed, **options)
    )
    return s.run().wait(60)


def test_refine_switches_a_scale_and_later_trials_follow_it():
    s = hpmagic.create_study("C = tune.uniform(0.001, 10)\nn = tune.int(1, 1000)\nC + n", {}, Options(seed=1))
    s.refine(C=("log", 0.001, 10), n=("log",))
    dims = s.search_space.by_key
    assert (dims["C"].kind, dims["n"].kind) == ("loguniform", "logint")
    assert s.space == {"C": (0.001, 10), "n": (1, 1000)}
    s.run(30).wait(60)
    below = [t for t in s.trials if t.params["C"] < 0.01]
    assert len(below) >= 3  # a quarter of a log range, a thousandth of the linear one
    assert all(isinstance(t.params["n"], int) for t in s.trials)
    code = s.code(ranges=True)
    assert "C = tune.loguniform(0.001, 10)" in code and "n = tune.logint(1, 1000)" in code
    s.refine(C=("linear",))
    assert s.search_space.by_key["C"].kind == "uniform"


def test_a_scale_switch_needs_a_positive_range_and_a_kind_that_has_two_scales():
    s = hpmagic.create_study("q = tune.quniform(0, 10, 2)\nm = tune.normal(0, 1)\nq + m", {}, Options())
    for ranges, message in (({"q": ("log", 1, 10)}, "change scale"), ({"m": ("log",)}, "change scale")):
        with pytest.raises(SpaceError, match=message):
            s.refine(**ranges)
    assert s.search_space.by_key["q"].kind == "quniform"


@pytest.mark.parametrize("algo", ["tpe", "rand", "anneal", "hyperopt", "grid"])
def test_a_frozen_dimension_keeps_its_value_in_every_search(algo):
    cell = "x = tune.uniform(-5, 5)\nlr = tune.loguniform(1e-4, 1e-1)\n(x - 1) ** 2 + lr"
    s = hpmagic.create_study(cell, {}, Options(seed=0, algo=algo))
    s.refine(lr=0.003)
    assert s.space["lr"] == 0.003
    s.run(8).wait(60)
    # the grid has 5 points left: x's five values, lr's one
    assert [t.params["lr"] for t in s.trials] == [0.003] * (5 if algo == "grid" else 8)
    assert "lr = 0.003" in s.code() and "lr = 0.003" in s.code(ranges=True)
    s.refine(lr=(1e-4, 1e-1))  # and back to a range
    assert s.space["lr"] == (1e-4, 1e-1)


def test_a_frozen_comment_form_dimension_is_written_as_its_value(tmp_path):
    cell = "x = tune.uniform(-5, 5)\nlr = 0.01  # tune: loguniform(1e-4, 1e-1)\n(x - 1) ** 2 + lr"
    s = hpmagic.create_study(cell, {}, Options(seed=0, store=str(tmp_path / "s.db"), name="frozen"))
    s.refine(lr=0.002, x=("linear", -2, 2))
    s.run(4).wait(60)
    ranges = s.code(ranges=True)
    assert "lr = 0.002\n" in ranges and "tune:" not in ranges
    from hpmagic.storage.store import stored_code

    assert stored_code("frozen", [str(tmp_path / "s.db")], ranges=True).endswith(ranges.split("\n", 1)[1])
    assert stored_code("frozen", [str(tmp_path / "s.db")]) == s.code()


def test_advice_on_a_crowded_linear_range_and_dimensions_that_do_not_matter():
    s = study(n=50)
    found = {(a.kind, a.label): a for a in s.advice()}
    scale = found[("log-scale", "C")]
    assert scale.refine == {"C": ("log", 0.001, 10)} and scale.then == "run"
    assert scale.action == "Log scale & continue"
    assert ("widen", "C") not in found  # the lower bound is not the answer: a log scale is
    freezes = {label for kind, label in found if kind == "freeze"}
    assert freezes and freezes <= {"g", "k"}
    for label in freezes:
        a = found[("freeze", label)]
        best = s.best_params[label]
        assert a.refine == {label: [best] if label == "k" else best}
    text = text_summary(s)
    assert "advice: log-scale C:" in text
    # following the advice is a refine and a run
    s.refine(**scale.refine)
    for label in freezes:
        s.refine(**found[("freeze", label)].refine)
    s.run(10).wait(60)
    assert all(t.params["g"] == s.best_params["g"] for t in s.trials[-10:]) or "g" not in freezes
    assert all(a.kind != "log-scale" for a in s.advice())


def test_no_advice_where_the_range_is_right_and_every_dimension_matters():
    cell = "C = tune.uniform(0.001, 10)\ng = tune.uniform(0, 1)\n(C - 6) ** 2 + 100 * (g - 0.3) ** 2"
    s = study(cell, n=50)
    kinds = [a.kind for a in s.advice()]
    assert "log-scale" not in kinds and "freeze" not in kinds


def test_freeze_waits_for_enough_trials():
    s = study(n=20)
    assert all(a.kind != "freeze" for a in s.advice())
    assert rules.freeze_min_trials(s.search_space) == 45  # 15 per label


def test_the_regret_bound_falls_below_the_noise_of_a_noisy_objective():
    rng = random.Random(0)
    cell = "x = tune.uniform(-1, 1)\nx"  # any space: the points are made here
    space = hpmagic.create_study(cell, {}, Options()).search_space
    raws = [{"x": rng.uniform(-1, 1)} for _ in range(80)]
    noisy = [r["x"] ** 2 * 0.01 + rng.gauss(0, 0.5) for r in raws]  # all noise, nothing to gain
    found = estimate(space, raws, noisy)
    assert found is not None and found.done and 0.1 < found.noise < 1.0
    clean = [(r["x"] - 0.3) ** 2 for r in raws[:25]]  # a smooth objective with much left
    found = estimate(space, raws[:25], clean)
    assert found is not None and not found.done
    assert estimate(space, raws[:10], clean[:10]) is None


def test_stop_when_done_ends_a_run_on_pure_noise():
    s = study("x = tune.uniform(-1, 1)\nrandom.gauss(0, 1) + 0.001 * x", n=200, stop_when_done=True)
    assert s.end_reason == "done" and len(s.trials) < 200
    assert "unlikely to beat the best" in s.message
    assert any(a.kind == "done" and a.then == "stop" for a in s.advice())
    assert "--stop-when-done" in s.code(ranges=True)
    with pytest.raises(OptionsError, match="one objective"):
        Options(stop_when_done=True, objectives="a:min,b:min").check()


def test_a_frozen_dimension_leaves_the_search_and_earlier_trials_still_teach_it():
    cell = "x = tune.uniform(-5, 5)\nz = tune.uniform(-5, 5)\n(x - 1) ** 2"
    s = hpmagic.create_study(cell, {}, Options(seed=0))
    s.run(30).wait(60)
    s.refine(z=0.25)
    searcher = s._searcher()
    assert type(searcher).__name__ == "FrozenSearch"
    assert len(searcher.numbers) == 30  # every earlier trial, as if run at z = 0.25
    assert [d.key for d in searcher.inner.space.dims] == ["x"]
    s.run(5).wait(60)
    assert [t.params["z"] for t in s.trials[30:]] == [0.25] * 5


def test_a_dimension_the_objective_does_not_depend_on_gets_a_flat_length_scale():
    from hpmagic.search.relevance import FLAT, length_scales

    rng = random.Random(1)
    space = hpmagic.create_study(
        "x = tune.uniform(0, 1)\nz = tune.uniform(0, 1)\nx", {}, Options()
    ).search_space
    raws = [{"x": rng.random(), "z": rng.random()} for _ in range(60)]
    found = length_scales(space, raws, [(r["x"] - 0.3) ** 2 for r in raws])
    assert found["z"] == FLAT and found["x"] < 5
