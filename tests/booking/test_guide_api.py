"""The guide's programmatic and service-layer usage, called exactly as the guide shows."""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saga_desktop.booking import (
    DATA_DIR_ENV,
    DEFAULT_BOOKING,
    BookingSagaOrchestrator,
    BookingSagaService,
    InvalidBooking,
    default_data_dir,
)

GUIDE_ARGS: dict[str, Any] = {
    "flight_ids": [123],
    "flight_dates": ["2024-01-20"],
    "passenger_data": [{"first_name": "John", "last_name": "Doe", "gender": "male"}],
    "seat_class": "Economy",
    "total_fare": 500.00,
    "loyalty_points_to_use": 1000,
    "payment_method": "card",
}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[BookingSagaService]:
    service = BookingSagaService(tmp_path)
    yield service
    service.close()


def guide_user() -> types.SimpleNamespace:
    """Stands in for ``User.objects.get(id=1)``."""
    return types.SimpleNamespace(id=1, username="john")


def test_service_layer_usage_from_the_guide(service):
    result = service.create_booking_saga(user=guide_user(), **GUIDE_ARGS)

    assert result["success"] is True
    assert len(result["booking_reference"]) == 8
    world = service.orchestrator.world
    assert world.snapshot().consistent
    assert world.loyalty.user(1) == ("John Doe", 4000)


def test_service_accepts_a_plain_user_id(service):
    assert service.create_booking_saga(user=1, **GUIDE_ARGS)["success"] is True


def test_service_passes_failure_scenarios_through(service):
    result = service.create_booking_saga(
        user=guide_user(), **GUIDE_ARGS, failure_scenarios={"process_payment": True}
    )

    assert result["failed_step"] == "PROCESS_PAYMENT"
    assert service.orchestrator.world.snapshot().bookings["confirmed"] == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"flight_dates": ["2024-01-21"]},
            "flight_dates",
            "flight 123 flies on 2024-01-20, not 2024-01-21",
            id="wrong-date",
        ),
        pytest.param(
            {"flight_ids": ["123"], "flight_dates": ["2024-01-21"]},
            "flight_dates",
            "flight 123 flies on 2024-01-20, not 2024-01-21",
            id="wrong-date-id-as-text",
        ),
        pytest.param(
            {"flight_ids": [123, 456], "flight_dates": ["2024-01-20", "2024-02-14"]},
            "flight_ids",
            "one flight at a time, not 2",
            id="several-flights",
        ),
        pytest.param({"flight_ids": []}, "flight_ids", "not 0", id="no-flight"),
        pytest.param({"seat_class": "Cargo"}, "seat_class", "Economy, Premium", id="seat-class"),
        pytest.param({"seat_class": "economy"}, "seat_class", "not 'economy'", id="seat-case"),
        pytest.param({"passenger_data": []}, "passengers", "at least one", id="no-passengers"),
        pytest.param({"flight_ids": ["abc"]}, "flight_id", "whole number", id="text-flight"),
        pytest.param({"flight_ids": [10**30]}, "flight_id", "out of range", id="huge-flight"),
    ],
)
def test_service_refuses_wrong_arguments_and_changes_nothing(service, changes, field, message):
    world = service.orchestrator.world
    before = world.snapshot().to_dict()

    with pytest.raises(InvalidBooking) as caught:
        service.create_booking_saga(user=guide_user(), **{**GUIDE_ARGS, **changes})

    assert caught.value.field == field
    assert message in str(caught.value)
    assert world.snapshot().to_dict() == before
    assert service.orchestrator.store is not None
    assert service.orchestrator.store.count() == 0


@pytest.mark.parametrize(
    ("changes", "user", "step", "error"),
    [
        pytest.param({}, 7, "DEDUCT_LOYALTY_POINTS", "user 7 has no loyalty account", id="user"),
        pytest.param(
            {"flight_ids": [999]}, 1, "RESERVE_SEAT", "there is no flight 999", id="flight"
        ),
        pytest.param(
            {"loyalty_points_to_use": 6000},
            1,
            "DEDUCT_LOYALTY_POINTS",
            "loyalty points to use (6000) exceed the balance of user 1 (5000)",
            id="points",
        ),
    ],
)
def test_the_services_refuse_what_only_they_know(service, changes, user, step, error):
    # The guide's failure response, from the participant's own refusal, not an exception.
    world = service.orchestrator.world
    before = world.snapshot().to_dict()

    result = service.create_booking_saga(
        user=types.SimpleNamespace(id=user), **{**GUIDE_ARGS, **changes}
    )

    assert result["success"] is False
    assert result["failed_step"] == step
    assert error in result["error"]
    assert world.snapshot().to_dict() == before


def test_programmatic_usage_from_the_guide(tmp_path, capsys):
    orchestrator = BookingSagaOrchestrator(tmp_path)
    booking_data = dict(DEFAULT_BOOKING)

    result = orchestrator.start_booking_saga(booking_data, failure_scenarios={})
    assert result.get("success")
    print(f"Booking confirmed: {result.get('booking_reference')}")

    failure_scenarios = {
        "reserve_seat": False,
        "deduct_loyalty_points": False,
        "process_payment": True,
        "confirm_booking": False,
    }
    result = orchestrator.start_booking_saga(booking_data, failure_scenarios=failure_scenarios)
    assert not result.get("success")
    print(f"Failed at: {result.get('failed_step')}")
    print(f"Compensations executed: {result.get('compensation_result')}")
    orchestrator.close()

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Booking confirmed: ")
    assert out[1] == "Failed at: PROCESS_PAYMENT"
    assert "COMPENSATE_DEDUCT_LOYALTY_POINTS" in out[2]


def test_orchestrator_without_data_dir_uses_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))

    with BookingSagaOrchestrator() as orchestrator:
        orchestrator.start_booking_saga(DEFAULT_BOOKING)

    assert orchestrator.data_dir == tmp_path / "from-env"
    assert (tmp_path / "from-env" / "seats.db").is_file()
    assert (tmp_path / "from-env" / "logs" / "saga_orchestrator.log").is_file()


def test_default_data_dir_follows_xdg_without_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))

    assert default_data_dir() == tmp_path / "saga-desktop"
