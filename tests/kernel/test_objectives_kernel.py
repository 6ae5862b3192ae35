"""%%tune --objectives end to end in a real kernel: the front, a picked trial's code, the errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

CELL = """%%tune --objectives "error:min,fit_s:min" -n 14 --seed 2 --wait -o mo
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
X, y = load_iris(return_X_y=True)
depth = tune.int(1, 8)
model = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X, y)
{"error": 1 - model.score(X, y), "fit_s": depth / 100}
"""


def test_a_cell_with_several_objectives_gives_its_front(kernel):
    reply = kernel.execute(CELL)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("'Pareto front' in repr(mo)")
    n, states = kernel.value("len(mo.trials), sorted({t.state for t in mo.trials})")
    assert n == 14 and states == ["complete"]
    front = kernel.value("[(t.params['depth'], dict(t.values)) for t in mo.best_trials]")
    # deeper trees fit better and cost more: each depth on the front beats the shallower ones on error
    # (trials of one depth tie: none beats another, so all of them are on the front)
    depths = [d for d, _ in front]
    assert depths == sorted(depths, reverse=True) and len(set(depths)) >= 2
    errors = [v["error"] for _, v in front]
    assert errors == sorted(errors) and all(v["fit_s"] == d / 100 for d, v in front)
    assert len({v["error"] for _, v in front}) == len(set(depths))
    status = kernel.execute("%tune_status")
    assert f"Pareto front: {len(front)} trials (error:min, fit_s:min)" in status.stdout
    # a trial picked from the front: its code and its values in the user's namespace
    pick = kernel.value("mo.best_trials[-1].number")
    code = kernel.value(f"mo.code(trial={pick})")
    assert f"depth = {front[-1][0]}\n" in code and "%%tune" not in code
    values = kernel.value(f"mo.apply(trial={pick})")
    assert values == pytest.approx(front[-1][1])
    assert kernel.value("depth") == front[-1][0]
    # %tune_apply --trial N: that trial's cell below, as code(trial=N) writes it
    reply = kernel.execute(f"%tune_apply --trial {pick}")
    assert reply.status == "ok", reply.error_text
    (payload,) = [p for p in reply.payload if p.get("source") == "set_next_input"]
    assert payload["text"] == code
    for line, says in [
        ("%tune_apply --trial 999", "no ended trial number 999"),
        ("%tune_apply --trial x", "usage: %tune_apply [--ranges] [--trial N] [NAME]"),
        ("%tune_apply --trial 1 --ranges", "--ranges writes the space, --trial a trial's values"),
    ]:
        reply = kernel.execute(line)
        assert reply.status == "error" and says in reply.stderr, (line, reply.stderr)


def test_a_bad_spec_is_one_line_that_says_what_to_write(kernel):
    reply = kernel.execute('%%tune --objectives "error" -n 3\nx = tune.uniform(0, 1)\n{"error": x}\n')
    lines = reply.stderr.strip().splitlines()
    assert len(lines) == 1, reply.stderr
    assert lines[0].startswith("UsageError: %%tune: --objectives needs at least two names")
    reply = kernel.execute('%%tune --objectives "a:min,b:max" --maximize -n 3\nx = tune.uniform(0, 1)\nx\n')
    assert "leave out --maximize/--minimize" in reply.stderr


def test_a_cell_that_does_not_end_with_the_dict_says_so_where_the_user_looks(kernel):
    reply = kernel.execute(
        '%%tune --objectives "a:min,b:min" -n 5 --wait -o bad\nx = tune.uniform(0, 1)\nx\n'
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("bad.end_reason") == "failing"
    message = kernel.value("bad.message")
    assert "must end with a dict holding 'a', 'b'; it ended with a float" in message
    assert "must end with a dict holding 'a', 'b'" in kernel.execute("%tune_status").stdout


def test_quoted_option_values_arrive_without_their_quotes(kernel):
    reply = kernel.execute(
        "%%tune --objectives 'a:min, b:max' --name \"two words\" -n 2 --wait -o q\n"
        'x = tune.uniform(0, 1)\n{"a": x, "b": x}\n'
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("q.name, q.options.objectives") == ("two words", "a:min,b:max")
