"""The durable saga log: what survives a killed process, and what a restart finds in it."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from pathlib import Path

import pytest
from engine_helpers import damage
from hypothesis import example, given, settings
from hypothesis import strategies as st

from saga_desktop.engine import (
    SCHEMA_VERSION,
    CompensationSucceeded,
    DeadLetter,
    DeadLettered,
    DeadLetterResolved,
    EventStoreError,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaOutcome,
    SagaStarted,
    SagaSummary,
    SimulatedCrash,
    SqliteEventStore,
    StepError,
    StepStarted,
)

CID = "00000000-0000-4000-8000-000000000009"


@pytest.fixture
def store(tmp_path):
    store = SqliteEventStore(tmp_path / "saga.db")
    yield store
    store.close()


def test_every_event_type_round_trips_through_the_store(tmp_path, sample_events):
    store = SqliteEventStore(tmp_path / "saga.db")
    for event in sample_events:
        store.append(event)
    store.close()

    reopened = SqliteEventStore(tmp_path / "saga.db")
    by_saga = {}
    for event in sample_events:
        by_saga.setdefault(event.correlation_id, []).append(event)

    for cid, events in by_saga.items():
        assert reopened.history(cid) == events
    assert reopened.count() == len(sample_events)
    reopened.close()


def test_completed_saga_summary(store, participant, orchestrator_for, clock):
    orchestrator_for(participant.step("A"), sink=store).run(correlation_id=CID)

    assert store.sagas() == [SagaSummary(CID, "demo", "COMPLETED", clock.now, clock.now, None)]
    assert store.incomplete() == []
    assert store.dead_letters() == []
    assert store.count() == 4


def test_compensated_and_dead_lettered_sagas(store, participant, orchestrator_for, clock):
    steps = [
        participant.step("A"),
        participant.step("B", comp_errors=itertools.repeat(StepError("offline"))),
        participant.step("C", errors=[StepError("no")]),
    ]
    orchestrator = orchestrator_for(*steps, sink=store)

    orchestrator.run(correlation_id=CID)

    assert [s.status for s in store.sagas()] == ["DEAD_LETTERED"]
    assert store.sagas()[0].failed_step == "C"
    assert store.dead_letters() == [DeadLetter(CID, "B", "COMPENSATE_B", 1, "offline", clock.now)]
    assert store.dead_letters()[0].to_dict() == {
        "correlation_id": CID,
        "step": "B",
        "compensation": "COMPENSATE_B",
        "attempts": 1,
        "error": "offline",
        "at": clock.now,
    }

    orchestrator.resolve_dead_letter(CID, "B")

    assert store.dead_letters() == []
    assert [s.status for s in store.sagas()] == ["COMPENSATED"]


def test_dead_letter_retried_successfully_leaves_the_queue(store, participant, orchestrator_for):
    steps = [
        participant.step("A", comp_errors=[StepError("offline")]),
        participant.step("B", errors=[StepError("no")]),
    ]
    orchestrator = orchestrator_for(*steps, sink=store)
    orchestrator.run(correlation_id=CID)
    assert len(store.dead_letters()) == 1

    assert orchestrator.retry_dead_letter(CID, "A").success

    assert store.dead_letters() == []
    assert store.sagas()[0].status == SagaOutcome.COMPENSATED.value


def test_a_crashed_saga_is_found_and_recovered_after_a_restart(
    tmp_path, participant, orchestrator_for
):
    def crash(event):
        if isinstance(event, StepStarted) and event.step == "C":
            raise SimulatedCrash("killed")

    steps = [participant.step(name) for name in ("A", "B", "C")]
    first = SqliteEventStore(tmp_path / "saga.db")
    with pytest.raises(SimulatedCrash):
        orchestrator_for(*steps, sink=first, listeners=[crash]).run(correlation_id=CID)
    first.close()

    store = SqliteEventStore(tmp_path / "saga.db")
    assert store.incomplete() == [CID]
    history = store.history(CID)
    assert [type(e).__name__ for e in history][-1] == "StepStarted"

    result = orchestrator_for(*steps, sink=store).recover(history)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert participant.undone == ["C", "B", "A"]
    assert store.incomplete() == []
    assert store.sagas()[0].status == "COMPENSATED"
    assert store.history(CID) == list(result.events)
    store.close()


def test_recovered_saga_keeps_its_earlier_dead_letter(tmp_path, participant, orchestrator_for):
    stored = []

    def crash(event):
        stored.append(event)
        if type(event).__name__ == "DeadLettered":
            raise SimulatedCrash("killed")

    steps = [
        participant.step("A"),
        participant.step("B", comp_errors=[StepError("offline")]),
        participant.step("C", errors=[StepError("no")]),
    ]
    store = SqliteEventStore(tmp_path / "saga.db")
    with pytest.raises(SimulatedCrash):
        orchestrator_for(*steps, sink=store, listeners=[crash]).run(correlation_id=CID)

    result = orchestrator_for(*steps, sink=store).recover(store.history(CID))

    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert [d.step for d in store.dead_letters()] == ["B"]
    assert store.sagas()[0].status == "DEAD_LETTERED"
    store.close()


def test_incomplete_lists_running_sagas_oldest_first(store):
    for i, at in enumerate((30.0, 10.0, 20.0)):
        store.append(SagaStarted(f"cid-{i}", at, "demo", ("A",), {}))

    assert store.incomplete() == ["cid-1", "cid-2", "cid-0"]
    assert [s.correlation_id for s in store.sagas(limit=2)] == ["cid-0", "cid-2"]


def test_history_of_an_unknown_saga_is_empty(store):
    assert store.history("nobody") == []


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "saga.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()

    with pytest.raises(EventStoreError, match="newer SAGA Desktop"):
        SqliteEventStore(path)

    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "saga.db"
    path.write_bytes(b"this is not sqlite " * 100)

    with pytest.raises(EventStoreError, match="cannot open the saga log"):
        SqliteEventStore(path)


def test_an_unreadable_event_is_an_event_store_error(store):
    store.append(SagaStarted(CID, 1.0, "demo", ("A",), {}))
    store._db.execute("UPDATE events SET data = ?", ('{"type": "FromTheFuture"}',))

    with pytest.raises(EventStoreError, match="cannot read: unknown event type 'FromTheFuture'"):
        store.history(CID)


def test_writing_to_a_closed_store_is_an_event_store_error(tmp_path):
    store = SqliteEventStore(tmp_path / "saga.db")
    store.close()

    with pytest.raises(EventStoreError, match="cannot write to the saga log"):
        store.append(SagaStarted(CID, 1.0, "demo", ("A",), {}))
    with pytest.raises(EventStoreError, match="cannot read the saga log"):
        store.count()


def test_a_failed_write_leaves_nothing_half_written(store):
    store.append(SagaStarted(CID, 1.0, "demo", ("A",), {}))
    # A trigger stands in for a disk error in the middle of the transaction.
    store._db.execute(
        "CREATE TRIGGER fail BEFORE UPDATE ON sagas BEGIN SELECT RAISE(ABORT, 'disk'); END"
    )

    with pytest.raises(EventStoreError, match="disk"):
        store.append(SagaCompleted(CID, 2.0, 1, {"A": {}}))

    assert store.count() == 1
    assert store.sagas()[0].status == "RUNNING"
    # The store still works after the failure.
    store._db.execute("DROP TRIGGER fail")
    store.append(SagaCompleted(CID, 2.0, 1, {"A": {}}))
    assert store.sagas()[0].status == "COMPLETED"


_CIDS = ("a", "b", "c")
_STEPS = ("S1", "S2")


def _projected_event(kind: str, cid: str, step: str, at: int, flag: bool) -> SagaEvent:
    if kind == "started":
        return SagaStarted(cid, at, "saga", _STEPS, {})
    if kind == "completed":
        return SagaCompleted(cid, at, 2, {})
    if kind == "compensated":
        return SagaCompensated(cid, at, step, "no", 1, (), ("U",) if flag else (), False)
    if kind == "parked":
        return DeadLettered(cid, at, step, "U", 3, "down")
    if kind == "undone":
        return CompensationSucceeded(cid, at, step, "U", 1, {})
    return DeadLetterResolved(cid, at, step, "U", "resolved")


# The case that orders matter most for: a saga id that ends, then starts again.
@example(
    events=[
        _projected_event("completed", "a", "S1", 1, False),
        _projected_event("started", "a", "S1", 2, False),
    ],
    split=0,
)
@settings(max_examples=100, deadline=None)
@given(
    events=st.lists(
        st.builds(
            _projected_event,
            st.sampled_from(
                ["started", "completed", "compensated", "parked", "undone", "resolved"]
            ),
            st.sampled_from(_CIDS),
            st.sampled_from(_STEPS),
            st.integers(0, 99),
            st.booleans(),
        ),
        max_size=12,
    ),
    split=st.integers(0, 12),
)
def test_one_commit_of_many_events_projects_as_one_commit_each(tmp_path_factory, events, split):
    # A commit group projects many sagas' events together: the tables must end
    # as if each event had been committed on its own, whatever the events.
    directory = tmp_path_factory.mktemp("log")
    one_by_one = SqliteEventStore(directory / "one.db")
    grouped = SqliteEventStore(directory / "grouped.db")
    try:
        for event in events[:split]:  # some committed before, as earlier groups would
            one_by_one.append(event)
            grouped.append(event)
        for event in events[split:]:
            one_by_one.append(event)
            grouped.stage(event)
        grouped.commit()

        def by_key(rows):
            return sorted(rows, key=lambda row: (row.correlation_id, getattr(row, "step", "")))

        assert by_key(grouped.sagas()) == by_key(one_by_one.sagas())
        assert by_key(grouped.dead_letters()) == by_key(one_by_one.dead_letters())
    finally:
        one_by_one.close()
        grouped.close()


def test_a_damaged_saga_log_is_refused_with_what_to_do(tmp_path):
    damage(tmp_path / "saga.db")

    with pytest.raises(EventStoreError, match=r"damaged .*; restore it from a backup"):
        SqliteEventStore(tmp_path / "saga.db")


def test_many_processes_opening_a_new_log_at_once_all_succeed(tmp_path: Path) -> None:
    # A reader polling a batch's log while the batch creates it once saw the
    # tables but not yet the format number (two reads, the commit between them).
    errors: list[BaseException] = []

    def open_it(path: Path, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=10)
        try:
            SqliteEventStore(path).close()
        except BaseException as exc:  # any failure to open is the bug
            errors.append(exc)

    for attempt in range(40):
        path = tmp_path / f"log{attempt}.db"
        barrier = threading.Barrier(6)
        threads = [threading.Thread(target=open_it, args=(path, barrier)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors[:3]
