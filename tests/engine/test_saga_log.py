"""SagaLog: every event of every saga, recorded as fields, read back as the events themselves.

With a log alone the orchestrator stays on its lean path and records each
event as a tuple of its fields. These tests run the same scripted sagas with a
listener (events built as objects when they happen) and with a log alone, and
check that reading the log gives exactly the listener's events, in order.
"""

from __future__ import annotations

import random
import threading

import pytest
from engine_helpers import BEHAVIOURS, CID, FakeClock, scripted_saga
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.engine import (
    SagaCompleted,
    SagaDefinition,
    SagaEvent,
    SagaLog,
    SagaMemoryQueue,
    SagaOrchestrator,
    SagaOutcome,
    SagaStarted,
    SagaStep,
    StepSucceeded,
)


def _events(
    behaviours: list[str], *, logged: bool, takes_context: bool = True
) -> tuple[list[SagaEvent], list[tuple[object, ...]], object]:
    """Run one scripted saga: its events (from a listener, or from a log alone)."""
    clock = FakeClock()
    calls: list[tuple[object, ...]] = []
    heard: list[SagaEvent] = []
    log = SagaLog(max_entries=None)
    orchestrator = SagaOrchestrator(
        scripted_saga(behaviours, clock, calls, takes_context),
        listeners=[] if logged else [heard.append],
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
        keep_events=False,
        log=log,
    )
    result = orchestrator.run({"n": 1}, correlation_id=CID)
    if logged:
        return log.events(), calls, result
    # With a listener the log is fed the very event objects the listener gets.
    assert log.events() == heard
    return heard, calls, result


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=8), st.booleans())
def test_a_log_alone_reads_back_exactly_what_a_listener_hears(behaviours, takes_context):
    logged, logged_calls, logged_result = _events(
        behaviours, logged=True, takes_context=takes_context
    )
    heard, heard_calls, heard_result = _events(
        behaviours, logged=False, takes_context=takes_context
    )

    assert logged == heard
    assert [type(e) for e in logged] == [type(e) for e in heard]
    assert logged_calls == heard_calls
    assert logged_result == heard_result
    # The events rebuild the queue the result describes, as the saga log always did.
    queue = SagaMemoryQueue.from_events(logged)
    assert queue.outcome is logged_result.outcome


def _two_step_saga(seat: dict[str, object]) -> SagaOrchestrator:
    return SagaOrchestrator(
        SagaDefinition(
            "two",
            (
                SagaStep("A", lambda ctx: seat),
                SagaStep("B", lambda ctx: None),
            ),
        ),
        keep_events=False,
        log=SagaLog(max_entries=None),
    )


def test_events_read_from_the_log_hold_copies_as_event_objects_do():
    seat: dict[str, object] = {"seat": "1A"}
    orchestrator = _two_step_saga(seat)
    assert orchestrator.log is not None
    result = orchestrator.run({"passenger": "Ada"})

    started, *_, completed = orchestrator.log.events()
    succeeded = next(e for e in orchestrator.log if isinstance(e, StepSucceeded))
    assert isinstance(started, SagaStarted)
    assert isinstance(completed, SagaCompleted)
    assert started.payload == {"passenger": "Ada"}
    assert succeeded.result == {"seat": "1A"}
    assert succeeded.result is not seat
    assert completed.results == {"A": {"seat": "1A"}, "B": {}}
    assert completed.results["A"] is not seat
    assert result.outcome is SagaOutcome.COMPLETED


def test_the_log_keeps_the_latest_entries_and_filters_by_saga():
    orchestrator = _two_step_saga({})
    log = SagaLog(max_entries=2)
    orchestrator.log = log
    ids = [orchestrator.run().correlation_id for _ in range(3)]  # one entry, 6 events each

    assert log.entries == 2
    assert log.max_entries == 2
    assert len(log) == 12
    assert {e.correlation_id for e in log} == set(ids[1:])
    assert [type(e).__name__ for e in log.events(ids[2])] == [
        "SagaStarted",
        "StepStarted",
        "StepSucceeded",
        "StepStarted",
        "StepSucceeded",
        "SagaCompleted",
    ]
    assert log.events(ids[0]) == []
    log.clear()
    assert len(log) == 0
    assert list(log) == []


def test_a_watched_saga_is_logged_event_by_event():
    orchestrator = _two_step_saga({})
    heard: list[SagaEvent] = []
    orchestrator.listeners.append(heard.append)
    assert orchestrator.log is not None
    orchestrator.run()

    assert orchestrator.log.entries == len(heard) == 6
    assert orchestrator.log.events() == heard


def test_a_log_records_from_many_threads_and_reads_while_they_record():
    orchestrator = _two_step_saga({})
    log = SagaLog(max_entries=None)
    orchestrator.log = log
    done = threading.Event()
    reads: list[int] = []

    def read_meanwhile() -> None:
        while not done.is_set():
            reads.append(len(list(log)))

    reader = threading.Thread(target=read_meanwhile)
    reader.start()
    workers = [
        threading.Thread(target=lambda: [orchestrator.run() for _ in range(500)]) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    reader.join()

    assert len(log) == 3 * 500 * 6
    by_saga: dict[str, int] = {}
    for event in log:
        by_saga[event.correlation_id] = by_saga.get(event.correlation_id, 0) + 1
    assert len(by_saga) == 1_500
    assert set(by_saga.values()) == {6}
    assert reads == sorted(reads)  # every read was a whole snapshot, growing


@pytest.mark.parametrize("maxlen", [0, -3])
def test_a_log_keeps_at_least_one_event(maxlen):
    with pytest.raises(ValueError, match="at least one entry"):
        SagaLog(max_entries=maxlen)
