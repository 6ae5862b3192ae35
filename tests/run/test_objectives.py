"""Several objectives (--objectives): the front, each trial's values, results for a chosen trial, the store."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from hpmagic import Options, create_study
from hpmagic.core.options import OptionsError
from hpmagic.core.pareto import hypervolume

# a trade-off: a small error costs a large size; y only makes both worse
CELL = """
x = tune.uniform(0.0, 1.0)
y = tune.uniform(0.0, 1.0)
kind = tune.choice(["<a&b>", "plain"])
{"error": x + y / 4, "size": (1 - x) ** 2 + y + (kind == "plain") * 0.1, "note": "kept"}
"""


def study_of(source: str = CELL, ns: dict | None = None, **options):
    options.setdefault("store", None)
    options.setdefault("objectives", "error:min,size:min")
    return create_study(source, {} if ns is None else ns, Options(**options))


def brute_front(trials, signs=(1, 1)):
    """The trials no other trial is as good as in both and better in one, by brute force."""
    done = [t for t in trials if t.state == "complete" and t.feasible]
    pts = {t.number: np.array([t.values["error"], t.values["size"]]) * signs for t in done}
    front = []
    for t in done:
        p = pts[t.number]
        if not any(np.all(q <= p) and np.any(q < p) for n, q in pts.items() if n != t.number):
            front.append(t.number)
    return sorted(front)


def test_the_front_is_the_trials_nothing_beats_and_each_trial_keeps_its_values():
    study = study_of(max_evals=40, seed=3)
    study.run().wait(120)
    trials = study.trials
    assert len(trials) == 40 and all(t.state == "complete" for t in trials)
    for t in trials:
        assert set(t.values) == {"error", "size"}
        assert t.value == t.values["error"]  # the first objective is the study's value
        assert t.extras == {"note": "kept"}  # other entries are kept, not objectives
    front = study.best_trials
    assert sorted(t.number for t in front) == brute_front(trials)
    errors = [t.values["error"] for t in front]
    assert errors == sorted(errors)  # by the first objective
    assert study.best_trial is front[0] and study.best_value == min(t.values["error"] for t in trials)
    assert study.direction == "minimize"
    assert study.objectives[0].name == "error"


def test_a_maximised_objective_is_shown_as_measured_and_ranked_the_right_way():
    cell = 'x = tune.uniform(0, 1)\n{"accuracy": 1 - (x - 0.3) ** 2, "cost": x}\n'
    study = study_of(cell, objectives="accuracy:max,cost:min", max_evals=25, seed=1)
    study.run().wait(120)
    for t in study.trials:
        x = t.params["x"]
        assert t.values["accuracy"] == pytest.approx(1 - (x - 0.3) ** 2) and t.values["cost"] == x
    assert study.direction == "maximize"
    front = study.best_trials
    best = max(study.trials, key=lambda t: t.values["accuracy"])
    assert study.best_trial.number == best.number
    # accuracy grows with x up to 0.3 and cost always does: the front is every x up to the best one's
    inside = [t for t in study.trials if t.params["x"] <= best.params["x"]]
    assert {t.number for t in front} == {t.number for t in inside} and len(front) > 1


def test_infeasible_and_failed_trials_never_join_the_front_and_the_study_goes_on():
    cell = (
        "i = next(counter)\n"
        "x = tune.uniform(0, 1)\n"
        "if i % 5 == 1:\n"
        '    out = {"error": x}\n'  # lacks 'size': a failed trial that says why
        "else:\n"
        '    out = {"error": x, "size": 1 - x, "feasible": i % 5 != 2}\n'
        "out\n"
    )
    study = study_of(cell, {"counter": itertools.count()}, max_evals=20, seed=0)
    study.run().wait(120)
    trials = sorted(study.trials, key=lambda t: t.number)
    failed = [t for t in trials if t.state == "failed"]
    assert [t.number for t in failed] == [1, 6, 11, 16]
    assert all("lacks 'size'" in t.error and "--objectives" in t.error for t in failed)
    infeasible = {t.number for t in trials if not t.feasible}
    assert infeasible == {2, 7, 12, 17}
    front = study.best_trials
    assert front and not {t.number for t in front} & (infeasible | {1, 6, 11, 16})
    # every feasible complete trial lies on this one-dimensional front
    assert len(front) == len([t for t in trials if t.state == "complete" and t.feasible])


def test_a_result_that_is_not_a_dict_says_what_the_cell_must_end_with():
    study = study_of("x = tune.uniform(0, 1)\nx\n", max_evals=3, seed=0)
    study.run().wait(60)
    assert all(t.state == "failed" for t in study.trials)
    assert "must end with a dict holding 'error', 'size'" in study.trials[0].error
    assert study.best_trials == [] and study.best_trial is None


def test_code_and_apply_take_the_trial_a_user_picks_from_the_front():
    ns: dict = {}
    study = study_of(max_evals=30, seed=5, ns=ns)
    study.run().wait(120)
    front = study.best_trials
    assert len(front) >= 2
    pick = front[-1]  # the smallest size, not the best error
    code = study.code(trial=pick.number)
    assert f"x = {pick.params['x']!r}" in code and f"y = {pick.params['y']!r}" in code
    assert f'kind = "{pick.params["kind"]}"' in code
    assert study.code(trial=pick) == code
    assert study.code() != code  # by default: the best of the first objective
    values = study.apply(trial=pick.number)
    assert values == pytest.approx(dict(pick.values))
    assert ns["x"] == pick.params["x"] and ns["kind"] == pick.params["kind"]
    with pytest.raises(ValueError, match="no ended trial number 999"):
        study.code(trial=999)
    with pytest.raises(TypeError, match="trial= takes a trial or its number"):
        study.apply(trial="3")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("error", "at least two names"),
        ("error:min,error:max", "names 'error' twice"),
        ("error:min,size:smallest", "must end in :min or :max"),
        (",size", "empty name"),
    ],
)
def test_a_bad_objectives_spec_is_one_clear_error(spec, message):
    with pytest.raises(OptionsError, match=message):
        Options(objectives=spec).check()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"direction": "maximize"}, "gives each objective its direction"),
        ({"prune": "median"}, "--prune needs one objective"),
        ({"algo": "hyperopt"}, "not hyperopt"),
    ],
)
def test_options_that_need_one_objective_say_so(options, message):
    with pytest.raises(OptionsError, match=message):
        Options(objectives="a:min,b:max", **options).check()


def test_the_spelling_of_a_spec_does_not_matter_once_parsed():
    spelled = Options(objectives=" error : MINIMIZE , size:maximize ").check()
    assert spelled.objectives == "error:min,size:max"
    assert Options(objectives="error,size").check().objectives == "error:min,size:min"


def test_the_store_keeps_each_trials_values_and_a_continued_study_keeps_its_objectives(tmp_path):
    path = str(tmp_path / "mo.db")
    first = study_of(store=path, name="mo", max_evals=12, seed=2)
    first.run().wait(120)
    before = {t.number: dict(t.values) for t in first.trials}
    # left out, the stored objectives carry over; the search goes on from the stored front
    again = create_study(CELL, {}, Options(store=path, name="mo", max_evals=8, seed=2))
    assert again.options.objectives == "error:min,size:min"
    assert {t.number: dict(t.values) for t in again.trials} == before
    again.run().wait(120)
    assert len(again.trials) == 20
    assert sorted(t.number for t in again.best_trials) == brute_front(again.trials)
    # another set of objectives (or one objective) is refused with what to write
    with pytest.raises(OptionsError, match="was run with --objectives 'error:min,size:min'"):
        create_study(CELL, {}, Options(store=path, name="mo", objectives="size:min,error:min"))


def test_export_writes_the_objectives_and_the_front(tmp_path):
    study = study_of(max_evals=15, seed=4)
    study.run().wait(120)
    data = json.loads(open(study.export(str(tmp_path / "mo.json")), encoding="utf-8").read())
    assert data["objectives"] == "error:min,size:min"
    assert [f["number"] for f in data["pareto_front"]] == [t.number for t in study.best_trials]
    assert data["pareto_front"][0]["values"] == dict(study.best_trials[0].values)
    assert data["best_trial"] == study.best_trials[0].number
    assert all(set(t["values"]) == {"error", "size"} for t in data["trials"])
    frame = study.to_dataframe()
    assert {"values_error", "values_size", "feasible"} <= set(frame.columns)
    assert list(frame["values_size"]) == [t.values["size"] for t in study.trials]


def test_the_search_learns_the_front_better_than_chance():
    """Same seeds, same budget: TPE with several objectives covers more of the front than random
    sampling on a 6-dimension problem whose extra dimensions only make both objectives worse."""
    cell = (
        "x = tune.uniform(0, 1)\n"
        + "".join(f"z{i} = tune.uniform(0, 1)\n" for i in range(5))
        + "g = 1 + 9 * (z0 + z1 + z2 + z3 + z4) / 5\n"
        + '{"f1": x, "f2": g * (1 - (x / g) ** 0.5)}\n'
    )
    ref = np.array([1.1, 11.0])

    def volume(algo: str, seed: int) -> float:
        study = study_of(cell, objectives="f1:min,f2:min", algo=algo, max_evals=80, seed=seed)
        study.run().wait(300)
        pts = np.array([[t.values["f1"], t.values["f2"]] for t in study.best_trials])
        return hypervolume(pts, ref)

    tpe = [volume("tpe", s) for s in range(3)]
    rand = [volume("rand", s) for s in range(3)]
    assert np.mean(tpe) > np.mean(rand)


def test_zoom_to_best_keeps_the_fronts_spread_not_the_first_objectives_corner():
    """Along the front x trades error for size; y only makes size worse. Zoom to best keeps the
    front's spread of x (the first objective alone would shrink it to x near 0) and narrows y."""
    cell = 'x = tune.uniform(0, 10)\ny = tune.uniform(0, 10)\n{"error": x, "size": 10 - x + y}\n'
    study = study_of(cell, algo="rand", max_evals=80, seed=3)
    study.run().wait(120)
    ranges = study.suggest_refinement(0.125)
    lo, hi = ranges.get("x", (0, 10))
    assert hi - lo > 8  # the best tenth spans x: its range stays nearly whole
    assert ranges["y"][0] == 0 and ranges["y"][1] < 5
    # ranked by the first objective alone, the best tenth would sit in x's lower corner
    by_error = sorted(study.trials, key=lambda t: t.values["error"])[:10]
    assert max(t.params["x"] for t in by_error) < 2


def test_early_stop_counts_trials_that_do_not_join_the_front():
    """Every trial of this cell joins the front (error and size trade exactly), so --early-stop never
    fires; the first objective alone improves only now and then and would stop the run early."""
    cell = 'x = tune.uniform(0, 1)\n{"error": x, "size": 1 - x}\n'
    study = study_of(cell, algo="rand", max_evals=40, seed=0, early_stop=3)
    study.run().wait(120)
    assert study.end_reason == "completed" and len(study.trials) == 40
    assert len(study.best_trials) == 40
    plain = study_of(
        "x = tune.uniform(0, 1)\nx\n", algo="rand", max_evals=40, seed=0, early_stop=3, objectives=None
    )
    plain.run().wait(120)
    assert plain.end_reason == "early-stop" and len(plain.trials) < 40


@pytest.mark.parametrize("spec", ["a:min,b:min", "a:max,b:min", "a:min,b:max,c:min"])
def test_the_front_kept_trial_by_trial_is_the_front_found_from_scratch(spec):
    """The ledger updates its front with each new trial; after every one it equals the front
    found again from all trials: ties (on a coarse grid), failed and infeasible trials included."""
    from hpmagic.core.objectives import pareto_front, parse_objectives
    from hpmagic.core.trials import Trial
    from hpmagic.run.ledger import Ledger

    objectives = parse_objectives(spec)
    ledger = Ledger([], None, None, 0, objectives)
    rng = np.random.default_rng(7)
    for number in range(300):
        values = {o.name: float(rng.integers(0, 8)) for o in objectives}  # many ties
        failed = number % 11 == 3
        trial = Trial(
            number=number,
            params={},
            value=None if failed else values[objectives[0].name],
            state="failed" if failed else "complete",
            duration=0.0,
            values={} if failed else values,
            extras={"feasible": number % 7 != 2},
        )
        handed_out = list(ledger.front())
        before = ledger.front()
        ledger.add(trial)
        assert [t.number for t in ledger.front()] == [
            t.number for t in pareto_front(ledger.trials, objectives)
        ]
        assert before == handed_out  # a front handed out earlier does not change under its holder
