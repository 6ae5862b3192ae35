"""Which dimensions do not matter: how far a forest's main effect moves over a dimension's range.

Importance (:mod:`hpmagic.search.importance`) weighs each dimension by the variation of
its main effect *where the trials lie*; after a search has tuned a dimension its trials
crowd the optimum and its share falls, though moving it would still hurt. Freezing asks
a different question — "does this dimension matter anywhere?" — so here the main
effect (the forest's mean prediction over the trials with that one dimension set to a
value) is taken on an even grid over the whole range the trials span (each option of a
choice), and its *spread* (largest minus smallest) is measured in standard deviations
of the objective over the trials. A dimension the objective does not depend on moves
it by a few hundredths; one that matters, even one already tuned, by a good part of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.space import Space
from .forest import fit_forest
from .importance import MAX_BACKGROUND, MAX_FIT, _encode

GRID = 12  # values of a number's range the main effect is taken at


def spreads(
    space: Space, raws: Sequence[dict[str, Any]], values: Sequence[float], seed: int = 0
) -> dict[str, float]:
    """label → the spread of its main effect over its range, in sds of the objective (labels
    shared by exclusive options: the largest)."""
    rng = np.random.default_rng(seed)
    if len(raws) > MAX_FIT:
        keep = np.sort(rng.choice(len(raws), MAX_FIT, replace=False))
        raws, values = [raws[i] for i in keep], [values[i] for i in keep]
    X, groups = _encode(space, raws)
    y = np.asarray(values, dtype=float)
    out = {d.label: 0.0 for d in space.dims}
    if len(y) < 2 or np.ptp(y) <= 0 or not X.shape[1]:
        return out
    forest = fit_forest(X, (y - y.mean()) / y.std(), rng)
    background = X if len(X) <= MAX_BACKGROUND else X[rng.choice(len(X), MAX_BACKGROUND, replace=False)]
    for dim, cols in zip(space.dims, groups):
        if not cols:
            continue
        grid = np.eye(len(cols)) if dim.is_choice else np.linspace(0.0, 1.0, GRID)[:, None]
        if dim.is_choice and len(cols) == 1:
            grid = np.array([[0.0], [1.0]])
        means = forest.mean_prediction(background, cols, grid)
        out[dim.label] = max(out[dim.label], float(means.max() - means.min()))
    return out
