"""The cell's own code with the results written in.

Edits are made on the cell's text at the positions the parser recorded for each
annotation (body-relative ``Site.span`` / ``option_spans``), so everything else —
formatting, comments, blank lines — stays as the user wrote it.

- :func:`best_code`: each annotation becomes its best value as a Python literal; a
  ``tune.choice`` becomes its chosen option's own text (with the annotations
  inside it replaced in turn); ``# tune:`` comments are dropped.
- :func:`ranges_code`: each annotation is rewritten to the study's current space
  (after ``refine``), giving a ``%%tune`` cell that searches the narrowed space.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Any

from .program import Program, Site, tune_comments
from .space import INT_KINDS, Dimension, Space

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class CodegenError(ValueError):
    """No code can be written (e.g. the study has no complete trial)."""


def literal(value: Any) -> str:
    """``value`` as Python source that evaluates back to it (floats round-trip)."""
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    text = repr(value)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise CodegenError(f"cannot write {text} as a Python literal") from None
    return text


class _Text:
    """The cell's text with ast (line, byte column) positions mapped to string offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = _LINE_RE.findall(source)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col_bytes: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        col = len(line.encode()[:col_bytes].decode(errors="ignore"))
        return self.starts[lineno - 1] + col

    def span(self, span: tuple[int, int, int, int]) -> tuple[int, int]:
        return self.offset(span[0], span[1]), self.offset(span[2], span[3])

    def comments(self) -> dict[int, tuple[int, int, str]]:
        """``# tune:`` comments by line: (start incl. the blank before it, end, expression)."""
        found: dict[int, tuple[int, int, str]] = {}
        for row, col, comment, expr in tune_comments(self.source):
            start = self.starts[row - 1] + col
            end = start + len(comment)
            while start > self.starts[row - 1] and self.source[start - 1] in " \t":
                start -= 1
            found[row] = (start, end, expr)
        return found


Edit = tuple[int, int, Callable[[], str]]


class _Writer:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.text = _Text(program.source)
        self.spans = {s.index: self.text.span(s.span) for s in program.sites}
        self.option_spans = {s.index: [self.text.span(o) for o in s.option_spans] for s in program.sites}
        self.comments = self.text.comments()
        self.comment_edits: list[tuple[int, int, str]] = []

    def render(self, start: int, end: int, site_text: Callable[[Site], str], skip: Site | None = None) -> str:
        """The text in [start, end) with each outermost annotation in it replaced."""
        items: list[tuple[int, int, Callable[[], str]]] = []
        for site in self.program.sites:
            s, e = self.spans[site.index]
            if site is not skip and start <= s and e <= end:
                items.append((s, e, lambda site=site: site_text(site)))
        for s, e, text in self.comment_edits:
            if start <= s and e <= end:
                items.append((s, e, lambda text=text: text))
        items.sort(key=lambda item: (item[0], -item[1]))
        out, pos = [], start
        for s, e, fn in items:
            if s < pos:
                continue  # inside an annotation already replaced
            out.append(self.text.source[pos:s])
            out.append(fn())
            pos = e
        out.append(self.text.source[pos:end])
        return "".join(out)

    def whole(self, site_text: Callable[[Site], str]) -> str:
        return self.render(0, len(self.text.source), site_text)

    def call_keywords(self, site: Site) -> dict[str, str]:
        """The source text of the ``default=`` / ``name=`` keywords of a site's call."""
        if site.comment_form:
            line = site.span[0]
            comment = self.comments.get(line)
            text = comment[2] if comment else ""
        else:
            s, e = self.spans[site.index]
            text = self.text.source[s:e]
        try:
            node = ast.parse("(" + text + "\n)", mode="eval").body
        except SyntaxError:
            return {}
        if not isinstance(node, ast.Call):
            return {}
        src = "(" + text + "\n)"
        return {
            k.arg: (ast.get_source_segment(src, k.value) or ast.unparse(k.value))
            for k in node.keywords
            if k.arg in ("default", "name")
        }


def _wrap(text: str, source: str, end: int) -> str:
    """Parenthesise a negative literal where a following ``.``, ``[``, ``(`` or ``**`` would bind to it."""
    if not text.startswith("-"):
        return text
    rest = source[end:].lstrip(" \t")
    if rest[:1] in (".", "[", "(") or rest.startswith("**"):
        return f"({text})"
    return text


def _check(code: str, what: str) -> str:
    try:
        ast.parse(code)
    except SyntaxError as exc:  # pragma: no cover - a bug, said plainly
        raise CodegenError(f"the {what} does not compile: {exc}") from None
    return code


# -- best values ---------------------------------------------------------------------
def best_code(study: Any) -> str:
    """``study.code()``."""
    best = study.best_trial
    if best is None:
        raise CodegenError(f"study '{study.name}' has no complete trial yet: there is no best value to write")
    return code_with_values(study.program, study.search_space, best.raw)


def code_with_values(program: Program, space: Space, raw: dict[str, Any]) -> str:
    """The cell's body with every annotation replaced by its value in ``raw``."""
    writer = _Writer(program)
    writer.comment_edits = [
        (s, e, "") for line, (s, e, _) in writer.comments.items() if _comment_site(program, line)
    ]

    def site_text(site: Site) -> str:
        dim = space.by_key.get(site.key)
        value = raw.get(site.key, dim.default if dim is not None else None)
        if site.kind == "choice":
            index = int(value) if value is not None else 0
            if site.options is not None:
                s, e = writer.option_spans[site.index][index]
                return writer.render(s, e, site_text)
            if dim is not None and dim.values is not None:
                chosen = dim.values[index]
                if chosen is None or isinstance(chosen, (bool, int, float, str)):
                    return literal(chosen)
            return f"({site.source_of('options')})[{index}]"
        _, e = writer.spans[site.index]
        return _wrap(literal(value), program.source, e)

    return _check(writer.whole(site_text), "code with the best values")


def _comment_site(program: Program, line: int) -> bool:
    return any(s.comment_form and s.span[2] == line for s in program.sites)


# -- ranges ----------------------------------------------------------------------------
def ranges_cell(study: Any) -> str:
    """``study.code(ranges=True)``: a ``%%tune`` line and the body in the current space."""
    snapshot = getattr(study, "_snapshot", study.user_ns)
    try:
        cell_space = Space.build(study.program, snapshot)
    except Exception:  # noqa: BLE001 - without it every annotation is simply rewritten
        cell_space = None
    body = ranges_code(study.program, study.search_space, cell_space)
    return magic_line(study.options, study.name, study.direction) + "\n" + body


def magic_line(options: Any, name: str, direction: str | None = None) -> str:
    """A ``%%tune`` line with the study's options, continuing the study by name."""
    from .options import DEFAULT_STORE

    parts = ["%%tune"]
    if options.max_evals:
        parts.append(f"-n {options.max_evals}")
    if options.algo != "tpe":
        parts.append(f"--algo {options.algo}")
    if getattr(options, "objectives", None):
        parts.append(f"--objectives {_arg(options.objectives)}")
    elif (options.direction or direction) == "maximize":
        parts.append("--maximize")
    if options.timeout is not None:
        parts.append(f"--timeout {options.timeout:g}")
    if options.early_stop:
        parts.append(f"--early-stop {options.early_stop}")
    parts.append(f"--name {_arg(name)}")
    if options.store and options.store != DEFAULT_STORE:
        parts.append(f"--store {_arg(options.store)}")
    if options.parallel > 1:
        parts.append(f"--parallel {options.parallel}")
    if options.dask is not None:
        parts.append(f"--dask {_arg(options.dask)}" if options.dask else "--dask")
    if options.prune != "none":
        parts.append(f"--prune {options.prune}")
    if getattr(options, "start_at_defaults", False):
        parts.append("--start-at-defaults")
    if getattr(options, "stop_when_done", False):
        parts.append("--stop-when-done")
    if options.out:
        parts.append(f"-o {options.out}")
    return " ".join(parts)


def _arg(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _bounds(dim: Dimension) -> list[str]:
    if dim.kind in ("normal", "lognormal"):
        return [literal(dim.mu), literal(dim.sigma)]
    values = [dim._num(dim.low), dim._num(dim.high)]
    if dim.kind == "quniform":
        values.append(dim._num(dim.q))
    if dim.kind in INT_KINDS:
        values = [int(v) for v in values]
    return [literal(v) for v in values]


def frozen(dim: Dimension) -> bool:
    """Whether a refinement left one value of a float range (``refine(C=0.5)``); integers and
    steps may have one value in the cell already, and are written as ranges."""
    return dim.kind in ("uniform", "loguniform") and dim.low is not None and dim.low == dim.high


def ranges_code(program: Program, space: Space, cell_space: Space | None = None) -> str:
    """The cell's body with every annotation rewritten to ``space``."""
    writer = _Writer(program)

    def unchanged(site: Site) -> bool:
        if cell_space is None or site.key not in cell_space.by_key:
            return False
        a, b = space.by_key[site.key], cell_space.by_key[site.key]
        return a.kind == b.kind and a.describe() == b.describe() and a.default == b.default

    comment_edits = []
    for site in program.sites:
        if not site.comment_form or unchanged(site):
            continue
        dim = space.by_key[site.key]
        comment = writer.comments.get(site.span[2]) or writer.comments.get(site.span[0])
        if comment is None:
            continue
        s, e, _ = comment
        keywords = writer.call_keywords(site)
        args = _bounds(dim) + [f"name={keywords['name']}"] if "name" in keywords else _bounds(dim)
        lead = writer.text.source[s:e].split("#", 1)[0]
        tail = "" if frozen(dim) else f"# tune: {dim.kind}({', '.join(args)})"
        comment_edits.append((s, e, lead + tail if tail else ""))
    writer.comment_edits = comment_edits

    def site_text(site: Site) -> str:
        dim = space.by_key[site.key]
        s, e = writer.spans[site.index]
        if site.comment_form:
            if unchanged(site):
                return writer.text.source[s:e]
            return _wrap(literal(dim.default), program.source, e)
        if unchanged(site):
            return writer.render(s, e, site_text, skip=site)
        if frozen(dim):  # refined to one value: the cell keeps it as written code
            return _wrap(literal(dim._num(dim.low)), program.source, e)
        keywords = writer.call_keywords(site)
        extra = []
        if site.kind == "choice":
            if site.options is not None:
                options = [writer.render(*writer.option_spans[site.index][i], site_text) for i in dim.allowed]
                head = "[" + ", ".join(options) + "]"
                if "default" in keywords:
                    keywords["default"] = site.options[dim.default].source
            else:
                keep = ", ".join(str(i) for i in dim.allowed)
                head = f"[_o for _i, _o in enumerate({site.source_of('options')}) if _i in ({keep},)]"
                keywords.pop("default", None)
            args = [head]
        else:
            args = _bounds(dim)
            if "default" in keywords:
                keywords["default"] = literal(dim.default)
        extra = [f"{k}={v}" for k, v in keywords.items()]
        return f"tune.{dim.kind}({', '.join(args + extra)})"  # the dimension's scale, maybe switched

    return _check(writer.whole(site_text), "cell in the current space")
