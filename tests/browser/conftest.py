"""Browser fixtures: one JupyterLab (or Notebook 7) and one Chromium per test module, fresh pages per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .lab import Lab, Notebook, launch_chromium


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A started JupyterLab rooted in a temporary directory."""
    server = Lab(tmp_path_factory.mktemp("lab"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Notebook]:
    """A started Jupyter Notebook 7 rooted in a temporary directory."""
    server = Notebook(tmp_path_factory.mktemp("notebook7"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """A factory of pages (``new_page(width=1280, height=1000)``); each records dialogs it saw."""
    contexts = []

    def make(width: int = 1280, height: int = 1000) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []  # type: ignore[attr-defined]

        def on_dialog(dialog: Any) -> None:
            page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield make
    for context in contexts:
        context.close()
