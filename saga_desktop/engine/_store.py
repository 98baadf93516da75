"""The durable saga log: an SQLite event store that survives a killed process.

The log is written ahead of what the orchestrator does, so the store always
knows which sagas were interrupted and which compensations wait in the
dead-letter queue. How far ahead depends on who watches (see
:class:`SagaOrchestrator`): while a listener watches, every event is committed
before anything acts on it, so the log also tells which steps began; while
nobody does, a saga's start is committed before its first participant call and
the rest when it ends, so an interrupted saga's log holds its start alone and
recovery undoes every step.

Every saga has an owner: the store that started it (or that claimed it to
recover it) holds an :class:`OwnerLease` while it lives. Recovery takes over
only the sagas whose owner is gone (:meth:`SqliteEventStore.claim_orphans`),
never those another live process is still running.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
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
from saga_desktop.engine._exceptions import EventStoreBusy, EventStoreError
from saga_desktop.engine._owners import OwnerLease, owner_alive, sweep_owners
from saga_desktop.engine._sqlite import BusyWait, LockTimeout, connect_checked, use_wal
from saga_desktop.engine._storetypes import (
    MIGRATE_1_TO_2,
    SCHEMA,
    SCHEMA_VERSION,
    TABLES,
    DeadLetter,
    InFlight,
    SagaSummary,
)

__all__ = ["SCHEMA_VERSION", "DeadLetter", "InFlight", "SagaSummary", "SqliteEventStore"]


def _saga_row_change(event: SagaEvent, owner: str) -> tuple[str, tuple[Any, ...]] | None:
    """The statement that a saga's start or end makes to its ``sagas`` row, else None."""
    if isinstance(event, SagaStarted):
        return (
            "INSERT OR REPLACE INTO sagas VALUES (?, ?, 'RUNNING', ?, NULL, NULL, ?)",
            (event.correlation_id, event.saga_name, event.at, owner),
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
        The database file.
    create
        Create the file (and its tables) when it is missing. When False, a
        missing file, or one without the saga log's tables, is an error, and
        nothing is written to it.
    busy
        How long to wait for another process's write lock, and who hears of it.
    check
        SQLite's integrity check on opening: always, never, or for a small
        file only (None; see :func:`connect_checked`).

    Raises
    ------
    EventStoreError
        When the file is not a database, is damaged, is not a saga log, or was
        written by a newer version of SAGA Desktop. Nothing in it is changed then.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        create: bool = True,
        busy: BusyWait | None = None,
        check: bool | None = None,
    ) -> None:
        self.path = Path(path)
        self.busy = busy if busy is not None else BusyWait()
        #: The folder of the owners' lease files, beside the log.
        self.owners = self.path.with_name(self.path.stem + ".owners")
        self._lease: OwnerLease | None = None
        try:
            self._db = connect_checked(self.path, create=create, check=check, busy=self.busy)
            self._cursor = self._db.cursor()
            try:
                self.busy.retry(lambda: self._prepare(create), self.path.name)
            except BaseException:
                self._db.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise EventStoreError(f"cannot open the saga log {self.path}: {exc}") from None
        except LockTimeout as exc:
            raise self._busy_error(exc) from None
        #: Rows of the staged events not yet written, and those of them with a projection.
        self._staged: list[tuple[str, str, float, str]] = []
        self._projected: list[SagaEvent] = []
        #: The owner of each staged SagaStarted (the lease is taken when the first
        #: saga starts: a store that only reads leaves no lease file behind).
        self._start_owners: dict[str, str] = {}
        #: True while a commit group holds every commit (see hold_commits).
        self._held = False

    def _prepare(self, create: bool) -> None:
        # Writes only to a new file or one of an older format: opening a saga log
        # of this version changes nothing in it.
        db = self._db
        # One read transaction for both: a process creating the log commits its
        # tables and its format number together, and must be seen before or after.
        db.execute("BEGIN")
        try:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.execute("COMMIT")
        if version > SCHEMA_VERSION:
            raise EventStoreError(
                f"the saga log {self.path} was written by a newer SAGA Desktop "
                f"(format {version}; this version reads format {SCHEMA_VERSION}): "
                "upgrade, or point --data-dir elsewhere"
            )
        if not tables and create:
            use_wal(db)
            db.executescript(
                f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
            return
        if not tables >= TABLES or version < 1:
            raise EventStoreError(
                f"{self.path} is not a SAGA Desktop saga log (it lacks "
                f"{', '.join(sorted(TABLES - tables)) or 'a format number'}): "
                "restore it from a backup, or point --data-dir elsewhere"
            )
        use_wal(db)
        if version < SCHEMA_VERSION:
            with self._write_lock():
                # Read again under the lock: another process may have migrated it meanwhile.
                (version,) = db.execute("PRAGMA user_version").fetchone()
                if version < SCHEMA_VERSION:
                    db.execute(MIGRATE_1_TO_2)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """A write transaction of its own (waiting for other writers), committed at its end."""
        self._begin()
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self._db.execute("COMMIT")

    def _begin(self) -> None:
        try:
            self.busy.begin_immediate(self._cursor, self.path.name)
        except LockTimeout as exc:
            raise self._busy_error(exc) from None

    def _busy_error(self, exc: LockTimeout) -> EventStoreBusy:
        return EventStoreBusy(
            f"the saga log {self.path} is busy: another process has held it for "
            f"{exc.waited:.0f} s (a batch paused or stopped?); try again once it is free"
        )

    # -- owners ---------------------------------------------------------------

    @property
    def owner_id(self) -> str:
        """The owner id of the sagas this store starts (its lease is taken on first use)."""
        lease = self._lease
        if lease is None or not lease.held:
            try:
                lease = self._lease = OwnerLease(self.owners)
            except OSError as exc:
                raise EventStoreError(
                    f"cannot record who runs the sagas in {self.owners}: {exc}"
                ) from None
        return lease.owner_id

    def release_ownership(self) -> None:
        """Give up the sagas this store runs, as a dying process would.

        Called when an orchestrator stops in the middle of a saga without
        dying (a simulated crash, a participant out of reach): its unfinished
        sagas become orphans that :meth:`claim_orphans` can take over, in this
        process too. The next saga started gets a new lease.
        """
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def in_flight(self) -> InFlight:
        """The sagas that have not ended, split by whether their owner lives."""
        rows = self._read("SELECT correlation_id, owner FROM sagas WHERE status = 'RUNNING'")
        ((last,),) = self._read("SELECT COALESCE(MAX(seq), 0) FROM events")
        alive: dict[str, bool] = {}
        running: set[str] = set()
        interrupted: set[str] = set()
        for cid, owner in rows:
            if owner not in alive:
                alive[owner] = owner_alive(self.owners, owner or "")
            (running if alive[owner] else interrupted).add(cid)
        return InFlight(frozenset(running), frozenset(interrupted), int(last))

    def changed_since(self, seq: int) -> frozenset[str]:
        """The sagas with an event after event number ``seq``."""
        # Not SELECT DISTINCT: SQLite would walk the whole events_by_saga index for it
        # (100 ms at 200,000 sagas) instead of the few rows after ``seq``.
        return frozenset(
            cid for (cid,) in self._read("SELECT correlation_id FROM events WHERE seq > ?", (seq,))
        )

    def outcomes(self, correlation_ids: list[str]) -> dict[str, tuple[str, frozenset[str]]]:
        """How each of these sagas stands: its status and the steps whose undo is parked.

        Sagas the log does not know are left out.
        """
        found: dict[str, tuple[str, frozenset[str]]] = {}
        for start in range(0, len(correlation_ids), 500):
            chunk = correlation_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            parked: dict[str, set[str]] = {}
            for cid, step in self._read(
                f"SELECT correlation_id, step FROM dead_letters WHERE correlation_id IN ({marks})",
                tuple(chunk),
            ):
                parked.setdefault(cid, set()).add(step)
            for cid, status in self._read(
                f"SELECT correlation_id, status FROM sagas WHERE correlation_id IN ({marks})",
                tuple(chunk),
            ):
                found[cid] = (status, frozenset(parked.get(cid, ())))
        return found

    def claim_orphans(self) -> list[str]:
        """Take over every saga whose owner is gone; return their ids, oldest first.

        The sagas change owner in one write transaction, so two processes
        claiming at once claim each saga once: the second finds it owned by
        the first, which is alive. Lease files of dead owners are removed.

        Raises
        ------
        EventStoreError
            When the log cannot be read or written (:class:`EventStoreBusy`
            when another process holds it too long).
        """
        self.commit()
        me = self.owner_id
        claimed: list[str] = []
        try:
            with self._write_lock():
                rows = self._db.execute(
                    "SELECT correlation_id, owner FROM sagas WHERE status = 'RUNNING' "
                    "ORDER BY started_at, rowid"
                ).fetchall()
                alive: dict[str | None, bool] = {me: True}
                for cid, owner in rows:
                    if owner not in alive:
                        alive[owner] = owner_alive(self.owners, owner or "")
                    if not alive[owner]:
                        claimed.append(cid)
                self._db.executemany(
                    "UPDATE sagas SET owner = ? WHERE correlation_id = ?",
                    [(me, cid) for cid in claimed],
                )
        except sqlite3.DatabaseError as exc:
            raise EventStoreError(f"cannot write to the saga log {self.path}: {exc}") from None
        sweep_owners(self.owners)
        return claimed

    def close(self) -> None:
        """Close the database and give up this store's lease."""
        self._db.close()
        self.release_ownership()

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
        if type(event) is SagaStarted:
            # Its owner as of now (taken first: a saga is never staged ownerless). A
            # lease given up before the commit still owns the sagas it started,
            # which are then orphans.
            self._start_owners[event.correlation_id] = self.owner_id
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
        self._start_owners.clear()
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
                self._begin()
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
        owners = self._start_owners
        for event in projected:
            change = _saga_row_change(event, owners.get(event.correlation_id, ""))
            if change is None:
                return False
            sql, params = change
            rows.setdefault(sql, []).append(params)
        for sql, params_list in rows.items():
            self._db.executemany(sql, params_list)
        for event in projected:
            owners.pop(event.correlation_id, None)
        return True

    def _project(self, event: SagaEvent) -> None:
        db = self._db
        cid = event.correlation_id
        change = _saga_row_change(event, self._start_owners.pop(cid, ""))
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
            return self.busy.retry(lambda: self._db.execute(sql, params).fetchall(), self.path.name)
        except sqlite3.DatabaseError as exc:
            raise EventStoreError(f"cannot read the saga log {self.path}: {exc}") from None
        except LockTimeout as exc:
            raise self._busy_error(exc) from None

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

    def last_seq(self) -> int:
        """The number of the newest event in the log (0 when it holds none)."""
        ((seq,),) = self._read("SELECT COALESCE(MAX(seq), 0) FROM events")
        return int(seq)

    def events_after(self, seq: int = 0, limit: int = 10_000) -> list[tuple[int, SagaEvent]]:
        """Return up to ``limit`` events written after number ``seq``, oldest first.

        Each comes with its number in the log: pass the last one back to read on
        (metrics count a whole log this way, a page at a time).

        Raises
        ------
        EventStoreError
            When a stored event cannot be read back.
        """
        page = []
        for number, data in self._read(
            "SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        ):
            try:
                page.append((int(number), event_from_dict(json.loads(data))))
            except ValueError as exc:
                raise EventStoreError(
                    f"the saga log {self.path} holds an event this version cannot read: {exc}"
                ) from None
        return page

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
