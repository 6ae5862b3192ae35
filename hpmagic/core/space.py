"""The search space: dimensions with evaluated bounds, in natural units.

A :class:`Space` is built per run from a :class:`~hpmagic.program.Program` and the
namespace the cell runs in (bounds may be expressions over the user's variables).
It owns everything about values: defaults, membership (``contains``), narrowing
and widening (``refine``), conversion to and from hyperopt's representation, and
the JSON form kept in the store.

*Raw params* are what a trial is given: ``{key: value}`` for the active
dimensions, numbers in natural units (``int`` for integer kinds) and, for a
choice, the index of the option in the cell's original option list. *User
params* are what people see: ``{label: value}`` with a choice shown as its
literal option or its source text, always JSON.
"""

from __future__ import annotations

import ast
import bisect
import copy
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from .numeric import finite, real
from .numeric import plain as _plain
from .program import Program, ProgramError, Site

LOG_KINDS = ("loguniform", "logint", "lognormal")
INT_KINDS = ("int", "logint")
BOUNDED_KINDS = ("uniform", "loguniform", "quniform", "int", "logint")


class SpaceError(ProgramError):
    """A bound, default or refinement that makes no sense; names the cell line."""


@dataclass
class Dimension:
    key: str
    label: str
    kind: str
    line: int
    parent: tuple[str, int] | None = None  # (choice key, original option index)
    low: float | None = None
    high: float | None = None
    q: float | None = None
    mu: float | None = None
    sigma: float | None = None
    as_int: bool = False  # quniform with integer low, high and q
    options: list[Any] = field(default_factory=list)  # records of all original options
    values: list[Any] | None = None  # evaluated option values (choice over an expression)
    allowed: list[int] = field(default_factory=list)  # original indices still in the space
    default: Any = None  # raw value

    @property
    def is_choice(self) -> bool:
        return self.kind == "choice"

    @property
    def is_log(self) -> bool:
        return self.kind in LOG_KINDS

    @property
    def is_int(self) -> bool:
        """Whether values are ints (int, logint, and quniform over ints)."""
        return self.kind in INT_KINDS or self.as_int

    @property
    def is_bounded(self) -> bool:
        return self.kind in BOUNDED_KINDS

    def describe(self) -> Any:
        """The dimension's current range, as ``space`` shows it."""
        if self.is_choice:
            return [self.options[i] for i in self.allowed]
        if self.kind in ("normal", "lognormal"):
            return {"mu": self.mu, "sigma": self.sigma}
        if self.kind == "quniform":
            return (self._num(self.low), self._num(self.high), self._num(self.q))
        if self.kind in ("uniform", "loguniform") and self.low is not None and self.low == self.high:
            return self.low  # frozen by ``refine(x=value)``: one value, as refine takes it
        return (self._num(self.low), self._num(self.high))

    def _num(self, x: float | None) -> Any:
        if x is None:
            return None
        return int(x) if (self.kind in INT_KINDS or self.as_int) else x

    def contains(self, value: Any) -> bool:
        if self.is_choice:
            if not isinstance(value, int):
                return False
            at = bisect.bisect_left(self.allowed, value)  # kept sorted: a 100 000-option choice stays fast
            return at < len(self.allowed) and self.allowed[at] == value
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        if self.kind in ("normal", "lognormal"):
            return finite(value) and (self.kind == "normal" or value > 0)
        assert self.low is not None and self.high is not None
        return self.low - 1e-12 * abs(self.low) <= value <= self.high + 1e-12 * abs(self.high)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "values"}
        data["parent"] = list(self.parent) if self.parent else None
        return data


def _number(value: Any, what: str, site: Site) -> float:
    number = real(value)  # numpy, pandas, Fraction: as the Python number they stand for
    if number is None:
        raise SpaceError(
            f"tune.{site.kind}: {what} must be a number, got {type(value).__name__} {value!r}",
            site.line,
        )
    if not finite(number):  # an int too large for a float too
        raise SpaceError(f"tune.{site.kind}: {what} must be finite, got {number!r:.40}", site.line)
    return number


def check_bounds(
    kind: str, low: float, high: float, q: float | None, line: int | None, where: str | None = None
) -> None:
    """Raise a :class:`SpaceError` for bounds that cannot define a range."""
    where = where or f"tune.{kind}"
    if kind in INT_KINDS:
        for name, v in (("low", low), ("high", high)):
            if not float(v).is_integer():
                raise SpaceError(f"{where}: {name} must be an integer, got {v!r}", line)
    if low > high:
        raise SpaceError(f"{where}: low {low!r} is greater than high {high!r}", line)
    if kind in ("uniform", "loguniform") and low == high:
        raise SpaceError(f"{where}: low and high are both {low!r}; the range is empty", line)
    if kind in LOG_KINDS and low <= 0:
        raise SpaceError(
            f"{where}: bounds are in natural units and must be > 0 on a log scale, got low {low!r}",
            line,
        )
    if kind == "quniform":
        if q is None or q <= 0:
            raise SpaceError(f"{where}: q must be > 0, got {q!r}", line)
        if q > high - low and low != high:
            raise SpaceError(f"{where}: q {q!r} is wider than the range {low!r}..{high!r}", line)
        if not finite(max(abs(low), abs(high)) / q):
            raise SpaceError(f"{where}: q {q!r} is too small for the range {low!r}..{high!r}", line)
    if kind not in LOG_KINDS and not finite(float(high) - float(low)):
        raise SpaceError(
            f"{where}: the range {low!r}..{high!r} is wider than a float can hold "
            f"(its width overflows); give a range at most {sys.float_info.max:.3g} wide",
            line,
        )


#: a normal kind's values stay within mu ± SPREAD·sigma as drawn (the searches' CDF ends at 1e-9)
SPREAD = 8.0


def check_spread(kind: str, mu: float, sigma: float, line: int | None, where: str) -> None:
    """Raise a :class:`SpaceError` when a normal kind's likely values overflow a float."""
    low, high = mu - SPREAD * sigma, mu + SPREAD * sigma
    if kind == "normal" and finite(low) and finite(high):
        return
    # exp() overflows above ~709.78 and reaches 0 below ~-745: lognormal values must be > 0 and finite
    if kind == "lognormal" and -740 < low and high < 709:
        return
    limit = "within ±1.1e308" if kind == "normal" else "between -740 and 709 (exp() overflows beyond)"
    raise SpaceError(
        f"{where}: mu ± {SPREAD:g}·sigma ({low:.4g}..{high:.4g}) must stay {limit}; give a smaller sigma",
        line,
    )


class Space:
    """The dimensions of one study, in the order their annotations appear."""

    def __init__(self, dims: list[Dimension]) -> None:
        self.dims = dims
        self.by_key = {d.key: d for d in dims}

    # -- building --------------------------------------------------------------
    @classmethod
    def build(cls, program: Program, namespace: dict[str, Any]) -> Space:
        """Evaluate every bound and default in ``namespace``; errors name the line."""
        dims = [_dimension(site, program, namespace) for site in program.sites]
        return cls(dims)

    def copy(self) -> Space:
        return Space([copy.copy(d) for d in self.dims])

    # -- structure -------------------------------------------------------------
    def children(self, parent: tuple[str, int] | None) -> list[Dimension]:
        return [d for d in self.dims if d.parent == parent]

    def active(self, raw: dict[str, Any]) -> list[Dimension]:
        """The dimensions active under the choices in ``raw``, in cell order."""
        out: list[Dimension] = []

        def walk(parent: tuple[str, int] | None) -> None:
            for dim in self.children(parent):
                out.append(dim)
                if dim.is_choice and dim.key in raw:
                    walk((dim.key, raw[dim.key]))

        walk(None)
        order = {d.key: i for i, d in enumerate(self.dims)}
        return sorted(out, key=lambda d: order[d.key])

    def defaults(self) -> dict[str, Any]:
        raw: dict[str, Any] = {}

        def walk(parent: tuple[str, int] | None) -> None:
            for dim in self.children(parent):
                raw[dim.key] = dim.default
                if dim.is_choice:
                    walk((dim.key, dim.default))

        walk(None)
        return raw

    def contains(self, raw: dict[str, Any]) -> bool:
        """Whether ``raw`` is a point of this space (every active value in range)."""
        active = self.active(raw)
        if {d.key for d in active} != set(raw):
            return False
        return all(d.contains(raw[d.key]) for d in active)

    # -- what people see -------------------------------------------------------
    def user_params(self, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for dim in self.active(raw):
            if dim.key not in raw:
                continue
            value = raw[dim.key]
            out[dim.label] = dim.options[value] if dim.is_choice else value
        return out

    def describe(self) -> dict[str, Any]:
        """key (the label unless shared) → current range; dims of dropped options left out."""
        return {d.key: d.describe() for d in self.visible()}

    def runtime_value(self, key: str, raw: dict[str, Any]) -> Any:
        """The value a site evaluates to in a trial."""
        dim = self.by_key[key]
        value = raw[key]
        if dim.is_choice and dim.values is not None:
            return dim.values[value]
        return value

    # -- hyperopt --------------------------------------------------------------
    def to_hyperopt(self) -> dict[str, Any]:
        """The space as hyperopt expressions; a choice's options carry their own dims."""
        from hyperopt import hp

        def node(dim: Dimension) -> Any:
            k, lo, hi = dim.key, dim.low, dim.high
            if dim.is_choice:
                return hp.choice(k, [dict(_o=i, **build((k, i))) for i in dim.allowed])
            if dim.kind in ("uniform", "loguniform") and lo == hi:
                return hp.choice(k, [lo])  # frozen by refine: one value
            if dim.kind == "uniform":
                return hp.uniform(k, *_apart(lo, hi))
            if dim.kind == "loguniform":
                return hp.loguniform(k, *_apart(math.log(lo), math.log(hi)))
            if dim.kind == "quniform":
                if lo == hi:
                    return hp.choice(k, [lo])
                return hp.quniform(k, *_apart(lo - dim.q / 2, hi + dim.q / 2), dim.q)
            if dim.kind == "int":
                # a fair share for both ends: round a uniform over [low-0.5, high+0.5)
                return hp.quniform(k, *_apart(lo - 0.4999, hi + 0.4999), 1)
            if dim.kind == "logint":
                return hp.qloguniform(k, *_apart(math.log(lo - 0.4999), math.log(hi + 0.4999)), 1)
            if dim.kind == "normal":
                return hp.normal(k, dim.mu, dim.sigma)
            if dim.kind == "lognormal":
                return hp.lognormal(k, dim.mu, dim.sigma)
            raise AssertionError(dim.kind)

        def build(parent: tuple[str, int] | None) -> dict[str, Any]:
            return {d.key: node(d) for d in self.children(parent)}

        return build(None)

    def from_hyperopt(self, vals: dict[str, list[Any]]) -> dict[str, Any]:
        """Raw params from a hyperopt trial document's ``misc.vals``."""
        raw: dict[str, Any] = {}
        for key, seq in vals.items():
            if not seq or key not in self.by_key:
                continue
            dim = self.by_key[key]
            v = seq[0]
            if dim.is_choice:
                raw[key] = dim.allowed[int(v)]
            elif dim.is_bounded and dim.kind not in INT_KINDS and dim.low == dim.high:
                raw[key] = dim._num(dim.low)
            elif dim.kind in INT_KINDS:
                raw[key] = int(min(max(round(float(v)), dim.low), dim.high))
            elif dim.kind == "quniform":
                x = multiple_in_range(float(v), dim.low, dim.high, dim.q)
                raw[key] = int(round(x)) if dim.as_int else x
            elif dim.low is not None and dim.high is not None:
                # exp(log(low)) may miss low by a rounding error: keep points inside
                raw[key] = min(max(float(v), float(dim.low)), float(dim.high))
            else:
                raw[key] = float(v)
        return raw

    def to_hyperopt_vals(self, raw: dict[str, Any]) -> dict[str, list[Any]]:
        """hyperopt's ``misc.vals`` for a point of this space (inactive dims empty)."""
        vals: dict[str, list[Any]] = {d.key: [] for d in self.dims}
        for dim in self.active(raw):
            v = raw[dim.key]
            if dim.is_choice:
                vals[dim.key] = [dim.allowed.index(v)]
            elif dim.is_bounded and dim.kind not in INT_KINDS and dim.low == dim.high:
                vals[dim.key] = [0]
            else:
                vals[dim.key] = [float(v)]
        return vals

    # -- refine ----------------------------------------------------------------
    def find(self, name: str) -> list[Dimension]:
        """The dimensions a refinement names: the one with key ``name``, else all labelled so."""
        return [d for d in self.dims if d.key == name] or [d for d in self.dims if d.label == name]

    def refined(self, ranges: dict[str, Any]) -> Space:
        """A copy with some dimensions narrowed or widened; this space is unchanged.

        A key may be a dimension key or a label (which then refines every dimension
        carrying it). Numeric ranges are ``(low, high)`` (``(low, high, q)`` for
        quniform, ``(mu, sigma)`` for normal kinds) in natural units, and may reach
        beyond the cell's own bounds; a choice takes the options to keep, as shown in
        ``space``, from the cell's original options. Any bad entry raises a
        :class:`SpaceError` and nothing is refined.
        """
        new = self.copy()
        for name, value in ranges.items():
            dims = new.find(name)
            if not dims:
                known = ", ".join(d.key for d in new.dims) or "no dimensions"
                raise SpaceError(f"refine: no dimension {name!r}; the space has {known}")
            for dim in dims:
                _refine_dim(dim, value)
        return new

    def frozen(self) -> dict[str, Any]:
        """key → value of each number refined to one value (``refine(x=0.5)``), as raw params hold it."""
        return {
            d.key: d._num(d.low) for d in self.dims if d.is_bounded and d.low is not None and d.low == d.high
        }

    def reachable(self, dim: Dimension, allowed: dict[str, list[int]] | None = None) -> bool:
        """Whether some point of the space has ``dim`` active (its options are all kept).

        ``allowed`` overrides the kept options of choices by key (a pending edit).
        """
        parent = dim.parent
        while parent is not None:
            key, option = parent
            choice = self.by_key[key]
            kept = allowed.get(key, choice.allowed) if allowed else choice.allowed
            if option not in kept:
                return False
            parent = choice.parent
        return True

    def visible(self) -> list[Dimension]:
        """The dimensions that can still be active, in cell order."""
        return [d for d in self.dims if self.reachable(d)]

    # -- JSON ------------------------------------------------------------------
    def to_json(self) -> list[dict[str, Any]]:
        return [d.to_json() for d in self.dims]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Space:
        dims = []
        for item in data:
            item = dict(item)
            item["parent"] = tuple(item["parent"]) if item.get("parent") else None
            dims.append(Dimension(**item))
        return cls(dims)

    def signature(self) -> list[tuple[Any, ...]]:
        """What must match for stored trials to be reused as they are."""
        # options with their types: [1, 1.0] == [1.0, 1] in Python, but they are other options
        return [
            (d.key, d.kind, d.parent, d.describe() if not d.is_choice else [(type(o), o) for o in d.options])
            for d in self.dims
        ]


def _apart(low: float, high: float) -> tuple[float, float]:
    """Bounds hyperopt takes: ``high`` a float above ``low`` where the two met in floats (the logs
    of 3.42835119127856e+299 and the next float up are one float); values are clipped back."""
    low, high = float(low), float(high)
    return low, high if high > low else math.nextafter(low, math.inf)


def _is_number(value: Any) -> bool:
    return real(value) is not None and finite(value)


def _refine_choice(dim: Dimension, value: Any, where: str) -> None:
    """Keep the options ``value`` names: the one of the same type, else (none of it) equal ones."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise SpaceError(
            f"{where}: give the options to keep as a list, e.g. {dim.options[:2]!r}; got {value!r}"
        )
    keep: list[int] = []
    for v in value:
        v = _plain(v)
        matches = [i for i, o in enumerate(dim.options) if _same(o, v)] or [
            i for i, o in enumerate(dim.options) if _equal(o, v)
        ]
        if not matches:
            raise SpaceError(f"{where}: {v!r} is not one of its options {dim.options!r}")
        keep.extend(i for i in matches if i not in keep)
    if not keep:
        raise SpaceError(f"{where}: keep at least one of the options {dim.options!r}")
    dim.allowed = sorted(keep)
    if dim.default not in dim.allowed:
        dim.default = dim.allowed[0]


def _refine_dim(dim: Dimension, value: Any) -> None:
    where = f"refine {dim.key}"
    if callable(getattr(value, "tolist", None)) and not isinstance(value, (str, bytes)):
        value = value.tolist()  # a numpy array, a pandas Series or Index: its values as a list
    if dim.is_choice:
        return _refine_choice(dim, value, where)
    value = _switch_scale(dim, value, where)
    one = dim.is_bounded and _is_number(_plain(value))
    if one:
        value = (value, value)  # a single value freezes the dimension there
    shape = "(mu, sigma)" if dim.kind in ("normal", "lognormal") else "(low, high)"
    if dim.kind == "quniform":
        shape = "(low, high) or (low, high, q)"
    if dim.kind in ("normal", "lognormal") and isinstance(value, dict) and set(value) == {"mu", "sigma"}:
        value = (value["mu"], value["sigma"])  # as ``space`` shows it
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise SpaceError(f"{where}: give {shape} as numbers, got {value!r}")
    value = [_plain(v) for v in value]
    if not all(_is_number(v) for v in value):
        raise SpaceError(f"{where}: give {shape} as finite numbers, got {tuple(value)!r}")
    if dim.kind in ("normal", "lognormal"):
        if len(value) != 2 or value[1] <= 0:
            raise SpaceError(f"{where}: give (mu, sigma) with sigma > 0, got {tuple(value)!r}")
        check_spread(dim.kind, float(value[0]), float(value[1]), None, where)
        dim.mu, dim.sigma = float(value[0]), float(value[1])
        dim.default = dim.mu if dim.kind == "normal" else math.exp(dim.mu)
        return
    if dim.kind == "quniform" and len(value) == 3:
        low, high, q = value
    elif len(value) == 2:
        (low, high), q = value, dim.q
    else:
        raise SpaceError(f"{where}: give {shape}, got {tuple(value)!r}")
    if not (one and dim.kind in ("uniform", "loguniform")):  # a frozen float: one value
        check_bounds(dim.kind, low, high, q, None, where=where)
    elif dim.is_log and low <= 0:
        raise SpaceError(f"{where}: a value on a log scale must be > 0, got {low!r}")
    if dim.kind in INT_KINDS:
        low, high = int(low), int(high)
    if dim.kind == "quniform":
        # an integer step stays integer when a slider hands back 2.0 for 2
        as_int = all(isinstance(x, int) for x in (low, high, q)) or (
            dim.as_int and all(float(x).is_integer() for x in (low, high, q))
        )
        if as_int:
            low, high, q = int(low), int(high), int(q)
        dim.as_int = as_int
    dim.low, dim.high, dim.q = low, high, q
    if low == high:
        dim.default = dim._num(low) if dim.kind != "uniform" else float(low)
    elif not dim.contains(dim.default):
        dim.default = _midpoint(dim)


#: the kinds a refinement may switch between: ``refine(C=("log", 1e-3, 10))``
SCALES = {
    "uniform": ("uniform", "loguniform"),
    "loguniform": ("uniform", "loguniform"),
    "int": ("int", "logint"),
    "logint": ("int", "logint"),
}


def _switch_scale(dim: Dimension, value: Any, where: str) -> Any:
    """``("log", low, high)`` / ``("linear", low, high)``: the dimension's scale changes, then
    its range is refined as usual (the rest of the tuple); anything else is returned as it is."""
    if not (isinstance(value, (list, tuple)) and value and value[0] in ("log", "linear")):
        return value
    scale = value[0]
    if dim.kind not in SCALES:
        raise SpaceError(
            f"{where}: only uniform, loguniform, int and logint dimensions change scale, not {dim.kind}"
        )
    rest = tuple(value[1:]) or (dim.low, dim.high)
    linear, log = SCALES[dim.kind]
    dim.kind = log if scale == "log" else linear
    return rest


def zoom(space: Space, points: list[dict[str, Any]], pad: float = 0.1) -> dict[str, Any]:
    """Ranges that narrow each bounded numeric dimension to where ``points`` lie.

    For every visible bounded dimension active in some point: the span of the
    points' values (on the log axis for log scales), padded on each side by
    ``pad`` of that span and by at least 5 % of the current range, rounded
    outwards (whole numbers for integers, steps of q for quniform) and kept
    inside the current range. Choices and normal kinds are left as they are;
    dimensions whose range would not change are left out. The result can be
    passed to ``refine`` as it is.
    """
    out: dict[str, Any] = {}
    for dim in space.visible():
        if not dim.is_bounded:
            continue
        values = [p[dim.key] for p in points if _is_number(p.get(dim.key))]
        values = [v for v in values if v > 0] if dim.is_log else values
        if not values or dim.low is None or dim.high is None:
            continue
        axis = math.log10 if dim.is_log else float
        back = (lambda x: 10.0**x) if dim.is_log else float
        cur_lo, cur_hi = axis(dim.low), axis(dim.high)
        lo, hi = axis(min(values)), axis(max(values))
        margin = max(pad * (hi - lo), 0.05 * (cur_hi - cur_lo))
        low = max(back(lo - margin), float(dim.low))
        high = min(back(hi + margin), float(dim.high))
        if dim.kind in INT_KINDS:
            low, high = math.floor(low + 1e-9), math.ceil(high - 1e-9)
        elif dim.kind == "quniform":
            assert dim.q is not None
            low = max(math.floor(low / dim.q + 1e-9) * dim.q, dim.low)
            high = min(math.ceil(high / dim.q - 1e-9) * dim.q, dim.high)
            if 0 < high - low < dim.q:
                high = min(low + dim.q, dim.high)
                low = max(high - dim.q, dim.low)
            if dim.as_int:
                low, high = int(round(low)), int(round(high))
            else:
                low, high = on_step(low, dim.q), on_step(high, dim.q)
        else:
            low = max(_round_sig(low, down=True), float(dim.low))
            high = min(_round_sig(high, down=False), float(dim.high))
            if low >= high:
                continue
        if (low, high) != (dim.low, dim.high):
            out[dim.key] = (low, high)
    return out


def _round_sig(x: float, down: bool, digits: int = 3) -> float:
    """``x`` to ``digits`` significant digits, rounded outwards of a range."""
    if x == 0:
        return 0.0
    scale = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    if not sys.float_info.min <= scale < math.inf:  # denormals (and the largest floats) as they are
        return x
    y = (math.floor if down else math.ceil)(x / scale - (1e-9 if not down else -1e-9)) * scale
    y = float(f"{y:.{digits + 2}g}")
    return y if math.isfinite(y) else x


def _midpoint(dim: Dimension) -> Any:
    lo, hi = dim.low, dim.high
    assert lo is not None and hi is not None
    if dim.kind in ("loguniform", "logint"):
        mid = math.sqrt(lo * hi)
    else:
        mid = (lo + hi) / 2
    if dim.kind in INT_KINDS:
        return int(min(max(round(mid), lo), hi))
    if dim.kind == "quniform":
        x = multiple_in_range(mid, lo, hi, dim.q)
        return int(round(x)) if dim.as_int else x
    return mid


def multiple_in_range(x: float, low: float, high: float, q: float) -> float:
    """The multiple of ``q`` nearest to ``x`` that lies in [low, high] (quniform's values)."""
    if low == high:
        return low
    x = on_step(round(min(max(x, low), high) / q) * q, q)
    for bound, back in ((high, -q), (low, q)):
        if (x > high) if back < 0 else (x < low):
            # a bound off the steps by float noise (0.1 * 3) is the step it stands for
            x = bound if math.isclose(x, bound, rel_tol=1e-9, abs_tol=q * 1e-9) else on_step(x + back, q)
    return x


def on_step(x: float, q: float) -> float:
    """``x``, a multiple of ``q``, without float noise: 0.7, not 0.7000000000000001.

    Rounded to 12 digits below q's own (a fixed 12 decimals turned every multiple of a q
    of 1e-301 into 0.0, outside its range).
    """
    return round(x, 12 - math.floor(math.log10(q)))


def _dimension(site: Site, program: Program, namespace: dict[str, Any]) -> Dimension:
    """One site's dimension: its bounds (or options) and default, evaluated in the cell's namespace."""
    parent = None
    if site.parent is not None:
        parent = (program.sites[site.parent[0]].key, site.parent[1])
    dim = Dimension(key=site.key, label=site.label, kind=site.kind, line=site.line, parent=parent)
    if site.kind == "choice":
        _fill_choice(dim, site, namespace)
        return dim
    _fill_range(dim, site, namespace)
    if site.default is not None:
        dim.default = _numeric_default(dim, site, namespace)
    return dim


def _evaluate(node: Any, what: str, site: Site, namespace: dict[str, Any]) -> Any:
    """An argument's expression, run in a copy of the namespace: any error in it becomes one clear line."""
    try:
        code = compile(ast.Expression(body=node), "<tune bound>", "eval")
        return eval(code, dict(namespace))  # noqa: S307 - the user's own cell
    except Exception as exc:  # noqa: BLE001 - any error in user code becomes a clear one
        raise SpaceError(
            f"tune.{site.kind}: cannot evaluate {what} `{site.source_of(what)}`: "
            f"{type(exc).__name__}: {exc} (bounds are evaluated before the cell runs)",
            site.line,
        ) from None


def _fill_choice(dim: Dimension, site: Site, namespace: dict[str, Any]) -> None:
    """A choice's options (written in the cell, or a variable's values) and the index of its default."""
    if site.options is not None:
        dim.options = [o.record for o in site.options]
    else:
        dim.values = _choice_values(site, namespace)
        dim.options = [_record(v) for v in dim.values]
    dim.allowed = list(range(len(dim.options)))
    dim.default = _choice_default(dim, site, namespace)


def _choice_values(site: Site, namespace: dict[str, Any]) -> list[Any]:
    """The options of ``tune.choice(variable)``: any non-empty iterable but a string, bytes or dict."""
    values = _evaluate(site.args["options"], "options", site, namespace)
    try:
        if isinstance(values, (str, bytes, dict)):
            raise TypeError
        values = list(values)
    except TypeError:
        raise SpaceError(
            f"tune.choice: options must be a list, got {type(values).__name__}", site.line
        ) from None
    if not values:
        raise SpaceError("tune.choice needs at least one option", site.line)
    return values


def _choice_default(dim: Dimension, site: Site, namespace: dict[str, Any]) -> int:
    """The default option's index: one written like the default (``default=SVC()``), else one equal to it."""
    if site.default is None:
        return 0
    written = ast.unparse(site.default)
    same_text = [
        i
        for i, o in enumerate(site.options or [])
        if not o.is_literal and ast.unparse(ast.parse(o.source, mode="eval").body) == written
    ]
    if same_text:  # default=SVC() names the option written SVC()
        return same_text[0]
    wanted = _evaluate(site.default, "default", site, namespace)
    candidates = dim.values if dim.values is not None else dim.options
    matches = [i for i, o in enumerate(candidates) if _same(o, wanted)]
    if not matches:
        raise SpaceError(
            f"tune.choice: default {wanted!r} is not one of the options {dim.options}", site.line
        )
    return matches[0]


def _fill_range(dim: Dimension, site: Site, namespace: dict[str, Any]) -> None:
    """A numeric dimension's evaluated, checked arguments, and the default it has when none is given."""
    values = {
        name: _number(_evaluate(node, name, site, namespace), name, site) for name, node in site.args.items()
    }
    if site.kind in ("normal", "lognormal"):
        dim.mu, dim.sigma = float(values["mu"]), float(values["sigma"])
        if dim.sigma <= 0:
            raise SpaceError(f"tune.{site.kind}: sigma must be > 0, got {values['sigma']!r}", site.line)
        check_spread(site.kind, dim.mu, dim.sigma, site.line, f"tune.{site.kind}")
        dim.default = dim.mu if site.kind == "normal" else math.exp(dim.mu)
        return
    low, high, q = values["low"], values["high"], values.get("q")
    check_bounds(site.kind, low, high, q, site.line)
    if site.kind in INT_KINDS:
        low, high = int(low), int(high)
    dim.low, dim.high, dim.q = low, high, q
    dim.as_int = site.kind == "quniform" and all(isinstance(x, int) for x in (low, high, q))
    dim.default = _midpoint(dim)


def _numeric_default(dim: Dimension, site: Site, namespace: dict[str, Any]) -> Any:
    """The written default of a numeric dimension, as the dimension's type, checked to lie in its range."""
    default = _number(_evaluate(site.default, "default", site, namespace), "default", site)
    if site.kind in INT_KINDS or dim.as_int:
        if not float(default).is_integer():
            raise SpaceError(f"tune.{site.kind}: default must be an integer, got {default!r}", site.line)
        default = int(default)
    elif site.kind != "quniform":
        default = float(default)
    if not dim.contains(default):
        raise SpaceError(
            f"tune.{site.kind}: default {default!r} is outside the range {dim.describe()}",
            site.line,
        )
    return default


def _equal(a: Any, b: Any) -> bool:
    """Equal, where an option of the same type is missing (``1.0`` for ``1``); a bool only
    equals a bool (``True == 1`` in Python, but they are two options)."""
    a, b = _plain(a), _plain(b)
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and odd types compare strangely
        return False


def _same(a: Any, b: Any) -> bool:
    """The same option: equal and of one type (1, 1.0 and True are three; 0.0 and -0.0 two)."""
    a, b = _plain(a), _plain(b)  # an option of a numpy array is its number, as params show it
    return same_option(a, b)


def same_option(a: Any, b: Any) -> bool:
    """Whether a value is this option: equal, of one type, and a float of the same sign."""
    try:
        if not (type(a) is type(b) and bool(a == b)):
            return a is b
    except Exception:  # noqa: BLE001 - arrays and odd types compare strangely
        return a is b
    return not isinstance(a, float) or math.copysign(1.0, a) == math.copysign(1.0, b)


def _record(value: Any) -> Any:
    """How an evaluated option shows in params: JSON literals as they are, else repr."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    item = getattr(value, "item", None)
    if getattr(value, "shape", None) == () and callable(item):  # a numpy scalar shows as its number
        try:
            plain = item()
        except (TypeError, ValueError):
            plain = None
        if isinstance(plain, (str, bool, int, float)):
            return plain
    return repr(value)
