"""A study written to a real Optuna storage (a SQLite file) and read back with ``optuna.load_study``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import optuna  # the [optuna] extra (also in [bench]): scripts/test.sh installs it
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from hpmagic import Options, create_study
from hpmagic.__main__ import main
from hpmagic.core.options import OptionsError
from hpmagic.integrations import optuna as hp_optuna

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CELL = """model = tune.choice(["svc", SVC(C=tune.loguniform(0.01, 100), shrink=tune.quniform(0, 10, 2))])
x = tune.uniform(-2, 2)
depth = tune.int(1, 9)
width = tune.logint(2, 64)
frac = tune.quniform(0.1, 1.0, 0.1)
noise = tune.normal(0, 1)
for step in range(3):
    tune.report(x * x + step, step=step)
if depth == 9:
    raise ValueError("nine is too deep")
{"loss": x * x + depth / 10, "size": width, "feasible": x < 1.5}
"""

STATE = {"complete": TrialState.COMPLETE, "failed": TrialState.FAIL, "pruned": TrialState.PRUNED}


def svc(**kw):
    return ("svc", kw)


def test_every_trial_reads_back_with_its_params_state_values_and_reports(tmp_path):
    study = create_study(CELL, {"SVC": svc}, Options(max_evals=30, seed=3, name="mixed")).run().wait()
    study.enqueue({"depth": 9}).run(1).wait()  # one failed trial for sure
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study.to_optuna(url)
    back = optuna.load_study(study_name="mixed", storage=url)
    assert [t.number for t in back.trials] == list(range(len(study.trials)))
    assert back.direction == optuna.study.StudyDirection.MINIMIZE
    for mine, theirs in zip(study.trials, back.trials):
        assert theirs.params == dict(mine.params)  # inactive dimensions absent, as define-by-run
        assert theirs.state == STATE[mine.state]
        assert theirs.user_attrs["hpmagic_number"] == mine.number
        assert theirs.intermediate_values == {s: v for s, v in mine.reports}
        if mine.state == "complete":
            assert theirs.value == mine.value and theirs.user_attrs["size"] == mine.extras["size"]
            held = theirs.constraints  # a dict in Optuna 5, a list before
            assert list(held.values() if isinstance(held, dict) else held) == [0.0 if mine.feasible else 1.0]
        if mine.state == "failed":
            assert "nine is too deep" in theirs.user_attrs["error"] and theirs.value is None
    assert {t.state for t in back.trials} >= {TrialState.COMPLETE, TrialState.FAIL}
    assert back.best_trial.params == study.best_params and back.best_value == study.best_value
    dists = {k: v for t in back.trials for k, v in t.distributions.items()}
    assert dists["model"] == CategoricalDistribution(
        ["svc", "SVC(C=tune.loguniform(0.01, 100), shrink=tune.quniform(0, 10, 2))"]
    )
    assert dists["C"] == FloatDistribution(0.01, 100, log=True)
    assert dists["shrink"] == IntDistribution(0, 10, step=2)
    assert dists["x"] == FloatDistribution(-2, 2)
    assert dists["depth"] == IntDistribution(1, 9)
    assert dists["width"] == IntDistribution(2, 64, log=True)
    assert dists["frac"] == FloatDistribution(0.1, 1.0, step=0.1)
    assert dists["noise"] == FloatDistribution(-4, 4)  # Optuna has no normal: mu ± 4 sigma
    assert back.user_attrs["hpmagic_cell"] == CELL
    svc_trials = [t for t in back.trials if t.params.get("model") != "svc"]
    assert svc_trials and all("C" in t.params for t in svc_trials)
    assert all("C" not in t.params for t in back.trials if t.params.get("model") == "svc")


def test_pruned_trials_keep_their_last_report_and_a_refined_range_still_holds_old_trials(tmp_path):
    cell = "x = tune.uniform(0, 10)\nfor s in range(5):\n    tune.report(x + s, step=s)\nx"
    study = create_study(cell, {}, Options(max_evals=20, seed=1, prune="median")).run().wait()
    study.refine(x=(0, 1)).run(5).wait()
    pruned = [t for t in study.trials if t.state == "pruned"]
    assert pruned, "the median pruner stopped no trial"
    url = f"sqlite:///{tmp_path / 'o.db'}"
    back = study.to_optuna(url, name="pruned")
    by_number = {t.user_attrs["hpmagic_number"]: t for t in back.trials}
    for t in pruned:
        assert by_number[t.number].state == TrialState.PRUNED
        assert by_number[t.number].value == t.value
    assert back.trials[0].distributions["x"] == FloatDistribution(
        0, 10
    )  # the cell's range and the refined one


def test_several_objectives_keep_their_names_and_directions(tmp_path):
    cell = 'x = tune.uniform(0, 1)\n{"error": x, "speed": x * x}'
    study = (
        create_study(cell, {}, Options(max_evals=12, seed=0, objectives="error:min,speed:max")).run().wait()
    )
    url = f"sqlite:///{tmp_path / 'o.db'}"
    study.to_optuna(url)
    back = optuna.load_study(study_name=study.name, storage=url)
    assert [d.name for d in back.directions] == ["MINIMIZE", "MAXIMIZE"]
    assert back.metric_names == ["error", "speed"]
    for mine, theirs in zip(study.trials, back.trials):
        assert theirs.values == [mine.values["error"], mine.values["speed"]]
    assert {t.number for t in back.best_trials} == {
        next(i for i, m in enumerate(study.trials) if m.number == t.number) for t in study.best_trials
    }


def test_a_name_already_in_the_storage_is_refused_unless_replaced(tmp_path):
    study = (
        create_study("x = tune.uniform(0, 1)\nx", {}, Options(max_evals=3, seed=0, name="twice")).run().wait()
    )
    url = f"sqlite:///{tmp_path / 'o.db'}"
    study.to_optuna(url)
    with pytest.raises(OptionsError, match="has a study 'twice' already"):
        study.to_optuna(url)
    study.run(2).wait()
    assert len(study.to_optuna(url, replace=True).trials) == 5


def test_the_terminal_exports_a_stored_study(tmp_path, capsys):
    store = str(tmp_path / "studies.db")
    study = (
        create_study(CELL, {"SVC": svc}, Options(max_evals=8, seed=2, store=store, name="kept")).run().wait()
    )
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    assert main(["export", "kept", "--optuna", url, "--store", store]) == 0
    assert f"wrote study 'kept' to {url}" in capsys.readouterr().out
    back = optuna.load_study(study_name="kept", storage=url)
    assert [t.params for t in back.trials] == [dict(t.params) for t in study.trials]
    assert [t.value for t in back.trials] == [t.value for t in study.trials]
    assert main(["export", "kept", "--optuna", url, "--store", store]) == 1
    assert "has a study 'kept' already" in capsys.readouterr().err
    assert main(["export", "kept", "--store", store]) == 2  # neither a file nor --optuna
    assert main(["export", "nope", "--optuna", url, "--store", store]) == 1
    assert "no study named 'nope'" in capsys.readouterr().err


def test_without_optuna_the_export_is_a_one_line_error_naming_the_extra(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            import sys

            class NoOptuna:
                def find_spec(self, name, path=None, target=None):
                    if name == "optuna" or name.startswith("optuna."):
                        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                    return None

            sys.meta_path.insert(0, NoOptuna())
            """
        )
    )
    code = textwrap.dedent(
        """
        from hpmagic import Options, create_study
        from hpmagic.core.options import OptionsError
        s = create_study("x = tune.uniform(0, 1)\\nx", {}, Options(max_evals=2)).run().wait()
        try:
            s.to_optuna("sqlite:///o.db")
        except OptionsError as exc:
            print(exc)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "exporting to Optuna " + hp_optuna.MISSING + "\n"
    assert "pip install hpmagic[optuna]" in out.stdout
    assert not (tmp_path / "o.db").exists()
