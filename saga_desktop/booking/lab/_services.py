"""The lab's participant services on SQLite: seats, loyalty points, payments, bookings.

Each service has its own database; no transaction spans two. Every record a
saga may read and change has a version and a semantic-lock mark; every
operation has an idempotency key (correlation id + step) in the service's
journal, and every read, write, undo, refusal and wait is written to the
service's ``history`` with the world's tick, in the transaction of the change
it describes. The anomaly detector reads nothing else.

The countermeasures that live in the participants live here, each in one
branch: ``semantic_lock`` (``_LabService._await``), ``reread_value``,
``commutative_updates`` and ``version_file`` (:meth:`CounterService._write`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from saga_desktop.engine import StepError, TransientStepError

__all__ = [
    "LOCK_PATIENCE",
    "Caller",
    "CounterService",
    "HistoryRow",
]

#: Turns a saga waits for another saga's semantic lock before it gives up.
LOCK_PATIENCE = 60

_HISTORY = """
CREATE TABLE history (
    tick    INTEGER PRIMARY KEY,
    record  TEXT NOT NULL,
    event   TEXT NOT NULL,
    saga    TEXT NOT NULL,
    step    TEXT NOT NULL,
    before  TEXT,
    after   TEXT,
    version INTEGER,
    note    TEXT NOT NULL DEFAULT ''
);
"""


@dataclasses.dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a participant, and how it behaves.

    Attributes
    ----------
    saga
        The saga's label in the lab ("A").
    key
        The idempotency key (correlation id + step).
    step
        The step's name.
    measures
        The countermeasures this saga uses (``by_value`` already resolved).
    pause
        Gives the turn to the scheduler (the window between a read and a write).
    guard
        Raises :class:`StepError` when a record the saga checked earlier has
        changed (``reread_value``); called right before a write.
    """

    saga: str
    key: str
    step: str
    measures: frozenset[str]
    pause: Callable[[], None]
    guard: Callable[[], None]


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of a service's history (see the module docstring)."""

    tick: int
    service: str
    record: str
    event: str
    saga: str
    step: str
    before: Any
    after: Any
    version: int | None
    note: str


class _LabService:
    """A database of records with versions, semantic locks, a journal and a history."""

    NAME = ""
    TABLE = ""
    SCHEMA = ""
    #: The state a semantic lock puts a record in.
    PENDING = ""

    def __init__(self, path: Path, ticks: Iterator[int], waits: dict[str, str]) -> None:
        self.path = path
        self._ticks = ticks
        # Saga → the saga whose lock it waits for, shared by the world's services.
        self._waits = waits
        # One saga thread runs at a time (the scheduler), but the GUI's worker and a
        # saga thread may both read: the lock keeps the connection to one at a time.
        self._mutex = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # A scratch world: losing it in a power cut loses nothing.
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA journal_mode = MEMORY")
        if not self._db.execute("SELECT name FROM sqlite_master").fetchall():
            self._db.executescript(_HISTORY + self.SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextlib.contextmanager
    def _txn(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _to_undo(
        db: sqlite3.Connection, caller: Caller, blank: object
    ) -> tuple[Any, ...] | dict[str, Any]:
        """The journal row of ``caller.key``'s operation, to undo; or the undo's answer.

        An operation that never arrived gets a tombstone (``blank`` as its change, so
        a late arrival does nothing): ``{"undone": False}``; one already undone:
        ``{"undone": True}``.
        """
        done: tuple[Any, ...] | None = db.execute(
            "SELECT * FROM journal WHERE key = ?", (caller.key,)
        ).fetchone()
        if done is None:
            db.execute(
                "INSERT INTO journal VALUES (?, ?, ?, '', ?, 1)",
                (caller.key, caller.saga, caller.step, blank),
            )
            return {"undone": False}
        if done[5]:
            return {"undone": True}
        return done

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with self._mutex:
            row: tuple[Any, ...] | None = self._db.execute(sql, params).fetchone()
            return row

    def _log(
        self,
        db: sqlite3.Connection,
        record: str,
        event: str,
        caller: Caller | None,
        before: Any = None,
        after: Any = None,
        version: int | None = None,
        note: str = "",
    ) -> None:
        saga, step = (caller.saga, caller.step) if caller else ("", "")
        db.execute(
            "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                next(self._ticks),
                record,
                event,
                saga,
                step,
                json.dumps(before),
                json.dumps(after),
                version,
                note,
            ),
        )

    def history(self) -> list[HistoryRow]:
        """Every line of the history, oldest first."""
        with self._mutex:
            rows = self._db.execute("SELECT * FROM history ORDER BY tick").fetchall()
        return [
            HistoryRow(t, self.NAME, r, e, s, st, json.loads(b), json.loads(a), v, n)
            for t, r, e, s, st, b, a, v, n in rows
        ]

    def _journal(self, key: str) -> tuple[Any, ...] | None:
        return self._one("SELECT * FROM journal WHERE key = ?", (key,))

    def _await(self, caller: Caller, record: str) -> None:
        """Wait while another saga holds ``record``'s semantic lock; take it if asked."""
        for polls in itertools.count():
            row = self._one(
                f"SELECT lock_saga, lock_state FROM {self.TABLE} WHERE record = ?", (record,)
            )
            holder, state = row if row else (None, None)
            if holder is None or holder == caller.saga:
                break
            self._waits[caller.saga] = holder
            if polls >= LOCK_PATIENCE or self._victim(caller.saga):
                del self._waits[caller.saga]
                with self._txn() as db:
                    self._log(db, record, "refuse", caller, note=f"gave up waiting for {holder}")
                raise StepError(
                    f"{record} is {state} for saga {holder}; saga {caller.saga} "
                    f"gave up after waiting {polls} turns"
                )
            if polls == 0:
                with self._txn() as db:
                    self._log(db, record, "wait", caller, note=f"{state} for saga {holder}")
            caller.pause()
        self._waits.pop(caller.saga, None)
        if "semantic_lock" in caller.measures and row is not None and holder is None:
            with self._txn() as db:
                db.execute(
                    f"UPDATE {self.TABLE} SET lock_saga = ?, lock_state = ? WHERE record = ?",
                    (caller.saga, self.PENDING, record),
                )
                self._log(db, record, "lock", caller, after=self.PENDING)

    def _victim(self, saga: str) -> bool:
        """True when ``saga`` waits in a cycle of waits and is its youngest (a deadlock).

        The youngest saga (the last label) gives up, so exactly one does.
        """
        cycle, current = [saga], self._waits.get(saga)
        while current is not None and current not in cycle:
            cycle.append(current)
            current = self._waits.get(current)
        return current == saga and max(cycle) == saga

    def undo(self, caller: Caller) -> dict[str, Any]:
        """Undo the operation of ``caller.key`` (a tombstone if it never arrived)."""
        raise NotImplementedError

    def release(self, saga: str) -> None:
        """Remove every semantic lock ``saga`` holds (it has ended)."""
        with self._txn() as db:
            held = db.execute(
                f"SELECT record FROM {self.TABLE} WHERE lock_saga = ?", (saga,)
            ).fetchall()
            db.execute(
                f"UPDATE {self.TABLE} SET lock_saga = NULL, lock_state = NULL WHERE lock_saga = ?",
                (saga,),
            )
            for (record,) in held:
                self._log(db, record, "unlock", None, note=f"saga {saga} ended")

    def version_of(self, record: str) -> int | None:
        """The record's version (None if it does not exist)."""
        row = self._one(f"SELECT version FROM {self.TABLE} WHERE record = ?", (record,))
        return int(row[0]) if row else None


class CounterService(_LabService):
    """Counters (free seats per flight, points per user) taken from and given back."""

    TABLE = "counters"
    SCHEMA = """
    CREATE TABLE counters (
        record TEXT PRIMARY KEY, opening REAL NOT NULL, seeded REAL NOT NULL,
        value REAL NOT NULL, version INTEGER NOT NULL DEFAULT 0,
        lock_saga TEXT, lock_state TEXT
    );
    CREATE TABLE journal (
        key TEXT PRIMARY KEY, saga TEXT, step TEXT, record TEXT, delta REAL, undone INTEGER
    );
    CREATE TABLE versions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT, saga TEXT, step TEXT, delta REAL
    );
    """

    def __init__(
        self, path: Path, ticks: Iterator[int], waits: dict[str, str], name: str, noun: str
    ) -> None:
        super().__init__(path, ticks, waits)
        self.NAME, self.noun = name, noun
        self.PENDING = "SEAT_PENDING" if name == "seats" else "POINTS_PENDING"

    def seed(self, record: str, opening: float, value: float) -> None:
        """Add a counter with its opening figure and its value now."""
        with self._txn() as db:
            db.execute(
                "INSERT INTO counters (record, opening, seeded, value) VALUES (?, ?, ?, ?)",
                (record, opening, value, value),
            )

    def change(self, caller: Caller, record: str, delta: float) -> dict[str, Any]:
        """Add ``delta`` to the counter (negative: take); refused below zero.

        The read and the write are two transactions with a pause between them:
        the window in which another saga can interleave.
        """
        done = self._journal(caller.key)
        if done is not None:
            if done[5]:
                raise StepError(f"{caller.step} arrived after its compensation: refused")
            return {"record": record, "delta": delta}
        if self._one("SELECT 1 FROM counters WHERE record = ?", (record,)) is None:
            raise StepError(f"there is no {record}")
        self._await(caller, record)
        value, version = self._read(caller, record)
        self._refuse_short(caller, record, value, delta)
        caller.pause()
        self._await(caller, record)
        return self._write(caller, record, delta, value, version)

    def _read(self, caller: Caller, record: str) -> tuple[float, int]:
        with self._txn() as db:
            value, version = db.execute(
                "SELECT value, version FROM counters WHERE record = ?", (record,)
            ).fetchone()
            self._log(db, record, "read", caller, after=value, version=version)
        return float(value), int(version)

    def _refuse_short(self, caller: Caller, record: str, value: float, delta: float) -> None:
        if value + delta >= 0:
            return
        with self._txn() as db:
            self._log(db, record, "refuse", caller, after=value, note=f"needs {-delta:g}")
        raise StepError(f"only {value:g} {self.noun} left on {record}, {-delta:g} needed")

    def _reread(self, caller: Caller, record: str, read: float, read_version: int) -> None:
        """Refuse for a retry (a fresh read) when the counter changed since it was read."""
        with self._txn() as db:
            current, version = db.execute(
                "SELECT value, version FROM counters WHERE record = ?", (record,)
            ).fetchone()
            if version == read_version:
                return
            self._log(
                db,
                record,
                "reread",
                caller,
                before=read,
                after=current,
                version=version,
                note="changed since read: tried again",
            )
        raise TransientStepError(f"{record} changed since it was read")

    def _write(
        self, caller: Caller, record: str, delta: float, read: float, read_version: int
    ) -> dict[str, Any]:
        measures = caller.measures
        if "reread_value" in measures:
            self._reread(caller, record, read, read_version)
        caller.guard()
        with self._txn() as db:
            current, version, seeded = db.execute(
                "SELECT value, version, seeded FROM counters WHERE record = ?", (record,)
            ).fetchone()
            if "commutative_updates" in measures:
                new = current + delta
            elif "version_file" in measures:
                # The value follows from the file of operations, this one included.
                (filed,) = db.execute(
                    "SELECT COALESCE(SUM(delta), 0) FROM versions WHERE record = ?", (record,)
                ).fetchone()
                new = seeded + filed + delta
            else:
                # Written back from the value read before the pause: the lost update.
                new = read + delta
            if new < 0:
                self._log(db, record, "refuse", caller, after=current, note=f"needs {-delta:g}")
                refused = StepError(f"only {current:g} {self.noun} left on {record}")
            else:
                refused = None
                if "version_file" in measures:
                    db.execute(
                        "INSERT INTO versions (record, saga, step, delta) VALUES (?, ?, ?, ?)",
                        (record, caller.saga, caller.step, delta),
                    )
                db.execute(
                    "UPDATE counters SET value = ?, version = version + 1 WHERE record = ?",
                    (new, record),
                )
                db.execute(
                    "INSERT INTO journal VALUES (?, ?, ?, ?, ?, 0)",
                    (caller.key, caller.saga, caller.step, record, delta),
                )
                self._log(
                    db, record, "write", caller, before=current, after=new, version=version + 1
                )
        if refused is not None:
            raise refused
        return {"record": record, "delta": delta, "value": new}

    def undo(self, caller: Caller) -> dict[str, Any]:
        """Undo the operation of ``caller.key`` (a tombstone if it never arrived).

        An undo is one statement (an increment) and waits for no lock: the lessons'
        windows are in the actions, and a compensation must always go through.
        """
        with self._txn() as db:
            done = self._to_undo(db, caller, 0)
            if isinstance(done, dict):
                return done
            record, delta = done[3], done[4]
            current, version = db.execute(
                "SELECT value, version FROM counters WHERE record = ?", (record,)
            ).fetchone()
            if "version_file" in caller.measures:
                db.execute(
                    "INSERT INTO versions (record, saga, step, delta) VALUES (?, ?, ?, ?)",
                    (record, caller.saga, caller.step, -delta),
                )
            db.execute(
                "UPDATE counters SET value = value - ?, version = version + 1 WHERE record = ?",
                (delta, record),
            )
            db.execute("UPDATE journal SET undone = 1 WHERE key = ?", (caller.key,))
            self._log(
                db,
                record,
                "undo",
                caller,
                before=current,
                after=current - delta,
                version=version + 1,
            )
        return {"undone": True}

    def counters(self) -> dict[str, dict[str, Any]]:
        """Record → opening, seeded, value, version, lock and what its journal implies."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT c.record, c.opening, c.seeded, c.value, c.version, c.lock_saga, "
                "c.lock_state, COALESCE((SELECT SUM(delta) FROM journal j "
                "WHERE j.record = c.record AND undone = 0), 0) FROM counters c ORDER BY record"
            ).fetchall()
        return {
            r: {
                "opening": o,
                "seeded": s,
                "value": v,
                "version": ver,
                "lock": lock,
                "lock_state": state,
                "journal": s + j,
            }
            for r, o, s, v, ver, lock, state, j in rows
        }

    def undone_keys(self) -> set[tuple[str, str]]:
        """``(saga, step)`` of every action that was later undone."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT saga, step FROM journal WHERE undone = 1 AND record != ''"
            ).fetchall()
        return {(s, st) for s, st in rows}
