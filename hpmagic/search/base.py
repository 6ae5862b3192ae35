"""What a study needs of a search: ask it for a point, tell it how a point did.

Every algorithm is a :class:`Searcher` over one :class:`~hpmagic.core.space.Space`.
:class:`SearcherBase` holds what they share: a seed per ask drawn from the study's
generator (so a seeded study is reproducible whatever the algorithm), and the
rules of telling — only points of this space count, a trial without a loss is not
a result, and a failed one may still teach the model where not to look.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..core.space import Space


class Exhausted(Exception):
    """The search has no point left to propose (a grid that was walked to its end)."""


class Searcher(Protocol):
    """One algorithm's view of a study: ``ask`` a point for a trial, ``tell`` how one ended."""

    space: Space

    @property
    def numbers(self) -> list[int]:
        """Numbers of the trials told as results, in telling order."""
        ...

    def ask(self, number: int) -> dict[str, Any]:
        """Raw params for trial ``number``; raises :class:`Exhausted` when there is none."""
        ...

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        """Show an ended trial; returns whether it was used as a result."""
        ...


class SearcherBase:
    """The shared half of every searcher; subclasses write ``_ask`` and ``_observe``."""

    def __init__(self, space: Space, rng: np.random.Generator | None = None) -> None:
        self.space = space
        self._rng = rng if rng is not None else np.random.default_rng()
        self._told: list[int] = []

    @property
    def numbers(self) -> list[int]:
        return list(self._told)

    @property
    def n_told(self) -> int:
        return len(self._told)

    def ask(self, number: int) -> dict[str, Any]:
        # one draw per ask whatever the algorithm: the stream a seed gives does not depend on it
        return self._ask(number, int(self._rng.integers(2**31 - 1)))

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        """A trial with a loss is a result; a ``failed`` one goes to ``_observe_failure``.

        Points outside this space (an earlier, wider space) are never shown to the model.
        """
        if not self.space.contains(raw):
            return False
        self._ended(raw)
        if loss is None:
            if failed:
                self._observe_failure(number, raw)
            return False
        self._told.append(number)
        self._observe(number, raw, float(loss))
        return True

    def _ask(self, number: int, seed: int) -> dict[str, Any]:
        raise NotImplementedError

    def _observe(self, number: int, raw: dict[str, Any], loss: float) -> None:
        """A result (most searches keep it; random search reads none)."""

    def _observe_failure(self, number: int, raw: dict[str, Any]) -> None:
        """A failed trial (by default the model never sees one)."""

    def _ended(self, raw: dict[str, Any]) -> None:
        """Any ended point of this space: complete, failed, pruned, or from an earlier run."""
