"""The package's shape: layers whose arrows only go down, no import cycle, a headless core.

Every module under ``hpmagic/`` is parsed with :mod:`ast`; every import counts, those
inside functions included (a function-level import is an arrow that only shows up
late), and relative imports are resolved. ``hpmagic/__init__.py`` is the public
facade on top and may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .fresh_process import modules_loaded

PACKAGE = Path(__file__).resolve().parent.parent / "hpmagic"

#: bottom → top; a module may import its own layer or those below it
LAYERS = ["core", "search", "storage", "integrations", "run", "ui", "top", "facade"]
TOP_MODULES = {"hpmagic.magic", "hpmagic.__main__"}
#: the layers that never load IPython, ipywidgets or matplotlib, not even in a function
HEADLESS = {"core", "search", "storage", "integrations", "run"}
FRONTEND = {"IPython", "ipywidgets", "ipykernel", "matplotlib"}


def module_names(root: Path) -> dict[str, Path]:
    """Dotted name → file, for every module of the package at ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports(name: str, path: Path, known: dict[str, Path]) -> tuple[set[str], set[str]]:
    """The package modules ``name`` imports and the outside top-level packages it imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own_package = name if _is_package(path) else name.rpartition(".")[0]
    inner: set[str] = set()
    outer: set[str] = set()

    def add(target: str) -> None:
        if target.split(".")[0] != name.split(".")[0]:
            outer.add(target.split(".")[0])
            return
        while target and target not in known:  # `import hpmagic.x.y` names a module, maybe a package
            target = target.rpartition(".")[0]
        if target and target != name:
            inner.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own_package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                add(full if full in known else module)
    return inner, outer


def layer_of(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "facade"
    if name in TOP_MODULES:
        return "top"
    return parts[1]


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    known = module_names(root)
    inner, outer = {}, {}
    for name, path in known.items():
        inner[name], outer[name] = imports(name, path, known)
    return inner, outer


def upward_arrows(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            a, b = layer_of(source), layer_of(target)
            if a not in LAYERS or b not in LAYERS:
                bad.append(f"{source} -> {target}: a module outside the layers {LAYERS}")
            elif LAYERS.index(b) > LAYERS.index(a):
                bad.append(f"{source} ({a}) -> {target} ({b})")
    return bad


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules that import each other."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_every_arrow_goes_down_or_sideways():
    inner, _ = graph(PACKAGE)
    assert len(inner) > 20  # the parse found the package
    assert upward_arrows(inner) == []


def test_no_import_cycle_between_modules():
    inner, _ = graph(PACKAGE)
    assert cycles(inner) == []


def test_headless_layers_import_no_frontend_even_in_functions():
    _, outer = graph(PACKAGE)
    bad = {name: sorted(pkgs & FRONTEND) for name, pkgs in outer.items() if layer_of(name) in HEADLESS}
    assert {name: pkgs for name, pkgs in bad.items() if pkgs} == {}


def test_optional_packages_stay_where_they_are_optional():
    """scikit-learn only inside the CV helpers (the cell's own estimators need it); distributed only
    behind --dask."""
    _, outer = graph(PACKAGE)
    assert sorted(name for name, pkgs in outer.items() if "sklearn" in pkgs) == ["hpmagic.core.crossval"]
    assert sorted(name for name, pkgs in outer.items() if "distributed" in pkgs) == [
        "hpmagic.run.dask_executor"
    ]


def test_the_checker_sees_function_level_and_relative_arrows(tmp_path):
    """The checks themselves fail on a package that breaks the rules."""
    pkg = tmp_path / "hpmagic"
    for folder in ("core", "run", "ui"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from .ui import view\n")
    (pkg / "core" / "a.py").write_text("def f():\n    from ..run import b\n")
    (pkg / "run" / "b.py").write_text("from ..core.a import f\nimport hpmagic.ui.view\n")
    (pkg / "ui" / "view.py").write_text("from . import other\n")
    (pkg / "ui" / "other.py").write_text("def g():\n    from .view import x\n")
    inner, _ = graph(pkg)
    assert inner["hpmagic.core.a"] == {"hpmagic.run.b"}
    assert inner["hpmagic.ui.view"] == {"hpmagic.ui.other"}
    assert upward_arrows(inner) == [
        "hpmagic.core.a (core) -> hpmagic.run.b (run)",
        "hpmagic.run.b (run) -> hpmagic.ui.view (ui)",
    ]
    assert sorted(map(tuple, cycles(inner))) == [
        ("hpmagic.core.a", "hpmagic.run.b", "hpmagic.core.a"),
        ("hpmagic.ui.view", "hpmagic.ui.other", "hpmagic.ui.view"),
    ]


def test_core_imports_neither_ipython_nor_ipywidgets():
    code = (
        "import hpmagic\n"
        "from hpmagic.core import program, space, options, context\nfrom hpmagic.search import searcher\nfrom hpmagic.run import study, execution\n"
        "s = hpmagic.create_study('x = tune.uniform(0, 1)\\nx', {}, hpmagic.Options(max_evals=3))\n"
        "s.run().wait()\n"
        "assert len(s.trials) == 3, s.trials\n"
    )
    assert modules_loaded(code, ("IPython", "ipywidgets", "ipykernel")) == []


def test_the_cv_helpers_load_scikit_learn_only_when_called():
    code = "import hpmagic\nfrom hpmagic import tune\nfrom hpmagic.core import crossval\nassert tune.cross_val_score\n"
    assert modules_loaded(code, ("sklearn",)) == []
