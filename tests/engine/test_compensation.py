"""Compensations that fail: retries, dead letters, and settling dead letters later."""

from __future__ import annotations

import itertools

import pytest
from engine_helpers import trace_attempts

from saga_desktop.engine import (
    CompensationFailed,
    CompensationRecord,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    DeadLettered,
    DeadLetterResolved,
    RetryPolicy,
    SagaCompensated,
    SagaMemoryQueue,
    SagaOutcome,
    StepError,
)

CID = "00000000-0000-4000-8000-000000000004"
COMP_POLICY = RetryPolicy(max_attempts=3, initial_delay=0.25, multiplier=2.0, max_delay=10.0)


def three_steps(participant, comp_errors=(), policy=COMP_POLICY):
    """A, B, C; C is refused, B's compensation raises ``comp_errors``."""
    return [
        participant.step("A"),
        participant.step("B", comp_errors=comp_errors, compensation_retry=policy),
        participant.step("C", errors=[StepError("refused")]),
    ]


def test_compensation_retried_until_it_succeeds(participant, orchestrator_for, clock):
    comp_errors = [StepError("locked", injected=True), RuntimeError("db gone")]
    orchestrator = orchestrator_for(*three_steps(participant, comp_errors))

    result = orchestrator.run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert clock.sleeps == [0.25, 0.5]
    assert participant.calls == [
        "do A#1",
        "do B#1",
        "do C#1",
        "undo B#1",
        "undo B#2",
        "undo B#3",
        "undo A#1",
    ]
    assert trace_attempts(result.events)[8:] == [
        ("CompensationStarted", "B", 1),
        ("CompensationRetried", "B", 1),
        ("CompensationStarted", "B", 2),
        ("CompensationRetried", "B", 2),
        ("CompensationStarted", "B", 3),
        ("CompensationSucceeded", "B", 3),
        ("CompensationStarted", "A", 1),
        ("CompensationSucceeded", "A", 1),
        ("SagaCompensated", None, None),
    ]
    retried = [e for e in result.events if isinstance(e, CompensationRetried)]
    start = 1_700_000_000.0
    assert retried == [
        CompensationRetried(CID, start, "B", "COMPENSATE_B", 1, 3, 0.25, "locked"),
        CompensationRetried(
            CID, start + 0.25, "B", "COMPENSATE_B", 2, 3, 0.5, "RuntimeError: db gone"
        ),
    ]
    started = [e for e in result.events if isinstance(e, CompensationStarted) and e.step == "B"]
    assert [(e.attempt, e.max_attempts) for e in started] == [(1, 3), (2, 3), (3, 3)]
    assert result.compensations == (
        CompensationRecord("B", "COMPENSATE_B", True, 3),
        CompensationRecord("A", "COMPENSATE_A", True, 1),
    )
    assert result.dead_letters == ()
    assert result.events[-1].compensated == ("COMPENSATE_B", "COMPENSATE_A")


def test_compensation_failing_forever_is_dead_lettered_and_others_still_run(
    participant, orchestrator_for, clock
):
    broken = StepError("ledger offline", injected=True)
    orchestrator = orchestrator_for(*three_steps(participant, itertools.repeat(broken)))

    result = orchestrator.run(correlation_id=CID)

    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert result.success is False
    assert clock.sleeps == [0.25, 0.5]
    assert participant.undone == ["B", "B", "B", "A"]
    assert trace_attempts(result.events)[8:] == [
        ("CompensationStarted", "B", 1),
        ("CompensationRetried", "B", 1),
        ("CompensationStarted", "B", 2),
        ("CompensationRetried", "B", 2),
        ("CompensationStarted", "B", 3),
        ("CompensationFailed", "B", 3),
        ("DeadLettered", "B", None),
        ("CompensationStarted", "A", 1),
        ("CompensationSucceeded", "A", 1),
        ("SagaCompensated", None, None),
    ]
    end = clock.now
    assert result.events[13] == CompensationFailed(
        CID, end, "B", "COMPENSATE_B", 3, "ledger offline", True
    )
    assert result.events[14] == DeadLettered(CID, end, "B", "COMPENSATE_B", 3, "ledger offline")
    assert result.events[-1] == SagaCompensated(
        CID, end, "C", "refused", 2, ("COMPENSATE_A",), ("COMPENSATE_B",), False
    )
    assert result.dead_letters == (
        CompensationRecord("B", "COMPENSATE_B", False, 3, "ledger offline"),
    )
    assert result.compensations == (
        CompensationRecord("B", "COMPENSATE_B", False, 3, "ledger offline"),
        CompensationRecord("A", "COMPENSATE_A", True, 1),
    )


def test_every_compensation_failing_dead_letters_them_all(participant, orchestrator_for):
    steps = [
        participant.step(name, comp_errors=itertools.repeat(ValueError("x")))
        for name in ("A", "B", "C")
    ]
    steps.append(participant.step("D", errors=[StepError("no")]))

    result = orchestrator_for(*steps).run()

    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert [r.step for r in result.dead_letters] == ["C", "B", "A"]
    assert {r.error for r in result.dead_letters} == {"ValueError: x"}
    assert result.events[-1].compensated == ()
    assert result.events[-1].dead_letters == ("COMPENSATE_C", "COMPENSATE_B", "COMPENSATE_A")


def test_compensation_without_retry_policy_is_tried_once(participant, orchestrator_for, clock):
    orchestrator = orchestrator_for(
        *three_steps(participant, [StepError("locked")], policy=RetryPolicy())
    )

    result = orchestrator.run()

    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert participant.undone == ["B", "A"]
    assert clock.sleeps == []
    assert result.dead_letters == (CompensationRecord("B", "COMPENSATE_B", False, 1, "locked"),)


# -- settling dead letters -------------------------------------------------------------


@pytest.fixture
def dead_lettered(participant, orchestrator_for):
    """A saga whose B compensation failed its three attempts, then recovers."""
    events = []
    broken = [StepError("ledger offline")] * 3
    orchestrator = orchestrator_for(*three_steps(participant, broken), listeners=[events.append])
    result = orchestrator.run(correlation_id=CID)
    assert result.outcome is SagaOutcome.DEAD_LETTERED
    participant.calls.clear()
    return orchestrator, events


def test_retry_dead_letter_success_emits_dead_letter_resolved(dead_lettered, participant, clock):
    orchestrator, events = dead_lettered
    before = len(events)

    record = orchestrator.retry_dead_letter(CID, "B")

    assert record == CompensationRecord("B", "COMPENSATE_B", True, 1)
    assert participant.calls == ["undo B#1"]
    assert events[before:] == [
        CompensationStarted(CID, clock.now, "B", "COMPENSATE_B", 1, 3),
        CompensationSucceeded(CID, clock.now, "B", "COMPENSATE_B", 1, {"undone": "B"}),
        DeadLetterResolved(CID, clock.now, "B", "COMPENSATE_B", "retried"),
    ]
    queue = SagaMemoryQueue.from_events(events)
    assert queue.dead_letters == []
    assert queue.outcome is SagaOutcome.COMPENSATED
    assert queue.status()["statuses"]["B"] == "COMPENSATED"
    assert queue.compensating is None


def test_retry_dead_letter_failure_keeps_the_dead_letter(participant, orchestrator_for, clock):
    events = []
    orchestrator = orchestrator_for(
        *three_steps(participant, itertools.repeat(StepError("still offline"))),
        listeners=[events.append],
    )
    orchestrator.run(correlation_id=CID)
    before = len(events)
    sleeps_before = len(clock.sleeps)

    record = orchestrator.retry_dead_letter(CID, "B")

    assert record == CompensationRecord("B", "COMPENSATE_B", False, 3, "still offline")
    # The step's compensation policy applies again, but nothing is dead-lettered twice.
    assert clock.sleeps[sleeps_before:] == [0.25, 0.5]
    assert [type(e).__name__ for e in events[before:]] == [
        "CompensationStarted",
        "CompensationRetried",
        "CompensationStarted",
        "CompensationRetried",
        "CompensationStarted",
        "CompensationFailed",
    ]
    queue = SagaMemoryQueue.from_events(events)
    assert queue.dead_letters == ["B"]
    assert queue.outcome is SagaOutcome.DEAD_LETTERED
    assert queue.compensating is None
    assert queue.status()["statuses"]["B"] == "FAILED"


def test_resolve_dead_letter_by_hand_runs_nothing(dead_lettered, participant, clock):
    orchestrator, events = dead_lettered
    before = len(events)

    assert orchestrator.resolve_dead_letter(CID, "B") is None

    assert participant.calls == []
    assert events[before:] == [DeadLetterResolved(CID, clock.now, "B", "COMPENSATE_B", "resolved")]
    queue = SagaMemoryQueue.from_events(events)
    assert queue.dead_letters == []
    assert queue.outcome is SagaOutcome.COMPENSATED


def test_dead_letter_events_go_to_the_sink_too(participant, orchestrator_for):
    stored = []

    class Sink:
        def append(self, event):
            stored.append(event)

    orchestrator = orchestrator_for(*three_steps(participant, [StepError("x")] * 3), sink=Sink())
    orchestrator.run(correlation_id=CID)
    stored.clear()

    orchestrator.retry_dead_letter(CID, "B")
    orchestrator.resolve_dead_letter(CID, "A")

    assert [type(e).__name__ for e in stored] == [
        "CompensationStarted",
        "CompensationSucceeded",
        "DeadLetterResolved",
        "DeadLetterResolved",
    ]
    assert [e.resolution for e in stored if isinstance(e, DeadLetterResolved)] == [
        "retried",
        "resolved",
    ]


def test_dead_letter_of_an_unknown_step_is_a_key_error(dead_lettered):
    orchestrator, _ = dead_lettered

    with pytest.raises(KeyError):
        orchestrator.retry_dead_letter(CID, "NOPE")
    with pytest.raises(KeyError):
        orchestrator.resolve_dead_letter(CID, "NOPE")
