"""The core stays headless: importing and running it loads neither IPython nor ipywidgets."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_neither_ipython_nor_ipywidgets():
    code = (
        "import sys\n"
        "import hpmagic\n"
        "from hpmagic import program, space, search, study, execution, options, context\n"
        "s = hpmagic.create_study('x = tune.uniform(0, 1)\\nx', {}, hpmagic.Options(max_evals=3, store=None))\n"
        "s.run().wait()\n"
        "assert len(s.trials) == 3, s.trials\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipywidgets', 'ipykernel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
