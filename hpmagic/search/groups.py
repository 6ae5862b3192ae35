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


def walk(
    space: Space,
    fill: Callable[
        [tuple[str, int] | None, Callable[[dict[str, Any]], dict[str, Any] | None]], dict[str, Any]
    ],
) -> dict[str, Any]:
    """A point of ``space``: ``fill`` gives each active group's values, top first.

    ``fill(parent, finish)`` is called only for groups that exist; the choices among
    the values it returns decide which groups are filled next. ``finish(values)`` is
    the whole point that those values of the group would complete, or ``None`` while
    other groups are still to be filled (so a searcher can tell a point already tried
    from one that is new only in the group it is filling last).
    """
    present = {d.parent for d in space.dims}
    raw: dict[str, Any] = {}
    pending: list[tuple[str, int] | None] = [None]

    def below(values: dict[str, Any]) -> list[tuple[str, int]]:
        return [(k, v) for k, v in values.items() if space.by_key[k].is_choice and (k, v) in present]

    def finish(values: dict[str, Any]) -> dict[str, Any] | None:
        if any(p in present for p in pending) or below(values):
            return None
        return {**raw, **values}

    while pending:
        parent = pending.pop(0)
        if parent not in present:
            continue
        values = fill(parent, finish)
        raw.update(values)
        pending.extend(below(values))
    return raw
