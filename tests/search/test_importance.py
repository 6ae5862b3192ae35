"""importance(): which labels explain the objective, from a study's complete trials."""

from __future__ import annotations

import time

import numpy as np
import pytest

from hpmagic import Options, create_study
from hpmagic.search.importance import MIN_TRIALS, ImportanceError, importance


def test_a_driving_dimension_outranks_a_noise_one():
    cell = "x = tune.uniform(-2, 2)\nnoise = tune.uniform(0, 1)\nlr = tune.loguniform(1e-4, 1)\nx ** 2 + 0.01 * noise"
    study = create_study(cell, {}, Options(max_evals=40, seed=0, algo="rand"))
    study.run().wait(timeout=120)
    shares = study.importance()
    assert set(shares) == {"x", "noise", "lr"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(v >= 0 for v in shares.values())
    assert shares["x"] > 0.8 and shares["x"] > 5 * max(shares["noise"], shares["lr"])
    assert study.importance() == shares  # deterministic


def test_choices_and_conditional_dimensions():
    cell = (
        "model = tune.choice([dict(C=tune.loguniform(0.01, 100)), dict(depth=tune.int(1, 8)), 'none'])\n"
        "scale = tune.choice([True, False])\n"
        "jitter = tune.uniform(0, 1)\n"
        "loss = 10.0 if model == 'none' else (1.0 if 'C' in model else 2.0 + 0.01 * model['depth'])\n"
        "loss + 0.001 * jitter"
    )
    study = create_study(cell, {}, Options(max_evals=40, seed=1, algo="rand"))
    study.run().wait(timeout=120)
    shares = study.importance()
    assert set(shares) == {"model", "C", "depth", "scale", "jitter"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert max(shares, key=shares.get) == "model"
    assert shares["model"] > shares["scale"] and shares["model"] > shares["jitter"]


def test_too_few_trials_is_a_clear_error():
    study = create_study("x = tune.uniform(0, 1)\nx", {}, Options(max_evals=3))
    study.run().wait(timeout=60)
    with pytest.raises(ImportanceError, match=f"at least {MIN_TRIALS} complete trials; the study has 3"):
        study.importance()


def test_failed_and_pruned_trials_are_left_out():
    cell = (
        "x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)\n"
        "if x > 0.8:\n    raise ValueError('no')\n"
        "for i in range(3):\n    tune.report(x + i, step=i)\n"
        "x"
    )
    study = create_study(cell, {}, Options(max_evals=50, seed=3, algo="rand", prune="median"))
    study.run().wait(timeout=60)
    counts = study.counts()
    assert counts["failed"] > 0 and counts["complete"] >= MIN_TRIALS
    shares = study.importance()
    assert shares["x"] > shares["y"]


def test_a_flat_objective_gives_equal_shares():
    study = create_study(
        "a = tune.uniform(0, 1)\nb = tune.choice([1, 2])\n0.5", {}, Options(max_evals=12, seed=0)
    )
    study.run().wait(timeout=60)
    assert study.importance() == {"a": 0.5, "b": 0.5}


def test_fast_enough_for_a_dashboard_refresh():
    cell = "\n".join(f"x{i} = tune.uniform(0, 1)" for i in range(10)) + "\nx0"
    space = create_study(cell, {}, Options()).search_space
    rng = np.random.default_rng(0)
    raws = [{f"x{i}": float(rng.random()) for i in range(10)} for _ in range(300)]
    values = [r["x0"] * 3 + r["x1"] for r in raws]
    started = time.perf_counter()
    shares = importance(space, raws, values)
    elapsed = time.perf_counter() - started
    assert sorted(shares, key=shares.get)[-2:] == ["x1", "x0"]
    assert elapsed < 5.0, elapsed  # about 0.3 s on a quiet core
