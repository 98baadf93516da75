"""The participant services of any saga file: stocks, accounts and records on SQLite.

Each is a :class:`Participant`, so every operation has its idempotency key
(correlation id + step), a repeat changes nothing, and a compensation that
comes before its action leaves a tombstone. What a saga holds in a service is
kept by saga and step, so the world can check that each saga holds exactly the
effects of its steps that completed and were not compensated.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from typing import Any

from saga_desktop.booking._participants import Participant
from saga_desktop.engine import StepError

__all__ = ["AccountService", "RecordService", "ServiceParticipant", "StockService"]


def _cents(amount: float) -> int:
    return round(amount * 100)


class ServiceParticipant(Participant):
    """A saga file's service: what it holds, by saga and step."""

    #: What the service keeps: ``"stock"``, ``"accounts"`` or ``"records"``.
    KEEPS = ""

    def seed(self, opening: Mapping[str, float]) -> None:
        """Fill a new database with the saga file's starting figures."""

    def held(self) -> dict[tuple[str, str], Any]:
        """What each saga holds, by ``(correlation id, step)``."""
        raise NotImplementedError

    def figures(self) -> dict[str, Any]:
        """The service's figures for the world panel and ``state``."""
        raise NotImplementedError

    def conservation(self) -> list[str]:
        """Every way the service's own books do not balance (empty when they do)."""
        return []


class StockService(ServiceParticipant):
    """Counted items (seats, rooms, cars), taken by sagas and given back."""

    KEEPS = "stock"
    TABLES = frozenset({"stock", "holdings"})
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS stock (
        item    TEXT PRIMARY KEY,
        initial INTEGER NOT NULL,
        left    INTEGER NOT NULL CHECK (left >= 0)
    );
    CREATE TABLE IF NOT EXISTS holdings (
        correlation_id TEXT NOT NULL,
        step           TEXT NOT NULL,
        item           TEXT NOT NULL,
        amount         INTEGER NOT NULL,
        PRIMARY KEY (correlation_id, step)
    ) WITHOUT ROWID;
    """

    def seed(self, opening: Mapping[str, float]) -> None:
        """Put each item's starting count in stock."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO stock VALUES (?, ?, ?)",
                [(item, int(count), int(count)) for item, count in opening.items()],
            )

    def take(
        self, key: str, correlation_id: str, step: str, item: str, amount: int
    ) -> dict[str, Any]:
        """Take ``amount`` of ``item`` for the saga's step; refused when too few are left."""

        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            row = db.execute("SELECT left FROM stock WHERE item = ?", (item,)).fetchone()
            if row is None:
                raise StepError(f"there is no {item} in stock")
            if row[0] < amount:
                raise StepError(f"{row[0]} {item} left, {amount} needed")
            db.execute("UPDATE stock SET left = left - ? WHERE item = ?", (amount, item))
            db.execute(
                "INSERT INTO holdings VALUES (?, ?, ?, ?)", (correlation_id, step, item, amount)
            )
            return {"item": item, "amount": amount, "left": row[0] - amount}

        return self.apply_once(key, correlation_id, effect)

    def give_back(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Give back what the saga's step took."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            step = key.rpartition(":")[2]
            db.execute(
                "DELETE FROM holdings WHERE correlation_id = ? AND step = ?", (correlation_id, step)
            )
            db.execute(
                "UPDATE stock SET left = left + ? WHERE item = ?", (done["amount"], done["item"])
            )
            return {"item": done["item"], "given_back": done["amount"]}

        return self.undo_once(key, correlation_id, undo)

    def held(self) -> dict[tuple[str, str], Any]:
        """``(item, amount)`` each saga's step holds."""
        return {
            (cid, step): (item, int(amount))
            for cid, step, item, amount in self.query(
                "SELECT correlation_id, step, item, amount FROM holdings"
            )
        }

    def figures(self) -> dict[str, Any]:
        """Each item's starting count, what is left and what sagas hold."""
        with self.reading():
            items = self.query("SELECT item, initial, left FROM stock ORDER BY rowid")
            taken = dict(self.query("SELECT item, SUM(amount) FROM holdings GROUP BY item"))
        return {
            "items": [
                {"item": item, "initial": initial, "left": left, "taken": int(taken.get(item, 0))}
                for item, initial, left in items
            ]
        }

    def conservation(self) -> list[str]:
        """Taken + left = initial for every item, and nothing below zero."""
        problems = []
        for entry in self.figures()["items"]:
            if entry["taken"] + entry["left"] != entry["initial"]:
                problems.append(
                    f"{self.path.stem}: {entry['item']}: {entry['taken']} taken + "
                    f"{entry['left']} left is not the {entry['initial']} there were"
                )
        return problems


class AccountService(ServiceParticipant):
    """Balances (money, points), debited or credited by sagas and put back; in cents.

    Each saga step's movement is kept signed: a debit takes from the account
    (positive), a credit adds to it (negative), so an account is below its
    opening balance by the sum of the movements that stand.
    """

    KEEPS = "accounts"
    TABLES = frozenset({"accounts", "movements"})
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS accounts (
        account       TEXT PRIMARY KEY,
        opening_cents INTEGER NOT NULL,
        balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0)
    );
    CREATE TABLE IF NOT EXISTS movements (
        correlation_id TEXT NOT NULL,
        step           TEXT NOT NULL,
        account        TEXT NOT NULL,
        taken_cents    INTEGER NOT NULL,   -- debit > 0, credit < 0
        status         TEXT NOT NULL CHECK (status IN ('STANDS', 'UNDONE')),
        PRIMARY KEY (correlation_id, step)
    ) WITHOUT ROWID;
    """

    def seed(self, opening: Mapping[str, float]) -> None:
        """Open each account with its starting balance."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO accounts VALUES (?, ?, ?)",
                [(account, _cents(b), _cents(b)) for account, b in opening.items()],
            )

    def debit(
        self, key: str, correlation_id: str, step: str, account: str, amount: float
    ) -> dict[str, Any]:
        """Debit ``amount`` from ``account``; refused when the balance is short."""
        return self._move(key, correlation_id, step, account, _cents(amount))

    def credit(
        self, key: str, correlation_id: str, step: str, account: str, amount: float
    ) -> dict[str, Any]:
        """Credit ``amount`` to ``account``."""
        return self._move(key, correlation_id, step, account, -_cents(amount))

    def _move(
        self, key: str, correlation_id: str, step: str, account: str, taken: int
    ) -> dict[str, Any]:
        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            row = db.execute(
                "SELECT balance_cents FROM accounts WHERE account = ?", (account,)
            ).fetchone()
            if row is None:
                raise StepError(f"there is no account {account}")
            if row[0] < taken:
                raise StepError(
                    f"account {account} holds {row[0] / 100:,.2f}, {taken / 100:,.2f} needed"
                )
            db.execute(
                "UPDATE accounts SET balance_cents = balance_cents - ? WHERE account = ?",
                (taken, account),
            )
            db.execute(
                "INSERT INTO movements VALUES (?, ?, ?, ?, 'STANDS')",
                (correlation_id, step, account, taken),
            )
            return {
                "account": account,
                "amount": abs(taken) / 100,
                "credited" if taken < 0 else "debited": abs(taken) / 100,
                "balance": (row[0] - taken) / 100,
            }

        return self.apply_once(key, correlation_id, effect)

    def put_back(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Undo the saga's step's movement; a credit whose money is gone is refused."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            step = key.rpartition(":")[2]
            ((taken,),) = db.execute(
                "SELECT taken_cents FROM movements WHERE correlation_id = ? AND step = ?",
                (correlation_id, step),
            ).fetchall()
            ((balance,),) = db.execute(
                "SELECT balance_cents FROM accounts WHERE account = ?", (done["account"],)
            ).fetchall()
            if balance + taken < 0:
                raise StepError(
                    f"account {done['account']} holds {balance / 100:,.2f}: the "
                    f"{-taken / 100:,.2f} credited cannot be taken back"
                )
            db.execute(
                "UPDATE movements SET status = 'UNDONE' WHERE correlation_id = ? AND step = ?",
                (correlation_id, step),
            )
            db.execute(
                "UPDATE accounts SET balance_cents = balance_cents + ? WHERE account = ?",
                (taken, done["account"]),
            )
            return {"account": done["account"], "put_back": abs(taken) / 100}

        return self.undo_once(key, correlation_id, undo)

    def held(self) -> dict[tuple[str, str], Any]:
        """``(account, cents taken)`` of each saga's step's movement that stands."""
        return {
            (cid, step): (account, int(cents))
            for cid, step, account, cents in self.query(
                "SELECT correlation_id, step, account, taken_cents FROM movements "
                "WHERE status = 'STANDS'"
            )
        }

    def figures(self) -> dict[str, Any]:
        """Each account's opening and current balance, and what was debited and credited."""
        with self.reading():
            accounts = self.query(
                "SELECT account, opening_cents, balance_cents FROM accounts ORDER BY rowid"
            )
            ((debited, credited, undone),) = self.query(
                "SELECT COALESCE(SUM(CASE WHEN taken_cents > 0 THEN taken_cents END), 0), "
                "COALESCE(SUM(CASE WHEN taken_cents < 0 THEN -taken_cents END), 0), "
                "COALESCE(SUM(CASE WHEN status = 'UNDONE' THEN ABS(taken_cents) END), 0) "
                "FROM movements"
            )
        return {
            "accounts": [
                {"account": name, "opening": opening / 100, "balance": balance / 100}
                for name, opening, balance in accounts
            ],
            "debited": debited / 100,
            "credited": credited / 100,
            "put_back": undone / 100,
        }

    def conservation(self) -> list[str]:
        """Opening balance less balance = the movements that stand, for every account."""
        problems = []
        with self.reading():
            rows = self.query(
                "SELECT a.account, a.opening_cents - a.balance_cents, "
                "COALESCE((SELECT SUM(m.taken_cents) FROM movements m "
                "WHERE m.account = a.account AND m.status = 'STANDS'), 0) FROM accounts a"
            )
        for account, below, taken in rows:
            if below != taken:
                problems.append(
                    f"{self.path.stem}: {account} is {below / 100:,.2f} below its opening "
                    f"balance, but the movements that stand take {taken / 100:,.2f}"
                )
        return problems


class RecordService(ServiceParticipant):
    """Records (itineraries, e-mails), created by sagas and cancelled."""

    KEEPS = "records"
    TABLES = frozenset({"records"})
    SCHEMA = """
    CREATE TABLE IF NOT EXISTS records (
        reference      TEXT PRIMARY KEY,
        correlation_id TEXT NOT NULL,
        step           TEXT NOT NULL,
        kind           TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('CREATED', 'CANCELLED')),
        UNIQUE (correlation_id, step)
    );
    """

    def create(self, key: str, correlation_id: str, step: str, kind: str) -> dict[str, Any]:
        """Create a record of ``kind`` for the saga's step."""

        def effect(db: sqlite3.Cursor) -> dict[str, Any]:
            while True:
                reference = os.urandom(4).hex().upper()
                try:
                    db.execute(
                        "INSERT INTO records VALUES (?, ?, ?, ?, 'CREATED')",
                        (reference, correlation_id, step, kind),
                    )
                except sqlite3.IntegrityError as exc:
                    if "records.reference" in str(exc):
                        continue  # a reference drawn twice: draw again
                    raise
                return {"reference": reference, "kind": kind}

        return self.apply_once(key, correlation_id, effect)

    def cancel(self, key: str, correlation_id: str) -> dict[str, Any]:
        """Cancel the saga's step's record."""

        def undo(db: sqlite3.Cursor, done: dict[str, Any]) -> dict[str, Any]:
            db.execute(
                "UPDATE records SET status = 'CANCELLED' WHERE reference = ?", (done["reference"],)
            )
            return {"cancelled": done["reference"]}

        return self.undo_once(key, correlation_id, undo)

    def held(self) -> dict[tuple[str, str], Any]:
        """The kind of each saga's step's record that stands."""
        return {
            (cid, step): kind
            for cid, step, kind in self.query(
                "SELECT correlation_id, step, kind FROM records WHERE status = 'CREATED'"
            )
        }

    def figures(self) -> dict[str, Any]:
        """How many records of each kind stand and were cancelled."""
        rows = self.query(
            "SELECT kind, COALESCE(SUM(status = 'CREATED'), 0), "
            "COALESCE(SUM(status = 'CANCELLED'), 0) FROM records GROUP BY kind ORDER BY kind"
        )
        return {
            "kinds": [
                {"kind": kind, "created": int(created), "cancelled": int(cancelled)}
                for kind, created, cancelled in rows
            ]
        }


#: The service class for what a saga file's service keeps.
SERVICE_KINDS: dict[str, type[ServiceParticipant]] = {
    cls.KEEPS: cls for cls in (StockService, AccountService, RecordService)
}
