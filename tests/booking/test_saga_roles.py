"""The trip booking's roles at work: its pivot (CHARGE_CARD) and its retriable steps.

A failure at or before the pivot undoes what was booked; after it the saga only
goes forward: a retriable step is retried until it succeeds, and one that never
does waits in the dead-letter queue with the flight, hotel, car and charge kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from saga_desktop.booking import (
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    load_saga,
)
from saga_desktop.engine import RETRIABLE_ATTEMPTS, SagaOutcome, SimulatedCrash

TRIP = Path(__file__).resolve().parents[2] / "resources" / "sagas" / "trip_booking.saga.toml"


@pytest.fixture
def trip(tmp_path):
    with BookingSagaOrchestrator(tmp_path / "data", saga=load_saga(TRIP)) as runner:
        yield runner


def _consistent(runner: BookingSagaOrchestrator) -> None:
    snapshot = runner.world.snapshot(runner.store)
    assert snapshot.violations == ()
    assert snapshot.in_flight == ()


def test_a_retriable_step_failing_twice_is_retried_and_the_trip_completes(trip):
    result = trip.run(trip.validate({}), {"issue_itinerary": Fault(FaultKind.TRANSIENT, 2)})

    assert result.success
    assert result.compensations == ()
    _consistent(trip)


def test_a_refusing_retriable_step_is_dead_lettered_and_nothing_is_undone(trip):
    result = trip.run(trip.validate({}), {"issue_itinerary": Fault(FaultKind.FAIL)})

    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert result.failed_step == "ISSUE_ITINERARY"
    assert list(result.results) == ["BOOK_FLIGHT", "BOOK_HOTEL", "RENT_CAR", "CHARGE_CARD"]
    (record,) = result.compensations
    assert (record.compensation, record.attempts) == ("ISSUE_ITINERARY", RETRIABLE_ATTEMPTS)
    (letter,) = trip.dead_letters()
    assert letter.step == "ISSUE_ITINERARY"
    # The world holds the trip up to the charge and says so: nothing is out of balance.
    _consistent(trip)

    # Retried (the fault is gone): the itinerary and the e-mail follow, the trip completes.
    assert trip.retry_dead_letter(letter)
    assert trip.dead_letters() == []
    assert trip.store is not None
    assert trip.store.outcomes([result.correlation_id])[result.correlation_id][0] == "COMPLETED"
    _consistent(trip)


def test_a_failing_pivot_undoes_the_flight_hotel_and_car_newest_first(trip):
    result = trip.run(trip.validate({}), {"charge_card": Fault(FaultKind.FAIL)})

    assert result.outcome is SagaOutcome.COMPENSATED
    assert [r.compensation for r in result.compensations] == [
        "COMPENSATE_RENT_CAR",
        "COMPENSATE_BOOK_HOTEL",
        "COMPENSATE_BOOK_FLIGHT",
    ]
    _consistent(trip)


def test_a_crash_right_after_the_pivot_is_recovered_forward(trip):
    with pytest.raises(SimulatedCrash):
        trip.run(trip.validate({}), {"charge_card": Fault(FaultKind.CRASH)})

    (recovered,) = trip.recover()

    assert recovered.success
    assert recovered.compensations == ()
    _consistent(trip)
