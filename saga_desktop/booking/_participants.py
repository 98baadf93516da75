"""The four participant services, each the only owner of its own SQLite database.

No transaction spans two databases: that is the point of a saga. Inside one
database, an operation's effect and its idempotency record commit together, so
a repeated action or compensation changes nothing, and a compensation that
arrives before its action leaves a tombstone that refuses the late action.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from saga_desktop.booking._exceptions import DatabaseUnusable, DataDirectoryBusy, WorldError
from saga_desktop.engine import StepError
from saga_desktop.engine._json import compact_encoder
from saga_desktop.engine._sqlite import BusyWait, LockTimeout, connect_checked, use_wal

__all__ = [
    "BookingRegistry",
    "LoyaltyAccounts",
    "Participant",
    "PaymentGateway",
    "SeatInventory",
]

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


class SeatInventory(Participant):
    """Flights and their seats (``seats.db``)."""

    TABLES = frozenset({"flights", "seats"})
    RESTOCK = (
        "UPDATE seats SET holder = NULL WHERE holder IS NOT NULL "
        "AND holder NOT IN (SELECT cid FROM restock_keep)",
    )
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS flights (
        id          INTEGER PRIMARY KEY,
        origin      TEXT NOT NULL,
        destination TEXT NOT NULL,
        date        TEXT NOT NULL,
        fare_cents  INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS seats (
        flight_id INTEGER NOT NULL REFERENCES flights(id),
        seat_no   TEXT NOT NULL,
        position  INTEGER NOT NULL,
        holder    TEXT,                 -- correlation id of the saga holding it
        PRIMARY KEY (flight_id, seat_no)
    );
    CREATE INDEX IF NOT EXISTS seats_by_holder ON seats(holder);
    -- The free seats of a flight in seat order: a reservation reads the first
    -- of them without sorting the flight's seats in a temporary table.
    CREATE INDEX IF NOT EXISTS seats_free ON seats(flight_id, position) WHERE holder IS NULL;
    """

    def add_flight(
        self, flight_id: int, origin: str, destination: str, date: str, fare_cents: int, rows: int
    ) -> None:
        """Create a flight with ``rows`` rows of six seats (A to F)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO flights VALUES (?, ?, ?, ?, ?)",
                (flight_id, origin, destination, date, fare_cents),
            )
            db.executemany(
                "INSERT INTO seats (flight_id, seat_no, position) VALUES (?, ?, ?)",
                [
                    (flight_id, f"{row}{letter}", row * 10 + col)
                    for row in range(1, rows + 1)
                    for col, letter in enumerate("ABCDEF")
                ],
            )

    def reserve(self, key: str, correlation_id: str, flight_id: int, count: int) -> dict[str, Any]:
        """Hold ``count`` free seats on ``flight_id`` for the saga."""

        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            # In seat order straight from seats_free: no sort, no temporary table.
            free = db.execute(
                "SELECT rowid, seat_no FROM seats WHERE flight_id = ? AND holder IS NULL "
                "ORDER BY position LIMIT ?",
                (flight_id, count),
            ).fetchall()
            if len(free) < count:
                raise StepError(f"flight {flight_id} has {len(free)} free seat(s), {count} needed")
            for rowid, _ in free:
                db.execute("UPDATE seats SET holder = ? WHERE rowid = ?", (correlation_id, rowid))
            seat_nos = [seat_no for _, seat_no in free]
            return {
                "seat_id": f"{flight_id}-{seat_nos[0]}",
                "seat_ids": [f"{flight_id}-{seat_no}" for seat_no in seat_nos],
                "flight_id": flight_id,
            }

        return self.apply_once(key, correlation_id, effect)

    def release(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Free the seats the saga's reservation held."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            db.execute("UPDATE seats SET holder = NULL WHERE holder = ?", (correlation_id,))
            return {"released_seat_ids": done["seat_ids"]}

        return self.undo_once(key, correlation_id, undo)

    def flight(self, flight_id: int) -> tuple[str, str, str, int] | None:
        """Return ``(origin, destination, date, fare_cents)`` of a flight, or None."""
        row = self._one(
            "SELECT origin, destination, date, fare_cents FROM flights WHERE id = ?", (flight_id,)
        )
        return None if row is None else (row[0], row[1], row[2], row[3])

    def free_seats(self, flight_id: int) -> int:
        """How many seats of the flight nobody holds."""
        ((count,),) = self.query(
            "SELECT COUNT(*) FROM seats WHERE flight_id = ? AND holder IS NULL", (flight_id,)
        )
        return int(count)

    def seats_by_saga(self) -> dict[str, set[str]]:
        """The seats held, by correlation id (``"123-1A"`` form)."""
        held: dict[str, set[str]] = {}
        for holder, flight_id, seat_no in self.query(
            "SELECT holder, flight_id, seat_no FROM seats WHERE holder IS NOT NULL"
        ):
            held.setdefault(holder, set()).add(f"{flight_id}-{seat_no}")
        return held


class LoyaltyAccounts(Participant):
    """Users and their loyalty points (``loyalty.db``), with a ledger of every change."""

    TABLES = frozenset({"users", "ledger"})
    RESTOCK = ("DELETE FROM ledger WHERE correlation_id NOT IN (SELECT cid FROM restock_keep)",)

    def restock(self, keep: Iterable[str], opening: Mapping[int, int] | None = None) -> None:
        """As :meth:`Participant.restock`; each user of ``opening`` gets that balance back.

        A user's balance is its opening points less what the kept sagas hold.
        """
        self._opening = dict(opening or {})
        super().restock(keep)

    def _restock_more(self, db: sqlite3.Connection) -> None:
        # Every balance back to its opening, less what the kept sagas still hold.
        for user_id, points in self._opening.items():
            ((held,),) = db.execute(
                "SELECT COALESCE(-SUM(delta), 0) FROM ledger WHERE user_id = ?", (user_id,)
            ).fetchall()
            db.execute(
                "UPDATE users SET opening_points = ?, points = ? WHERE id = ?",
                (points, points - int(held), user_id),
            )

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS users (
        id             INTEGER PRIMARY KEY,
        name           TEXT NOT NULL,
        points         INTEGER NOT NULL CHECK (points >= 0),
        opening_points INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ledger (
        correlation_id TEXT NOT NULL,
        user_id        INTEGER NOT NULL,
        delta          INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ledger_by_saga ON ledger(correlation_id);
    """

    #: Cents of discount for one loyalty point (100 points = 1.00).
    CENTS_PER_POINT = 1

    def add_user(self, user_id: int, name: str, points: int) -> None:
        """Create a user with an opening balance of ``points``."""
        with self.transaction() as db:
            db.execute("INSERT INTO users VALUES (?, ?, ?, ?)", (user_id, name, points, points))

    def deduct(self, key: str, correlation_id: str, user_id: int, points: int) -> dict[str, Any]:
        """Take ``points`` from the user's balance; the discount is what they are worth."""

        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            row = db.execute("SELECT points FROM users WHERE id = ?", (user_id,)).fetchone()
            if row is None:
                raise StepError(f"user {user_id} has no loyalty account")
            if row[0] < points:
                raise StepError(
                    f"loyalty points to use ({points}) exceed the balance of user {user_id} "
                    f"({row[0]})"
                )
            # A booking without points changes nothing: neither the balance's page
            # nor the ledger (which records changes) is touched.
            if points:
                db.execute("UPDATE users SET points = points - ? WHERE id = ?", (points, user_id))
                db.execute(
                    "INSERT INTO ledger VALUES (?, ?, ?)", (correlation_id, user_id, -points)
                )
            return {
                "user_id": user_id,
                "points_deducted": points,
                "discount_cents": points * self.CENTS_PER_POINT,
                "discount_applied": points * self.CENTS_PER_POINT / 100,
                "remaining_points": row[0] - points,
            }

        return self.apply_once(key, correlation_id, effect, reads_only=not points)

    def refund(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Give back the points the saga took."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            points, user_id = int(done["points_deducted"]), int(done["user_id"])
            if points:
                db.execute("UPDATE users SET points = points + ? WHERE id = ?", (points, user_id))
                db.execute("INSERT INTO ledger VALUES (?, ?, ?)", (correlation_id, user_id, points))
            return {"points_refunded": points}

        return self.undo_once(key, correlation_id, undo)

    def user(self, user_id: int) -> tuple[str, int] | None:
        """Return ``(name, points)`` of a user, or None."""
        row = self._one("SELECT name, points FROM users WHERE id = ?", (user_id,))
        return None if row is None else (row[0], row[1])

    def points_by_saga(self) -> dict[str, int]:
        """Net points taken, by correlation id (zero for a refunded saga)."""
        return {
            cid: -int(total)
            for cid, total in self.query(
                "SELECT correlation_id, SUM(delta) FROM ledger GROUP BY correlation_id"
            )
        }


class PaymentGateway(Participant):
    """Payments captured and refunded (``payments.db``); money in cents."""

    TABLES = frozenset({"payments"})
    RESTOCK = ("DELETE FROM payments WHERE correlation_id NOT IN (SELECT cid FROM restock_keep)",)
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS payments (
        transaction_id TEXT PRIMARY KEY,
        correlation_id TEXT NOT NULL,
        user_id        INTEGER NOT NULL,
        method         TEXT NOT NULL,
        amount_cents   INTEGER NOT NULL CHECK (amount_cents >= 0),
        status         TEXT NOT NULL CHECK (status IN ('CAPTURED', 'REFUNDED'))
    );
    CREATE INDEX IF NOT EXISTS payments_by_saga ON payments(correlation_id);
    """

    def capture(
        self, key: str, correlation_id: str, user_id: int, amount_cents: int, method: str
    ) -> dict[str, Any]:
        """Capture ``amount_cents`` from the user."""

        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            # 48 random bits, as the first 12 hex digits of a UUID4 hold, without
            # the cost of building a UUID.
            transaction_id = f"TXN-{os.urandom(6).hex().upper()}"
            db.execute(
                "INSERT INTO payments VALUES (?, ?, ?, ?, ?, 'CAPTURED')",
                (transaction_id, correlation_id, user_id, method, amount_cents),
            )
            return {
                "transaction_id": transaction_id,
                "amount_cents": amount_cents,
                "amount": amount_cents / 100,
                "payment_method": method,
            }

        return self.apply_once(key, correlation_id, effect)

    def refund(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Refund the saga's payment in full."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            db.execute(
                "UPDATE payments SET status = 'REFUNDED' WHERE transaction_id = ?",
                (done["transaction_id"],),
            )
            return {"refunded_transaction_id": done["transaction_id"], "amount": done["amount"]}

        return self.undo_once(key, correlation_id, undo)

    def totals(self) -> tuple[int, int, int]:
        """Return ``(captured_cents, refunded_cents, payment_count)`` over all payments."""
        ((captured, refunded, count),) = self.query(
            "SELECT COALESCE(SUM(amount_cents), 0), "
            "COALESCE(SUM(CASE WHEN status = 'REFUNDED' THEN amount_cents END), 0), COUNT(*) "
            "FROM payments"
        )
        return int(captured), int(refunded), int(count)

    def net_by_saga(self) -> dict[str, int]:
        """Cents kept (captured and not refunded), by correlation id."""
        return {
            cid: int(total)
            for cid, total in self.query(
                "SELECT correlation_id, SUM(CASE WHEN status = 'CAPTURED' THEN amount_cents "
                "ELSE 0 END) FROM payments GROUP BY correlation_id"
            )
        }


class BookingRegistry(Participant):
    """Issued bookings (``bookings.db``)."""

    TABLES = frozenset({"bookings"})
    RESTOCK = ("DELETE FROM bookings WHERE correlation_id NOT IN (SELECT cid FROM restock_keep)",)
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS bookings (
        reference      TEXT PRIMARY KEY,   -- 8 upper-case hex characters
        correlation_id TEXT NOT NULL UNIQUE,
        flight_id      INTEGER NOT NULL,
        user_id        INTEGER NOT NULL,
        seat_ids       TEXT NOT NULL,      -- JSON list
        points_used    INTEGER NOT NULL,
        amount_cents   INTEGER NOT NULL,
        passengers     TEXT NOT NULL,      -- JSON list
        status         TEXT NOT NULL CHECK (status IN ('CONFIRMED', 'CANCELLED'))
    );
    """

    def confirm(self, key: str, correlation_id: str, booking: Mapping[str, Any]) -> dict[str, Any]:
        """Issue the booking and return its reference."""

        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            row = (
                booking["flight_id"],
                booking["user_id"],
                _to_json(list(booking["seat_ids"])),
                booking["points_used"],
                booking["amount_cents"],
                _to_json(list(booking["passengers"])),
            )
            while True:
                reference = os.urandom(4).hex().upper()  # as the first 8 hex digits of a UUID4
                try:
                    db.execute(
                        "INSERT INTO bookings VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'CONFIRMED')",
                        (reference, correlation_id, *row),
                    )
                except sqlite3.IntegrityError as exc:
                    # A reference drawn twice (one statement: nothing written): draw again.
                    if "bookings.reference" in str(exc):
                        continue
                    raise
                return {"booking_reference": reference, "status": "CONFIRMED"}

        return self.apply_once(key, correlation_id, effect)

    def cancel(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Cancel the saga's booking."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            db.execute(
                "UPDATE bookings SET status = 'CANCELLED' WHERE reference = ?",
                (done["booking_reference"],),
            )
            return {"cancelled_booking_reference": done["booking_reference"]}

        return self.undo_once(key, correlation_id, undo)

    def confirmed_by_saga(self) -> dict[str, tuple[set[str], int, int]]:
        """Confirmed bookings by correlation id: ``(seat ids, points used, cents paid)``."""
        return {
            cid: (set(json.loads(seats)), int(points), int(cents))
            for cid, seats, points, cents in self.query(
                "SELECT correlation_id, seat_ids, points_used, amount_cents FROM bookings "
                "WHERE status = 'CONFIRMED'"
            )
        }

    def counts(self) -> tuple[int, int]:
        """Return ``(confirmed, cancelled)``."""
        ((confirmed, cancelled),) = self.query(
            "SELECT COALESCE(SUM(status = 'CONFIRMED'), 0), COALESCE(SUM(status = 'CANCELLED'), 0) "
            "FROM bookings"
        )
        return int(confirmed), int(cancelled)
