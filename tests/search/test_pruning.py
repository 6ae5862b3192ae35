"""Pruning from tune.report values: the rules alone, and in real studies."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from hpmagic import Options, create_study
from hpmagic.search import pruning
from hpmagic.search.pruning import HalvingPruner, HyperbandPruner, MedianPruner, make_pruner, search_loss
from hpmagic.search.searcher import SearchSettings

MIN = SimpleNamespace(direction="minimize")
MAX = SimpleNamespace(direction="maximize")

# half of the configurations are hopeless: their loss stays high whatever the epoch
EPOCH_CELL = """
good = tune.choice([True, False])
lr = tune.loguniform(1e-3, 1.0)
loss = None
for epoch in range(8):
    loss = (0.1 + lr if good else 5.0 + lr) * 0.9 ** epoch
    tune.report(loss, step=epoch)
loss
"""


def test_median_prunes_only_below_the_median_after_warmup():
    p = MedianPruner(warmup_trials=3, warmup_steps=1)
    for n, v in enumerate([1.0, 2.0, 3.0]):
        assert not p.should_prune(MIN, n, 0, v)
        assert not p.should_prune(MIN, n, 1, v)
    # the fourth trial: step 0 is a warm-up step, never pruned
    assert not p.should_prune(MIN, 3, 0, 100.0)
    assert p.should_prune(MIN, 3, 1, 2.5)  # worse than the median 2.0
    assert not p.should_prune(MIN, 4, 1, 1.5)
    # maximising flips what "worse" means
    assert not p.should_prune(MAX, 5, 1, 2.5)
    assert p.should_prune(MAX, 6, 1, 0.5)


def test_median_waits_for_enough_other_trials_at_the_same_step():
    p = MedianPruner(warmup_trials=2, warmup_steps=0)
    assert not p.should_prune(MIN, 0, 0, 1.0)
    assert not p.should_prune(MIN, 1, 0, 5.0)  # only one other trial at step 0
    assert not p.should_prune(MIN, 2, 3, 9.0)  # nobody else at step 3
    assert p.should_prune(MIN, 2, 0, 9.0)
    assert not p.should_prune(MIN, 3, 0, float("nan"))  # a NaN report decides nothing


def test_median_counts_running_trials_from_history_and_reports():
    p = MedianPruner(warmup_trials=2, warmup_steps=0)
    p.add_history(0, [(0, 1.0), (1, 0.5)])
    p.add_history(1, [(0, 2.0), (1, 0.6)])
    assert p.should_prune(MIN, 2, 1, 0.9)
    assert not p.should_prune(MIN, 3, 1, 0.4)


def test_halving_keeps_the_best_third_at_each_rung():
    p = HalvingPruner(reduction_factor=3, min_resource=1)
    assert [p.rung_of(s) for s in (0, 1, 2, 3, 8, 9)] == [-1, 0, 0, 1, 1, 2]
    for n in range(3):
        assert not p.should_prune(MIN, n, 0, 10.0)  # below the first rung
    assert not p.should_prune(MIN, 0, 1, 1.0)
    assert not p.should_prune(MIN, 1, 1, 2.0)  # too few at the rung to halve
    assert p.should_prune(MIN, 2, 1, 3.0)  # 3 at the rung, keep 1: not the best
    assert not p.should_prune(MIN, 3, 1, 0.5)  # the new best goes on
    # a rung is entered once per trial: step 2 is still rung 0, nothing new to decide
    assert not p.should_prune(MIN, 1, 2, 2.0)
    assert not p.should_prune(MAX, 4, 1, 5.0)  # maximising: the highest is the best


def test_pruners_are_safe_from_many_threads():
    for p in (MedianPruner(warmup_trials=2, warmup_steps=0), HalvingPruner()):
        errors: list[BaseException] = []

        def trial(n: int, p=p, errors=errors) -> None:
            try:
                for step in range(50):
                    p.should_prune(MIN, n, step, float(n + step))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=trial, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        assert len(p._by_trial) == 8 and all(len(r) == 50 for r in p._by_trial.values())


def test_make_pruner():
    assert make_pruner("none") is None and make_pruner(None) is None
    assert isinstance(make_pruner("median"), MedianPruner)
    assert isinstance(make_pruner("halving"), HalvingPruner)
    assert isinstance(make_pruner("hyperband"), HyperbandPruner)
    with pytest.raises(ValueError, match="median"):
        make_pruner("sometimes")


def test_hyperband_opens_a_bracket_per_rung_reached_and_judges_within_it():
    p = HyperbandPruner(reduction_factor=3, min_resource=1, max_brackets=3)
    # trial 0 runs far: 9 steps reach rung 2, so later trials spread over three brackets
    for step in range(10):
        assert not p.should_prune(MIN, 0, step, 1.0)
    assert p._bracket_of[0] == 0
    assert [p._brackets[s].min_resource for s in range(3)] == [1, 3, 9]
    for n in (1, 2, 3, 4, 5, 6):
        p.should_prune(MIN, n, 0, 5.0)
    assert [p._bracket_of[n] for n in (3, 4, 5, 6)] == [0, 1, 2, 0]
    # bracket 0 halves at step 1 among its own trials (0, 3, 6); bracket 2 not before step 9
    assert not p.should_prune(MIN, 3, 1, 2.0)
    assert p.should_prune(MIN, 6, 1, 3.0)  # third at the rung of bracket 0: not in the best third
    assert not p.should_prune(MIN, 5, 1, 99.0) and not p.should_prune(MIN, 5, 8, 99.0)


@pytest.mark.parametrize("rule", ["median", "halving", "hyperband"])
def test_a_study_prunes_hopeless_trials_and_still_finds_the_best(rule):
    # random search keeps proposing hopeless configs (TPE soon stops), so pruning has work to do
    study = create_study(EPOCH_CELL, {}, Options(max_evals=40, seed=5, prune=rule, algo="rand"))
    assert study.pruner is not None
    study.run().wait(timeout=120)
    assert not study.running and study.end_reason == "completed", study.message
    counts = study.counts()
    assert counts["pruned"] >= 5 and counts["failed"] == 0, counts
    assert sum(counts.values()) == 40
    pruned = [t for t in study.trials if t.state == "pruned"]
    for t in pruned:
        assert t.value == t.reports[-1][1] and len(t.reports) < 8 and t.error is None
    # past the first few trials no hopeless trial runs to the end, and the best is a good one
    late_hopeless = [t for t in study.trials[10:] if t.params["good"] is False]
    assert late_hopeless and all(t.state == "pruned" for t in late_hopeless)
    assert study.best_params["good"] is True and study.best_value < 1.2 * 0.9**7
    assert study.best_trial.state == "complete"


def test_maximising_prunes_the_low_scores():
    cell = EPOCH_CELL.replace("loss = (", "loss = -(").replace("\nloss\n", '\n{"score": loss}\n')
    study = create_study(cell, {}, Options(max_evals=30, seed=2, prune="median", algo="rand"))
    study.run().wait(timeout=120)
    assert study.direction == "maximize"
    late_hopeless = [t for t in study.trials[10:] if t.params["good"] is False]
    assert late_hopeless and all(t.state == "pruned" for t in late_hopeless)
    assert study.best_params["good"] is True and study.best_value > -1.2 * 0.9**7


def test_no_pruning_without_the_option():
    study = create_study(EPOCH_CELL, {}, Options(max_evals=12, seed=5))
    assert study.pruner is None
    study.run().wait(timeout=120)
    assert study.counts()["pruned"] == 0
    assert all(len(t.reports) == 8 for t in study.trials)


def test_pruned_trials_are_told_to_tpe_as_at_least_the_worst_complete_loss():
    study = create_study(EPOCH_CELL, {}, Options(max_evals=25, seed=5, prune="median"))
    study.run().wait(timeout=120)
    counts = study.counts()
    assert counts["pruned"] > 0
    assert study._searching.current.n_told == counts["complete"] + counts["pruned"]
    worst = max(t.value for t in study.trials if t.state == "complete")
    for pruned in (t for t in study.trials if t.state == "pruned"):
        assert search_loss(pruned, "minimize", study.trials) == max(worst, pruned.value)
        assert search_loss(pruned, "minimize", study.trials, policy="last") == pruned.value
        assert search_loss(pruned, "minimize", study.trials, policy="none") is None
    # maximising: losses are negated scores, and the worst is the lowest score
    score = SimpleNamespace(state="pruned", value=0.9)
    done = [SimpleNamespace(state="complete", value=v) for v in (0.5, 0.95)]
    assert search_loss(score, "maximize", done) == -0.5
    assert search_loss(SimpleNamespace(state="complete", value=0.5), "maximize", done) == -0.5
    assert search_loss(SimpleNamespace(state="failed", value=None), "minimize", done) is None


def test_policy_none_keeps_pruned_trials_away_from_tpe():
    study = create_study(
        EPOCH_CELL,
        {},
        Options(max_evals=25, seed=5, prune="median"),
        search_settings=SearchSettings(pruned="none"),
    )
    study.run().wait(timeout=120)
    assert study._searching.current.n_told == study.counts()["complete"]


def test_early_stop_and_timeout_still_end_a_pruned_run():
    study = create_study(EPOCH_CELL, {}, Options(max_evals=500, seed=1, prune="median", early_stop=8))
    study.run().wait(timeout=120)
    assert study.end_reason == "early-stop" and len(study.trials) < 500
    slow = EPOCH_CELL.replace(
        "tune.report(loss, step=epoch)", "tune.report(loss, step=epoch); sum(range(20000))"
    )
    study = create_study(slow, {}, Options(max_evals=100000, seed=1, prune="halving", timeout=1.0))
    study.run().wait(timeout=60)
    assert study.end_reason == "timeout" and study.counts()["pruned"] > 0


def test_a_continued_study_prunes_against_earlier_reports():
    first = create_study(EPOCH_CELL, {}, Options(max_evals=10, seed=3))
    first.run().wait(timeout=120)
    from hpmagic.run.study import Study

    again = Study(first.program, {}, Options(max_evals=6, seed=4, prune="median"), history=first.trials)
    assert len(again.pruner._by_trial) == 10
    again.run().wait(timeout=120)
    new = [t for t in again.trials if t.number >= 10]
    assert len(new) == 6
    hopeless = [t for t in new if t.params["good"] is False]
    assert all(t.state == "pruned" for t in hopeless)


def test_a_warm_start_tells_pruned_trials_too():
    first = create_study(EPOCH_CELL, {}, Options(max_evals=20, seed=5, prune="median"))
    first.run().wait(timeout=120)
    counts = first.counts()
    from hpmagic.run.study import Study

    again = Study(first.program, {}, Options(max_evals=1, seed=6), history=first.trials)
    assert again._searcher().n_told == counts["complete"] + counts["pruned"]
    trials = [
        SimpleNamespace(state="complete", value=0.3),
        SimpleNamespace(state="pruned", value=0.2),
        SimpleNamespace(state="failed", value=None),
        SimpleNamespace(state="complete", value=0.9),
        SimpleNamespace(state="pruned", value=1.5),
    ]
    assert pruning.search_losses(trials, "minimize") == [0.3, 0.9, None, 0.9, 1.5]
    assert pruning.search_losses(trials, "maximize") == [-0.3, -0.2, None, -0.9, -0.3]
    assert pruning.search_losses(trials, "minimize", "none") == [0.3, None, None, 0.9, None]
