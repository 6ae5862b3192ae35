"""The advisor in a real kernel: study.advice(), its lines in the summary and %tune_status, the
dashboard's advice button, a frozen dimension in code(), and --stop-when-done."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

CELL = """%%tune -n 50 --seed 0 --wait -o s
import math
C = tune.uniform(0.001, 10)
g = tune.uniform(0, 1)
(math.log10(C) + 2) ** 2
"""


def test_advice_lines_and_the_button_in_a_kernel(kernel):
    reply = kernel.execute(CELL)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("[(a.kind, a.label) for a in s.advice() if a.kind == 'log-scale']") == [
        ("log-scale", "C")
    ]
    assert kernel.value("s.advice()[0].refine if s.advice()[0].kind == 'log-scale' else None") in (
        {"C": ("log", 0.001, 10)},
        None,
    )
    reply = kernel.execute("%tune_status")
    assert reply.status == "ok", reply.error_text
    assert "advice: log-scale C:" in reply.stdout
    assert "advice: log-scale C:" in kernel.value("repr(s._repr_mimebundle_()['text/plain'])").replace(
        "\\n", "\n"
    )

    # the dashboard's advice button: the same range on a log scale, and the study continues
    reply = kernel.execute(
        "from hpmagic.ui.dashboard import views\n"
        "d = views(s)[0]\n"
        "panel = d._controls.advisor\n"
        "row = [a.kind for a in panel.advice].index('log-scale')\n"
        "d._controls.n_box.value = 10\n"
        "panel.widget.children[row].children[0].click()\n"
    )
    assert reply.status == "ok", reply.error_text
    reply = kernel.execute("s.wait(60); assert not s.running", timeout=90)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("len(s.trials), s.search_space.by_key['C'].kind") == (60, "loguniform")
    assert "C = tune.loguniform(0.001, 10)" in kernel.value("s.code(ranges=True)")

    # freezing g keeps its value in the cell's code
    reply = kernel.execute("s.refine(g=0.3).run(5).wait(60); None", timeout=90)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("[t.params['g'] for t in s.trials[-5:]]") == [0.3] * 5
    assert "g = 0.3\n" in kernel.value("s.code(ranges=True)")


def test_stop_when_done_in_a_kernel(kernel):
    reply = kernel.execute(
        "%%tune -n 300 --seed 1 --wait --stop-when-done -o noisy\n"
        "import random\n"
        "x = tune.uniform(-1, 1)\n"
        "random.gauss(0, 1) + 0.001 * x\n"
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("noisy.end_reason") == "done"
    assert kernel.value("len(noisy.trials) < 300")
    reply = kernel.execute("%tune_status")
    assert "unlikely to beat the best" in reply.stdout
    reply = kernel.execute(
        "%%tune --stop-when-done --objectives 'a:min,b:min'\n{'a': tune.uniform(0, 1), 'b': 1}"
    )
    assert reply.status == "error" and "one objective" in reply.error_text
