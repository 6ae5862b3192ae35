"""Several named objectives: ``--objectives "error:min,latency:min"``.

The spec names entries of the dict the cell ends with, each with the way it should
go (``min``/``minimize`` or ``max``/``maximize``; ``min`` when left out). The first
objective is the study's ``value`` and ``direction``, and ranks the Pareto front
for ``best_params``; all of them together decide the front.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .pareto import nondominated, order_keys
from .trials import COMPLETE, Direction

_WORDS = {"min": "minimize", "minimize": "minimize", "max": "maximize", "maximize": "maximize"}


@dataclass(frozen=True)
class Objective:
    """One named objective and its direction."""

    name: str
    direction: Direction

    def __str__(self) -> str:
        return f"{self.name}:{'max' if self.direction is Direction.MAXIMIZE else 'min'}"


def parse_objectives(spec: str) -> tuple[Objective, ...]:
    """``"error:min,latency:min"`` as objectives; :class:`ValueError` says what is wrong (in one line)."""
    if not isinstance(spec, str):
        raise ValueError(f'--objectives takes names like "error:min,latency:min", got {spec!r}')
    out: list[Objective] = []
    for part in spec.split(","):
        name, _, word = part.strip().partition(":")
        name, word = name.strip(), word.strip().lower() or "min"
        if not name:
            raise ValueError(f'--objectives {spec!r} has an empty name; write e.g. "error:min,latency:min"')
        if word not in _WORDS:
            raise ValueError(f"--objectives: '{part.strip()}' must end in :min or :max")
        if any(o.name == name for o in out):
            raise ValueError(f"--objectives names '{name}' twice")
        out.append(Objective(name, Direction(_WORDS[word])))
    if len(out) < 2:
        raise ValueError(
            f"--objectives needs at least two names, got {spec!r}; one objective is a number "
            "or a 'loss'/'score' entry (with --maximize to maximise)"
        )
    return tuple(out)


def spec_of(objectives: tuple[Objective, ...]) -> str:
    """The canonical spec (``"error:min,latency:min"``): what the store keeps and compares."""
    return ",".join(str(o) for o in objectives)


def loss_matrix(objectives: tuple[Objective, ...], values: list[Mapping[str, float]]) -> np.ndarray:
    """Rows of losses (maximised objectives negated), one per trial's values."""
    signs = np.array([o.direction.sign for o in objectives])
    rows = [[v[o.name] for o in objectives] for v in values]
    return np.asarray(rows, dtype=float).reshape(len(rows), len(objectives)) * signs


def losses_of(objectives: tuple[Objective, ...], values: Mapping[str, float]) -> tuple[float, ...]:
    """One trial's objectives as losses, in the spec's order (sorts the front: first one first)."""
    return tuple(o.direction.loss(values[o.name]) for o in objectives)


def scored(trial: Any, objectives: tuple[Objective, ...]) -> bool:
    """Whether a trial counts for the front: complete, feasible, with a value for each objective."""
    return trial.state == COMPLETE and trial.feasible and all(o.name in trial.values for o in objectives)


def pareto_front(trials: list[Any], objectives: tuple[Objective, ...]) -> list[Any]:
    """The complete feasible trials no other one beats, sorted by the first objective (then the next)."""
    done = [t for t in trials if scored(t, objectives)]
    if not done:
        return []
    mask = nondominated(loss_matrix(objectives, [t.values for t in done]))
    return sorted((t for t, keep in zip(done, mask) if keep), key=lambda t: losses_of(objectives, t.values))


#: with several objectives, only the best this many trials are told apart by rank (TPE reads the best 25)
RANKED_ENOUGH = 60


def objective_keys(trials: list[Any], objectives: tuple[Objective, ...]) -> dict[int, float]:
    """Trial number → its key among the complete trials (lower is better, see ``order_keys``).

    Infeasible trials come after every feasible one, so the search learns to avoid them;
    the edge rule and *Zoom to best* rank trials by the same keys.
    """
    done = [t for t in trials if t.state == COMPLETE and len(t.values) == len(objectives)]
    feasible = [t for t in done if t.feasible]
    keys: dict[int, float] = {}
    if feasible:
        ordered = order_keys(loss_matrix(objectives, [t.values for t in feasible]), RANKED_ENOUGH)
        keys = {t.number: float(k) for t, k in zip(feasible, ordered)}
    worst = max(keys.values(), default=0.0) + 1.0
    keys.update({t.number: worst for t in done if not t.feasible})
    return keys
