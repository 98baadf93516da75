"""A sink that stages events: a saga nobody listens to commits its start, then its end.

Without listeners, the orchestrator commits SagaStarted before the first
participant call and the saga's other events together when it ends (recovery
and dead-letter retries still commit before every participant call). These
tests check that the start is durable before any call, that nothing is left
staged when a run ends, and that listeners keep per-event commits.
"""

from __future__ import annotations

import random
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.engine import (
    CompensationStarted,
    RetryPolicy,
    SagaDefinition,
    SagaEvent,
    SagaOrchestrator,
    SagaStarted,
    SagaStep,
    SqliteEventStore,
    StepContext,
    StepError,
    StepStarted,
    TransientStepError,
)

RETRY = RetryPolicy(max_attempts=2, initial_delay=0.1)
BEHAVIOURS = ("ok", "refuse", "transient", "undo_once", "undo_never")


class StagingSink:
    """Records what was staged, what was committed, and how often."""

    def __init__(self) -> None:
        self.staged: list[SagaEvent] = []
        self.committed: list[SagaEvent] = []
        self.commits = 0
        self.appends = 0

    def append(self, event: SagaEvent) -> None:
        self.appends += 1
        self.committed.append(event)

    def stage(self, event: SagaEvent) -> None:
        self.staged.append(event)

    def commit(self) -> None:
        self.commits += 1
        self.committed.extend(self.staged)
        self.staged.clear()


def saga(
    behaviours, sink: StagingSink, checks: list[str], *, every_call: bool = False
) -> SagaDefinition:
    """Steps that check, at every call, what is durable: the saga's start at least,
    and with ``every_call`` (recovery) everything said so far."""

    def make(number: int, behaviour: str) -> SagaStep:
        name = f"S{number}"
        undone = {"tries": 0}

        def written_ahead(ctx: StepContext, kind: type[SagaEvent]) -> None:
            assert isinstance(sink.committed[0], SagaStarted)
            if every_call:
                assert sink.staged == [], sink.staged
                last = sink.committed[-1]
                assert isinstance(last, kind)
                assert (last.step, last.attempt) == (ctx.step, ctx.attempt)
            else:
                last = sink.staged[-1]
                assert isinstance(last, kind)
                assert (last.step, last.attempt) == (ctx.step, ctx.attempt)
            checks.append(f"{kind.__name__} {ctx.step}#{ctx.attempt}")

        def action(ctx: StepContext) -> None:
            written_ahead(ctx, StepStarted)
            if behaviour == "refuse":
                raise StepError("no")
            if behaviour == "transient" and ctx.attempt == 1:
                raise TransientStepError("busy")

        def compensation(ctx: StepContext) -> None:
            written_ahead(ctx, CompensationStarted)
            undone["tries"] += 1
            if behaviour == "undo_never" or (behaviour == "undo_once" and undone["tries"] == 1):
                raise StepError("undo failed")

        return SagaStep(name, action, compensation, retry=RETRY, compensation_retry=RETRY)

    return SagaDefinition("staged", tuple(make(n, b) for n, b in enumerate(behaviours, 1)))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=7))
def test_the_start_is_committed_before_any_call_and_the_rest_at_the_end(behaviours):
    sink, checks = StagingSink(), []
    orchestrator = SagaOrchestrator(
        saga(behaviours, sink, checks), sink=sink, sleep=lambda s: None, rng=random.Random(1)
    )

    result = orchestrator.run({"n": 1})

    assert checks  # at least one participant call was checked
    assert sink.staged == []
    assert sink.committed == list(result.events)
    assert sink.appends == 0
    # The start, and the end.
    assert sink.commits == 2


def test_a_four_step_saga_commits_twice_instead_of_ten_times():
    sink, checks = StagingSink(), []
    orchestrator = SagaOrchestrator(saga(["ok"] * 4, sink, checks), sink=sink)

    result = orchestrator.run()

    assert len(result.events) == 10
    assert sink.commits == 2
    assert len(checks) == 4


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(BEHAVIOURS), min_size=1, max_size=6),
    st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_recovery_commits_before_every_call(behaviours, where):
    first = StagingSink()
    events = (
        SagaOrchestrator(
            saga(behaviours, first, []), sink=first, sleep=lambda s: None, rng=random.Random(1)
        )
        .run()
        .events
    )
    history = list(events[: 1 + int(where * (len(events) - 1))])
    sink, checks = StagingSink(), []
    sink.committed.extend(history)
    undo_all = [b if b.startswith("undo") else "ok" for b in behaviours]
    orchestrator = SagaOrchestrator(
        saga(undo_all, sink, checks, every_call=True),
        sink=sink,
        sleep=lambda s: None,
        rng=random.Random(1),
    )

    result = orchestrator.recover(history)

    assert checks  # every recovery undoes something: a step at least began
    assert sink.staged == []
    assert sink.committed == list(result.events)
    # One commit per participant call, and one for the end.
    assert sink.commits == len(checks) + 1


def test_with_a_listener_every_event_is_committed_on_its_own():
    sink, checks = StagingSink(), []
    seen: list[SagaEvent] = []

    def listener(event: SagaEvent) -> None:
        # A listener is told only of stored events.
        assert sink.committed[-1] is event
        seen.append(event)

    orchestrator = SagaOrchestrator(
        saga(["ok", "refuse"], sink, checks), sink=sink, listeners=[listener]
    )

    result = orchestrator.run()

    assert seen == list(result.events)
    assert sink.appends == len(result.events)
    assert sink.commits == 0


def test_dead_letter_retry_and_resolution_are_committed(tmp_path):
    store = SqliteEventStore(tmp_path / "log.db")
    sink_checks: list[str] = []

    def refuse(ctx: StepContext) -> None:
        raise StepError("no")

    fails = {"undo": 0}

    def undo(ctx: StepContext) -> None:
        fails["undo"] += 1
        if fails["undo"] <= 2:
            raise StepError("offline")
        sink_checks.append("undone")

    definition = SagaDefinition(
        "dl",
        (
            SagaStep("A", lambda ctx: None, undo, compensation_retry=RETRY),
            SagaStep("B", refuse),
        ),
    )
    orchestrator = SagaOrchestrator(definition, sink=store, keep_events=False)
    cid = orchestrator.run().correlation_id
    other = sqlite3.connect(tmp_path / "log.db")
    try:
        assert other.execute("SELECT status FROM sagas").fetchone() == ("DEAD_LETTERED",)
        assert orchestrator.retry_dead_letter(cid, "A").success
        assert other.execute("SELECT status FROM sagas").fetchone() == ("COMPENSATED",)
        orchestrator.resolve_dead_letter(cid, "A")
        (last,) = other.execute("SELECT type FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        assert last == "DeadLetterResolved"
    finally:
        other.close()
        store.close()
    assert sink_checks == ["undone"]


def test_the_sqlite_store_seen_from_another_connection_has_the_whole_saga(tmp_path):
    store = SqliteEventStore(tmp_path / "log.db")
    other = sqlite3.connect(tmp_path / "log.db")
    seen_at_calls: list[int] = []

    def action(ctx: StepContext) -> None:
        # Another process would see the saga's log up to this very call.
        (count,) = other.execute("SELECT COUNT(*) FROM events").fetchone()
        seen_at_calls.append(count)

    definition = SagaDefinition("two", (SagaStep("A", action), SagaStep("B", action)))
    # Nobody listens: the start is written ahead of every call, the rest at the end.
    try:
        result = SagaOrchestrator(definition, sink=store).run()
        (count,) = other.execute("SELECT COUNT(*) FROM events").fetchone()
        assert store.history(result.correlation_id) == list(result.events)
    finally:
        other.close()
        store.close()

    # SagaStarted only, at both calls.
    assert seen_at_calls == [1, 1]
    assert count == len(result.events) == 6
