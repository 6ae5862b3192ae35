"""hpmagic's TPE on flat spaces: one Parzen estimator over all dimensions at once.

hyperopt's TPE models every dimension on its own and picks each coordinate of the
next point separately, so it cannot learn that good values of one parameter go
with particular values of another (a valley running across two axes). Here each
finished trial is one kernel over *all* dimensions. The trials are split by loss
into the good ones and the rest; candidates are drawn near good trials as whole
points, and the one with the highest ratio of the good trials' density l(x) to
the others' g(x) is proposed (TPE's expected improvement grows with l/g).

Numbers live on the unit interval (:mod:`.encoding`: log scales in logarithms; an
integer or a quantised value as the continuous range its rounding covers; a list of
numbers in its order); a choice of categories is its option's position. Kernels are
normals truncated to [0, 1], never narrower than half of what one value of a discrete
axis owns (``step_floor``), and for categories a distribution that keeps the trial's
option with probability ``1 - cat_smoothing``.

No point is proposed twice while untried ones remain: a candidate that was already
tried, or is running, gives way to the next best, then to untried draws of the prior;
on a discrete space a deterministic cell evaluated twice is a trial thrown away.
Kernel widths anneal: wide after the start-up, so good trials in different basins
reach each other, and narrowing as the study grows, so the best region is then
searched finely (``bandwidth`` × ((n + 1) / (start-up + 1)) ^ −``anneal`` with n
trials; ``anneal=0`` instead uses Scott's rule on each mixture's own size). Both mixtures
carry a uniform prior component of weight ``prior_weight`` (a trial weighs 1),
so no region's density ever reaches zero.

With several objectives (``recombine``) the good trials lie along a front: they
differ in what the objectives trade against each other and share what makes them
good. A candidate then takes each coordinate from its own draw (a good trial or the
prior, chosen anew per dimension), so what one good trial found can reach the
others; the joint ratio l(x) / g(x) still picks among the candidates.

A ``normal``/``lognormal`` dimension sits on the unit interval through its prior's
CDF (0.5 is mu), so the uniform prior of the mixtures is its own prior. A space with
conditional dimensions is searched by :class:`JointTPESearch` as groups: the
dimensions active together (those under one option of a choice, or at the top)
form one group with its own joint model, fitted on the trials where that group
was active; a choice in a group decides which groups below it are asked next.
This module needs only numpy and scipy.special.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..core.space import Space
from .base import SearcherBase
from .encoding import Axis
from .groups import flat, groups, is_active, walk


@dataclass(frozen=True)
class JointTPESettings:
    """The joint TPE's settings, chosen by measurement (benchmarks/tune_defaults.py).

    5 start-up points, then the best of 24 candidates; gamma 0.35 models the best 3 of
    50 trials as good (ceil(gamma * sqrt(n)), at most 25); the prior weighs half a
    trial; kernels 0.2 of each range wide after the start-up, narrowing as
    ((n + 1) / 6) ** -0.7 with n trials (0.045 at 50, 0.028 at 100, the 0.005 floor
    near 1200). ``recombine``: candidates mix coordinates of good trials; None: only with
    several objectives, where it was measured to help (benchmarks/multiobjective.py).
    ``step_floor``: a discrete axis's kernels are at least this share of one value wide.
    ``choice_gamma`` / ``choice_explore``: how a choice between options with settings of
    their own is drawn after the start-up (``choice_gamma=0``: by the model's ratio
    alone, which froze on one option; benchmarks/model_choice.py).
    """

    n_startup_jobs: int = 5
    n_EI_candidates: int = 24
    gamma: float = 0.35
    prior_weight: float = 0.5
    bandwidth: float = 0.2
    anneal: float = 0.7
    recombine: bool | None = None
    step_floor: float = 0.5
    choice_gamma: float = 0.25
    choice_explore: float = 10.0


_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def supports(space: Space) -> bool:
    """Whether one joint model covers ``space``: every dimension unconditional."""
    return bool(space.dims) and all(d.parent is None for d in space.dims)


#: the encoding's axis under its former name, for code that imported it from here
_Axis = Axis


class JointTPE:
    """Proposes points of a flat ``space``: a spread-out start, then the joint model.

    The first ``n_startup_jobs`` points come from a Latin hypercube (every numeric axis
    cut into that many strata, one point in each), which covers the space more evenly
    than independent random draws; after that, each point is the best of
    ``n_EI_candidates`` draws from the good trials' density by the ratio l(x) / g(x).
    """

    def __init__(
        self,
        space: Space,
        *,
        n_startup_jobs: int = 5,
        gamma: float = 0.35,
        n_EI_candidates: int = 24,
        prior_weight: float = 0.5,
        bandwidth: float = 0.2,
        min_bandwidth: float = 0.005,
        cat_smoothing: float = 0.2,
        max_good: int = 25,
        anneal: float = 0.7,
        recombine: bool | None = False,
        step_floor: float = 0.5,
    ) -> None:
        if not supports(space):
            raise ValueError("JointTPE needs a space of unconditional dimensions")
        self.axes = [Axis.of(d) for d in space.dims]
        self.numeric = np.array([not a.categorical for a in self.axes])
        self.n_options = np.array([len(a.dim.allowed) if a.categorical else 0 for a in self.axes])
        # a kernel never narrower than half of what one value of a discrete axis owns
        self.floor = np.array([step_floor * a.step for a in self.axes])
        self.n_startup = n_startup_jobs
        self.gamma = gamma
        self.n_candidates = n_EI_candidates
        self.prior_weight = prior_weight
        self.bandwidth = bandwidth
        self.min_bandwidth = min_bandwidth
        self.cat_smoothing = cat_smoothing
        self.max_good = max_good
        self.anneal = anneal
        self.recombine = bool(recombine)
        self._points = np.empty((64, len(self.axes)))
        self._losses: list[float] = []
        self._numbers: list[int] = []  # the trial each row came from (for rescore)
        self._design: list[np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._losses)

    def observe(self, raw: dict[str, Any], loss: float, number: int = -1) -> None:
        """Add a finished trial (a point of the space) and its loss; a failed one: ``math.inf``."""
        n = len(self._losses)
        if n == len(self._points):  # grow by doubling: a row per trial, no per-trial objects
            self._points = np.concatenate([self._points, np.empty_like(self._points)])
        self._points[n] = [a.to_unit(raw[a.dim.key]) for a in self.axes]
        self._losses.append(float(loss))
        self._numbers.append(number)

    def rescore(self, losses: dict[int, float]) -> None:
        """Give the trials new losses by number (several objectives re-rank them all); others keep theirs."""
        self._losses = [losses.get(n, old) for n, old in zip(self._numbers, self._losses)]

    def ask(self, rng: np.random.Generator, taken: Taken | None = None) -> dict[str, Any]:
        """Raw params of the next point to try; never one ``taken`` says was tried while others are free."""
        taken = taken or _nothing_taken
        n = len(self._losses)
        if n >= self.n_startup:
            return self._suggest(self._points[:n], np.asarray(self._losses), rng, taken)
        if self._design is None:  # once: what an earlier run (warm start) told is counted
            self._design = list(self._latin_hypercube(self.n_startup - n, rng))
        while self._design:
            point = self._decode(self._design.pop())
            if not taken(point):
                return point
        return self._untried(rng, taken)  # trials still running (parallel), or the design was tried

    def n_good(self, n: int) -> int:
        """How many of ``n`` trials count as good: ceil(gamma * sqrt(n)) as in hyperopt, capped."""
        return max(1, min(math.ceil(self.gamma * math.sqrt(n)), self.max_good, n - 1))

    def _suggest(
        self, points: np.ndarray, losses: np.ndarray, rng: np.random.Generator, taken: Taken
    ) -> dict[str, Any]:
        """The free candidate with the highest l(x) / g(x); more draws while every one was tried."""
        n_ok = int(np.isfinite(losses).sum())
        if not n_ok:  # only failures so far: nothing is known to be good
            return self._untried(rng, taken)
        order = np.argsort(losses, kind="stable")  # failures last, among the rest
        n_good = min(self.n_good(len(losses)), n_ok)
        _shuffle_tied_edge(order, losses, n_good, rng)
        good = _Mixture(self, points[order[:n_good]], len(losses))
        rest = _Mixture(self, points[order[n_good:]], len(losses))
        for _ in range(_ROUNDS):
            candidates = good.sample(self.n_candidates, rng)
            score = good.log_pdf(candidates) - rest.log_pdf(candidates)
            for i in np.argsort(-score, kind="stable"):
                point = self._decode(candidates[i])
                if not taken(point):
                    return point
        return self._untried(rng, taken)

    def _untried(self, rng: np.random.Generator, taken: Taken) -> dict[str, Any]:
        """A point from the prior that was not tried: drawn, or picked from the few left untried.

        Only when every point of a finite space was tried does a tried one come back.
        """
        for _ in range(_PRIOR_DRAWS):
            point = self._decode(self._latin_hypercube(1, rng)[0])
            if not taken(point):
                return point
        sizes = [len(a.dim.allowed) if a.dim.is_choice else a.size for a in self.axes]
        if all(sizes) and math.prod(sizes) <= _ENUMERABLE:  # a small finite space: list what is left
            grids = [_values(a, s) for a, s in zip(self.axes, sizes)]
            free = [p for p in _product(self.axes, grids) if not taken(p)]
            if free:
                return free[int(rng.integers(len(free)))]
        return point  # every point was tried: repeat one

    def _latin_hypercube(self, k: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((k, len(self.axes)))
        for j, axis in enumerate(self.axes):
            few = axis.size if axis.order or (axis.step and axis.size < 2 * k) else 0
            if few and axis.dim.kind != "logint":  # a few even values: strata of values, none twice
                out[:, j] = (_value_strata(few, k, rng) + rng.random(k)) / few
            elif self.numeric[j]:
                out[:, j] = (rng.permutation(k) + rng.random(k)) / k
            else:  # options in turn from a shuffled order: each once before any twice
                order = rng.permutation(self.n_options[j])
                out[:, j] = rng.permutation(order[np.arange(k) % self.n_options[j]])
        return out

    def _decode(self, u: np.ndarray) -> dict[str, Any]:
        return {a.dim.key: a.from_unit(x) for a, x in zip(self.axes, u)}


Taken = Callable[[dict[str, Any]], bool]
"""Whether a group's values complete a point already tried or running."""

#: rounds of candidates drawn before the prior is asked for an untried point
_ROUNDS = 4
#: prior draws before a finite space's untried points are listed
_PRIOR_DRAWS = 64
#: the most points a finite space may have for its untried ones to be listed
_ENUMERABLE = 100_000


def _shuffle_tied_edge(order: np.ndarray, losses: np.ndarray, n_good: int, rng: np.random.Generator) -> None:
    """Shuffle, in place, the trials of ``order`` tied with the last good one, when the tie runs
    past the good ones: which of equal trials count as good is then drawn anew at each ask.

    An objective with a plateau (an error count: many configurations make exactly 19
    mistakes) ties many trials at the best value. Taken in trial order, the good ones would
    always be the first few found on the plateau, and the search would refine around them
    for good while kernels narrow (SVC on digits: 40 of 120 trials at one error count, in a
    band a tenth of a decade wide). Drawn among all of them, the good kernels move over the
    whole plateau and the search walks off its edges. Without such a tie no draw is made.
    """
    if n_good >= len(order) or losses[order[n_good - 1]] != losses[order[n_good]]:
        return
    tied = np.flatnonzero(losses[order] == losses[order[n_good - 1]])
    order[tied] = order[tied][rng.permutation(len(tied))]


def _best_share(losses: np.ndarray, gamma: float) -> np.ndarray:
    """Each trial's share of the best ``gamma`` of the trials: 1 inside, 0 outside, and trials tied
    at the edge share the places left, so a plateau of equal values (an option whose trials all
    reach the same score) does not fill the best quarter by itself."""
    finite = np.sort(losses[np.isfinite(losses)])
    if not len(finite):
        return np.zeros(len(losses))
    k = max(1, math.ceil(gamma * len(finite)))
    edge = finite[k - 1]
    below = losses < edge
    tied = losses == edge
    return np.where(below, 1.0, np.where(tied, (k - below.sum()) / max(1, tied.sum()), 0.0))


def model_settings(settings: JointTPESettings) -> dict[str, Any]:
    """The settings one group's model takes (the choice settings are the search's own)."""
    out = asdict(settings)
    del out["choice_gamma"], out["choice_explore"]
    return out


def _under(space: Space, dim: Any, head: tuple[str, int]) -> bool:
    """Whether ``dim`` sits (at any depth) under the option ``head`` of a choice."""
    parent = dim.parent
    while parent is not None:
        if parent == head:
            return True
        parent = space.by_key[parent[0]].parent
    return False


def point_key(raw: dict[str, Any]) -> tuple[Any, ...]:
    """A point as something a set holds: its values by key, in key order."""
    return tuple(sorted(raw.items()))


def _nothing_taken(point: dict[str, Any]) -> bool:
    return False


def _value_strata(size: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` of ``size`` evenly owned values (indices), one per stratum of values; each once before any twice."""
    if size <= k:
        order = rng.permutation(size)
        return rng.permutation(order[np.arange(k) % size])
    edges = np.ceil(np.arange(k + 1) * size / k).astype(int)  # k runs of at least one value each
    picks = edges[:-1] + (rng.random(k) * (edges[1:] - edges[:-1])).astype(int)
    return rng.permutation(picks)


def _values(axis: Axis, size: int) -> list[Any]:
    """Every raw value of a finite axis: a choice's kept options, an integer range, a quantised range's steps."""
    dim = axis.dim
    if dim.is_choice:
        return list(dim.allowed)
    if dim.is_int and dim.kind != "quniform":  # int and logint: every integer, whatever the scale
        return list(range(int(dim.low), int(dim.high) + 1))
    return [axis.from_unit((i + 0.5) / size) for i in range(size)]


def _product(axes: list[Axis], grids: list[list[Any]]) -> Iterator[dict[str, Any]]:
    for values in itertools.product(*grids):
        yield {a.dim.key: v for a, v in zip(axes, values)}


class _Mixture:
    """A uniform prior plus one kernel per trial, over all dimensions jointly."""

    def __init__(self, model: JointTPE, points: np.ndarray, n: int) -> None:
        self.model = model
        self.points = points
        if model.anneal:  # coarse to fine: wide kernels at first, narrowing as the study grows
            sigma = model.bandwidth * ((n + 1) / (model.n_startup + 1)) ** -model.anneal
        else:  # Scott's rule on this mixture's own trials
            sigma = model.bandwidth * (len(points) + 1) ** (-1.0 / (int(model.numeric.sum()) + 4))
        self.sigma = np.maximum(max(sigma, model.min_bandwidth), model.floor)  # one width per dimension
        weights = np.concatenate([[model.prior_weight], np.ones(len(points))])  # the prior first
        self.weights = weights / weights.sum()

    def sample(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` draws: pick the prior or a trial by weight, then each coordinate near it
        (``recombine``: a pick per coordinate)."""
        from scipy.special import ndtr, ndtri  # loaded with hyperopt anyway; kept off `import hpmagic`

        model = self.model
        d = len(model.axes)
        if model.recombine:
            which = rng.choice(len(self.weights), size=(k, d), p=self.weights)
        else:
            which = np.repeat(rng.choice(len(self.weights), size=k, p=self.weights)[:, None], d, axis=1)
        from_prior = which == 0
        if len(self.points):
            centre = self.points[np.maximum(which - 1, 0), np.arange(d)]
        else:
            centre = np.zeros((k, d))
        out = np.empty((k, d))
        for j in range(d):
            if model.numeric[j]:  # a normal truncated to [0, 1], by its inverse CDF
                mu, s = centre[:, j], self.sigma[j]
                lo, hi = ndtr(-mu / s), ndtr((1 - mu) / s)
                p = np.clip(lo + rng.random(k) * (hi - lo), 1e-12, 1 - 1e-12)
                out[:, j] = np.where(from_prior[:, j], rng.random(k), np.clip(mu + s * ndtri(p), 0.0, 1.0))
            else:
                keep = ~from_prior[:, j] & (rng.random(k) >= model.cat_smoothing)
                out[:, j] = np.where(keep, centre[:, j], rng.integers(model.n_options[j], size=k))
        return out

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """log density of each row of ``x`` (candidates × dimensions) under the mixture."""
        from scipy.special import ndtr

        model = self.model
        log_k = np.zeros((len(self.points), len(x)))  # trial kernel × candidate
        for j in range(len(model.axes)):
            mu = self.points[:, j][:, None]
            if model.numeric[j]:
                s = self.sigma[j]
                z = (x[None, :, j] - mu) / s
                mass = np.log(np.maximum(ndtr((1 - mu) / s) - ndtr(-mu / s), 1e-300))
                log_k += -0.5 * z * z - _LOG_SQRT_2PI - math.log(s) - mass
            else:
                other = model.cat_smoothing / model.n_options[j]
                log_k += np.where(
                    x[None, :, j] == mu, math.log(1 - model.cat_smoothing + other), math.log(other)
                )
        log_prior = np.full((1, len(x)), -float(np.log(np.maximum(model.n_options[~model.numeric], 1)).sum()))
        terms = np.vstack([log_prior, log_k]) + np.log(self.weights)[:, None]
        top = terms.max(axis=0)
        return top + np.log(np.exp(terms - top).sum(axis=0))


class JointTPESearch(SearcherBase):
    """The joint TPE as a study's search, one model per group of dimensions active together.

    On a flat space that is one model over every dimension. A group's model sees
    only the trials where the group was active, so the options of a choice do
    not blur each other's ranges. Until the group under each option of a choice
    has had its own start-up (``n_startup_jobs`` points), that choice is set to the
    option tried least; after that its option is drawn by Thompson sampling
    (:meth:`_sample_option`), so an option that looked good early (an easy, mediocre
    model) does not take every later trial while the others' ranges are still
    unexplored. A failed trial counts as its worst result.
    """

    def __init__(
        self, space: Space, rng: np.random.Generator | None = None, settings: JointTPESettings | None = None
    ) -> None:
        super().__init__(space, rng)
        settings = settings or JointTPESettings()
        self.models = {
            parent: JointTPE(flat(dims), **model_settings(settings)) for parent, dims in groups(space).items()
        }
        self.n_startup = settings.n_startup_jobs
        self.choice_gamma = settings.choice_gamma
        self.choice_explore = settings.choice_explore
        self._depth = {  # how many dimensions each option of a choice brings, nested ones too
            (d.key, o): sum(1 for e in space.dims if _under(space, e, (d.key, o)))
            for d in space.dims
            if d.is_choice
            for o in d.allowed
        }
        self._asked: dict[tuple[str, int], int] = {}  # points proposed under each option with a group
        self._tried: set[tuple[Any, ...]] = set()  # every point told or proposed: none is proposed twice

    @property
    def model(self) -> JointTPE:
        """The top group's model (on a flat space, the only one)."""
        return self.models[None]

    def _ask(self, number: int, seed: int) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        point = walk(self.space, lambda parent, finish: self._fill(parent, finish, rng))
        self._tried.add(point_key(point))
        return point

    def _fill(
        self,
        parent: tuple[str, int] | None,
        finish: Callable[[dict[str, Any]], dict[str, Any] | None],
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        def taken(values: dict[str, Any]) -> bool:
            whole = finish(values)
            return whole is not None and point_key(whole) in self._tried

        point = self.models[parent].ask(rng, taken)
        for key in list(point):
            dim = self.space.by_key[key]
            heads = [(key, o) for o in dim.allowed if (key, o) in self.models] if dim.is_choice else []
            if not heads:
                continue
            tried = {h: max(len(self.models[h]), self._asked.get(h, 0)) for h in heads}
            least = min(tried.values())
            if least < self.n_startup:  # an option whose group has not had its start-up
                point[key] = int(rng.choice([h[1] for h in heads if tried[h] == least]))
            elif self.choice_gamma:
                point[key] = self._sample_option(parent, dim, rng)
            head = (key, point[key])
            if head in self.models:
                self._asked[head] = max(len(self.models[head]), self._asked.get(head, 0)) + 1
        return point

    def _sample_option(self, parent: tuple[str, int] | None, dim: Any, rng: np.random.Generator) -> int:
        """An option of a choice with settings of its own, drawn by how likely it is to give a good trial.

        Each option's chance is a Beta posterior of its trials landing among the best
        ``choice_gamma`` of all trials of the choice (Thompson sampling): an option that
        keeps giving good trials is drawn most, one that never does is drawn less and less,
        but none is frozen out by the few trials of its start-up. Until an option has had
        ``choice_explore`` × (1 + its dimensions) trials, its bad ones count only in part:
        a few random points in a space of several settings say little about its best.
        """
        model = self.models[parent]
        n = len(model)
        column = model._points[:n, [a.dim.key for a in model.axes].index(dim.key)]
        losses = np.asarray(model._losses)
        credit = _best_share(losses, self.choice_gamma)
        draws = []
        for position, option in enumerate(dim.allowed):
            mine = losses[column == position]
            good = float(credit[column == position].sum())
            explored = 1.0
            if self.choice_explore:
                explored = min(1.0, len(mine) / (self.choice_explore * (1 + self._depth[(dim.key, option)])))
            draws.append(rng.beta(1 + good, 1 + (len(mine) - good) * explored))
        return int(dim.allowed[int(np.argmax(draws))])

    def _ended(self, raw: dict[str, Any]) -> None:
        self._tried.add(point_key(raw))  # a pruned or failed point, or one from an earlier run, was tried too

    def _observe(self, number: int, raw: dict[str, Any], loss: float) -> None:
        for parent, model in self.models.items():
            if is_active(parent, raw):
                model.observe(raw, loss, number)

    def rescore(self, losses: dict[int, float]) -> None:
        """New losses by trial number for every model (several objectives rank trials anew)."""
        for model in self.models.values():
            model.rescore(losses)

    def _observe_failure(self, number: int, raw: dict[str, Any]) -> None:
        # a region where trials fail is proposed less often
        self._observe(number, raw, math.inf)
