"""Several objectives: which points no other point beats, how good a front is, and a ranking.

Everything here works on loss vectors (lower is better in every column; a maximised
objective enters negated), as numpy arrays of shape (n, m). A point *dominates*
another when it is no worse in every objective and better in one; the *Pareto
front* is the points nothing dominates. The *hypervolume* of a set is the volume
it dominates up to a reference point: the one number that grows whenever the
front gets better anywhere, so benchmarks compare fronts by it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether losses ``a`` are as good as ``b`` in every objective and better in one."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


def nondominated(losses: np.ndarray) -> np.ndarray:
    """A boolean mask of the rows no other row dominates (equal rows all stay)."""
    losses = np.asarray(losses, dtype=float)
    n = len(losses)
    if n == 0:
        return np.zeros(0, dtype=bool)
    if losses.shape[1] == 2:
        return _nondominated_2d(losses)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        row = losses[i]
        beaten = np.all(row <= losses, axis=1) & np.any(row < losses, axis=1)
        keep &= ~beaten
    return keep


def _nondominated_2d(losses: np.ndarray) -> np.ndarray:
    """O(n log n): sorted by the first loss, a row is on the front when its second loss is the
    least of the rows sharing its first loss and below that of every row with a smaller one."""
    order = np.lexsort((losses[:, 1], losses[:, 0]))
    first, second = losses[order, 0], losses[order, 1]
    starts = np.r_[True, first[1:] != first[:-1]]
    group = np.cumsum(starts) - 1
    group_least = second[starts]  # sorted by the second loss inside each group
    before = np.r_[np.inf, np.minimum.accumulate(group_least)[:-1]]
    keep = np.zeros(len(losses), dtype=bool)
    keep[order] = (second == group_least[group]) & (second < before[group])
    return keep


def ranks(losses: np.ndarray, enough: int | None = None) -> np.ndarray:
    """Non-domination rank of each row: 0 for the front, 1 for the front of the rest, ...

    With ``enough``, peeling stops once that many rows are ranked; the rest share the next rank.
    """
    losses = np.asarray(losses, dtype=float)
    out = np.full(len(losses), -1, dtype=int)
    left = np.arange(len(losses))
    rank = 0
    while len(left):
        if enough is not None and len(losses) - len(left) >= enough:
            out[left] = rank
            break
        mask = nondominated(losses[left])
        out[left[mask]] = rank
        left = left[~mask]
        rank += 1
    return out


def hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """The volume the points dominate up to ``reference`` (points beyond it add nothing)."""
    points = np.asarray(points, dtype=float).reshape(-1, len(reference))
    reference = np.asarray(reference, dtype=float)
    points = points[np.all(points < reference, axis=1)]
    if not len(points):
        return 0.0
    points = points[nondominated(points)]
    return _volume(points, reference)


def _volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume of a non-dominated set inside the reference box, slice by slice."""
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    if points.shape[1] == 2:
        order = np.argsort(points[:, 0])
        xs, ys = points[order, 0], points[order, 1]
        widths = np.append(xs[1:], reference[0]) - xs
        return float(np.sum(widths * (reference[1] - ys)))
    # slice along the last objective: between consecutive levels the dominated region is the
    # (m-1)-dimensional hypervolume of the points at or below that level
    order = np.argsort(points[:, -1])
    points = points[order]
    levels = np.append(points[:, -1], reference[-1])
    total = 0.0
    for k in range(len(points)):
        height = levels[k + 1] - levels[k]
        if height > 0:
            below = points[: k + 1, :-1]
            total += height * _volume(below[nondominated(below)], reference[:-1])
    return total


def contributions(front: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """How much hypervolume each point of a front alone adds (what dropping it would lose)."""
    front = np.asarray(front, dtype=float)
    whole = hypervolume(front, reference)
    out = np.empty(len(front))
    for i in range(len(front)):
        out[i] = whole - hypervolume(np.delete(front, i, axis=0), reference)
    return out


def reference_point(losses: np.ndarray) -> np.ndarray:
    """A reference point just beyond the worst of each objective (10 % of its spread, at least 1e-9)."""
    losses = np.asarray(losses, dtype=float)
    worst, best = losses.max(axis=0), losses.min(axis=0)
    return worst + np.maximum(0.1 * (worst - best), 1e-9 + 1e-9 * np.abs(worst))


def order_keys(losses: np.ndarray, enough: int | None = None) -> np.ndarray:
    """One number per row that sorts the rows as a multi-objective TPE splits them.

    The rank decides first; inside a rank, the row that adds most hypervolume to its
    own front comes first (the rows a split keeps when it must cut through a front).
    Keys are rank + position / size, so a key below k + 1 means rank k. With ``enough``,
    only the best fronts holding that many rows are told apart exactly (a search reads
    only the best few); the rest are ordered by the sum of their losses after them.
    """
    losses = np.asarray(losses, dtype=float)
    keys = np.zeros(len(losses))
    if not len(losses):
        return keys
    rank = ranks(losses, enough)
    reference = reference_point(losses)
    last = rank.max()
    beyond = enough is not None and int((rank < last).sum()) >= enough  # the last rank is the rest
    spread = np.maximum(losses.max(axis=0) - losses.min(axis=0), 1e-12)
    for r in np.unique(rank):
        members = np.flatnonzero(rank == r)
        if len(members) == 1:
            keys[members] = r
            continue
        if (beyond and r == last) or len(members) > (200 if losses.shape[1] == 2 else 40):
            gain = -(losses[members] / spread).sum(axis=1)  # the rest, or a huge front: a cheap order
        else:
            gain = contributions(losses[members], reference)
        position = np.argsort(np.argsort(-gain, kind="stable"), kind="stable")
        keys[members] = r + position / len(members)
    return keys
