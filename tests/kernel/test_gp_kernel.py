"""``%%tune --algo gp`` and ``--algo auto`` in a real kernel: the search finds a bowl's
bottom in few trials, with worker processes too, and each trial says who proposed it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

CELL = """%%tune -n {n} --algo {algo} --seed 3 --wait -o {out} --name {out} {extra}
lr = tune.loguniform(1e-4, 1.0)
layers = tune.int(1, 8)
act = tune.choice(["relu", "tanh"])
import math
(math.log10(lr) + 2.5) ** 2 + 0.1 * (layers - 6) ** 2 + (0.0 if act == "tanh" else 0.5)
"""


def test_gp_finds_the_bottom_of_a_mixed_bowl(kernel):
    reply = kernel.execute(CELL.format(n=20, algo="gp", out="g", extra=""))
    assert reply.status == "ok", reply.error_text
    assert kernel.value("g.counts()") == {"complete": 20, "failed": 0, "pruned": 0}
    assert kernel.value("g.best_value") < 0.3
    assert kernel.value("g.best_params['act']") == "tanh"
    assert kernel.value("all(isinstance(t.params['layers'], int) for t in g.trials)")
    assert kernel.value("g.options.algo") == "gp"


def test_auto_in_worker_processes_proposes_distinct_points_and_names_its_search(kernel):
    reply = kernel.execute(CELL.format(n=16, algo="auto", out="a", extra="--parallel 2"))
    assert reply.status == "ok", reply.error_text
    params = kernel.value("[tuple(sorted(t.params.items())) for t in a.trials]")
    assert len(params) == 16 and len(set(params)) == 16
    assert kernel.value("sorted({t.algo for t in a.trials})") == ["gp"]
    assert kernel.value("a.best_value") < 1.0
