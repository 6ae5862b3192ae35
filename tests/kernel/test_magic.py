"""%%tune end to end in a real kernel."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

SVC_CELL = """%%tune -n 8 --seed 3 --wait -o s1
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC
X, y = load_iris(return_X_y=True)
model = SVC(C=tune.loguniform(1e-2, 1e2), kernel=tune.choice(["rbf", "linear"]))
1 - cross_val_score(model, X, y, cv=3).mean()
"""


def test_tunes_an_sklearn_model(kernel):
    reply = kernel.execute(SVC_CELL)
    assert reply.status == "ok", reply.error_text
    assert "hpmagic.Study" in (reply.result or "")
    n, states = kernel.value("len(s1.trials), sorted({t.state for t in s1.trials})")
    assert n == 8 and states == ["complete"]
    best = kernel.value("s1.best_params")
    assert set(best) == {"C", "kernel"} and best["kernel"] in ("rbf", "linear")
    assert 1e-2 <= best["C"] <= 1e2
    assert kernel.value("s1.best_value == min(t.value for t in s1.trials)")
    # the user's variables are not touched by the search
    assert kernel.value("'model' in dir()") is False
