"""A cross-validated cell with ``tune.cross_val_score`` and ``--prune folds`` in a real kernel."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

SETUP = """
from sklearn.datasets import load_digits
from sklearn.svm import SVC
X, y = load_digits(return_X_y=True)
X, y = X[:500], y[:500]
"""

# gamma=5 is hopeless (~90 % error); the others are good or fair
CELL = """%%tune -n 16 --seed 2 --algo rand --prune folds --wait {flags} -o {out} --name {out}
model = SVC(C=tune.loguniform(0.5, 50), gamma=tune.choice([0.001, 0.0005, 5.0]))
print("fitting", model)
scores = tune.cross_val_score(model, X, y, cv=5)
1 - scores.mean()
"""


def check(kernel, reply, out: str) -> None:
    assert reply.status == "ok", reply.error_text
    assert "fitting" not in reply.stdout  # a trial's prints stay with it
    counts = kernel.value(f"{out}.counts()")
    assert counts["failed"] == 0 and sum(counts.values()) == 16, counts
    late = kernel.value(
        f"[(t.state, t.extras['cv_folds']) for t in {out}.trials[6:] if t.params['gamma'] == 5.0]"
    )
    assert late and all(state == "pruned" and folds != "5/5" for state, folds in late), late
    # a pruned trial: its value estimates its CV error (hopeless: far above the best), its output says where
    assert kernel.value(
        f"all(t.value > 0.5 and 'pruned after fold' in t.output for t in {out}.trials if t.params['gamma'] == 5.0 "
        f"and t.state == 'pruned')"
    )
    assert kernel.value(f"{out}.best_params['gamma']") != 5.0 and kernel.value(f"{out}.best_value") < 0.1
    # what the dashboard and a saved notebook show: the time pruning saved, and the folds a trial ran
    shown = kernel.value(f"__import__('hpmagic.run.report', fromlist=['_']).text_summary({out}, recent=16)")
    assert " pruned · ~" in shown and "of CV folds saved" in shown and "/5 folds]" in shown


def test_a_cv_cell_is_pruned_after_its_first_folds(kernel):
    assert kernel.execute(SETUP).status == "ok"
    check(kernel, kernel.execute(CELL.format(flags="", out="cv1")), "cv1")
    # outside %%tune the helper is scikit-learn's own
    assert kernel.execute("from sklearn.model_selection import cross_val_score").status == "ok"
    same = "bool((tune.cross_val_score(SVC(), X, y, cv=3) == cross_val_score(SVC(), X, y, cv=3)).all())"
    assert kernel.value(same) is True


def test_a_parallel_cv_cell_is_pruned_in_worker_processes(kernel):
    assert kernel.execute(SETUP).status == "ok"
    check(kernel, kernel.execute(CELL.format(flags="--parallel 2", out="cv2")), "cv2")
