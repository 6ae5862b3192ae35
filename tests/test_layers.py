"""The core stays headless: importing and running it loads neither IPython nor ipywidgets."""

from __future__ import annotations

from .fresh_process import modules_loaded


def test_core_imports_neither_ipython_nor_ipywidgets():
    code = (
        "import hpmagic\n"
        "from hpmagic.core import program, space, options, context\nfrom hpmagic.search import searcher\nfrom hpmagic.run import study, execution\n"
        "s = hpmagic.create_study('x = tune.uniform(0, 1)\\nx', {}, hpmagic.Options(max_evals=3, store=None))\n"
        "s.run().wait()\n"
        "assert len(s.trials) == 3, s.trials\n"
    )
    assert modules_loaded(code, ("IPython", "ipywidgets", "ipykernel")) == []
