"""Pruning, grid search and importance through %%tune in a real kernel."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

EPOCH_CELL = """%%tune -n 30 --seed 4 --algo rand --prune {rule} --wait -o {out} --name {out}
good = tune.choice([True, False])
lr = tune.loguniform(1e-3, 1.0)
for epoch in range(6):
    print("epoch", epoch)
    loss = (0.1 + lr if good else 5.0 + lr) * 0.9 ** epoch
    tune.report(loss, step=epoch)
loss
"""


@pytest.mark.parametrize("rule", ["median", "halving"])
def test_an_epoch_loop_that_reports_is_pruned(kernel, rule):
    out = f"p_{rule}"
    reply = kernel.execute(EPOCH_CELL.format(rule=rule, out=out))
    assert reply.status == "ok", reply.error_text
    assert "epoch" not in reply.stdout  # a trial's prints stay with the trial
    counts = kernel.value(f"{out}.counts()")
    assert counts["pruned"] > 0 and counts["failed"] == 0 and sum(counts.values()) == 30
    assert kernel.value(f"{out}.best_params['good']") is True
    assert kernel.value(f"{out}.best_value") < 1.2 * 0.9**5
    late = kernel.value(f"[t.state for t in {out}.trials[10:] if t.params['good'] is False]")
    assert late and set(late) == {"pruned"}
    # a pruned trial keeps its last report as its value and says where it stopped
    assert kernel.value(
        f"all(t.value == t.reports[-1][1] and 'pruned at step' in t.output "
        f"for t in {out}.trials if t.state == 'pruned')"
    )
    assert "pruned" in kernel.value(f"{out}.summary()")


GRID_CELL = """%%tune --algo grid --wait -o g
model = tune.choice(["linear", dict(depth=tune.int(1, 3)), dict(C=tune.loguniform(0.01, 1))])
scale = tune.choice([True, False])
0.0 if model == "linear" else 1.0
"""


def test_grid_enumerates_the_conditional_space_once(kernel):
    reply = kernel.execute(GRID_CELL)
    assert reply.status == "ok", reply.error_text
    params = kernel.value("[t.params for t in g.trials]")
    assert kernel.value("g.n_target") == len(params) == (1 + 3 + 5) * 2
    seen = {
        tuple(sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in p.items())) for p in params
    }
    assert len(seen) == 18
    depths = sorted(p["depth"] for p in params if "depth" in p)
    assert depths == [1, 1, 2, 2, 3, 3]
    cs = sorted({round(p["C"], 9) for p in params if "C" in p})
    assert cs == [0.01, round(0.01**0.75, 9), 0.1, round(0.1**0.5, 9), 1.0]
    assert all(set(p) == {"model", "scale"} for p in params if p["model"] == "linear")
    assert kernel.value("g.best_value") == 0.0


def test_grid_errors_are_one_line(kernel):
    reply = kernel.execute("%%tune --algo grid\na = tune.int(0, 999)\nb = tune.int(0, 999)\na + b")
    assert reply.status == "error"
    lines = reply.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError: %%tune: --algo grid")
    assert "1,000,000 points" in lines[0] and "-n" in lines[0]
    reply = kernel.execute("%%tune --prune sometimes\nx = tune.uniform(0, 1)\nx")
    assert reply.status == "error" and "--prune must be one of none, median, halving" in reply.stderr


IMPORTANCE_CELL = """%%tune -n 30 --algo rand --seed 1 --wait -o imp
x = tune.uniform(-3, 3)
noise = tune.uniform(0, 1)
kind = tune.choice(["a", "b"])
x ** 2 + 0.01 * noise
"""


def test_importance_ranks_the_driving_dimension_first(kernel):
    reply = kernel.execute(IMPORTANCE_CELL)
    assert reply.status == "ok", reply.error_text
    shares = kernel.value("imp.importance()")
    assert set(shares) == {"x", "noise", "kind"}
    assert abs(sum(shares.values()) - 1) < 1e-9
    assert shares["x"] > shares["noise"] and shares["x"] > shares["kind"] and shares["x"] > 0.8
    reply = kernel.execute("p_median.importance()")
    assert reply.status == "ok", reply.error_text
    reply = kernel.execute("g.run(); g.wait(); g.message")
    assert "grid points have been tried" in (reply.result or "")
