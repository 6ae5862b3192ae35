"""Which search answers which space, and with which settings.

``--algo tpe`` is hpmagic's joint TPE (:mod:`.joint_tpe`) on every space, one
model per group of dimensions active together; ``gp`` is Gaussian-process search
(:mod:`.gp`) on flat spaces, and the joint TPE on conditional ones (the GP's one
kernel needs every dimension active); ``auto`` picks between the two (:mod:`.auto`);
``rand`` and ``anneal`` are numpy's (:mod:`.sampling`); ``grid`` walks the grid (:mod:`.grid`). None of them
imports hyperopt. ``--algo hyperopt`` (or ``hyperopt-tpe``) is hyperopt's own TPE
with its own defaults, driven one trial at a time (:mod:`.hyperopt_driver`), for
people reproducing hyperopt results. Settings travel as a frozen
:class:`SearchSettings` value given to the study, never as module state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..core.options import ALGO_ALIASES, ALGOS
from ..core.space import Space
from .auto import AutoSettings
from .base import Searcher
from .gp.search import GPSettings
from .hyperopt_driver import HyperoptTPESettings
from .joint_tpe import JointTPESearch, JointTPESettings

#: how a pruned trial is told to the search (see :func:`hpmagic.search.pruning.search_loss`)
PRUNED_POLICIES = ("worst", "last", "none")


@dataclass(frozen=True)
class SearchSettings:
    """Everything about how a study searches that is not a ``%%tune`` option."""

    joint: JointTPESettings = field(default_factory=JointTPESettings)
    hyperopt_tpe: HyperoptTPESettings = field(default_factory=HyperoptTPESettings)
    #: False: ``tpe`` is hyperopt's TPE with the ``hyperopt_tpe`` settings (benchmarks comparing the two)
    joint_on_flat: bool = True
    #: how a pruned trial is told to the search: "worst", "last" or "none"
    pruned: str = "worst"
    gp: GPSettings = field(default_factory=GPSettings)
    auto: AutoSettings = field(default_factory=AutoSettings)
    #: the study has several objectives (``auto`` then searches with the joint TPE alone)
    several: bool = False

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
    algo = ALGO_ALIASES.get(algo, algo)
    if space.frozen() and algo != "grid":
        from .frozen import FrozenSearch

        inner = make_searcher(algo, FrozenSearch.free_space(space), rng, (), settings)
        return FrozenSearch.told(inner, space, history)
    searcher: Searcher
    if algo == "grid":
        from .grid import GridSearch

        searcher = GridSearch(space)
    elif algo == "tpe" and settings.joint_on_flat:
        searcher = JointTPESearch(space, rng, settings.joint)
    elif algo in ("gp", "auto"):
        searcher = _gp_or_auto(algo, space, rng, settings)
    elif algo in ("tpe", "hyperopt"):
        from .hyperopt_driver import HyperoptTPE

        tpe = settings.hyperopt_tpe if algo == "tpe" else HyperoptTPESettings.hyperopt_defaults()
        searcher = HyperoptTPE(space, rng, tpe)
    elif algo == "rand":
        from .sampling import RandomSearch

        searcher = RandomSearch(space, rng)
    elif algo == "anneal":
        from .sampling import AnnealSearch

        searcher = AnnealSearch(space, rng)
    else:
        raise ValueError(f"unknown search algorithm {algo!r}; choose one of {', '.join(ALGOS)}")
    for number, raw, loss, failed in history:
        searcher.tell(number, raw, loss, failed=failed)
    return searcher


def _gp_or_auto(
    algo: str, space: Space, rng: np.random.Generator | None, settings: SearchSettings
) -> Searcher:
    from .auto import AutoSearch
    from .gp.search import GPSearch, supports

    if algo == "auto":
        auto = replace(settings.auto, max_dims=-1) if settings.several else settings.auto
        return AutoSearch(space, rng, auto, settings.gp, settings.joint)
    if supports(space):
        return GPSearch(space, rng, settings.gp)
    return JointTPESearch(space, rng, settings.joint)  # conditional: the documented fallback


def preload() -> threading.Thread:
    """Import what the default search needs (scipy.special) in a background thread.

    For the extension's load hook, so the first ``%%tune`` cell does not wait for it.
    hyperopt (about a second, mostly scipy.stats) is left to ``--algo hyperopt``, the
    only search that uses it.
    """
    thread = threading.Thread(target=lambda: __import__("scipy.special"), name="hpmagic:preload", daemon=True)
    thread.start()
    return thread
