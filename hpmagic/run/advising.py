"""The advisor: ``study.advice()`` and the rule ``--stop-when-done`` follows.

A mixin of :class:`hpmagic.run.study.Study`. The rules live in :mod:`hpmagic.core.advice`
(beside the edge rule) and the estimates they need in :mod:`hpmagic.search.importance`
and :mod:`hpmagic.search.regret`; this module gathers the study's trials for them and
keeps each estimate until a trial is added or the space changes (a view asks often).
"""

from __future__ import annotations

import threading
from typing import Any

from ..core import advice as rules
from ..core.advice import Advice
from ..core.edges import at_bounds
from ..core.space import Space
from ..core.trials import COMPLETE
from ..search.importance import ImportanceError, importance
from ..search.regret import Estimate, estimate
from ..search.relevance import length_scales
from .ledger import Ledger

#: --stop-when-done asks the estimate after every this many ended trials (it costs ~10-50 ms)
DONE_EVERY = 5


class Advising:
    """``advice()``: what to change in the space, each with its action as data."""

    _lock: threading.RLock
    _space: Space
    _ledger: Ledger
    objectives: tuple[Any, ...]

    def _scored(self) -> tuple[Space, list[Any], list[float], int]:
        """The space, and the complete feasible trials inside it with their losses (kept until a
        trial ends or the space changes: 5000 membership checks take 0.1 s)."""
        with self._lock:
            space, ledger = self._space, self._ledger
            trials = list(ledger.trials)
        n = len(trials)

        def compute() -> tuple[list[Any], list[float]]:
            done = [t for t in trials if t.state == COMPLETE and t.feasible and t.value is not None]
            inside = [t for t in done if space.contains(t.raw)]
            return inside, [ledger.loss(t) for t in inside]

        inside, losses = self._cached("scored", (n, space), compute)
        return space, inside, losses, n

    def _cached(self, name: str, version: Any, compute: Any) -> Any:
        cache: dict[str, Any] = self.__dict__.setdefault("_advice_cache", {})
        if name not in cache or cache[name][0] != version:
            cache[name] = (version, compute())
        return cache[name][1]

    def done_estimate(self) -> Estimate | None:
        """The regret bound and the noise of the trials inside the space (see hpmagic.search.regret);
        None before 20 complete trials, and with several objectives."""
        if self.objectives:
            return None
        space, inside, losses, n = self._scored()
        return self._cached(
            "done", (n, space), lambda: estimate(space, [t.raw for t in inside], losses, seed=0)
        )

    def _flat(self, space: Space, inside: list[Any], n: int) -> tuple[dict[str, float], dict[str, float]]:
        """Importance shares and GP length scales of the trials inside the space."""

        def compute() -> tuple[dict[str, float], dict[str, float]]:
            if len(inside) < rules.freeze_min_trials(space):
                return {}, {}
            raws, values = [t.raw for t in inside], [t.value for t in inside]
            try:
                return importance(space, raws, values, seed=0), length_scales(space, raws, values, seed=0)
            except ImportanceError:
                return {}, {}

        return self._cached("flat", (n, space), compute)

    def advice(self) -> list[Advice]:
        """What the trials so far say to change, each an :class:`hpmagic.core.advice.Advice`
        (``kind``, ``label``, ``message``, ``refine``: ranges for ``refine``, ``then``:
        ``"run"`` or ``"stop"``): ``widen`` (an edge), ``log-scale``, ``freeze`` and ``done``.
        ``study.refine(**a.refine)`` then ``run(n)`` (or ``stop()``) is the dashboard's button.
        With several objectives only edges and scales are advised."""
        space, inside, losses, n = self._scored()
        with self._lock:
            ranked = self._ledger.ranked(space)
            best = self._ledger.best
        out = rules.log_scale(space, ranked)
        scaled = {a.key for a in out}
        edges = [
            Advice("widen", e.label, e.message(), {e.key: e.new_range}, "run", e.key)
            for e in at_bounds(space, ranked)
            if e.new_range is not None and not (e.key in scaled and e.side == "lower")
        ]
        out = edges + out
        if not self.objectives:
            best_raw = best.raw if best is not None and space.contains(best.raw) else None
            shares, spread = self._flat(space, inside, n)
            out += rules.freeze(space, shares, spread, best_raw, len(inside))
            found = self.done_estimate()
            if found is not None:
                out += rules.done(found.regret, found.noise, found.n, str(self._ledger.direction))
        return out
