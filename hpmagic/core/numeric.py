"""Numbers as people hand them over: numpy, pandas and ``numbers`` types as Python's own.

A trial number read from ``study.to_dataframe()`` is a numpy integer, a bound read from
an array a numpy float, a ratio a :class:`fractions.Fraction`. Every public entry point
that takes a number passes it through here first, so each is taken like the ``int`` or
``float`` it stands for, and the rest of the package sees only Python numbers (which
JSON, SQLite and ``repr`` in generated code all understand).
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as a Python ``bool``, ``int`` or ``float`` when it stands for one, else as it is.

    numpy and pandas scalars, 0-d arrays and any :class:`numbers.Integral` or
    :class:`numbers.Real` qualify; a numpy bool stays a bool (it is no integer).
    """
    kind = type(value)
    if kind in (int, float, bool, str) or value is None:
        return value
    if isinstance(value, str):  # numpy's str_
        return str(value)
    if isinstance(value, bytes):
        return value
    if kind.__name__ == "bool_" or isinstance(value, bool):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return operator.index(value)
    if isinstance(value, numbers.Real):
        return float(value)
    item = getattr(value, "item", None)
    if getattr(value, "shape", None) == () and callable(item):  # a 0-d array
        try:
            return plain(item())
        except (TypeError, ValueError):
            return value
    return value


def integer(value: Any, what: str, expects: str = "an integer") -> int:
    """``value`` as an ``int`` (any integer type, never a bool); :class:`TypeError` naming ``what``."""
    number = plain(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"{what} takes {expects}, got {value!r:.60}")
    return number


def real(value: Any) -> float | int | None:
    """``value`` as a Python ``int`` or ``float`` when it is a number (not a bool), else ``None``."""
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def finite(value: float | int) -> bool:
    """Whether a Python number is finite as a float (an int beyond floats is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def seconds(value: Any) -> float | None:
    """A timeout of any number type as a float (``None`` stays ``None``: no limit)."""
    number = real(value)
    if value is None or number is None:
        return value
    return float(number)
