"""The Gaussian-process search (``--algo gp``) and the automatic pick (``--algo auto``).

The model is checked against functions whose answer is known (a fit that predicts held-out
points, a slope whose optimum is its range's end, exact gradients); the search against the
study's rules (seeds repeat, running trials are not proposed again, every point is in the
space, failures and warm starts are told, conditional spaces fall back to the joint TPE).
"""

from __future__ import annotations

import numpy as np
import pytest

from hpmagic import Options, create_study, tune
from hpmagic.core.options import OptionsError
from hpmagic.core.program import parse
from hpmagic.core.space import Space
from hpmagic.run.report import text_summary
from hpmagic.search.auto import AutoSearch, AutoSettings
from hpmagic.search.gp.acquisition import log_ei, log_ei_grad, log_h
from hpmagic.search.gp.model import Priors, fit, neg_log_posterior
from hpmagic.search.gp.search import GPSearch
from hpmagic.search.joint_tpe import JointTPESearch
from hpmagic.search.searcher import make_searcher


def space_of(cell: str) -> Space:
    return Space.build(parse(cell + "\n0"), {})


def run(searcher, f, n: int, start: int = 0) -> list[float]:
    losses = []
    for number in range(start, start + n):
        raw = searcher.ask(number)
        losses.append(f(raw))
        searcher.tell(number, raw, losses[-1])
    return losses


def test_the_fit_predicts_held_out_points_of_a_smooth_function() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((25, 2))
    f = lambda x: np.sin(6 * x[:, 0]) + (x[:, 1] - 0.3) ** 2  # noqa: E731
    y = f(x)
    gp = fit(x, (y - y.mean()) / y.std(), np.zeros(2, bool), Priors())
    test = rng.random((200, 2))
    mean, var = gp.predict(test)
    error = mean * y.std() + y.mean() - f(test)
    assert np.sqrt(np.mean(error**2)) < 0.05 * np.ptp(y)
    # sin(6x) varies faster than the bowl: its length scale is the shorter one
    assert gp.rho[0] > gp.rho[1]
    assert np.all(var < 0.05)


def test_gradients_are_exact() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((12, 3))
    x[:, 2] = rng.integers(3, size=12)
    cat = np.array([False, False, True])
    y = rng.standard_normal(12)
    theta = rng.normal(size=5) * 0.5
    value, grad = neg_log_posterior(theta, x, y, cat, Priors())
    for k in range(5):
        step = np.zeros(5)
        step[k] = 1e-6
        numeric = (neg_log_posterior(theta + step, x, y, cat, Priors())[0] - value) / 1e-6
        assert numeric == pytest.approx(grad[k], rel=1e-3, abs=1e-4)
    gp = fit(x, y, cat, Priors())
    c = rng.random((3, 3))
    c[:, 2] = 1.0
    value, grad = log_ei_grad(*gp.predict_grad(c), float(y.min()))
    for j in (0, 1):
        moved = c.copy()
        moved[:, j] += 1e-7
        numeric = (log_ei(*gp.predict(moved), float(y.min())) - value) / 1e-7
        assert numeric == pytest.approx(grad[:, j], rel=1e-3, abs=1e-3)


def test_log_h_stays_finite_far_below_the_best() -> None:
    z = np.array([-60.0, -20.0, -1.0001, -0.9999, 0.0, 3.0])
    values = log_h(z)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) > 0)
    assert values[2] == pytest.approx(values[3], abs=1e-3)  # the two formulas meet at -1


def test_a_linear_slope_is_followed_onto_the_exact_end_of_its_range() -> None:
    space = space_of("x = tune.uniform(-5, 5)\ny = tune.uniform(-5, 5)\nk = tune.int(1, 40)")
    search = GPSearch(space, np.random.default_rng(0))
    losses = run(search, lambda r: -r["x"] + r["y"] - r["k"], 25)
    assert min(losses) == -5 - 5 - 40  # x = 5, y = -5 and k = 40 exactly


def test_running_trials_are_not_proposed_again() -> None:
    space = space_of("x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)")
    search = GPSearch(space, np.random.default_rng(0))
    run(search, lambda r: (r["x"] - 0.3) ** 2 + (r["y"] - 0.6) ** 2, 10)
    running = np.array([[p["x"], p["y"]] for p in (search.ask(n) for n in range(10, 14))])
    gaps = [np.linalg.norm(running[i] - running[j]) for i in range(4) for j in range(i)]
    assert min(gaps) > 1e-3


def test_a_seed_repeats_the_search() -> None:
    space = space_of("x = tune.loguniform(1e-3, 1)\nn = tune.int(1, 9)\nc = tune.choice(['a', 'b', 'c'])")
    f = lambda r: np.log(r["x"]) ** 2 + r["n"] + (r["c"] == 1)  # noqa: E731
    first = [search_points(space, f, seed) for seed in (3, 3, 4)]
    assert first[0] == first[1] and first[0] != first[2]


def search_points(space: Space, f, seed: int) -> list[tuple]:
    search = make_searcher("gp", space, np.random.default_rng(seed))
    points = []
    for number in range(12):
        raw = search.ask(number)
        points.append(tuple(sorted(raw.items())))
        search.tell(number, raw, f(raw))
    return points


def test_every_point_is_in_the_space_with_its_types() -> None:
    cell = (
        "lr = tune.loguniform(1e-4, 1e-1)\nlayers = tune.int(1, 6)\nwidth = tune.logint(8, 512)\n"
        "batch = tune.choice([16, 32, 64, 128])\nact = tune.choice(['relu', 'tanh', 'gelu'])\n"
        "step = tune.quniform(0, 1, 0.25)\nnoise = tune.normal(0, 1)"
    )
    space = space_of(cell)
    search = GPSearch(space, np.random.default_rng(0))
    f = lambda r: abs(np.log10(r["lr"]) + 2) + abs(r["layers"] - 3) + (r["act"] != 1) + r["step"]  # noqa: E731
    run(search, f, 20)
    for number in range(20, 24):
        raw = search.ask(number)
        assert space.contains(raw)
        assert isinstance(raw["layers"], int) and isinstance(raw["width"], int)


def test_failed_trials_and_a_warm_start_are_told() -> None:
    space = space_of("x = tune.uniform(0, 1)")
    history = [
        (n, {"x": n / 10}, None if n % 3 == 0 else (n / 10 - 0.55) ** 2, n % 3 == 0) for n in range(10)
    ]
    search = make_searcher("gp", space, np.random.default_rng(0), history)
    assert isinstance(search, GPSearch) and len(search._y) == 10  # failures count as the worst
    raw = search.ask(10)  # past the start-up: the model's point, near 0.55
    assert abs(raw["x"] - 0.55) < 0.2


def test_a_conditional_space_falls_back_to_the_joint_tpe() -> None:
    space = space_of("m = tune.choice([dict(c=tune.uniform(0, 1)), 'plain'])\nx = tune.uniform(0, 1)")
    assert isinstance(make_searcher("gp", space), JointTPESearch)
    auto = make_searcher("auto", space)
    assert isinstance(auto, AutoSearch) and auto.gp is None


def test_gp_with_several_objectives_is_a_one_line_error() -> None:
    with pytest.raises(OptionsError, match="not gp"):
        Options(algo="gp", objectives="a:min,b:min").check()
    Options(algo="auto", objectives="a:min,b:min").check()


def test_auto_picks_gp_then_hands_over_to_the_tpe() -> None:
    space = space_of("x = tune.uniform(0, 1)\nk = tune.int(1, 5)")
    search = AutoSearch(space, np.random.default_rng(0), AutoSettings(switch_at=12))
    run(search, lambda r: (r["x"] - 0.2) ** 2 + r["k"], 16)
    assert [search.proposer(n) for n in (0, 11, 12, 15)] == ["gp", "gp", "tpe", "tpe"]
    choices = space_of("a = tune.choice(['p', 'q', 'r'])\nb = tune.choice([True, False])")
    assert AutoSearch(choices).gp is None  # choices alone: the TPE from the start


def test_auto_trials_say_which_search_proposed_them() -> None:
    study = create_study(
        "x = tune.uniform(-1, 1)\ny = tune.int(0, 10)\nx * x + (y - 4) ** 2",
        {"tune": tune},
        Options(store=None, seed=0, algo="auto"),
    )
    study.run(8).wait()
    assert {t.algo for t in study.trials} == {"gp"}
    assert all(t.to_dict()["algo"] == "gp" for t in study.trials)
    assert set(study.to_dataframe()["algo"]) == {"gp"}
    assert "[gp]" in text_summary(study)  # the trial table's lines, as the dashboard shows them
    assert min(t.value for t in study.trials) <= 1.0


def test_the_training_set_is_bounded_however_long_the_study() -> None:
    space = space_of("x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)")
    rng = np.random.default_rng(0)
    history = [
        (n, {"x": float(a), "y": float(b)}, float(a + b), False)
        for n, (a, b) in enumerate(rng.random((600, 2)))
    ]
    search = make_searcher("gp", space, rng, history)
    x, y = search._training_set(np.random.default_rng(1))
    assert len(x) == search.settings.max_points == 160
    assert np.sort(y)[0] == pytest.approx(y.min()) and space.contains(search.ask(600))


CHOICES = (
    "a = tune.choice(['x', 'y', 'z'])\nb = tune.choice([1, 2, 4, 8])\n{'x': 0.3, 'y': 0.1, 'z': 0.5}[a] + b"
)
MODEL_CHOICE = (
    "m = tune.choice([dict(c=tune.loguniform(1e-3, 1e2)), dict(d=tune.int(1, 9)), 'plain'])\n"
    "0.5 if m == 'plain' else (abs(m['c'] - 1) if 'c' in m else abs(m['d'] - 4) / 9)"
)


@pytest.mark.parametrize("cell", [CHOICES, MODEL_CHOICE], ids=["choices", "model-choice"])
def test_auto_is_the_joint_tpe_itself_on_choices_and_conditional_spaces(cell: str) -> None:
    runs = {}
    for algo in ("auto", "tpe"):
        study = create_study(cell, {"tune": tune}, Options(store=None, seed=5, algo=algo))
        study.run(15).wait()
        runs[algo] = [t.params for t in sorted(study.trials, key=lambda t: t.number)]
    assert runs["auto"] == runs["tpe"]  # the same trials: auto is never worse than tpe here


def test_refine_and_resume_rebuild_the_gp_from_the_trials_that_fit() -> None:
    cell = "x = tune.uniform(-4, 4)\ny = tune.uniform(-4, 4)\n(x - 1) ** 2 + (y + 2) ** 2"
    study = create_study(cell, {"tune": tune}, Options(store=None, seed=2, algo="gp"))
    study.run(10).wait()
    study.refine(x=(0.0, 2.0), y=(-3.0, -1.0))
    study.run(6).wait()
    later = sorted(study.trials, key=lambda t: t.number)[10:]
    assert len(later) == 6 and all(0 <= t.params["x"] <= 2 and -3 <= t.params["y"] <= -1 for t in later)
    assert study.best_value < 0.05


def test_auto_with_several_objectives_searches_with_the_joint_tpe() -> None:
    cell = "x = tune.uniform(0, 1)\n{'a': x, 'b': (1 - x) ** 2}"
    study = create_study(
        cell, {"tune": tune}, Options(store=None, seed=0, algo="auto", objectives="a:min,b:min")
    )
    study.run(8).wait()
    assert {t.algo for t in study.trials} == {"tpe"} and len(study.best_trials) >= 2


@pytest.mark.parametrize("algo", ["gp", "auto"])
def test_a_small_discrete_space_gets_distinct_configurations(algo: str) -> None:
    cell = "a = tune.int(1, 4)\nb = tune.choice([1, 2, 3, 4, 5])\nc = tune.choice(['p', 'q'])\n(a - 2) ** 2 + b + (c == 'q')"
    study = create_study(cell, {"tune": tune}, Options(store=None, seed=0, algo=algo))
    study.run(20).wait()
    seen = {tuple(sorted(t.params.items())) for t in study.trials}
    assert len(seen) == 20


def test_a_long_list_of_options_is_searched_without_sweeping_it() -> None:
    space = Space.build(
        parse("a = tune.choice(options)\nx = tune.uniform(0, 1)\n0"),
        {"options": [f"o{i}" for i in range(5000)]},
    )
    search = GPSearch(space, np.random.default_rng(0))
    run(search, lambda r: (r["a"] % 7) + r["x"], 8)
    assert space.contains(search.ask(8))
