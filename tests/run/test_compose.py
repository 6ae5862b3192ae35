"""Building a study from Python: memory by default, a file when asked; ``ended`` says how a run is."""

from __future__ import annotations

from hpmagic import Options, create_study
from hpmagic.storage.store import StoreObserver, open_store

CELL = "x = tune.uniform(0, 1)\n(x - 0.3) ** 2"


def test_create_study_keeps_the_study_in_memory_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = create_study(CELL, {}, Options(max_evals=3, seed=0))
    study.run().wait()
    assert len(study.trials) == 3
    assert list(tmp_path.iterdir()) == []  # no .hpmagic folder written beside the caller
    assert not any(isinstance(o, StoreObserver) for o in study.observers)


def test_a_store_path_saves_and_continues(tmp_path):
    db = str(tmp_path / "s.db")
    create_study(CELL, {}, Options(max_evals=3, seed=0, store=db, name="kept")).run().wait()
    again = create_study(CELL, {}, Options(max_evals=2, seed=0, store=db, name="kept"))
    assert len(again.trials) == 3 and "continues study 'kept'" in again.notes[0]
    again.run().wait()
    store = open_store(db)
    try:
        assert [t.number for t in store.trials("kept")] == [0, 1, 2, 3, 4]
    finally:
        store.close()


def test_ended_tells_whether_the_run_ended_and_wait_chains():
    study = create_study(
        "import time\nx = tune.uniform(0, 1)\ntime.sleep(0.2)\nx", {}, Options(max_evals=100)
    )
    assert study.ended(0) is True  # nothing running yet
    study.run()
    assert study.ended(0.01) is False
    assert study.wait(0.01) is study  # the contract: wait returns the study
    study.stop()
    assert study.ended(30) is True
    assert study.running is False
