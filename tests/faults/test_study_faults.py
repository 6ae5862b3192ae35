"""Faults of the study itself: a cell whose direction changed, listeners that fail."""

from __future__ import annotations

import pytest

from hpmagic import Options, create_study
from hpmagic.core.options import OptionsError

from .harness import assert_all_kept, finish, options

LOSS = "x = tune.uniform(0, 1)\n{'loss': x}\n"
SCORE = "x = tune.uniform(0, 1)\n{'score': x}\n"
BARE = "x = tune.uniform(0, 1)\nx\n"
# the key is only known when the cell runs
DYNAMIC_LOSS = "x = tune.uniform(0, 1)\nd = {}\nd['loss'] = x\nd\n"
DYNAMIC_SCORE = "x = tune.uniform(0, 1)\nd = {}\nd['score'] = x\nd\n"


def named(tmp_path, **kw) -> Options:
    return options(tmp_path, name="exp", **kw)


def first_run(tmp_path, cell: str, n: int = 4, **kw):
    return finish(create_study(cell, {}, named(tmp_path, **kw)).run(n))


def test_a_score_cell_on_a_minimised_study_is_refused_before_it_runs(tmp_path):
    first_run(tmp_path, LOSS)
    with pytest.raises(OptionsError) as err:
        create_study(SCORE, {}, named(tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert "'exp'" in message and "minimize" in message and "--minimize" in message and "--name" in message


def test_a_loss_cell_on_a_maximised_study_is_refused_before_it_runs(tmp_path):
    first_run(tmp_path, SCORE)
    with pytest.raises(OptionsError, match="--maximize"):
        create_study(LOSS, {}, named(tmp_path))


def test_a_key_seen_only_at_run_time_fails_the_trial_and_ends_the_run(tmp_path):
    first = first_run(tmp_path, DYNAMIC_LOSS)
    assert first.direction == "minimize"
    study = create_study(DYNAMIC_SCORE, {}, named(tmp_path))
    finish(study.run(5))
    new = study.trials[len(first.trials) :]
    assert len(new) == 1 and new[0].state == "failed"
    assert "returns a 'score' to maximize" in new[0].error
    assert study.end_reason == "failing" and "--minimize" in study.message
    assert study.best_trial is first.best_trial or study.best_value == first.best_value
    assert_all_kept(study)


def test_an_explicit_direction_wins_and_says_so(tmp_path):
    first_run(tmp_path, LOSS)
    study = create_study(SCORE, {}, named(tmp_path, direction="maximize"))
    assert study.direction == "maximize"
    assert any("direction changed from minimize to maximize" in n for n in study.notes)
    finish(study.run(2))
    assert study.best_value == max(t.value for t in study.trials if t.state == "complete")
    assert_all_kept(study)


def test_a_study_without_complete_trials_follows_the_cell(tmp_path):
    failing = "x = tune.uniform(0, 1)\nraise ValueError('not yet')\n{'loss': x}\n"
    first_run(tmp_path, failing, n=2)
    study = finish(create_study(SCORE, {}, named(tmp_path)).run(3))
    assert study.direction == "maximize"
    assert study.best_value == max(t.value for t in study.trials if t.state == "complete")


@pytest.mark.parametrize(("before", "direction"), [(LOSS, "minimize"), (SCORE, "maximize")])
def test_a_bare_number_keeps_the_stored_direction(tmp_path, before, direction):
    first_run(tmp_path, before)
    study = finish(create_study(BARE, {}, named(tmp_path)).run(2))
    assert study.direction == direction
    assert all(t.state == "complete" for t in study.trials)


class Broken:
    def __init__(self) -> None:
        self.calls = 0

    def trial_ended(self, study, trial) -> None:
        self.calls += 1
        raise RuntimeError("listener is broken")


def test_a_failing_listener_is_said_once_where_people_look(tmp_path):
    from hpmagic.ui.dashboard import text_summary

    study = create_study(BARE, {}, options(tmp_path))
    broken = Broken()
    study.subscribe(broken)
    finish(study.run(4))
    assert broken.calls == 4 and len(study.trials) == 4
    said = [n for n in study.notes if "listener is broken" in n]
    assert len(said) == 1 and "Broken failed on trial ended" in said[0]
    assert "listener is broken" in study.summary() and "listener is broken" in text_summary(study)
    assert_all_kept(study)
