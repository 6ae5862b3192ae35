"""hpmagic.search.forest: the numpy regression forest behind importance(), and what it keeps out of the kernel."""

from __future__ import annotations

import numpy as np
import pytest

from hpmagic.search.forest import MAX_DEPTH, fit_forest

from ..fresh_process import modules_loaded


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Columns like importance's encoding: numbers in [0, 1], an indicator pair, a conditional with -1."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 5))
    X[:, 2] = (X[:, 2] > 0.5).astype(float)
    X[:, 3] = 1.0 - X[:, 2]
    X[:, 4] = np.where(X[:, 2] > 0, X[:, 4], -1.0)
    y = 3 * X[:, 0] + np.sin(6 * X[:, 1]) + X[:, 2] + 0.5 * np.maximum(X[:, 4], 0)
    return X, y


def _brute_force(forest, background, cols, grid) -> np.ndarray:
    batch = np.repeat(background[None, :, :], len(grid), axis=0)
    batch[:, :, cols] = grid[:, None, :]
    return forest.predict(batch.reshape(-1, background.shape[1])).reshape(len(grid), -1).mean(axis=1)


def test_trees_find_a_step_exactly():
    rng = np.random.default_rng(1)
    X = rng.random((200, 3))
    y = np.where(X[:, 1] > 0.3, 2.0, -1.0)
    forest = fit_forest(X, y, np.random.default_rng(0))
    assert np.allclose(forest.predict(X), y)
    assert np.allclose(forest.predict([[0.5, 0.29, 0.5], [0.5, 0.31, 0.5]]), [-1.0, 2.0])
    assert set(forest.feature[forest.feature >= 0]) == {1}  # nothing else explains anything


def test_trees_follow_a_smooth_function_and_respect_the_depth_cap():
    X, y = _data(400)
    forest = fit_forest(X, y, np.random.default_rng(0))
    residual = forest.predict(X) - y
    assert np.mean(residual**2) < 0.05 * np.var(y)
    assert forest.depth() <= MAX_DEPTH
    shallow = fit_forest(X, y, np.random.default_rng(0), max_depth=3)
    assert shallow.depth() == 3 and len(shallow.value) < len(forest.value)
    splits = forest.feature >= 0
    assert np.array_equal(forest.right[splits], forest.left[splits] + 1)


def test_a_constant_target_gives_single_leaf_trees():
    X, _ = _data(50)
    forest = fit_forest(X, np.full(50, 4.0), np.random.default_rng(0))
    assert np.all(forest.feature == -1) and np.allclose(forest.predict(X), 4.0)


def test_same_seed_same_forest():
    X, y = _data(150)
    a, b = (fit_forest(X, y, np.random.default_rng(7)) for _ in range(2))
    for name in ("feature", "threshold", "left", "value"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    c = fit_forest(X, y, np.random.default_rng(8))
    assert not np.array_equal(a.predict(X), c.predict(X))


@pytest.mark.parametrize(
    ("cols", "grid"),
    [
        ([0], np.linspace(0, 1, 24)[:, None]),  # a number, at grid values
        ([2, 3], np.array([[0.0, 1.0], [1.0, 0.0]])),  # a choice's indicator columns
        ([4], np.array([[-1.0], [0.2], [0.9]])),  # a conditional dimension, inactive included
    ],
)
def test_mean_prediction_equals_predicting_every_combination(cols, grid):
    X, y = _data(300, seed=2)
    forest = fit_forest(X, y, np.random.default_rng(0))
    background = X[:60]
    assert np.allclose(
        forest.mean_prediction(background, cols, grid), _brute_force(forest, background, cols, grid)
    )


def test_mean_prediction_takes_at_most_32_grid_rows():
    X, y = _data(40)
    forest = fit_forest(X, y, np.random.default_rng(0))
    with pytest.raises(ValueError, match="1 to 32 grid rows"):
        forest.mean_prediction(X, [0], np.zeros((33, 1)))


def test_the_importance_panel_loads_no_sklearn():
    code = (
        "import hpmagic\n"
        "from hpmagic.ui import plotdata, plots\n"
        "from hpmagic.search.importance import importance\n"
        "cell = 'x = tune.uniform(0, 1)\\nc = tune.choice([1, 2, 3])\\nx + c'\n"
        "s = hpmagic.create_study(cell, {}, hpmagic.Options(max_evals=30, seed=0, algo='rand'))\n"
        "s.run().wait()\n"
        "done = [t for t in s.trials if t.state == 'complete']\n"
        "shares = importance(s.search_space, [t.raw for t in done], [t.value for t in done])\n"
        "assert plots.importance_png(plotdata.importance_bars(shares))[:4] == b'\\x89PNG'\n"
        "assert sorted(shares) == ['c', 'x'], shares\n"
    )
    assert modules_loaded(code, ("sklearn", "pandas")) == []
