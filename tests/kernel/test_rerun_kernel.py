"""A cell run again: the study it replaces refuses to run and names the one to use."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

CELL = "%%tune -n 3 --seed 1 --wait --name held -o {out}\nx = tune.uniform(0, 1)\nx\n"


def test_the_replaced_study_names_the_object_that_continues_it(kernel):
    assert kernel.execute(CELL.format(out="first")).status == "ok"
    reply = kernel.execute(CELL.format(out="second"))
    assert reply.status == "ok", reply.error_text
    count = kernel.value("get_ipython().execution_count") - 1  # the cell that ran again
    reply = kernel.execute("first.run(2)")
    assert reply.error is not None and reply.error["ename"] == "RuntimeError"
    message = reply.error["evalue"]
    assert "'held'" in message and "second" in message and f"Out[{count}]" in message, message
    assert kernel.value("len(second.run(2).wait().trials)") == 8
    assert kernel.value("len(first.trials)") == 3
