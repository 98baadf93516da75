"""Participant idempotency: repeated actions and undos change nothing; late actions are refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from saga_desktop.booking import FlightWorld, _flight
from saga_desktop.engine import StepError

CID = "11111111-2222-4333-8444-555555555555"
PASSENGERS = [{"first_name": "John", "last_name": "Doe", "gender": "male"}]

_TABLES = {
    "seats.db": ("seats", "operations"),
    "loyalty.db": ("users", "ledger", "operations"),
    "payments.db": ("payments", "operations"),
    "bookings.db": ("bookings", "operations"),
}


def dump(data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every participant table, read through a connection of our own."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for database, tables in _TABLES.items():
        db = sqlite3.connect(data_dir / database)
        try:
            for table in tables:
                found = db.execute(f"SELECT * FROM {table}").fetchall()
                rows[f"{database}:{table}"] = sorted(found, key=repr)
        finally:
            db.close()
    return rows


def key(step: str, cid: str = CID) -> str:
    return f"{cid}:{step}"


def reserve(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.seats.reserve(key("RESERVE_SEAT", cid), cid, 123, 1)


def release(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.seats.release(key("RESERVE_SEAT", cid), cid)


def deduct(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.loyalty.deduct(key("DEDUCT_LOYALTY_POINTS", cid), cid, 1, 1000)


def refund_points(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.loyalty.refund(key("DEDUCT_LOYALTY_POINTS", cid), cid)


def capture(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.payments.capture(key("PROCESS_PAYMENT", cid), cid, 1, 49_000, "card")


def refund_payment(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.payments.refund(key("PROCESS_PAYMENT", cid), cid)


def confirm(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    booking = {
        "flight_id": 123,
        "user_id": 1,
        "seat_ids": ["123-1A"],
        "points_used": 1000,
        "amount_cents": 49_000,
        "passengers": PASSENGERS,
    }
    return world.bookings.confirm(key("CONFIRM_BOOKING", cid), cid, booking)


def cancel(world: FlightWorld, cid: str = CID) -> dict[str, Any]:
    return world.bookings.cancel(key("CONFIRM_BOOKING", cid), cid)


Op = Callable[..., dict[str, Any]]
PAIRS = [
    pytest.param(reserve, release, id="seats"),
    pytest.param(deduct, refund_points, id="loyalty"),
    pytest.param(capture, refund_payment, id="payments"),
    pytest.param(confirm, cancel, id="bookings"),
]


@pytest.fixture
def world(tmp_path: Path):
    with FlightWorld(tmp_path) as world:
        yield world


@pytest.mark.parametrize(("action", "undo"), PAIRS)
def test_an_action_applied_twice_changes_nothing_the_second_time(world, tmp_path, action, undo):
    first = action(world)
    after_first = dump(tmp_path)

    second = action(world)

    assert dump(tmp_path) == after_first
    assert second == {**first, "repeated": True}


@pytest.mark.parametrize(("action", "undo"), PAIRS)
def test_a_compensation_applied_twice_changes_nothing_the_second_time(
    world, tmp_path, action, undo
):
    action(world)
    first = undo(world)
    after_first = dump(tmp_path)

    second = undo(world)

    assert "tombstone" not in first
    assert "repeated" not in first
    assert second == {"repeated": True}
    assert dump(tmp_path) == after_first


@pytest.mark.parametrize(("action", "undo"), PAIRS)
def test_a_compensation_before_its_action_leaves_a_tombstone_that_refuses_it(
    world, tmp_path, action, undo
):
    fresh_figures = world.snapshot().to_dict()

    assert undo(world) == {"tombstone": True}
    after_tombstone = dump(tmp_path)
    with pytest.raises(StepError, match="already compensated: the late action is refused"):
        action(world)

    assert dump(tmp_path) == after_tombstone
    assert world.snapshot().to_dict() == fresh_figures
    # The tombstone is the compensation's record: undoing again is a no-op too.
    assert undo(world) == {"repeated": True}
    assert dump(tmp_path) == after_tombstone


@pytest.mark.parametrize(("action", "undo"), PAIRS)
def test_an_action_after_its_compensation_is_refused(world, tmp_path, action, undo):
    action(world)
    undo(world)
    after_undo = dump(tmp_path)

    with pytest.raises(StepError, match="already compensated"):
        action(world)

    assert dump(tmp_path) == after_undo


def test_seat_reservation_twice_holds_one_seat(world):
    first = reserve(world)
    reserve(world)

    assert first["seat_ids"] == ["123-1A"]
    assert world.seats.free_seats(123) == 41
    assert world.seats.seats_by_saga() == {CID: {"123-1A"}}


def test_points_deducted_twice_are_taken_once_and_refunded_once(world):
    deduct(world)
    deduct(world)
    assert world.loyalty.user(1) == ("John Doe", 4000)
    assert world.loyalty.points_by_saga() == {CID: 1000}

    refund_points(world)
    refund_points(world)

    assert world.loyalty.user(1) == ("John Doe", 5000)
    assert world.loyalty.points_by_saga() == {CID: 0}


def test_a_payment_captured_twice_is_one_payment(world):
    first = capture(world)
    second = capture(world)

    assert second["transaction_id"] == first["transaction_id"]
    assert world.payments.totals() == (49_000, 0, 1)
    refund_payment(world)
    refund_payment(world)
    assert world.payments.totals() == (49_000, 49_000, 1)
    assert world.payments.net_by_saga() == {CID: 0}


def test_a_booking_confirmed_twice_is_one_booking(world):
    first = confirm(world)
    second = confirm(world)

    assert second["booking_reference"] == first["booking_reference"]
    assert world.bookings.counts() == (1, 0)
    cancel(world)
    cancel(world)
    assert world.bookings.counts() == (0, 1)


def test_the_whole_booking_applied_twice_is_one_consistent_booking(world, tmp_path):
    for action in (reserve, deduct, capture, confirm):
        action(world)
    assert world.violations() == []
    once = dump(tmp_path)

    for action in (reserve, deduct, capture, confirm):
        action(world)

    assert dump(tmp_path) == once
    assert world.violations() == []


def test_the_whole_booking_undone_twice_leaves_the_world_as_it_was(world):
    fresh = world.snapshot().to_dict()
    for action in (reserve, deduct, capture, confirm):
        action(world)

    for _ in range(2):
        for undo in (cancel, refund_payment, refund_points, release):
            undo(world)

    after = world.snapshot().to_dict()
    assert after["consistent"]
    assert after["flights"] == fresh["flights"]
    assert after["users"] == fresh["users"]
    assert after["payments"]["net"] == 0
    assert after["bookings"] == {"confirmed": 0, "cancelled": 1}


def test_keys_of_different_sagas_do_not_interfere(world):
    other = "99999999-8888-4777-8666-555555555555"
    reserve(world)
    reserve(world, other)
    release(world)

    assert world.seats.seats_by_saga() == {other: {"123-1B"}}


def test_a_refused_action_leaves_no_trace_and_can_run_later(world, tmp_path):
    seats_456 = world.seats.free_seats(456)
    before = dump(tmp_path)

    with pytest.raises(StepError, match=f"{seats_456} free seat"):
        world.seats.reserve(key("RESERVE_SEAT"), CID, 456, seats_456 + 1)

    assert dump(tmp_path) == before
    # No idempotency record was written, so the same key may still apply.
    assert world.seats.reserve(key("RESERVE_SEAT"), CID, 456, 1)["seat_ids"] == ["456-1A"]


def test_reserving_on_an_unknown_flight_is_refused(world, tmp_path):
    before = dump(tmp_path)

    with pytest.raises(StepError, match=r"^there is no flight 999$"):
        world.seats.reserve(key("RESERVE_SEAT"), CID, 999, 1)

    assert dump(tmp_path) == before


def test_deducting_more_than_the_balance_is_refused(world, tmp_path):
    before = dump(tmp_path)

    with pytest.raises(StepError, match=r"exceed the balance of user 2 \(1200\)"):
        world.loyalty.deduct(key("DEDUCT_LOYALTY_POINTS"), CID, 2, 1201)

    assert dump(tmp_path) == before


def test_deducting_from_an_unknown_user_is_refused(world):
    with pytest.raises(StepError, match="user 77 has no loyalty account"):
        world.loyalty.deduct(key("DEDUCT_LOYALTY_POINTS"), CID, 77, 1)


# An action runs its effect before it records its key (one look-up fewer for a new
# key): for a known key the effect is rolled back, whether it succeeded or refused.


def test_a_repeat_whose_effect_would_now_be_refused_returns_the_first_result(world, tmp_path):
    first = world.loyalty.deduct(key("DEDUCT_LOYALTY_POINTS"), CID, 2, 1200)
    after_first = dump(tmp_path)

    # The balance is 0 now: a new deduction of 1200 would be refused.
    second = world.loyalty.deduct(key("DEDUCT_LOYALTY_POINTS"), CID, 2, 1200)

    assert second == {**first, "repeated": True}
    assert dump(tmp_path) == after_first


def test_a_late_action_whose_effect_would_be_refused_is_refused_as_late(world, tmp_path):
    refund_points(world)  # the tombstone
    after_tombstone = dump(tmp_path)

    with pytest.raises(StepError, match="already compensated: the late action is refused"):
        world.loyalty.deduct(key("DEDUCT_LOYALTY_POINTS"), CID, 2, 1_000_000)

    assert dump(tmp_path) == after_tombstone


def test_a_repeated_action_leaves_no_trace_of_its_second_effect(world, tmp_path):
    first = capture(world)
    after_first = dump(tmp_path)

    # The second capture's effect inserts a payment of its own, then is rolled back.
    assert capture(world) == {**first, "repeated": True}
    assert dump(tmp_path) == after_first
    assert world.payments.totals() == (49_000, 0, 1)


def test_a_booking_reference_drawn_twice_is_drawn_again(world, monkeypatch):
    first = confirm(world)
    taken = bytes.fromhex(first["booking_reference"])
    draws = iter([taken, taken, bytes.fromhex("0badcafe")])
    monkeypatch.setattr(_flight.os, "urandom", lambda size: next(draws))

    second = world.bookings.confirm(
        "other:CONFIRM_BOOKING",
        "other",
        {
            "flight_id": 123,
            "user_id": 1,
            "seat_ids": ["123-1B"],
            "points_used": 0,
            "amount_cents": 100,
            "passengers": PASSENGERS,
        },
    )

    assert second["booking_reference"] == "0BADCAFE"
    assert world.bookings.counts() == (2, 0)


def test_the_seats_held_are_the_first_free_ones_in_seat_order(world):
    world.seats.reserve("x:RESERVE_SEAT", "x", 123, 1)

    held = world.seats.reserve(f"{CID}:RESERVE_SEAT", CID, 123, 3)

    assert held["seat_id"] == "123-1B"
    assert held["seat_ids"] == ["123-1B", "123-1C", "123-1D"]


def test_too_few_free_seats_hold_none(world):
    free = world.seats.free_seats(123)

    with pytest.raises(StepError, match=f"has {free} free seat"):
        world.seats.reserve(f"{CID}:RESERVE_SEAT", CID, 123, free + 1)

    assert world.seats.free_seats(123) == free
    assert world.seats.seats_by_saga() == {}


def test_in_a_commit_group_each_operation_stays_all_or_nothing(world):
    loyalty = world.loyalty
    (_, opening) = loyalty.user(1)

    def torn(db: sqlite3.Cursor) -> dict[str, Any]:
        db.execute("UPDATE users SET points = points - 1 WHERE id = 1")
        raise StepError("refused after a write")

    loyalty.begin_group()
    try:
        first = loyalty.deduct("a:DEDUCT_LOYALTY_POINTS", "a", 1, 0)  # no savepoint: reads only
        again = loyalty.deduct("a:DEDUCT_LOYALTY_POINTS", "a", 1, 0)
        loyalty.refund("b:DEDUCT_LOYALTY_POINTS", "b")  # before its action: a tombstone
        with pytest.raises(StepError, match="already compensated"):
            loyalty.deduct("b:DEDUCT_LOYALTY_POINTS", "b", 1, 0)
        with pytest.raises(StepError, match="refused after a write"):
            loyalty.apply_once("c:DEDUCT_LOYALTY_POINTS", "c", torn)
        loyalty.commit_group()
    finally:
        loyalty.end_group()

    assert again == dict(first, repeated=True)
    assert loyalty.user(1)[1] == opening
    assert loyalty.query("SELECT key, state FROM operations ORDER BY key") == [
        ("a:DEDUCT_LOYALTY_POINTS", "applied"),
        ("b:DEDUCT_LOYALTY_POINTS", "tombstone"),
    ]
    assert loyalty.points_by_saga() == {}


def test_what_a_commit_group_did_not_commit_is_dropped_whole(world):
    loyalty = world.loyalty
    loyalty.begin_group()
    try:
        loyalty.deduct("a:DEDUCT_LOYALTY_POINTS", "a", 1, 0)
        loyalty.deduct("b:DEDUCT_LOYALTY_POINTS", "b", 1, 100)
    finally:
        loyalty.end_group()

    assert loyalty.query("SELECT key FROM operations") == []
    assert loyalty.points_by_saga() == {}
