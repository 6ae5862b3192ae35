"""``tune.cross_val_score`` and ``tune.cross_validate``: scikit-learn's, reporting each fold.

Outside a trial they are scikit-learn's own functions, called with the same
arguments. Inside a trial the folds come from scikit-learn's own splitter
(``check_cv``) and each is fitted and scored by scikit-learn's ``cross_validate``
on that one split, so a trial's result equals scikit-learn's; after each fold the
score is reported to the study (``--prune folds`` compares it with the best trial's
same fold). A splitter that shuffles without a ``random_state`` gets ``0``, so
every trial of a study sees the same folds.

When the study stops the trial after some folds, the function still returns a
full array: the folds that ran, and for the others an estimate the pruner gives
(the best trial's score there, moved by how far this trial fell behind on the
folds both ran). The cell's own objective is then computed from it, so a pruned
trial's value is an honest estimate in the objective's own units.

scikit-learn is imported here only when one of these is called.
"""

from __future__ import annotations

import copy
import math
import os
from typing import Any

from . import context

#: the key of a trial's extras that says how many folds it ran: "3/5"
FOLDS_KEY = "cv_folds"


def folds_ran(extras: Any) -> tuple[int, int] | None:
    """``(ran, of)`` from a trial's extras, or None when the trial ran no CV helper."""
    text = extras.get(FOLDS_KEY) if hasattr(extras, "get") else None
    if not isinstance(text, str) or "/" not in text:
        return None
    ran, _, of = text.partition("/")
    try:
        return int(ran), int(of)
    except ValueError:
        return None


def same_folds(cv: Any) -> Any:
    """``cv`` with a fixed ``random_state`` when it shuffles without one (same folds each trial)."""
    if getattr(cv, "random_state", 0) is not None or getattr(cv, "shuffle", True) is False:
        return cv
    fixed = copy.copy(cv)
    fixed.random_state = 0
    return fixed


def _splits(estimator: Any, X: Any, y: Any, groups: Any, cv: Any) -> list[tuple[Any, Any]]:
    from sklearn.base import is_classifier
    from sklearn.model_selection import check_cv

    splitter = same_folds(check_cv(cv, y, classifier=is_classifier(estimator)))
    return list(splitter.split(X, y, groups))


def _batch(n_jobs: int | None) -> int:
    """Folds fitted at once: ``n_jobs`` of them (all CPUs for -1), else one."""
    if n_jobs is None or n_jobs == 1:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def cross_validate(estimator: Any, X: Any, y: Any = None, **kwargs: Any) -> dict[str, Any]:
    """scikit-learn's ``cross_validate``; in a ``%%tune`` trial each fold is reported as it ends."""
    from sklearn import model_selection

    ctx = context.current()
    if ctx is None:
        return model_selection.cross_validate(estimator, X, y, **kwargs)
    return _by_fold(ctx, estimator, X, y, kwargs)


def cross_val_score(estimator: Any, X: Any, y: Any = None, **kwargs: Any) -> Any:
    """scikit-learn's ``cross_val_score``; in a ``%%tune`` trial each fold is reported as it ends."""
    from sklearn import model_selection

    ctx = context.current()
    if ctx is None:
        return model_selection.cross_val_score(estimator, X, y, **kwargs)
    scoring = kwargs.pop("scoring", None)
    if isinstance(scoring, (list, tuple, set, dict)):
        raise ValueError("cross_val_score takes one scoring (a string or a callable); use cross_validate")
    return _by_fold(ctx, estimator, X, y, {**kwargs, "scoring": scoring})["test_score"]


def _by_fold(
    ctx: context.TrialContext, estimator: Any, X: Any, y: Any, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Fit and score fold after fold (``n_jobs`` at once), reporting each; stop when pruned."""
    import numpy as np
    from sklearn import model_selection

    splits = _splits(estimator, X, y, kwargs.get("groups"), kwargs.pop("cv", None))
    batch, n = _batch(kwargs.get("n_jobs")), len(splits)
    parts: list[dict[str, Any]] = []
    ran, estimate = 0, None
    while ran < n and estimate is None:
        part = model_selection.cross_validate(estimator, X, y, cv=splits[ran : ran + batch], **kwargs)
        parts.append(part)
        for score in np.asarray(part[_first_test_key(part)], dtype=float):
            ran += 1
            estimate = ctx.fold(float(score), n)
            if estimate is not None:
                break
    return _joined(parts, ran, n, estimate)


def _first_test_key(result: dict[str, Any]) -> str:
    """The score a fold reports: ``test_score``, else the first ``test_<name>`` entry."""
    return "test_score" if "test_score" in result else next(k for k in result if k.startswith("test_"))


def _joined(parts: list[dict[str, Any]], ran: int, n: int, estimate: list[float] | None) -> dict[str, Any]:
    """One result dict of the ``ran`` folds; when pruned, the test scores completed to ``n`` folds."""
    import numpy as np

    out: dict[str, Any] = {}
    for key in parts[0]:
        if key == "indices":  # {"train": [...], "test": [...]}, a list per fold
            out[key] = {
                side: [ix for part in parts for ix in part[key][side]][:ran] for side in parts[0][key]
            }
            continue
        values = [v for part in parts for v in part[key]][:ran]
        out[key] = values if key == "estimator" else np.asarray(values)
    if ran < n:
        primary = _first_test_key(out)
        for key in [k for k in out if k.startswith("test_")]:
            out[key] = _completed(out[key], n, estimate if key == primary else None)
    return out


def _completed(ran: Any, n: int, estimate: list[float] | None) -> Any:
    """``ran`` then ``estimate`` (or, without one, the mean of ``ran``) up to ``n`` folds."""
    import numpy as np

    ran = np.asarray(ran, dtype=float)
    missing = n - len(ran)
    if estimate is None or len(estimate) != missing:
        finite = ran[np.isfinite(ran)]
        fill = float(finite.mean()) if finite.size else math.nan
        estimate = [fill] * missing
    return np.concatenate([ran, np.asarray(estimate, dtype=float)])
