"""Asking hyperopt for points and telling it results, without ``fmin``.

Driving hyperopt's suggest functions directly gives what ``fmin`` hides: trials
that end in any order (parallel), a stop between any two trials, warm starts
from earlier trials (a resumed or refined study), and failed trials kept out of
the model. Only finished trials with a loss are shown to hyperopt; a trial being
asked for gets its own id, and hyperopt never sees unfinished documents.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .space import Space

#: settings hpmagic passes to hyperopt's TPE (chosen by measurement, see benchmarks/)
TPE_SETTINGS: dict[str, Any] = {"n_startup_jobs": 10, "n_EI_candidates": 64, "gamma": 0.15}
ALGOS = ("tpe", "rand", "anneal", "grid")


def _algo(name: str) -> Callable[..., Any]:
    from hyperopt import anneal, rand, tpe

    if name == "tpe":
        return functools.partial(tpe.suggest, verbose=False, **TPE_SETTINGS)
    if name == "rand":
        return rand.suggest
    if name == "anneal":
        return anneal.suggest
    raise ValueError(f"unknown search algorithm {name!r}; choose one of {', '.join(ALGOS)}")


def _trials_class() -> type:
    from hyperopt import Trials

    class _DoneTrials(Trials):
        """hyperopt's Trials holding only finished documents, appended without refresh()."""

        def add(self, doc: dict[str, Any]) -> None:
            self._dynamic_trials.append(doc)
            self._trials.append(doc)
            self._ids.add(doc["tid"])

    return _DoneTrials


class Search:
    """hyperopt over one :class:`Space`, warm-started from ``history``.

    ``history`` holds ``(number, raw params, loss)`` of earlier trials; those that
    are not points of this space are left out (they stay in the study).
    """

    def __init__(
        self,
        space: Space,
        algo: str = "tpe",
        rng: np.random.Generator | None = None,
        history: Iterable[tuple[int, dict[str, Any], float]] = (),
    ) -> None:
        from hyperopt import Domain

        self.space = space
        self.algo_name = algo
        self._algo = _algo(algo)
        self._rng = rng if rng is not None else np.random.default_rng()
        self._domain = Domain(lambda _: 0.0, space.to_hyperopt())
        self._trials = _trials_class()()
        for number, raw, loss in history:
            self.tell(number, raw, loss)

    @property
    def n_told(self) -> int:
        return len(self._trials._trials)

    @property
    def numbers(self) -> list[int]:
        """The trial numbers hyperopt has been shown (a warm start's trials first)."""
        return [doc["tid"] for doc in self._trials._trials]

    def ask(self, number: int) -> dict[str, Any]:
        """Raw params for trial ``number`` (numbers are unique in a study)."""
        seed = int(self._rng.integers(2**31 - 1))
        docs = self._algo([number], self._domain, self._trials, seed)
        return self.space.from_hyperopt(docs[0]["misc"]["vals"])

    def tell(self, number: int, raw: dict[str, Any], loss: float | None) -> bool:
        """Show a finished trial to hyperopt; ``loss=None`` (failed) shows nothing.

        Returns whether the trial was used (it must be a point of this space).
        """
        if loss is None or not self.space.contains(raw):
            return False
        from hyperopt import JOB_STATE_DONE, STATUS_OK

        vals = self.space.to_hyperopt_vals(raw)
        idxs = {k: ([number] if v else []) for k, v in vals.items()}
        misc = {"tid": number, "cmd": self._domain.cmd, "workdir": None, "idxs": idxs, "vals": vals}
        (doc,) = self._trials.new_trial_docs(
            [number], [None], [{"loss": float(loss), "status": STATUS_OK}], [misc]
        )
        doc["state"] = JOB_STATE_DONE
        self._trials.add(doc)
        return True
