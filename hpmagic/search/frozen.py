"""Searching a space with frozen numbers: the searcher sees only the dimensions still free.

``refine(x=0.5)`` freezes a number because it does not matter. Left in the space, a
range of one value is a dimension the searcher must model (the joint TPE measured
worse proposals with four of six dimensions frozen than with none), and earlier
trials, which ran at other values of it, would all lie outside the space. So the
searcher is built over the other dimensions; each point it proposes gets the frozen
values added (where their option is chosen), and each trial it is told loses them —
an earlier trial then teaches the search as if it had run at the frozen value.
"""

from __future__ import annotations

from typing import Any

from ..core.space import Space
from .base import Searcher


class FrozenSearch:
    """``inner`` searches ``space`` without its frozen numbers; this adds them back."""

    def __init__(self, inner: Searcher, space: Space) -> None:
        self.inner = inner
        self.space = space
        self.values = space.frozen()

    @staticmethod
    def free_space(space: Space) -> Space:
        frozen = space.frozen()
        return Space([d for d in space.copy().dims if d.key not in frozen])

    @classmethod
    def told(cls, inner: Searcher, space: Space, history: Any) -> FrozenSearch:
        search = cls(inner, space)
        for number, raw, loss, failed in history:
            search.tell(number, raw, loss, failed=failed)
        return search

    @property
    def numbers(self) -> list[int]:
        return self.inner.numbers

    def ask(self, number: int) -> dict[str, Any]:
        raw = dict(self.inner.ask(number))
        for key, value in self.values.items():
            parent = self.space.by_key[key].parent
            if parent is None or raw.get(parent[0]) == parent[1]:
                raw[key] = value
        order = {d.key: i for i, d in enumerate(self.space.dims)}
        return dict(sorted(raw.items(), key=lambda item: order[item[0]]))

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        free = {k: v for k, v in raw.items() if k not in self.values}
        return self.inner.tell(number, free, loss, failed=failed)

    def __getattr__(self, name: str) -> Any:  # rescore, n_told, …: the inner searcher's
        return getattr(self.inner, name)
