"""Narrowing and widening a study's space, while it runs or between runs.

A mixin of :class:`hpmagic.run.study.Study`. A refined space takes effect at the next
ask: the search is rebuilt from the trials that fit; earlier trials stay in the study.
"""

from __future__ import annotations

import threading
from typing import Any

from ..core.edges import Edge, at_bounds
from ..core.space import Space, SpaceError
from ..core.trials import Trial
from .ledger import Ledger
from .searching import SearchSession


class Refinement:
    """The space as people see and change it: ``space``, ``refine``, ``suggest_refinement``."""

    _lock: threading.RLock
    _space: Space
    _ledger: Ledger
    _searching: SearchSession

    def _publish(self, event: str, *args: Any) -> None:
        raise NotImplementedError

    @property
    def space(self) -> dict[str, Any]:
        """label → current range ``(low, high)`` or list of options."""
        with self._lock:
            return self._space.describe()

    @property
    def search_space(self) -> Space:
        """The current space as the search sees it (``space`` is its readable summary)."""
        with self._lock:
            return self._space

    def refine(self, **ranges: Any) -> Any:
        """Narrow or widen dimensions; later trials use the new space, earlier ones stay.

        ``refine(lr=(1e-3, 1e-2), model=["svc"])``: keys are labels (or keys such as
        ``C#2`` when a label is shared), values as ``space`` shows them. Bounds may
        go beyond the cell's own. Works while the study runs: trials started after
        the call use the new space. TPE is warm-started from the earlier complete
        trials that lie inside the new space; the others stay in ``trials``
        (see :meth:`is_inside`). A bad range raises :class:`SpaceError` and changes
        nothing. ``refine(**ranges)`` followed by ``run(n)`` is what the sliders'
        Continue button does.
        """
        if not ranges:
            return self
        with self._lock:
            new_space = self._space.refined(ranges)  # raises before anything changes
            self._space = new_space
            self._searching.reset()  # rebuilt from the trials that fit, at the next ask
        self._publish("space_changed")
        return self

    def is_inside(self, trial: Trial) -> bool:
        """Whether ``trial``'s point lies in the current space (asked live, never stored)."""
        with self._lock:
            return self._space.contains(trial.raw)

    def suggest_refinement(self, fraction: float = 0.25, pad: float = 0.1) -> dict[str, Any]:
        """Ranges around the best ``fraction`` of complete trials, ready for ``refine``.

        Each bounded numeric dimension is narrowed to the span of the best trials'
        values, padded a little (see :func:`hpmagic.space.zoom`); choices are kept.
        Trials inside the current space are used when there are enough of them.
        Empty when fewer than 4 trials are complete.
        """
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        with self._lock:
            return self._ledger.zoomed(self._space, fraction, pad)

    def at_bounds(self) -> list[Edge]:
        """The dimensions whose best trials sit at a bound of the current range.

        Each :class:`hpmagic.core.edges.Edge` has ``key``, ``label``, ``side``
        ("lower"/"upper"), ``bound``, ``new_bound`` (None at a hard limit) and
        ``new_range`` (for ``refine``). The rule: the best complete trial inside the
        space and at least half of the top 10 % (at least 3) lie in the outer 5 % of
        the range (log axis for log scales); 5 complete trials at least. Choices and
        normal kinds are never listed.
        """
        with self._lock:
            return at_bounds(self._space, self._ledger.ranked(self._space))

    def suggest_widening(self, label: str | None = None) -> dict[str, Any]:
        """Ranges that move the flagged bounds outward, ready for ``refine``.

        ×10 on log scales, by the range's width otherwise, never past a hard limit
        (0 for log scales and for ranges of non-negative values, 1 for positive
        integers). ``label`` (a label or key) keeps one dimension; empty when
        nothing is at a bound. ``refine(**study.suggest_widening())`` then ``run(n)``
        is the dashboard's *Widen* button.
        """
        with self._lock:
            if label is not None and not self._space.find(label):
                known = ", ".join(d.key for d in self._space.dims) or "no dimensions"
                raise SpaceError(f"suggest_widening: no dimension {label!r}; the space has {known}")
            edges = at_bounds(self._space, self._ledger.ranked(self._space))
        return {
            e.key: e.new_range for e in edges if e.new_range is not None and label in (None, e.key, e.label)
        }
