"""Malformed cells and bad options: one clear line each, before any trial runs.

The same table is checked headless (``create_study`` / ``Options.check``) and
through ``%%tune`` in one real kernel. Line numbers are the ones the user sees in
the notebook: the ``%%tune`` line is line 1, so the cell's first line is line 2.
"""

from __future__ import annotations

import re

import pytest

from hpmagic import Options, ProgramError, create_study
from hpmagic.core.options import OptionsError

from ..kernel.conftest import kernel  # noqa: F401 - one real kernel for this module

#: names the cells below may use; defined headless and in the kernel alike
NAMESPACE_SETUP = "n_features = 4\nsizes = [8, 16]\n"

# (id, cell body without the %%tune line, user-visible line, words the message must contain)
CELLS = [
    (
        "unknown-distribution",
        "x = tune.unifrom(0, 1)\nx",
        2,
        "unknown annotation tune.unifrom; did you mean tune.uniform?",
    ),
    ("unknown-kind-deep", "a = 1\nb = f(depth=tune.gauss(0, 1))\nb", 3, "unknown annotation tune.gauss"),
    ("loguniform-zero", "lr = tune.loguniform(0, 1)\nlr", 2, "> 0"),
    ("loguniform-negative", "lr = tune.loguniform(-1, 1)\nlr", 2, "> 0"),
    ("int-reversed", "k = tune.int(5, 2)\nk", 2, "greater than high"),
    ("int-float-bound", "k = tune.int(1.5, 3)\nk", 2, "must be an integer"),
    ("uniform-reversed", "x = 1\ny = tune.uniform(1, 0)\ny", 3, "greater than high"),
    ("uniform-empty", "y = tune.uniform(1, 1)\ny", 2, "empty"),
    ("bound-not-number", "y = tune.uniform('a', 1)\ny", 2, "must be a number"),
    ("quniform-zero-step", "y = tune.quniform(0, 10, 0)\ny", 2, "q must be > 0"),
    ("normal-sigma", "y = tune.normal(0, -1)\ny", 2, "sigma must be > 0"),
    ("missing-bound", "y = tune.uniform(0)\ny", 2, "missing high"),
    ("too-many-bounds", "y = tune.uniform(0, 1, 2)\ny", 2, "takes 2 argument"),
    ("unknown-keyword", "y = tune.int(0, 3, step=2)\ny", 2, "no argument 'step'"),
    ("choice-empty", "m = tune.choice([])\nm", 2, "at least one option"),
    ("choice-not-list", "m = tune.choice(5)\nm", 2, "must be a list"),
    ("choice-string", "m = tune.choice('abc')\nm", 2, "must be a list"),
    ("duplicate-label", "lr = tune.uniform(0, 1)\nz = 2\nlr = tune.uniform(0, 2)\nlr", 4, "lines 2 and 4"),
    ("duplicate-keyword", "f(C=tune.uniform(0, 1))\ng(C=tune.uniform(0, 1))\n1", 3, "lines 2 and 3"),
    ("report-no-value", "x = tune.uniform(0, 1)\ntune.report()\nx", 3, "tune.report takes"),
    ("report-bad-keyword", "x = tune.uniform(0, 1)\ntune.report(x, epoch=1)\nx", 3, "tune.report takes"),
    ("report-too-many", "x = tune.uniform(0, 1)\ntune.report(x, 1, 2)\nx", 3, "tune.report takes"),
    ("unlabelled", "x = 1\nprint(tune.uniform(0, 1))\nx", 3, "cannot label"),
    ("syntax-error", "x = tune.uniform(0, 1)\ny = (x +\nx", 3, "syntax error"),
    ("syntax-error-later", "a = 1\nb = 2\nif a\n    b = 3\nb", 4, "syntax error"),
    ("indentation-error", "a = 1\n  b = 2\na", 3, "syntax error"),
    ("line-magic-inside", "x = tune.uniform(0, 1)\n%time y = 1\nx", 3, "IPython syntax"),
    ("shell-inside", "!ls\nx = tune.uniform(0, 1)\nx", 2, "IPython syntax"),
    ("tuple-unlabelled", "a, b = tune.int(0, 3), 4, 5\na", 2, "cannot label"),
    ("empty-cell", "\n  \n", 2, "empty"),
    ("comment-only-cell", "# nothing here\n", 2, "empty"),
    ("no-annotation", "x = 1\nx", 2, "no tune."),
    ("last-not-expression", "x = tune.uniform(0, 1)\ny = x", 3, "must end with an expression"),
    (
        "last-is-for",
        "x = tune.uniform(0, 1)\nfor i in range(2):\n    x += i",
        3,
        "must end with an expression",
    ),
    ("name-not-string", "y = f(tune.uniform(0, 1, name=3))\ny", 2, "name="),
    ("name-not-identifier", "y = f(tune.uniform(0, 1, name='a b'))\ny", 2, "name="),
    ("default-out-of-range", "y = tune.uniform(0, 1, default=2)\ny", 2, "outside the range"),
    ("default-not-option", "m = tune.choice(['a', 'b'], default='c')\nm", 2, "not one of the options"),
    ("int-default-float", "k = tune.int(1, 9, default=2.5)\nk", 2, "must be an integer"),
    ("comment-not-literal", "x = 1\nlr = min(0.1, 0.2)  # tune: loguniform(1e-4, 1e-1)\nlr", 3, "# tune:"),
    ("comment-unreadable", "lr = 0.01  # tune: loguniform(1e-4,\nlr", 2, "cannot read"),
    ("comment-not-call", "lr = 0.01  # tune: 5\nlr", 2, "must name a distribution"),
    ("comment-unknown", "lr = 0.01  # tune: logunifrom(1e-4, 1e-1)\nlr", 2, "unknown annotation"),
    ("comment-default-outside", "lr = 0.5  # tune: loguniform(1e-4, 1e-1)\nlr", 2, "outside the range"),
    ("comment-choice-default", "x = 1\nopt = 'rmsprop'  # tune: choice(['adam', 'sgd'])\nx", 3, "not one of"),
    ("comment-nested", "lr = 0.1  # tune: uniform(0, tune.uniform(1, 2))\nlr", 2, "another annotation"),
    ("comment-stray", "x = tune.uniform(0, 1)\n# tune: uniform(0, 1)\nx", 3, "# tune:"),
    ("annotation-in-bound", "y = tune.uniform(0, tune.uniform(1, 2))\ny", 2, "bound cannot itself"),
    ("undefined-bound", "k = tune.int(1, n_feature)\nk", 2, "n_feature"),
    ("bound-raises", "k = tune.int(1, n_features // 0)\nk", 2, "ZeroDivisionError"),
    ("choice-undefined", "m = tune.choice(models)\nm", 2, "models"),
    ("starred-args", "y = tune.uniform(*sizes)\ny", 2, "written out"),
    ("nested-choice-unlabelled", "m = tune.choice([f(tune.int(1, 3)), 2])\nm", 2, "cannot label"),
    ("annotation-in-report", "x = tune.uniform(0, 1)\ntune.report(tune.uniform(0, 1))\nx", 3, "reported"),
]

# (id, option line, words the message must contain)
OPTIONS = [
    ("n-zero", "-n 0", "-n/--max-evals"),
    ("n-negative", "-n -3", "-n/--max-evals"),
    ("n-not-int", "-n ten", "ten"),
    ("algo", "--algo foo", "--algo"),
    ("parallel", "--parallel 0", "--parallel"),
    ("timeout", "--timeout -1", "--timeout"),
    ("timeout-zero", "--timeout 0", "--timeout"),
    ("prune", "--prune xyz", "--prune"),
    ("unknown-flag", "--bogus", "--bogus"),
    ("out-not-name", "-o 1x", "-o/--out"),
    ("out-keyword", "-o class", "-o/--out"),
    ("early-stop", "--early-stop 0", "--early-stop"),
    ("seed", "--seed -1", "--seed"),
    ("seed-not-int", "--seed abc", "abc"),
]

# the same bad options as an Options object, for the headless check (argparse-level ones excluded)
HEADLESS_OPTIONS = {
    "n-zero": {"max_evals": 0},
    "n-negative": {"max_evals": -3},
    "algo": {"algo": "foo"},
    "parallel": {"parallel": 0},
    "timeout": {"timeout": -1},
    "timeout-zero": {"timeout": 0},
    "prune": {"prune": "xyz"},
    "out-not-name": {"out": "1x"},
    "out-keyword": {"out": "class"},
    "early-stop": {"early_stop": 0},
    "seed": {"seed": -1},
}


def _namespace() -> dict:
    ns: dict = {}
    exec(NAMESPACE_SETUP, ns)
    return ns


def test_the_table_is_large_enough():
    assert len(CELLS) >= 25 and len(OPTIONS) >= 7
    assert len({c[0] for c in CELLS}) == len(CELLS)


@pytest.mark.parametrize("cell, line, words", [c[1:] for c in CELLS], ids=[c[0] for c in CELLS])
def test_malformed_cell_headless(cell: str, line: int, words: str):
    with pytest.raises(ProgramError) as info:
        create_study(cell, _namespace(), Options(), first_line=2)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.line == line, message
    assert message.startswith(f"line {line}: "), message
    assert words in message, message


@pytest.mark.parametrize("kwargs", HEADLESS_OPTIONS.values(), ids=list(HEADLESS_OPTIONS))
def test_bad_options_headless(kwargs: dict):
    with pytest.raises(OptionsError) as info:
        Options(**kwargs).check()
    assert "\n" not in str(info.value)
    # a study is never built from bad options
    with pytest.raises(OptionsError):
        create_study("x = tune.uniform(0, 1)\nx", {}, Options(**{**kwargs}))


def _internal_frames(traceback: list[str]) -> list[str]:
    return [t for t in traceback if re.search(r"hpmagic|hyperopt|site-packages", t)]


@pytest.mark.kernel
def test_malformed_cells_in_a_kernel(kernel):  # noqa: F811
    reply = kernel.execute(NAMESPACE_SETUP + "import hpmagic.magic\nn_studies = len(hpmagic.magic.STUDIES)")
    assert reply.status == "ok", reply.error_text
    before = kernel.value("sorted(k for k in dir() if not k.startswith('_'))")
    problems = []
    for name, cell, line, words in CELLS:
        reply = kernel.execute("%%tune -n 2\n" + cell)
        error = reply.error or {}
        evalue = error.get("evalue") or ""
        if (
            reply.status != "error"
            or error.get("ename") != "UsageError"
            or _internal_frames(error.get("traceback") or [])
            or not evalue.startswith(f"%%tune: line {line}: ")
            or words not in evalue
            or "\n" in evalue
        ):
            problems.append((name, reply.status, error))
    assert not problems, problems
    # nothing ran: no study was made, the namespace is as it was
    assert kernel.value("len(hpmagic.magic.STUDIES) == n_studies")
    assert kernel.value("sorted(k for k in dir() if not k.startswith('_'))") == before


@pytest.mark.kernel
def test_bad_options_in_a_kernel(kernel):  # noqa: F811
    kernel.execute("import hpmagic.magic\nn_studies = len(hpmagic.magic.STUDIES)")
    problems = []
    for name, line, words in OPTIONS:
        reply = kernel.execute(f"%%tune {line}\nx = tune.uniform(0, 1)\nx")
        error = reply.error or {}
        evalue = error.get("evalue") or ""
        if (
            reply.status != "error"
            or error.get("ename") != "UsageError"
            or _internal_frames(error.get("traceback") or [])
            or words not in evalue
            or not evalue.startswith("%%tune: ")
            or "\n" in evalue.strip()
        ):
            problems.append((name, reply.status, error, reply.stderr))
    assert not problems, problems
    assert kernel.value("len(hpmagic.magic.STUDIES) == n_studies")


# cells that are valid Python to the parser but fail when compiled, and odd bounds
@pytest.mark.parametrize(
    "cell, line, words",
    [
        ("x = tune.uniform(0, 1)\nawait f()\nx", 3, "'await' outside function"),
        ("x = tune.uniform(0, 1)\nyield x\nx", 3, "'yield' outside function"),
        ("k = tune.int(1, 10**400)\nk", 2, "must be finite"),
        ("k = tune.uniform(0, float('inf'))\nk", 2, "must be finite"),
        ("f(tune.uniform(0, 1, name='x'), tune.uniform(0, 2, name='x'))\n1", 2, "both on line 2"),
    ],
)
def test_more_malformed_cells(cell: str, line: int, words: str):
    with pytest.raises(ProgramError) as info:
        create_study(cell, {}, Options(), first_line=2)
    assert str(info.value).startswith(f"line {line}: ") and words in str(info.value), str(info.value)


def test_tune_report_with_a_bad_step_fails_the_trial_clearly():
    study = create_study(
        "x = tune.uniform(0, 1)\ntune.report(x, step='a')\nx",
        {},
        Options(max_evals=1),
        first_line=2,
    )
    assert study.run().wait(30).trials[0].error == (
        "TypeError: tune.report: step must be an integer, got 'a' (line 3)"
    )
