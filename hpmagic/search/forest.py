"""A small random forest of regression trees in numpy, for :mod:`hpmagic.importance`.

Why not scikit-learn's: importing its forest puts about 50 MB (and pandas) into
every kernel that shows a dashboard, for one small fit now and then. This one is
what the importance panel needs and no more: least-squares CART trees on
bootstrap samples, every feature tried at every split, at least
:data:`MIN_LEAF` distinct rows per leaf and at most :data:`MAX_DEPTH` levels.

Speed comes from growing a batch of trees together, one level at a time: per
feature, the rows of every open node are kept sorted (by node, then value), so
one cumulative sum per feature scores every split of every node at once. The
trees are flat node arrays; :meth:`Forest.mean_prediction` averages them over a
set of rows with some columns set to each of several values without predicting
every combination. Work arrays are bounded (:data:`ENTRIES`, :data:`WALKS`), so
a fit on 1000 rows needs a few MB at most: the kernel's peak memory counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_TREES = 64
#: distinct rows a leaf keeps at least
MIN_LEAF = 2
#: levels of splits at most: deeper trees cost more and barely change a main effect
MAX_DEPTH = 10
#: grid rows :meth:`Forest.mean_prediction` takes at once (one bit each in a 32-bit mask)
MAX_GRID = 32
#: walks :meth:`Forest.mean_prediction` keeps at once at most (about 20 bytes each)
WALKS = 1 << 16
#: bootstrap rows grown at once: trees are grown a few at a time, so that work arrays stay small
ENTRIES = 1 << 13
#: gains this close (relatively) are equal: each tree then takes the feature it prefers
_EQUAL = 1e-9
#: a drop in squared error below this fraction of the node's sum of squares is rounding, not a split
_NOISE = 1e-10


@dataclass(frozen=True)
class Forest:
    """Regression trees as flat node arrays; tree ``t`` starts at node ``roots[t]``."""

    roots: np.ndarray
    feature: np.ndarray  # the column a node splits on; -1 at a leaf
    threshold: np.ndarray  # a row goes left when its value is <= this
    left: np.ndarray
    right: np.ndarray  # left + 1 at every split (mean_prediction counts on it)
    value: np.ndarray  # the mean target of the node's bootstrap rows

    def depth(self) -> int:
        """The length of the longest path from a root to a leaf."""
        depth, level = 0, self.roots[self.feature[self.roots] >= 0]
        while level.size:
            depth += 1
            level = np.concatenate([self.left[level], self.right[level]])
            level = level[self.feature[level] >= 0]
        return depth

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The trees' mean prediction for each row of ``X``."""
        X = np.asarray(X, dtype=float)
        node = np.repeat(self.roots, len(X))
        row = np.tile(np.arange(len(X)), len(self.roots))
        inner = np.flatnonzero(self.feature[node] >= 0)
        while inner.size:
            at = node[inner]
            goes_left = X[row[inner], self.feature[at]] <= self.threshold[at]
            node[inner] = np.where(goes_left, self.left[at], self.right[at])
            inner = inner[self.feature[node[inner]] >= 0]
        return self.value[node].reshape(len(self.roots), len(X)).mean(axis=0)

    def mean_prediction(self, background: np.ndarray, cols: list[int], grid: np.ndarray) -> np.ndarray:
        """For each row of ``grid``: the mean prediction over ``background`` with ``cols`` set to it.

        The same numbers as predicting all ``len(grid) * len(background)`` rows, at a
        fraction of the cost: each background row walks each tree once, carrying the
        set of grid rows still with it as a bit mask; only a split on one of ``cols``
        can divide that set (into the rows that go left and those that go right).
        """
        n_grid = len(grid)
        if not 0 < n_grid <= MAX_GRID:
            raise ValueError(f"mean_prediction takes 1 to {MAX_GRID} grid rows, not {n_grid}")
        varied, left_rows = self._left_rows(background.shape[1], cols, grid)
        byte_sums = self._walk(background, varied, left_rows, n_grid)
        # grid row 8 i + j gets the sums of the byte values that have bit j set in byte i
        has_bit = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little")
        total = (byte_sums @ has_bit).ravel()[:n_grid]
        return total / (len(self.roots) * len(background))

    def _left_rows(self, n_cols: int, cols: list[int], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which nodes split on one of ``cols``, and at each of them the grid rows that go left, as a bit mask.

        Known before any walk, so a walk there needs one bitwise and, not a comparison per grid row.
        """
        n_grid = len(grid)
        position = np.full(n_cols + 1, -1)  # the extra slot: feature -1 (a leaf)
        position[cols] = np.arange(len(cols))
        varied = position[self.feature] >= 0
        on_cols = np.flatnonzero(varied)
        goes_left = (
            np.asarray(grid, dtype=float)[:, position[self.feature[on_cols]]] <= self.threshold[on_cols]
        )
        packed = np.zeros((len(on_cols), 4), dtype=np.uint8)
        packed[:, : (n_grid + 7) // 8] = np.packbits(goes_left.T, axis=1, bitorder="little")
        left_rows = np.zeros(len(self.feature), dtype=np.uint32)
        left_rows[on_cols] = packed.view("<u4").ravel()
        return varied, left_rows

    def _walk(
        self, background: np.ndarray, varied: np.ndarray, left_rows: np.ndarray, n_grid: int
    ) -> np.ndarray:
        """Walk every background row down every tree, carrying the mask of the ``n_grid`` grid rows with it.

        A node where ``varied`` sends the grid rows in ``left_rows`` left and the others
        right. Returns, per byte of a mask, the sum of the values of the walks that ended
        with each byte value (4 x 256).
        """
        all_rows = np.uint32((1 << n_grid) - 1)
        # a leaf sends everything left, to itself, so every walk takes the same number of steps;
        # a split on cols sends nothing left by the row's value, only by left_rows
        leaf = self.feature < 0
        feature = np.where(leaf, 0, self.feature)
        threshold = np.where(leaf, np.inf, np.where(varied, -np.inf, self.threshold))
        first_child = np.where(leaf, np.arange(len(leaf)), self.left)  # the right child is the next node

        n_cols = background.shape[1]
        flat = np.ascontiguousarray(background, dtype=float).ravel()
        offsets = np.arange(len(background)) * n_cols  # each row's start in flat
        depth = self.depth()
        byte_sums = np.zeros((4, 256))
        # trees a few at a time: a walk may split into one per grid row, and this bounds their number
        chunk = max(1, WALKS // (len(background) * n_grid))
        for begin in range(0, len(self.roots), chunk):
            roots = self.roots[begin : begin + chunk]
            node = np.repeat(roots, len(background))
            at = np.tile(offsets, len(roots))
            mask = np.full(len(node), all_rows, dtype=np.uint32)
            for _ in range(depth):
                by_row = (flat[at + feature[node]] <= threshold[node]) * all_rows
                to_left = mask & (left_rows[node] | by_row)
                to_right = mask ^ to_left
                go_right = to_left == 0
                both = np.flatnonzero(~go_right & (to_right != 0))  # the grid rows part ways here
                node = first_child[node] + go_right
                mask[both] = to_left[both]
                node = np.concatenate([node, node[both] + 1])
                at = np.concatenate([at, at[both]])
                mask = np.concatenate([mask, to_right[both]])
            values = self.value[node]
            for i, byte in enumerate(mask.astype("<u4").view(np.uint8).reshape(-1, 4).T):
                byte_sums[i] += np.bincount(byte, values, 256)
        return byte_sums


def fit_forest(
    X: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    n_trees: int = N_TREES,
    min_leaf: int = MIN_LEAF,
    max_depth: int = MAX_DEPTH,
) -> Forest:
    """Least-squares regression trees, each on a bootstrap sample of the rows of ``X``.

    Deterministic for a given state of ``rng``. A node is split where the sum of
    squared errors drops most (thresholds halfway between observed values), unless
    it is pure, too small for two leaves of ``min_leaf`` distinct rows, or at
    ``max_depth``.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = X.shape
    if n_trees < 1 or n < 1 or len(y) != n:
        raise ValueError(f"fit_forest needs trees, rows and one target per row: {n_trees}, {n}, {len(y)}")
    # each feature's distinct values, and each row's rank among them
    ranks = np.empty((p, n), dtype=np.int64)
    uniques = []
    for f in range(p):
        values, rank = np.unique(X[:, f], return_inverse=True)
        uniques.append(values)
        ranks[f] = rank.ravel()
    distinct = np.concatenate(uniques)
    first = np.concatenate([[0], np.cumsum([len(u) for u in uniques])[:-1]])
    # a few trees at a time: the work arrays stay small (memory comes back, caches hold them)
    chunk = max(1, ENTRIES // n)
    sizes = [min(chunk, n_trees - done) for done in range(0, n_trees, chunk)]
    parts = [_grow(ranks, distinct, first, y, size, rng, min_leaf, max_depth) for size in sizes]
    offsets = np.cumsum([0] + [len(part[0]) for part in parts[:-1]])  # each part's first node
    feature = np.concatenate([part[0] for part in parts])
    left = np.concatenate([np.where(part[0] >= 0, part[2] + off, 0) for part, off in zip(parts, offsets)])
    roots = np.concatenate([np.arange(size) + off for size, off in zip(sizes, offsets)])
    return Forest(
        roots=roots,
        feature=feature,
        threshold=np.concatenate([part[1] for part in parts]),
        left=left,
        right=np.where(feature >= 0, left + 1, 0),
        value=np.concatenate([part[3] for part in parts]),
    )


@dataclass
class _Nodes:
    """The growing trees' flat node arrays, with room for every node they can have."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    value: np.ndarray
    tree: np.ndarray  # the tree each node belongs to
    count: int  # nodes in use

    @classmethod
    def roots(cls, n_trees: int, capacity: int, value: np.ndarray) -> _Nodes:
        """Nodes 0 to n_trees - 1 are the roots, leaves with the given values until they split."""
        nodes = cls(
            feature=np.full(capacity, -1, dtype=np.int64),
            threshold=np.zeros(capacity),
            left=np.zeros(capacity, dtype=np.int64),
            value=np.zeros(capacity),
            tree=np.zeros(capacity, dtype=np.int64),
            count=n_trees,
        )
        nodes.tree[:n_trees] = np.arange(n_trees)
        nodes.value[:n_trees] = value
        return nodes

    def split(self, parents: np.ndarray, feature: np.ndarray, threshold: np.ndarray) -> int:
        """Give each parent two children, numbered in the parents' order; returns the first child."""
        base = self.count
        self.count += 2 * len(parents)
        self.feature[parents] = feature
        self.threshold[parents] = threshold
        self.left[parents] = base + 2 * np.arange(len(parents))  # the right child is the next node
        self.tree[base : self.count] = np.repeat(self.tree[parents], 2)
        return base

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The nodes in use: feature, threshold, left child and value."""
        n = self.count
        return self.feature[:n], self.threshold[:n], self.left[:n], self.value[:n]


@dataclass(frozen=True)
class _Level:
    """A level's open nodes as groups of entries, at the same positions in every row of ``order``.

    Per position: its group (``at``) and the group's totals, so that cumulative
    sums over a whole row give each group's left-of-a-split sums by subtraction.
    """

    size: np.ndarray  # per group: its entries
    start: np.ndarray  # per group: its first position
    at: np.ndarray  # per position: its group
    wg: np.ndarray  # per group: sums of w, w y and w y^2
    sg: np.ndarray
    qg: np.ndarray
    w_before: np.ndarray  # per position: the sums of w and w y in the groups before its own
    s_before: np.ndarray
    w_all: np.ndarray  # per position: its group's sums of w and w y
    s_all: np.ndarray
    too_small: np.ndarray  # per position: a split after it leaves a side with under min_leaf entries


def _level(group: np.ndarray, k: int, m: int, weights: tuple[np.ndarray, ...], min_leaf: int) -> _Level:
    """The layout and sums of ``k`` open groups over ``m`` positions (``group`` is per entry, 0: in a leaf)."""
    w, wy, wyy = weights
    size = np.bincount(group, minlength=k + 1)[1:]
    start = np.cumsum(size) - size  # a group's entries are at [start, start + size) in every row
    at = np.repeat(np.arange(k), size)  # the group of each position
    wg, sg, qg = (np.bincount(group, sums, k + 1)[1:] for sums in (w, wy, wyy))
    n_left = np.arange(1, m + 1) - start[at]
    return _Level(
        size=size,
        start=start,
        at=at,
        wg=wg,
        sg=sg,
        qg=qg,
        w_before=(np.cumsum(wg) - wg)[at],
        s_before=(np.cumsum(sg) - sg)[at],
        w_all=wg[at],
        s_all=sg[at],
        too_small=(n_left < min_leaf) | (size[at] - n_left < min_leaf),
    )


def _best_splits(
    order: np.ndarray, rank: np.ndarray, w: np.ndarray, wy: np.ndarray, level: _Level
) -> tuple[np.ndarray, np.ndarray]:
    """Per feature and group: the best split's score (``-inf`` if none) and its first position."""
    p, m = order.shape
    k = len(level.size)
    positions = np.arange(m)
    gains = np.empty((p, k))
    best_at = np.empty((p, k), dtype=np.int64)
    for f in range(p):
        score = _split_scores(order[f], rank[f], w, wy, level)
        top = np.maximum.reduceat(score, level.start)
        gains[f] = top
        best_at[f] = np.minimum.reduceat(np.where(score == top[level.at], positions, m), level.start)
    return gains, best_at


def _split_scores(
    entries: np.ndarray, rank: np.ndarray, w: np.ndarray, wy: np.ndarray, level: _Level
) -> np.ndarray:
    """Per position in one feature's row: sl^2/wl + sr^2/wr of a split after it, or -inf if not allowed.

    The two sides' squared errors add up to sum(w y^2) minus this, so the largest is the best
    split. In place where it can be: this runs for every feature at every level.
    """
    sorted_rank = rank[entries]
    # left of a split after each position: weights and weighted targets, by cumulative sums
    wl = np.cumsum(w[entries])
    wl -= level.w_before
    sl = np.cumsum(wy[entries])
    sl -= level.s_before
    score = sl * sl
    score /= wl
    sl -= level.s_all
    sl *= sl
    wl -= level.w_all
    with np.errstate(divide="ignore", invalid="ignore"):
        sl /= wl
    score -= sl
    invalid = level.too_small.copy()
    invalid[:-1] |= sorted_rank[:-1] == sorted_rank[1:]  # no threshold between equal values
    score[invalid] = -np.inf
    return score


def _threshold(
    rank: np.ndarray,
    order: np.ndarray,
    distinct: np.ndarray,
    first: np.ndarray,
    fs: np.ndarray,
    ps: np.ndarray,
) -> np.ndarray:
    """Halfway between the values either side of each split position (feature ``fs``, position ``ps``)."""
    lo = distinct[first[fs] + rank[fs, order[fs, ps]]]
    hi = distinct[first[fs] + rank[fs, order[fs, ps + 1]]]
    middle = (lo + hi) / 2
    return np.where(middle < hi, middle, lo)  # halfway, unless that rounds up to hi


def _children(
    group: np.ndarray, order: np.ndarray, level: _Level, splits: np.ndarray, fs: np.ndarray, ps: np.ndarray
) -> np.ndarray:
    """Per entry: 2 * split + went right, + 2, for the entries of a split group; 0 or 1 for the rest.

    In the split feature's row, the entries after the split position go right.
    """
    k, m = len(level.size), order.shape[1]
    positions = np.arange(m)
    split_feature = np.zeros(k, dtype=np.int64)
    split_feature[splits] = fs
    split_at = np.full(k, m)
    split_at[splits] = ps
    goes_right = np.zeros(len(group), dtype=np.int64)
    goes_right[order[split_feature[level.at], positions]] = positions > split_at[level.at]
    slot = np.zeros(k + 1, dtype=np.int64)  # per group + 1: its split + 1, or 0
    slot[splits + 1] = np.arange(1, len(splits) + 1)
    return 2 * slot[group] + goes_right


def _next_order(order: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """The next level's rows: per feature, the open entries by new group, each group still in value order.

    A stable sort by new group keeps the value order; the entries that stay in a leaf go last, and are cut off.
    """
    key = group - 1
    key[group == 0] = n_groups
    key = key.astype(np.uint16 if n_groups < 2**16 else np.int64)  # 16 bits: numpy sorts by radix
    kept = int(np.count_nonzero(group))
    next_order = np.empty((len(order), kept), dtype=np.int64)
    for f in range(len(order)):
        next_order[f] = order[f, np.argsort(key[order[f]], kind="stable")[:kept]]
    return next_order


def _grow(
    ranks: np.ndarray,
    distinct: np.ndarray,
    first: np.ndarray,
    y: np.ndarray,
    n_trees: int,
    rng: np.random.Generator,
    min_leaf: int,
    max_depth: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n_trees`` trees (roots 0 to n_trees - 1), grown level by level: per node its feature,
    threshold, left child and value.

    ``ranks`` are each row's rank among its feature's values ``distinct[first[f]:]``.
    """
    p = len(ranks)
    tree, w, row, order = _bootstrap(ranks, n_trees, rng)
    wy = w * y[row]
    weights = (w, wy, wy * y[row])
    rank = ranks[:, row]  # (feature, entry)
    priority = rng.random((n_trees, p))  # equal gains: each tree prefers its own order of features
    root_value = np.bincount(tree, wy, n_trees) / np.bincount(tree, w, n_trees)
    # a tree has at most (its entries / min_leaf) leaves, so fewer than 2 * entries / min_leaf nodes
    nodes = _Nodes.roots(n_trees, n_trees + 2 * len(tree) // min_leaf, root_value)
    open_nodes = np.arange(n_trees)  # the nodes of this level that may split, in group order
    # each entry's open node as an index into open_nodes, plus 1 (0: the entry is in a leaf)
    group = tree + 1
    for depth in range(max_depth):
        level = _level(group, len(open_nodes), order.shape[1], weights, min_leaf)
        gains, best_at = _best_splits(order, rank, w, wy, level)
        gains -= level.sg * level.sg / level.wg
        best = gains.max(axis=0)
        splits = np.flatnonzero(np.isfinite(best) & (best > _NOISE * level.qg))
        if not splits.size:
            break
        ties = gains[:, splits] >= best[splits] * (1 - _EQUAL)
        fs = np.where(ties, priority[nodes.tree[open_nodes[splits]]].T, np.inf).argmin(axis=0)
        ps = best_at[fs, splits]
        base = nodes.split(open_nodes[splits], fs, _threshold(rank, order, distinct, first, fs, ps))
        child = _children(group, order, level, splits, fs, ps)
        grows = _set_children(nodes, base, child, 2 * len(splits), weights, min_leaf)
        grows &= depth + 1 < max_depth
        n_groups = int(grows.sum())
        if not n_groups:
            break
        # the children that grow are the next level's groups 1, 2, ...; every other entry is now in a leaf (0)
        new_group = np.zeros(len(grows) + 2, dtype=np.int64)
        new_group[2:][grows] = np.arange(1, n_groups + 1)
        group = new_group[child]
        order = _next_order(order, group, n_groups)
        open_nodes = base + np.flatnonzero(grows)
    return nodes.arrays()


def _set_children(
    nodes: _Nodes,
    base: int,
    child: np.ndarray,
    n_children: int,
    weights: tuple[np.ndarray, ...],
    min_leaf: int,
) -> np.ndarray:
    """Set the new children's values; returns which of them may split further.

    A child may split if it can make two leaves of ``min_leaf`` entries and its targets are not all equal.
    """
    cw, cs, cq = (np.bincount(child, sums, n_children + 2)[2:] for sums in weights)
    nodes.value[base : base + n_children] = cs / cw
    return (np.bincount(child, minlength=n_children + 2)[2:] >= 2 * min_leaf) & (
        cq - cs * cs / cw > _NOISE * cq
    )


def _bootstrap(ranks: np.ndarray, n_trees: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Each tree's bootstrap sample, as entries: the (tree, row) pairs it drew, weighted by how often.

    Returns each entry's tree, weight and row, and per feature (a row of ``order``)
    the entries sorted by tree, then by the feature's rank.
    """
    p, n = ranks.shape
    draws = rng.integers(0, n, size=(n_trees, n)) + n * np.arange(n_trees)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_trees * n).reshape(n_trees, n)
    drawn = counts > 0
    entry = np.full((n_trees, n), -1)
    entry[drawn] = np.arange(int(drawn.sum()))
    tree, row = np.nonzero(drawn)
    order = np.empty((p, len(tree)), dtype=np.int64)
    for f in range(p):
        by_rank = entry[:, np.argsort(ranks[f], kind="stable")]
        order[f] = by_rank[by_rank >= 0]
    return tree, counts[tree, row].astype(float), row, order
