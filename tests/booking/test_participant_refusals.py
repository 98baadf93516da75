"""What only a participant knows is refused by that participant, during the saga.

The request's shape is checked before the saga; an unknown flight, a full flight, an
unknown user or too few points are the services' own refusals, at their step, and
whatever was done before is compensated: the orchestrator reads no service's database.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from saga_desktop.booking import DEFAULT_BOOKING, preset


def changed(**fields: Any) -> dict[str, Any]:
    booking = copy.deepcopy(DEFAULT_BOOKING)
    booking.update(fields)
    return booking


def world_figures(orchestrator) -> dict[str, Any]:
    snapshot = orchestrator.world.snapshot().to_dict()
    return {
        "flights": snapshot["flights"],
        "users": snapshot["users"],
        "payments": snapshot["payments"],
        "bookings": snapshot["bookings"],
    }


def undone(response: dict[str, Any]) -> list[str]:
    return [r["step"] for r in response["compensation_result"]["results"]]


@pytest.mark.parametrize(
    ("fields", "step", "error", "compensations"),
    [
        pytest.param(
            {"loyalty_points_to_use": 5001},
            "DEDUCT_LOYALTY_POINTS",
            "loyalty points to use (5001) exceed the balance of user 1 (5000)",
            ["COMPENSATE_RESERVE_SEAT"],
            id="points-over-balance",
        ),
        pytest.param(
            {"user_id": 2, "loyalty_points_to_use": 1201},
            "DEDUCT_LOYALTY_POINTS",
            "loyalty points to use (1201) exceed the balance of user 2 (1200)",
            ["COMPENSATE_RESERVE_SEAT"],
            id="points-over-balance-user-2",
        ),
        pytest.param(
            {"user_id": 42},
            "DEDUCT_LOYALTY_POINTS",
            "user 42 has no loyalty account",
            ["COMPENSATE_RESERVE_SEAT"],
            id="unknown-user",
        ),
        pytest.param(
            {"flight_id": 999}, "RESERVE_SEAT", "there is no flight 999", [], id="unknown-flight"
        ),
    ],
)
def test_a_participant_refuses_and_the_steps_before_are_compensated(
    orchestrator, fields, step, error, compensations
):
    before = world_figures(orchestrator)

    response = orchestrator.start_booking_saga(changed(**fields))

    assert not response["success"]
    assert response["failed_step"] == step
    assert error in response["error"]
    assert "injected" not in response["error"]
    assert undone(response) == compensations
    assert all(r["success"] for r in response["compensation_result"]["results"])
    assert world_figures(orchestrator) == before
    assert orchestrator.world.snapshot().consistent


def test_when_the_points_are_spent_the_next_booking_is_refused_at_deduct(orchestrator):
    # The guide's booking takes 1,000 of user 1's 5,000 points: five go through.
    for _ in range(5):
        assert orchestrator.start_booking_saga(DEFAULT_BOOKING)["success"]
    seats_left = world_figures(orchestrator)["flights"][0]["seats_left"]

    response = orchestrator.start_booking_saga(DEFAULT_BOOKING)

    assert response["failed_step"] == "DEDUCT_LOYALTY_POINTS"
    assert "loyalty points to use (1000) exceed the balance of user 1 (0)" in response["error"]
    assert undone(response) == ["COMPENSATE_RESERVE_SEAT"]
    assert world_figures(orchestrator)["flights"][0]["seats_left"] == seats_left
    assert orchestrator.world.snapshot().consistent


def test_the_not_enough_points_preset_is_refused_by_the_loyalty_service(orchestrator):
    lesson = preset("not_enough_points")
    assert lesson.faults == {}
    before = world_figures(orchestrator)

    response = orchestrator.start_booking_saga(lesson.request_data(DEFAULT_BOOKING))

    assert response["failed_step"] == "DEDUCT_LOYALTY_POINTS"
    assert "exceed the balance of user 1 (5000)" in response["error"]
    assert undone(response) == ["COMPENSATE_RESERVE_SEAT"]
    assert world_figures(orchestrator) == before
