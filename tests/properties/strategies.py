"""Generated cells: every annotation kind, extreme and tiny ranges, nested choices, odd labels and
option values of every JSON and non-JSON type, with what each value must be to be valid.

A :class:`Spec` is one annotation: its source text and an oracle (:meth:`Spec.valid`) that
says, without asking hpmagic, whether a value is one this annotation may take.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

MAX = sys.float_info.max
#: a normal kind's values stay within mu ± SPREAD·sigma (hpmagic.core.space.SPREAD)
SPREAD = 8.0

#: labels a dict key may carry: letters of several scripts, spaces, math text, quotes, a '#'
LABEL_CHARS = "abxyzé_πλ $^#'\"\\-.0123456789🚀"


@dataclass
class Option:
    """One option of a choice: a literal (``value``) or an expression (``source``) or an annotation."""

    source: str
    literal: bool
    value: Any = None  # the value the option evaluates to (a nested annotation: None)
    nested: Spec | None = None


@dataclass
class Spec:
    kind: str
    args: tuple[Any, ...]
    label: str
    options: list[Option] = field(default_factory=list)
    nested_name: bool = False  # labelled by name= (inside an option), not by a dict key

    def source(self) -> str:
        if self.kind == "choice":
            body = "tune.choice([" + ", ".join(o.source for o in self.options) + "]"
        else:
            body = f"tune.{self.kind}(" + ", ".join(repr(a) for a in self.args)
        return body + (f", name={self.label!r})" if self.nested_name else ")")

    def nested(self) -> list[Spec]:
        return [o.nested for o in self.options if o.nested is not None]

    # -- the oracle ------------------------------------------------------------------------------
    def valid(self, value: Any) -> bool:
        """Whether ``value`` is a value this annotation may take (a choice: one of its literal options)."""
        if self.kind == "choice":
            return any(o.literal and same(o.value, value) for o in self.options)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        try:
            if not math.isfinite(value):
                return False
        except OverflowError:
            return False
        if self.kind in ("normal", "lognormal"):
            return self.kind == "normal" or value > 0
        low, high = self.args[0], self.args[1]
        if not low - 1e-12 * abs(low) <= value <= high + 1e-12 * abs(high):
            return False
        if self.kind in ("int", "logint"):
            return float(value).is_integer()
        if self.kind == "quniform":  # a multiple of q (low itself when the range is one value)
            q = self.args[2]
            if low == high:
                return value == low
            on = math.isclose(round(value / q) * q, value, rel_tol=1e-9, abs_tol=q * 1e-9)
            if all(isinstance(a, int) for a in self.args):
                on = on and float(value).is_integer()
            return on
        return True

    def typed(self, value: Any) -> bool:
        """Whether a trial's value has this annotation's type."""
        if self.kind in ("int", "logint"):
            return type(value) is int
        if self.kind == "quniform":
            return type(value) is (int if all(isinstance(a, int) for a in self.args) else float)
        if self.kind == "choice":
            return True
        return type(value) is float


def same(a: Any, b: Any) -> bool:
    """Equal and of one type (1, 1.0 and True are three values; -0.0 and 0.0 two)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


# -- ranges ------------------------------------------------------------------------------------------
finite = st.floats(allow_nan=False, allow_infinity=False)
edges = st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1.0, 1e300, MAX / 4, -(MAX / 4)])
numbers = st.one_of(finite, edges)


@st.composite
def uniform(draw: Any, label: str) -> Spec:
    low = draw(numbers)
    width = draw(st.one_of(st.sampled_from([5e-324, 1e-300, 1.0, MAX / 4]), st.floats(1e-300, MAX / 4)))
    high = low + width
    if not math.isfinite(high) or high <= low:
        high = math.nextafter(low, math.inf)
    if not math.isfinite(high - low):
        low, high = 0.0, 1.0
    return Spec("uniform", (low, high), label)


@st.composite
def loguniform(draw: Any, label: str) -> Spec:
    low = draw(st.floats(5e-324, 1e300))
    high = draw(st.floats(low, MAX).filter(lambda h: h > low))
    return Spec("loguniform", (low, high), label)


@st.composite
def quniform(draw: Any, label: str) -> Spec:
    if draw(st.booleans()):
        low = draw(st.integers(-(10**6), 10**6))
        q = draw(st.integers(1, 1000))
        high = low + q * draw(st.integers(0, 10**6))
        return Spec("quniform", (low, high, q), label)
    q = draw(st.sampled_from([1e-301, 1e-6, 0.1, 0.25, 2.5, 1e12]))
    low = q * draw(st.integers(-(10**6), 10**6))
    high = low + q * draw(st.integers(1, 10**6))
    if not q <= high - low:  # float error made the range narrower than one step
        low, high = 0.0, 10 * q
    return Spec("quniform", (low, high, q), label)


@st.composite
def integer(draw: Any, label: str) -> Spec:
    if draw(st.booleans()):
        low = draw(st.integers(1, 2**40))
        return Spec("logint", (low, low + draw(st.integers(0, 2**40))), label)
    low = draw(st.one_of(st.integers(-(2**62), 2**62), st.sampled_from([0, -1, 2**31 - 1])))
    return Spec("int", (low, low + draw(st.integers(0, 2**62))), label)


@st.composite
def normal(draw: Any, label: str) -> Spec:
    if draw(st.booleans()):
        mu = draw(st.floats(-600, 600))
        sigma = draw(st.floats(1e-300, max(1e-300, (700 - abs(mu)) / SPREAD)))
        return Spec("lognormal", (mu, sigma), label)
    mu = draw(st.floats(-1e300, 1e300))
    sigma = draw(st.floats(1e-300, 1e300))
    return Spec("normal", (mu, sigma), label)


# -- choices -----------------------------------------------------------------------------------------
literals = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, 1, -1, 2**63]),
    finite,
    st.sampled_from([0.0, 1.0, -0.0, 1e308, 5e-324, 0.1]),
    st.text(alphabet=LABEL_CHARS + "<>&\n\t", max_size=12),
)
#: options that are expressions: kept in params as their source text
EXPRESSIONS = [
    "(1, 'a')",
    "b'x'",
    "1j",
    "frozenset()",
    "range(3)",
    "dict(a=1)",
    "[None, 2.5]",
    "float('nan')",
]


@st.composite
def option(draw: Any, names: Any) -> Option:
    pick = draw(st.integers(0, 9))
    if pick == 0:
        source = draw(st.sampled_from(EXPRESSIONS))
        return Option(source, literal=False, value=eval(source))  # noqa: S307 - our own texts
    if pick == 1:
        nested = draw(annotation(names, depth=1))
        nested.nested_name = True
        return Option(nested.source(), literal=False, nested=nested)
    value = draw(literals)
    return Option(repr(value), literal=True, value=value)


@st.composite
def choice(draw: Any, label: str, names: Any, depth: int) -> Spec:
    options: list[Option] = []
    for _ in range(draw(st.integers(1, 4))):
        opt = draw(option(names)) if depth == 0 else Option(repr(v := draw(literals)), True, v)
        # options are told apart by type and value (and by sign for zeros): no two alike
        if not any(
            o.source == opt.source or (o.literal and opt.literal and same(o.value, opt.value))
            for o in options
        ):
            options.append(opt)
    return Spec("choice", (), label, options)


@st.composite
def annotation(draw: Any, names: Any, depth: int = 0) -> Spec:
    label = draw(names)
    kind = draw(st.sampled_from(["uniform", "loguniform", "quniform", "int", "normal", "choice"]))
    if kind == "choice":
        return draw(choice(label, names, depth))
    return draw(
        {
            "uniform": uniform,
            "loguniform": loguniform,
            "quniform": quniform,
            "int": integer,
            "normal": normal,
        }[kind](label)
    )


@st.composite
def cell(draw: Any) -> tuple[str, list[Spec]]:
    """A cell ``params = {label: annotation, ...}`` whose objective depends on the values."""
    used: set[str] = set()
    key_labels = st.text(alphabet=LABEL_CHARS, min_size=1, max_size=8).filter(lambda s: s not in used)
    counter = iter(range(1000))

    nested_names = st.builds(lambda: f"inner_{next(counter)}")
    specs: list[Spec] = []
    for _ in range(draw(st.integers(1, 4))):
        label = draw(key_labels)
        used.add(label)
        spec = draw(annotation(nested_names))
        spec.label = label
        specs.append(spec)
    lines = (
        ["params = {"]
        + [f"    {s.label!r}: {s.source()}," for s in specs]
        + ["}", "float(len(repr(params)) % 7)"]
    )
    return "\n".join(lines) + "\n", specs


def walk(specs: list[Spec]) -> list[Spec]:
    """Every annotation, nested ones too."""
    out: list[Spec] = []
    for s in specs:
        out.append(s)
        out.extend(walk(s.nested()))
    return out
