"""Headless studies: the run loop, failures, direction, stopping, isolation."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from hpmagic import Options, create_study, tune


def study_of(source: str, ns: dict | None = None, first_line: int = 1, **options):
    options.setdefault("store", None)
    return create_study(source, {} if ns is None else ns, Options(**options), first_line=first_line)


def until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_failed_trials_are_recorded_and_the_study_goes_on():
    source = (
        "i = next(counter)\n"
        "x = tune.uniform(0, 1)\n"
        "if i == 0:\n"
        "    raise ValueError('boom')\n"
        "[0, float('nan'), float('inf'), 'text', None, {'acc': 1}, x][min(i, 6)]"
    )
    study = study_of(source, {"counter": itertools.count()}, first_line=2, max_evals=9, seed=0)
    study.run().wait(60)
    assert not study.running and study.end_reason == "completed"
    trials = study.trials
    assert [t.number for t in trials] == list(range(9))
    errors = [t.error for t in trials[:6]]
    assert all(t.state == "failed" and t.value is None for t in trials[:6])
    assert errors[0] == "ValueError: boom (line 5)"  # the %%tune line is line 1
    assert errors[1] == "the objective is NaN (not a number): it must be a finite number"
    assert errors[2] == "the objective is infinite (inf): it must be a finite number"
    assert "must be a number" in errors[3] and "str" in errors[3]
    assert "None" in errors[4]
    assert "'loss' or 'score'" in errors[5]
    assert all(t.state == "complete" and t.error is None for t in trials[6:])
    assert study.counts() == {"complete": 3, "failed": 6, "pruned": 0}
    assert study.best_value == min(t.value for t in trials[6:])
    assert "ValueError: boom" in trials[0].output  # the traceback is kept with the trial


def test_the_same_failure_three_times_at_the_start_stops_the_run():
    study = study_of("x = tune.uniform(0, 1)\ny = undefined_name\nx", first_line=2, max_evals=20)
    study.run().wait(60)
    assert len(study.trials) == 3
    assert study.end_reason == "failing"
    assert "first 3 trials all failed" in study.message
    assert "NameError" in study.message and "line 3" in study.message


def test_trial_errors_name_the_line_the_user_sees():
    source = "a = 1\nb = tune.uniform(0, 1)\n\nc = [][b > 2]\nc"
    study = study_of(source, first_line=2, max_evals=1).run().wait(60)
    assert study.trials[0].error == "IndexError: list index out of range (line 5)"


@pytest.mark.parametrize(
    "statement", ["raise KeyboardInterrupt", "raise SystemExit(3)", "import sys; sys.exit()"]
)
def test_interrupts_inside_a_trial_do_not_end_the_study(statement: str):
    source = f"i = next(counter)\nx = tune.uniform(0, 1)\nif i < 2:\n    {statement}\nx"
    study = study_of(source, {"counter": itertools.count()}, max_evals=4).run().wait(60)
    assert [t.state for t in study.trials] == ["failed", "failed", "complete", "complete"]
    assert study.end_reason == "completed"


def test_numpy_objectives():
    source = "x = tune.uniform(0, 1)\nnp.float32(x) if x < 0.5 else np.array([x])"
    study = study_of(source, {"np": np}, max_evals=10, seed=4).run().wait(60)
    assert {t.state for t in study.trials} == {"complete"}
    assert all(type(t.value) is float for t in study.trials)


def test_same_seed_same_params_in_order():
    source = "m = tune.choice(['a', f(k=tune.int(1, 9))])\nx = tune.loguniform(1e-3, 1)\nx"
    runs = [study_of(source, {"f": dict}, max_evals=14, seed=7).run().wait(60) for _ in range(2)]
    first, second = ([t.params for t in s.trials] for s in runs)
    assert first == second and len(first) == 14
    other = study_of(source, {"f": dict}, max_evals=14, seed=8).run().wait(60)
    assert [t.params for t in other.trials] != first


def test_maximize():
    study = study_of("x = tune.uniform(0, 10)\nx", max_evals=20, seed=1, direction="maximize")
    study.run().wait(60)
    assert study.direction == "maximize"
    assert study.best_value == max(t.value for t in study.trials)
    assert study.best_params == {"x": study.best_value}


def test_a_score_dict_implies_maximize_and_keeps_extras():
    source = "x = tune.uniform(0, 10)\n{'score': x, 'fold_scores': [x, x], 'note': 'ok'}"
    study = study_of(source, max_evals=12, seed=1).run().wait(60)
    assert study.direction == "maximize"
    assert study.best_value == max(t.value for t in study.trials)
    trial = study.trials[0]
    assert trial.extras == {"fold_scores": [trial.value] * 2, "note": "ok"}
    assert trial.to_dict()["note"] == "ok"


def test_a_loss_dict_minimizes():
    study = study_of("x = tune.uniform(0, 10)\n{'loss': x, 'n': 1}", max_evals=8).run().wait(60)
    assert study.direction == "minimize"
    assert study.best_value == min(t.value for t in study.trials)


def test_timeout_stops_starting_trials():
    study = study_of("import time\ntime.sleep(0.1)\nx = tune.uniform(0, 1)\nx", max_evals=1000, timeout=0.5)
    started = time.monotonic()
    study.run().wait(30)
    assert time.monotonic() - started < 5
    assert study.end_reason == "timeout"
    assert 1 <= len(study.trials) <= 10


def test_early_stop():
    study = study_of("x = tune.uniform(0, 1)\n1.0", max_evals=100, early_stop=4).run().wait(60)
    assert study.end_reason == "early-stop"
    assert len(study.trials) == 5  # the first is best; four more without improvement


def test_stop_ends_the_run_after_the_running_trial():
    gate = threading.Event()
    source = "gate.wait(10)\nx = tune.uniform(0, 1)\nx"
    study = study_of(source, {"gate": gate}, max_evals=50).run()
    until(lambda: study.n_started == 1)
    assert study.running
    study.stop()
    gate.set()
    study.wait(30)
    assert not study.running
    assert study.end_reason == "stopped"
    assert len(study.trials) == 1 and study.trials[0].state == "complete"


def test_wait_with_a_timeout_returns_while_running():
    gate = threading.Event()
    study = study_of("gate.wait(10)\nx = tune.uniform(0, 1)\nx", {"gate": gate}, max_evals=3).run()
    started = time.monotonic()
    assert study.wait(0.2) is study
    assert time.monotonic() - started < 2
    assert study.running
    study.stop()
    gate.set()
    assert not study.wait(30).running


def test_run_more_trials():
    study = study_of("x = tune.uniform(0, 1)\nx", max_evals=3, seed=3).run().wait(60)
    study.run(4).wait(60)
    assert [t.number for t in study.trials] == list(range(7))
    with pytest.raises(ValueError):
        study.run(0)


def test_prints_are_captured_on_the_trial(capsys: pytest.CaptureFixture[str]):
    source = (
        "import sys\nx = tune.uniform(0, 1)\nprint('value', x)\n"
        "print('warned', file=sys.stderr, flush=True)\nx"
    )
    study = study_of(source, max_evals=3).run().wait(60)
    out = capsys.readouterr()
    assert "value" not in out.out and "warned" not in out.err
    for trial in study.trials:
        assert trial.output == f"value {trial.params['x']}\nwarned\n"


def test_the_user_namespace_is_never_changed():
    ns = {"a": 1, "data": [1, 2, 3]}
    source = "a = 2\nb = tune.int(1, 3)\ndef helper():\n    return b\nc = helper() + len(data)\nc"
    study = study_of(source, ns, max_evals=4).run().wait(60)
    assert {t.state for t in study.trials} == {"complete"}
    assert ns == {"a": 1, "data": [1, 2, 3]}


def test_tune_report_records_intermediate_values():
    source = "x = tune.uniform(0, 1)\nfor step in range(3):\n    tune.report(x * step)\nx"
    study = study_of(source, max_evals=2).run().wait(60)
    trial = study.trials[0]
    assert trial.reports == ((0, 0.0), (1, trial.value), (2, 2 * trial.value))


def test_tune_outside_a_study():
    assert tune.int(2, 32) == 17
    assert tune.report(0.5, step=3) is None


def test_best_params_only_show_active_labels():
    source = "m = tune.choice([f(k=tune.int(1, 3)), 'plain'])\n0 if m == 'plain' else 1"
    study = study_of(source, {"f": dict}, max_evals=15, seed=0).run().wait(60)
    assert study.best_params == {"m": "plain"}
    assert study.best_value == 0


def test_a_failed_trial_keeps_a_traceback_with_the_cell_lines():
    source = "a = 1\nb = tune.uniform(0, 1)\ndef f(v):\n    return v / 0\nc = f(b)\nc"
    trial = study_of(source, first_line=2, max_evals=1).run().wait(60).trials[0]
    assert trial.error == "ZeroDivisionError: float division by zero (line 5)"
    assert "line 6" in trial.output and "c = f(b)" in trial.output
    assert "return v / 0" in trial.output
    assert "hpmagic" not in trial.output
