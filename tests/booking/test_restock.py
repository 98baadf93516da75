"""Restocking: the world back to its default stock, the saga log kept, what is owed still owed."""

from __future__ import annotations

from pathlib import Path

import pytest

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    MARKER,
    SAGA_LOG_DB,
    WORLD_DATABASES,
    BatchPlan,
    BookingSagaOrchestrator,
    FlightWorld,
    WorldError,
    open_scratch_world,
    parse_plan,
    restock_world,
    run_batch,
)
from saga_desktop.engine import SimulatedCrash


def _figures(orchestrator: BookingSagaOrchestrator) -> dict[str, object]:
    snapshot = orchestrator.world.snapshot(orchestrator.store)
    return {
        "seats_left": {f["id"]: f["seats_left"] for f in snapshot.flights},
        "points": {u["id"]: u["points"] for u in snapshot.users},
        "bookings": snapshot.bookings,
        "net": snapshot.payments["net"],
    }


def test_after_a_batch_the_world_is_restocked_and_the_history_stays(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        fresh = _figures(orchestrator)
        # Enough sagas to sell the flights out: every run after it is refused a seat.
        report = run_batch(orchestrator, BatchPlan(400, 0.0, 1))
        assert report.sold_out > 0
        assert orchestrator.world.seats.free_seats(123) == 0
        store = orchestrator.store
        assert store is not None
        logged = store.count()

        kept = restock_world(orchestrator)

        assert kept == ()
        assert _figures(orchestrator) == fresh
        assert store.count() == logged  # the saga log is the history: it stays
        assert orchestrator.world.snapshot(store).consistent
        assert orchestrator.start_booking_saga(DEFAULT_BOOKING)["success"]
    # The data directory is as whole as ever: every member and the marker.
    for name in (*WORLD_DATABASES, SAGA_LOG_DB, MARKER):
        assert (data_dir / name).is_file(), name
    with FlightWorld(data_dir) as world:
        assert world.snapshot().bookings == {"confirmed": 1, "cancelled": 0}


def test_sagas_still_owed_a_compensation_keep_their_hold_and_are_still_recovered(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        request = orchestrator.validate(dict(DEFAULT_BOOKING))
        for _ in range(3):
            orchestrator.run(request)
        stuck = orchestrator.run(
            request,
            parse_plan({"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"}),
        )
        with pytest.raises(SimulatedCrash):
            orchestrator.run(request, parse_plan({"process_payment": "crash"}))
        store = orchestrator.store
        assert store is not None
        (interrupted,) = store.in_flight().interrupted

        kept = restock_world(orchestrator)

        assert set(kept) == {stuck.correlation_id, interrupted}
        held = orchestrator.world.seats.seats_by_saga()
        assert set(held) == {stuck.correlation_id, interrupted}
        snapshot = orchestrator.world.snapshot(store)
        assert snapshot.bookings == {"confirmed": 0, "cancelled": 0}
        user = next(u for u in snapshot.users if u["id"] == 1)
        # The interrupted saga took its points; the stuck one had them refunded.
        assert user["points"] == 5_000 - DEFAULT_BOOKING["loyalty_points_to_use"]
        assert user["opening_points"] == 5_000
        # Still owed, so still shown as owed: the restock did not hide them.
        assert not snapshot.consistent

        # They are still recovered and retried for real, and then the books balance.
        (recovered,) = orchestrator.recover()
        assert recovered.correlation_id == interrupted
        (letter,) = orchestrator.dead_letters()
        assert orchestrator.retry_dead_letter(letter)
        after = orchestrator.world.snapshot(store)
        assert after.consistent
        assert all(f["seats_taken"] == 0 for f in after.flights)
        assert next(u for u in after.users if u["id"] == 1)["points"] == 5_000
        assert after.payments["net"] == 0


def test_restocking_under_a_live_process_running_sagas_is_refused(tmp_path: Path) -> None:
    with BookingSagaOrchestrator(tmp_path / "data") as orchestrator:
        orchestrator.start_booking_saga(DEFAULT_BOOKING)
        before = _figures(orchestrator)
        store = orchestrator.store
        assert store is not None
        running = store.in_flight()
        fake = type(running)(frozenset({"0" * 36}), frozenset(), running.last_seq)
        store.in_flight = lambda: fake  # type: ignore[method-assign]

        with pytest.raises(WorldError, match="in flight in another process"):
            restock_world(orchestrator)

        assert _figures(orchestrator) == before


def test_a_scratch_world_is_fresh_each_time_and_refused_as_a_link(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        mine = _figures(orchestrator)
    for _ in range(2):
        scratch = open_scratch_world(data_dir)
        try:
            assert scratch.data_dir == data_dir / "batch-world"
            assert scratch.store is not None
            assert scratch.store.count() == 0
            report = run_batch(scratch, BatchPlan(50, 0.5, 4))
            assert report.consistent
        finally:
            scratch.close()
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        assert _figures(orchestrator) == mine  # this world was never touched

    other = tmp_path / "elsewhere"
    with BookingSagaOrchestrator(other):
        pass
    linked = tmp_path / "linked"
    with BookingSagaOrchestrator(linked):
        pass
    (linked / "batch-world").symlink_to(other, target_is_directory=True)
    with pytest.raises(WorldError, match="symbolic link"):
        open_scratch_world(linked)
    assert (other / MARKER).is_file()


def test_erasing_the_history_under_another_live_process_is_refused(tmp_path: Path) -> None:
    from saga_desktop.booking import erase_history

    data_dir = tmp_path / "data"
    with BookingSagaOrchestrator(data_dir) as first, BookingSagaOrchestrator(data_dir) as other:
        first.start_booking_saga(DEFAULT_BOOKING)
        assert other.store is not None
        other.store.owner_id  # noqa: B018 - takes its lease: it works here now
        store = first.store
        assert store is not None
        logged = store.count()

        with pytest.raises(WorldError, match="other process"):
            erase_history(first)
        assert store.count() == logged

    with BookingSagaOrchestrator(data_dir) as alone:
        erase_history(alone)
        assert alone.store is not None
        assert alone.store.count() == 0
