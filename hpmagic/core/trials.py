"""Trial records: what an ended trial is, its states, and which way is better.

A :class:`Trial` is frozen, and its dicts are read-only (:class:`FrozenDict`), so
the same record can be handed to the store, the dashboard and the user at once:
nobody can change what another one reads, and nothing needs copying to be safe.
:class:`TrialState` and :class:`Direction` are string enums: they compare, print
and serialise as the plain words the contract gives (``"complete"``,
``"maximize"``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class _Word(str, Enum):
    """A str enum that prints, formats and reprs as its plain value."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __repr__(self) -> str:
        return repr(self.value)


class TrialState(_Word):
    COMPLETE = "complete"
    FAILED = "failed"
    PRUNED = "pruned"


COMPLETE, FAILED, PRUNED = TrialState.COMPLETE, TrialState.FAILED, TrialState.PRUNED


class Direction(_Word):
    """Which way the objective goes; every comparison of values goes through it."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @classmethod
    def of(cls, name: str | None) -> Direction:
        """The direction ``name`` says (None: minimise)."""
        return cls(name) if name else cls.MINIMIZE

    @property
    def sign(self) -> float:
        """+1 minimising, -1 maximising: ``sign * value`` is a loss (lower is better)."""
        return -1.0 if self is Direction.MAXIMIZE else 1.0

    def loss(self, value: float) -> float:
        return self.sign * value

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is strictly better than ``b``."""
        return self.sign * a < self.sign * b

    def best(self, trials: Iterable[Trial]) -> Trial | None:
        """The best complete feasible trial (the first of equals), or None."""
        best = None
        for t in trials:
            if (
                t.state == COMPLETE
                and t.value is not None
                and t.feasible
                and (best is None or self.better(t.value, best.value))
            ):
                best = t
        return best

    @property
    def word(self) -> str:
        """How the dashboard names the objective: a score when maximising."""
        return "score" if self is Direction.MAXIMIZE else "value"


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes: ``dict(d)`` gives a copy to change."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a trial's record is read-only; copy it with dict(...) to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:  # pickle and copy without __setitem__
        return (FrozenDict, (dict(self),))


def frozen(value: Mapping[str, Any] | None) -> FrozenDict:
    return value if isinstance(value, FrozenDict) else FrozenDict(value or {})


@dataclass(frozen=True, slots=True)  # no __dict__ per trial: a long study keeps thousands
class Trial:
    """One ended trial, as users see it (``raw`` is the search's view of its point).

    Attributes:
        number: its number in the study (continued studies number on).
        params: label → value of the dimensions active in this trial.
        value: the objective (the first one with several), or None for a failed trial; a pruned
            trial keeps its last report.
        state: ``"complete"``, ``"failed"`` or ``"pruned"``.
        duration: seconds it ran.
        error: a failed trial's message with the cell line.
        extras: the other JSON entries of the cell's result dict.
        output: what it printed (the last 64 KiB).
        reports: ``(step, value)`` pairs of its ``tune.report`` calls.
        values: with several objectives (``--objectives``): name → value.
    """

    number: int
    params: Mapping[str, Any]
    value: float | None
    state: TrialState
    duration: float
    error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=FrozenDict, repr=False)
    extras: Mapping[str, Any] = field(default_factory=FrozenDict, repr=False)
    output: str = field(default="", repr=False)
    reports: tuple[tuple[int, float], ...] = field(default=(), repr=False)
    started: float = field(default=0.0, repr=False)
    ended: float = field(default=0.0, repr=False)
    #: with several objectives (``--objectives``): name → value; ``value`` is the first one's
    values: Mapping[str, float] = field(default_factory=FrozenDict, repr=False)
    #: with ``--algo auto``: which search proposed the trial ("gp" or "tpe"); else ""
    algo: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "state", TrialState(self.state))
        for name in ("params", "raw", "extras", "values"):
            setattr_(self, name, frozen(getattr(self, name)))
        setattr_(self, "reports", tuple((int(s), float(v)) for s, v in self.reports))

    @property
    def feasible(self) -> bool:
        """False when the cell's result dict said ``"feasible": False``: such a trial is never the best."""
        return self.extras.get("feasible", True) is not False

    @property
    def counts(self) -> bool:
        """Whether the trial counts where trials are ranked (best, front, edge warnings, zoom,
        importance): complete, with a finite value, and feasible."""
        return self.state == COMPLETE and self.finite_value is not None and self.feasible

    @property
    def finite_value(self) -> float | None:
        """The value when it is a finite number (what comparisons may use)."""
        v = self.value
        return v if v is not None and math.isfinite(v) else None

    def to_dict(self) -> dict[str, Any]:
        """The trial as a plain dict: its fields, ``values`` with several objectives, and its extras."""
        return {
            "number": self.number,
            "params": dict(self.params),
            "value": self.value,
            "state": str(self.state),
            "duration": self.duration,
            "error": self.error,
            **({"values": dict(self.values)} if self.values else {}),
            **({"algo": self.algo} if self.algo else {}),
            **{k: v for k, v in self.extras.items() if k not in ("number", "params", "value")},
        }


def no_best(trials: Iterable[Trial]) -> str:
    """Why there is no best trial: none is complete yet, or every complete one is infeasible."""
    complete = [t for t in trials if t.state == COMPLETE and t.finite_value is not None]
    if complete and not any(t.feasible for t in complete):
        return f"no feasible trial yet: all {len(complete)} complete trials break a constraint"
    return "no complete trial yet"
