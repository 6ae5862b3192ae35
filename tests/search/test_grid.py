"""--algo grid: every combination once, conditional dims under their option, resumable."""

from __future__ import annotations

import math

import pytest

from hpmagic import Options, create_study
from hpmagic.core.options import OptionsError
from hpmagic.core.space import Space
from hpmagic.run.study import Study
from hpmagic.search import grid


def space_of(cell: str) -> Space:
    return create_study(cell, {}, Options()).search_space


def key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def test_values_per_kind():
    s = space_of(
        "a = tune.int(2, 5)\n"
        "b = tune.quniform(0, 10, 2.5)\n"
        "c = tune.uniform(0, 1)\n"
        "d = tune.loguniform(1e-4, 1)\n"
        "e = tune.normal(1, 2)\n"
        "f = tune.lognormal(0, 1)\n"
        "g = tune.logint(1, 8)\n"
        "h = tune.quniform(0, 6, 2)\n"
        "0"
    )
    v = {d.label: grid.values(d) for d in s.dims}
    assert v["a"] == [2, 3, 4, 5]
    assert v["b"] == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert v["c"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert v["d"] == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert v["e"] == [-3.0, -1.0, 1.0, 3.0, 5.0]
    assert v["f"] == pytest.approx([math.exp(k) for k in (-2, -1, 0, 1, 2)])
    assert v["g"] == list(range(1, 9))
    assert v["h"] == [0, 2, 4, 6] and all(type(x) is int for x in v["h"])
    assert grid.size(s) == 4 * 5 * 5 * 5 * 5 * 5 * 8 * 4


CONDITIONAL = """
model = tune.choice(["svc", "tree"])
if model == "svc":
    pass
kind = tune.choice([dict(C=tune.loguniform(0.01, 100)), dict(depth=tune.int(1, 3)), None])
scale = tune.choice([True, False])
0
"""


def test_conditional_grid_enumerates_exactly_the_expected_set():
    s = space_of(CONDITIONAL)
    assert grid.size(s) == 2 * (5 + 3 + 1) * 2
    study = create_study(CONDITIONAL, {}, Options(algo="grid"))
    study.run().wait(timeout=120)
    assert study.n_target == 36 and study.end_reason == "completed"
    got = [t.params for t in study.trials]
    expected = []
    for model in ("svc", "tree"):
        for kind, sub in (
            *((0, {"C": c}) for c in (0.01, 0.1, 1.0, 10.0, 100.0)),
            *((1, {"depth": d}) for d in (1, 2, 3)),
            (2, {}),
        ):
            for scale in (True, False):
                expected.append((model, kind, sub, scale))
    assert len(got) == len(expected) == 36
    assert len({key(p) for p in got}) == 36
    for params, (model, _kind, sub, scale) in zip(got, expected):
        assert params["model"] == model and params["scale"] is scale
        assert set(params) == {"model", "kind", "scale", *sub}
        for label, value in sub.items():
            assert params[label] == pytest.approx(value)
    assert [t.number for t in study.trials] == list(range(36))


def test_grid_order_is_deterministic():
    runs = []
    for seed in (1, 2):
        study = create_study(CONDITIONAL, {}, Options(algo="grid", seed=seed, max_evals=10))
        study.run().wait(timeout=60)
        runs.append([key(t.params) for t in study.trials])
    assert runs[0] == runs[1] and len(runs[0]) == 10


def test_n_caps_the_grid_and_a_bigger_n_ends_when_it_is_exhausted():
    cell = "a = tune.int(1, 3)\nb = tune.choice(['x', 'y'])\na"
    study = create_study(cell, {}, Options(algo="grid", max_evals=4))
    study.run().wait(timeout=60)
    assert len(study.trials) == 4
    study = create_study(cell, {}, Options(algo="grid", max_evals=50))
    study.run().wait(timeout=60)
    assert len(study.trials) == 6 and study.end_reason == "completed"
    assert "all 6 grid points" in study.message
    assert study.best_params == {"a": 1, "b": "x"}


def test_a_continued_grid_study_does_not_repeat_points():
    cell = "a = tune.int(1, 4)\nb = tune.uniform(0, 1)\na + b"
    first = create_study(cell, {}, Options(algo="grid", max_evals=7))
    first.run().wait(timeout=60)
    again = Study(first.program, {}, Options(algo="grid"), history=first.trials)
    again.run().wait(timeout=60)
    assert again.n_target == 13  # the default -n is what is left of the grid
    params = [key(t.params) for t in again.trials]
    assert len(params) == 20 == len(set(params))
    # run() once more: nothing is left, the run says so and adds nothing
    again.run().wait(timeout=60)
    assert len(again.trials) == 20 and "grid points have been tried" in again.message
    # the study's own run() continues the grid too
    first.run(5).wait(timeout=60)
    assert len({key(t.params) for t in first.trials}) == 12


def test_refine_regrids_the_narrowed_space_without_repeats():
    cell = "a = tune.int(1, 6)\na"
    study = create_study(cell, {}, Options(algo="grid", max_evals=3))
    study.run().wait(timeout=60)
    study.refine(a=(2, 5))
    study.run().wait(timeout=60)
    assert [t.params["a"] for t in study.trials] == [1, 2, 3, 4, 5]


def test_a_grid_over_the_limit_needs_n():
    cell = "a = tune.int(0, 999)\nb = tune.int(0, 999)\na + b"
    with pytest.raises(OptionsError, match=r"1,000,000 points.*-n"):
        create_study(cell, {}, Options(algo="grid"))
    study = create_study(cell, {}, Options(algo="grid", max_evals=3))
    study.run().wait(timeout=60)
    assert [t.params for t in study.trials] == [{"a": 0, "b": 0}, {"a": 0, "b": 1}, {"a": 0, "b": 2}]


def test_grid_with_pruning_early_stop_and_timeout():
    cell = (
        "a = tune.int(0, 9)\nb = tune.choice(['ok', 'bad'])\n"
        "for epoch in range(5):\n"
        "    tune.report((a + (100 if b == 'bad' else 0)) * 1.0 + 5 - epoch, step=epoch)\n"
        "a + (100 if b == 'bad' else 0)"
    )
    study = create_study(cell, {}, Options(algo="grid", prune="median"))
    study.run().wait(timeout=60)
    assert len(study.trials) == 20 and study.counts()["pruned"] > 0
    assert study.best_params == {"a": 0, "b": "ok"}
    study = create_study(cell, {}, Options(algo="grid", early_stop=3))
    study.run().wait(timeout=60)
    assert study.end_reason == "early-stop" and len(study.trials) == 4
    slow = "a = tune.int(0, 99999)\nsum(range(20000)) * 0 + a"
    study = create_study(slow, {}, Options(algo="grid", timeout=0.5))
    study.run().wait(timeout=60)
    assert study.end_reason == "timeout" and 0 < len(study.trials) < 100000
