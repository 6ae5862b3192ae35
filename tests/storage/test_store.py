"""The SQLite store, headless: real files in tmp_path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from hpmagic import Options, create_study
from hpmagic.storage.store import SCHEMA_VERSION, Store, StoreError, StoreObserver

CELL = """x = tune.uniform(-5, 5)
kind = tune.choice(["a", "b", "c"])
(x - 1) ** 2 + {"a": 0, "b": 1, "c": 2}[kind]
"""

NESTED = """model = tune.choice([
    "plain",
    dict(C=tune.loguniform(0.01, 100)),
    dict(C=tune.loguniform(0.1, 10), depth=tune.int(1, 8)),
])
x = tune.uniform(0, 1)
x + (model["C"] if isinstance(model, dict) else 1.0)
"""


def opts(tmp_path, **kw) -> Options:
    kw.setdefault("store", str(tmp_path / "s.db"))
    kw.setdefault("algo", "rand")
    kw.setdefault("seed", 1)
    return Options(**kw)


def rows(path, sql):
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_every_trial_is_committed_with_its_fields(tmp_path):
    study = create_study(CELL, {}, opts(tmp_path)).run(6).wait()
    db = str(tmp_path / "s.db")
    assert rows(db, "PRAGMA journal_mode")[0][0] == "wal"
    stored = rows(db, "SELECT number, params, raw, value, state, duration, started, ended FROM trials")
    assert len(stored) == 6
    by_number = {t.number: t for t in study.trials}
    for number, params, raw, value, state, duration, started, ended in stored:
        t = by_number[number]
        assert json.loads(params) == t.params
        # a choice is kept as the option it ran with, not as an index into a list that may change
        assert json.loads(raw) == {**t.raw, "kind": {"option": t.params["kind"]}}
        assert value == t.value and state == t.state and duration == pytest.approx(t.duration)
        assert started <= ended
    (name, source, space, direction, seed) = rows(
        db, "SELECT name, source, space, direction, seed FROM studies"
    )[0]
    assert name == study.name and source == CELL and seed == 1 and direction == "minimize"
    assert [d["key"] for d in json.loads(space)] == ["x", "kind"]
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0] == str(SCHEMA_VERSION)


def test_failed_trials_keep_error_and_output(tmp_path):
    cell = "x = tune.uniform(0, 1)\nprint('hello', x)\nif x > -1: raise ValueError('boom')\nx\n"
    study = create_study(cell, {}, opts(tmp_path)).run(2).wait()
    trials = Store(str(tmp_path / "s.db")).trials(study.name)
    assert [t.state for t in trials] == ["failed", "failed"]
    assert "boom" in trials[0].error and "hello" in trials[0].output


def test_rerun_continues_the_study(tmp_path):
    first = create_study(CELL, {}, opts(tmp_path)).run(5).wait()
    second = create_study(CELL, {}, opts(tmp_path))
    assert len(second.trials) == 5 and second.best_value == first.best_value
    assert any("continues" in n for n in second.notes)
    second.run(4).wait()
    assert [t.number for t in second.trials] == list(range(9))
    # the new points are not a replay of the first run's
    assert [t.raw for t in second.trials[5:]] != [t.raw for t in first.trials[:4]]
    assert len(Store(str(tmp_path / "s.db")).trials(first.name)) == 9


def test_resume_warm_starts_tpe_with_conditional_dims(tmp_path):
    first = create_study(NESTED, {}, opts(tmp_path, algo="tpe")).run(12).wait()
    second = create_study(NESTED, {}, opts(tmp_path, algo="tpe"))
    # the stored raw params round-trip exactly (nested dims only when active)
    assert [t.raw for t in second.trials] == [t.raw for t in first.trials]
    search = second._searcher()
    assert search.n_told == sum(t.state == "complete" for t in first.trials)
    second.run(3).wait()
    assert len(second.trials) == 15


def test_changed_space_reuses_only_fitting_trials(tmp_path):
    first = create_study(CELL, {}, opts(tmp_path, name="exp")).run(12).wait()
    narrowed = CELL.replace("tune.uniform(-5, 5)", "tune.uniform(0, 5)").replace(
        '["a", "b", "c"]', '["c", "a"]'
    )
    second = create_study(narrowed, {}, opts(tmp_path, name="exp"))
    fits = [t for t in first.trials if t.raw["x"] >= 0 and t.raw["kind"] in (0, 2)]
    assert len(second.trials) == len(fits)
    assert any("space changed" in n for n in second.notes)
    assert "space changed" in second.summary()
    # choice indices are remapped through the option they stood for
    for t in second.trials:
        assert ["c", "a"][t.raw["kind"]] == t.params["kind"]
    second.run(2).wait()
    assert second.trials[-1].number == 13
    # nothing stored is lost: left-out trials stay in the file
    assert len(Store(str(tmp_path / "s.db")).trials("exp")) == 14


def test_store_none_keeps_memory_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    create_study(CELL, {}, Options(algo="rand")).run(2).wait()
    assert not (tmp_path / ".hpmagic").exists()


def test_the_magics_default_store_is_in_the_working_directory(tmp_path, monkeypatch):
    from hpmagic.core.options import DEFAULT_STORE

    monkeypatch.chdir(tmp_path)
    create_study(CELL, {}, Options(algo="rand", store=DEFAULT_STORE)).run(1).wait()
    assert (tmp_path / ".hpmagic" / "studies.db").exists()


def test_corrupt_file_is_reported_and_study_runs_in_memory(tmp_path):
    bad = tmp_path / "s.db"
    bad.write_bytes(b"this is not a database at all" * 100)
    before = bad.read_bytes()
    study = create_study(CELL, {}, opts(tmp_path)).run(3).wait()
    assert len(study.trials) == 3
    assert any("not an hpmagic store" in n and "not saved" in n for n in study.notes)
    assert bad.read_bytes() == before


def test_foreign_sqlite_file_is_left_alone(tmp_path):
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("CREATE TABLE customers (id INTEGER)")
    db.commit()
    db.close()
    study = create_study(CELL, {}, opts(tmp_path)).run(2).wait()
    assert any("another program" in n for n in study.notes)
    assert rows(str(tmp_path / "s.db"), "SELECT name FROM sqlite_master") == [("customers",)]
    with pytest.raises(StoreError, match="another program"):
        Store(str(tmp_path / "s.db"))


def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    # root writes anywhere it may chmod; /proc refuses everyone
    where = "/proc/hpmagic-store" if os.geteuid() == 0 else str(ro)
    try:
        study = create_study(CELL, {}, opts(tmp_path, store=f"{where}/s.db")).run(2).wait()
    finally:
        ro.chmod(0o755)
    assert len(study.trials) == 2 and any("not saved" in n for n in study.notes)


def test_full_disk_stops_saving_but_keeps_what_was_stored(tmp_path):
    cell = "x = tune.uniform(0, 1)\nprint('y' * 3000)\nx\n"
    study = create_study(cell, {}, opts(tmp_path))
    observer = next(o for o in study.observers if isinstance(o, StoreObserver))
    study.run(3).wait()
    pages = observer.store._db.execute("PRAGMA page_count").fetchone()[0]
    observer.store._db.execute(f"PRAGMA max_page_count = {pages}")
    study.run(5).wait()
    assert len(study.trials) == 8 and study.end_reason == "completed"
    assert not observer.saving
    assert any("disk full" in n and "memory only" in n for n in study.notes)
    stored = Store(str(tmp_path / "s.db")).trials(study.name)
    assert [t.number for t in stored][:3] == [0, 1, 2]
    assert rows(str(tmp_path / "s.db"), "PRAGMA integrity_check") == [("ok",)]


def test_two_studies_in_one_process_write_at_once(tmp_path):
    cell_a, cell_b = CELL, CELL.replace("(x - 1)", "(x - 2)")
    a = create_study(cell_a, {}, opts(tmp_path, name="a"))
    b = create_study(cell_b, {}, opts(tmp_path, name="b"))
    a.run(40)
    b.run(40)
    a.wait()
    b.wait()
    store = Store(str(tmp_path / "s.db"))
    assert len(store.trials("a")) == 40 and len(store.trials("b")) == 40


WRITER = """
import sys
from hpmagic import Options, create_study
cell = "x = tune.uniform(0, 1)\\nx\\n"
s = create_study(cell, {}, Options(store=sys.argv[1], name=sys.argv[2], algo="rand", seed=int(sys.argv[3])))
s.run(60).wait()
# a second run of 'shared' may start after the first has written trials: continuing it is no loss
print(len(s.trials), [n for n in s.notes if not n.startswith("continues study")])
"""


def test_processes_writing_one_store_lose_nothing(tmp_path):
    path = str(tmp_path / "s.db")
    env = dict(os.environ)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, path, name, str(seed)], env=env, stdout=subprocess.PIPE
        )
        for name, seed in (("p", 1), ("q", 2), ("shared", 3), ("shared", 4))
    ]
    outs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert all("[]" in o for o in outs), outs  # no process lost its store
    store = Store(path)
    assert len(store.trials("p")) == 60 and len(store.trials("q")) == 60
    # two runs of one study at once: both runs' trials are kept, under distinct numbers
    shared = store.trials("shared")
    assert len(shared) == 120
    assert len({t.number for t in shared}) == 120


def test_schema_migration_from_an_empty_versioned_file(tmp_path):
    path = tmp_path / "s.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1752198503")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    db.commit()
    db.close()
    assert Store(str(path)).schema_version == SCHEMA_VERSION
    db = sqlite3.connect(path)
    db.execute(f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer hpmagic"):
        Store(str(path))


def test_export_json_and_yaml(tmp_path):
    study = create_study(CELL, {}, opts(tmp_path)).run(5).wait()
    study.export(str(tmp_path / "out.json"))
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["name"] == study.name and data["direction"] == "minimize"
    assert data["best_params"] == study.best_params and data["best_value"] == study.best_value
    assert data["n_trials"] == 5 and len(data["trials"]) == 5
    yaml = pytest.importorskip("yaml")
    study.export(str(tmp_path / "out.yaml"))
    assert yaml.safe_load((tmp_path / "out.yaml").read_text())["best_params"] == study.best_params
    with pytest.raises(ValueError, match=".json or .yaml"):
        study.export(str(tmp_path / "out.txt"))


def test_apply_runs_the_best_params_in_the_namespace(tmp_path):
    ns: dict = {}
    cell = "x = tune.uniform(-5, 5)\nresult = (x - 1) ** 2\nresult\n"
    study = create_study(cell, ns, opts(tmp_path)).run(5).wait()
    assert "x" not in ns
    value = study.apply()
    assert value == pytest.approx(study.best_value)
    assert ns["x"] == study.best_params["x"] and ns["result"] == pytest.approx(value)
    assert "__hpmagic__" not in ns


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "hpmagic", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_cli_list_and_export(tmp_path):
    create_study(CELL, {}, opts(tmp_path, name="cli-study")).run(3).wait()
    out = run_cli("list", "--store", "s.db", cwd=tmp_path)
    assert out.returncode == 0 and "cli-study: 3 trials" in out.stdout
    out = run_cli("export", "cli-study", "e.json", "--store", "s.db", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "e.json").read_text())["n_trials"] == 3
    out = run_cli("export", "nope", "e.json", "--store", "s.db", cwd=tmp_path)
    assert out.returncode != 0 and "no study named 'nope'" in out.stderr and "cli-study" in out.stderr
    out = run_cli("list", "--store", "missing.db", cwd=tmp_path)
    assert out.returncode != 0 and "no store" in out.stderr
    (tmp_path / "bad.db").write_bytes(b"garbage" * 500)
    out = run_cli("list", "--store", "bad.db", cwd=tmp_path)
    assert out.returncode != 0 and "not an hpmagic store" in out.stderr
    several = create_study(
        'x = tune.uniform(0, 1)\n{"acc": 1 - x, "cost": x}\n',
        {},
        opts(tmp_path, name="two", objectives="acc:max,cost:min"),
    )
    several.run(4).wait()
    out = run_cli("list", "--store", "s.db", cwd=tmp_path)
    best = max(t.values["acc"] for t in several.trials)
    assert f"two: 4 trials, best acc {best:.6g} (objectives acc:max, cost:min)" in out.stdout
    out = run_cli("--help", cwd=tmp_path)
    assert out.returncode == 0 and "list" in out.stdout and "export" in out.stdout and "demo" in out.stdout


def test_store_is_thread_safe(tmp_path):
    from hpmagic.run.study import Trial

    store = Store(str(tmp_path / "s.db"))
    store.save_study(
        "t", source="1", first_line=1, space=[], cell_space=[], direction=None, options={}, seed=None
    )

    def write(base):
        for i in range(50):
            store.add_trial("t", Trial(number=base + i, params={}, value=1.0, state="complete", duration=0))

    threads = [threading.Thread(target=write, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.trials("t")) == 200


def test_yaml_without_pyyaml_is_a_clear_error(tmp_path, monkeypatch):
    study = create_study(CELL, {}, opts(tmp_path)).run(2).wait()
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(ValueError, match="needs PyYAML"):
        study.export(str(tmp_path / "out.yaml"))
    assert not (tmp_path / "out.yaml").exists()


def test_unreadable_stored_space_still_resumes_fitting_trials(tmp_path):
    first = create_study(CELL, {}, opts(tmp_path, name="odd")).run(4).wait()
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("UPDATE studies SET cell_space = '[{\"unknown\": 1}]'")
    db.commit()
    db.close()
    second = create_study(CELL, {}, opts(tmp_path, name="odd"))
    assert [t.raw for t in second.trials] == [t.raw for t in first.trials]


# -- issue 13: nothing lost, nothing wrong written back ---------------------------
def test_non_finite_values_and_bad_text_round_trip(tmp_path):
    from hpmagic.core.trials import Trial

    store = Store(str(tmp_path / "s.db"))
    store.save_study(
        "t", source="x", first_line=1, space=[], cell_space=[], direction=None, options={}, seed=0
    )
    for number, value in enumerate([float("nan"), float("inf"), float("-inf")]):
        trial = Trial(
            number=number,
            params={"p": "ok \udcff"},
            value=value,
            state="pruned",
            duration=0,
            error="bad \ud800 text",
            output="out \udcff",
            extras={"e": value},
            reports=[(0, value)],
        )
        store.add_trial("t", trial)
    back = Store(str(tmp_path / "s.db")).trials("t")
    assert [repr(t.value) for t in back] == ["nan", "inf", "-inf"]
    assert [repr(t.reports[0][1]) for t in back] == ["nan", "inf", "-inf"]
    assert [repr(t.extras["e"]) for t in back] == ["nan", "inf", "-inf"]
    assert all(t.params == {"p": "ok \udcff"} for t in back)  # JSON escapes keep params exact
    assert all("\ufffd" in t.error and "\ufffd" in t.output for t in back)
    # the best-value query only sees finite values
    assert store.study("t").best_value is None


def test_a_failed_write_is_a_note_where_people_look(tmp_path):
    from hpmagic.ui.dashboard import text_summary

    study = create_study("x = tune.uniform(0, 1)\nx\n", {}, opts(tmp_path))
    observer = next(o for o in study.observers if isinstance(o, StoreObserver))
    observer.store.close()  # the file can no longer be written, whatever the reason
    study.run(3).wait(30)
    said = [n for n in study.notes if "memory only" in n]
    assert len(said) == 1 and said[0] in text_summary(study) and said[0] in study.summary()
    assert len(study.trials) == 3


def _hold(path, seconds):
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN EXCLUSIVE")
    done = threading.Event()

    def release():
        done.wait(seconds)  # the other program's hold on the file is the fault under test
        db.execute("COMMIT")
        db.close()

    threading.Thread(target=release, daemon=True).start()
    return done


def test_a_write_to_a_locked_file_waits_for_the_lock(tmp_path):
    from hpmagic.core.trials import Trial

    store = Store(str(tmp_path / "s.db"))
    store.save_study(
        "t", source="x", first_line=1, space=[], cell_space=[], direction=None, options={}, seed=0
    )
    _hold(str(tmp_path / "s.db"), 2.0)
    for i in range(3):  # written in order once the lock is gone
        store.add_trial("t", Trial(number=i, params={}, value=float(i), state="complete", duration=0))
    assert [t.value for t in Store(str(tmp_path / "s.db")).trials("t")] == [0.0, 1.0, 2.0]


def test_a_write_to_a_file_locked_for_good_gives_up_in_bounded_time(tmp_path, monkeypatch):
    from hpmagic.core.trials import Trial
    from hpmagic.storage import store as store_module

    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 1.0)
    store = Store(str(tmp_path / "s.db"))
    store.save_study(
        "t", source="x", first_line=1, space=[], cell_space=[], direction=None, options={}, seed=0
    )
    done = _hold(str(tmp_path / "s.db"), 30)
    started = __import__("time").monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        store.add_trial("t", Trial(number=0, params={}, value=1.0, state="complete", duration=0))
    assert __import__("time").monotonic() - started < 5
    done.set()


def test_a_schema_1_file_is_migrated_with_choices_as_their_options(tmp_path):
    """A v1 file written after the list was edited to ["c", "a"]: its raw indices
    point into lists of different runs; params say what each trial ran with."""
    from hpmagic.core.program import parse
    from hpmagic.core.space import Space

    cell = 'kind = tune.choice(["c", "a"])\nx = tune.uniform(0, 1)\n{"loss": x + {"a": 0, "c": 5}[kind]}\n'
    space = Space.build(parse(cell), {})
    path = str(tmp_path / "old.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA application_id = 1752198503")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute(
        "CREATE TABLE studies (name TEXT PRIMARY KEY, source TEXT NOT NULL, first_line INTEGER NOT NULL,"
        " space TEXT NOT NULL, cell_space TEXT NOT NULL, direction TEXT, options TEXT NOT NULL,"
        " seed INTEGER, created REAL NOT NULL, updated REAL NOT NULL)"
    )
    db.execute(
        "CREATE TABLE trials (study TEXT NOT NULL, number INTEGER NOT NULL, params TEXT NOT NULL,"
        " raw TEXT NOT NULL, value REAL, state TEXT NOT NULL, duration REAL NOT NULL, error TEXT,"
        " output TEXT NOT NULL DEFAULT '', extras TEXT NOT NULL DEFAULT '{}', started REAL, ended REAL,"
        " reports TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (study, number))"
    )
    space_json = json.dumps(space.to_json())
    db.execute(
        "INSERT INTO studies VALUES ('exp', ?, 1, ?, ?, 'minimize', '{}', 0, 0, 0)",
        (cell, space_json, space_json),
    )
    rows = [  # (number, kind it ran with, raw index as v1 wrote it, value)
        (0, "a", 0, 0.5),  # index into the first list ["a", "b", "c"]
        (1, "c", 2, 5.1),
        (2, "b", 1, 0.01),  # its option is gone now
        (3, "c", 0, 5.3),  # index into ["c", "a"]
    ]
    for number, kind, index, value in rows:
        db.execute(
            "INSERT INTO trials (study, number, params, raw, value, state, duration) VALUES"
            " ('exp', ?, ?, ?, ?, 'complete', 0)",
            (number, json.dumps({"kind": kind, "x": 0.5}), json.dumps({"kind": index, "x": 0.5}), value),
        )
    db.close()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION == 4
    assert all(t.algo == "" for t in store.trials("exp"))  # written before the column
    assert {t.number: t.params["kind"] for t in store.trials("exp")} == {0: "a", 1: "c", 2: "b", 3: "c"}
    store.close()
    ns: dict = {}
    study = create_study(cell, ns, Options(store=path, name="exp", algo="rand", seed=0))
    assert {t.number: ["c", "a"][t.raw["kind"]] for t in study.trials} == {0: "a", 1: "c", 3: "c"}
    assert study.best_params["kind"] == "a" and 'kind = "a"' in study.code()
    study.apply()
    assert ns["kind"] == "a"


def test_a_trial_printing_20_mb_holds_only_a_bounded_tail(tmp_path):
    import tracemalloc

    from hpmagic.core.program import parse
    from hpmagic.run.execution import MAX_OUTPUT, TrialJob, run_trial

    cell = "x = tune.uniform(0, 1)\nfor i in range(20_000):\n    print('z' * 1023)\nprint('END')\nx\n"
    program = parse(cell)
    tracemalloc.start()
    try:
        outcome = run_trial(program, TrialJob(0, {program.sites[0].key: 0.5}), {})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.state == "complete"
    assert peak < 4 * MAX_OUTPUT * 4 + 2_000_000  # never the 20 MB printed
    assert len(outcome.output) < MAX_OUTPUT + 200 and outcome.output.endswith("END\n")
    assert outcome.output.startswith("[hpmagic] ") and "not kept" in outcome.output.splitlines()[0]


def test_closing_a_study_lets_its_store_file_go(tmp_path):
    """A replaced study must not hold a connection (and its file handles) for the rest of the kernel."""
    import sqlite3

    from hpmagic.storage.store import StoreObserver

    study = create_study("x = tune.uniform(0, 1)\nx", {}, Options(store=str(tmp_path / "s.db"), max_evals=3))
    observer = next(o for o in study.observers if isinstance(o, StoreObserver))
    study.run().wait()
    study.close()
    with pytest.raises(sqlite3.ProgrammingError):
        observer.store.study(study.name)
    assert len(Store(str(tmp_path / "s.db")).trials(study.name)) == 3


def test_opening_a_current_store_to_read_does_not_wait_behind_a_writer(tmp_path):
    """Another kernel in the middle of a write (WAL lets readers go on): %tune_status opens the
    file and reads it at once instead of waiting for the writer's lock."""
    import time

    from hpmagic.core.trials import Trial

    path = str(tmp_path / "s.db")
    store = Store(path)
    store.save_study(
        "t", source="x", first_line=1, space=[], cell_space=[], direction=None, options={}, seed=0
    )
    store.add_trial("t", Trial(number=0, params={}, value=1.0, state="complete", duration=0))
    store.close()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a long write would
    writer.execute("INSERT INTO meta VALUES ('other', 'x')")
    try:
        started = time.monotonic()
        reader = Store(path)
        assert [t.value for t in reader.trials("t")] == [1.0]
        assert time.monotonic() - started < 1.0  # the busy timeout is far longer than this
        reader.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_which_search_proposed_each_trial_is_kept_in_the_file(tmp_path):
    """With --algo auto every trial says which search proposed it; a reopened study says the same."""
    path = str(tmp_path / "auto.db")
    cell = "x = tune.uniform(-5, 5)\ny = tune.uniform(-5, 5)\n(x - 1) ** 2 + (y + 2) ** 2"
    study = create_study(cell, {}, Options(store=path, name="auto", algo="auto", seed=0)).run(14).wait()
    proposed = {t.number: t.algo for t in study.trials}
    assert set(proposed.values()) <= {"gp", "tpe"} and "" not in proposed.values()
    store = Store(path)
    assert {t.number: t.algo for t in store.trials("auto")} == proposed
    store.close()
    again = create_study(cell, {}, Options(store=path, name="auto", algo="auto", seed=0))
    assert {t.number: t.algo for t in again.trials} == proposed
