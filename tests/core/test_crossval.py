"""``tune.cross_val_score`` / ``tune.cross_validate``: scikit-learn's results, reported fold by fold."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import KFold, ShuffleSplit, cross_val_score, cross_validate

from hpmagic import tune
from hpmagic.core import context
from hpmagic.core.crossval import folds_ran, same_folds
from hpmagic.core.program import parse


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def model():
    return RidgeClassifier()


def in_trial(fn, answer=lambda value, step, folds: False):
    ctx = context.TrialContext(answer)
    with context.trial_context(ctx):
        return fn(), ctx


def test_outside_a_trial_it_is_sklearns_own(data):
    X, y = data
    assert np.array_equal(tune.cross_val_score(model(), X, y, cv=3), cross_val_score(model(), X, y, cv=3))
    ours, theirs = tune.cross_validate(model(), X, y, cv=3), cross_validate(model(), X, y, cv=3)
    assert set(ours) == set(theirs) and np.array_equal(ours["test_score"], theirs["test_score"])


def test_in_a_trial_the_result_is_sklearns_and_every_fold_is_reported(data):
    X, y = data
    scores, ctx = in_trial(lambda: tune.cross_val_score(model(), X, y, cv=4, scoring="accuracy"))
    assert np.allclose(scores, cross_val_score(model(), X, y, cv=4, scoring="accuracy"))
    assert [s for s, _ in ctx.reports] == [0, 1, 2, 3] and np.allclose([v for _, v in ctx.reports], scores)
    assert ctx.folds == (4, 4) and ctx.pruned is None


def test_fold_batches_follow_n_jobs(data):
    X, y = data
    seen = []
    scores, _ = in_trial(
        lambda: tune.cross_val_score(model(), X, y, cv=5, n_jobs=2),
        lambda value, step, folds: seen.append((step, folds)) or False,
    )
    assert seen == [(i, 5) for i in range(5)]
    assert np.allclose(scores, cross_val_score(model(), X, y, cv=5))


def test_cross_validate_reports_its_first_score_and_keeps_every_entry(data):
    X, y = data
    kwargs = dict(cv=3, scoring=["accuracy", "f1_macro"], return_train_score=True, return_indices=True)
    result, ctx = in_trial(lambda: tune.cross_validate(model(), X, y, **kwargs))
    expected = cross_validate(model(), X, y, **kwargs)
    assert set(result) == set(expected)
    for key in ("test_accuracy", "test_f1_macro", "train_accuracy"):
        assert np.allclose(result[key], expected[key])
    assert [np.array_equal(a, b) for a, b in zip(result["indices"]["test"], expected["indices"]["test"])] == [
        True
    ] * 3
    assert np.allclose([v for _, v in ctx.reports], expected["test_accuracy"])


def test_a_pruned_run_returns_the_folds_it_ran_then_the_estimates(data):
    X, y = data
    scores, ctx = in_trial(
        lambda: tune.cross_val_score(model(), X, y, cv=5),
        lambda value, step, folds: [0.5, 0.25, 0.125] if step == 1 else False,
    )
    ran = cross_val_score(model(), X, y, cv=5)[:2]
    assert np.allclose(scores, [*ran, 0.5, 0.25, 0.125])
    assert ctx.folds == (2, 5) and ctx.pruned.startswith("pruned after fold 2 of 5")
    # a pruner with no estimate (median, halving): the rest is the mean of the folds that ran
    scores, _ = in_trial(lambda: tune.cross_val_score(model(), X, y, cv=5), lambda v, step, f: step == 0)
    assert np.allclose(scores, [ran[0]] * 5)


def test_a_shuffling_splitter_without_a_seed_gives_every_trial_the_same_folds(data):
    X, y = data
    for cv in (KFold(3, shuffle=True), ShuffleSplit(3, test_size=0.25)):
        first, _ = in_trial(lambda cv=cv: tune.cross_val_score(model(), X, y, cv=cv))
        second, _ = in_trial(lambda cv=cv: tune.cross_val_score(model(), X, y, cv=cv))
        assert np.array_equal(first, second)
        assert cv.random_state is None  # the user's splitter is left as it was
    seeded = KFold(3, shuffle=True, random_state=7)
    assert same_folds(seeded) is seeded and same_folds(KFold(3)).random_state is None


def test_the_cell_finds_annotations_inside_the_helper():
    program = parse("s = tune.cross_val_score(SVC(C=tune.loguniform(0.1, 10)), X, y, cv=5)\n1 - s.mean()")
    assert [site.label for site in program.sites] == ["C"]


def test_folds_ran_reads_the_trials_record():
    assert folds_ran({"cv_folds": "2/5"}) == (2, 5)
    assert folds_ran({}) is None and folds_ran({"cv_folds": "x/y"}) is None
