"""``--algo auto`` in JupyterLab: the dashboard's trial list says which search proposed each trial."""

from __future__ import annotations

import pytest

from .lab import run_cell_to_the_end

pytestmark = pytest.mark.browser

CELL = (
    "%%tune --algo auto -n 10 --seed 1 --name auto-browser -o s\n"
    "x = tune.uniform(-2, 2)\n"
    "k = tune.int(1, 6)\n"
    "(x - 0.5) ** 2 + abs(k - 3)\n"
)


def test_the_trial_list_names_the_search_that_proposed_each_trial(lab, new_page):
    page = run_cell_to_the_end(lab, new_page, "auto.ipynb", CELL)
    options = page.locator(".hpmagic-dash .hpmagic-trials select option").all_inner_texts()
    assert options and all("[gp]" in line for line in options), options
    assert page.dialogs == []
