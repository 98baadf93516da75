"""A saga nobody watches (no sink, no listener, no kept events) skips its events, nothing else.

The orchestrator builds no events when nobody can see them, and runs each
step's first attempt inline. These tests run the same scripted sagas watched
and unwatched and check that the two agree on everything observable: the calls
made, their order and contexts, the sleeps, and the result.
"""

from __future__ import annotations

import os
import random
import threading
import uuid

import pytest
from engine_helpers import BEHAVIOURS, CID, FakeClock, scripted_saga
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.engine import (
    SagaDefinition,
    SagaMemoryQueue,
    SagaOrchestrator,
    SagaStep,
    StepContext,
    StepError,
)


def _run(behaviours: list[str], watched: bool, takes_context: bool = True) -> tuple[object, ...]:
    clock = FakeClock()
    calls: list[tuple[object, ...]] = []
    seen: list[object] = []
    orchestrator = SagaOrchestrator(
        scripted_saga(behaviours, clock, calls, takes_context),
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


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=8), st.booleans())
def test_steps_without_a_context_are_called_with_nothing_and_end_alike(behaviours, watched):
    # The same steps with and without a context: the same calls (each told
    # nothing, as the asserts in the steps check), sleeps and result.
    with_context = _run(behaviours, watched=watched)
    without = _run(behaviours, watched=watched, takes_context=False)

    calls_with, *rest_with = with_context
    calls_without, *rest_without = without
    assert calls_without == [call[:2] for call in calls_with]
    assert rest_without == rest_with


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


def test_ids_made_in_many_threads_at_once_are_distinct():
    # Ids are made 256 at a time and handed out from a shared deque: threads that
    # run out together must not hand out the same ids twice.
    from saga_desktop.engine._orchestrator import _new_correlation_id

    made: list[list[str]] = [[] for _ in range(4)]

    def make(into: list[str]) -> None:
        for _ in range(5_000):
            into.append(_new_correlation_id())

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [cid for into in made for cid in into]
    assert len(set(every)) == len(every) == 20_000
    assert all(uuid.UUID(cid).version == 4 for cid in every[::97])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_process_makes_ids_of_its_own():
    from saga_desktop.engine._orchestrator import _new_correlation_id

    parent_id = _new_correlation_id()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report one id, then leave without running any cleanup
        os.write(write_end, _new_correlation_id().encode())
        os._exit(0)
    os.close(write_end)
    child_id = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)

    # The last 24 digits are the process's random bits: a child draws its own.
    assert uuid.UUID(child_id).version == 4
    assert child_id[-12:] != parent_id[-12:]
    assert _new_correlation_id()[-12:] == parent_id[-12:]


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


def test_recovery_and_dead_letter_retries_call_steps_without_a_context_with_nothing():
    undo_works = [False]
    undone: list[str] = []

    def undo() -> None:
        if not undo_works[0]:
            raise StepError("the seat service is down")
        undone.append("A")

    def refuse() -> None:
        raise StepError("no payment")

    orchestrator = SagaOrchestrator(
        SagaDefinition(
            "bare",
            (
                SagaStep("A", lambda: {"seat": "1A"}, undo, takes_context=False),
                SagaStep("B", refuse, takes_context=False),
            ),
        )
    )
    result = orchestrator.run(correlation_id=CID)
    assert result.failed_step == "B"
    assert [record.success for record in result.compensations] == [False]  # dead-lettered

    undo_works[0] = True
    assert orchestrator.retry_dead_letter(CID, "A").success
    # An interrupted history of the same saga (started A, nothing after): A is undone again.
    recovered = orchestrator.recover(result.events[:3])

    assert [type(e).__name__ for e in result.events[:3]] == [
        "SagaStarted",
        "StepStarted",
        "StepSucceeded",
    ]
    assert [record.step for record in recovered.compensations] == ["A"]
    assert undone == ["A", "A"]
