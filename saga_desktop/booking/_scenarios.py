"""The guide's five test scenarios, and the report ``saga_test_report.json``."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_desktop.booking._datadir import FOLDERS, SCENARIO_WORLD, checked_folder
from saga_desktop.booking._files import write_text_atomic
from saga_desktop.booking._request import DEFAULT_BOOKING, BookingRequest

if TYPE_CHECKING:
    from saga_desktop.booking._api import BookingSagaOrchestrator
    from saga_desktop.booking._spec import SagaSpec

__all__ = [
    "SCENARIOS",
    "SCENARIO_WORLD",
    "Scenario",
    "check_scenario",
    "run_scenarios",
    "run_scenarios_on_scratch_world",
    "write_report",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Scenario:
    """One of the guide's test scenarios and what it must show."""

    name: str
    title: str
    description: str
    failure_scenarios: Mapping[str, bool]
    expect_success: bool
    expect_failed_step: str | None
    expect_compensations: tuple[str, ...]

    @property
    def expect_steps_completed(self) -> int:
        """Steps that complete before the failure (all four on success)."""
        return 4 if self.expect_success else len(self.expect_compensations)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "success",
        "Test 1: Success Scenario",
        "All 4 steps complete successfully; the booking is confirmed with a reference.",
        {},
        True,
        None,
        (),
    ),
    Scenario(
        "reserve_seat_failure",
        "Test 2: Reserve Seat Failure",
        "RESERVE_SEAT fails; no step runs after it and there is nothing to compensate.",
        {"reserve_seat": True},
        False,
        "RESERVE_SEAT",
        (),
    ),
    Scenario(
        "deduct_points_failure",
        "Test 3: Deduct Points Failure",
        "RESERVE_SEAT succeeds, DEDUCT_LOYALTY_POINTS fails; the seat is given back.",
        {"deduct_loyalty_points": True},
        False,
        "DEDUCT_LOYALTY_POINTS",
        ("COMPENSATE_RESERVE_SEAT",),
    ),
    Scenario(
        "payment_failure",
        "Test 4: Payment Failure",
        "The seat and the points are taken, the payment fails; points then seat are given back.",
        {"process_payment": True},
        False,
        "PROCESS_PAYMENT",
        ("COMPENSATE_DEDUCT_LOYALTY_POINTS", "COMPENSATE_RESERVE_SEAT"),
    ),
    Scenario(
        "confirm_booking_failure",
        "Test 5: Confirm Booking Failure",
        "The first three steps succeed, confirmation fails; all three are undone in reverse.",
        {"confirm_booking": True},
        False,
        "CONFIRM_BOOKING",
        (
            "COMPENSATE_PROCESS_PAYMENT",
            "COMPENSATE_DEDUCT_LOYALTY_POINTS",
            "COMPENSATE_RESERVE_SEAT",
        ),
    ),
)


def _figures(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a world snapshot that a failed saga must leave as they were."""
    return {
        "flights": {f["id"]: f["seats_taken"] for f in snapshot["flights"]},
        "points": {u["id"]: u["points"] for u in snapshot["users"]},
        "money_net": snapshot["payments"]["net"],
        "bookings_confirmed": snapshot["bookings"]["confirmed"],
    }


def check_scenario(
    scenario: Scenario,
    response: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> list[str]:
    """Return every way ``response`` and the world differ from what ``scenario`` expects.

    Parameters
    ----------
    scenario
        What should happen.
    response
        The guide's response object of the run.
    before, after
        World snapshots (``WorldSnapshot.to_dict()``) around the run.

    Returns
    -------
    list of str
        Empty when the scenario passed.
    """
    problems: list[str] = []
    if response["success"] is not scenario.expect_success:
        problems.append(f"success is {response['success']}, expected {scenario.expect_success}")
    if response.get("failed_step") != scenario.expect_failed_step:
        problems.append(
            f"failed_step is {response.get('failed_step')}, expected {scenario.expect_failed_step}"
        )
    if response["steps_completed"] != scenario.expect_steps_completed:
        problems.append(
            f"steps_completed is {response['steps_completed']}, "
            f"expected {scenario.expect_steps_completed}"
        )
    ran = tuple(r["step"] for r in response.get("compensation_result", {}).get("results", []))
    if ran != scenario.expect_compensations:
        problems.append(
            f"compensations ran {list(ran)}, expected {list(scenario.expect_compensations)}"
        )
    if not all(r["success"] for r in response.get("compensation_result", {}).get("results", [])):
        problems.append("a compensation failed")
    if scenario.expect_success:
        reference = response.get("booking_reference", "")
        if not (len(reference) == 8 and all(c in "0123456789ABCDEF" for c in reference)):
            problems.append(f"booking_reference {reference!r} is not 8 upper-case hex characters")
    elif _figures(before) != _figures(after):
        problems.append(f"the world changed: {_figures(before)} became {_figures(after)}")
    if not after["consistent"]:
        problems.extend(f"inconsistent: {v}" for v in after["violations"])
    return problems


def run_scenarios(
    orchestrator: BookingSagaOrchestrator, booking_data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Run the five scenarios on the orchestrator's world and return the report.

    Parameters
    ----------
    orchestrator
        Whose world the scenarios run on.
    booking_data
        The request each scenario books (the guide's example by default).

    Returns
    -------
    dict
        ``saga_test_report.json``'s content: ``generated_at``, ``total``,
        ``passed``, ``failed``, ``all_passed`` and one entry per scenario.
    """
    request = orchestrator.validate(dict(booking_data or DEFAULT_BOOKING))
    results = []
    for scenario in SCENARIOS:
        before = orchestrator.world.snapshot(orchestrator.store).to_dict()
        started = time.perf_counter()
        payload = request.to_payload() if isinstance(request, BookingRequest) else request
        response = orchestrator.start_booking_saga(payload, scenario.failure_scenarios)
        duration_ms = (time.perf_counter() - started) * 1000
        after = orchestrator.world.snapshot(orchestrator.store).to_dict()
        problems = check_scenario(scenario, response, before, after)
        results.append(
            {
                "name": scenario.name,
                "title": scenario.title,
                "description": scenario.description,
                "passed": not problems,
                "problems": problems,
                "correlation_id": response["correlation_id"],
                "success": response["success"],
                "failed_step": response.get("failed_step"),
                "booking_reference": response.get("booking_reference"),
                "compensations": [
                    r["step"] for r in response.get("compensation_result", {}).get("results", [])
                ],
                "consistent": after["consistent"],
                "duration_ms": round(duration_ms, 3),
            }
        )
    passed = sum(r["passed"] for r in results)
    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "data_dir": str(orchestrator.data_dir),
        "total": len(results),
        "passed": passed,
        "failed": len(results) - passed,
        "all_passed": passed == len(results),
        "results": results,
    }


def run_scenarios_on_scratch_world(
    data_dir: Path,
    on_log_problem: Callable[[str], None] | None = None,
    saga: SagaSpec | None = None,
) -> dict[str, Any]:
    """Run the five scenarios on ``<data_dir>/scenario-world``, reset first.

    With ``saga``, its generated scenarios run instead (the success, then one
    failure per step), on that saga's world inside the scratch folder.

    The scenarios pass on every run and never spend the user's seats or points;
    their log lines still go to ``<data_dir>/logs``.

    Parameters
    ----------
    data_dir
        The data directory.
    on_log_problem
        Hears of a log file that cannot be written (see :class:`SagaLogFiles`).
    saga
        A saga file's saga, instead of the flight booking.

    Returns
    -------
    dict
        The report, as :func:`run_scenarios` returns it.
    """
    # Imported here: the window lists the scenarios at start-up, long before it
    # runs one (in its worker thread), and the saga machinery is a tenth of its start.
    from saga_desktop.booking._api import BookingSagaOrchestrator
    from saga_desktop.booking._sagascenarios import run_saga_scenarios
    from saga_desktop.booking._sagaworld import saga_world_dir

    # Refused when it is a link: resetting it would wipe the world it points at.
    world_dir = checked_folder(data_dir / SCENARIO_WORLD, FOLDERS[SCENARIO_WORLD])
    logs = data_dir / "logs" if saga is None else saga_world_dir(data_dir, saga) / "logs"
    with BookingSagaOrchestrator(world_dir, log_dir=logs, saga=saga) as orchestrator:
        if orchestrator.logs is not None and on_log_problem is not None:
            orchestrator.logs.on_problem = on_log_problem
        orchestrator.world.reset()  # the world the orchestrator opened: opened once
        if saga is not None:
            return run_saga_scenarios(orchestrator, saga)
        return run_scenarios(orchestrator)


def write_report(report: Mapping[str, Any], path: Path) -> None:
    """Write the report as indented JSON to ``path`` (whole, or not at all).

    Raises
    ------
    OSError
        When the file cannot be written.
    """
    write_text_atomic(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
