"""Objectives with plateaus (error counts): tied trials take turns as the good ones."""

from __future__ import annotations

import numpy as np

from hpmagic import Options, create_study, tune
from hpmagic.search.joint_tpe import _shuffle_tied_edge


def test_the_search_moves_over_a_plateau_instead_of_refining_its_first_points():
    # every x below 0.5 ties at the best value: the search should keep visiting all of it, not
    # only the neighbourhood of the first few tied trials (which the old order pinned as good)
    for seed in range(3):
        study = create_study(
            "1.0 if tune.uniform(0.0, 1.0, name='x') < 0.5 else 2.0", {"tune": tune}, Options(seed=seed)
        )
        study.run(80).wait()
        late = [t.params["x"] for t in study.trials[30:] if t.params["x"] < 0.5]
        assert len({int(x * 20) for x in late}) == 10, seed  # every twentieth of the plateau


def test_ties_are_shuffled_only_across_the_edge_of_the_good_ones():
    losses = np.array([3.0, 1.0, 2.0, 1.0, 1.0, 0.5, 1.0])
    order = np.argsort(losses, kind="stable")
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    untied = np.argsort(np.array([3.0, 1.0, 2.0, 0.7]), kind="stable")
    kept = untied.copy()
    _shuffle_tied_edge(untied, np.array([3.0, 1.0, 2.0, 0.7]), 2, rng)
    assert (untied == kept).all() and rng.bit_generator.state == before  # no tie: no draw at all
    seen = set()
    for _ in range(60):
        o = order.copy()
        _shuffle_tied_edge(o, losses, 3, rng)
        assert o[0] == 5 and sorted(o[1:5]) == [1, 3, 4, 6] and list(o[5:]) == [2, 0]
        seen.update(o[1:3])
    assert seen == {1, 3, 4, 6}  # each tied trial counted among the good ones at some ask
