"""Asking the search algorithm for points and telling it results, one trial at a time.

``--algo tpe`` on a flat space is hpmagic's joint TPE (:mod:`hpmagic.joint_tpe`);
with conditional dimensions it is hyperopt's TPE, and ``rand``/``anneal`` are
hyperopt's too. Driving hyperopt's suggest functions directly, not through
``fmin``, gives what ``fmin`` hides: trials that end in any order (parallel), a
stop between any two trials, warm starts from earlier trials (a resumed or
refined study), and failed trials kept out of the model. Only finished trials
with a loss are shown to hyperopt; a trial being asked for gets its own id, and
hyperopt never sees unfinished documents.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..core.options import ALGOS
from ..core.space import Space
from .joint_tpe import JointTPE, supports

#: settings of hpmagic's joint TPE (flat spaces, :class:`~hpmagic.joint_tpe.JointTPE`), chosen by
#: measurement (benchmarks/tune_defaults.py): 5 start-up points, then the best of 24 candidates;
#: gamma 0.35 models the best 3 of 50 trials as good (ceil(gamma * sqrt(n)), at most 25); the
#: prior weighs half a trial; kernels 0.2 of each range wide after the start-up, narrowing as
#: ((n + 1) / 6) ** -0.7 with n trials (0.045 at 50, 0.028 at 100, the 0.005 floor near 1200)
JOINT_SETTINGS: dict[str, Any] = {
    "n_startup_jobs": 5,
    "n_EI_candidates": 24,
    "gamma": 0.35,
    "prior_weight": 0.5,
    "bandwidth": 0.2,
    "anneal": 0.7,
}

#: False: hyperopt's TPE on every space (for benchmarks that compare the two)
USE_JOINT_TPE = True

#: settings of hyperopt's ``tpe.suggest`` on spaces with conditional dimensions, chosen by
#: measurement as well, and optionally ``n_startup_per_dim`` (at least that many random trials
#: per dimension before the model is used); gamma 1.0 models the best 8 of 50 (hyperopt's 0.25: 2)
TPE_SETTINGS: dict[str, Any] = {
    "n_startup_jobs": 10,
    "n_EI_candidates": 64,
    "gamma": 1.0,
    "prior_weight": 0.5,
}


def tpe_settings(n_dims: int) -> dict[str, Any]:
    """The arguments of hyperopt's ``tpe.suggest`` that hpmagic's TPE uses on ``n_dims`` dimensions."""
    from hyperopt import tpe

    settings = dict(TPE_SETTINGS)
    per_dim = settings.pop("n_startup_per_dim", 0)
    out = {
        "n_startup_jobs": tpe._default_n_startup_jobs,
        "n_EI_candidates": tpe._default_n_EI_candidates,
        "gamma": tpe._default_gamma,
        "prior_weight": tpe._default_prior_weight,
        **settings,
    }
    out["n_startup_jobs"] = max(out["n_startup_jobs"], per_dim * n_dims)
    return out


def preload() -> threading.Thread:
    """Import what the default search needs (scipy.special) in a background thread.

    For the extension's load hook, so the first ``%%tune`` cell does not wait for it.
    hyperopt (about a second, mostly scipy.stats) is left to the runs that use it:
    ``--algo rand|anneal`` and TPE on spaces with conditional dimensions.
    """
    thread = threading.Thread(target=lambda: __import__("scipy.special"), name="hpmagic:preload", daemon=True)
    thread.start()
    return thread


def _algo(name: str) -> Callable[..., Any]:
    """A hyperopt suggest function for the algorithms driven through ``Trials`` (not tpe)."""
    from hyperopt import anneal, rand

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


class Search:
    """The search over one :class:`Space`, warm-started from ``history``.

    ``history`` holds ``(number, raw params, loss)`` of earlier trials, with a loss of
    None for a failed one; those that are not points of this space are left out (they
    stay in the study).
    """

    def __init__(
        self,
        space: Space,
        algo: str = "tpe",
        rng: np.random.Generator | None = None,
        history: Iterable[tuple[int, dict[str, Any], float | None]] = (),
    ) -> None:
        self.space = space
        self.algo_name = algo
        self._rng = rng if rng is not None else np.random.default_rng()
        # flat spaces: hpmagic's joint TPE, which needs no hyperopt (about 55 MB of imports);
        # conditional ones: hyperopt's TPE, one dimension at a time
        self._joint = (
            JointTPE(space, **JOINT_SETTINGS) if algo == "tpe" and USE_JOINT_TPE and supports(space) else None
        )
        if self._joint is None and algo in ("tpe", "rand", "anneal"):
            from hyperopt import Domain

            self._domain = Domain(lambda _: 0.0, space.to_hyperopt())
            self._settings = tpe_settings(len(self._domain.params))
        if algo == "tpe":
            if self._joint is None:
                self._observed = _Observed(self._domain.params)
                self._posterior: Any = None  # TPE's model graph, built once at the first model-based ask
        else:
            self._algo = _algo(algo)
            self._trials = _trials_class()()
        self._told: list[int] = []  # numbers of the trials shown to the search, in telling order
        for number, raw, loss in history:
            self.tell(number, raw, loss, failed=loss is None)

    @property
    def n_told(self) -> int:
        return len(self._told)

    @property
    def numbers(self) -> list[int]:
        """The trial numbers hyperopt has been shown (a warm start's trials first)."""
        return list(self._told)

    def ask(self, number: int) -> dict[str, Any]:
        """Raw params for trial ``number`` (numbers are unique in a study)."""
        seed = int(self._rng.integers(2**31 - 1))
        if self._joint is not None:
            return self._joint.ask(np.random.default_rng(seed))
        if self.algo_name == "tpe":
            return self.space.from_hyperopt(self._tpe(number, seed))
        docs = self._algo([number], self._domain, self._trials, seed)
        return self.space.from_hyperopt(docs[0]["misc"]["vals"])

    def _tpe(self, number: int, seed: int) -> dict[str, list[Any]]:
        """``tpe.suggest`` on the observed columns: random until enough trials, then the model."""
        from hyperopt import pyll, tpe

        domain, seen, settings = self._domain, self._observed, self._settings
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

    def tell(self, number: int, raw: dict[str, Any], loss: float | None, failed: bool = False) -> bool:
        """Show a finished trial to the search; ``loss=None`` shows nothing to hyperopt.

        A ``failed`` trial is shown to the joint TPE as worse than every other, so a
        region where trials fail is not proposed again and again; hyperopt's TPE is
        never shown one. Returns whether the trial was used as a result (it must be a
        point of this space).
        """
        if not self.space.contains(raw):
            return False
        if loss is None:
            if failed and self._joint is not None:
                self._joint.observe(raw, math.inf)
            return False
        self._told.append(number)
        if self.algo_name == "rand":  # random search reads no history
            return True
        if self._joint is not None:
            self._joint.observe(raw, float(loss))
            return True
        vals = self.space.to_hyperopt_vals(raw)
        if self.algo_name == "tpe":
            self._observed.add(number, float(loss), vals)
            return True
        from hyperopt import JOB_STATE_DONE, STATUS_OK

        idxs = {k: ([number] if v else []) for k, v in vals.items()}
        misc = {"tid": number, "cmd": self._domain.cmd, "workdir": None, "idxs": idxs, "vals": vals}
        (doc,) = self._trials.new_trial_docs(
            [number], [None], [{"loss": float(loss), "status": STATUS_OK}], [misc]
        )
        doc["state"] = JOB_STATE_DONE
        self._trials.add(doc)
        return True


def _point(idxs: dict[str, list[int]], vals: dict[str, list[Any]], tid: int) -> dict[str, list[Any]]:
    """hyperopt's ``misc.vals`` of one sampled id out of a vectorised sample."""
    out: dict[str, list[Any]] = {}
    for label, ids in idxs.items():
        where = [i for i, x in enumerate(ids) if x == tid]
        out[label] = [vals[label][where[0]]] if where else []
    return out
