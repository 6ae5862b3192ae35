"""The harness itself: a kept study passes, a trial missing from the file fails."""

from __future__ import annotations

import pytest

from .harness import Case, assert_all_kept, file_rows, run_case

CELL = "x = tune.uniform(0, 1)\nx\n"


def test_a_kept_study_passes_and_a_lost_trial_fails(tmp_path):
    study = run_case(Case("plain", CELL, n=3), tmp_path)
    assert len(assert_all_kept(study)) == 3
    db = tmp_path / "faults.db"
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("DELETE FROM trials WHERE number = 1")
    con.commit()
    con.close()
    assert len(file_rows(db, "SELECT * FROM trials")) == 2
    with pytest.raises(AssertionError, match="trial 1"):
        assert_all_kept(study)
