"""%%tune --mlflow in a real kernel: trials run in worker processes, the kernel logs them."""

from __future__ import annotations

import pytest
from mlflow import MlflowClient

from .kernel import Kernel

pytestmark = pytest.mark.kernel

CELL = """%%tune --mlflow exp --parallel 2 -n 6 --seed 1 --wait -o sm --name sm
import os
x = tune.uniform(-2, 2)
for step in range(2):
    tune.report(x + step, step=step)
{"loss": (x - 0.5) ** 2, "pid": os.getpid()}
"""


def test_a_parallel_study_is_logged_to_mlflow_by_the_kernel(tmp_path):
    uri = "sqlite:///" + str(tmp_path / "mlflow.db")
    kernel = Kernel(cwd=str(tmp_path), env={"MLFLOW_TRACKING_URI": uri})
    try:
        assert kernel.execute("%load_ext hpmagic\nimport os").status == "ok"
        reply = kernel.execute(CELL)
        assert reply.status == "ok", reply.error_text
        assert kernel.value("[t.state for t in sm.trials]") == ["complete"] * 6
        assert len(kernel.value("{t.extras['pid'] for t in sm.trials} - {os.getpid()}")) == 2
        assert kernel.value("__import__('hpmagic.integrations.mlflow').integrations.mlflow.flush(sm, 120)")
        assert not [n for n in kernel.value("sm.notes") if "MLflow" in n]
        trials = kernel.value("[(t.number, t.params['x'], t.value, t.reports) for t in sm.trials]")
    finally:
        kernel.shutdown()
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("exp")
    runs = client.search_runs([exp.experiment_id])
    (parent,) = [r for r in runs if r.data.tags.get("hpmagic.role") == "study"]
    assert parent.data.tags["hpmagic.study"] == "sm"
    assert parent.data.tags["hpmagic.store"] == str(tmp_path / ".hpmagic" / "studies.db")
    children = {int(r.data.tags["hpmagic.trial"]): r for r in runs if r is not parent}
    assert sorted(children) == sorted(number for number, *_ in trials)
    for number, x, value, reports in trials:
        child = children[number]
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.params == {"x": str(x)} and child.data.metrics["value"] == pytest.approx(value)
        history = client.get_metric_history(child.info.run_id, "report")
        assert sorted((m.step, m.value) for m in history) == [tuple(r) for r in reports]
