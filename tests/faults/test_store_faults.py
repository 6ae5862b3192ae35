"""Store faults: odd values and text, huge output, edited choices, locked and unusable files.

Every case runs a real study on a real SQLite file and checks that each ended
trial is in the file and that what the user sees (notes, values) is right.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest

from hpmagic import create_study
from hpmagic.run.execution import MAX_ERROR, MAX_OUTPUT
from hpmagic.storage import store as store_module

from .harness import Case, assert_all_kept, file_rows, finish, options, run_case, stored_trials

X = "x = tune.uniform(0, 1)\n"


def _reports(value: float):
    def check(study) -> None:
        assert all(t.reports and t.reports[-1][1] == value for t in study.trials)
        for t in stored_trials(study.options.store, study.name):
            assert t.reports[-1][1] == value
        assert not [n for n in study.notes if "failed" in n]

    return check


def _nan_reports(study) -> None:
    for t in stored_trials(study.options.store, study.name):
        assert t.reports and t.reports[-1][1] != t.reports[-1][1]  # NaN comes back as NaN


def _objective_refused(study) -> None:
    assert all(t.state == "failed" and "finite number" in t.error for t in study.trials)


def _replaced(field: str):
    def check(study) -> None:
        for t in stored_trials(study.options.store, study.name):
            text = getattr(t, field)
            assert "\ufffd" in text and "ok" in text
            text.encode("utf-8")  # valid UTF-8 now

    return check


def _bounded_output(study) -> None:
    for t in study.trials:
        assert len(t.output) < MAX_OUTPUT + 200 and "not kept" in t.output and t.output.endswith("END\n")
    for t in stored_trials(study.options.store, study.name):
        assert len(t.output) < MAX_OUTPUT + 200 and "not kept" in t.output
    assert os.path.getsize(study.options.store) < 2_000_000


def _bounded_error(study) -> None:
    for t in stored_trials(study.options.store, study.name):
        assert len(t.error) < MAX_ERROR + 200 and "not kept" in t.error


def _odd_names(study) -> None:
    stored = {t.number: t for t in stored_trials(study.options.store, study.name)}
    assert {t.params["kind"] for t in stored.values()} <= {'it\'s "q"', "two\nlines", "🎉 party"}


def _several(study) -> None:
    """Odd numbers and names of several objectives come back as they went in, and the front with them."""
    stored = stored_trials(study.options.store, study.name)
    assert all(len(t.values) == 2 for t in stored if t.state == "complete")
    assert len(stored) == len(study.trials) and study.best_trials
    again = create_study(study.program.source, {}, study.options)  # continued from the file
    assert [t.number for t in again.best_trials] == [t.number for t in study.best_trials]


def _nan_fails_its_trial(study) -> None:
    failed = [t for t in study.trials if t.state == "failed"]
    assert failed and all("'\"q\" 🎉' is NaN" in t.error for t in failed), [t.error for t in failed]
    assert all(t.params["x"] < 0.5 for t in failed) and study.best_trials


SEVERAL = {"objectives": 'é rror:min,"q" 🎉:max'}
CASES = [
    Case("nan-report", X + "tune.report(float('nan'))\nx\n", check=_nan_reports),
    Case("inf-report", X + "tune.report(float('inf'))\nx\n", check=_reports(float("inf"))),
    Case("neg-inf-report", X + "tune.report(float('-inf'))\nx\n", check=_reports(float("-inf"))),
    Case("nan-objective", X + "float('nan') * x\n", check=_objective_refused),
    Case("inf-objective", X + "float('inf')\n", check=_objective_refused),
    Case("neg-inf-objective", X + "-float('inf')\n", check=_objective_refused),
    Case("nan-in-extras", X + "{'loss': x, 'other': float('nan')}\n"),
    Case("surrogate-output", X + "print('ok \\udcff')\nx\n", check=_replaced("output")),
    Case(
        "surrogate-error", X + "if x < 2:\n    raise ValueError('ok \\ud800')\nx\n", check=_replaced("error")
    ),
    Case("surrogate-params", "k = tune.choice(['ok \\ud800', 'ok'])\nlen(k)\n"),
    Case("huge-output", X + "print('y' * 20_000_000)\nprint('END')\nx\n", n=2, check=_bounded_output),
    Case(
        "huge-error", X + "if x < 2:\n    raise ValueError('e' * 2_000_000)\nx\n", n=2, check=_bounded_error
    ),
    Case(
        "quotes-newlines-emoji",
        "kind = tune.choice([\"it's \\\"q\\\"\", 'two\\nlines', '🎉 party'])\nlen(kind)\n",
        n=4,
        options={"name": 'it\'s "odd" 🎉'},
        check=_odd_names,
    ),
    Case(
        "several-objectives-odd-numbers",
        X + "import numpy as np\n"
        "{'é rror': [1e308, -0.0, np.float32(x), 5e-324][int(x * 4)], '\"q\" 🎉': np.int64(3) - x}\n",
        n=8,
        options=SEVERAL,
        check=_several,
    ),
    Case(
        "several-objectives-one-nan",
        X + "{'é rror': x, '\"q\" 🎉': float('nan') if x < 0.5 else x}\n",
        n=6,
        options=SEVERAL,
        check=_nan_fails_its_trial,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_ended_trial_is_stored(case: Case, tmp_path) -> None:
    study = run_case(case, tmp_path)
    assert len(study.trials) == case.n
    assert not [n for n in study.notes if "memory only" in n], study.notes
    assert_all_kept(study)
    if case.check is not None:
        case.check(study)


# -- choices edited between runs ---------------------------------------------------
def _choice_cell(opts: list[str]) -> str:
    return f"kind = tune.choice({opts!r})\nx = tune.uniform(0, 1)\n{{'loss': x + 0.1 * len(kind)}}\n"


EDITS = {
    "reorder-and-drop": [["a", "b", "c"], ["c", "a"], ["c", "a"]],
    "drop-all-then-re-add": [["a", "b", "c"], ["d"], ["c", "b", "a", "d"]],
    "narrow-widen-reorder": [["a", "b", "c"], ["b"], ["a", "b"], ["c", "a", "b"]],
    "rename-then-back": [["aa", "bb"], ["bb", "cc"], ["cc"], ["bb", "aa", "cc"]],
}


@pytest.mark.parametrize("steps", list(EDITS.values()), ids=list(EDITS))
def test_any_sequence_of_choice_edits_resumes_right(steps: list[list[str]], tmp_path) -> None:
    ran: dict[int, str] = {}
    for i, opts in enumerate(steps):
        ns: dict = {}
        study = create_study(_choice_cell(opts), ns, options(tmp_path, name="exp", seed=i))
        for t in study.trials:  # earlier trials show the option they ran with, at the right index
            assert t.params["kind"] == ran[t.number] == opts[t.raw["kind"]]
        assert {t.number for t in study.trials} == {n for n, k in ran.items() if k in opts}
        finish(study.run(8 if i == 0 else 2))
        ran.update({t.number: t.params["kind"] for t in study.trials})
        assert_all_kept(study)
        best = study.best_params["kind"]
        assert f"kind = {best!r}" in study.code()
        study.apply()
        assert ns["kind"] == best
    stored = stored_trials(tmp_path / "faults.db", "exp")
    assert {t.number: t.params["kind"] for t in stored} == ran  # nothing lost, none relabelled


# -- files that cannot be used as they are ------------------------------------------
def _hold_lock(path: str, seconds: float | None) -> tuple[sqlite3.Connection, threading.Event]:
    """A second connection that holds the write lock; released after ``seconds`` (None: never)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN EXCLUSIVE")
    released = threading.Event()
    if seconds is not None:

        def release() -> None:
            time.sleep(seconds)  # how long the other program keeps the file: the fault itself
            db.execute("COMMIT")
            released.set()

        threading.Thread(target=release, daemon=True).start()
    return db, released


def test_a_file_locked_for_a_while_loses_nothing(tmp_path) -> None:
    cell = X + "x\n"
    first = finish(create_study(cell, {}, options(tmp_path, name="lk")).run(1))
    db, released = _hold_lock(first.options.store, 1.5)
    study = finish(create_study(cell, {}, options(tmp_path, name="lk")).run(3))
    assert released.wait(10)
    db.close()
    assert not [n for n in study.notes if "memory only" in n], study.notes
    assert_all_kept(study)


def test_a_file_locked_for_good_goes_to_memory_and_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 1.0)
    cell = X + "x\n"
    first = finish(create_study(cell, {}, options(tmp_path, name="lk")).run(1))
    study = create_study(cell, {}, options(tmp_path, name="lk"))
    db, _ = _hold_lock(first.options.store, None)
    try:
        started = time.monotonic()
        finish(study.run(3), timeout=20)
        assert time.monotonic() - started < 10  # bounded: one wait, then memory
        said = [n for n in study.notes if "memory only" in n]
        assert len(said) == 1 and "locked" in said[0] and "locked" in study.summary()
        assert len(study.trials) == 4
    finally:
        db.close()
    assert len(stored_trials(first.options.store, "lk")) == 1  # what was saved before stays


@pytest.mark.parametrize("where", ["dir-is-a-file", "store-is-a-dir"])
def test_an_unusable_path_keeps_the_study_in_memory_and_says_so(where: str, tmp_path) -> None:
    if where == "dir-is-a-file":
        (tmp_path / "plain").write_text("not a folder")
        path = tmp_path / "plain" / "s.db"
    else:
        path = tmp_path / "folder.db"
        path.mkdir()
    study = finish(create_study(X + "x\n", {}, options(tmp_path, store=str(path))).run(2))
    assert len(study.trials) == 2
    assert any("memory only" in n for n in study.notes) and "memory only" in study.summary()


def test_a_tilde_store_path_is_the_home_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    study = finish(create_study(X + "x\n", {}, options(tmp_path, store="~/tilde.db")).run(2))
    assert (tmp_path / "tilde.db").exists() and not (tmp_path / "~").exists()
    assert_all_kept(study, tmp_path / "tilde.db")
    assert file_rows(tmp_path / "tilde.db", "SELECT COUNT(*) FROM trials")[0][0] == 2
