"""``--algo auto``: the GP while it is the better search, hpmagic's joint TPE otherwise.

The rule, per ask (measured in benchmarks/bbob.py and benchmarks/choices.py):

- the GP (:mod:`.gp`) when the space is flat (no dimension inside a choice's options), has
  at most ``max_dims`` dimensions, at least one of them a number, and the study has fewer
  than ``switch_at`` results;
- the joint TPE (:mod:`.joint_tpe`) otherwise: conditional spaces, spaces of choices
  alone (where the GP was measured no better), many dimensions, and long studies, where
  the TPE's suggest stays in milliseconds while the GP's grows with the trials.

Both models are told every trial, so a switch in mid-study loses nothing: the TPE takes over
with every result the GP saw. Each trial records which of them proposed it
(:meth:`proposer`), which ``study.trials`` and the dashboard's table show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.space import Space
from .base import SearcherBase
from .gp.search import GPSearch, GPSettings
from .gp.search import supports as gp_supports
from .joint_tpe import JointTPESearch, JointTPESettings


@dataclass(frozen=True)
class AutoSettings:
    """Where ``auto`` hands over from the GP to the TPE."""

    switch_at: int = 200
    max_dims: int = 16
    #: while the GP leads, every ``tpe_every``-th ask after its start-up goes to the TPE (0: none)
    tpe_every: int = 0


def gp_fits(space: Space, settings: AutoSettings) -> bool:
    """Whether ``auto`` starts ``space`` with the GP: flat, not too wide, with a number in it."""
    return (
        gp_supports(space)
        and len(space.dims) <= settings.max_dims
        and any(not d.is_choice for d in space.dims)
    )


class AutoSearch(SearcherBase):
    """Asks the GP or the joint TPE by :func:`gp_fits` and the number of results; tells both."""

    def __init__(
        self,
        space: Space,
        rng: np.random.Generator | None = None,
        settings: AutoSettings | None = None,
        gp: GPSettings | None = None,
        tpe: JointTPESettings | None = None,
    ) -> None:
        super().__init__(space, rng)
        self.settings = settings or AutoSettings()
        self.tpe = JointTPESearch(space, rng, tpe)
        self.gp = GPSearch(space, rng, gp) if gp_fits(space, self.settings) else None
        self._by: dict[int, str] = {}

    def proposer(self, number: int) -> str | None:
        """Which algorithm proposed trial ``number`` ("gp" or "tpe"), if this search did."""
        return self._by.get(number)

    def _ask(self, number: int, seed: int) -> dict[str, Any]:
        use_gp = self.gp is not None and self.n_told < self.settings.switch_at
        every = self.settings.tpe_every
        if use_gp and every and len(self._by) >= self.gp.settings.n_startup:  # type: ignore[union-attr]
            use_gp = (len(self._by) - self.gp.settings.n_startup) % every != every - 1  # type: ignore[union-attr]
        searcher = self.gp if use_gp else self.tpe
        self._by[number] = "gp" if use_gp else "tpe"
        return searcher._ask(number, seed)  # type: ignore[union-attr]

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        used = self.tpe.tell(number, raw, loss, failed)
        if self.gp is not None:
            self.gp.tell(number, raw, loss, failed)
        if used:
            self._told.append(number)
        return used

    def rescore(self, losses: dict[int, float]) -> None:
        """New losses by trial number (several objectives): only the TPE searches those."""
        self.tpe.rescore(losses)
