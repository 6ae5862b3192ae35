"""Which search answers which space, and with which settings.

``--algo tpe`` on a flat space is hpmagic's joint TPE (:mod:`.joint_tpe`); with
conditional dimensions or normal priors it is hyperopt's TPE driven one trial at a
time (:mod:`.hyperopt_driver`), and ``rand``/``anneal`` are hyperopt's too;
``grid`` walks the grid (:mod:`.grid`). Settings travel as a frozen
:class:`SearchSettings` value given to the study, never as module state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.options import ALGOS
from ..core.space import Space
from .base import Searcher
from .hyperopt_driver import HyperoptTPESettings
from .joint_tpe import JointTPESettings, supports

#: how a pruned trial is told to the search (see :func:`hpmagic.search.pruning.search_loss`)
PRUNED_POLICIES = ("worst", "last", "none")


@dataclass(frozen=True)
class SearchSettings:
    """Everything about how a study searches that is not a ``%%tune`` option."""

    joint: JointTPESettings = field(default_factory=JointTPESettings)
    hyperopt_tpe: HyperoptTPESettings = field(default_factory=HyperoptTPESettings)
    #: False: hyperopt's TPE on every space (for benchmarks that compare the two)
    joint_on_flat: bool = True
    #: how a pruned trial is told to the search: "worst", "last" or "none"
    pruned: str = "worst"

    def __post_init__(self) -> None:
        if self.pruned not in PRUNED_POLICIES:
            raise ValueError(f"pruned must be one of {', '.join(PRUNED_POLICIES)}, got {self.pruned!r}")


#: history entries: (trial number, raw params, loss or None, whether the trial failed)
History = Iterable[tuple[int, dict[str, Any], "float | None", bool]]


def make_searcher(
    algo: str,
    space: Space,
    rng: np.random.Generator | None = None,
    history: History = (),
    settings: SearchSettings | None = None,
) -> Searcher:
    """The searcher ``algo`` names over ``space``, told the ``history`` of earlier trials."""
    settings = settings or SearchSettings()
    searcher: Searcher
    if algo == "grid":
        from .grid import GridSearch

        searcher = GridSearch(space)
    elif algo == "tpe" and settings.joint_on_flat and supports(space):
        from .joint_tpe import JointTPESearch

        searcher = JointTPESearch(space, rng, settings.joint)
    elif algo == "tpe":
        from .hyperopt_driver import HyperoptTPE

        searcher = HyperoptTPE(space, rng, settings.hyperopt_tpe)
    elif algo in ("rand", "anneal"):
        from .hyperopt_driver import HyperoptSuggest

        searcher = HyperoptSuggest(space, algo, rng)
    else:
        raise ValueError(f"unknown search algorithm {algo!r}; choose one of {', '.join(ALGOS)}")
    for number, raw, loss, failed in history:
        searcher.tell(number, raw, loss, failed=failed)
    return searcher


def preload() -> threading.Thread:
    """Import what the default search needs (scipy.special) in a background thread.

    For the extension's load hook, so the first ``%%tune`` cell does not wait for it.
    hyperopt (about a second, mostly scipy.stats) is left to the runs that use it:
    ``--algo rand|anneal`` and TPE on spaces with conditional dimensions.
    """
    thread = threading.Thread(target=lambda: __import__("scipy.special"), name="hpmagic:preload", daemon=True)
    thread.start()
    return thread
