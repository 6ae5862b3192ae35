"""Which modules some code loads, seen from a fresh interpreter (nothing imported before it)."""

from __future__ import annotations

import ast
import subprocess
import sys


def modules_loaded(code: str, roots: tuple[str, ...], timeout: float = 120) -> list[str]:
    """Run ``code`` in a new Python process; the modules under ``roots`` it left imported.

    ``code`` must succeed (its own asserts included): a failure is the test's failure.
    """
    script = f"{code}\nimport sys as _sys\nprint(sorted(m for m in _sys.modules if m.split('.')[0] in {roots!r}))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])
