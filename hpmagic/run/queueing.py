"""Hand-picked configurations that run before the search's own: ``enqueue``, ``--start-at-defaults``.

A mixin of :class:`hpmagic.run.study.Study`. People usually know a good configuration
already (the values written in the cell); running it first gives the search a
result to beat from trial 0. Queued points are checked against the space when
queued, run in the order they were queued before the search is asked, and told
to the search like any other trial.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

from ..core.points import point_of
from ..core.space import Space
from .ledger import Ledger
from .searching import SearchSession


class Queueing:
    """``enqueue(params)`` and the queue the run loop takes from first."""

    _lock: threading.RLock
    _space: Space
    _ledger: Ledger

    _searching: SearchSession

    @property
    def _queue(self) -> deque[dict[str, Any]]:
        return self._searching.queue

    def enqueue(self, params: Mapping[str, Any]) -> Any:
        """Queue a configuration (label → value) to run before the search's own points.

        ``study.enqueue({"C": 1.0, "kernel": "rbf"})``: checked against the space now
        (an unknown label, a value out of range or an option not in the choice is a
        :class:`SpaceError` naming the label); labels left out take the cell's own
        values, except a choice whose option holds a dimension given (``{"C#2": 5.5}``
        picks the option where ``C#2`` lives). Queued points run first, in order, at the next ``run``; the search is
        told their results like any trial's. Returns the study, so calls chain.
        """
        with self._lock:
            raw = point_of(self._space, params)
            self._queue.append(raw)
        return self

    def enqueue_defaults(self) -> Any:
        """Queue the cell's own values (its defaults and the literals of comment forms)."""
        with self._lock:
            self._queue.append(self._space.defaults())
        return self

    @property
    def queued(self) -> list[dict[str, Any]]:
        """The queued configurations not started yet, as label → value."""
        with self._lock:
            return [self._space.user_params(raw) for raw in self._queue]

    def _take_queued(self) -> dict[str, Any] | None:
        """The next queued point still inside the space (a refine may have left some out)."""
        with self._lock:
            while self._queue:
                raw = self._queue.popleft()
                if self._space.contains(raw):
                    return raw
                self.note(f"a queued configuration was left out: it is outside the refined space ({raw})")
            return None

    def note(self, text: str, once: str | None = None) -> None:
        raise NotImplementedError

    def _fresh(self) -> bool:
        """Whether no trial has ended or been queued yet (where trial 0 may be the defaults)."""
        with self._lock:
            return not self._ledger.trials and not self._queue and self._ledger.next_number == 0
