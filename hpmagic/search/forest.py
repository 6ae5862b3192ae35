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
        all_rows = np.uint32((1 << n_grid) - 1)
        # per node that splits on one of cols: the grid rows that go left there
        position = np.full(background.shape[1] + 1, -1)  # the extra slot: feature -1 (a leaf)
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
        # per byte of a mask: the sum of the values of the walks that ended with each byte value
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
        # grid row 8 i + j gets the sums of the byte values that have bit j set in byte i
        has_bit = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little")
        total = (byte_sums @ has_bit).ravel()[:n_grid]
        return total / (len(self.roots) * len(background))


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
    m = len(tree)
    wy = w * y[row]
    wyy = wy * y[row]
    rank = ranks[:, row]  # (feature, entry)
    priority = rng.random((n_trees, p))  # equal gains: each tree prefers its own order of features

    # a tree has at most (its entries / min_leaf) leaves, so fewer than 2 * entries / min_leaf nodes
    capacity = n_trees + 2 * m // min_leaf
    feature = np.full(capacity, -1, dtype=np.int64)
    threshold = np.zeros(capacity)
    left = np.zeros(capacity, dtype=np.int64)
    value = np.zeros(capacity)
    node_tree = np.zeros(capacity, dtype=np.int64)
    node_tree[:n_trees] = np.arange(n_trees)
    value[:n_trees] = np.bincount(tree, wy, n_trees) / np.bincount(tree, w, n_trees)
    n_nodes = n_trees
    open_nodes = np.arange(n_trees)  # the nodes of this level that may split, in group order
    # each entry's open node as an index into open_nodes, plus 1 (0: the entry is in a leaf)
    group = tree + 1
    for depth in range(max_depth):
        k, m = len(open_nodes), order.shape[1]
        size = np.bincount(group, minlength=k + 1)[1:]
        start = np.cumsum(size) - size  # a group's entries are at [start, start + size) in every row
        at = np.repeat(np.arange(k), size)  # the group of each position
        wg, sg, qg = (np.bincount(group, weights, k + 1)[1:] for weights in (w, wy, wyy))
        w_before, s_before = (np.cumsum(wg) - wg)[at], (np.cumsum(sg) - sg)[at]
        w_all, s_all = wg[at], sg[at]
        n_left = np.arange(1, m + 1) - start[at]
        too_small = (n_left < min_leaf) | (size[at] - n_left < min_leaf)
        positions = np.arange(m)
        # per feature and group: the best split's score and its first position
        gains = np.empty((p, k))
        best_at = np.empty((p, k), dtype=np.int64)
        for f in range(p):
            entries = order[f]
            sorted_rank = rank[f, entries]
            # left of a split after each position: weights and weighted targets, by cumulative sums
            wl = np.cumsum(w[entries])
            wl -= w_before
            sl = np.cumsum(wy[entries])
            sl -= s_before
            # the two sides' squared errors add up to sum(w y^2) - sl^2/wl - sr^2/wr
            score = sl * sl
            score /= wl
            sl -= s_all
            sl *= sl
            wl -= w_all
            with np.errstate(divide="ignore", invalid="ignore"):
                sl /= wl
            score -= sl
            invalid = too_small.copy()
            invalid[:-1] |= sorted_rank[:-1] == sorted_rank[1:]  # no threshold between equal values
            score[invalid] = -np.inf
            top = np.maximum.reduceat(score, start)
            gains[f] = top
            best_at[f] = np.minimum.reduceat(np.where(score == top[at], positions, m), start)
        gains -= sg * sg / wg
        best = gains.max(axis=0)
        splits = np.flatnonzero(np.isfinite(best) & (best > _NOISE * qg))
        if not splits.size:
            break
        ties = gains[:, splits] >= best[splits] * (1 - _EQUAL)
        fs = np.where(ties, priority[node_tree[open_nodes[splits]]].T, np.inf).argmin(axis=0)
        ps = best_at[fs, splits]
        r_left = rank[fs, order[fs, ps]]
        lo, hi = distinct[first[fs] + r_left], distinct[first[fs] + rank[fs, order[fs, ps + 1]]]
        middle = (lo + hi) / 2
        parents = open_nodes[splits]
        base, n_nodes = n_nodes, n_nodes + 2 * len(splits)
        feature[parents] = fs
        threshold[parents] = np.where(middle < hi, middle, lo)  # halfway, unless that rounds up to hi
        left[parents] = base + 2 * np.arange(len(splits))  # the right child is the next node
        node_tree[base:n_nodes] = np.repeat(node_tree[parents], 2)

        # each entry of a split node moves to a child (numbered 2 * split + went right):
        # in the split feature's row, the entries after the split position go right
        split_feature = np.zeros(k, dtype=np.int64)
        split_feature[splits] = fs
        split_at = np.full(k, m)
        split_at[splits] = ps
        goes_right = np.zeros(len(group), dtype=np.int64)
        goes_right[order[split_feature[at], positions]] = positions > split_at[at]
        slot = np.zeros(k + 1, dtype=np.int64)  # per group + 1: its split + 1, or 0
        slot[splits + 1] = np.arange(1, len(splits) + 1)
        child = 2 * slot[group] + goes_right  # + 2; 0 or 1 for the entries that stay where they are
        n_children = 2 * len(splits)
        cw, cs, cq = (np.bincount(child, weights, n_children + 2)[2:] for weights in (w, wy, wyy))
        value[base:n_nodes] = cs / cw
        grows = (
            (np.bincount(child, minlength=n_children + 2)[2:] >= 2 * min_leaf)
            & (cq - cs * cs / cw > _NOISE * cq)
            & (depth + 1 < max_depth)
        )
        n_groups = int(grows.sum())
        if not n_groups:
            break
        new_group = np.zeros(n_children + 2, dtype=np.int64)
        new_group[2:][grows] = np.arange(1, n_groups + 1)
        group = new_group[child]
        # the next level's rows: a stable sort by new group keeps each group in value order;
        # the entries that stay in a leaf go last, and are cut off
        key = group - 1
        key[group == 0] = n_groups
        key = key.astype(np.uint16 if n_groups < 2**16 else np.int64)  # 16 bits: numpy sorts by radix
        kept = int(np.count_nonzero(group))
        next_order = np.empty((p, kept), dtype=np.int64)
        for f in range(p):
            next_order[f] = order[f, np.argsort(key[order[f]], kind="stable")[:kept]]
        order = next_order
        open_nodes = base + np.flatnonzero(grows)
    return feature[:n_nodes], threshold[:n_nodes], left[:n_nodes], value[:n_nodes]


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
