"""--mlflow against a real MLflow tracking store (SQLite, MLflow's default kind) in a temp dir.

Runs are read back with ``MlflowClient``, as a user would see them in the MLflow UI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from mlflow import MlflowClient  # the [mlflow] extra: scripts/test.sh installs it

from hpmagic import Options, create_study
from hpmagic.core.options import OptionsError
from hpmagic.integrations import mlflow as hp_mlflow

CELL = """x = tune.uniform(0, 1)
kind = tune.choice(["a", "b"])
for step in range(3):
    tune.report(x * step, step=step)
if x > 0.6:
    raise ValueError(f"too big: {x:.3f}")
x + (kind == "b")
"""


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory):
    """One tracking store for the module (creating MLflow's tables takes seconds).

    Run from its folder: MLflow puts the artifacts of a SQLite store in ./mlruns.
    """
    folder = tmp_path_factory.mktemp("mlflow")
    uri = "sqlite:///" + str(folder / "mlflow.db")
    before, cwd = os.environ.get("MLFLOW_TRACKING_URI"), os.getcwd()
    os.environ["MLFLOW_TRACKING_URI"] = uri
    os.chdir(folder)
    try:
        yield MlflowClient(uri)
    finally:
        os.chdir(cwd)
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


def runs_of(client: MlflowClient, experiment: str) -> tuple[object, list[object]]:
    """The experiment's parent run and its nested runs (by trial number)."""
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, f"no experiment {experiment!r}"
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if r.data.tags.get("hpmagic.role") == "study"]
    assert len(parents) == 1, [r.data.tags for r in parents]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    return parents[0], sorted(children, key=lambda r: int(r.data.tags["hpmagic.trial"]))


def run(study, n: int):
    study.run(n).wait(120)
    assert hp_mlflow.flush(study, 120), "the MLflow backlog was not written in 2 minutes"
    return study


def test_each_trial_is_a_nested_run_with_params_value_reports_state_and_error(tracking, tmp_path):
    study = create_study(
        CELL,
        {},
        Options(seed=3, algo="rand", store=str(tmp_path / "s.db"), name="nested", mlflow="exp-nested"),
    )
    run(study, 12)
    states = {t.state for t in study.trials}
    assert states == {"complete", "failed"}, "the seed must give both states"
    assert not any("MLflow" in n for n in study.notes), study.notes
    parent, children = runs_of(tracking, "exp-nested")
    assert parent.data.tags["hpmagic.study"] == "nested"
    assert parent.data.tags["hpmagic.store"] == str(tmp_path / "s.db")
    assert parent.info.status == "FINISHED"
    assert [int(r.data.tags["hpmagic.trial"]) for r in children] == [t.number for t in study.trials]
    for trial, child in zip(study.trials, children):
        assert child.info.run_name == f"trial {trial.number}"
        assert child.data.params == {"x": str(trial.params["x"]), "kind": trial.params["kind"]}
        assert child.data.tags["hpmagic.state"] == trial.state
        assert child.data.metrics["duration_s"] == pytest.approx(trial.duration)
        history = tracking.get_metric_history(child.info.run_id, "report")
        assert sorted((m.step, m.value) for m in history) == list(trial.reports)
        if trial.state == "complete":
            assert child.info.status == "FINISHED"
            assert child.data.metrics["value"] == pytest.approx(trial.value)
            assert "hpmagic.error" not in child.data.tags
        else:
            assert child.info.status == "FAILED" and "value" not in child.data.metrics
            assert child.data.tags["hpmagic.error"] == trial.error and "too big" in trial.error
            path = tracking.download_artifacts(child.info.run_id, "error.txt", str(tmp_path))
            assert open(path).read() == trial.error
    # the parent: each trial's objective as a history by trial number
    history = tracking.get_metric_history(parent.info.run_id, "value")
    assert sorted((m.step, m.value) for m in history) == [
        (t.number, pytest.approx(t.value)) for t in study.trials if t.state == "complete"
    ]


def test_the_parent_run_keeps_best_params_and_the_exported_study(tracking, tmp_path):
    study = create_study(CELL, {}, Options(seed=5, algo="rand", mlflow="exp-artifacts"))
    run(study, 6)
    parent, children = runs_of(tracking, "exp-artifacts")
    assert len(children) == 6
    names = {a.path for a in tracking.list_artifacts(parent.info.run_id)}
    assert names == {"best_params.json", "study.json"}
    best = json.load(open(tracking.download_artifacts(parent.info.run_id, "best_params.json", str(tmp_path))))
    assert best == study.best_params
    exported = json.load(open(tracking.download_artifacts(parent.info.run_id, "study.json", str(tmp_path))))
    study.export(str(tmp_path / "mine.json"))
    assert exported == json.load(open(tmp_path / "mine.json"))
    assert parent.data.tags["hpmagic.best_value"] == repr(study.best_value)
    assert parent.data.tags["hpmagic.store"] == "memory"


def test_a_continued_study_appends_to_its_parent_run(tracking, tmp_path):
    options = Options(seed=7, algo="rand", store=str(tmp_path / "s.db"), name="again", mlflow="exp-resume")
    first = run(create_study(CELL, {}, options), 4)
    (parent_id,) = [logger.parent_id for logger in hp_mlflow._LOGGERS if logger.study is first]
    second = create_study(CELL, {}, options)
    assert len(second.trials) == 4  # continued from the store
    run(second, 3)
    parent, children = runs_of(tracking, "exp-resume")
    assert parent.info.run_id == parent_id
    assert [int(r.data.tags["hpmagic.trial"]) for r in children] == list(range(7))
    study_json = tracking.download_artifacts(parent_id, "study.json", str(tmp_path))
    assert json.load(open(study_json))["n_trials"] == 7
    # a study of another store is another parent, even with the same name
    other = Options(seed=7, algo="rand", store=str(tmp_path / "other.db"), name="again", mlflow="exp-resume")
    run(create_study(CELL, {}, other), 1)
    exp = tracking.get_experiment_by_name("exp-resume")
    studies = tracking.search_runs([exp.experiment_id], filter_string="tags.`hpmagic.role` = 'study'")
    assert len(studies) == 2


def test_a_failing_tracking_store_is_a_note_and_every_trial_completes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///" + str(blocker / "mlflow.db"))
    study = create_study("x = tune.uniform(0, 1)\nx", {}, Options(seed=1, mlflow="broken"))
    run(study, 8)
    assert [t.state for t in study.trials] == ["complete"] * 8
    notes = [n for n in study.notes if "MLflow" in n]
    assert len(notes) == 1 and notes[0].startswith("MLflow logging failed (")
    assert "the search goes on" in notes[0] and "\n" not in notes[0]


def test_a_full_queue_drops_trials_with_a_note(tracking, monkeypatch):
    monkeypatch.setattr(hp_mlflow, "QUEUE_SIZE", 3)
    study = create_study("x = tune.uniform(0, 1)\nx", {}, Options(seed=2, mlflow="exp-full"))
    run(study, 30)  # the logging thread holds off while the study runs: the queue fills
    assert [t.state for t in study.trials] == ["complete"] * 30
    assert any(n.startswith("MLflow logging fell behind (queue of 3 full)") for n in study.notes), study.notes
    _, children = runs_of(tracking, "exp-full")
    assert 1 <= len(children) < 30


def test_without_mlflow_the_option_is_a_one_line_error_naming_the_extra(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            import sys

            class NoMlflow:
                def find_spec(self, name, path=None, target=None):
                    if name == "mlflow" or name.startswith("mlflow."):
                        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                    return None

            sys.meta_path.insert(0, NoMlflow())
            """
        )
    )
    code = textwrap.dedent(
        """
        from hpmagic import Options, create_study
        from hpmagic.core.options import OptionsError
        try:
            import mlflow
        except ImportError:
            pass
        else:
            raise SystemExit("mlflow was importable")
        s = create_study("x = tune.uniform(0, 1)\\nx", {}, Options())  # no --mlflow: fine
        try:
            create_study("x = tune.uniform(0, 1)\\nx", {}, Options(mlflow="e"))
        except OptionsError as exc:
            print(exc)
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), root]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == hp_mlflow.MISSING + "\n"
    assert "pip install hpmagic[mlflow]" in hp_mlflow.MISSING


def test_the_option_takes_an_experiment_name_or_nothing():
    assert Options(mlflow=True).check().mlflow == ""
    assert Options(mlflow="exp").check().mlflow == "exp"
    with pytest.raises(OptionsError, match="--mlflow takes an experiment name"):
        Options(mlflow=3).check()  # type: ignore[arg-type]


def test_the_logging_thread_ends_when_idle_and_a_later_run_starts_another(tracking, monkeypatch):
    import threading
    import time

    monkeypatch.setattr(hp_mlflow, "IDLE_S", 0.1)
    study = create_study("x = tune.uniform(0, 1)\nx", {}, Options(seed=4, name="idle", mlflow="exp-idle"))

    def logging_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "hpmagic:mlflow:idle"]

    for n in (2, 3):
        run(study, n)
        deadline = time.monotonic() + 30
        while logging_threads() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not logging_threads(), "the idle logging thread did not end"
    _, children = runs_of(tracking, "exp-idle")
    assert len(children) == 5


def test_a_dask_study_is_logged_by_the_process_that_runs_the_search(tracking):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        options = Options(seed=6, name="on-dask", mlflow="exp-dask", dask=cluster.scheduler_address)
        study = create_study(CELL, {}, options)
        try:
            run(study, 4)
        finally:
            study.close()
    _, children = runs_of(tracking, "exp-dask")
    assert sorted(int(r.data.tags["hpmagic.trial"]) for r in children) == [t.number for t in study.trials]
    assert sorted(r.data.tags["hpmagic.state"] for r in children) == sorted(t.state for t in study.trials)
    by_number = {int(r.data.tags["hpmagic.trial"]): r for r in children}
    for trial in study.trials:
        history = tracking.get_metric_history(by_number[trial.number].info.run_id, "report")
        assert sorted((m.step, m.value) for m in history) == list(trial.reports)


def test_a_pruned_trial_is_a_killed_run_with_the_reports_it_made(tracking):
    cell = "x = tune.uniform(0, 1)\nfor step in range(4):\n    tune.report(x + step, step=step)\nx"
    study = create_study(cell, {}, Options(seed=0, algo="rand", prune="median", mlflow="exp-prune"))
    run(study, 16)
    pruned = [t for t in study.trials if t.state == "pruned"]
    assert pruned, "the seed must prune some trials"
    _, children = runs_of(tracking, "exp-prune")
    by_number = {int(r.data.tags["hpmagic.trial"]): r for r in children}
    for trial in pruned:
        child = by_number[trial.number]
        assert child.info.status == "KILLED" and child.data.tags["hpmagic.state"] == "pruned"
        history = tracking.get_metric_history(child.info.run_id, "report")
        assert sorted((m.step, m.value) for m in history) == list(trial.reports)
        assert len(trial.reports) < 4


def test_each_objective_of_several_is_a_metric_of_its_own_name(tracking, tmp_path):
    cell = 'x = tune.uniform(0, 1)\n{"error": x, "value": 1 - x, "size": 3}\n'
    study = create_study(cell, {}, Options(seed=2, objectives="error,value:max", mlflow="exp-several"))
    run(study, 4)
    _, children = runs_of(tracking, "exp-several")
    assert len(children) == 4
    for trial, child in zip(study.trials, children):
        metrics = child.data.metrics
        assert metrics["error"] == pytest.approx(trial.values["error"])
        # "value" is hpmagic's own metric (the first objective): the objective of that name is kept apart
        assert metrics["value"] == pytest.approx(trial.values["error"])
        assert metrics["objective.value"] == pytest.approx(trial.values["value"])
    parent, _ = runs_of(tracking, "exp-several")
    path = tracking.download_artifacts(parent.info.run_id, "study.json", str(tmp_path))
    data = json.load(open(path))
    assert data["objectives"] == "error:min,value:max"
    assert [p["number"] for p in data["pareto_front"]] == [t.number for t in study.best_trials]
