"""Executes the example notebooks for the docs site: notebooks/NAME.ipynb -> docs/examples/NAME.ipynb.

The site shows each example as a user would see it after running it: every cell run headless in a
real kernel with HPMAGIC_WAIT=1 (so each study ends before the next cell), in a fresh temporary
folder (so no study continues one from an earlier run), against this checkout's hpmagic. Running
the ten notebooks takes minutes, too long for every docs build, so an executed copy is kept in
docs/examples/ with the digest of the cells it ran; it is run again whenever its notebook's cells
change. `mkdocs build` runs the stale ones itself (this file is also its hook), and the docs test
fails while any copy is stale.

    python scripts/docs_notebooks.py            # run the notebooks whose copy is missing or stale
    python scripts/docs_notebooks.py --all      # run them all again (after a change in what they show)
    python scripts/docs_notebooks.py parallel   # run these again (names in notebooks/, .ipynb optional)
    python scripts/docs_notebooks.py --check    # exit 1, naming them, if any copy is missing or stale
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "notebooks"
EXAMPLES = ROOT / "docs" / "examples"
#: outputs of widgets need their live state, which a static page does not have: the static HTML
#: summary that hpmagic puts beside each view is what the page shows
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def digest(notebook: Path) -> str:
    """What a copy was run from: the kinds and text of the notebook's cells, nothing else."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [[c.cell_type, c.source] for c in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def copy_of(notebook: Path) -> Path:
    return EXAMPLES / notebook.name


def stale() -> list[Path]:
    """The notebooks whose executed copy is missing or was run from other cells."""
    out = []
    for notebook in sorted(SOURCES.glob("*.ipynb")):
        copy = copy_of(notebook)
        ran = None
        if copy.exists():
            ran = nbformat.read(copy, as_version=4).metadata.get("hpmagic_docs", {}).get("source_sha256")
        if ran != digest(notebook):
            out.append(notebook)
    return out


def orphans() -> list[Path]:
    """Executed copies whose notebook is gone."""
    return [p for p in sorted(EXAMPLES.glob("*.ipynb")) if not (SOURCES / p.name).exists()]


def execute(notebook: Path) -> Path:
    """Run ``notebook`` as a user would, headless, and write its executed copy; errors raise."""
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "HPMAGIC_WAIT": "1", "PYTHONPATH": path}
    with tempfile.TemporaryDirectory(prefix="hpmagic-docs-") as folder:
        client = NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}
        )
        client.execute(env=env)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        raise RuntimeError(f"{notebook.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    static(nb)
    nb.metadata["hpmagic_docs"] = {
        "source_sha256": digest(notebook),
        "executed": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, copy_of(notebook))
    return copy_of(notebook)


def static(nb: Any) -> None:
    """Drop what only a live kernel can show: widget state and widget views (their HTML stays)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)


def refresh(everything: bool = False, log: Any = print, names: tuple[str, ...] = ()) -> list[Path]:
    """Run the stale notebooks (or all, or those named), drop copies of notebooks that are gone;
    the copies written."""
    for orphan in orphans():
        orphan.unlink()
        log(f"removed {orphan.relative_to(ROOT)} (its notebook is gone)")
    todo = sorted(SOURCES.glob("*.ipynb")) if everything else stale()
    if names:
        todo = [SOURCES / (n if n.endswith(".ipynb") else n + ".ipynb") for n in names]
        missing = [p.name for p in todo if not p.exists()]
        if missing:
            raise SystemExit(f"no such notebook in notebooks/: {', '.join(missing)}")
    written = []
    for notebook in todo:
        log(f"executing {notebook.relative_to(ROOT)} ...")
        written.append(execute(notebook))
        log(f"wrote {written[-1].relative_to(ROOT)}")
    return written


def on_pre_build(config: Any) -> None:
    """MkDocs hook: a build never shows outputs of cells other than the notebook's own.

    With HPMAGIC_DOCS_EXECUTE=0 (the docs test) it runs nothing and warns instead, which fails
    a strict build: a stale copy is then a failure to fix, not minutes of executing.
    """
    import logging

    log = logging.getLogger("mkdocs.hooks.docs_notebooks")
    if os.environ.get("HPMAGIC_DOCS_EXECUTE") == "0":
        names = [p.name for p in stale()] + [f"{p.name} (no notebook)" for p in orphans()]
        if names:
            log.warning(
                "docs/examples is stale for %s: run python scripts/docs_notebooks.py", ", ".join(names)
            )
        return
    refresh(log=log.info)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="run every notebook again")
    parser.add_argument("--check", action="store_true", help="only say which copies are stale")
    parser.add_argument("names", nargs="*", help="run these notebooks again (default: the stale ones)")
    args = parser.parse_args(argv)
    if args.check:
        names = [p.name for p in stale()] + [f"{p.name} (no notebook)" for p in orphans()]
        if names:
            print("stale in docs/examples: " + ", ".join(names) + "; run python scripts/docs_notebooks.py")
            return 1
        print("docs/examples is up to date")
        return 0
    refresh(everything=args.all, names=tuple(args.names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
