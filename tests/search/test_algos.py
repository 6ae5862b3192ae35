"""Every --algo on conditional spaces and normal priors: points inside the space, each group's
model fed only the trials where it was active, annealing that homes in, and hyperopt's own TPE
by name (``--algo hyperopt`` / ``hyperopt-tpe``) with hyperopt's defaults."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpmagic import Options, create_study
from hpmagic.core.options import ALGOS, OptionsError
from hpmagic.core.program import parse
from hpmagic.core.space import Space
from hpmagic.search.hyperopt_driver import HyperoptTPE
from hpmagic.search.joint_tpe import _Axis
from hpmagic.search.sampling import AnnealSearch, RandomSearch
from hpmagic.search.searcher import make_searcher

EVERY_KIND = """
m = tune.choice([
    {'c': tune.loguniform(1e-3, 1e3), 'g': tune.loguniform(1e-4, 1)},
    {'c': tune.loguniform(1e-3, 1e3), 'pen': tune.choice(['l1', 'l2'])},
    {'n': tune.int(10, 200), 'depth': tune.logint(1, 32), 'w': tune.normal(0, 1)},
])
s = tune.lognormal(0, 1)
q = tune.quniform(0, 10, 2)
u = tune.uniform(-1, 1)
0
"""


def build(source: str) -> Space:
    return Space.build(parse(source), {})


def _run(algo: str, space: Space, loss, n: int, seed: int) -> list[tuple[dict, float]]:
    search = make_searcher(algo, space, np.random.default_rng(seed))
    out = []
    for i in range(n):
        raw = search.ask(i)
        assert space.contains(raw), (algo, raw)
        out.append((raw, loss(raw)))
        search.tell(i, raw, out[-1][1])
    return out


@pytest.mark.parametrize("algo", ["tpe", "rand", "anneal", "hyperopt"])
def test_every_point_is_inside_a_conditional_space_with_every_kind(algo: str):
    space = build(EVERY_KIND)
    told = _run(algo, space, lambda raw: float(raw["m"]) + abs(raw["u"]), 60, seed=1)
    assert {raw["m"] for raw, _ in told} == {0, 1, 2}
    for raw, _ in told:
        if raw["m"] == 2:
            assert isinstance(raw["n"], int) and isinstance(raw["depth"], int) and math.isfinite(raw["w"])
        assert raw["s"] > 0 and raw["q"] in (0, 2, 4, 6, 8, 10)


def test_a_group_model_sees_only_the_trials_where_it_was_active():
    space = build(EVERY_KIND)
    search = make_searcher("tpe", space, np.random.default_rng(0))
    told = [search.ask(i) for i in range(30)]
    for i, raw in enumerate(told):
        search.tell(i, raw, 1.0)
    assert len(search.models[None]) == 30
    for option in range(3):
        assert len(search.models[("m", option)]) == sum(raw["m"] == option for raw in told)


def _conditional_loss(raw: dict) -> float:
    """Option 1 holds the optimum (0 at a = 0.7, b = 0.2); option 0 never goes below 0.5."""
    if raw["m"] == 0:
        return 0.5 + (raw["x"] - 0.5) ** 2
    return (raw["a"] - 0.7) ** 2 + (raw["b"] - 0.2) ** 2


CONDITIONAL = (
    "m = tune.choice([{'x': tune.uniform(0, 1)}, {'a': tune.uniform(0, 1), 'b': tune.uniform(0, 1)}])\nm"
)


def test_on_a_conditional_space_the_joint_tpe_beats_random_search():
    space = build(CONDITIONAL)

    def best(algo: str, seed: int) -> float:
        return min(loss for _, loss in _run(algo, space, _conditional_loss, 50, seed))

    ours = np.mean([best("tpe", s) for s in range(8)])
    random = np.mean([best("rand", s) for s in range(8)])
    assert ours < random / 3


def test_annealing_homes_in_on_the_best_trials():
    space = build("x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)\nx")

    def late(algo: str, seed: int) -> float:
        told = _run(algo, space, lambda r: (r["x"] - 0.3) ** 2 + (r["y"] - 0.8) ** 2, 150, seed)
        return float(np.median([loss for _, loss in told[100:]]))

    assert np.mean([late("anneal", s) for s in range(4)]) < np.mean([late("rand", s) for s in range(4)]) / 10


def test_random_search_draws_from_each_prior():
    space = build("x = tune.loguniform(1e-4, 1)\nk = tune.int(1, 4)\nw = tune.normal(2, 3)\nx")
    search = make_searcher("rand", space, np.random.default_rng(0))
    assert isinstance(search, RandomSearch) and isinstance(make_searcher("anneal", space), AnnealSearch)
    draws = [search.ask(i) for i in range(4000)]
    logs = np.log10([d["x"] for d in draws])
    assert abs(np.mean(logs < -2) - 0.5) < 0.04  # log-uniform: half below the log midpoint
    counts = np.bincount([d["k"] for d in draws], minlength=5)[1:]
    assert counts.min() > 0.2 * len(draws)  # both ends get their fair share
    w = np.array([d["w"] for d in draws])
    assert abs(w.mean() - 2) < 0.2 and abs(w.std() - 3) < 0.2


def test_a_normal_sits_on_the_unit_interval_through_its_prior_cdf():
    dim = build("w = tune.lognormal(1, 0.5)\nw").dims[0]
    axis = _Axis.of(dim)
    assert axis.to_unit(math.e) == pytest.approx(0.5)
    for u in (1e-6, 0.1, 0.5, 0.93):
        assert axis.to_unit(axis.from_unit(u)) == pytest.approx(u)
    assert 0 < axis.from_unit(0.0) < axis.from_unit(1.0) < math.inf


@pytest.mark.parametrize("name", ["hyperopt", "hyperopt-tpe"])
def test_algo_hyperopt_is_hyperopts_tpe_with_its_own_defaults(name: str):
    from hyperopt import tpe

    search = make_searcher(name, build(EVERY_KIND), np.random.default_rng(0))
    assert isinstance(search, HyperoptTPE)
    defaults = tpe.suggest.__defaults__
    assert search.settings == {
        "prior_weight": 1.0,
        "n_startup_jobs": 20,
        "n_EI_candidates": 24,
        "gamma": 0.25,
    }
    assert (1.0, 20, 24, 0.25) == defaults[:4]


def test_algo_hyperopt_runs_a_study_on_a_flat_space_through_the_driver():
    study = create_study(
        "x = tune.uniform(-2, 2)\n(x - 1) ** 2",
        {},
        Options(seed=0, max_evals=40, algo="hyperopt"),
    )
    study.run().wait(120)
    assert len(study.trials) == 40 and study.end_reason != "error"
    assert min(t.value for t in study.trials) < 0.01


def test_the_magic_accepts_both_names_and_says_what_they_are():
    from hpmagic.magic import TuneMagics, options_from_args, parse_options

    for name in ("hyperopt", "hyperopt-tpe"):
        assert options_from_args(parse_options(TuneMagics.tune, f"-n 5 --algo {name}")).algo == name
    assert "hyperopt" in ALGOS and "hyperopt-tpe" in ALGOS
    assert "hyperopt" in TuneMagics.tune.__doc__
    with pytest.raises(OptionsError, match="hyperopt"):
        Options(algo="hyperopts").check()


def test_each_options_group_gets_its_start_up_before_the_choice_is_modelled():
    """An easy decoy (option 0, good at once) must not take every trial before option 1 is explored."""
    space = build(CONDITIONAL)
    search = make_searcher("tpe", space, np.random.default_rng(0))
    chosen = []
    for i in range(10):
        raw = search.ask(i)
        chosen.append(raw["m"])
        search.tell(i, raw, -1.0 if raw["m"] == 0 else 1.0)  # option 0 looks far better
    assert chosen.count(0) == 5 and chosen.count(1) == 5
    # a choice with no dimensions under its options is modelled from the start
    flat = build("c = tune.choice(['a', 'b', 'c'])\nx = tune.uniform(0, 1)\nx")
    search = make_searcher("tpe", flat, np.random.default_rng(0))
    for i in range(25):
        raw = search.ask(i)
        search.tell(i, raw, 0.0 if raw["c"] == 2 else 1.0)
    assert sum(search.ask(25 + i)["c"] == 2 for i in range(20)) >= 12
