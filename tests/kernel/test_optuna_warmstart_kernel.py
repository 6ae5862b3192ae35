"""In a real kernel: a study written to Optuna and read back, and ``--warm-start`` from each kind of source."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

FIRST = """%%tune -n 12 --seed 0 --wait --name first -o a
x = tune.uniform(-5, 5)
kind = tune.choice(["a", "b"])
(x - SHIFT) ** 2 + (kind == "b")
"""


def test_a_study_goes_to_optuna_and_the_next_cell_starts_from_it(kernel):
    assert kernel.execute("SHIFT = 2.0").status == "ok"
    first = kernel.execute(FIRST)
    assert first.status == "ok", first.error_text
    reply = kernel.execute(
        "import optuna\n"
        "a.to_optuna('sqlite:///optuna.db')\n"
        "back = optuna.load_study(study_name='first', storage='sqlite:///optuna.db')\n"
        "assert [t.params for t in back.trials] == [dict(t.params) for t in a.trials]\n"
        "assert [t.value for t in back.trials] == [t.value for t in a.trials]\n"
    )
    assert reply.status == "ok", reply.error_text
    # the data moved a little; each kind of source seeds the same 12 trials, none counted as the new study's
    assert kernel.execute("SHIFT = 2.3\nframe = a.to_dataframe()").status == "ok"
    for i, source in enumerate(["first", "sqlite:///optuna.db:first", "frame", ".hpmagic/studies.db:first"]):
        cell = (
            f"%%tune -n 6 --seed 1 --wait --name second{i} --warm-start {source} -o b\n"
            + FIRST.split("\n", 1)[1]
        )
        reply = kernel.execute(cell)
        assert reply.status == "ok", (source, reply.error_text)
        assert kernel.value("len(b.warm_trials), len(b.trials), b.trials[0].number") == (12, 6, 0), source
        assert kernel.value("b.trials[0].params == a.best_params"), source  # the source's best, measured here
        shown = " ".join(str(d.get("text/html", "")) + str(d.get("text/plain", "")) for d in reply.displays)
        assert "warm start: 12 trials of" in shown, (source, reply.displays)
    status = kernel.execute("%tune_status")
    assert "second3" in status.stdout


def test_a_source_that_cannot_be_read_is_a_one_line_usage_error(kernel):
    reply = kernel.execute("%%tune -n 3 --warm-start no_such_study\nx = tune.uniform(0, 1)\nx\n")
    assert reply.status == "error" and reply.error["ename"] == "UsageError"
    assert reply.error["evalue"].startswith(
        "%%tune: --warm-start no_such_study: no study named 'no_such_study'"
    )
    assert "\n" not in reply.error["evalue"]
    help_text = kernel.execute("%%tune?\n").payload
    assert "--warm-start SOURCE" in str(help_text)
