"""The lab's bookings (records with a status other sagas read) and its payment ledger."""

from __future__ import annotations

import json
from typing import Any

from saga_desktop.booking.lab._services import Caller, _LabService
from saga_desktop.engine import StepError

__all__ = ["BOOKING_FIELDS", "BookingRecords", "PaymentLedger"]

#: What a check step of a booking returns, and what a later step may read of it.
BOOKING_FIELDS = ("status", "user", "flight", "points", "fare", "version")


class BookingRecords(_LabService):
    """Bookings: a status (CONFIRMED, CANCELLED) that sagas check, set and move."""

    NAME = "bookings"
    TABLE = "bookings"
    PENDING = "BOOKING_PENDING"
    SCHEMA = """
    CREATE TABLE bookings (
        record TEXT PRIMARY KEY, user TEXT, flight TEXT, points REAL, fare REAL,
        status TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,
        lock_saga TEXT, lock_state TEXT
    );
    CREATE TABLE journal (
        key TEXT PRIMARY KEY, saga TEXT, step TEXT, record TEXT, before TEXT, undone INTEGER
    );
    """

    def seed(self, record: str, fields: dict[str, Any]) -> None:
        """Add a booking (``fields``: user, flight, points, fare, status)."""
        with self._txn() as db:
            db.execute(
                "INSERT INTO bookings (record, user, flight, points, fare, status) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record,
                    fields["user"],
                    fields["flight"],
                    fields["points"],
                    fields["fare"],
                    fields["status"],
                ),
            )

    def row(self, record: str) -> dict[str, Any] | None:
        """The booking's fields (see :data:`BOOKING_FIELDS`), or None."""
        found = self._one(
            "SELECT status, user, flight, points, fare, version FROM bookings WHERE record = ?",
            (record,),
        )
        return dict(zip(BOOKING_FIELDS, found, strict=True)) if found else None

    def check(self, caller: Caller, record: str, expected: str) -> dict[str, Any]:
        """Read the booking and decide: go on when its status is ``expected``."""
        if self.row(record) is not None:
            self._await(caller, record)
        with self._txn() as db:
            found = self.row(record)
            status = found["status"] if found else None
            version = found["version"] if found else None
            self._log(db, record, "read", caller, after=status, version=version)
            if status != expected:
                self._log(db, record, "refuse", caller, after=status, note=f"needs {expected}")
        if found is None:
            raise StepError(f"there is no booking {record}")
        if status != expected:
            raise StepError(f"booking {record} is {status}, not {expected}")
        return found

    def set_status(self, caller: Caller, record: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Set the booking's status (and any of its other fields); create it if new."""
        done = self._journal(caller.key)
        if done is not None:
            if done[5]:
                raise StepError(f"{caller.step} arrived after its compensation: refused")
            return {"record": record, **fields}
        if self.row(record) is not None:
            self._await(caller, record)
        caller.guard()
        with self._txn() as db:
            before = self.row(record)
            merged = {**(before or {"user": "", "flight": "", "points": 0, "fare": 0}), **fields}
            version = (before["version"] if before else 0) + 1
            db.execute(
                "INSERT OR REPLACE INTO bookings (record, user, flight, points, fare, status, "
                "version, lock_saga, lock_state) VALUES (?, ?, ?, ?, ?, ?, ?, "
                "(SELECT lock_saga FROM bookings WHERE record = ?), "
                "(SELECT lock_state FROM bookings WHERE record = ?))",
                (
                    record,
                    merged["user"],
                    merged["flight"],
                    merged["points"],
                    merged["fare"],
                    merged["status"],
                    version,
                    record,
                    record,
                ),
            )
            db.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?, ?, 0)",
                (caller.key, caller.saga, caller.step, record, json.dumps(before)),
            )
            self._log(
                db,
                record,
                "write",
                caller,
                before=before["status"] if before else None,
                after=merged["status"],
                version=version,
                note=f"on {merged['flight']}",
            )
        return {"record": record, **fields}

    def undo(self, caller: Caller) -> dict[str, Any]:
        """Put the booking back as it was before ``caller.key``'s step."""
        with self._txn() as db:
            done = self._to_undo(db, caller, "null")
            if isinstance(done, dict):
                return done
            record, before = done[3], json.loads(done[4])
            now = self.row(record)
            if before is None:
                db.execute("DELETE FROM bookings WHERE record = ?", (record,))
            else:
                db.execute(
                    "UPDATE bookings SET user = ?, flight = ?, points = ?, fare = ?, "
                    "status = ?, version = version + 1 WHERE record = ?",
                    (
                        before["user"],
                        before["flight"],
                        before["points"],
                        before["fare"],
                        before["status"],
                        record,
                    ),
                )
            db.execute("UPDATE journal SET undone = 1 WHERE key = ?", (caller.key,))
            self._log(
                db,
                record,
                "undo",
                caller,
                before=now["status"] if now else None,
                after=before["status"] if before else None,
            )
        return {"undone": True}

    def bookings(self) -> dict[str, dict[str, Any]]:
        """Booking → its fields and its lock."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT record, status, user, flight, points, fare, version, lock_saga, "
                "lock_state FROM bookings ORDER BY record"
            ).fetchall()
        return {
            r[0]: dict(zip((*BOOKING_FIELDS, "lock", "lock_state"), r[1:], strict=True))
            for r in rows
        }

    def undone_keys(self) -> set[tuple[str, str]]:
        """``(saga, step)`` of every action that was later undone."""
        with self._mutex:
            rows = self._db.execute(
                "SELECT saga, step FROM journal WHERE undone = 1 AND record != ''"
            ).fetchall()
        return {(s, st) for s, st in rows}


class PaymentLedger(_LabService):
    """Money captured for bookings and refunded; no record another saga decides on."""

    NAME = "payments"
    TABLE = "payments"
    SCHEMA = """
    CREATE TABLE payments (
        key TEXT PRIMARY KEY, saga TEXT, booking TEXT, amount REAL, undone INTEGER
    );
    """

    def seed(self, booking: str, amount: float) -> None:
        """Record a payment made before the lab began."""
        with self._txn() as db:
            db.execute(
                "INSERT INTO payments VALUES (?, '', ?, ?, 0)", (f"seed:{booking}", booking, amount)
            )

    def move(
        self, caller: Caller, booking: str, amount: float, declined: bool = False
    ) -> dict[str, Any]:
        """Capture ``amount`` for the booking (a negative one refunds); a card may decline."""
        found = self._one("SELECT undone FROM payments WHERE key = ?", (caller.key,))
        if found is not None:
            if found[0]:
                raise StepError(f"{caller.step} arrived after its compensation: refused")
            return {"booking": booking, "amount": amount}
        caller.guard()
        with self._txn() as db:
            if declined:
                self._log(
                    db, f"payment {booking}", "refuse", caller, after=amount, note="card declined"
                )
            else:
                db.execute(
                    "INSERT INTO payments VALUES (?, ?, ?, ?, 0)",
                    (caller.key, caller.saga, booking, amount),
                )
                self._log(db, f"payment {booking}", "write", caller, after=amount)
        if declined:
            raise StepError(f"the card for booking {booking} was declined")
        return {"booking": booking, "amount": amount}

    def undo(self, caller: Caller) -> dict[str, Any]:
        """Void the payment of ``caller.key`` (a tombstone if it never arrived)."""
        with self._txn() as db:
            found = db.execute(
                "SELECT booking, amount, undone FROM payments WHERE key = ?", (caller.key,)
            ).fetchone()
            if found is None:
                db.execute(
                    "INSERT INTO payments VALUES (?, ?, '', 0, 1)", (caller.key, caller.saga)
                )
                return {"undone": False}
            db.execute("UPDATE payments SET undone = 1 WHERE key = ?", (caller.key,))
            if not found[2]:
                self._log(db, f"payment {found[0]}", "undo", caller, before=found[1], after=0)
        return {"undone": True}

    def total(self) -> float:
        """Money held: captures less refunds, voided payments left out."""
        row = self._one("SELECT COALESCE(SUM(amount), 0) FROM payments WHERE undone = 0")
        return float(row[0]) if row else 0.0
