"""The dimensions of a space in groups that are active together.

A dimension at the top of a cell is always active; one written inside an option
of a choice is active when that option is chosen. The dimensions sharing a
parent (the top, or one option of one choice) are therefore active together:
a point of the space is built by filling the top group, then, for each choice
in it, the group under the option chosen, and so on down. Searchers that model
dimensions together (the joint TPE) fit one model per group, on the trials
where that group was active; the others (random search, annealing) walk the
groups the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..core.space import Dimension, Space


def groups(space: Space) -> dict[tuple[str, int] | None, list[Dimension]]:
    """Dimensions by the option they sit under (``None``: the top), each list in cell order."""
    out: dict[tuple[str, int] | None, list[Dimension]] = {}
    for dim in space.dims:
        out.setdefault(dim.parent, []).append(dim)
    return out


def flat(dims: list[Dimension]) -> Space:
    """A space of ``dims`` as if written at the top (what a group's own model sees)."""
    return Space([replace(d, parent=None) for d in dims])


def is_active(parent: tuple[str, int] | None, raw: dict[str, Any]) -> bool:
    """Whether the group under ``parent`` is active in the point ``raw`` of the space."""
    return parent is None or raw.get(parent[0]) == parent[1]


def walk(space: Space, fill: Callable[[tuple[str, int] | None], dict[str, Any]]) -> dict[str, Any]:
    """A point of ``space``: ``fill`` gives each active group's values, top first.

    ``fill(parent)`` is called only for groups that exist; the choices among the
    values it returns decide which groups are filled next.
    """
    present = {d.parent for d in space.dims}
    raw: dict[str, Any] = {}
    pending: list[tuple[str, int] | None] = [None]
    while pending:
        parent = pending.pop(0)
        if parent not in present:
            continue
        values = fill(parent)
        raw.update(values)
        pending.extend((key, v) for key, v in values.items() if space.by_key[key].is_choice)
    return raw
