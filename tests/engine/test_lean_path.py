"""A saga nobody watches (no sink, no listener, no kept events) skips its events, nothing else.

The orchestrator builds no events when nobody can see them, and runs each
step's first attempt inline. These tests run the same scripted sagas watched
and unwatched and check that the two agree on everything observable: the calls
made, their order and contexts, the sleeps, and the result.
"""

from __future__ import annotations

import random
import uuid

from engine_helpers import FakeClock
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.engine import (
    RetryPolicy,
    SagaDefinition,
    SagaMemoryQueue,
    SagaOrchestrator,
    SagaStep,
    StepContext,
    StepError,
    TransientStepError,
)

RETRY = RetryPolicy(max_attempts=3, initial_delay=0.2, jitter=0.1)
CID = "00000000-0000-4000-8000-0000000000aa"

#: What one step does: ok, refuse, refuse then succeed on retry, crash (a bug), time out,
#: or succeed and fail its undo (once, or on every attempt).
BEHAVIOURS = ("ok", "refuse", "transient", "bug", "slow", "undo_once", "undo_never")


def _saga(
    behaviours: list[str], clock: FakeClock, calls: list[tuple[object, ...]]
) -> SagaDefinition:
    def make(number: int, behaviour: str) -> SagaStep:
        name = f"S{number}"
        tries = {"do": 0, "undo": 0}

        def action(ctx: StepContext) -> dict[str, object] | None:
            tries["do"] += 1
            calls.append(("do", tuple(ctx)[:3], sorted(ctx.results)))
            if behaviour == "refuse":
                raise StepError(f"{name} refused", injected=True)
            if behaviour == "transient" and tries["do"] < 2:
                raise TransientStepError(f"{name} busy")
            if behaviour == "bug":
                raise KeyError(name)
            if behaviour == "slow":
                clock.now += 5.0
            return None if number % 2 else {"ref": f"{name}-{ctx.attempt}"}

        def compensation(ctx: StepContext) -> dict[str, object]:
            tries["undo"] += 1
            calls.append(("undo", tuple(ctx)[:3]))
            if behaviour == "undo_never" or (behaviour == "undo_once" and tries["undo"] < 2):
                raise StepError(f"undo of {name} failed")
            return {"undone": name}

        return SagaStep(
            name,
            action,
            compensation,
            retry=RETRY,
            compensation_retry=RETRY,
            timeout=1.0 if behaviour == "slow" else None,
        )

    return SagaDefinition("lean", tuple(make(n, b) for n, b in enumerate(behaviours, start=1)))


def _run(behaviours: list[str], watched: bool) -> tuple[object, ...]:
    clock = FakeClock()
    calls: list[tuple[object, ...]] = []
    seen: list[object] = []
    orchestrator = SagaOrchestrator(
        _saga(behaviours, clock, calls),
        listeners=[seen.append] if watched else [],
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
        keep_events=watched,
    )
    result = orchestrator.run({"n": 1}, correlation_id=CID)
    if watched:
        assert result.events
        # The watched log still rebuilds the queue the result describes.
        queue = SagaMemoryQueue.from_events(result.events)
        assert len(queue.completed) == result.steps_completed
        assert queue.outcome is result.outcome
    else:
        assert result.events == ()
        assert seen == []
    return (
        calls,
        clock.sleeps,
        result.outcome,
        result.steps_completed,
        result.total_steps,
        dict(result.results),
        result.failed_step,
        result.error,
        result.compensations,
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=8))
def test_watched_and_unwatched_sagas_agree(behaviours):
    assert _run(behaviours, watched=False) == _run(behaviours, watched=True)


def test_unwatched_saga_sees_earlier_results_at_call_time():
    seen: list[dict[str, object]] = []

    def first(ctx: StepContext) -> dict[str, object]:
        return {"seat": "1A"}

    def second(ctx: StepContext) -> None:
        seen.append({k: dict(v) for k, v in ctx.results.items()})

    orchestrator = SagaOrchestrator(
        SagaDefinition("two", (SagaStep("A", first), SagaStep("B", second))), keep_events=False
    )
    result = orchestrator.run()

    assert seen == [{"A": {"seat": "1A"}}]
    assert dict(result.results) == {"A": {"seat": "1A"}, "B": {}}


def test_a_listener_added_later_sees_the_next_saga():
    orchestrator = SagaOrchestrator(
        SagaDefinition("one", (SagaStep("A", lambda ctx: None),)), keep_events=False
    )
    orchestrator.run()
    seen: list[object] = []
    orchestrator.listeners.append(seen.append)

    orchestrator.run()

    assert [type(e).__name__ for e in seen] == [
        "SagaStarted",
        "StepStarted",
        "StepSucceeded",
        "SagaCompleted",
    ]


def test_generated_ids_are_distinct_uuid4s():
    orchestrator = SagaOrchestrator(
        SagaDefinition("one", (SagaStep("A", lambda ctx: None),)), keep_events=False
    )
    ids = [orchestrator.run().correlation_id for _ in range(2_000)]

    assert len(set(ids)) == len(ids)
    for cid in ids[:50]:
        parsed = uuid.UUID(cid)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == cid
