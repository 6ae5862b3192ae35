"""Parsing a cell: labels, defaults, lazy choices, the comment form, free names."""

from __future__ import annotations

import pytest

from hpmagic import Options, ProgramError, create_study, tune
from hpmagic.core.program import parse
from hpmagic.core.space import Space
from hpmagic.run.execution import COMPLETE, TrialJob, run_trial


def labels(source: str) -> list[str]:
    return [s.label for s in parse(source).sites]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("m = f(max_depth=tune.int(2, 32))\nm", ["max_depth"]),
        ("lr = tune.loguniform(1e-4, 1e-1)\nlr", ["lr"]),
        ("lr: float = tune.loguniform(1e-4, 1e-1)\nlr", ["lr"]),
        ("cfg.lr = tune.uniform(0, 1)\ncfg.lr", ["lr"]),
        ("params['depth'] = tune.int(1, 5)\n1", ["depth"]),
        ("p = {'alpha': tune.uniform(0, 1), 'beta': tune.int(1, 3)}\n1", ["alpha", "beta"]),
        ("f(tune.uniform(0, 1, name='gamma'))\n1", ["gamma"]),
        ("x = f(y=tune.uniform(0, 1, name='z'))\nx", ["z"]),
        ("(w := tune.uniform(0, 1))\nw", ["w"]),
        ("a = b = tune.int(0, 3)\na", ["a"]),
        ("a, b = tune.int(0, 3), tune.uniform(0, 1)\na", ["a", "b"]),
        ("f(a=tune.int(0, 3), b=g(c=tune.choice(['x', 'y'])))\n1", ["a", "c"]),
    ],
)
def test_labels_come_from_where_the_annotation_stands(source: str, expected: list[str]):
    assert labels(source) == expected


def test_lines_are_what_the_user_sees():
    program = parse("a = 1\n\nb = tune.uniform(0, 1)\nb", first_line=2)
    assert program.sites[0].line == 4


def test_defaults_midpoint_geometric_rounded_first_choice():
    source = (
        "a = tune.uniform(0, 10)\n"
        "b = tune.loguniform(1e-4, 1e-2)\n"
        "c = tune.int(1, 4)\n"
        "d = tune.choice(['x', 'y'])\n"
        "e = tune.logint(1, 100)\n"
        "f = tune.quniform(0, 10, 3)\n"
        "g = tune.uniform(0, 10, default=7)\n"
        "h = tune.choice(['x', 'y'], default='y')\n"
        "1"
    )
    space = Space.build(parse(source), {})
    params = space.user_params(space.defaults())
    assert params["a"] == 5.0
    assert params["b"] == pytest.approx(1e-3)
    assert params["c"] in (2, 3) and isinstance(params["c"], int)
    assert params["d"] == "x"
    assert params["e"] == 10 and isinstance(params["e"], int)
    assert params["f"] in (3, 6) and isinstance(params["f"], int)
    assert params["g"] == 7.0
    assert params["h"] == "y"


def test_choice_options_are_lazy_and_nested_annotations_are_conditional():
    calls: list[str] = []

    def make(name: str, **kw: object) -> str:
        calls.append(name)
        return f"{name}{kw}"

    source = (
        "model = tune.choice([make('svc', C=tune.loguniform(0.01, 100)), "
        "make('tree', depth=tune.int(1, 8)), 'none'])\n"
        "len(model)"
    )
    program = parse(source)
    space = Space.build(program, {"make": make})
    model, c, depth = program.sites
    assert (c.parent, depth.parent) == ((0, 0), (0, 1))
    # choose the tree: only its option runs, only its dimension is active
    raw = {"model": 1, "depth": 3}
    assert space.contains(raw) and not space.contains({"model": 1, "depth": 3, "C": 1.0})
    values = {d.key: space.runtime_value(d.key, raw) for d in space.active(raw)}
    outcome = run_trial(program, TrialJob(0, values), {"make": make})
    assert outcome.state == COMPLETE, outcome.error
    assert calls == ["tree"]
    assert space.user_params(raw) == {"model": "make('tree', depth=tune.int(1, 8))", "depth": 3}
    assert space.user_params({"model": 2}) == {"model": "none"}


def test_same_label_in_exclusive_options_is_two_dimensions_shown_plainly():
    source = "m = tune.choice([svc(C=tune.loguniform(0.01, 100)), lr(C=tune.loguniform(1, 10))])\nm"
    program = parse(source)
    assert [s.key for s in program.sites] == ["m", "C#1", "C#2"]
    ns = {"svc": lambda C: C, "lr": lambda C: -C}
    study = create_study(source, ns, Options(max_evals=12, seed=0)).run().wait(60)
    assert len(study.trials) == 12
    for trial in study.trials:
        assert set(trial.params) == {"m", "C"}
        if trial.params["m"].startswith("svc"):
            assert 0.01 <= trial.params["C"] <= 100 and trial.value == trial.params["C"]
        else:
            assert 1 <= trial.params["C"] <= 10 and trial.value == -trial.params["C"]


def test_same_label_twice_outside_exclusive_options_is_an_error():
    source = "m = tune.choice([f(C=tune.uniform(0, 1)), 2])\nC = tune.uniform(0, 1)\nm"
    with pytest.raises(ProgramError, match="lines 2 and 3"):
        parse(source, first_line=2)


def test_comment_form():
    source = "lr = 0.01  # tune: loguniform(1e-4, 1e-1)\nn = -3  # tune: int(-5, 5)\nlr"
    program = parse(source)
    assert [(s.label, s.kind, s.comment_form) for s in program.sites] == [
        ("lr", "loguniform", True),
        ("n", "int", True),
    ]
    space = Space.build(program, {})
    assert space.user_params(space.defaults()) == {"lr": 0.01, "n": -3}
    study = create_study(source, {}, Options(max_evals=5, seed=1)).run().wait(60)
    assert all(1e-4 <= t.params["lr"] <= 1e-1 and t.value == t.params["lr"] for t in study.trials)


def test_free_names():
    program = parse("import math\nk = tune.int(1, n_features)\nscore(X, y, k) + math.pi")
    assert {"n_features", "score", "X", "y"} <= program.free_names
    assert "__hpmagic__" not in program.free_names


def test_tune_outside_a_cell_returns_defaults():
    assert tune.uniform(0, 10) == 5.0
    assert tune.loguniform(1e-4, 1e-2) == pytest.approx(1e-3)
    assert tune.int(1, 3) == 2 and isinstance(tune.int(1, 3), int)
    assert tune.choice(["a", "b"]) == "a"
    assert tune.choice(["a", "b"], default="b") == "b"
    assert tune.quniform(0, 10, 2) in (4, 6) and isinstance(tune.quniform(0, 10, 2), int)
    assert tune.report(1.0) is None
    # the same cell text runs as plain Python
    ns: dict = {"tune": tune}
    exec("lr = tune.loguniform(1e-4, 1e-2, default=0.005)\nd = {'k': tune.int(2, 4)}", ns)
    assert ns["lr"] == 0.005 and ns["d"] == {"k": 3}


def test_comment_form_accepts_the_tune_prefix():
    program = parse("lr = 0.01  # tune: tune.loguniform(1e-4, 1e-1)\nlr")
    assert [(s.label, s.kind) for s in program.sites] == [("lr", "loguniform")]


def test_comment_form_choice():
    source = 'opt = "adam"  # tune: choice(["adam", "sgd", make()])\nk = 3  # tune: int(1, 5)\nf"{opt}-{k}"'
    program = parse(source, first_line=2)
    opt = program.sites[0]
    assert (opt.label, opt.kind, opt.line) == ("opt", "choice", 2)
    assert [o.source for o in opt.options] == ['"adam"', '"sgd"', "make()"]
    space = Space.build(program, {})
    assert space.user_params(space.defaults()) == {"opt": "adam", "k": 3}
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return "made"

    values = {"opt": 2, "k": 4}
    outcome = run_trial(program, TrialJob(0, values), {"make": make})
    assert outcome.error == "the objective must be a number, got str: 'made-4'"
    assert calls == [1]
    outcome = run_trial(program, TrialJob(1, {"opt": 1, "k": 1}), {"make": make})
    assert "'sgd-1'" in outcome.error and calls == [1]  # options are lazy here too
