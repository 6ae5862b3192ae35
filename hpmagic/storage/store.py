"""Every trial kept: studies and their trials in one SQLite file.

The store is an observer of a study (:class:`StoreObserver`): each ended trial is
committed in its own short transaction the moment it ends, so a killed kernel
loses nothing that had ended. The file is in WAL mode with a busy timeout, so
several studies and several kernels can write it at once. Everything is JSON
in TEXT columns; nothing is pickled. A ``meta`` table holds the schema version,
and :data:`MIGRATIONS` brings older files up to date.

When the file cannot be used (not a database, another program's database, a
read-only directory, a full disk) the study goes on in memory and says that it
is no longer being saved; rows already committed stay as they are.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 4
#: how long one attempt waits for another writer's lock; short, so a long lock is retried
BUSY_TIMEOUT_S = 0.5
#: how long a write keeps retrying a locked file (with backoff) before the study goes on in memory
LOCK_WAIT_S = 20.0
#: stored text of one trial is cut to this many characters (a bounded tail; see run.execution)
MAX_TEXT = 80_000
APP_ID = 0x68706D67  # "hpmg": marks the file as an hpmagic store


class StoreError(RuntimeError):
    """The store file cannot be used; the message says which file and why."""


def _schema_v1(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS studies (
            name TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            first_line INTEGER NOT NULL,
            space TEXT NOT NULL,        -- the current space (after refine)
            cell_space TEXT NOT NULL,   -- the space as the cell defines it
            direction TEXT,
            options TEXT NOT NULL,
            seed INTEGER,
            created REAL NOT NULL,
            updated REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS trials (
            study TEXT NOT NULL REFERENCES studies(name) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            params TEXT NOT NULL,
            raw TEXT NOT NULL,
            value REAL,
            state TEXT NOT NULL,
            duration REAL NOT NULL,
            error TEXT,
            output TEXT NOT NULL DEFAULT '',
            extras TEXT NOT NULL DEFAULT '{}',
            started REAL,
            ended REAL,
            reports TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (study, number)
        )"""
    )


def _schema_v2(db: sqlite3.Connection) -> None:
    """Choices as their option values, not indices; a column for NaN and infinite values.

    A v1 row's raw choice index points into the options the cell had when it ran,
    which later edits of the list may reorder; its params hold the option itself.
    """
    db.execute("ALTER TABLE trials ADD COLUMN value_text TEXT")
    spaces = {name: space for name, space in db.execute("SELECT name, cell_space FROM studies")}
    rows = db.execute("SELECT study, number, params, raw FROM trials").fetchall()
    for study, number, params, raw in rows:
        try:
            dims = {d["key"]: d for d in json.loads(spaces.get(study) or "[]")}
        except (TypeError, ValueError, KeyError):
            dims = {}
        portable = _v1_portable(json.loads(raw), json.loads(params), dims)
        db.execute(
            "UPDATE trials SET raw = ? WHERE study = ? AND number = ?", (_dumps(portable), study, number)
        )


def _v1_portable(raw: dict[str, Any], params: dict[str, Any], dims: dict[str, Any]) -> dict[str, Any]:
    """A v1 raw dict with each choice index replaced by the option it ran with."""
    labels = [d.get("label") for d in dims.values()]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        dim = dims.get(key)
        if dim is None or dim.get("kind") != "choice" or not isinstance(value, int):
            out[key] = value
            continue
        label, options = dim.get("label"), dim.get("options") or []
        if label in params and labels.count(label) == 1:
            out[key] = {OPTION: params[label]}  # what the trial really ran with
        elif 0 <= value < len(options):
            out[key] = {OPTION: options[value]}
        else:
            out[key] = {OPTION: None, LOST: True}
    return out


def _schema_v3(db: sqlite3.Connection) -> None:
    """Each objective's value, for studies of several objectives (JSON name → value, else NULL)."""
    db.execute("ALTER TABLE trials ADD COLUMN objective_values TEXT")


def _schema_v4(db: sqlite3.Connection) -> None:
    """With ``--algo auto``, which search proposed each trial ("gp" or "tpe"; NULL otherwise)."""
    db.execute("ALTER TABLE trials ADD COLUMN algo TEXT")


#: MIGRATIONS[v] brings a file at schema version v to v + 1 (version 0: a new file)
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _schema_v1,
    1: _schema_v2,
    2: _schema_v3,
    3: _schema_v4,
}


@dataclass
class StoredStudy:
    """A study's row: what the cell was and how it was run."""

    name: str
    source: str
    first_line: int
    space: list[dict[str, Any]]
    cell_space: list[dict[str, Any]]
    direction: str | None
    options: dict[str, Any]
    seed: int | None
    created: float
    updated: float
    n_trials: int = 0
    best_value: float | None = None


#: a stored choice value is {OPTION: the option's record}; LOST marks one no option matched
OPTION, LOST = "option", "lost"
FLOAT = "__float__"  # {"__float__": "nan"}: a NaN or infinite number inside JSON


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as {"__float__": ...}: JSON has no words for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return {FLOAT: repr(value)}
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _from_json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and FLOAT in value:
            return float(value[FLOAT])
        return {k: _from_json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json_safe(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(_json_safe(value), allow_nan=False, default=repr)


def _loads(text: str) -> Any:
    return _from_json_safe(json.loads(text))


def clean_text(text: str | None, limit: int = MAX_TEXT) -> str | None:
    """Text SQLite can hold: lone surrogates replaced, and at most ``limit`` characters (a tail)."""
    if text is None:
        return None
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if len(text) > limit:
        cut = len(text) - limit
        text = f"[hpmagic] {cut:,} earlier characters not kept\n" + text[cut:]
    return text


def _value_columns(value: float | None) -> tuple[float | None, str | None]:
    """The REAL column holds finite values (best-value queries use it), the text one the others."""
    if value is None:
        return None, None
    value = float(value)
    return (value, None) if math.isfinite(value) else (None, repr(value))


class Store:
    """One SQLite store file. Thread-safe: one connection behind a lock."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(os.path.expanduser(path))
        self._lock = threading.RLock()
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store directory {directory}: {exc.strerror or exc}"
            ) from None
        try:
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        try:
            self._retry(self._setup)
            self._inode = os.stat(self.path).st_ino
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise StoreError(f"{self.path} is not an hpmagic store (not a SQLite database)") from None
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise StoreError(f"cannot write the store {self.path}: {exc}") from None
            raise StoreError(f"cannot use the store {self.path}: {exc}") from None
        except StoreError:
            self._db.close()
            raise

    # -- opening -----------------------------------------------------------------
    def _setup(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        if tables and (app_id != APP_ID or "meta" not in tables):
            raise StoreError(
                f"{self.path} is a SQLite database of another program, not an hpmagic store; "
                "give --store another file"
            )
        if not tables:
            # a new file: WAL lets readers and writers of several kernels work at once
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def _current(self) -> bool:
        """Whether the file is an up-to-date store already: then opening it writes nothing, and
        a reader never waits behind another kernel's write."""
        db = self._db
        if db.execute("PRAGMA application_id").fetchone()[0] != APP_ID:
            return False
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            return False
        return row is not None and int(row[0]) == SCHEMA_VERSION

    def _migrate(self) -> None:
        if self._current():
            return
        with self._transaction() as db:
            db.execute(f"PRAGMA application_id = {APP_ID}")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer hpmagic (schema {version}, this one reads "
                    f"up to {SCHEMA_VERSION}); upgrade hpmagic"
                )
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](db)
                version += 1
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),)
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    def _retry(self, write: Callable[[], Any]) -> Any:
        """``write()``, tried again with backoff while another connection holds the file locked.

        Each attempt waits only :data:`BUSY_TIMEOUT_S`; all of them together at most
        :data:`LOCK_WAIT_S`. The store's lock is held throughout, so writes stay in order.
        """
        deadline = time.monotonic() + LOCK_WAIT_S
        pause = 0.02
        with self._lock:
            while True:
                try:
                    return write()
                except sqlite3.OperationalError as exc:
                    if not _is_locked(exc) or time.monotonic() + pause > deadline:
                        raise
                time.sleep(pause)  # backoff between attempts at a busy file, not a synchronisation
                pause = min(pause * 2, 1.0)

    @property
    def schema_version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def still_there(self) -> bool:
        """Whether the file this store opened is still at its path (not deleted or replaced)."""
        try:
            return os.stat(self.path).st_ino == self._inode
        except OSError:
            return False

    # -- writing -----------------------------------------------------------------
    def save_study(
        self,
        name: str,
        *,
        source: str,
        first_line: int,
        space: list[dict[str, Any]],
        cell_space: list[dict[str, Any]],
        direction: str | None,
        options: dict[str, Any],
        seed: int | None,
    ) -> None:
        """Create or update a study's row (its trials are untouched)."""
        now = time.time()
        self._retry(
            lambda: self._save_study(
                name,
                (source, first_line, _dumps(space), _dumps(cell_space), direction, _dumps(options), seed),
                now,
            )
        )

    def _save_study(self, name: str, row: tuple[Any, ...], now: float) -> None:
        with self._transaction() as db:
            db.execute(
                """INSERT INTO studies (name, source, first_line, space, cell_space, direction,
                       options, seed, created, updated)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET source = excluded.source,
                       first_line = excluded.first_line, space = excluded.space,
                       cell_space = excluded.cell_space,
                       direction = COALESCE(excluded.direction, studies.direction),
                       options = excluded.options, seed = excluded.seed, updated = excluded.updated""",
                (name, *row, now, now),
            )

    def add_trial(self, name: str, trial: Any, direction: str | None = None, space: Any = None) -> int:
        """Commit one ended trial; returns the number it is stored under.

        ``space`` (the study's) turns raw choice indices into the options they stand
        for, so later edits of an option list cannot change what a stored trial ran.
        Two kernels running the same study may pick the same number: the later one
        is then stored under the next free number, so neither is lost.
        """
        return self._retry(lambda: self._add_trial(name, trial, direction, space))

    def _add_trial(self, name: str, trial: Any, direction: str | None, space: Any) -> int:
        with self._transaction() as db:
            number = self._insert(db, name, trial, space)
            if direction is not None:
                db.execute("UPDATE studies SET direction = ? WHERE name = ?", (direction, name))
            return number

    def add_trials(self, name: str, trials: Iterable[Any], space: Any = None) -> None:
        """Commit many trials in one transaction (imports, benchmarks)."""
        trials = list(trials)

        def write() -> None:
            with self._transaction() as db:
                for trial in trials:
                    self._insert(db, name, trial, space)

        self._retry(write)

    def _insert(self, db: sqlite3.Connection, name: str, trial: Any, space: Any) -> int:
        number = trial.number
        taken = db.execute("SELECT 1 FROM trials WHERE study = ? AND number = ?", (name, number)).fetchone()
        if taken:
            number = db.execute(
                "SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study = ?", (name,)
            ).fetchone()[0]
        value, value_text = _value_columns(trial.value)
        db.execute(
            """INSERT INTO trials (study, number, params, raw, value, state, duration, error, output,
                   extras, started, ended, reports, value_text, objective_values, algo)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                name,
                number,
                _dumps(trial.params),
                _dumps(portable_raw(trial.raw, space)),
                value,
                str(trial.state),
                float(trial.duration),
                clean_text(trial.error),
                clean_text(trial.output or ""),
                _dumps(trial.extras or {}),
                trial.started,
                trial.ended,
                _dumps([list(r) for r in trial.reports]),
                value_text,
                _dumps(trial.values) if getattr(trial, "values", None) else None,
                getattr(trial, "algo", "") or None,
            ),
        )
        db.execute("UPDATE studies SET updated = ? WHERE name = ?", (time.time(), name))
        return number

    def set_direction(self, name: str, direction: str) -> None:
        def write() -> None:
            with self._transaction() as db:
                db.execute("UPDATE studies SET direction = ? WHERE name = ?", (direction, name))

        self._retry(write)

    def delete_study(self, name: str) -> None:
        def write() -> None:
            with self._transaction() as db:
                db.execute("DELETE FROM trials WHERE study = ?", (name,))
                db.execute("DELETE FROM studies WHERE name = ?", (name,))

        self._retry(write)

    # -- reading -----------------------------------------------------------------
    def study(self, name: str) -> StoredStudy | None:
        """A study's row, or ``None`` when the store has no study of that name."""
        rows = self._studies("WHERE s.name = ?", (name,))
        return rows[0] if rows else None

    def studies(self) -> list[StoredStudy]:
        """Every stored study, most recently updated first."""
        return self._studies("", ())

    def _studies(self, where: str, args: tuple[Any, ...]) -> list[StoredStudy]:
        with self._lock:
            rows = self._db.execute(
                f"""SELECT s.name, s.source, s.first_line, s.space, s.cell_space, s.direction,
                        s.options, s.seed, s.created, s.updated,
                        (SELECT COUNT(*) FROM trials t WHERE t.study = s.name),
                        (SELECT CASE WHEN s.direction = 'maximize' THEN MAX(t.value) ELSE MIN(t.value) END
                           FROM trials t WHERE t.study = s.name AND t.state = 'complete'
                             AND json_extract(t.extras, '$.feasible') IS NOT 0)
                    FROM studies s {where} ORDER BY s.updated DESC""",
                args,
            ).fetchall()
        return [
            StoredStudy(
                name=r[0],
                source=r[1],
                first_line=r[2],
                space=json.loads(r[3]),
                cell_space=json.loads(r[4]),
                direction=r[5],
                options=json.loads(r[6]),
                seed=r[7],
                created=r[8],
                updated=r[9],
                n_trials=r[10],
                best_value=r[11],
            )
            for r in rows
        ]

    def trials(self, name: str, space: Any = None) -> list[Any]:
        """The study's trials as :class:`~hpmagic.study.Trial` objects, by number.

        Raw choice values become indices into ``space``'s options (by default the
        study's stored cell space); a choice whose option is no longer there keeps
        its ``{"option": ...}`` record, so :func:`fits` leaves that trial out of searches.
        """
        from ..core.trials import Trial

        with self._lock:
            if space is None:
                stored = self.study(name)
                space = _space_or_none(stored.cell_space) if stored is not None else None
            rows = self._db.execute(
                """SELECT number, params, raw, value, state, duration, error, output, extras,
                          started, ended, reports, value_text, objective_values, algo
                   FROM trials WHERE study = ? ORDER BY number""",
                (name,),
            ).fetchall()
        return [
            Trial(
                number=r[0],
                params=_loads(r[1]),
                value=float(r[12]) if r[12] else r[3],
                state=r[4],
                duration=r[5],
                error=r[6],
                raw=local_raw(_loads(r[2]), space),
                extras=_loads(r[8]),
                output=r[7],
                reports=[(int(s), float(v)) for s, v in _loads(r[11])],
                started=r[9] or 0.0,
                ended=r[10] or 0.0,
                values=_loads(r[13]) if r[13] else {},
                algo=r[14] or "",
            )
            for r in rows
        ]

    def max_number(self, name: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(number) FROM trials WHERE study = ?", (name,)).fetchone()
        return -1 if row[0] is None else int(row[0])


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` under the store's lock; rolls back on error.

    IMMEDIATE takes the write lock at the start, so a busy file makes SQLite wait
    (busy timeout) instead of failing halfway through.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self.store._lock.acquire()
        try:
            self.store._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.store._lock.release()
            raise
        return self.store._db

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        db = self.store._db
        try:
            if kind is None:
                db.execute("COMMIT")
            elif db.in_transaction:
                db.execute("ROLLBACK")
        except sqlite3.Error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            self.store._lock.release()


# -- the observer ------------------------------------------------------------------
class StoreObserver:
    """Keeps a study in a :class:`Store`: each ended trial is committed at once.

    A locked file is retried (see :meth:`Store._retry`); a write that still fails
    (full disk, file gone read-only, locked for too long) turns saving off for this
    study and puts a note on it; the run goes on in memory.
    """

    def __init__(self, store: Store, cell_space: Any) -> None:
        self.store = store
        self.cell_space = cell_space  # the space as the cell defines it (before any refine)
        self.saving = True
        self._lock = threading.Lock()

    def save(self, study: Any) -> None:
        """Write the study's row (cell, spaces, options)."""
        self._guard(study, lambda: self.store.save_study(study.name, **study_row(study, self.cell_space)))

    def trial_ended(self, study: Any, trial: Any) -> None:
        direction = study.direction if trial.state == "complete" else None
        space = study.search_space
        if self.saving and not self.store.still_there():
            return self._write_again(study)
        self._guard(study, lambda: self.store.add_trial(study.name, trial, direction, space))

    def _write_again(self, study: Any) -> None:
        """The file was deleted while the study ran (its writes went to a file no one sees):
        make it again with the study and every trial, and say so."""
        trials = study.trials
        with self._lock:
            self.store.close()
            self.store = Store(self.store.path)
        self.save(study)
        self._guard(study, lambda: self.store.add_trials(study.name, trials, study.search_space))
        study.note(
            f"the store {self.store.path} was deleted while the study ran: "
            f"written again with its {len(trials)} trials"
        )

    def space_changed(self, study: Any) -> None:
        self.save(study)

    def run_ended(self, study: Any) -> None:
        self.save(study)

    def study_closed(self, study: Any) -> None:
        """The study is done with (its cell was run again, or ``close()``): let the file go."""
        with self._lock:
            self.saving = False
            self.store.close()

    def _guard(self, study: Any, write: Callable[[], Any]) -> None:
        with self._lock:
            if not self.saving:
                return
            try:
                write()
            except Exception as exc:  # noqa: BLE001 - any failed write is said, never only logged
                self.saving = False
                note(
                    study,
                    f"the store {self.store.path} failed ({_reason(exc)}): from now on this study is "
                    "kept in memory only, not saved; trials saved before are kept",
                )


def _is_locked(exc: BaseException) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "full" in text:
        return "disk full"
    if _is_locked(exc):
        return f"{text} for more than {LOCK_WAIT_S:g}s"
    return text or type(exc).__name__


def note(study: Any, text: str) -> None:
    """Put a one-line note on the study (its summary, dashboard and %tune_status show it), once."""
    if callable(getattr(study, "note", None)):
        study.note(text, once="store failed")
        return
    notes = getattr(study, "notes", None)
    if notes is not None and text not in notes:
        notes.append(text)


def study_row(study: Any, cell_space: Any) -> dict[str, Any]:
    """What the studies table keeps of a live study."""
    complete = any(t.state == "complete" for t in study.trials)
    return {
        "source": study.program.source,
        "first_line": study.program.first_line,
        "space": study.search_space.to_json(),
        "cell_space": cell_space.to_json(),
        "direction": study.direction if complete or study.options.direction else None,
        "options": study.options.to_json(),
        "seed": study.seed,
    }


# -- choices as option values ------------------------------------------------------
def portable_raw(raw: Any, space: Any) -> dict[str, Any]:
    """``raw`` with each choice index replaced by {"option": the option's record}.

    An index only means something next to the option list it points into; the
    record stays right however the list is edited later.
    """
    out: dict[str, Any] = {}
    for key, value in dict(raw).items():
        dim = space.by_key.get(key) if space is not None else None
        if dim is not None and dim.is_choice and isinstance(value, int) and 0 <= value < len(dim.options):
            value = {OPTION: dim.options[value]}
        out[key] = value
    return out


def local_raw(raw: dict[str, Any], space: Any) -> dict[str, Any]:
    """Stored raw params as raw params of ``space``: option records become indices there.

    A record with no equal option in ``space`` stays a record (the trial then does
    not :func:`fit`); a bare int is a choice index written without a space.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and OPTION in value:
            dim = space.by_key.get(key) if space is not None else None
            index = _option_index(dim, value) if dim is not None and dim.is_choice else None
            value = value if index is None else index
        out[key] = value
    return out


def _option_index(dim: Any, stored: dict[str, Any]) -> int | None:
    if stored.get(LOST):
        return None
    record = stored[OPTION]
    from ..core.space import same_option

    for i, option in enumerate(dim.options):
        if same_option(option, record):
            return i
    return None


def _lost(trial: Any) -> bool:
    """Whether an option the trial ran with is not among the space's options."""
    return any(isinstance(v, dict) for v in trial.raw.values())


def fits(trial: Any, space: Any) -> bool:
    """Whether a stored trial is a point of ``space`` (every option it ran with still there)."""
    raw = trial.raw
    if _lost(trial):
        return False
    try:
        return bool(space.contains(raw))
    except (TypeError, KeyError, IndexError):
        return False


def fitting(trials: list[Any], space: Any) -> tuple[list[Any], int]:
    """The stored trials (read against ``space``) that are its points, and how many are not."""
    kept = [t for t in trials if fits(t, space)]
    return kept, len(trials) - len(kept)


def open_store(path: str) -> Store:
    """Open (or create) the store at ``path``; raises :class:`StoreError` with a clear message."""
    return Store(path)


def open_reader(path: str) -> Store | None:
    """The store at ``path`` for reading only: ``None`` for an empty file, which a reader
    must leave as it found it (opening would make it a store)."""
    if os.path.getsize(os.path.expanduser(path)) == 0:
        return None
    return Store(path)


@dataclass
class Continued:
    """What the store holds for a study about to run: the store to keep writing to (``None``
    when it cannot be used), the earlier trials that fit the cell's space, and notes."""

    store: Store | None
    history: list[Any]
    first_number: int = 0
    direction: str | None = None  # the stored direction, when complete trials are ranked by it
    objectives: str | None = None  # the stored --objectives, when complete trials are ranked by them
    notes: list[str] = field(default_factory=list)


def continued(path: str, name: str, space: Any) -> Continued:
    """The store at ``path`` and study ``name``'s earlier trials, seen from ``space``.

    Earlier trials become the new study's history (shown, counted, and the search is
    warm-started from those that fit); new trials are numbered after the stored ones.
    A store that cannot be used gives an empty history and a note, never an error.
    """
    found = Continued(store=None, history=[])
    store: Store | None = None
    try:
        store = open_store(path)
        stored = store.study(name)
        if stored is not None:
            trials = store.trials(name, space)
            found.first_number = store.max_number(name) + 1
            old_space = _space_or_none(stored.cell_space)
            if old_space is not None and old_space.signature() == space.signature():
                found.history = [t for t in trials if not _lost(t)]  # refined-away points stay, as in memory
            else:
                found.history = fitting(trials, space)[0]
            left_out = len(trials) - len(found.history)
            if left_out or old_space is None or old_space.signature() != space.signature():
                found.notes.append(
                    f"continues study '{name}' from {len(trials)} earlier trials; the cell's space changed "
                    f"since it last ran: {len(found.history)} of them fit it and are reused"
                    + (f" ({left_out} left out, still in the store)" if left_out else "")
                )
            elif trials:
                found.notes.append(
                    f"continues study '{name}': {len(trials)} earlier trials loaded from the store"
                )
            if any(t.state == "complete" for t in trials):
                found.direction = stored.direction  # it ranks those trials
                found.objectives = stored.options.get("objectives") or ""  # "": one objective
    except (StoreError, sqlite3.Error, OSError) as exc:
        if store is not None:
            store.close()
        store = None
        found = Continued(
            store=None, history=[], notes=[f"{exc}: this study is kept in memory only, not saved"]
        )
    found.store = store
    return found


def _space_or_none(data: Any) -> Any:
    """A stored space, or ``None`` when it cannot be read back (written by another version)."""
    from ..core.space import Space

    try:
        return Space.from_json(data)
    except (TypeError, KeyError, ValueError):
        return None


def load_stored(path: str, name: str) -> tuple[StoredStudy, list[Any]]:
    """A stored study and its trials; :class:`StoreError` when the store or the study is missing."""
    path = os.path.expanduser(path)
    if not os.path.exists(path):
        raise StoreError(f"no store at {path}")
    store = open_reader(path)
    if store is None:
        raise StoreError(f"no study named {name!r} in {path}: the file is empty")
    try:
        stored = store.study(name)
        if stored is None:
            known = ", ".join(s.name for s in store.studies()) or "none"
            raise StoreError(f"no study named {name!r} in {path}; stored studies: {known}")
        return stored, store.trials(name)
    finally:
        store.close()


def store_paths(studies: Iterable[Any] = ()) -> list[str]:
    """The default store and the stores the given studies use, without repeats."""
    from ..core.options import DEFAULT_STORE

    paths: list[str] = []
    for path in [DEFAULT_STORE, *(s.options.store for s in studies if s.options.store)]:
        path = os.path.abspath(os.path.expanduser(path))
        if path not in paths:
            paths.append(path)
    return paths


def describe(stored: StoredStudy) -> str:
    """One line about a stored study."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(stored.updated))
    best = f"best {stored.best_value:.6g}" if stored.best_value is not None else "no complete trial"
    way = stored.direction or "minimize"
    objectives = stored.options.get("objectives")
    if objectives:  # several: the best of the first one, and which they are
        if stored.best_value is not None:
            best = f"best {objectives.split(':', 1)[0]} {stored.best_value:.6g}"
        way = "objectives " + objectives.replace(",", ", ")
    return f"{stored.name}: {stored.n_trials} trials, {best} ({way}), updated {when}"


def stored_lines(paths: Iterable[str], skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """One line per stored study in the existing stores among ``paths``."""
    lines: list[str] = []
    for path in paths:
        if not os.path.exists(path):
            continue
        try:
            store = open_reader(path)
        except StoreError as exc:
            lines.append(f"store {path}: {exc}")
            continue
        if store is None:
            continue
        try:
            for stored in store.studies():
                if stored.name not in skip:
                    lines.append(f"stored in {os.path.relpath(path)}: {describe(stored)}")
        finally:
            store.close()
    return lines


def find_stored(name: str, stores: Iterable[str]) -> tuple[StoredStudy, list[Any]]:
    """Study ``name`` and its trials from the first store among ``stores`` that has it."""
    errors: list[str] = []
    for store_path in stores:
        try:
            return load_stored(store_path, name)
        except StoreError as exc:
            errors.append(str(exc))
    raise StoreError("; ".join(errors) or f"no study named {name!r}")


def export_stored(name: str, path: str, stores: Iterable[str]) -> str:
    """Write the export of study ``name`` from the first store among ``stores`` that has it."""
    from ..core.space import Space
    from .export import best_of, summary, write

    stored, trials = find_stored(name, stores)
    space = Space.from_json(stored.space).describe()
    direction = stored.direction or "minimize"
    extra = {"seed": stored.seed, "algo": stored.options.get("algo")}
    objectives = stored.options.get("objectives") or None
    kept = [t for t in trials if not _lost(t)]
    best = None if objectives else best_of(kept, direction)
    data = summary(name, direction, trials, space, extra, best=best, objectives=objectives)
    return write(data, path)


def stored_code(name: str, stores: Iterable[str], ranges: bool = False, trial: int | None = None) -> str:
    """``study.code()`` / ``code(ranges=True)`` / ``code(trial=N)`` for a study found only in a store."""
    from ..core.codegen import CodegenError, code_with_values, magic_line, ranges_code
    from ..core.objectives import pareto_front, parse_objectives
    from ..core.options import Options
    from ..core.program import parse
    from ..core.space import Space
    from ..core.trials import no_best
    from .export import best_of

    stored, trials = find_stored(name, stores)
    program = parse(stored.source, first_line=stored.first_line)
    space = Space.from_json(stored.space)
    if ranges:
        known = set(Options.__dataclass_fields__)
        options = Options(**{k: v for k, v in stored.options.items() if k in known})
        body = ranges_code(program, space, Space.from_json(stored.cell_space))
        return magic_line(options, name, stored.direction) + "\n" + body
    if trial is not None:
        chosen = [t for t in trials if t.number == trial]
        if not chosen:
            raise CodegenError(f"study '{name}' has no ended trial number {trial}")
        if _lost(chosen[0]):
            raise CodegenError(f"trial {trial} of study '{name}' ran with an option the cell no longer has")
        return code_with_values(program, space, chosen[0].raw)
    # a trial whose option left the cell cannot be written back into it
    kept = [t for t in trials if not _lost(t)]
    objectives = stored.options.get("objectives")
    if objectives:
        front = pareto_front(kept, parse_objectives(objectives))
        best = front[0] if front else None
    else:
        best = best_of(kept, stored.direction or "minimize")
    if best is None:
        raise CodegenError(f"study '{name}' has {no_best(kept)}: there is no best value to write")
    return code_with_values(program, space, best.raw)
