"""The cell's code with best values or the current space written in."""

from __future__ import annotations

import ast

import pytest

from hpmagic import Options, create_study
from hpmagic.core.codegen import CodegenError, code_with_values, literal, ranges_code
from hpmagic.core.program import parse
from hpmagic.core.space import Space

CELL = """import math  # keep me
lr = 0.01  # tune: loguniform(1e-4, 1e-1)

model = tune.choice([
    "plain",
    dict(kind="svc", C=tune.loguniform(0.01, 100)),  # the svc option
    dict(kind="lr", C=tune.loguniform(0.1, 10), pen=tune.choice(["l1", "l2"])),
])
depth = tune.int(2, 32)   # odd   spacing kept
x = tune.uniform(-5, 5, default=0.5)
c = model["C"] if isinstance(model, dict) else 1.0
(x - 1) ** 2 + c + lr + depth / 100
"""


def program_space(cell: str = CELL):
    program = parse(cell)
    return program, Space.build(program, {})


def test_best_values_replace_annotations_and_keep_the_rest():
    program, space = program_space()
    raw = {"lr": 0.0012345678901234567, "model": 2, "C#2": 3.3, "pen": 1, "depth": 7, "x": -2.5}
    code = code_with_values(program, space, raw)
    assert code == (
        "import math  # keep me\n"
        "lr = 0.0012345678901234567\n"
        "\n"
        'model = dict(kind="lr", C=3.3, pen="l2")\n'
        "depth = 7   # odd   spacing kept\n"
        "x = -2.5\n"
        'c = model["C"] if isinstance(model, dict) else 1.0\n'
        "(x - 1) ** 2 + c + lr + depth / 100\n"
    )
    compile(code, "<code>", "exec")
    assert "tune" not in code


def test_literal_options_and_floats_round_trip():
    program, space = program_space()
    raw = {"lr": 0.1 + 0.2, "model": 0, "depth": 2, "x": 1e-300}
    code = code_with_values(program, space, raw)
    assert 'model = "plain"' in code
    ns: dict = {"tune": None}
    exec(compile(code, "<code>", "exec"), ns)
    assert ns["lr"] == 0.1 + 0.2 and ns["x"] == 1e-300 and ns["model"] == "plain"
    assert literal(float("inf")) == 'float("inf")'
    assert literal(True) == "True" and literal(None) == "None" and literal("a'b") == repr("a'b")


def test_negative_value_before_attribute_is_parenthesised():
    program, space = program_space("y = tune.uniform(-3, -1, name='y').real\ny\n")
    code = code_with_values(program, space, {"y": -2.0})
    assert code.startswith("y = (-2.0).real")
    compile(code, "<code>", "exec")


def test_non_ascii_text_before_annotation():
    cell = 's = "héllo wörld"; n = tune.int(1, 9)\nlen(s) + n\n'
    program, space = program_space(cell)
    assert code_with_values(program, space, {"n": 4}).startswith('s = "héllo wörld"; n = 4\n')


def test_choice_over_an_expression():
    cell = "opts = [len, abs]\nf = tune.choice(opts)\nk = tune.choice(['a', 'b'])\nf(-1)\n"
    program = parse(cell)
    space = Space.build(program, {"opts": [len, abs]})
    code = code_with_values(program, space, {"f": 1, "k": 1})
    assert "f = (opts)[1]" in code and "k = 'b'" in code


def test_study_code_and_no_trial_yet(tmp_path):
    study = create_study(CELL, {}, Options(seed=2, algo="rand"))
    with pytest.raises(CodegenError, match="no complete trial"):
        study.code()
    study.run(8).wait()
    code = study.code()
    ns: dict = {}
    exec(compile(code, "<code>", "exec"), ns)
    assert eval(compile(ast.Expression(ast.parse(code).body[-1].value), "<e>", "eval"), ns) == pytest.approx(
        study.best_value
    )


def test_ranges_after_refine_is_a_tune_cell():
    study = create_study(CELL, {}, Options(seed=2, algo="rand", max_evals=20))
    study.run(5).wait()
    unchanged = study.code(ranges=True)
    header, body = unchanged.split("\n", 1)
    assert header.startswith("%%tune") and f"--name {study.name}" in header and "-n 20" in header
    assert body == CELL  # nothing refined: the cell as written
    study.refine(
        x=(0, 2),
        depth=(4, 8),
        lr=(1e-3, 5e-3),
        model=["plain", 'dict(kind="lr", C=tune.loguniform(0.1, 10), pen=tune.choice(["l1", "l2"]))'],
    )
    cell = study.code(ranges=True)
    body = cell.split("\n", 1)[1]
    assert "lr = 0.00223606797749979  # tune: loguniform(0.001, 0.005)" in body
    assert "depth = tune.int(4, 8)   # odd   spacing kept" in body
    assert "x = tune.uniform(0, 2, default=0.5)" in body
    assert (
        'model = tune.choice(["plain", dict(kind="lr", C=tune.loguniform(0.1, 10), pen=tune.choice(["l1", "l2"]))])'
        in body
    )
    assert "svc" not in body and "import math  # keep me" in body
    # the new cell parses as a %%tune cell with the narrowed space
    space = Space.build(parse(body), {})
    assert space.describe()["x"] == (0, 2) and space.describe()["model"][0] == "plain"


def test_ranges_code_nested_refine():
    program, space = program_space()
    space = space.refined({"pen": ["l2"], "C#2": (1, 2)})
    body = ranges_code(program, space, Space.build(program, {}))
    assert 'pen=tune.choice(["l2"])' in body and "C=tune.loguniform(1, 2)" in body
    assert "C=tune.loguniform(0.01, 100)" in body
    parse(body)


def test_the_magic_line_keeps_start_at_defaults():
    from hpmagic.core.codegen import magic_line
    from hpmagic.core.options import Options

    assert magic_line(Options(start_at_defaults=True), "s") == "%%tune --name s --start-at-defaults"
    assert "--start-at-defaults" not in magic_line(Options(), "s")
    with pytest.raises(ValueError, match="start_at_defaults must be True or False, got 'yes'"):
        Options(start_at_defaults="yes").check()
