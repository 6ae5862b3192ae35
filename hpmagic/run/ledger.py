"""A study's book of trials: the ended trials, the best one, the direction and the numbers.

Plain data with the rules that rank trials; the study guards it with its lock and
the run loop writes to it. Who decided the direction (an option, the stored study,
the cell) matters: a stored direction ranks earlier trials, so a cell whose
objective now says the opposite is refused rather than searched the wrong way.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from ..core.objectives import Objective, losses_of, objective_keys, scored
from ..core.options import OptionsError
from ..core.pareto import dominates
from ..core.space import Space, zoom
from ..core.trials import COMPLETE, FAILED, PRUNED, Direction, Trial

#: what a result dict's key says about the direction
IMPLIED_DIRECTION = {"score": "maximize", "loss": "minimize"}


def direction_conflict(name: str, stored: str, implied: str) -> str:
    """One line: the cell's objective says ``implied``, the stored study went ``stored``."""
    key = "score" if implied == "maximize" else "loss"
    flag = "--maximize" if stored == "maximize" else "--minimize"
    return (
        f"study '{name}' was run to {stored} and this cell returns a '{key}' to {implied}: "
        f"give {flag} to go on as before, or another --name for a new study"
    )


def first_direction(
    name: str, explicit: str | None, hint: str | None, stored: str | None, notes: list[str]
) -> tuple[str | None, str | None]:
    """The direction and who set it: the options, the stored study, or the cell itself.

    An explicit option wins (with a note when it turns a stored study round); a stored
    direction with a cell that says the opposite is an :class:`OptionsError`.
    """
    if explicit is not None:
        if stored is not None and stored != explicit:
            notes.append(
                f"direction changed from {stored} to {explicit}: earlier trials are ranked the new way"
            )
        return explicit, "option"
    if stored is not None:
        if hint is not None and hint != stored:
            raise OptionsError(direction_conflict(name, stored, hint))
        return stored, "stored"
    return hint, "cell" if hint else None


class Ledger:
    """The trials in the order they ended, the best complete one, and the next trial number."""

    def __init__(
        self,
        history: list[Trial],
        direction: str | None,
        decided_by: str | None,
        first_number: int = 0,
        objectives: tuple[Objective, ...] = (),
    ) -> None:
        self.trials: list[Trial] = list(history)
        self.best: Trial | None = None
        self.objectives = objectives  # several: the best is the front's best in the first one
        self._front: tuple[int, list[Trial]] = (-1, [])
        self._keys: tuple[int, dict[int, float]] = (-1, {})
        self._ranked_front: tuple[Space | None, int, list[dict[str, Any]]] = (None, -1, [])
        self.direction_name = direction
        self.decided_by = decided_by
        # a continued study numbers its trials after the stored ones
        self.next_number = max(first_number, max((t.number for t in self.trials), default=-1) + 1)
        self._ranked: tuple[Space, str | None, int, list[tuple[float, int, Any]]] | None = None
        for trial in self.trials:
            self.update_best(trial)

    @property
    def direction(self) -> Direction:
        return Direction.of(self.direction_name)

    def loss(self, trial: Trial) -> float | None:
        return None if trial.value is None else self.direction.loss(trial.value)

    def update_best(self, trial: Trial) -> None:
        if trial.state != COMPLETE or trial.value is None or not trial.feasible:
            return
        if self.objectives:
            if scored(trial, self.objectives) and (
                self.best is None or self.losses(trial) < self.losses(self.best)
            ):
                self.best = trial  # first objective first, the others break ties: on the front
            return
        if self.best is None or self.direction.better(trial.value, self.best.value):
            self.best = trial

    def losses(self, trial: Trial) -> tuple[float, ...]:
        """A trial's objectives as losses (maximised ones negated), in the spec's order."""
        return losses_of(self.objectives, trial.values)

    def front(self) -> list[Trial]:
        """The Pareto front of the complete feasible trials, by the first objective; the best
        trial alone for one objective. Each new trial joins it or not against the front alone
        (a view asks at every refresh: walking every trial again cost 10 ms at 5000 trials)."""
        if not self.objectives:
            return [self.best] if self.best is not None else []
        seen, front = self._front
        if seen != len(self.trials):  # trials are only added: update the front by the new ones
            front = list(front)  # the list handed out before stays as it was
            for t in self.trials[max(seen, 0) :]:
                if not scored(t, self.objectives):
                    continue
                new = self.losses(t)
                if any(dominates(self.losses(f), new) for f in front):
                    continue
                front = [f for f in front if not dominates(new, self.losses(f))]
                front.append(t)
            front.sort(key=self.losses)  # stable: equal trials stay in trial order
            self._front = (len(self.trials), front)
        return front

    def add(self, trial: Trial) -> None:
        self.trials.append(trial)
        self.update_best(trial)

    def counts(self) -> dict[str, int]:
        out = {COMPLETE: 0, FAILED: 0, PRUNED: 0}
        for t in self.trials:
            out[t.state] = out.get(t.state, 0) + 1
        return out

    def take_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def give_back(self, number: int) -> None:
        """A number handed out for a trial that never started is used again."""
        if self.next_number == number + 1:
            self.next_number = number

    def conflict(self, key: str | None, name: str) -> str | None:
        """The refusal when a result's key contradicts the stored direction, else ``None``."""
        implied = IMPLIED_DIRECTION.get(key or "")
        if implied and self.decided_by == "stored" and implied != self.direction_name:
            return direction_conflict(name, self.direction, implied)
        return None

    def settle(self, key: str | None, state: str) -> bool:
        """Fix an undecided direction from the first result; True when earlier losses are now wrong."""
        if self.direction_name is not None:
            return False
        if key == "score":
            self.direction_name = "maximize"
            return True
        if state == COMPLETE:
            self.direction_name = "minimize"
        return False

    def ranked(self, space: Space) -> list[dict[str, Any]]:
        """Raw params of the complete trials inside ``space``, best first (for the edge rule).

        Kept between calls for the same space and direction: only trials added since are
        checked against the space, so a view may ask at every refresh of a long study.
        With several objectives the order is the front's (rank, then hypervolume share).
        """
        if self.objectives:  # a new trial may reorder all of them: kept per space and trial count
            if self._ranked_front[:2] != (space, len(self.trials)):
                keys = self.rank_keys()
                inside = [t for t in self.trials if t.counts and t.number in keys and space.contains(t.raw)]
                ordered = [t.raw for t in sorted(inside, key=lambda t: keys[t.number])]
                self._ranked_front = (space, len(self.trials), ordered)
            return self._ranked_front[2]
        cached = self._ranked
        if cached is None or cached[0] is not space or cached[1] != self.direction_name:
            cached = self._ranked = (space, self.direction_name, 0, [])
        _, _, seen, rows = cached
        for i, t in enumerate(self.trials[seen:], start=seen):
            loss = self.loss(t) if t.counts else None  # infeasible trials rank nowhere
            if loss is not None and space.contains(t.raw):
                bisect.insort(rows, (loss, i, t.raw), key=lambda row: row[:2])
        self._ranked = (space, self.direction_name, len(self.trials), rows)
        return [row[2] for row in rows]

    def rank_keys(self) -> dict[int, float]:
        """With several objectives, trial number → its place among the complete trials (lower
        is better; infeasible last). Kept until a trial is added."""
        if self._keys[0] != len(self.trials):
            self._keys = (len(self.trials), objective_keys(self.trials, self.objectives))
        return self._keys[1]

    def zoomed(self, space: Space, fraction: float, pad: float) -> dict[str, Any]:
        """Ranges around the best ``fraction`` of complete trials (see ``Study.suggest_refinement``)."""
        done = [t for t in self.trials if t.counts]
        rank: Any = self.loss
        if self.objectives:  # the front and the ranks after it, not the first objective alone
            keys = self.rank_keys()
            done = [t for t in done if t.number in keys]
            rank = lambda t: keys[t.number]  # noqa: E731
        inside = [t for t in done if space.contains(t.raw)]
        pool = inside if len(inside) >= 4 else done
        if len(pool) < 4:
            return {}
        pool.sort(key=rank)
        best = pool[: max(2, math.ceil(fraction * len(pool)))]
        return zoom(space, [t.raw for t in best], pad=pad)
