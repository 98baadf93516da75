"""The guide's five scenarios through ``start_booking_saga``: responses, and the world after."""

from __future__ import annotations

import copy
import json
import re
import uuid

import pytest

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    SCENARIOS,
    STEP_NAMES,
    STEP_TEXTS,
    BookingSagaOrchestrator,
    InvalidFaultSpec,
    check_scenario,
    run_scenarios,
)
from saga_desktop.engine import SqliteEventStore

STEPS = ("RESERVE_SEAT", "DEDUCT_LOYALTY_POINTS", "PROCESS_PAYMENT", "CONFIRM_BOOKING")
SUCCESS_KEYS = {
    "success",
    "correlation_id",
    "booking_reference",
    "steps_completed",
    "total_steps",
    "saga_log",
}
FAILURE_KEYS = {
    "success",
    "correlation_id",
    "failed_step",
    "error",
    "steps_completed",
    "compensation_result",
    "saga_log",
}


def assert_uuid4(text: str) -> None:
    parsed = uuid.UUID(text)
    assert parsed.version == 4
    assert str(parsed) == text


def test_step_names_are_the_guides():
    assert STEP_NAMES == STEPS


def test_success(orchestrator, booking, figures):
    before = figures(orchestrator.world)

    response = orchestrator.start_booking_saga(booking, failure_scenarios={})

    assert response.keys() >= SUCCESS_KEYS
    assert "failed_step" not in response
    assert "compensation_result" not in response
    assert response["success"] is True
    assert_uuid4(response["correlation_id"])
    assert re.fullmatch(r"[0-9A-F]{8}", response["booking_reference"])
    assert response["steps_completed"] == 4
    assert response["total_steps"] == 4
    assert response["outcome"] == "COMPLETED"
    json.dumps(response)  # the response is plain data

    snapshot = orchestrator.world.snapshot()
    assert snapshot.consistent, snapshot.violations
    after = figures(orchestrator.world)
    assert after["seats_taken"] == {**before["seats_taken"], 123: 1}
    assert after["points"] == {**before["points"], 1: 4000}
    assert after["net"] == 490.0  # 500.00 less 1000 points worth 10.00
    assert after["confirmed"] == 1


FAILURES = [
    pytest.param("reserve_seat", "RESERVE_SEAT", 0, id="reserve-seat"),
    pytest.param("deduct_loyalty_points", "DEDUCT_LOYALTY_POINTS", 1, id="deduct-points"),
    pytest.param("process_payment", "PROCESS_PAYMENT", 2, id="payment"),
    pytest.param("confirm_booking", "CONFIRM_BOOKING", 3, id="confirm-booking"),
]


@pytest.mark.parametrize(("key", "step", "completed"), FAILURES)
def test_failure_at_each_step(orchestrator, booking, figures, key, step, completed):
    before = figures(orchestrator.world)

    response = orchestrator.start_booking_saga(booking, failure_scenarios={key: True})

    assert response.keys() >= FAILURE_KEYS
    assert "booking_reference" not in response
    assert response["success"] is False
    assert_uuid4(response["correlation_id"])
    assert response["failed_step"] == step
    assert response["error"].startswith(STEP_TEXTS[step].injected_error)
    assert response["steps_completed"] == completed
    assert response["total_steps"] == 4
    assert response["outcome"] == "COMPENSATED"
    assert response["dead_letters"] == []
    undone = [f"COMPENSATE_{name}" for name in reversed(STEPS[:completed])]
    result = response["compensation_result"]
    assert result["total_compensations"] == completed
    assert result["successful_compensations"] == completed
    assert [(r["step"], r["success"]) for r in result["results"]] == [
        (name, True) for name in undone
    ]
    json.dumps(response)

    snapshot = orchestrator.world.snapshot()
    assert snapshot.consistent, snapshot.violations
    assert figures(orchestrator.world) == before


def test_guides_payment_failure_example(orchestrator, booking):
    failure_scenarios = {
        "reserve_seat": False,
        "deduct_loyalty_points": False,
        "process_payment": True,
        "confirm_booking": False,
    }

    response = orchestrator.start_booking_saga(booking, failure_scenarios=failure_scenarios)

    assert response["failed_step"] == "PROCESS_PAYMENT"
    assert response["error"].startswith("Payment authorization failed")
    assert response["steps_completed"] == 2
    assert response["compensation_result"] == {
        "total_compensations": 2,
        "successful_compensations": 2,
        "results": [
            {"step": "COMPENSATE_DEDUCT_LOYALTY_POINTS", "success": True, "attempts": 1},
            {"step": "COMPENSATE_RESERVE_SEAT", "success": True, "attempts": 1},
        ],
    }


def test_the_first_failing_step_wins(orchestrator, booking):
    response = orchestrator.start_booking_saga(
        booking, {"confirm_booking": True, "deduct_loyalty_points": True}
    )

    assert response["failed_step"] == "DEDUCT_LOYALTY_POINTS"
    assert response["steps_completed"] == 1


def test_saga_log_tells_the_story_in_order(orchestrator, booking):
    response = orchestrator.start_booking_saga(booking, {"process_payment": True})

    log = response["saga_log"]
    assert {entry["correlation_id"] for entry in log} == {response["correlation_id"]}
    assert [e["type"] for e in log] == [
        "SagaStarted",
        "StepStarted",
        "StepSucceeded",
        "StepStarted",
        "StepSucceeded",
        "StepStarted",
        "StepFailed",
        "CompensationTriggered",
        "CompensationStarted",
        "CompensationSucceeded",
        "CompensationStarted",
        "CompensationSucceeded",
        "SagaCompensated",
    ]
    assert log[0]["payload"] == DEFAULT_BOOKING
    times = [e["at"] for e in log]
    assert times == sorted(times)


def test_five_scenarios_in_a_row_leave_one_booking(orchestrator, booking):
    for scenario in SCENARIOS:
        orchestrator.start_booking_saga(booking, scenario.failure_scenarios)

    snapshot = orchestrator.world.snapshot()
    assert snapshot.consistent, snapshot.violations
    assert snapshot.bookings == {"confirmed": 1, "cancelled": 0}
    # The failed confirmation's payment was captured, then refunded.
    assert snapshot.payments == {"captured": 980.0, "refunded": 490.0, "net": 490.0, "count": 2}


def test_correlation_ids_are_unique(orchestrator, booking):
    ids = {orchestrator.start_booking_saga(booking, {"reserve_seat": True})["correlation_id"]}
    ids.add(orchestrator.start_booking_saga(booking, {"reserve_seat": True})["correlation_id"])

    assert len(ids) == 2


def test_several_passengers_get_seats_side_by_side(orchestrator, booking):
    booking["passengers"] = [
        {"first_name": "John", "last_name": "Doe"},
        {"first_name": "Jane", "last_name": "Doe"},
        {"first_name": "Jim", "last_name": "Doe"},
    ]

    response = orchestrator.start_booking_saga(booking)

    seat_step = next(e for e in response["saga_log"] if e["type"] == "StepSucceeded")
    assert seat_step["result"]["seat_ids"] == ["123-1A", "123-1B", "123-1C"]
    assert orchestrator.world.snapshot().consistent


def test_a_sold_out_flight_fails_for_real_at_reserve_seat(orchestrator):
    # Flight 456 has 30 seats: three full bookings of nine leave three.
    big = {
        "flight_id": 456,
        "user_id": 3,
        "total_fare": 180.0,
        "loyalty_points_to_use": 0,
        "passengers": [{"first_name": f"P{i}", "last_name": "X"} for i in range(9)],
    }
    for _ in range(3):
        assert orchestrator.start_booking_saga(big)["success"]
    before = orchestrator.world.snapshot().to_dict()

    response = orchestrator.start_booking_saga(big)

    assert response["success"] is False
    assert response["failed_step"] == "RESERVE_SEAT"
    assert response["error"] == "flight 456 has 3 free seat(s), 9 needed"
    assert response["compensation_result"]["total_compensations"] == 0
    assert orchestrator.world.snapshot().to_dict() == before


def test_unknown_failure_scenario_is_refused_before_anything_runs(orchestrator, booking):
    before = orchestrator.world.snapshot().to_dict()
    assert orchestrator.store is not None
    events = orchestrator.store.count()

    with pytest.raises(InvalidFaultSpec, match="unknown step 'pay'"):
        orchestrator.start_booking_saga(booking, {"pay": True})

    assert orchestrator.world.snapshot().to_dict() == before
    assert orchestrator.store.count() == events


def test_the_durable_saga_log_knows_how_each_saga_ended(orchestrator, booking):
    ok = orchestrator.start_booking_saga(booking)
    failed = orchestrator.start_booking_saga(booking, {"confirm_booking": True})

    assert orchestrator.store is not None
    statuses = {s.correlation_id: s.status for s in orchestrator.store.sagas()}
    assert statuses == {ok["correlation_id"]: "COMPLETED", failed["correlation_id"]: "COMPENSATED"}
    assert orchestrator.store.incomplete() == []
    assert orchestrator.recover() == []


def test_without_durable_log_or_log_files(tmp_path, booking):
    with BookingSagaOrchestrator(
        tmp_path, durable=False, write_logs=False, keep_events=False
    ) as orchestrator:
        response = orchestrator.start_booking_saga(booking, {"process_payment": True})

    assert response["saga_log"] == []
    assert response["compensation_result"]["successful_compensations"] == 2
    assert not (tmp_path / "logs").exists()
    # The saga log is made with the data directory, and stays empty without durability.
    store = SqliteEventStore(tmp_path / "saga_log.db", create=False)
    assert store.count() == 0
    store.close()


# -- the scenario runner and its checker ------------------------------------------------


def test_run_scenarios_passes_all_five(orchestrator):
    report = run_scenarios(orchestrator)

    assert report["total"] == 5
    assert report["passed"] == 5
    assert report["failed"] == 0
    assert report["all_passed"] is True
    assert [r["name"] for r in report["results"]] == [s.name for s in SCENARIOS]
    assert all(r["problems"] == [] and r["consistent"] for r in report["results"])
    json.dumps(report)


def test_run_scenarios_twice_on_the_same_world_still_passes(orchestrator):
    assert run_scenarios(orchestrator)["all_passed"]
    assert run_scenarios(orchestrator)["all_passed"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_check_scenario_accepts_the_real_run(orchestrator, booking, scenario):
    before = orchestrator.world.snapshot().to_dict()
    response = orchestrator.start_booking_saga(booking, scenario.failure_scenarios)
    after = orchestrator.world.snapshot().to_dict()

    assert check_scenario(scenario, response, before, after) == []


def test_check_scenario_catches_compensations_out_of_order(orchestrator, booking):
    scenario = next(s for s in SCENARIOS if s.name == "payment_failure")
    before = orchestrator.world.snapshot().to_dict()
    response = orchestrator.start_booking_saga(booking, scenario.failure_scenarios)
    after = orchestrator.world.snapshot().to_dict()
    tampered = copy.deepcopy(response)
    tampered["compensation_result"]["results"].reverse()

    problems = check_scenario(scenario, tampered, before, after)

    assert problems == [
        "compensations ran ['COMPENSATE_RESERVE_SEAT', 'COMPENSATE_DEDUCT_LOYALTY_POINTS'], "
        "expected ['COMPENSATE_DEDUCT_LOYALTY_POINTS', 'COMPENSATE_RESERVE_SEAT']"
    ]


def test_check_scenario_catches_a_changed_world(orchestrator, booking):
    scenario = next(s for s in SCENARIOS if s.name == "reserve_seat_failure")
    before = orchestrator.world.snapshot().to_dict()
    response = orchestrator.start_booking_saga(booking, scenario.failure_scenarios)
    orchestrator.start_booking_saga(booking)  # something else changed the world meanwhile
    after = orchestrator.world.snapshot().to_dict()

    problems = check_scenario(scenario, response, before, after)

    assert len(problems) == 1
    assert problems[0].startswith("the world changed")
