"""The search with several objectives: candidates recombine good trials, a front is found.

With several objectives the good trials lie along a front; each candidate takes each
coordinate from its own pick of a good trial, so gains made at one end of the front
reach the others. One objective keeps the joint draws (a trial's coordinates together).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hpmagic import Options, create_study
from hpmagic.core.pareto import hypervolume
from hpmagic.core.program import parse
from hpmagic.core.space import Space
from hpmagic.search.joint_tpe import JointTPE, JointTPESettings, _Mixture
from hpmagic.search.searcher import SearchSettings

PAIR = "x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)\n{'a': x, 'b': y}"


def _draws(recombine: bool) -> np.ndarray:
    """Candidates from two good trials at opposite corners, (0.1, 0.9) and (0.9, 0.1)."""
    model = JointTPE(Space.build(parse(PAIR), {}), recombine=recombine, prior_weight=1e-9)
    good = _Mixture(model, np.array([[0.1, 0.9], [0.9, 0.1]]), n=200)  # narrow kernels
    return good.sample(400, np.random.default_rng(0))


def test_candidates_take_each_coordinate_from_a_good_trial_of_its_own():
    mixed = lambda c: np.abs(c[:, 0] - c[:, 1]) < 0.3  # noqa: E731 - near (0.1, 0.1) or (0.9, 0.9)
    together, recombined = _draws(False), _draws(True)
    assert not mixed(together).any()  # each candidate near one trial, both coordinates
    assert 0.35 < mixed(recombined).mean() < 0.65  # half of them pair coordinates of the two
    near = np.minimum(np.abs(recombined - 0.1), np.abs(recombined - 0.9))
    assert (near < 0.1).all()  # yet every coordinate is near a good trial's


def _model(source: str, options: Options, settings: SearchSettings | None = None) -> JointTPE:
    study = create_study(source, {}, options, search_settings=settings)
    study.run(8).wait(60)
    assert all(t.state == "complete" for t in study.trials)
    return study._searcher().model


def test_several_objectives_recombine_one_objective_does_not_unless_told():
    several = Options(seed=0, objectives="a:min,b:max")
    assert _model(PAIR, several).recombine
    assert not _model(PAIR.replace("{'a': x, 'b': y}", "x - y"), Options(seed=0)).recombine
    off = SearchSettings(joint=replace(JointTPESettings(), recombine=False))
    assert not _model(PAIR, several, off).recombine


#: ZDT1 in 8 dimensions, written out as a cell
ZDT1 = "\n".join(
    [f"x{i} = tune.uniform(0, 1)" for i in range(8)]
    + ["g = 1 + 9 * (" + " + ".join(f"x{i}" for i in range(1, 8)) + ") / 7"]
    + ["{'f1': x0, 'f2': g * (1 - (x0 / g) ** 0.5)}"]
)


def _front_volume(algo: str, seed: int, settings: SearchSettings | None = None) -> float:
    study = create_study(
        ZDT1, {}, Options(seed=seed, algo=algo, objectives="f1:min,f2:min"), search_settings=settings
    )
    study.run(60).wait(120)
    points = np.array([[t.values["f1"], t.values["f2"]] for t in study.trials])
    return hypervolume(points, np.array([1.1, 11.0]))


def test_on_zdt1_the_front_beats_random_search_and_recombining_helps():
    seeds = range(4)
    ours = np.mean([_front_volume("tpe", s) for s in seeds])
    off = SearchSettings(joint=replace(JointTPESettings(), recombine=False))
    joint = np.mean([_front_volume("tpe", s, off) for s in seeds])
    random = np.mean([_front_volume("rand", s) for s in seeds])
    print(ours, joint, random)
    assert ours > joint > random
