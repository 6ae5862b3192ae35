"""The package's size limits: no function over 60 lines, and the study module at most 250.

A long function hides more than one job; a short one can be read, named and tested
on its own. The parser (``hpmagic/core/program.py``) is the one exception: its
visitor reads best as one walk over the cell. ``hpmagic/run/study.py`` is the
user's handle, and stays small so that the work lives in the modules it hands to.
Every module under ``hpmagic/`` is parsed with :mod:`ast`; methods and nested
functions count as functions of their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hpmagic"
MAX_FUNCTION = 60
#: files whose functions may be longer, relative to the repository root
LONG_FUNCTIONS_ALLOWED = {"hpmagic/core/program.py"}
#: files with a cap on their own length, in lines
MAX_FILE = {"hpmagic/run/study.py": 250}


def long_functions(source: str, name: str, limit: int = MAX_FUNCTION) -> list[str]:
    """One line per function or method in ``source`` over ``limit`` lines (its def to its last line)."""
    out = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > limit:
                out.append(f"{name}:{node.lineno} {node.name} is {length} lines (at most {limit})")
    return out


def test_no_function_is_over_60_lines():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name not in LONG_FUNCTIONS_ALLOWED:
            problems += long_functions(path.read_text(encoding="utf-8"), name)
    assert not problems, "functions too long:\n" + "\n".join(problems)


def test_capped_files_stay_within_their_length():
    problems = []
    for name, limit in MAX_FILE.items():
        length = len((ROOT / name).read_text(encoding="utf-8").splitlines())
        if length > limit:
            problems.append(f"{name} is {length} lines (at most {limit})")
    assert not problems, "files too long:\n" + "\n".join(problems)


def test_the_check_names_file_function_and_length():
    body = "\n".join(f"        x{i} = {i}" for i in range(60))
    source = f"def short():\n    pass\n\n\nclass A:\n    async def long(self):\n{body}\n"
    assert long_functions(source, "pkg/mod.py") == ["pkg/mod.py:6 long is 61 lines (at most 60)"]
    assert long_functions(source, "pkg/mod.py", limit=61) == []
