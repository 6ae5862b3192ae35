"""Run every benchmark: each ``benchmarks/*.py`` script that defines ``main(argv)``.

    python benchmarks/run.py [--quick] [name ...]

``--quick`` is passed through to each script (small workloads; the whole set stays
within a few minutes). Names limit the run to those scripts (``overhead quality``).
A script that is missing, fails to import or fails while running is reported and
the others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import traceback
from collections.abc import Sequence
from types import ModuleType

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
#: modules here that are not benchmarks
NOT_BENCHMARKS = {"run", "common", "__init__"}


def scripts(names: Sequence[str] = (), folder: str = HERE) -> list[str]:
    """Benchmark script names (without .py), sorted; ``names`` limits them."""
    found = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f[:-3] not in NOT_BENCHMARKS)
    if names:
        missing = [n for n in names if n not in found]
        for name in missing:
            print(f"[run.py] no benchmark named {name!r} (have: {', '.join(found)})", file=sys.stderr)
        return [n for n in found if n in names]
    return found


def load(name: str, folder: str = HERE) -> ModuleType:
    """Import ``<folder>/<name>.py`` as ``benchmarks.<name>`` (so ``from . import common`` works)."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    importlib.import_module("benchmarks")
    full = f"benchmarks.{name}"
    spec = importlib.util.spec_from_file_location(full, os.path.join(folder, f"{name}.py"))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {name}.py from {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(full, None)
        raise
    return module


def main(argv: Sequence[str] | None = None, folder: str = HERE) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("-")]
    passed = ["--quick"] if quick else []
    failed: list[str] = []
    started = time.perf_counter()
    for name in scripts(names, folder):
        try:
            module = load(name, folder)
        except Exception:  # noqa: BLE001 - one broken script must not stop the rest
            print(f"[run.py] {name}: could not be imported:\n{traceback.format_exc()}", file=sys.stderr)
            failed.append(name)
            continue
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue  # a helper module, not a benchmark
        t = time.perf_counter()
        try:
            entry(passed)
        except SystemExit as exc:
            if exc.code not in (0, None):
                print(f"[run.py] {name} exited with {exc.code}", file=sys.stderr)
                failed.append(name)
        except Exception:  # noqa: BLE001
            print(f"[run.py] {name} failed:\n{traceback.format_exc()}", file=sys.stderr)
            failed.append(name)
        print(f"[run.py] {name}: {time.perf_counter() - t:.1f} s\n", file=sys.stderr, flush=True)
    print(
        f"[run.py] all done in {time.perf_counter() - started:.1f} s"
        + (f"; failed: {', '.join(failed)}" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
