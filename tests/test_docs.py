"""The docs site builds with ``mkdocs build --strict`` and every link in README.md and docs/ resolves.

Strict MkDocs (mkdocs.yml's ``validation``) fails on a link to a missing page or anchor and on a
page left out of the nav; the README is not part of the site, so its links are checked here, as
GitHub resolves them. The example pages are the executed copies in docs/examples/, which must have
been run from the notebooks' current cells (scripts/docs_notebooks.py).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _docs_notebooks():
    spec = importlib.util.spec_from_file_location("docs_notebooks", REPO / "scripts" / "docs_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub and MkDocs' toc both make it (for the headings used here)."""
    text = re.sub(r"[`*]", "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(markdown: Path) -> set[str]:
    """Its headings' anchors, and the objects mkdocstrings documents there (``::: hpmagic.Study``)."""
    text = re.sub(r"```.*?```", "", markdown.read_text(), flags=re.S)
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)} | set(
        re.findall(r"^::: (\S+)$", text, flags=re.M)
    )


def _broken_links(markdown: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", markdown.read_text(), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            broken.append(f"{target} (links stay inside the repository)")
            continue
        path, _, anchor = target.partition("#")
        file = (markdown.parent / path).resolve() if path else markdown
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target} (no such heading)")
    return broken


def test_the_readme_is_short_and_every_link_in_it_and_in_docs_resolves():
    readme = REPO / "README.md"
    assert len(readme.read_text().splitlines()) < 250
    broken = {
        str(p.relative_to(REPO)): _broken_links(p) for p in [readme, *sorted((REPO / "docs").rglob("*.md"))]
    }
    assert not {k: v for k, v in broken.items() if v}, broken
    # the README points into the site: a page of the guide, the benchmarks and the API reference
    links = set(LINK.findall(readme.read_text()))
    assert {"docs/annotations.md", "docs/benchmarks/index.md", "docs/api.md", "docs/screenshot.png"} <= links


def test_the_example_pages_ran_from_the_notebooks_as_they_are():
    docs_notebooks = _docs_notebooks()
    assert not docs_notebooks.stale() and not docs_notebooks.orphans(), (
        "run python scripts/docs_notebooks.py: " + ", ".join(p.name for p in docs_notebooks.stale())
    )
    for source in sorted((REPO / "notebooks").glob("*.ipynb")):
        copy = nbformat.read(REPO / "docs" / "examples" / source.name, as_version=4)
        assert [c.source for c in copy.cells] == [c.source for c in nbformat.read(source, as_version=4).cells]
        code = [c for c in copy.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), source.name  # every cell ran
        outputs = [o for c in code for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], source.name
        # each %%tune cell left its study's final static summary (the page has no kernel for a live view)
        for cell in code:
            if cell.source.startswith("%%tune"):
                html = [o.data.get("text/html", "") for o in cell.outputs if "data" in o]
                assert any("hpmagic-summary" in h and "completed" in h for h in html), (
                    source.name,
                    cell.source,
                )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    # a stale example fails the build instead of running; no notice of MkDocs 2 in the output
    env = {**os.environ, "HPMAGIC_DOCS_EXECUTE": "0", "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return out


def test_the_site_builds_strict_with_every_page(site: Path):
    pages = {
        "index.html",
        "getting-started/index.html",
        "annotations/index.html",
        "study/index.html",
        "search-defaults/index.html",
        "benchmarks/quality/index.html",
        "api/index.html",
        "examples/quickstart/index.html",
    }
    assert all((site / p).exists() for p in pages), sorted(p for p in pages if not (site / p).exists())
    assert (site / "screenshot.png").exists() and (site / "front.png").exists()


def test_the_api_reference_is_made_from_the_docstrings(site: Path):
    api = (site / "api" / "index.html").read_text()
    for name in ("hpmagic.create_study", "hpmagic.Options", "hpmagic.Study", "hpmagic.Trial", "hpmagic.Tune"):
        assert f'id="{name}"' in api, name
    # a docstring's words, and members of the study's mixins
    assert "Parse a cell and build its study" in api
    for member in ("best_params", "suggest_widening", "enqueue", "to_dataframe", "JointTPESettings"):
        assert member in api, member


def test_an_example_page_shows_the_outputs_of_its_run(site: Path):
    page = (site / "examples" / "quickstart" / "index.html").read_text()
    assert "hpmagic-summary" in page and "data:image/png;base64," in page  # the summary and its plot
    assert "best value" in page
