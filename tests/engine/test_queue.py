"""The memory queue: a projection of the saga's events, rebuilt the same way by anyone."""

from __future__ import annotations

import itertools

import pytest

from saga_desktop.engine import (
    CompensationRetried,
    RetryPolicy,
    SagaMemoryQueue,
    SagaOutcome,
    SagaStarted,
    StepError,
    StepRetried,
    StepStatus,
    TransientStepError,
)

CID = "00000000-0000-4000-8000-000000000007"


def status(**changes):
    base = {
        "correlation_id": CID,
        "outcome": "RUNNING",
        "pending": [],
        "executing": None,
        "completed": [],
        "failed": [],
        "compensation_queue": [],
        "compensating": None,
        "compensated": [],
        "dead_letters": [],
        "statuses": {},
    }
    assert set(changes) <= set(base)
    return {**base, **changes}


def run_with_snapshots(orchestrator_for, steps):
    """Run the saga; return its result and the queue's status after every event."""
    seen, snapshots = [], []

    def snapshot(event):
        snapshots.append(SagaMemoryQueue.from_events(seen).status())

    result = orchestrator_for(*steps, listeners=[seen.append, snapshot]).run(correlation_id=CID)
    return result, snapshots


def test_empty_queue():
    assert SagaMemoryQueue().status() == status(correlation_id=None)
    assert SagaMemoryQueue.from_events([]).outcome is SagaOutcome.RUNNING


def test_snapshots_of_a_failing_saga(participant, orchestrator_for):
    steps = [
        participant.step("A"),
        participant.step("B"),
        participant.step("C", errors=[StepError("no")]),
    ]

    result, snaps = run_with_snapshots(orchestrator_for, steps)

    assert len(snaps) == len(result.events) == 13
    assert snaps[0] == status(
        pending=["A", "B", "C"], statuses={"A": "PENDING", "B": "PENDING", "C": "PENDING"}
    )
    assert snaps[3] == status(  # StepStarted B
        pending=["C"],
        executing="B",
        completed=["A"],
        compensation_queue=["A"],
        statuses={"A": "COMPLETED", "B": "EXECUTING", "C": "PENDING"},
    )
    assert snaps[6] == status(  # StepFailed C
        completed=["A", "B"],
        failed=["C"],
        compensation_queue=["B", "A"],
        statuses={"A": "COMPLETED", "B": "COMPLETED", "C": "FAILED"},
    )
    assert snaps[7] == snaps[6]  # CompensationTriggered: the queue already had that order
    assert snaps[8] == status(  # CompensationStarted B
        completed=["A", "B"],
        failed=["C"],
        compensation_queue=["A"],
        compensating="B",
        statuses={"A": "COMPLETED", "B": "COMPENSATING", "C": "FAILED"},
    )
    assert snaps[9] == status(  # CompensationSucceeded B
        completed=["A", "B"],
        failed=["C"],
        compensation_queue=["A"],
        compensated=["B"],
        statuses={"A": "COMPLETED", "B": "COMPENSATED", "C": "FAILED"},
    )
    assert snaps[12] == status(
        outcome="COMPENSATED",
        completed=["A", "B"],
        failed=["C"],
        compensated=["B", "A"],
        statuses={"A": "COMPENSATED", "B": "COMPENSATED", "C": "FAILED"},
    )
    assert SagaMemoryQueue.from_events(result.events).status() == snaps[-1]
    assert result.steps_completed == len(snaps[-1]["completed"])


def test_snapshots_of_a_successful_saga(participant, orchestrator_for):
    result, snaps = run_with_snapshots(orchestrator_for, [participant.step(n) for n in "AB"])

    assert snaps[1] == status(
        pending=["B"], executing="A", statuses={"A": "EXECUTING", "B": "PENDING"}
    )
    assert snaps[-1] == status(
        outcome="COMPLETED",
        completed=["A", "B"],
        # Kept so that the window can show what *would* be undone.
        compensation_queue=["B", "A"],
        statuses={"A": "COMPLETED", "B": "COMPLETED"},
    )
    assert SagaMemoryQueue.from_events(result.events).status() == snaps[-1]


def test_snapshots_with_retries_and_a_dead_letter(participant, orchestrator_for):
    busy = TransientStepError("busy")
    steps = [
        participant.step("A", errors=[busy], retry=RetryPolicy(max_attempts=2)),
        participant.step(
            "B",
            comp_errors=itertools.repeat(StepError("offline")),
            compensation_retry=RetryPolicy(max_attempts=2),
        ),
        participant.step("C", errors=[StepError("no")]),
    ]

    result, snaps = run_with_snapshots(orchestrator_for, steps)
    kinds = [type(e).__name__ for e in result.events]

    # A retry does not dequeue anything again.
    retry_at = kinds.index("StepRetried")
    assert snaps[retry_at] == snaps[retry_at - 1]
    assert snaps[retry_at + 1]["pending"] == ["B", "C"]
    assert snaps[retry_at + 1]["executing"] == "A"
    # While B's compensation is retried, A waits its turn.
    comp_retry_at = kinds.index("CompensationRetried")
    assert snaps[comp_retry_at]["compensating"] == "B"
    assert snaps[comp_retry_at + 1]["compensation_queue"] == ["A"]
    failed_at = kinds.index("CompensationFailed")
    assert snaps[failed_at]["compensating"] is None
    assert snaps[failed_at]["statuses"]["B"] == "FAILED"
    assert snaps[-1] == status(
        outcome="DEAD_LETTERED",
        completed=["A", "B"],
        failed=["C"],
        compensated=["A"],
        dead_letters=["B"],
        statuses={"A": "COMPENSATED", "B": "FAILED", "C": "FAILED"},
    )


def test_incremental_queue_equals_queue_rebuilt_from_events(participant, orchestrator_for):
    live = SagaMemoryQueue()
    seen = []

    def check(event):
        live.apply(event)
        assert live.status() == SagaMemoryQueue.from_events(seen).status()

    steps = [participant.step("A"), participant.step("B", timeout=1.0, takes=2.0)]
    result = orchestrator_for(*steps, listeners=[seen.append, check]).run(correlation_id=CID)

    assert live.status() == SagaMemoryQueue.from_events(result.events).status()
    assert live.compensated == ["B", "A"]
    assert live.statuses == {"A": StepStatus.COMPENSATED, "B": StepStatus.COMPENSATED}


def test_saga_started_resets_the_queue(participant, orchestrator_for):
    first = orchestrator_for(participant.step("A")).run(correlation_id=CID).events
    other = "00000000-0000-4000-8000-0000000000ff"

    queue = SagaMemoryQueue.from_events([*first, SagaStarted(other, 2.0, "demo", ("X",), {})])

    assert queue.status() == status(correlation_id=other, pending=["X"], statuses={"X": "PENDING"})


@pytest.mark.parametrize(
    "event",
    [
        StepRetried(CID, 1.0, "A", 1, 2, 0.1, "busy"),
        CompensationRetried(CID, 1.0, "A", "COMPENSATE_A", 1, 2, 0.1, "busy"),
    ],
    ids=["step", "compensation"],
)
def test_retry_events_do_not_change_the_queue(event):
    queue = SagaMemoryQueue.from_events([SagaStarted(CID, 0.0, "demo", ("A",), {})])
    before = queue.status()

    queue.apply(event)

    assert queue.status() == before
