"""The ``tune`` object: annotations that are plain values outside ``%%tune``.

Inside a ``%%tune`` cell the annotations never run: the cell is rewritten so each
one reads the trial's value. Anywhere else ``tune.X(...)`` returns its default,
so a tuned cell also runs as ordinary Python, and ``tune.report`` does nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import context


def _mid(low: float, high: float, log: bool = False) -> float:
    return math.sqrt(low * high) if log else (low + high) / 2


class Tune:
    """Search-space annotations for ``%%tune`` cells (defaults everywhere else)."""

    def uniform(
        self, low: float, high: float, *, default: float | None = None, name: str | None = None
    ) -> float:
        """A float drawn uniformly from [low, high]."""
        return float(default) if default is not None else _mid(low, high)

    def loguniform(
        self, low: float, high: float, *, default: float | None = None, name: str | None = None
    ) -> float:
        """A float whose logarithm is uniform; bounds in natural units, 0 < low < high."""
        return float(default) if default is not None else _mid(low, high, log=True)

    def quniform(
        self, low: float, high: float, q: float, *, default: float | None = None, name: str | None = None
    ) -> float:
        """Uniform on [low, high], rounded to a multiple of q (an int if all are ints)."""
        if default is not None:
            return default
        from .space import multiple_in_range

        x = multiple_in_range(_mid(low, high), low, high, q)
        return int(round(x)) if all(isinstance(v, int) for v in (low, high, q)) else x

    def int(self, low: int, high: int, *, default: int | None = None, name: str | None = None) -> int:
        """An integer in [low, high], both ends included."""
        return int(default) if default is not None else int(round(_mid(low, high)))

    def logint(self, low: int, high: int, *, default: int | None = None, name: str | None = None) -> int:
        """An integer in [low, high] on a log scale, both ends included."""
        if default is not None:
            return int(default)
        return int(min(max(round(_mid(low, high, log=True)), low), high))

    def normal(
        self, mu: float, sigma: float, *, default: float | None = None, name: str | None = None
    ) -> float:
        """A normally distributed float."""
        return float(default) if default is not None else float(mu)

    def lognormal(
        self, mu: float, sigma: float, *, default: float | None = None, name: str | None = None
    ) -> float:
        """exp of a normal(mu, sigma) float."""
        return float(default) if default is not None else math.exp(mu)

    def choice(self, options: Sequence[Any], *, default: Any = None, name: str | None = None) -> Any:
        """One of ``options``; in ``%%tune`` only the chosen option's expression runs."""
        options = list(options)
        if default is not None:
            return default
        return options[0]

    def report(self, value: float, step: int | None = None) -> None:
        """Report an intermediate objective; with ``--prune`` the trial may stop here."""
        ctx = context.current()
        if ctx is not None:
            ctx.report(value, step)

    def cross_val_score(self, estimator: Any, X: Any, y: Any = None, **kwargs: Any) -> Any:
        """scikit-learn's ``cross_val_score`` (same arguments, same result) that reports each fold.

        In a ``%%tune`` trial every fold's score is reported as it ends, so ``--prune folds`` can
        stop a trial after its first folds; anywhere else it is scikit-learn's own function.
        """
        from .crossval import cross_val_score

        return cross_val_score(estimator, X, y, **kwargs)

    def cross_validate(self, estimator: Any, X: Any, y: Any = None, **kwargs: Any) -> dict[str, Any]:
        """scikit-learn's ``cross_validate`` that reports each fold's (first) test score."""
        from .crossval import cross_validate

        return cross_validate(estimator, X, y, **kwargs)

    def constraint(self, condition: Any) -> bool:
        """Mark the trial infeasible unless ``condition`` holds (as ``"feasible": False`` does)."""
        ctx = context.current()
        if ctx is not None:
            ctx.constraint(condition)
        return bool(condition)

    def __repr__(self) -> str:
        return "<hpmagic.tune: annotations for %%tune cells>"


tune = Tune()
