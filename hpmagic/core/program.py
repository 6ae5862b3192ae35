"""What a ``%%tune`` cell is: its annotation sites, their labels, and runnable code.

The cell is parsed once with :mod:`ast`. Every ``tune.X(...)`` call (and every
``# tune: X(...)`` comment on a plain literal assignment) becomes a :class:`Site`.
The cell is then rewritten so each site reads its value from the trial being run:
numeric sites call ``__hpmagic__.value(key)``, and a ``tune.choice`` over a list
literal becomes a chain of conditional expressions so that only the chosen
option's expression is evaluated (annotations inside an option exist only when it
is chosen). Nothing here evaluates user code or knows about IPython or hyperopt.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import io
import linecache
import re
import tokenize
from dataclasses import dataclass, field

RUNTIME_NAME = "__hpmagic__"
#: code compiled from a cell has a filename starting like this (tracebacks find its frames by it)
CELL_FILENAME = "<tune cell>"

#: positional parameters of every distribution, in order
SIGNATURES: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "quniform": ("low", "high", "q"),
    "int": ("low", "high"),
    "logint": ("low", "high"),
    "normal": ("mu", "sigma"),
    "lognormal": ("mu", "sigma"),
    "choice": ("options",),
}
KINDS = tuple(SIGNATURES)
#: calls on ``tune`` that are not annotations: they run in the trial (annotations inside them are found)
HELPERS = ("report", "constraint", "cross_val_score", "cross_validate")
_COMMENT_RE = re.compile(r"#\s*tune:\s*(.*)$")


class ProgramError(ValueError):
    """A malformed cell or annotation; ``line`` is the cell line it concerns."""

    def __init__(self, message: str, line: int | None = None) -> None:
        message = " ".join(str(message).split())  # always one line
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass
class Option:
    """One option of a ``tune.choice`` written as a list literal."""

    source: str
    is_literal: bool
    value: object = None  # the literal's value when ``is_literal``

    @property
    def record(self) -> object:
        """How a trial's params show this option: the literal, else its source text."""
        return self.value if self.is_literal else self.source


@dataclass
class Site:
    """One annotation in the cell."""

    index: int
    kind: str
    label: str
    line: int  # line in the cell as the user sees it
    args: dict[str, ast.expr]  # bound expressions, by parameter name
    default: ast.expr | None
    parent: tuple[int, int] | None  # (choice site index, option index) when nested
    options: list[Option] | None = None  # choice over a list literal (lazy options)
    span: tuple[int, int, int, int] = (0, 0, 0, 0)  # body-relative lineno, col, end
    option_spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    comment_form: bool = False
    key: str = ""  # unique dimension key (the label, or label#n when shared)

    def source_of(self, name: str) -> str:
        node = self.args.get(name) if name != "default" else self.default
        return ast.unparse(node) if node is not None else ""


@dataclass
class Program:
    """A parsed ``%%tune`` cell."""

    source: str
    sites: list[Site]
    body: object  # code object for every statement but the last
    objective: object  # code object for the last expression
    tree: ast.Module  # the rewritten tree
    first_line: int
    free_names: frozenset[str]
    #: "maximize" when the last expression is a dict literal with a "score" key, "minimize" for a
    #: "loss" key, else None: what the cell itself says of its direction before it runs
    direction_hint: str | None
    #: with several objectives (``--objectives``): the names the result dict is read by
    objectives: tuple[str, ...] = ()

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.sites]

    def site(self, key: str) -> Site:
        for s in self.sites:
            if s.key == key:
                return s
        raise KeyError(key)

    def default_name(self) -> str:
        """A study name derived from the cell: the same cell text gives the same name."""
        normal = "\n".join(line.rstrip() for line in self.source.strip().splitlines())
        return "cell-" + hashlib.sha1(normal.encode()).hexdigest()[:10]


def tune_comments(source: str) -> list[tuple[int, int, str, str]]:
    """Every ``# tune:`` comment: (line, column, the whole comment, the expression after ``tune:``)."""
    found: list[tuple[int, int, str, str]] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            match = _COMMENT_RE.match(tok.string)
            if match:
                found.append((tok.start[0], tok.start[1], tok.string, match.group(1).strip()))
    return found


def _is_tune_call(node: ast.AST) -> str | None:
    """The distribution name when ``node`` is ``tune.<name>(...)``."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "tune"
    ):
        return node.func.attr
    return None


def _literal(node: ast.expr) -> tuple[bool, object]:
    """Whether ``node`` is a str/number/bool/None literal, and its value."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None
    if value is None or isinstance(value, (str, bool, int, float)):
        return True, value
    return False, None


def _target_label(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript):
        ok, value = _literal(target.slice)
        if ok and isinstance(value, str):
            return value
    return None


class _Parents(ast.NodeVisitor):
    """Records each node's parent, so a site can find where it stands."""

    def __init__(self) -> None:
        self.parent: dict[int, ast.AST] = {}

    def generic_visit(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.parent[id(child)] = node
        super().generic_visit(node)


class _Parser:
    def __init__(self, source: str, first_line: int) -> None:
        self.source = source
        self.first_line = first_line
        self.offset = first_line - 1
        self.lines = source.splitlines(keepends=True)
        self.sites: list[Site] = []
        self.site_of_node: dict[int, Site] = {}
        self.comments: dict[int, tuple[str, int]] = {}
        self.used_comments: set[int] = set()
        self._segment_source: str | None = None  # set while reading a '# tune:' comment
        self.parent: dict[int, ast.AST] = {}

    def line(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 1) + self.offset

    def error(self, message: str, node: ast.AST | int | None) -> ProgramError:
        if isinstance(node, int):
            return ProgramError(message, node + self.offset)
        return ProgramError(message, self.line(node) if node is not None else None)

    def segment(self, node: ast.AST) -> str:
        source = self._segment_source or self.source
        return ast.get_source_segment(source, node) or ast.unparse(node)

    # -- parsing -----------------------------------------------------------------
    def parse(self) -> ast.Module:
        try:
            tree = ast.parse(self.source, filename=CELL_FILENAME)
        except SyntaxError as exc:
            line = (exc.lineno or 1) + self.offset
            text = (exc.text or "").strip()
            if text[:1] in ("%", "!") or text.endswith("?"):
                raise ProgramError(
                    f"syntax error: IPython syntax ({text[:40]!r}) cannot be used in a %%tune cell; "
                    "the cell must be plain Python",
                    line,
                ) from None
            raise ProgramError(f"syntax error: {exc.msg}", line) from None
        if not tree.body:
            raise ProgramError(
                "the cell is empty: it needs code with tune.* annotations that ends with the objective",
                self.first_line,
            )
        last = tree.body[-1]
        if not isinstance(last, ast.Expr):
            raise self.error(
                "the cell must end with an expression: its value is the objective "
                "(a number, or a dict with 'loss' or 'score')",
                last,
            )
        self.comments = self._comments()
        parents = _Parents()
        parents.visit(tree)
        self.parent = parents.parent
        self._walk(tree, context=None)
        self._check_comments_used()
        if not self.sites:
            raise self.error(
                "nothing to tune: the cell has no tune.X(...) annotation and no '# tune:' comment, "
                "e.g. max_depth=tune.int(2, 32)",
                tree.body[0],
            )
        return tree

    def _comments(self) -> dict[int, tuple[str, int]]:
        """``# tune:`` comments by body line: (expression text, column)."""
        return {line: (expr, col) for line, col, _, expr in tune_comments(self.source)}

    def _check_comments_used(self) -> None:
        for lineno in self.comments:
            if lineno not in self.used_comments:
                raise self.error(
                    "a '# tune:' comment must follow a plain assignment of a literal, "
                    "such as: lr = 0.01  # tune: loguniform(1e-4, 1e-1)",
                    lineno,
                )

    def _walk(self, node: ast.AST, context: tuple[int, int] | None) -> None:
        kind = _is_tune_call(node)
        if kind is not None and kind not in HELPERS:
            site = self._site(node, kind, context)
            assert isinstance(node, ast.Call)
            if site.options is not None:
                options = node.args[0] if node.args else None
                assert isinstance(options, (ast.List, ast.Tuple))
                for i, option in enumerate(options.elts):
                    self._walk(option, (site.index, i))
            return
        if kind == "report":
            self._check_report(node)
        if kind == "constraint":
            self._check_constraint(node)
        if isinstance(node, ast.Assign) and self._comment_site(node, context):
            return
        for child in ast.iter_child_nodes(node):
            self._walk(child, context)

    def _check_report(self, node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        n_args = len(node.args) + len(node.keywords)
        bad_kw = [k.arg for k in node.keywords if k.arg not in ("value", "step")]
        if bad_kw or not 1 <= n_args <= 2 or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(
                "tune.report takes (value, step=None): the intermediate objective and, optionally, its step",
                node,
            )
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if _is_tune_call(arg) not in (None, *HELPERS):
                raise self.error("an annotation cannot be reported; report a value", node)

    def _check_constraint(self, node: ast.AST) -> None:
        assert isinstance(node, ast.Call)
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise self.error("tune.constraint takes one condition: tune.constraint(latency < 0.1)", node)
        if _is_tune_call(node.args[0]) not in (None, *HELPERS):
            raise self.error("an annotation cannot be a constraint; give a condition on values", node)

    def _comment_site(self, node: ast.Assign, context: tuple[int, int] | None) -> bool:
        lineno = node.end_lineno or node.lineno
        if lineno not in self.comments:
            return False
        text, _ = self.comments[lineno]
        self.used_comments.add(lineno)
        ok, _value = _literal(node.value)
        if not (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and (ok or self._is_negative_number(node.value))
        ):
            raise self.error(
                "a '# tune:' comment must follow a plain assignment of a literal, "
                "such as: lr = 0.01  # tune: loguniform(1e-4, 1e-1)",
                node,
            )
        try:
            expr = ast.parse(text, mode="eval").body
        except SyntaxError:
            raise self.error(f"cannot read the '# tune:' comment {text!r}", node) from None
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and isinstance(expr.func.value, ast.Name)
            and expr.func.value.id == "tune"
        ):  # '# tune: tune.uniform(0, 1)' says the same thing
            expr.func = ast.Name(id=expr.func.attr, ctx=ast.Load())
        if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Name):
            raise self.error(
                f"the '# tune:' comment must name a distribution, e.g. uniform(0, 1); got {text!r}",
                node,
            )
        for sub in ast.walk(expr):
            if sub is not expr and _is_tune_call(sub):
                raise self.error("a '# tune:' comment cannot hold another annotation", node)
        call = ast.Call(
            func=ast.Attribute(value=ast.Name(id="tune", ctx=ast.Load()), attr=expr.func.id),
            args=expr.args,
            keywords=[k for k in expr.keywords],
            lineno=node.value.lineno,
            col_offset=node.value.col_offset,
        )
        if any(k.arg == "default" for k in expr.keywords):
            raise self.error("the comment form takes its default from the assigned literal", node)
        call.keywords.append(ast.keyword(arg="default", value=node.value))
        self._segment_source = text  # option source texts come from the comment
        try:
            site = self._site(call, expr.func.id, context, label=node.targets[0].id, node_for_span=node.value)
        finally:
            self._segment_source = None
        site.comment_form = True
        for sub in ast.walk(expr):  # the comment's code runs on the assignment's line
            if hasattr(sub, "lineno"):
                ast.copy_location(sub, node.value)
        ast.copy_location(call, node.value)
        node.value = call  # the rewriter replaces the call like any annotation
        self.site_of_node[id(call)] = site
        return True

    @staticmethod
    def _is_negative_number(node: ast.expr) -> bool:
        return (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
        )

    def _site(
        self,
        node: ast.Call,
        kind: str,
        context: tuple[int, int] | None,
        label: str | None = None,
        node_for_span: ast.AST | None = None,
    ) -> Site:
        if kind not in SIGNATURES:
            known = ", ".join(f"tune.{k}" for k in (*KINDS, *HELPERS))
            close = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f"did you mean tune.{close[0]}? " if close else ""
            raise self.error(f"unknown annotation tune.{kind}; {hint}known: {known}", node)
        params = SIGNATURES[kind]
        where = f"tune.{kind}"
        args: dict[str, ast.expr] = {}
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise self.error(f"{where} needs its arguments written out, not * or **", node)
        if len(node.args) > len(params):
            raise self.error(
                f"{where} takes {len(params)} argument(s) ({', '.join(params)}), got {len(node.args)}",
                node,
            )
        for name, arg in zip(params, node.args):
            args[name] = arg
        default = None
        name_override = None
        for kw in node.keywords:
            if kw.arg in params:
                if kw.arg in args:
                    raise self.error(f"{where} got '{kw.arg}' twice", node)
                args[kw.arg] = kw.value
            elif kw.arg == "default":
                default = kw.value
            elif kw.arg == "name":
                ok, value = _literal(kw.value)
                if not ok or not isinstance(value, str) or not value.isidentifier():
                    raise self.error(
                        f"{where}: name= must be a string literal that is a valid identifier",
                        node,
                    )
                name_override = value
            else:
                raise self.error(
                    f"{where} has no argument '{kw.arg}'; it takes {', '.join(params)}, default=, name=",
                    node,
                )
        missing = [p for p in params if p not in args]
        if missing:
            raise self.error(f"{where} is missing {', '.join(missing)}", node)
        for name, arg in args.items():
            if name == "options":
                continue
            for sub in ast.walk(arg):
                if _is_tune_call(sub):
                    raise self.error(f"{where}: a bound cannot itself be an annotation", node)
        if default is not None:
            for sub in ast.walk(default):
                if _is_tune_call(sub):
                    raise self.error(f"{where}: a default cannot itself be an annotation", node)
        options = None
        option_spans: list[tuple[int, int, int, int]] = []
        if kind == "choice":
            opts = args["options"]
            if isinstance(opts, (ast.List, ast.Tuple)):
                if not opts.elts:
                    raise self.error("tune.choice needs at least one option", node)
                if any(isinstance(e, ast.Starred) for e in opts.elts):
                    raise self.error("tune.choice options cannot use *", node)
                options = []
                for elt in opts.elts:
                    ok, value = _literal(elt)
                    options.append(Option(self.segment(elt), ok, value))
                    option_spans.append(_span(elt))
            else:
                for sub in ast.walk(opts):
                    if _is_tune_call(sub):
                        raise self.error(
                            "annotations inside tune.choice need the options written as a "
                            "list literal: tune.choice([a, b])",
                            node,
                        )
        if name_override:
            label = name_override
        if label is None:
            label = self._label_from_position(node)
        if label is None:
            raise self.error(
                f"cannot label {self.segment(node)}: put it as a keyword argument, an assignment "
                "value or a dict value with a string key, or give it name='...'",
                node,
            )
        site = Site(
            index=len(self.sites),
            kind=kind,
            label=label,
            line=self.line(node),
            args=args,
            default=default,
            parent=context,
            options=options,
            span=_span(node_for_span or node),
            option_spans=option_spans,
        )
        self.sites.append(site)
        self.site_of_node[id(node)] = site
        return site

    def _label_from_position(self, node: ast.Call) -> str | None:
        parent = self.parent.get(id(node))
        if isinstance(parent, ast.keyword):
            return parent.arg
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and parent.value is node:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            for target in targets:
                label = _target_label(target)
                if label:
                    return label
            return None
        if isinstance(parent, ast.Tuple):  # a, b = tune.x(...), tune.y(...)
            owner = self.parent.get(id(parent))
            if (
                isinstance(owner, ast.Assign)
                and owner.value is parent
                and len(owner.targets) == 1
                and isinstance(owner.targets[0], (ast.Tuple, ast.List))
                and len(owner.targets[0].elts) == len(parent.elts)
            ):
                position = next(i for i, e in enumerate(parent.elts) if e is node)
                return _target_label(owner.targets[0].elts[position])
            return None
        if isinstance(parent, ast.NamedExpr) and parent.value is node:
            return parent.target.id
        if isinstance(parent, ast.Dict):
            for key, value in zip(parent.keys, parent.values):
                if value is node and key is not None:
                    ok, text = _literal(key)
                    if ok and isinstance(text, str) and text:
                        return text
        return None


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined, return-value]


def _exclusive(a: Site, b: Site, sites: list[Site]) -> bool:
    """Whether two sites lie in different options of one choice (never both active)."""

    def chain(site: Site) -> dict[int, int]:
        out: dict[int, int] = {}
        parent = site.parent
        while parent is not None:
            out[parent[0]] = parent[1]
            parent = sites[parent[0]].parent
        return out

    ca, cb = chain(a), chain(b)
    return any(k in cb and cb[k] != v for k, v in ca.items())


def _assign_keys(parser: _Parser) -> None:
    by_label: dict[str, list[Site]] = {}
    for site in parser.sites:
        by_label.setdefault(site.label, []).append(site)
    for label, group in by_label.items():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if not _exclusive(a, b, parser.sites):
                    where = f"lines {a.line} and {b.line}" if a.line != b.line else f"both on line {a.line}"
                    raise ProgramError(
                        f"two annotations are labelled '{label}' ({where}); give one of them name='...'",
                        b.line,
                    )
        if len(group) == 1:
            group[0].key = label
        else:
            for n, site in enumerate(group, 1):
                site.key = f"{label}#{n}"


class _Rewriter(ast.NodeTransformer):
    """Replaces each site by a read of the trial's value for it."""

    def __init__(self, site_of_node: dict[int, Site]) -> None:
        self.site_of_node = site_of_node

    def visit(self, node: ast.AST) -> ast.AST:  # type: ignore[override]
        site = self.site_of_node.get(id(node))
        if site is None:
            return super().visit(node)
        if site.options is not None:
            assert isinstance(node, ast.Call)
            elts = [self.visit(e) for e in node.args[0].elts]  # type: ignore[attr-defined]
            expr: ast.expr = elts[-1]
            for i in range(len(elts) - 2, -1, -1):
                test = ast.Compare(
                    left=_runtime_call("index", site.key),
                    ops=[ast.Eq()],
                    comparators=[ast.Constant(i)],
                )
                expr = ast.IfExp(test=test, body=elts[i], orelse=expr)
            return ast.copy_location(expr, node)
        return ast.copy_location(_runtime_call("value", site.key), node)


def _runtime_call(method: str, key: str) -> ast.Call:
    return ast.Call(
        func=ast.Attribute(value=ast.Name(id=RUNTIME_NAME, ctx=ast.Load()), attr=method, ctx=ast.Load()),
        args=[ast.Constant(key)],
        keywords=[],
    )


def _free_names(tree: ast.Module) -> frozenset[str]:
    """Names the cell reads (a superset of what it needs from the namespace)."""
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return frozenset(loaded - {RUNTIME_NAME})


def _direction_hint(last: ast.expr) -> str | None:
    """The direction a dict literal objective implies ("loss" wins, as at run time)."""
    if not isinstance(last, ast.Dict):
        return None
    keys = {k.value for k in last.keys if isinstance(k, ast.Constant)}
    if "loss" in keys:
        return "minimize"
    return "maximize" if "score" in keys else None


def _register_source(source: str, first_line: int) -> str:
    """A filename for the cell's code whose lines tracebacks can show (as IPython does)."""
    digest = hashlib.sha1(f"{first_line}:{source}".encode()).hexdigest()[:12]
    filename = f"{CELL_FILENAME[:-1]} {digest}>"
    lines = ["\n"] * (first_line - 1) + source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(source), None, lines, filename)
    return filename


def parse(source: str, first_line: int = 1) -> Program:
    """Parse a cell. ``first_line`` is the line number the user sees for its first line."""
    parser = _Parser(source, first_line)
    tree = parser.parse()
    _assign_keys(parser)
    last = tree.body[-1]
    assert isinstance(last, ast.Expr)
    direction_hint = _direction_hint(last.value)
    free_names = _free_names(tree)  # before rewriting: bounds read the namespace too
    rewritten = _Rewriter(parser.site_of_node).visit(tree)
    ast.fix_missing_locations(rewritten)
    if parser.offset:
        ast.increment_lineno(rewritten, parser.offset)
    body = ast.Module(body=rewritten.body[:-1], type_ignores=[])
    objective = ast.Expression(body=rewritten.body[-1].value)
    filename = _register_source(source, first_line)
    try:
        body_code = compile(body, filename, "exec")
        objective_code = compile(objective, filename, "eval")
    except SyntaxError as exc:  # e.g. 'await' or 'yield' outside a function
        raise ProgramError(f"syntax error: {exc.msg}", exc.lineno) from None
    return Program(
        source=source,
        sites=parser.sites,
        body=body_code,
        objective=objective_code,
        tree=rewritten,
        first_line=first_line,
        free_names=free_names,
        direction_hint=direction_hint,
    )
