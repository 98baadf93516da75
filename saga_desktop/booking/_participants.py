"""The four participant services, each the only owner of its own SQLite database.

No transaction spans two databases: that is the point of a saga. Inside one
database, an operation's effect and its idempotency record commit together, so
a repeated action or compensation changes nothing, and a compensation that
arrives before its action leaves a tombstone that refuses the late action.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from saga_desktop.booking._exceptions import DatabaseUnusable, DataDirectoryBusy, WorldError
from saga_desktop.engine import StepError
from saga_desktop.engine._json import compact_encoder
from saga_desktop.engine._sqlite import BusyWait, LockTimeout, connect_checked, use_wal

__all__ = ["Participant"]

# WITHOUT ROWID: the key is the table's only B-tree, so an operation writes one
# page of it, not a row page and an index page. (Databases made before keep their
# rowid table: both read and write alike.)
_OPERATIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    key            TEXT PRIMARY KEY,   -- correlation id + ':' + step
    correlation_id TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('applied', 'compensated', 'tombstone')),
    result         TEXT NOT NULL       -- the action's result, JSON
) WITHOUT ROWID;
"""

# Effects and undos run their statements on the participant's operations cursor
# (see Participant.__init__); a cursor's execute() returns the cursor, to fetch from.
Effect = Callable[[sqlite3.Cursor], dict[str, Any]]
Undo = Callable[[sqlite3.Cursor, dict[str, Any]], dict[str, Any]]

# The same text as json.dumps(), without building an encoder for every result.
_to_json = compact_encoder(ensure_ascii=True)


def _recorded(db: sqlite3.Cursor, key: str) -> tuple[str, str] | None:
    """The ``(state, result)`` recorded for ``key``, or None."""
    row = db.execute("SELECT state, result FROM operations WHERE key = ?", (key,)).fetchone()
    return None if row is None else (row[0], row[1])


class Participant:
    """A service with its own database file and idempotent operations.

    Parameters
    ----------
    path
        The SQLite file.
    create
        Make the file and its tables (a new data directory). When False the
        file must exist with the service's tables; nothing is written to it
        on opening, and a database of another program is refused untouched.
    busy
        How long to wait for a write lock another process holds.
    check
        SQLite's integrity check on opening (see ``connect_checked``).
    """

    #: The service's tables, created with the file.
    SCHEMA = ""
    #: The tables a database of this service has (besides ``operations``).
    TABLES: frozenset[str] = frozenset()

    def __init__(
        self,
        path: Path,
        *,
        create: bool = False,
        busy: BusyWait | None = None,
        check: bool | None = None,
    ) -> None:
        self.path = path
        self.busy = busy if busy is not None else BusyWait()
        self._grouped = False
        try:
            self._db = connect_checked(path, create=create, check=check, busy=self.busy)
            try:
                self.busy.retry(lambda: self._prepare(create), path.name)
            except BaseException:
                self._db.close()
                raise
            # Operations run on cursors kept for them: Connection.execute makes
            # (and registers, and leaves to the garbage collector) a new cursor
            # for every statement, which cost more than most statements. One
            # for transaction control, one for the operations' own statements,
            # each of which is fetched in full before the next is run.
            self._control = self._db.cursor()
            self._cursor = self._db.cursor()
        except sqlite3.DatabaseError as exc:
            raise WorldError(f"cannot open {path}: {exc}") from None
        except LockTimeout as exc:
            raise self._busy_error(exc) from None

    def _prepare(self, create: bool) -> None:
        db = self._db
        if create:
            use_wal(db)
            db.executescript(_OPERATIONS_SCHEMA + self.SCHEMA)
            return
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        lacking = sorted((self.TABLES | {"operations"}) - tables)
        if lacking:
            raise WorldError(
                f"{self.path} is not a SAGA Desktop database (it has no {lacking[0]} table): "
                "restore it from a backup, or point --data-dir elsewhere (nothing was changed)"
            )
        use_wal(db)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    # -- commit groups --------------------------------------------------------
    #
    # A batch may group the commits of many sagas (BookingSagaOrchestrator.
    # commit_groups): each operation is then a savepoint, all-or-nothing as
    # ever, inside one transaction that commit_group() makes durable. The saga
    # log's ordering around that commit keeps a crash recoverable.

    def begin_group(self) -> None:
        """From now on, operations wait for :meth:`commit_group` to be durable."""
        self._grouped = True

    def commit_group(self) -> None:
        """Make every operation since the last group commit durable."""
        if self._db.in_transaction:
            self._control.execute("COMMIT")

    def rollback_group(self) -> None:
        """Drop every operation since the last group commit."""
        if self._db.in_transaction:
            self._control.execute("ROLLBACK")

    def end_group(self) -> None:
        """Back to one commit per operation; anything not committed is dropped."""
        self._grouped = False
        self.rollback_group()

    def _begin(self, *, savepoint: bool = True) -> None:
        # savepoint=False: the operation writes one statement at most, all or
        # nothing by itself, so in a group it needs no savepoint of its own.
        if not self._grouped:
            self._begin_immediate()
            return
        if not self._db.in_transaction:
            self._begin_immediate()
        if savepoint:
            self._control.execute("SAVEPOINT operation")

    def _unusable(self, error: sqlite3.DatabaseError) -> DatabaseUnusable:
        # SQLite stopped a statement (a damaged page, a failing disk): no refusal, so
        # the saga stops where it is, and nothing is compensated into a broken file.
        return DatabaseUnusable(
            f"{self.path} cannot be used ({error}): restore it from a backup, or point "
            "--data-dir elsewhere"
        )

    def _begin_immediate(self) -> None:
        # Another process writing here (a batch, a paused one) holds the write lock:
        # that is no refusal, so the saga waits, visibly, and then stops unrefused.
        try:
            self.busy.begin_immediate(self._control, self.path.name)
        except LockTimeout as exc:
            raise self._busy_error(exc) from None

    def _busy_error(self, exc: LockTimeout) -> DataDirectoryBusy:
        return DataDirectoryBusy(
            f"the data directory {self.path.parent} is busy: another process has held "
            f"{self.path.name} for {exc.waited:.0f} s (a batch paused or stopped?); "
            "try again once it is free"
        )

    def _end(self, *, keep: bool, savepoint: bool = True) -> None:
        control = self._control
        if not self._grouped:
            control.execute("COMMIT" if keep else "ROLLBACK")
            return
        if not savepoint:
            return
        if not keep:
            control.execute("ROLLBACK TO operation")
        control.execute("RELEASE operation")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A local transaction: everything inside commits together, or nothing does."""
        self._begin()
        try:
            yield self._db
        except BaseException:
            self._end(keep=False)
            raise
        self._end(keep=True)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Reads inside see one moment of the database (one read transaction).

        Inside an open transaction of this connection (a commit group), the
        reads belong to it already.
        """
        if self._db.in_transaction:
            yield
            return
        try:
            self._control.execute("BEGIN")
            try:
                yield
            finally:
                if self._db.in_transaction:
                    self._control.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query and return its rows.

        Raises
        ------
        DatabaseUnusable
            When SQLite cannot read the file (a damaged page).
        """
        try:
            return self.busy.retry(lambda: self._db.execute(sql, params).fetchall(), self.path.name)
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None
        except LockTimeout as exc:
            raise self._busy_error(exc) from None

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        """The first row of a read-only query, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def apply_once(
        self, key: str, correlation_id: str, effect: Effect, *, reads_only: bool = False
    ) -> dict[str, Any]:
        """Apply ``effect`` once for ``key`` and return its result.

        A repeat returns the first result and changes nothing. After a
        compensation (or its tombstone) the action is refused.

        Parameters
        ----------
        key, correlation_id
            The operation's idempotency key and its saga.
        effect
            Does the work in the open transaction and returns the result.
        reads_only
            True when ``effect`` writes nothing: the operation's record is then
            its only write, all or nothing by itself, and in a commit group the
            operation saves its savepoint.

        Raises
        ------
        StepError
            When the key was compensated already, or when ``effect`` refuses.
        DatabaseUnusable
            When SQLite cannot run the operation (a damaged file): no refusal.
        """
        # The first attempt at a key is by far the most common: the effect runs
        # first and its record is inserted only if the key is new, which saves
        # looking the key up beforehand. A known key (or a refusal) rolls the
        # effect back, and the record found in the same transaction decides.
        try:
            return self._apply_once(key, correlation_id, effect, not reads_only)
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None

    def _apply_once(
        self, key: str, correlation_id: str, effect: Effect, savepoint: bool
    ) -> dict[str, Any]:
        db = self._cursor
        known: tuple[str, str] | None = None
        self._begin(savepoint=savepoint)
        try:
            try:
                result = effect(db)
            except Exception:
                known = _recorded(db, key)
                if known is None:
                    raise  # a refusal: nothing was recorded, the key stays free
                inserted = False
            else:
                inserted = bool(
                    db.execute(
                        "INSERT INTO operations (key, correlation_id, state, result) "
                        "VALUES (?, ?, 'applied', ?) ON CONFLICT (key) DO NOTHING",
                        (key, correlation_id, _to_json(result)),
                    ).rowcount
                )
                if not inserted:
                    known = _recorded(db, key)
        except BaseException:
            self._end(keep=False, savepoint=savepoint)
            raise
        if inserted:
            self._end(keep=True, savepoint=savepoint)
            return result
        # The effect of a repeat, or of a refused late action.
        self._end(keep=False, savepoint=savepoint)
        if known is not None and known[0] == "applied":
            return dict(json.loads(known[1]), repeated=True)
        raise StepError(f"{key} was already compensated: the late action is refused")

    def undo_once(self, key: str, correlation_id: str, undo: Undo) -> dict[str, Any]:
        """Undo the action of ``key`` once; leave a tombstone if it never ran.

        Returns
        -------
        dict
            What was undone; ``{"tombstone": True}`` when there was nothing to
            undo, ``{"repeated": True}`` when it was undone before.
        """
        try:
            return self._undo_once(key, correlation_id, undo)
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None

    def _undo_once(self, key: str, correlation_id: str, undo: Undo) -> dict[str, Any]:
        db = self._cursor
        with self.transaction():
            row = _recorded(db, key)
            if row is None:
                db.execute(
                    "INSERT INTO operations (key, correlation_id, state, result) "
                    "VALUES (?, ?, 'tombstone', '{}')",
                    (key, correlation_id),
                )
                return {"tombstone": True}
            state, result = row
            if state != "applied":
                return {"repeated": True}
            outcome = undo(db, json.loads(result))
            db.execute("UPDATE operations SET state = 'compensated' WHERE key = ?", (key,))
            return outcome

    # -- restocking ---------------------------------------------------------------

    #: What restocking this service clears, besides the operations of the sagas not
    #: kept: statements that read the kept sagas from the ``restock_keep`` table.
    RESTOCK: tuple[str, ...] = ()

    def restock(self, keep: Iterable[str]) -> None:
        """Forget every saga but those in ``keep``, in one transaction: back to the stock.

        The sagas kept (interrupted, dead-lettered) keep what they hold and
        their idempotency records, so their compensations still undo it.
        """
        try:
            with self.transaction() as db:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS restock_keep (cid TEXT PRIMARY KEY)")
                db.execute("DELETE FROM restock_keep")
                db.executemany(
                    "INSERT OR IGNORE INTO restock_keep VALUES (?)", [(cid,) for cid in keep]
                )
                db.execute(
                    "DELETE FROM operations WHERE correlation_id NOT IN "
                    "(SELECT cid FROM restock_keep)"
                )
                for statement in self.RESTOCK:
                    db.execute(statement)
                self._restock_more(db)
                db.execute("DELETE FROM restock_keep")
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None

    def _restock_more(self, db: sqlite3.Connection) -> None:
        """What restocking needs besides :attr:`RESTOCK` (kept sagas: ``restock_keep``)."""
