"""``--prune folds``: stop a trial whose first folds are surely worse than the best trial's same folds.

Every trial of a study scores the same folds (``tune.cross_val_score`` sees to it),
so a trial can be compared fold by fold with the best trial so far: the paired
differences ``d_i = loss_i(trial) - loss_i(best)`` cancel how hard each fold is.
After each fold the trial stops when the mean difference is above zero with
confidence, by a one-sided paired t-test whose variance is the trial's own, shrunk
towards the variance of the differences seen between the best trial and the other
trials that ran every fold, those about as far behind the best as this trial is
(trials far from the best differ from it more from fold to fold). While fewer
than two other trials ran every fold, the best trial's own spread over its folds
stands in for it. That pooled variance is what lets one fold decide: a trial whose
first fold is off by many times the usual spread of paired differences is stopped
at once, where a rank test on 5 folds could not decide before the fourth
(Wilcoxon's smallest one-sided p-value with k folds is 2**-k).

When it stops a trial it answers with estimates of the scores of the folds not run
(the best trial's score there, moved by the mean difference), so the trial's value
is an honest estimate in the objective's units (see :mod:`hpmagic.core.crossval`).

The test runs at 90 % confidence. Replayed on recorded searches of the benchmark's
cells (``benchmarks/fold_replay.py``), 95 % saved 27–30 % of the CPU time of a
boosted-trees search and 90 % 34–37 % (SVC 45–49 % and 48–52 %, forest 9–22 % and
11–27 %), with no trial stopped that would have become the best; 80 % saved more
still but stopped 4 such trials on one SVC search. On a cell the level was not picked
on (gradient boosting on the diabetes set), 90 % saved 23–55 % and stopped none such;
80 % stopped 25 on one search.

Reports of ``tune.cross_val_score`` are scores (greater is better), whatever the
study's direction; plain ``tune.report`` values are read in the study's direction,
each step one fold.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from typing import Any

from ..core.trials import Direction


def _t_quantile(df: float, p: float) -> float:
    from scipy.special import stdtrit

    return float(stdtrit(df, p))


class FoldsPruner:
    """A paired test of a trial's folds against the best trial's same folds."""

    def __init__(
        self, confidence: float = 0.9, min_full: int = 1, prior_df: float = 4.0, neighbours: int = 5
    ) -> None:
        if not 0.5 < confidence < 1 or min_full < 1 or prior_df <= 0:
            raise ValueError("folds pruning needs 0.5 < confidence < 1, min_full >= 1 and prior_df > 0")
        #: how sure the test must be that the trial is worse before it stops it
        self.confidence = confidence
        #: trials that ran every fold before any is stopped (the best and others to pool from)
        self.min_full = min_full
        #: how many degrees of freedom the pooled variance counts for against the trial's own
        self.prior_df = prior_df
        #: full trials the pooled variance comes from, those whose mean difference is nearest (0: all)
        self.neighbours = neighbours or 10**9
        self._lock = threading.Lock()
        self._losses: dict[int, dict[int, float]] = {}  # trial → fold → loss (lower is better)
        self._n: int | None = None  # folds in a full trial
        #: (reference, full trials, [(mean difference, variance of differences)] per full trial)
        self._pooled: tuple[int, int, list[tuple[float, float]]] | None = None

    # -- what the study calls -------------------------------------------------------
    def add_history(
        self, number: int, reports: Iterable[tuple[int, float]], folds: int | None = None
    ) -> None:
        """Reports of a trial that ended before this pruner existed (a continued study).

        ``folds`` is the number of folds when the reports are CV scores (greater is better);
        None when they are plain reports (losses: the direction is not known here, so a continued
        study of plain reports is read as minimising, the common case).
        """
        with self._lock:
            for step, value in reports:
                self._put(number, int(step), -float(value) if folds else float(value), folds)

    def should_prune(
        self, study: Any, number: int, step: int, value: float, folds: int | None = None
    ) -> bool | list[float]:
        """Record the fold; False to go on, else the estimated scores of the folds not run."""
        loss = -value if folds else Direction.of(getattr(study, "direction", None)).sign * value
        with self._lock:
            self._put(number, step, loss, folds)
            verdict = self._judge(number)
        if verdict is None:
            return False
        if not folds:
            return True
        return [-v for v in verdict]

    # -- inside -----------------------------------------------------------------------
    def _put(self, number: int, step: int, loss: float, folds: int | None) -> None:
        if not math.isfinite(loss):
            return
        self._losses.setdefault(number, {})[step] = loss
        if folds:
            self._n = folds
        elif self._n is None or step + 1 > self._n:
            self._n = step + 1

    def _full(self) -> dict[int, list[float]]:
        n = self._n or 0
        return {
            t: [losses[i] for i in range(n)]
            for t, losses in self._losses.items()
            if n and all(i in losses for i in range(n))
        }

    def _judge(self, number: int) -> list[float] | None:
        """None to go on, else the estimated losses of the folds the trial has not run."""
        mine, n = self._losses.get(number, {}), self._n or 0
        if not mine or len(mine) >= n:
            return None
        full = self._full()
        full.pop(number, None)
        if len(full) < self.min_full:
            return None
        ref = min(full, key=lambda t: sum(full[t]))
        diffs = [mine[i] - full[ref][i] for i in sorted(mine) if i < n]
        k, mean = len(diffs), sum(diffs) / len(diffs)
        if mean <= 0:
            return None
        pooled = self._pooled_variance(ref, full, mean)
        own = sum((d - mean) ** 2 for d in diffs) / (k - 1) if k > 1 else 0.0
        df = self.prior_df + k - 1
        variance = (self.prior_df * pooled + (k - 1) * own) / df
        if variance <= 0:
            variance = (1e-12 * max(1.0, abs(mean))) ** 2
        if mean / self._standard_error(variance, k, n) <= _t_quantile(df, self._confidence(number, full)):
            return None
        return [full[ref][i] + mean for i in range(n) if i not in mine]

    def _standard_error(self, variance: float, k: int, n: int) -> float:
        """Of the trial's mean difference after ``k`` of ``n`` folds: the test asks whether the trial is
        worse than the best, not only on these ``n`` folds (which would shrink its variance by
        (n - k) / n and, replayed, stopped would-be bests on a held-out cell;
        ``benchmarks/fold_replay.py --rules``)."""
        return math.sqrt(variance / k)

    def _confidence(self, number: int, full: dict[int, list[float]]) -> float:
        """How sure the test must be for this trial (the same for all: weighting it by what the trial's
        folds cost stopped would-be bests in the same replay)."""
        return self.confidence

    def _pooled_variance(self, ref: int, full: dict[int, list[float]], gap: float) -> float:
        """Mean variance over folds of (full trial - best) differences, from the full trials whose
        mean difference is nearest ``gap``: trials far from the best differ from it more from fold
        to fold, so a trial a little behind is judged by the spread of trials a little behind."""
        if self._pooled is None or self._pooled[:2] != (ref, len(full)):
            best, pairs = full[ref], []
            for t, losses in full.items():
                if t == ref or len(losses) < 2:
                    continue
                d = [a - b for a, b in zip(losses, best)]
                m = sum(d) / len(d)
                pairs.append((m, sum((x - m) ** 2 for x in d) / (len(d) - 1)))
            self._pooled = (ref, len(full), sorted(pairs))
        pairs = self._pooled[2]
        near = sorted(pairs, key=lambda p: abs(p[0] - gap))[: self.neighbours]
        pooled = sum(v for _, v in near) / len(near) if near else 0.0
        if len(pairs) >= 2:
            return pooled
        # too few to pool from: the spread of differences if this trial's folds varied as the best's
        # do, independently of them (folds usually move together, so differences vary less)
        best = full[ref]
        mean = sum(best) / len(best)
        return max(pooled, 2 * sum((x - mean) ** 2 for x in best) / (len(best) - 1))
