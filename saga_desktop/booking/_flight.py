"""The flight booking's four participant services: seats, loyalty points, payments, bookings.

Each owns its SQLite database (see :class:`Participant` for idempotency keys,
tombstones and local transactions).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from saga_desktop.booking._participants import Participant, _to_json
from saga_desktop.engine import StepError

__all__ = ["BookingRegistry", "LoyaltyAccounts", "PaymentGateway", "SeatInventory"]


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
                # Asked only on a refusal: a booking that gets its seats pays no lookup.
                known = db.execute("SELECT 1 FROM flights WHERE id = ?", (flight_id,)).fetchone()
                if known is None:
                    raise StepError(f"there is no flight {flight_id}")
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
