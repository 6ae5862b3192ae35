"""hyperopt's TPE driven one trial at a time (``--algo hyperopt``).

Driving hyperopt's ``tpe.suggest`` directly, not through ``fmin``, gives what
``fmin`` hides: trials that end in any order (parallel), a stop between any two
trials, warm starts from earlier trials (a resumed or refined study), and failed
trials kept out of the model. Only finished trials with a loss are shown to
hyperopt; a trial being asked for gets its own id, and hyperopt never sees
unfinished documents. hyperopt is imported by the searchers here only, when one
is made (about 55 MB of imports a default run never pays).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.space import Space
from .base import SearcherBase


@dataclass(frozen=True)
class HyperoptTPESettings:
    """Settings of hyperopt's ``tpe.suggest`` where hpmagic drives it. ``--algo hyperopt`` uses
    hyperopt's own (:meth:`hyperopt_defaults`); these defaults, chosen by measurement (gamma 1.0
    models the best 8 of 50, hyperopt's 0.25: 2), are for benchmarks that compare the TPEs.
    ``n_startup_per_dim``: at least that many random trials per dimension before the model."""

    n_startup_jobs: int = 10
    n_EI_candidates: int = 64
    gamma: float = 1.0
    prior_weight: float = 0.5
    n_startup_per_dim: int = 0

    @classmethod
    def hyperopt_defaults(cls) -> HyperoptTPESettings:
        """hyperopt's own defaults, read from ``tpe.suggest`` (``--algo hyperopt``)."""
        import inspect

        from hyperopt import tpe

        params = inspect.signature(tpe.suggest).parameters
        names = ("n_startup_jobs", "n_EI_candidates", "gamma", "prior_weight")
        return cls(**{name: params[name].default for name in names})

    def suggest_kwargs(self, n_dims: int) -> dict[str, Any]:
        """The keyword arguments of ``tpe.suggest`` for a space of ``n_dims`` dimensions."""
        return {
            "n_startup_jobs": max(self.n_startup_jobs, self.n_startup_per_dim * n_dims),
            "n_EI_candidates": self.n_EI_candidates,
            "gamma": self.gamma,
            "prior_weight": self.prior_weight,
        }


class _Observed:
    """Finished trials in the columns hyperopt's TPE reads, sorted by trial number.

    ``tpe.suggest`` rebuilds these columns from every trial document on every call
    (O(n) Python work per suggestion); kept here and extended at each tell, a
    suggestion costs only TPE's own arithmetic. Same columns, same order, so the
    same points come out.
    """

    def __init__(self, labels: Iterable[str]) -> None:
        self.numbers: list[int] = []
        self.losses: list[float] = []
        self.idxs: dict[str, list[int]] = {k: [] for k in labels}
        self.vals: dict[str, list[Any]] = {k: [] for k in self.idxs}

    def __len__(self) -> int:
        return len(self.numbers)

    def add(self, number: int, loss: float, vals: dict[str, list[Any]]) -> None:
        at = len(self.numbers)
        if at and number < self.numbers[-1]:  # trials may end out of order (parallel)
            at = bisect.bisect(self.numbers, number)
        self.numbers.insert(at, number)
        self.losses.insert(at, loss)
        for key, seq in self.idxs.items():
            if not vals.get(key):
                continue
            # the position among this label's entries: those of earlier trials come first
            pos = bisect.bisect(seq, number) if seq and number < seq[-1] else len(seq)
            seq.insert(pos, number)
            self.vals[key].insert(pos, vals[key][0])


def _domain(space: Space) -> Any:
    from hyperopt import Domain

    return Domain(lambda _: 0.0, space.to_hyperopt())


class HyperoptTPE(SearcherBase):
    """hyperopt's ``tpe.suggest`` on columns kept up to date at each tell."""

    def __init__(
        self,
        space: Space,
        rng: np.random.Generator | None = None,
        settings: HyperoptTPESettings | None = None,
    ) -> None:
        super().__init__(space, rng)
        self._domain = _domain(space)
        self.settings = (settings or HyperoptTPESettings()).suggest_kwargs(len(self._domain.params))
        self._observed = _Observed(self._domain.params)
        self._posterior: Any = None  # TPE's model graph, built once at the first model-based ask

    def _ask(self, number: int, seed: int) -> dict[str, Any]:
        return self.space.from_hyperopt(self._tpe(number, seed))

    def _tpe(self, number: int, seed: int) -> dict[str, list[Any]]:
        """``tpe.suggest`` on the observed columns: random until enough trials, then the model."""
        from hyperopt import pyll, tpe

        domain, seen, settings = self._domain, self._observed, self.settings
        rng = np.random.default_rng(seed)
        if len(seen) < settings["n_startup_jobs"]:
            idxs, vals = pyll.rec_eval(
                domain.s_idxs_vals, memo={domain.s_new_ids: [number], domain.s_rng: rng}
            )
            return _point(idxs, vals, number)
        if self._posterior is None:
            self._posterior = tpe.build_posterior_wrapper(domain, settings["prior_weight"], settings["gamma"])
        observed, observed_loss, posterior = self._posterior
        first = max(seen.numbers[-1], number) + 2  # candidate ids past every real one
        candidates = list(range(first, first + settings["n_EI_candidates"]))
        memo = {
            domain.s_new_ids: candidates,
            domain.s_rng: rng,
            observed_loss["idxs"]: list(seen.numbers),
            observed_loss["vals"]: list(seen.losses),
            observed["idxs"]: {k: list(v) for k, v in seen.idxs.items()},
            observed["vals"]: {k: list(v) for k, v in seen.vals.items()},
        }
        idxs, vals = pyll.rec_eval(posterior, memo=memo, print_node_on_error=False)
        for label, param in domain.params.items():
            if param.name == "randint" and len(param.pos_args) == 2:  # hyperopt samples from 0
                offset = param.pos_args[0].obj
                vals[label] = [v + offset for v in vals[label]]
        return _point(idxs, vals, first)

    def _observe(self, number: int, raw: dict[str, Any], loss: float) -> None:
        self._observed.add(number, loss, self.space.to_hyperopt_vals(raw))


def _point(idxs: dict[str, list[int]], vals: dict[str, list[Any]], tid: int) -> dict[str, list[Any]]:
    """hyperopt's ``misc.vals`` of one sampled id out of a vectorised sample."""
    out: dict[str, list[Any]] = {}
    for label, ids in idxs.items():
        where = [i for i, x in enumerate(ids) if x == tid]
        out[label] = [vals[label][where[0]]] if where else []
    return out
