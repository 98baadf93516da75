"""A live fault plan: changed while its saga runs, it counts for the steps still to come."""

from __future__ import annotations

import threading

import pytest

from saga_desktop import engine
from saga_desktop.booking import (
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    LiveFaultPlan,
)


def _run_changing(data_dir, booking, plan, on_event):
    with BookingSagaOrchestrator(data_dir=data_dir, listeners=[on_event]) as orchestrator:
        result = orchestrator.run(orchestrator.validate(booking), plan)
        return result, orchestrator.world.snapshot()


def test_a_fault_added_to_a_later_step_during_the_run_takes_effect(data_dir, booking):
    plan = LiveFaultPlan()
    changed: list[bool] = []

    def on_event(event):
        if isinstance(event, engine.StepSucceeded) and event.step == "RESERVE_SEAT":
            # From another thread, as the window does.
            worker = threading.Thread(
                target=lambda: changed.append(plan.change("process_payment", Fault(FaultKind.FAIL)))
            )
            worker.start()
            worker.join(5)

    result, world = _run_changing(data_dir, booking, plan, on_event)

    assert changed == [True]
    assert result.failed_step == "PROCESS_PAYMENT"
    assert result.steps_completed == 2
    assert world.consistent, world.violations


def test_a_step_that_has_started_keeps_its_fault(data_dir, booking):
    plan = LiveFaultPlan({"reserve_seat": Fault(FaultKind.COMPENSATION_FAIL, None)})
    answers: list[bool] = []

    def on_event(event):
        if isinstance(event, engine.StepSucceeded) and event.step == "DEDUCT_LOYALTY_POINTS":
            answers.append(plan.change("reserve_seat", None))
            answers.append(plan.change("process_payment", Fault(FaultKind.FAIL)))

    result, _ = _run_changing(data_dir, booking, plan, on_event)

    assert answers == [False, True]
    assert plan.started() >= {"reserve_seat", "deduct_loyalty_points", "process_payment"}
    # The undo of the seat still fails for ever, as the step started with it.
    assert [record.step for record in result.dead_letters] == ["RESERVE_SEAT"]


def test_a_crash_planned_during_the_run_crashes_after_that_step(data_dir, booking):
    plan = LiveFaultPlan()

    def on_event(event):
        if isinstance(event, engine.StepStarted) and event.step == "RESERVE_SEAT":
            plan.change("deduct_loyalty_points", Fault(FaultKind.CRASH))

    with pytest.raises(engine.SimulatedCrash, match="DEDUCT_LOYALTY_POINTS"):
        _run_changing(data_dir, booking, plan, on_event)


def test_a_live_plan_reads_like_a_mapping():
    plan = LiveFaultPlan({"confirm_booking": Fault(FaultKind.TIMEOUT)})
    assert dict(plan) == {"confirm_booking": Fault(FaultKind.TIMEOUT)}
    assert plan.change("confirm_booking", None)
    assert len(plan) == 0
    assert plan.snapshot() == {}
