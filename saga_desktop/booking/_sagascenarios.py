"""The scenarios of any saga file, generated: the success, and one failure per step.

A compensatable step or the pivot fails for good (``fail``): the saga stops
there and the completed compensatable steps before it are undone, newest
first, leaving every service as it was. A retriable step fails once
(``transient:1``): it is retried and the saga completes, for a retriable step
is never compensated. The report has the shape of ``saga_test_report.json``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from saga_desktop.booking._faults import Fault, FaultKind
from saga_desktop.booking._spec import SagaSpec, StepRole

if TYPE_CHECKING:
    from saga_desktop.booking._api import BookingSagaOrchestrator

__all__ = [
    "GeneratedScenario",
    "check_saga_scenario",
    "generated_scenarios",
    "run_saga_scenarios",
]


@dataclasses.dataclass(frozen=True, slots=True)
class GeneratedScenario:
    """One generated scenario and what it must show."""

    name: str
    title: str
    description: str
    faults: Mapping[str, Fault]
    expect_success: bool
    expect_failed_step: str | None
    expect_compensations: tuple[str, ...]


def generated_scenarios(spec: SagaSpec) -> tuple[GeneratedScenario, ...]:
    """The success scenario, then one failure scenario per step, in step order."""
    scenarios = [
        GeneratedScenario(
            "success",
            "Test 1: Success Scenario",
            f"All {len(spec.steps)} steps complete successfully.",
            {},
            True,
            None,
            (),
        )
    ]
    for number, step in enumerate(spec.steps):
        title = f"Test {number + 2}: {step.title} fails"
        if step.role is StepRole.RETRIABLE:
            scenarios.append(
                GeneratedScenario(
                    f"{step.key}_retried",
                    f"Test {number + 2}: {step.title} fails once",
                    f"{step.name} fails once and is retried: after the pivot the saga only "
                    "goes forward, and it completes.",
                    {step.key: Fault(FaultKind.TRANSIENT, 1)},
                    True,
                    None,
                    (),
                )
            )
            continue
        undone = tuple(
            earlier.compensation_name
            for earlier in reversed(spec.steps[:number])
            if earlier.role is StepRole.COMPENSATABLE
        )
        said = ", ".join(undone) or "nothing"
        scenarios.append(
            GeneratedScenario(
                f"{step.key}_failure",
                title,
                f"{step.name} fails; the steps before it are undone, newest first: {said}.",
                {step.key: Fault(FaultKind.FAIL)},
                False,
                step.name,
                undone,
            )
        )
    return tuple(scenarios)


def _figures(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """What a failed saga must leave as it was: every stock left and every balance."""
    figures: dict[str, Any] = {}
    for service in snapshot["services"]:
        for entry in service.get("items", []):
            figures[f"{service['name']}.{entry['item']}"] = entry["left"]
        for entry in service.get("accounts", []):
            figures[f"{service['name']}.{entry['account']}"] = entry["balance"]
        for entry in service.get("kinds", []):
            figures[f"{service['name']}.{entry['kind']}"] = entry["created"]
    return figures


def _problems(
    scenario: GeneratedScenario,
    response: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> list[str]:
    problems: list[str] = []
    if response["success"] is not scenario.expect_success:
        problems.append(f"success is {response['success']}, expected {scenario.expect_success}")
    if response.get("failed_step") != scenario.expect_failed_step:
        problems.append(
            f"failed_step is {response.get('failed_step')}, expected {scenario.expect_failed_step}"
        )
    results = response.get("compensation_result", {}).get("results", [])
    ran = tuple(r["step"] for r in results)
    if ran != scenario.expect_compensations:
        problems.append(
            f"compensations ran {list(ran)}, expected {list(scenario.expect_compensations)}"
        )
    if not all(r["success"] for r in results):
        problems.append("a compensation failed")
    if not scenario.expect_success and _figures(before) != _figures(after):
        problems.append(f"the world changed: {_figures(before)} became {_figures(after)}")
    if not after["consistent"]:
        problems.extend(f"inconsistent: {v}" for v in after["violations"])
    return problems


def check_saga_scenario(
    scenario: GeneratedScenario,
    response: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> list[str]:
    """What is wrong with a generated scenario's run (empty when it passed).

    ``before`` and ``after`` are the world's snapshots (``ServiceSnapshot.to_dict()``)
    around the run, as ``--self-test --saga FILE`` takes them from the window.
    """
    return _problems(scenario, response, before, after)


def run_saga_scenarios(orchestrator: BookingSagaOrchestrator, spec: SagaSpec) -> dict[str, Any]:
    """Run the generated scenarios on the orchestrator's world; return the report.

    Returns
    -------
    dict
        The report, as :func:`run_scenarios` returns it for the flight booking.
    """
    request = orchestrator.validate(dict(spec.request))
    results = []
    for scenario in generated_scenarios(spec):
        before = orchestrator.world.snapshot(orchestrator.store).to_dict()
        started = time.perf_counter()
        response = orchestrator.world.response(orchestrator.run(request, scenario.faults))
        duration_ms = (time.perf_counter() - started) * 1000
        after = orchestrator.world.snapshot(orchestrator.store).to_dict()
        problems = _problems(scenario, response, before, after)
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
        "saga": spec.name,
        "data_dir": str(orchestrator.data_dir),
        "total": len(results),
        "passed": passed,
        "failed": len(results) - passed,
        "all_passed": passed == len(results),
        "results": results,
    }
