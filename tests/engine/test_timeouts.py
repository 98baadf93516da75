"""Step timeouts on an injected clock: a late reply is a failure whose effect is unknown."""

from __future__ import annotations

from engine_helpers import trace

from saga_desktop.engine import (
    CompensationRecord,
    CompensationTriggered,
    RetryPolicy,
    SagaCompensated,
    SagaMemoryQueue,
    SagaOutcome,
    StepError,
    StepFailed,
    StepSucceeded,
    TransientStepError,
)

CID = "00000000-0000-4000-8000-000000000003"


def test_slow_action_times_out_and_is_compensated_before_earlier_steps(
    participant, orchestrator_for, clock
):
    steps = [
        participant.step("A"),
        participant.step("B"),
        participant.step("C", timeout=1.0, takes=2.5),
        participant.step("D"),
    ]

    result = orchestrator_for(*steps).run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.failed_step == "C"
    assert result.error == "C timed out after 1 s"
    assert result.steps_completed == 2
    assert "C" not in result.results
    assert participant.calls == ["do A#1", "do B#1", "do C#1", "undo C#1", "undo B#1", "undo A#1"]
    assert trace(result.events) == [
        ("SagaStarted", None),
        ("StepStarted", "A"),
        ("StepSucceeded", "A"),
        ("StepStarted", "B"),
        ("StepSucceeded", "B"),
        ("StepStarted", "C"),
        ("StepFailed", "C"),
        ("CompensationTriggered", None),
        ("CompensationStarted", "C"),
        ("CompensationSucceeded", "C"),
        ("CompensationStarted", "B"),
        ("CompensationSucceeded", "B"),
        ("CompensationStarted", "A"),
        ("CompensationSucceeded", "A"),
        ("SagaCompensated", None),
    ]
    end = 1_700_000_002.5
    assert result.events[6] == StepFailed(
        CID, end, "C", 1, "no reply within 1 s: effect unknown", False, True
    )
    assert result.events[7] == CompensationTriggered(CID, end, "C", ("C", "B", "A"), False)
    assert result.events[-1] == SagaCompensated(
        CID,
        end,
        "C",
        "C timed out after 1 s",
        2,
        ("COMPENSATE_C", "COMPENSATE_B", "COMPENSATE_A"),
        (),
        False,
    )
    assert result.compensations[0] == CompensationRecord("C", "COMPENSATE_C", True, 1)
    assert not any(isinstance(e, StepSucceeded) and e.step == "C" for e in result.events)


def test_first_step_timing_out_is_the_only_one_compensated(participant, orchestrator_for):
    steps = [participant.step("A", timeout=0.1, takes=0.2), participant.step("B")]

    result = orchestrator_for(*steps).run()

    assert participant.calls == ["do A#1", "undo A#1"]
    assert result.steps_completed == 0
    assert [r.step for r in result.compensations] == ["A"]


def test_reply_exactly_at_the_timeout_is_in_time(participant, orchestrator_for):
    steps = [participant.step("A", timeout=1.5, takes=1.5)]

    result = orchestrator_for(*steps).run()

    assert result.outcome is SagaOutcome.COMPLETED


def test_reply_just_after_the_timeout_is_late(participant, orchestrator_for):
    steps = [participant.step("A", timeout=1.5, takes=1.5001)]

    result = orchestrator_for(*steps).run()

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.error == "A timed out after 1.5 s"


def test_no_timeout_means_no_limit(participant, orchestrator_for):
    steps = [participant.step("A", takes=10_000.0)]

    assert orchestrator_for(*steps).run().outcome is SagaOutcome.COMPLETED


def test_backoff_sleep_does_not_count_against_the_timeout(participant, orchestrator_for, clock):
    policy = RetryPolicy(max_attempts=2, initial_delay=30.0, max_delay=30.0)
    steps = [
        participant.step(
            "A", errors=[TransientStepError("busy")], retry=policy, timeout=1.0, takes=0.5
        )
    ]

    result = orchestrator_for(*steps).run()

    assert result.outcome is SagaOutcome.COMPLETED
    assert clock.sleeps == [30.0]
    assert participant.calls == ["do A#1", "do A#2"]


def test_timed_out_step_is_not_retried(participant, orchestrator_for, clock):
    policy = RetryPolicy(max_attempts=3)
    steps = [participant.step("A", retry=policy, timeout=1.0, takes=2.0)]

    result = orchestrator_for(*steps).run()

    assert participant.calls == ["do A#1", "undo A#1"]
    assert clock.sleeps == []
    assert result.failed_step == "A"


def test_a_refusal_after_the_timeout_is_a_plain_failure(participant, orchestrator_for):
    # The participant replied (with a refusal), so nothing is left to undo for this step.
    steps = [
        participant.step("A"),
        participant.step("B", errors=[StepError("no")], timeout=1.0, takes=5.0),
    ]

    result = orchestrator_for(*steps).run()

    failed = [e for e in result.events if isinstance(e, StepFailed)]
    assert [(e.error, e.timed_out) for e in failed] == [("no", False)]
    assert participant.undone == ["A"]


def test_queue_puts_the_timed_out_step_first_in_the_compensation_queue(
    participant, orchestrator_for
):
    snapshots = []

    def snapshot(event):
        if isinstance(event, StepFailed):
            snapshots.append(SagaMemoryQueue.from_events(seen).status())

    seen = []
    steps = [participant.step("A"), participant.step("B", timeout=1.0, takes=2.0)]
    orchestrator_for(*steps, listeners=[seen.append, snapshot]).run()

    assert len(snapshots) == 1
    assert snapshots[0]["compensation_queue"] == ["B", "A"]
    assert snapshots[0]["failed"] == ["B"]
    assert snapshots[0]["statuses"] == {"A": "COMPLETED", "B": "FAILED"}
