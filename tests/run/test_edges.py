"""Edge warnings: which dimensions have their best trials at a bound, and how widening moves it."""

from __future__ import annotations

import math

import pytest

import hpmagic
from hpmagic import Options, SpaceError
from hpmagic.core.edges import at_bounds, widened_bound

# the loss falls as n grows and as lr shrinks: the best sit at n's upper and lr's lower bound
EDGE = """
n = tune.int(10, 100)
lr = tune.loguniform(1e-3, 1e-1)
x = tune.uniform(-1, 1)
kind = tune.choice(["a", "b"])
1000 / n + math.log10(lr) + x ** 2 + {"a": 0.0, "b": 0.001}[kind]
"""


def space_of(source: str):
    return hpmagic.create_study(source, {"math": math}, Options()).search_space


def test_the_rule_needs_the_best_and_half_of_the_top_at_the_edge():
    space = space_of(EDGE)
    mid = {"n": 50, "lr": 1e-2, "x": 0.0, "kind": 0}
    # the best at n=100 and 2 of the top 3 in the outer 5 % (95.5..100): flagged
    ranked = [{**mid, "n": 100}, {**mid, "n": 97}, {**mid, "n": 60}] + [mid] * 7
    edges = at_bounds(space, ranked)
    assert [(e.key, e.side, e.bound, e.new_bound, e.new_range) for e in edges] == [
        ("n", "upper", 100, 190, (10, 190))
    ]
    assert edges[0].share == pytest.approx(2 / 3)
    assert "upper bound 100" in edges[0].message() and "190" in edges[0].message()
    # one lucky trial at the bound is not enough
    assert at_bounds(space, [{**mid, "n": 100}, {**mid, "n": 60}, {**mid, "n": 95}] + [mid] * 7) == []
    # nor half of the top when the best is elsewhere
    assert at_bounds(space, [{**mid, "n": 60}, {**mid, "n": 100}, {**mid, "n": 99}] + [mid] * 7) == []
    # fewer than 5 trials: nothing is said
    assert at_bounds(space, [{**mid, "n": 100}] * 4) == []
    # the log axis: 1.1e-3 is within 5 % of the decades from 1e-3, 1.5e-3 is not
    near = [{**mid, "lr": 1.1e-3}, {**mid, "lr": 1e-3}, mid] + [mid] * 7
    (edge,) = at_bounds(space, near)
    assert (edge.key, edge.side, edge.new_range) == ("lr", "lower", (1e-4, 1e-1))
    assert at_bounds(space, [{**mid, "lr": 1.5e-3}] * 10) == []
    # choices are never flagged, whatever the trials say
    assert at_bounds(space, [{**mid, "kind": 0}] * 10) == []


def test_widening_respects_hard_limits():
    space = space_of(
        "a = tune.loguniform(1e-3, 1)\nb = tune.logint(1, 64)\nc = tune.int(1, 8)\n"
        "d = tune.uniform(0.2, 1)\ne = tune.quniform(0, 10, 2.5)\nf = tune.uniform(-4, -1)\n"
        "g = tune.int(-3, 5)\nh = tune.loguniform(1e-320, 1e-300)\ni = tune.loguniform(1, 1e308)\n"
        "a + b + c + d + e + f + g + h + i"
    )
    d = space.by_key
    assert widened_bound(d["a"], "lower") == pytest.approx(1e-4)
    assert widened_bound(d["a"], "upper") == pytest.approx(10)
    assert widened_bound(d["b"], "lower") is None  # a log int stays >= 1
    assert widened_bound(d["b"], "upper") == 640
    assert widened_bound(d["c"], "lower") is None  # a positive count stays >= 1
    assert widened_bound(d["c"], "upper") == 15 and isinstance(widened_bound(d["c"], "upper"), int)
    assert widened_bound(d["d"], "lower") == 0  # by the width, but not across zero
    assert widened_bound(d["d"], "upper") == pytest.approx(1.8)
    assert widened_bound(d["e"], "lower") is None
    assert widened_bound(d["e"], "upper") == 20.0
    assert widened_bound(d["f"], "upper") == 0  # a negative range stays <= 0
    assert widened_bound(d["f"], "lower") == -7
    assert widened_bound(d["g"], "lower") == -11 and widened_bound(d["g"], "upper") == 13
    low = widened_bound(d["h"], "lower")  # near 0 on a log scale: > 0, or nothing
    assert 0 < low < 1e-320  # subnormal, still > 0
    assert widened_bound(d["i"], "upper") is None  # 1e309 is not a finite float
    # every suggestion is a range refine accepts
    for dim in space.dims:
        for side in ("lower", "upper"):
            new = widened_bound(dim, side)
            if new is not None:
                rng = (new, dim.high) if side == "lower" else (dim.low, new)
                space.refined({dim.key: rng})
    with pytest.raises(ValueError, match="side"):
        widened_bound(d["a"], "left")


def test_log_bound_at_the_smallest_float_cannot_widen():
    space = space_of("a = tune.loguniform(5e-324, 1)\na")
    assert widened_bound(space.by_key["a"], "lower") is None


def test_a_study_lists_its_edges_and_widens_then_continues_in_the_wider_range():
    s = hpmagic.create_study(EDGE, {"math": math}, Options(max_evals=40, seed=3)).run().wait(60)
    edges = {(e.key, e.side) for e in s.at_bounds()}
    assert ("n", "upper") in edges and ("lr", "lower") in edges
    assert all(e.key not in ("kind", "x") for e in s.at_bounds())
    ranges = s.suggest_widening()
    assert ranges["n"] == (10, 190) and ranges["lr"] == pytest.approx((1e-4, 1e-1))
    assert s.suggest_widening("n") == {"n": (10, 190)}
    with pytest.raises(SpaceError, match="no dimension 'nope'"):
        s.suggest_widening("nope")
    s.refine(**s.suggest_widening("n")).run(30).wait(60)
    assert s.space["n"] == (10, 190) and s.space["lr"] == (1e-3, 1e-1)
    later = [t.params["n"] for t in s.trials[40:]]
    assert all(10 <= n <= 190 for n in later) and max(later) > 100  # the search went past the old bound


def test_nothing_at_a_bound_when_the_optimum_is_inside():
    s = (
        hpmagic.create_study("x = tune.uniform(-5, 5)\n(x - 1) ** 2", {}, Options(max_evals=40, seed=1))
        .run()
        .wait(60)
    )
    assert s.at_bounds() == [] and s.suggest_widening() == {}
    assert hpmagic.create_study("x = tune.uniform(-5, 5)\nx", {}, Options()).at_bounds() == []


def test_the_ranking_kept_between_calls_follows_new_trials_refines_and_the_direction():
    s = hpmagic.create_study(EDGE, {"math": math}, Options(max_evals=15, seed=5)).run().wait(60)
    ledger = s._ledger

    def brute() -> list:
        space = s.search_space
        done = [t for t in s.trials if t.state == "complete" and space.contains(t.raw)]
        done.sort(key=lambda t: (ledger.loss(t), s.trials.index(t)))
        return [t.raw for t in done]

    assert ledger.ranked(s.search_space) == brute() and len(brute()) == 15
    s.run(10).wait(60)
    assert ledger.ranked(s.search_space) == brute() and len(brute()) == 25
    s.refine(n=(50, 100))
    assert ledger.ranked(s.search_space) == brute() and len(brute()) < 25
    ledger.direction_name = "maximize"  # ranked the other way round
    assert ledger.ranked(s.search_space) == brute() and brute()[0] != brute()[-1]
