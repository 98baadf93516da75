"""The world on disk: default data, reset, persistence, and invariants that catch tampering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    DEFAULT_FLIGHTS,
    DEFAULT_USERS,
    BookingSagaOrchestrator,
    FlightWorld,
    WorldError,
)

FAKE_CID = "deadbeef-0000-4000-8000-000000000000"


def tamper(data_dir: Path, database: str, sql: str, params: tuple[object, ...] = ()) -> None:
    """Change a participant's database behind the world's back, as a stray script would."""
    db = sqlite3.connect(data_dir / database)
    try:
        with db:
            db.execute(sql, params)
    finally:
        db.close()


def test_fresh_data_dir_has_the_guides_flight_and_user(tmp_path):
    with FlightWorld(tmp_path / "new" / "nested") as world:
        snapshot = world.snapshot()

        assert world.seats.flight(123) == ("JFK", "LAX", "2024-01-20", 50_000)
        assert world.loyalty.user(1) == ("John Doe", 5_000)
    assert snapshot.consistent
    assert snapshot.violations == ()
    flight_123 = next(f for f in snapshot.flights if f["id"] == 123)
    assert flight_123 == {
        "id": 123,
        "route": "JFK → LAX",
        "date": "2024-01-20",
        "capacity": 42,
        "seats_taken": 0,
        "seats_left": 42,
    }
    user_1 = next(u for u in snapshot.users if u["id"] == 1)
    assert user_1 == {"id": 1, "name": "John Doe", "points": 5000, "opening_points": 5000}
    assert [f["id"] for f in snapshot.flights] == [f[0] for f in DEFAULT_FLIGHTS]
    assert [u["id"] for u in snapshot.users] == [u[0] for u in DEFAULT_USERS]
    assert snapshot.payments == {"captured": 0.0, "refunded": 0.0, "net": 0.0, "count": 0}
    assert snapshot.bookings == {"confirmed": 0, "cancelled": 0}


def test_data_dir_holds_one_database_per_participant(tmp_path):
    FlightWorld(tmp_path).close()

    for name in ("seats.db", "loyalty.db", "payments.db", "bookings.db"):
        assert (tmp_path / name).is_file()


def test_reopening_keeps_the_data_and_does_not_seed_again(tmp_path):
    with BookingSagaOrchestrator(tmp_path) as orchestrator:
        assert orchestrator.start_booking_saga(DEFAULT_BOOKING)["success"]
        before = orchestrator.world.snapshot().to_dict()

    with FlightWorld(tmp_path) as world:
        after = world.snapshot().to_dict()

    assert after == before
    assert after["bookings"]["confirmed"] == 1
    assert len(after["users"]) == len(DEFAULT_USERS)


def test_reset_restores_the_default_data(tmp_path):
    with FlightWorld(tmp_path) as fresh:
        defaults = fresh.snapshot().to_dict()
    with BookingSagaOrchestrator(tmp_path) as orchestrator:
        orchestrator.start_booking_saga(DEFAULT_BOOKING)
        orchestrator.start_booking_saga(DEFAULT_BOOKING, {"confirm_booking": True})
        assert orchestrator.world.snapshot().to_dict() != defaults

        orchestrator.world.reset()

        assert orchestrator.world.snapshot().to_dict() == defaults
        # The world still works after a reset: the saga uses the new databases.
        assert orchestrator.start_booking_saga(DEFAULT_BOOKING)["success"]
        assert orchestrator.world.snapshot().consistent


def test_reset_world_also_empties_the_saga_log(orchestrator):
    orchestrator.start_booking_saga(DEFAULT_BOOKING)
    assert orchestrator.store is not None
    assert orchestrator.store.count() > 0

    orchestrator.reset_world()

    assert orchestrator.store.count() == 0
    assert orchestrator.world.snapshot().bookings == {"confirmed": 0, "cancelled": 0}


def test_a_data_dir_that_is_a_file_is_a_world_error(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")

    with pytest.raises(WorldError, match="data directory"):
        FlightWorld(not_a_dir)


def test_a_damaged_database_is_a_world_error(tmp_path):
    (tmp_path / "seats.db").write_bytes(b"this is not an SQLite database" * 100)

    with pytest.raises(WorldError, match=r"seats\.db"):
        FlightWorld(tmp_path)


# -- invariants ------------------------------------------------------------------------


def test_a_seat_held_by_an_unknown_saga_is_a_violation(world, data_dir):
    tamper(
        data_dir,
        "seats.db",
        "UPDATE seats SET holder = ? WHERE flight_id = 123 AND seat_no = '1A'",
        (FAKE_CID,),
    )

    violations = world.violations()

    assert violations == [
        f"saga {FAKE_CID[:8]} holds seats ['123-1A'] but it has no confirmed booking"
    ]
    snapshot = world.snapshot()
    assert not snapshot.consistent
    assert snapshot.to_dict()["violations"] == violations


def test_points_changed_without_the_ledger_are_a_violation(world, data_dir):
    tamper(data_dir, "loyalty.db", "UPDATE users SET points = points - 250 WHERE id = 1")

    assert world.violations() == ["balances are 250 points below opening, but the ledger records 0"]


def test_a_ledger_entry_without_a_booking_is_a_violation(world, data_dir):
    tamper(data_dir, "loyalty.db", "UPDATE users SET points = points - 300 WHERE id = 2")
    tamper(data_dir, "loyalty.db", "INSERT INTO ledger VALUES (?, 2, -300)", (FAKE_CID,))

    assert world.violations() == [
        f"saga {FAKE_CID[:8]} took 300 loyalty points but it has no confirmed booking"
    ]


def test_money_kept_without_a_booking_is_a_violation(world, data_dir):
    tamper(
        data_dir,
        "payments.db",
        "INSERT INTO payments VALUES ('TXN-FAKE', ?, 1, 'card', 1234, 'CAPTURED')",
        (FAKE_CID,),
    )

    assert world.violations() == [
        f"saga {FAKE_CID[:8]} kept 12.34 in payments but it has no confirmed booking"
    ]


def test_a_booking_cancelled_behind_the_sagas_back_is_a_violation(orchestrator, data_dir):
    response = orchestrator.start_booking_saga(DEFAULT_BOOKING)
    assert orchestrator.world.violations() == []
    short = response["correlation_id"][:8]

    tamper(data_dir, "bookings.db", "UPDATE bookings SET status = 'CANCELLED'")

    assert orchestrator.world.violations() == [
        f"saga {short} holds seats ['123-1A'] but it has no confirmed booking",
        f"saga {short} took 1000 loyalty points but it has no confirmed booking",
        f"saga {short} kept 490.00 in payments but it has no confirmed booking",
    ]


def test_a_booking_that_disagrees_with_the_seats_is_a_violation(orchestrator, data_dir):
    response = orchestrator.start_booking_saga(DEFAULT_BOOKING)
    short = response["correlation_id"][:8]

    tamper(data_dir, "bookings.db", """UPDATE bookings SET seat_ids = '["123-9F"]'""")

    assert orchestrator.world.violations() == [
        f"saga {short} holds seats ['123-1A'] but its booking has ['123-9F']"
    ]
