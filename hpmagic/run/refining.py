"""Narrowing and widening a study's space, while it runs or between runs.

A mixin of :class:`hpmagic.run.study.Study`. A refined space takes effect at the next
ask: the search is rebuilt from the trials that fit; earlier trials stay in the study.
"""

from __future__ import annotations

import threading
from typing import Any

from ..core.space import Space
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
