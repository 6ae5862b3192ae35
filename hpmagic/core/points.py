"""A hand-picked configuration, checked against a space and turned into raw params.

``study.enqueue({"lr": 0.01, "model": "svc"})`` gives values as people see them
(labels, a choice's option as written in the cell). :func:`point_of` checks every
entry at once, so a typo is a one-line :class:`SpaceError` when the point is queued,
not a failed trial later; labels left out take the cell's own value (its default).
"""

from __future__ import annotations

import math
from typing import Any

from .space import Dimension, Space, SpaceError, _equal, _same, multiple_in_range


def point_of(
    space: Space, params: dict[str, Any], where: str = "enqueue", fill: bool = True
) -> dict[str, Any]:
    """Raw params for ``params`` (label or key → value); labels left out take the defaults
    (without ``fill``, a label left out that the point needs is a :class:`SpaceError`).

    Raises :class:`SpaceError` naming the label for an unknown label, a value outside
    its range, an option that is not one of the choice's, or a label that the chosen
    options leave unused.
    """
    if not isinstance(params, dict):
        raise SpaceError(f"{where}: params must be a dict of label → value, got {type(params).__name__}")
    for name in params:
        if not isinstance(name, str) or not space.find(name):
            known = ", ".join(sorted({d.label for d in space.dims})) or "no dimensions"
            raise SpaceError(f"{where}: no dimension {name!r}; the space has {known}")
    raw: dict[str, Any] = {}
    used: set[str] = set()

    def walk(parent: tuple[str, int] | None) -> None:
        for dim in space.children(parent):
            name = dim.key if dim.key in params else dim.label
            if name in params:
                raw[dim.key] = _raw_value(dim, params[name], where)
                used.add(name)
            elif fill:
                raw[dim.key] = dim.default if dim.contains(dim.default) else _first(dim)
            else:
                raise SpaceError(f"{where}: no value for {dim.label!r}")
            if dim.is_choice:
                walk((dim.key, raw[dim.key]))

    walk(None)
    unused = [name for name in params if name not in used]
    if unused:
        raise SpaceError(f"{where}: {unused[0]!r} is not used with the options chosen in {params}")
    return raw


def _first(dim: Dimension) -> Any:
    return dim.allowed[0] if dim.is_choice else dim.default


def _raw_value(dim: Dimension, value: Any, where: str) -> Any:
    """The raw value of ``value`` on ``dim`` (a choice: the option's index)."""
    label, given = dim.label, value
    if dim.is_choice:
        candidates = dim.values if dim.values is not None else dim.options
        for index in dim.allowed:
            if _same(candidates[index], value) or _equal(dim.options[index], value):
                return index
        shown = [dim.options[i] for i in dim.allowed]
        raise SpaceError(f"{where}: {label}={value!r} is not one of the options {shown}")
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        value = item()  # a numpy scalar
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpaceError(f"{where}: {label} must be a finite number, got {value!r}")
    if dim.is_int:
        if not float(value).is_integer():
            raise SpaceError(f"{where}: {label} must be a whole number, got {value!r}")
        value = int(value)
    elif dim.kind != "quniform":
        value = float(value)
    if not dim.contains(value):
        raise SpaceError(f"{where}: {label}={given!r} is outside the range {dim.describe()}")
    if dim.kind == "quniform" and dim.q and dim.low is not None and dim.high is not None:
        snapped = multiple_in_range(value, dim.low, dim.high, dim.q)
        if not math.isclose(snapped, value, rel_tol=1e-9, abs_tol=1e-12):
            raise SpaceError(
                f"{where}: {label}={given!r} is not a multiple of q={dim.q!r} in {dim.describe()}"
            )
        value = int(round(snapped)) if dim.as_int else snapped
    return value
