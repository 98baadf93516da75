"""The durable saga log: an SQLite event store that survives a killed process.

The log is written ahead of what the orchestrator does, so the store always
knows which sagas were interrupted and which compensations wait in the
dead-letter queue. How far ahead depends on who watches (see
:class:`SagaOrchestrator`): while a listener watches, every event is committed
before anything acts on it, so the log also tells which steps began; while
nobody does, a saga's start is committed before its first participant call and
the rest when it ends, so an interrupted saga's log holds its start alone and
recovery undoes every step.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

from saga_desktop.engine._events import (
    CompensationSucceeded,
    DeadLettered,
    DeadLetterResolved,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    event_from_dict,
    event_to_json,
)
from saga_desktop.engine._exceptions import EventStoreError
from saga_desktop.engine._sqlite import connect_checked, use_wal

__all__ = ["SCHEMA_VERSION", "DeadLetter", "SagaSummary", "SqliteEventStore"]

#: The version of the store's tables this code reads and writes.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    correlation_id TEXT NOT NULL,
    type           TEXT NOT NULL,
    at             REAL NOT NULL,
    data           TEXT NOT NULL          -- the whole event, JSON
);
CREATE INDEX IF NOT EXISTS events_by_saga ON events(correlation_id, seq);
CREATE TABLE IF NOT EXISTS sagas (
    correlation_id TEXT PRIMARY KEY,
    saga_name      TEXT NOT NULL,
    status         TEXT NOT NULL,         -- a SagaOutcome value
    started_at     REAL NOT NULL,
    ended_at       REAL,
    failed_step    TEXT
);
CREATE INDEX IF NOT EXISTS sagas_by_status ON sagas(status);
CREATE TABLE IF NOT EXISTS dead_letters (
    correlation_id TEXT NOT NULL,
    step           TEXT NOT NULL,
    compensation   TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    error          TEXT NOT NULL,
    at             REAL NOT NULL,
    PRIMARY KEY (correlation_id, step)
);
"""


@dataclasses.dataclass(frozen=True, slots=True)
class SagaSummary:
    """One saga as the store sees it."""

    correlation_id: str
    saga_name: str
    status: str
    started_at: float
    ended_at: float | None
    failed_step: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class DeadLetter:
    """A compensation that kept failing and waits for a person."""

    correlation_id: str
    step: str
    compensation: str
    attempts: int
    error: str
    at: float

    def to_dict(self) -> dict[str, Any]:
        """Return the dead letter as JSON-ready data."""
        return dataclasses.asdict(self)


def _saga_row_change(event: SagaEvent) -> tuple[str, tuple[Any, ...]] | None:
    """The statement that a saga's start or end makes to its ``sagas`` row, else None."""
    if isinstance(event, SagaStarted):
        return (
            "INSERT OR REPLACE INTO sagas VALUES (?, ?, 'RUNNING', ?, NULL, NULL)",
            (event.correlation_id, event.saga_name, event.at),
        )
    if isinstance(event, SagaCompleted):
        return (
            "UPDATE sagas SET status = 'COMPLETED', ended_at = ? WHERE correlation_id = ?",
            (event.at, event.correlation_id),
        )
    if isinstance(event, SagaCompensated):
        return (
            "UPDATE sagas SET status = ?, ended_at = ?, failed_step = ? WHERE correlation_id = ?",
            (
                "DEAD_LETTERED" if event.dead_letters else "COMPENSATED",
                event.at,
                event.failed_step,
                event.correlation_id,
            ),
        )
    return None


#: The events that change the sagas or dead_letters tables (see _project).
_PROJECTED = frozenset(
    {
        SagaStarted,
        SagaCompleted,
        SagaCompensated,
        DeadLettered,
        DeadLetterResolved,
        CompensationSucceeded,
    }
)


class SqliteEventStore:
    """Append-only saga log in one SQLite file.

    :meth:`append` commits an event at once; :meth:`stage` and :meth:`commit`
    let the orchestrator commit several together (see the module docstring).

    Parameters
    ----------
    path
        The database file; created when missing.

    Raises
    ------
    EventStoreError
        When the file is not a database, is damaged, or was written by a newer
        version of SAGA Desktop. Nothing in it is changed then.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self._db = connect_checked(self.path)
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                self._db.close()
                raise EventStoreError(
                    f"the saga log {self.path} was written by a newer SAGA Desktop "
                    f"(format {version}; this version reads format {SCHEMA_VERSION}): "
                    "upgrade, or point --data-dir elsewhere"
                )
            use_wal(self._db)
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise EventStoreError(f"cannot open the saga log {self.path}: {exc}") from None
        #: Rows of the staged events not yet written, and those of them with a projection.
        self._staged: list[tuple[str, str, float, str]] = []
        self._projected: list[SagaEvent] = []
        #: True while a commit group holds every commit (see hold_commits).
        self._held = False

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def append(self, event: SagaEvent) -> None:
        """Commit ``event`` (and the saga's summary) before returning.

        While commits are held (:meth:`hold_commits`), it stays staged until the
        group's commit, as every staged event does.
        """
        self.stage(event)
        self.commit()

    def stage(self, event: SagaEvent) -> None:
        """Add ``event`` to the open transaction (begun if need be), uncommitted.

        The event is readable through this store at once and durable after
        :meth:`commit`. Staged events a crash catches before their commit are
        lost, as if the process had died a moment earlier. The orchestrator
        decides when to commit (see :class:`SagaOrchestrator`): right before
        each participant call while anybody watches, and only after the saga
        started and when it ended while nobody does.
        """
        # Kept in memory until the next commit or read, then written with one
        # executemany: a statement per event cost more than its encoding.
        self._staged.append(
            (event.correlation_id, type(event).__name__, event.at, event_to_json(event))
        )
        if type(event) in _PROJECTED:
            self._projected.append(event)

    def hold_commits(self, held: bool) -> None:
        """Hold (or stop holding) every commit until the caller's group commit.

        While held, :meth:`commit` does nothing and staged events stay in memory
        (not readable through this store): a batch that groups its commits (see
        ``BookingSagaOrchestrator.commit_groups``) makes the sagas' starts
        durable with :meth:`commit_starts`, then the participants' work, then
        the rest with :meth:`commit_held`, so that a crash at any point leaves
        a log from which recovery undoes whatever may have happened.
        """
        self._held = held

    def commit_starts(self) -> None:
        """Commit the staged :class:`SagaStarted` events alone (held or not)."""
        if not any(row[1] == "SagaStarted" for row in self._staged):
            return
        rows, projected = self._staged, self._projected
        self._staged = [row for row in rows if row[1] != "SagaStarted"]
        self._projected = [event for event in projected if not isinstance(event, SagaStarted)]
        self._write(
            [row for row in rows if row[1] == "SagaStarted"],
            [event for event in projected if isinstance(event, SagaStarted)],
        )
        self._commit_open()

    def discard_staged(self) -> None:
        """Drop every staged event and roll back what is written but not committed."""
        self._staged, self._projected = [], []
        self._rollback()

    def commit_held(self) -> None:
        """Commit every staged event, even while commits are held."""
        self._write_staged()
        self._commit_open()

    def commit(self) -> None:
        """Make every staged event durable; nothing happens when none is staged."""
        if self._held:
            return
        self.commit_held()

    def _commit_open(self) -> None:
        db = self._db
        try:
            if db.in_transaction:
                db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise EventStoreError(f"cannot write to the saga log {self.path}: {exc}") from None

    def _flush(self) -> None:
        # Staged events are readable at once, unless a group holds them back.
        if not self._held:
            self._write_staged()

    def _write_staged(self) -> None:
        if self._staged:
            rows, projected = self._staged, self._projected
            self._staged, self._projected = [], []
            self._write(rows, projected)

    def _write(self, rows: list[tuple[str, str, float, str]], projected: list[SagaEvent]) -> None:
        # Write events into the open transaction (begun if need be), uncommitted.
        db = self._db
        try:
            if not db.in_transaction:
                db.execute("BEGIN")
            db.executemany(
                "INSERT INTO events (correlation_id, type, at, data) VALUES (?, ?, ?, ?)", rows
            )
            self._project_all(projected)
        except sqlite3.DatabaseError as exc:
            self._rollback()
            raise EventStoreError(f"cannot write to the saga log {self.path}: {exc}") from None

    def _rollback(self) -> None:
        # A closed or broken database fails the rollback too: the caller reports the first error.
        with contextlib.suppress(sqlite3.DatabaseError):
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    def _project_all(self, projected: list[SagaEvent]) -> None:
        # A commit group ends dozens of sagas at once: their projections go in one
        # statement per kind rather than one per event, when that is sure to give
        # the same tables (_project_together). Undoing a step deletes its dead
        # letter, if any: none can exist while the table is empty and none is
        # parked in this write.
        if any(type(event) is CompensationSucceeded for event in projected) and not any(
            type(event) is DeadLettered for event in projected
        ):
            (parked,) = self._db.execute("SELECT EXISTS (SELECT 1 FROM dead_letters)").fetchone()
            if not parked:
                projected = [e for e in projected if type(e) is not CompensationSucceeded]
        if not self._project_together(projected):
            for event in projected:
                self._project(event)

    def _project_together(self, projected: list[SagaEvent]) -> bool:
        # Only starts and ends, of different sagas: each statement changes its own
        # saga's row alone, so their order cannot matter. False (nothing done) else.
        if len({event.correlation_id for event in projected}) != len(projected):
            return False
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for event in projected:
            change = _saga_row_change(event)
            if change is None:
                return False
            sql, params = change
            rows.setdefault(sql, []).append(params)
        for sql, params_list in rows.items():
            self._db.executemany(sql, params_list)
        return True

    def _project(self, event: SagaEvent) -> None:
        db = self._db
        cid = event.correlation_id
        change = _saga_row_change(event)
        if change is not None:
            db.execute(*change)
        elif isinstance(event, DeadLettered):
            db.execute(
                "INSERT OR REPLACE INTO dead_letters VALUES (?, ?, ?, ?, ?, ?)",
                (cid, event.step, event.compensation, event.attempts, event.error, event.at),
            )
        elif isinstance(event, DeadLetterResolved | CompensationSucceeded):
            deleted = db.execute(
                "DELETE FROM dead_letters WHERE correlation_id = ? AND step = ?", (cid, event.step)
            ).rowcount
            if deleted:
                db.execute(
                    "UPDATE sagas SET status = 'COMPENSATED' WHERE correlation_id = ? "
                    "AND status = 'DEAD_LETTERED' AND NOT EXISTS "
                    "(SELECT 1 FROM dead_letters WHERE correlation_id = ?)",
                    (cid, cid),
                )

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self._flush()  # staged events are readable at once
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise EventStoreError(f"cannot read the saga log {self.path}: {exc}") from None

    def history(self, correlation_id: str) -> list[SagaEvent]:
        """Return the saga's events, oldest first.

        Raises
        ------
        EventStoreError
            When a stored event cannot be read back.
        """
        events = []
        for (data,) in self._read(
            "SELECT data FROM events WHERE correlation_id = ? ORDER BY seq", (correlation_id,)
        ):
            try:
                events.append(event_from_dict(json.loads(data)))
            except ValueError as exc:
                raise EventStoreError(
                    f"the saga log {self.path} holds an event this version cannot read: {exc}"
                ) from None
        return events

    def incomplete(self) -> list[str]:
        """Correlation ids of the sagas that started and never ended, oldest first."""
        return [
            cid
            for (cid,) in self._read(
                "SELECT correlation_id FROM sagas WHERE status = 'RUNNING' ORDER BY started_at"
            )
        ]

    def sagas(self, limit: int = 1000) -> list[SagaSummary]:
        """The most recent sagas, newest first."""
        return [
            SagaSummary(*row)
            for row in self._read(
                "SELECT correlation_id, saga_name, status, started_at, ended_at, failed_step "
                "FROM sagas ORDER BY started_at DESC LIMIT ?",
                (limit,),
            )
        ]

    def dead_letters(self) -> list[DeadLetter]:
        """Every compensation waiting in the dead-letter queue, oldest first."""
        return [
            DeadLetter(*row)
            for row in self._read(
                "SELECT correlation_id, step, compensation, attempts, error, at "
                "FROM dead_letters ORDER BY at"
            )
        ]

    def count(self) -> int:
        """How many events the log holds."""
        ((count,),) = self._read("SELECT COUNT(*) FROM events")
        return int(count)
