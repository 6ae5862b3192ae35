"""Refining a study's space from code: narrow, widen, continue, and the warm start."""

from __future__ import annotations

import math

import pytest

import hpmagic
from hpmagic import Options, SpaceError
from hpmagic.core.space import zoom

QUAD = """
x = tune.uniform(-5, 5)
lr = tune.loguniform(1e-4, 1e-1)
depth = tune.int(1, 20)
kind = tune.choice(["a", "b", "c"])
(x - 1) ** 2 + abs(math.log10(lr) + 2) + depth / 20 + {"a": 0.0, "b": 0.5, "c": 1.0}[kind]
"""

COND = """
model = tune.choice([
    dict(name="svc", C=tune.loguniform(1e-2, 1e2)),
    dict(name="tree", depth=tune.int(2, 16)),
    "dummy",
], name="model")
loss = 1.0
if isinstance(model, dict) and model["name"] == "svc":
    loss = abs(math.log10(model["C"]))
elif isinstance(model, dict):
    loss = model["depth"] / 16
loss
"""


def study(source: str = QUAD, n: int = 20, seed: int = 0) -> hpmagic.Study:
    s = hpmagic.create_study(source, {"math": math}, Options(max_evals=n, seed=seed))
    return s.run().wait(60)


def inside_all(s: hpmagic.Study, trials) -> bool:
    return all(s.is_inside(t) for t in trials)


def test_later_trials_use_the_new_space_and_counts_add_up():
    s = study(n=20)
    assert len(s.trials) == 20
    s.refine(x=(0, 2), lr=(1e-3, 1e-2), depth=(3, 6), kind=["b", "c"])
    assert s.space == {"x": (0.0, 2.0), "lr": (1e-3, 1e-2), "depth": (3, 6), "kind": ["b", "c"]}
    s.run(25).wait(60)
    trials = s.trials
    assert len(trials) == 45 and [t.number for t in trials] == list(range(45))
    assert sum(s.counts().values()) == 45
    later = trials[20:]
    assert inside_all(s, later)
    for t in later:
        p = t.params
        assert 0 <= p["x"] <= 2 and 1e-3 <= p["lr"] <= 1e-2 and 3 <= p["depth"] <= 6
        assert isinstance(p["depth"], int) and p["kind"] in ("b", "c")
    # earlier trials are kept, and those outside are reported as such (asked live)
    assert any(not s.is_inside(t) for t in trials[:20])
    assert trials[:20] == s.trials[:20]


def test_warm_start_uses_only_the_trials_inside():
    s = study(n=25)
    s.refine(x=(-1, 3), kind=["a", "b"])
    inside = [t.number for t in s.trials if s.is_inside(t) and t.state == "complete"]
    outside = [t.number for t in s.trials if not s.is_inside(t)]
    assert inside and outside
    search = s._searcher()
    assert sorted(search.numbers) == sorted(inside)


def test_choice_narrowing_remaps_option_indices():
    s = study(n=30, seed=4)
    s.refine(kind=["b", "c"])
    space = s.search_space
    kind = space.by_key["kind"]
    assert kind.allowed == [1, 2]
    search = s._searcher()
    # a kept trial with option "c" (original index 2) is shown to hyperopt as position 1
    c_trials = [t for t in s.trials if t.params["kind"] == "c"]
    assert c_trials
    assert space.to_hyperopt_vals(c_trials[0].raw)["kind"] == [1]
    # trials with the removed option "a" are not shown to hyperopt at all
    a_numbers = {t.number for t in s.trials if t.params["kind"] == "a"}
    assert a_numbers and not a_numbers & set(search.numbers)
    s.run(30).wait(60)
    later = s.trials[30:]
    assert len(later) == 30
    assert {t.params["kind"] for t in later} <= {"b", "c"}
    assert {t.raw["kind"] for t in later} <= {1, 2}
    assert inside_all(s, later)


def test_tpe_suggestions_after_narrowing_never_leave_the_space():
    s = study(n=30, seed=7)
    s.refine(x=(3.5, 4.0), lr=(0.05, 0.1), depth=(18, 20), kind=["c"])
    s.run(40).wait(120)
    later = s.trials[30:]
    assert len(later) == 40 and all(t.state == "complete" for t in later)
    assert inside_all(s, later)


def test_widening_beyond_the_cells_bounds():
    s = study(n=10)
    s.refine(x=(-50, 50), lr=(1e-6, 1.0), depth=(1, 200))
    assert s.space["x"] == (-50.0, 50.0) and s.space["depth"] == (1, 200)
    s.run(30).wait(60)
    later = s.trials[10:]
    assert inside_all(s, later)
    # all earlier trials lie inside the wider space, so all warm-start TPE
    assert all(s.is_inside(t) for t in s.trials[:10])
    assert any(abs(t.params["x"]) > 5 or t.params["depth"] > 20 for t in later)
    # and narrowing again to the choice's original options is allowed
    s.refine(kind=["a"]).refine(kind=["a", "b", "c"])
    assert s.space["kind"] == ["a", "b", "c"]


def test_conditional_dims_of_removed_options_are_hidden():
    s = study(COND, n=20, seed=1)
    assert set(s.space) == {"model", "C", "depth"}
    svc = s.space["model"][0]
    s.refine(model=[svc])
    assert set(s.space) == {"model", "C"}
    space = s.search_space
    assert not space.reachable(space.by_key["depth"]) and space.reachable(space.by_key["C"])
    s.run(15).wait(60)
    later = s.trials[20:]
    assert all(set(t.params) == {"model", "C"} for t in later)
    assert inside_all(s, later)
    # trials of the removed options stay, marked outside
    assert any(not s.is_inside(t) for t in s.trials[:20])
    assert len(s.trials) == 35


def test_refine_while_running_applies_to_the_trials_started_after():
    slow = "import time\ntime.sleep(0.02)\nx = tune.uniform(0, 10)\nx"
    s = hpmagic.create_study(slow, {}, Options(max_evals=200, seed=0)).run()
    try:
        # wait for some trials, then refine mid-run
        import time

        deadline = time.monotonic() + 30
        while len(s.trials) < 5:
            assert time.monotonic() < deadline, "no trials"
            time.sleep(0.01)
        s.refine(x=(2, 3))
        first_after = s.n_started  # every trial started from here on is inside
        deadline = time.monotonic() + 30
        while len(s.trials) < first_after + 10:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        s.stop().wait(30)
    assert not s.running
    later = [t for t in s.trials if t.number > first_after]
    assert len(later) >= 9 and all(2 <= t.params["x"] <= 3 for t in later)


BAD = [
    ({"nope": (0, 1)}, "no dimension 'nope'"),
    ({"x": (3, 1)}, "greater than high"),
    ({"kind": []}, "keep at least one"),
    ({"x": ("0", "1")}, "numbers"),
    ({"x": "3"}, "numbers"),
    ({"x": ("log", -5, 5)}, "> 0 on a log scale"),
    ({"depth": ("log", 0, 20)}, "> 0 on a log scale"),
    ({"lr": 0.0}, "> 0"),
    ({"x": (0, 1, 2)}, "(low, high)"),
    ({"x": (0, float("nan"))}, "finite"),
    ({"lr": (0, 1e-2)}, "> 0 on a log scale"),
    ({"lr": (-1e-3, 1e-2)}, "> 0 on a log scale"),
    ({"depth": (1.5, 10)}, "must be an integer"),
    ({"kind": ["a", "z"]}, "'z' is not one of its options"),
    ({"kind": "a"}, "as a list"),
    ({"x": (1, 1)}, "empty"),
    # a good entry next to a bad one changes nothing either
    ({"x": (0, 1), "depth": (5, 2)}, "greater than high"),
]


@pytest.mark.parametrize(("ranges", "message"), BAD, ids=[str(r) for r, _ in BAD])
def test_bad_refinements_change_nothing(ranges, message):
    s = study(n=12)
    space_before, json_before = s.space, s.search_space.to_json()
    search_before = s._searcher()
    with pytest.raises(SpaceError) as info:
        s.refine(**ranges)
    assert message in str(info.value)
    assert s.space == space_before and s.search_space.to_json() == json_before
    assert s._searching.current is search_before and len(search_before.numbers) == 12


def test_refinement_keeps_types_people_expect():
    s = hpmagic.create_study("n = tune.quniform(10, 100, 10)\nd = tune.int(1, 9)\nn + d", {}, Options(seed=0))
    s.refine(n=(20.0, 50.0), d=(2.0, 4.0))
    assert s.space == {"n": (20, 50, 10), "d": (2, 4)}
    assert all(isinstance(v, int) for v in s.space["n"] + s.space["d"])
    s.run(10).wait(60)
    assert all(isinstance(t.params["n"], int) and 20 <= t.params["n"] <= 50 for t in s.trials)
    import numpy as np

    s.refine(d=(np.int64(1), np.int64(3)), n=(np.float64(10), 30))
    assert s.space["d"] == (1, 3)


def test_suggest_refinement_zooms_to_the_best_trials():
    s = study(n=40, seed=2)
    ranges = s.suggest_refinement()
    assert set(ranges) <= {"x", "lr", "depth"} and "x" in ranges
    done = sorted((t for t in s.trials if t.state == "complete"), key=lambda t: t.value)
    best = done[: math.ceil(len(done) / 4)]
    lo, hi = ranges["x"]
    assert -5 <= lo <= min(t.params["x"] for t in best) and max(t.params["x"] for t in best) <= hi <= 5
    assert hi - lo < 10
    if "depth" in ranges:
        assert all(isinstance(v, int) for v in ranges["depth"])
    s.refine(**ranges).run(10).wait(60)
    assert inside_all(s, s.trials[40:])
    assert study(n=3).suggest_refinement() == {}


def test_zoom_pads_and_respects_scales():
    s = hpmagic.create_study(
        "a = tune.loguniform(1e-4, 1)\nb = tune.quniform(0, 1, 0.1)\na + b", {}, Options()
    )
    space = s.search_space
    ranges = zoom(space, [{"a": 1e-3, "b": 0.3}, {"a": 1e-2, "b": 0.5}], pad=0.1)
    lo, hi = ranges["a"]
    assert 1e-4 <= lo < 1e-3 and 1e-2 < hi <= 1  # padded on the log axis
    assert lo > 5e-4 and hi < 2e-2
    blo, bhi = ranges["b"]
    assert math.isclose(blo / 0.1, round(blo / 0.1)) and math.isclose(bhi / 0.1, round(bhi / 0.1))
    assert blo <= 0.3 and bhi >= 0.5
    space.refined(ranges)  # always a valid refinement


def test_run_takes_a_positive_count_and_one_run_at_a_time():
    import numpy as np

    s = study(n=3)
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError):
            s.run(bad)
    s.run(np.int64(2)).wait(60)
    assert len(s.trials) == 5
    slow = hpmagic.create_study(
        "import time\ntime.sleep(0.05)\nx = tune.uniform(0, 1)\nx", {}, Options(max_evals=100)
    ).run()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            slow.run(5)
    finally:
        slow.stop().wait(30)
    assert slow.n_target == 100


def test_space_as_shown_is_a_valid_refinement():
    source = "z = tune.normal(0, 1)\nq = tune.quniform(0, 1, 0.25)\n" + QUAD
    s = study(source, n=5)
    before = s.search_space.to_json()
    s.refine(**s.space)
    assert s.search_space.to_json() == before
    s.refine(z={"mu": 1.0, "sigma": 0.5}, q=(0, 0.5, 0.25))
    assert s.space["z"] == {"mu": 1.0, "sigma": 0.5} and s.space["q"] == (0, 0.5, 0.25)
