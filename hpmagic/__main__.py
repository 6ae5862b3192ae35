"""``python -m hpmagic``: the terminal side of hpmagic."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def demo(args: argparse.Namespace) -> int:
    """Execute the quickstart notebook headless and print what it found."""
    import os
    from pathlib import Path

    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        print("the demo needs nbclient: pip install 'hpmagic[demo]'", file=sys.stderr)
        return 2
    path = Path(args.notebook)
    if not path.exists():
        print(f"no notebook at {path}", file=sys.stderr)
        return 2
    os.environ["HPMAGIC_WAIT"] = "1"
    nb = nbformat.read(path, as_version=4)
    print(f"running {path} ...", flush=True)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    out = path.with_name(path.stem + ".out.ipynb") if args.save else None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain")
            if text and ("best" in text or "{" in text):
                print(text.rstrip())
    if out:
        nbformat.write(nb, out)
        print(f"executed notebook saved to {out}")
    print(open_hint(path))
    return 0


def open_hint(path: object) -> str:
    """How to open ``path`` in JupyterLab, as a command that works in this Python right now.

    The demo needs only the test extra; JupyterLab comes with the ``lab`` extra, so
    when it is missing the hint installs it first (from the checkout when run in one).
    """
    import importlib.util
    from pathlib import Path

    opened = f"python -m jupyterlab {path}"
    if importlib.util.find_spec("jupyterlab") is not None:
        return f"open it in JupyterLab:  {opened}"
    pyproject = Path("pyproject.toml")
    in_checkout = pyproject.is_file() and 'name = "hpmagic"' in pyproject.read_text(errors="replace")
    install = 'python -m pip install -e ".[lab]"' if in_checkout else 'python -m pip install "hpmagic[lab]"'
    return f"open it in JupyterLab (the 'lab' extra installs it):  {install} && {opened}"


def _store_path(args: argparse.Namespace) -> str | None:
    import os

    if not os.path.exists(args.store):
        print(f"error: no store at {args.store} (give --store PATH)", file=sys.stderr)
        return None
    return args.store


def list_studies(args: argparse.Namespace) -> int:
    """Print one line per stored study."""
    from .storage.store import StoreError, describe, open_store

    path = _store_path(args)
    if path is None:
        return 2
    try:
        store = open_store(path)
        studies = store.studies()
        store.close()
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not studies:
        print(f"no studies in {path}")
    for stored in studies:
        print(describe(stored))
    return 0


def export(args: argparse.Namespace) -> int:
    """Write a stored study's export file."""
    from .core.options import OptionsError
    from .storage.export import ExportError
    from .storage.store import StoreError, export_stored

    if (args.path is None) == (args.optuna is None):
        print("error: give a file to write (PATH) or --optuna STORAGE_URL, one of them", file=sys.stderr)
        return 2
    path = _store_path(args)
    if path is None:
        return 2
    try:
        if args.optuna is not None:
            from .integrations.optuna import export_stored as to_optuna

            to_optuna(args.name, args.optuna, [path], replace=args.replace)
        else:
            export_stored(args.name, args.path, [path])
    except (StoreError, ExportError, OptionsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote study {args.name!r} to {args.optuna}" if args.optuna else f"wrote {args.path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hpmagic", description="hpmagic from a terminal")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="run the quickstart notebook headless and print the best params")
    p.add_argument("notebook", nargs="?", default="notebooks/quickstart.ipynb")
    p.add_argument("--save", action="store_true", help="also save the executed notebook")
    p.set_defaults(func=demo)
    from .core.options import DEFAULT_STORE

    p = sub.add_parser("list", help="list the studies in a store")
    p.add_argument("--store", default=DEFAULT_STORE, help=f"the store file (default {DEFAULT_STORE})")
    p.set_defaults(func=list_studies)
    p = sub.add_parser("export", help="write a stored study's best params and summary (.json or .yaml)")
    p.add_argument("name", help="the study's name (see: python -m hpmagic list)")
    p.add_argument("path", nargs="?", help="the file to write, .json or .yaml")
    p.add_argument("--store", default=DEFAULT_STORE, help=f"the store file (default {DEFAULT_STORE})")
    p.add_argument(
        "--optuna",
        metavar="STORAGE_URL",
        help="write an Optuna study instead, e.g. sqlite:///optuna.db (needs hpmagic[optuna])",
    )
    p.add_argument("--replace", action="store_true", help="with --optuna: replace a study of that name")
    p.set_defaults(func=export)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
