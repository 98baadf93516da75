"""The world's figures at an event of a recorded run agree with the real world's."""

from __future__ import annotations

from typing import Any

import pytest

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    BookingSagaOrchestrator,
    parse_plan,
    world_at,
)
from saga_desktop.engine import StepSucceeded

PLANS = {
    "success": {},
    "payment fails": {"process_payment": "fail"},
    "confirm fails": {"confirm_booking": "fail"},
    "payment times out": {"process_payment": "timeout"},
    "booking times out": {"confirm_booking": "timeout"},
    "seat undo stuck": {"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"},
    "points retried": {"deduct_loyalty_points": "transient:2"},
}


def _figures(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "seats": {f["id"]: (f["seats_left"], f["seats_taken"]) for f in state["flights"]},
        "points": {u["id"]: u["points"] for u in state["users"]},
        "payments": {k: state["payments"][k] for k in ("captured", "refunded", "net", "count")},
        "bookings": state["bookings"],
        "dead_letters": len(state.get("dead_letters", [])),
        "consistent": state["consistent"],
    }


def _snapshot(orchestrator: BookingSagaOrchestrator) -> dict[str, Any]:
    state = orchestrator.world.snapshot(orchestrator.store).to_dict()
    state["dead_letters"] = [letter.to_dict() for letter in orchestrator.dead_letters()]
    return state


@pytest.mark.parametrize("name", PLANS)
def test_the_figures_after_the_last_event_are_the_worlds(tmp_path, name: str) -> None:
    with BookingSagaOrchestrator(tmp_path / "data") as orchestrator:
        request = orchestrator.validate(dict(DEFAULT_BOOKING))
        orchestrator.run(request)  # a world that already moved
        before = _snapshot(orchestrator)
        result = orchestrator.run(request, parse_plan(PLANS[name]))
        after = _snapshot(orchestrator)

    assert _figures(world_at(before, result.events)) == _figures(after)


def test_half_way_the_run_is_in_flight_and_holds_what_it_took(tmp_path) -> None:
    with BookingSagaOrchestrator(tmp_path / "data") as orchestrator:
        before = _snapshot(orchestrator)
        request = orchestrator.validate(dict(DEFAULT_BOOKING))
        result = orchestrator.run(request, parse_plan({"process_payment": "fail"}))
    events = list(result.events)
    points_taken = next(
        i for i, e in enumerate(events) if isinstance(e, StepSucceeded) and e.step != "RESERVE_SEAT"
    )

    half_way = world_at(before, events[: points_taken + 1])

    flight = next(f for f in half_way["flights"] if f["id"] == 123)
    user = next(u for u in half_way["users"] if u["id"] == 1)
    assert flight["seats_left"] == next(f for f in before["flights"] if f["id"] == 123)[
        "seats_left"
    ] - len(DEFAULT_BOOKING["passengers"])
    assert user["points"] == 5_000 - DEFAULT_BOOKING["loyalty_points_to_use"]
    assert half_way["in_flight"] == [result.correlation_id]
    assert half_way["violations"] == []
    assert world_at(before, [])["flights"] == before["flights"]
