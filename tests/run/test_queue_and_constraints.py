"""Hand-picked configurations (enqueue, --start-at-defaults) and infeasible trials ("feasible": False)."""

from __future__ import annotations

import pytest

from hpmagic import Options, create_study
from hpmagic.core.space import SpaceError
from hpmagic.run import searching

CELL = """
x = tune.uniform(-5.0, 5.0, default=1.5)
k = tune.choice(["a", "b"], default="b")
lr = 0.01  # tune: loguniform(1e-4, 1e-1)
n = tune.int(1, 10)
(x - 2) ** 2 + (k == "a") + n + lr
"""


def study_of(source: str = CELL, **options):
    options.setdefault("store", None)
    return create_study(source, {}, Options(**options))


def ordered(study):
    return sorted(study.trials, key=lambda t: t.number)


def test_start_at_defaults_makes_the_cells_own_values_trial_0():
    study = study_of(start_at_defaults=True, seed=4)
    study.run(3).wait(60)
    first = ordered(study)[0]
    # the default= values, the comment form's literal, and the midpoint of a range without a default
    assert first.number == 0 and dict(first.params) == {"x": 1.5, "k": "b", "lr": 0.01, "n": 6}
    # without the option trial 0 is the search's own point
    plain = study_of(seed=4)
    plain.run(1).wait(60)
    assert dict(ordered(plain)[0].params) != dict(first.params)


def test_queued_points_run_first_in_order_then_the_search():
    study = study_of(start_at_defaults=True, seed=0)
    study.enqueue({"x": 2.0, "k": "a"}).enqueue({"n": 3, "lr": 0.001})
    assert [q["x"] for q in study.queued] == [1.5, 2.0, 1.5]
    study.run(5).wait(60)
    params = [dict(t.params) for t in ordered(study)]
    assert params[0] == {"x": 1.5, "k": "b", "lr": 0.01, "n": 6}
    assert params[1] == {"x": 2.0, "k": "a", "lr": 0.01, "n": 6}  # labels left out: the defaults
    assert params[2] == {"x": 1.5, "k": "b", "lr": 0.001, "n": 3}
    assert all(p not in params[:3] for p in params[3:]) and study.queued == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"y": 1.0}, "enqueue: no dimension 'y'; the space has k, lr, n, x"),
        ({"x": 9}, "enqueue: x=9 is outside the range (-5.0, 5.0)"),
        ({"k": "c"}, "enqueue: k='c' is not one of the options ['a', 'b']"),
        ({"n": 2.5}, "enqueue: n must be a whole number, got 2.5"),
        ({"lr": "fast"}, "enqueue: lr must be a finite number, got 'fast'"),
        ({"lr": 0.0}, "enqueue: lr=0.0 is outside the range (0.0001, 0.1)"),
    ],
)
def test_enqueue_checks_the_point_at_once(params, message):
    study = study_of()
    with pytest.raises(SpaceError) as info:
        study.enqueue(params)
    assert str(info.value) == message and "\n" not in message
    assert study.queued == []  # nothing half-queued


def test_enqueue_follows_conditional_choices():
    svc = "('svc', tune.loguniform(1e-2, 1e2, name='c'))"
    tree = "('tree', tune.int(1, 8, name='depth'))"
    source = f"m = tune.choice([{svc}, {tree}])\nm[1]"
    study = study_of(source, seed=1)
    study.enqueue({"m": tree, "depth": 3})  # an option as params show it: its source text
    with pytest.raises(SpaceError, match="'depth' is not used with the options chosen"):
        study.enqueue({"m": svc, "depth": 3})
    study.run(1).wait(60)
    assert dict(study.trials[0].params) == {"m": tree, "depth": 3}
    assert study.trials[0].value == 3


def test_queued_points_are_told_to_the_search():
    study = study_of(seed=2)
    study.enqueue({"x": 2.0})
    study.run(2).wait(60)
    assert 0 in study._searching.current.numbers


def test_a_continued_study_does_not_run_the_defaults_again(tmp_path):
    store = str(tmp_path / "s.db")
    first = study_of(start_at_defaults=True, seed=1, store=store, name="again")
    first.run(2).wait(60)
    first.close()
    again = study_of(start_at_defaults=True, seed=1, store=store, name="again")
    assert again.queued == []


FEASIBLE_CELL = """
x = tune.uniform(-5.0, 5.0)
{"loss": x, "feasible": x > 0}
"""


def test_an_infeasible_trial_is_never_the_best_and_is_told_as_the_worst():
    study = study_of(FEASIBLE_CELL, seed=3, max_evals=30)
    study.enqueue({"x": -4.9}).enqueue({"x": 4.0})
    study.run().wait(60)
    trials = study.trials
    infeasible = [t for t in trials if not t.feasible]
    assert infeasible and all(t.state == "complete" for t in infeasible)
    best = study.best_trial
    assert best.feasible and best.value > 0
    assert best.value == min(t.value for t in trials if t.feasible)
    # trial 0 (x = -4.9) had the lowest value of all, yet the search was told the worst loss seen
    worst = max(t.value for t in trials if t.number <= 1)
    assert searching.search_loss(trials[0], "minimize", trials[:2], "worst") == worst
    losses = searching.search_losses(trials, "minimize", "worst")
    top = max(t.value for t in trials)
    assert all(loss >= top for t, loss in zip(trials, losses) if not t.feasible)


RING_CELL = """
x = tune.uniform(-5.0, 5.0)
y = tune.uniform(-5.0, 5.0)
{"loss": (x - 1) ** 2 + (y - 1) ** 2, "feasible": x + y > 3}
"""


def test_the_search_learns_to_avoid_infeasible_points():
    # the unconstrained optimum (1, 1) is infeasible; x + y > 3 holds on 24.5 % of the square,
    # so random points are feasible about one time in four: TPE told the worst loss does better
    study = study_of(RING_CELL, seed=0, max_evals=60)
    study.run().wait(120)
    later = [t.feasible for t in ordered(study)[30:]]
    assert sum(later) / len(later) >= 0.35
    assert study.best_trial.feasible and study.best_value < 1.0  # near the constrained optimum, 0.5


def test_feasible_must_be_a_bool():
    study = study_of('x = tune.uniform(0, 1)\n{"loss": x, "feasible": "yes"}', max_evals=1)
    study.run().wait(60)
    trial = study.trials[0]
    assert trial.state == "failed"
    assert trial.error == "the objective's 'feasible' must be True or False, got 'yes'"


def test_no_feasible_trial_means_no_best():
    study = study_of('x = tune.uniform(0, 1)\n{"loss": x, "feasible": False}', max_evals=3, seed=0)
    study.run().wait(60)
    assert study.best_trial is None and len(study.trials) == 3


def test_stored_best_value_leaves_infeasible_trials_out(tmp_path):
    from hpmagic.storage.store import Store

    store = str(tmp_path / "s.db")
    study = study_of(FEASIBLE_CELL, seed=5, max_evals=12, store=store, name="cons")
    study.enqueue({"x": -4.0})
    study.run().wait(60)
    study.close()
    stored = [s for s in Store(store).studies() if s.name == "cons"][0]
    assert stored.best_value == study.best_value > 0


def test_infeasible_trials_are_marked_apart_in_the_trial_list():
    from hpmagic.run.report import text_summary

    study = study_of(FEASIBLE_CELL, seed=0, max_evals=2)
    study.enqueue({"x": -1.0}).enqueue({"x": 1.0})
    study.run().wait(60)
    lines = text_summary(study).splitlines()
    assert any(line.strip().startswith("⊘ #0") for line in lines)
    assert any(line.strip().startswith("★ #1") for line in lines)
    assert "; 1 infeasible; best 1 at {'x': 1.0}" in study.summary()


def test_tune_constraint_marks_a_trial_infeasible_like_the_feasible_key():
    source = 'x = tune.uniform(-5.0, 5.0)\ntune.constraint(x > 0)\ntune.constraint(x < 4)\n{"loss": x}'
    study = study_of(source, seed=0, max_evals=3)
    study.enqueue({"x": -1.0}).enqueue({"x": 4.5}).enqueue({"x": 1.0})
    study.run().wait(60)
    assert [(t.params["x"], t.feasible) for t in ordered(study)] == [(-1.0, False), (4.5, False), (1.0, True)]
    assert study.best_trial.params["x"] == 1.0
    # a feasible key and tune.constraint must both hold; a plain number works too
    both = study_of(
        'x = tune.uniform(0, 1)\ntune.constraint(x > 2)\n{"loss": x, "feasible": True}', max_evals=1
    )
    both.run().wait(60)
    assert both.trials[0].extras["feasible"] is False and both.best_trial is None
    plain = study_of("x = tune.uniform(0, 1)\ntune.constraint(x >= 0)\nx", max_evals=1)
    plain.run().wait(60)
    assert plain.trials[0].feasible and plain.best_trial is plain.trials[0]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("x = tune.uniform(0, 1)\ntune.constraint()\nx", "tune.constraint takes one condition"),
        ("x = tune.uniform(0, 1)\ntune.constraint(x > 0, x < 1)\nx", "tune.constraint takes one condition"),
        ("x = tune.uniform(0, 1)\ntune.constraint(tune.uniform(0, 1))\nx", "an annotation cannot be"),
    ],
)
def test_a_malformed_tune_constraint_is_a_one_line_error(source, message):
    from hpmagic.core.program import ProgramError

    with pytest.raises(ProgramError, match=message):
        study_of(source)


def test_a_queued_point_a_refine_left_out_is_dropped_with_a_note():
    study = study_of(seed=0)
    study.enqueue({"x": 4.0}).enqueue({"x": 0.5})
    study.refine(x=(0.0, 3.0))
    study.run(1).wait(60)
    assert study.trials[0].params["x"] == 0.5 and study.queued == []
    assert any("queued configuration was left out" in note for note in study.notes)
