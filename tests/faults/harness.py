"""What every fault case checks: the run ends, and the store holds every ended trial.

A fault case builds a study on a real SQLite file, runs it with a bounded wait (a
case that hangs fails instead of blocking the suite), then compares the study's
trials with what a fresh connection reads back from the file.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpmagic import Options, Study, create_study
from hpmagic.storage.store import Store

#: seconds a fault case may take before it counts as a hang
HANG = 60.0


@dataclass
class Case:
    """One row of a fault table: a cell, its options, and what the user must see."""

    id: str
    cell: str
    n: int = 3
    options: dict[str, Any] = field(default_factory=dict)
    namespace: dict[str, Any] = field(default_factory=dict)
    #: asserts on the ended study what the user sees (states, errors, notes ...)
    check: Callable[[Study], None] | None = None

    def __str__(self) -> str:
        return self.id


def options(tmp_path: Path, **kw: Any) -> Options:
    kw.setdefault("store", str(tmp_path / "faults.db"))
    kw.setdefault("algo", "rand")
    kw.setdefault("seed", 0)
    return Options(**kw)


def finish(study: Study, timeout: float = HANG) -> Study:
    """Wait for the run; a run that does not end in ``timeout`` seconds is a hang."""
    study.wait(timeout)
    if study.running:
        study.stop()
        raise AssertionError(f"study '{study.name}' still runs after {timeout:g}s: {study.summary()}")
    return study


def run_case(case: Case, tmp_path: Path) -> Study:
    study = create_study(case.cell, dict(case.namespace), options(tmp_path, **case.options))
    return finish(study.run(case.n))


def stored_trials(path: str | Path, name: str) -> list[Any]:
    """The study's trials as a new connection to the file reads them."""
    store = Store(str(path))
    try:
        return store.trials(name)
    finally:
        store.close()


def same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


def assert_all_kept(study: Study, path: str | Path | None = None) -> list[Any]:
    """Every ended trial of ``study`` is in its store file, with its number, state, value and params."""
    path = path or study.options.store
    assert path is not None, "the study has no store"
    stored = {t.number: t for t in stored_trials(path, study.name)}
    for trial in study.trials:
        assert trial.number in stored, f"trial {trial.number} ({trial.state}) is not in the store {path}"
        kept = stored[trial.number]
        assert kept.state == trial.state, (trial.number, kept.state, trial.state)
        assert same_value(kept.value, trial.value), (trial.number, kept.value, trial.value)
        assert kept.params == trial.params, (trial.number, kept.params, trial.params)
        assert kept.values.keys() == trial.values.keys(), (trial.number, kept.values, trial.values)
        assert all(same_value(kept.values[k], v) for k, v in trial.values.items()), (
            trial.number,
            kept.values,
        )
    return list(stored.values())


def file_rows(path: str | Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(str(path))
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()
