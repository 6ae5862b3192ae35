"""The front, ranks and hypervolume against brute force on small random sets (ties included)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hpmagic.core.pareto import contributions, hypervolume, nondominated, order_keys, ranks


def brute_front(points: np.ndarray) -> np.ndarray:
    n = len(points)
    return np.array(
        [
            not any(np.all(points[j] <= points[i]) and np.any(points[j] < points[i]) for j in range(n))
            for i in range(n)
        ],
        dtype=bool,
    )


def brute_volume(points: np.ndarray, size: int) -> int:
    """Unit cells of the grid [0, size)^m dominated by a point (integer points)."""
    m = points.shape[1]
    return sum(
        1
        for cell in itertools.product(range(size), repeat=m)
        if np.any(np.all(points <= np.array(cell), axis=1))
    )


@pytest.mark.parametrize("m", [2, 3, 4])
def test_front_and_volume_match_brute_force_with_ties(m):
    rng = np.random.default_rng(m)
    for _ in range(120):
        points = rng.integers(0, 4, size=(int(rng.integers(1, 10)), m)).astype(float)
        assert (nondominated(points) == brute_front(points)).all(), points
        assert hypervolume(points, np.full(m, 4.0)) == pytest.approx(brute_volume(points, 4)), points


def test_points_beyond_the_reference_add_nothing_and_an_empty_set_has_no_volume():
    assert hypervolume(np.empty((0, 2)), np.array([1.0, 1.0])) == 0.0
    assert hypervolume(np.array([[2.0, 0.0], [0.5, 0.5]]), np.array([1.0, 1.0])) == pytest.approx(0.25)
    assert hypervolume(np.array([[1.0, 0.0]]), np.array([1.0, 1.0])) == 0.0  # on the boundary


def test_ranks_peel_fronts_in_order():
    points = np.array([[0, 3], [1, 1], [3, 0], [2, 2], [3, 3], [4, 4]], dtype=float)
    assert ranks(points).tolist() == [0, 0, 0, 1, 2, 3]
    assert ranks(points, enough=3).tolist() == [0, 0, 0, 1, 1, 1]  # the rest share a rank


def test_contributions_are_what_each_point_alone_adds():
    front = np.array([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]])
    assert contributions(front, np.array([3.0, 3.0])).tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_order_keys_put_every_rank_before_the_next_and_lone_gaps_first():
    rng = np.random.default_rng(0)
    points = rng.random((300, 2))
    keys = order_keys(points)
    rank = ranks(points)
    assert (np.floor(keys) == rank).all()
    front = np.flatnonzero(rank == 0)
    # inside the front, the point adding the most volume comes first
    gains = contributions(points[front], points.max(axis=0) * 1.1)
    assert front[np.argmin(keys[front])] in front[gains == gains.max()]
    # told apart only up to 60 rows: the best 60 by the cheap keys are still the best 60 by rank
    limited = order_keys(points, enough=60)
    assert sorted(rank[np.argsort(limited, kind="stable")[:60]]) == sorted(rank[np.argsort(keys)[:60]])
