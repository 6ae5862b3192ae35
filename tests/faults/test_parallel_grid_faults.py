"""Parallel grids: every grid point is tried exactly once in any mix of parallel, refine,
resume and several objectives.

A grid search rebuilt while trials run (several objectives rank anew, ``refine()``
during the run, a continued study) must hold back the points still running: handing
them out again tries some points twice and never others.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hpmagic import create_study

from .harness import assert_all_kept, finish, options

GRID = "a = tune.int(0, 2)\nb = tune.choice(['x', 'y', 'z'])\ns = a + len(b) * 0.1\n{'f': s, 'g': -s}\n"


def points(study) -> Counter:
    return Counter((t.params["a"], t.params["b"]) for t in study.trials)


@pytest.mark.parametrize("objectives", [None, "f:min,g:min"], ids=["one", "several"])
def test_a_parallel_grid_tries_each_point_once(tmp_path, objectives):
    cell = GRID if objectives else GRID.replace("{'f': s, 'g': -s}", "s")
    study = create_study(cell, {}, options(tmp_path, algo="grid", parallel=2, objectives=objectives))
    finish(study.run(9))
    assert len(study.trials) == 9 and set(points(study).values()) == {1}, points(study)
    assert_all_kept(study)
    study.close()


def test_refine_during_a_parallel_grid_run_tries_each_point_once(tmp_path):
    cell = "a = tune.int(0, 5)\nb = tune.choice(['x', 'y', 'z'])\nimport time\ntime.sleep(0.05)\n{'f': a, 'g': -a}\n"
    study = create_study(cell, {}, options(tmp_path, algo="grid", parallel=2, objectives="f:min,g:min"))
    study.run(18)
    while len(study.trials) < 3:
        study.ended(0.01)
    study.refine(a=(0, 5))  # the same range: a rebuilt grid, with two trials in flight
    finish(study)
    assert len(study.trials) == 18 and set(points(study).values()) == {1}, points(study)
    again = create_study(cell, {}, options(tmp_path, algo="grid", parallel=2, objectives="f:min,g:min"))
    finish(again.run(4))  # resumed: the grid is through
    assert len(again.trials) == 18 and "grid points" in (again.message or "")
    study.close()
    again.close()
