"""``--prune folds``: the paired test alone, and real cross-validated studies."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from hpmagic import Options, create_study, tune
from hpmagic.search.folds import FoldsPruner
from hpmagic.search.pruning import make_pruner

MIN = SimpleNamespace(direction="minimize")
MAX = SimpleNamespace(direction="maximize")

# three full trials: their fold scores (greater is better), trial 0 the best
FULL = {
    0: [0.90, 0.80, 0.85, 0.95, 0.88],
    1: [0.88, 0.79, 0.84, 0.92, 0.86],
    2: [0.89, 0.77, 0.83, 0.94, 0.85],
}


def _with_full(pruner: FoldsPruner, direction=MIN) -> FoldsPruner:
    for number, scores in FULL.items():
        for fold, score in enumerate(scores):
            assert pruner.should_prune(direction, number, fold, score, folds=5) is False
    return pruner


def test_waits_for_enough_trials_that_ran_every_fold():
    p = FoldsPruner(min_full=3)
    for fold, score in enumerate(FULL[0]):
        p.should_prune(MIN, 0, fold, score, folds=5)
    assert p.should_prune(MIN, 9, 0, 0.10, folds=5) is False  # far worse, but nothing to pool from yet


def test_with_the_best_trial_alone_its_own_fold_spread_decides():
    p = FoldsPruner()
    assert p.should_prune(MIN, 0, 0, 0.9, folds=5) is False  # no trial ran every fold yet
    for fold, score in enumerate(FULL[0]):
        p.should_prune(MIN, 0, fold, score, folds=5)
    # the best's folds spread by ~0.057: differences as if independent spread by ~0.08
    assert isinstance(p.should_prune(MIN, 1, 0, 0.10, folds=5), list)  # 0.8 behind: surely worse
    assert p.should_prune(MIN, 2, 0, 0.80, folds=5) is False  # 0.1 behind on one fold: not sure


def test_a_trial_far_behind_on_its_first_fold_stops_with_estimates_of_the_rest():
    p = _with_full(FoldsPruner())
    answer = p.should_prune(MIN, 3, 0, 0.40, folds=5)
    assert isinstance(answer, list) and len(answer) == 4
    # the best trial's scores on folds 1..4, moved down by the 0.50 this trial fell behind on fold 0
    assert answer == pytest.approx([s - 0.50 for s in FULL[0][1:]])


def test_a_close_trial_goes_on_and_a_better_one_is_never_stopped():
    p = _with_full(FoldsPruner())
    assert p.should_prune(MIN, 3, 0, 0.895, folds=5) is False  # within the usual spread of differences
    for fold, score in enumerate(FULL[0][:4]):
        assert p.should_prune(MIN, 4, fold, score + 0.05, folds=5) is False


def test_small_differences_stop_once_enough_folds_agree():
    p = _with_full(FoldsPruner())
    steady = [s - 0.012 for s in FULL[0]]  # 0.012 behind on every fold: not sure after one, sure later
    answers = [p.should_prune(MIN, 5, fold, score, folds=5) for fold, score in enumerate(steady[:4])]
    assert answers[0] is False and isinstance(answers[-1], list)


def test_the_last_fold_never_stops_a_trial():
    p = _with_full(FoldsPruner())
    for fold, score in enumerate(FULL[0][:4]):
        p.should_prune(MIN, 6, fold, score, folds=5)
    assert p.should_prune(MIN, 6, 4, 0.0, folds=5) is False


def test_fold_scores_are_better_higher_whatever_the_direction():
    # a study maximising or minimising: a CV helper's fold scores are scores
    for direction in (MIN, MAX):
        p = _with_full(FoldsPruner(), direction)
        assert p.should_prune(direction, 3, 0, 0.40, folds=5)
        assert p.should_prune(direction, 4, 0, 0.99, folds=5) is False


def test_plain_reports_are_read_in_the_study_direction():
    p = FoldsPruner()
    for number, scores in FULL.items():
        for fold, score in enumerate(scores):
            p.should_prune(MAX, number, fold, score)
    assert p.should_prune(MAX, 3, 0, 0.40) is True  # a plain report stops by raising: just True
    assert p.should_prune(MAX, 4, 0, 0.99) is False


def test_history_from_the_store_counts_as_full_trials():
    p = FoldsPruner()
    for number, scores in FULL.items():
        p.add_history(number, list(enumerate(scores)), folds=5)
    assert p.should_prune(MIN, 3, 0, 0.40, folds=5)


def test_bad_settings_and_the_name():
    assert isinstance(make_pruner("folds"), FoldsPruner)
    with pytest.raises(ValueError, match="confidence"):
        FoldsPruner(confidence=1.5)


def test_safe_from_many_threads():
    p = _with_full(FoldsPruner())
    errors: list[BaseException] = []

    def trial(n: int) -> None:
        try:
            for fold in range(5):
                p.should_prune(MIN, n, fold, 0.5 + 0.01 * n, folds=5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=trial, args=(n,)) for n in range(10, 18)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and all(len(p._losses[n]) >= 1 for n in range(10, 18))


# -- real studies -------------------------------------------------------------------------
CV_CELL = """
from sklearn.svm import SVC
model = SVC(C=tune.loguniform(0.1, 100), gamma=tune.choice([0.001, 0.0005, 5.0]))
scores = tune.cross_val_score(model, X, y, cv=5)
1 - scores.mean()
"""


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return {"X": X[:600], "y": y[:600], "tune": tune}


@pytest.mark.parametrize("parallel", [1, 2])
def test_a_cv_study_stops_hopeless_trials_after_their_first_folds(digits, parallel):
    study = create_study(
        CV_CELL, digits, Options(max_evals=20, seed=3, algo="rand", prune="folds", parallel=parallel)
    )
    study.run().wait(timeout=120)
    assert study.end_reason == "completed", study.message
    pruned = [t for t in study.trials if t.state == "pruned"]
    # past the first trials every hopeless one (gamma 5: ~90 % error) stops early; so may poor others
    late_hopeless = [t for t in study.trials[8:] if t.params["gamma"] == 5.0]
    assert late_hopeless and all(t.state == "pruned" for t in late_hopeless)
    assert all(t.value > study.best_value for t in pruned)
    for t in pruned:
        ran, of = (int(x) for x in t.extras["cv_folds"].split("/"))
        assert of == 5 and ran < 5 and len(t.reports) == ran and "pruned after fold" in t.output
    assert all(t.value > 0.5 for t in late_hopeless)  # an honest estimate, in the cell's own units
    assert study.best_params["gamma"] != 5.0 and study.best_trial.extras["cv_folds"] == "5/5"
    assert study.best_value < 0.1


def test_a_continued_study_prunes_from_its_stored_folds(digits, tmp_path):
    store = str(tmp_path / "s.db")
    options = dict(seed=3, algo="rand", prune="folds", store=store, name="cv")
    first = create_study(CV_CELL, digits, Options(max_evals=8, **options))
    first.run().wait(timeout=120)
    again = create_study(CV_CELL, digits, Options(max_evals=1, **options))
    again.enqueue({"C": 1.0, "gamma": 5.0})
    again.run(1).wait(timeout=60)
    last = max(again.trials, key=lambda t: t.number)
    assert last.params["gamma"] == 5.0 and last.state == "pruned" and last.extras["cv_folds"] == "1/5"


def test_the_helper_outside_pruning_is_sklearns_result(digits):
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    cell = "from sklearn.svm import SVC\ns = tune.cross_val_score(SVC(C=tune.uniform(1, 2)), X, y, cv=4)\n{'loss': 1 - s.mean(), 'folds': list(s)}"
    study = create_study(cell, digits, Options(max_evals=1, start_at_defaults=True))
    study.run().wait(timeout=60)
    trial = study.trials[0]
    expected = cross_val_score(SVC(C=1.5), digits["X"], digits["y"], cv=4)
    assert np.allclose(trial.extras["folds"], expected) and trial.extras["cv_folds"] == "4/4"
    assert [s for s, _ in trial.reports] == [0, 1, 2, 3]
