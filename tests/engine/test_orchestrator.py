"""Running sagas: event sequences, compensation order, listeners, sink and crashes."""

from __future__ import annotations

import re

import pytest
from engine_helpers import trace
from hypothesis import given
from hypothesis import strategies as st

from saga_desktop.engine import (
    CompensationRecord,
    CompensationTriggered,
    EventStoreError,
    RetryPolicy,
    SagaCompensated,
    SagaCompleted,
    SagaDefinition,
    SagaOrchestrator,
    SagaOutcome,
    SagaStarted,
    SagaStep,
    SimulatedCrash,
    StepError,
    StepFailed,
    StepStarted,
    StepSucceeded,
)

NAMES = ("RESERVE", "CHARGE", "AWARD", "NOTIFY")
CID = "00000000-0000-4000-8000-000000000001"


def four_steps(participant, fail_at=None, error=None):
    error = error or StepError("refused", injected=True)
    return [
        participant.step(name, errors=[error] if i == fail_at else ())
        for i, name in enumerate(NAMES, start=1)
    ]


# -- the happy path ------------------------------------------------------------


def test_all_success_event_sequence(participant, orchestrator_for, clock):
    orchestrator = orchestrator_for(*four_steps(participant))

    result = orchestrator.run({"user": 1}, correlation_id=CID)

    assert trace(result.events) == [
        ("SagaStarted", None),
        ("StepStarted", "RESERVE"),
        ("StepSucceeded", "RESERVE"),
        ("StepStarted", "CHARGE"),
        ("StepSucceeded", "CHARGE"),
        ("StepStarted", "AWARD"),
        ("StepSucceeded", "AWARD"),
        ("StepStarted", "NOTIFY"),
        ("StepSucceeded", "NOTIFY"),
        ("SagaCompleted", None),
    ]
    assert result.events[0] == SagaStarted(CID, clock.now, "demo", NAMES, {"user": 1})
    assert result.events[-1] == SagaCompleted(
        CID,
        clock.now,
        4,
        {
            "RESERVE": {"ref": "reserve-1"},
            "CHARGE": {"ref": "charge-1"},
            "AWARD": {"ref": "award-1"},
            "NOTIFY": {"ref": "notify-1"},
        },
    )
    assert result.events[1] == StepStarted(CID, clock.now, "RESERVE", 1, 1)
    assert result.events[2] == StepSucceeded(CID, clock.now, "RESERVE", 1, {"ref": "reserve-1"})
    assert result.outcome is SagaOutcome.COMPLETED
    assert result.success is True
    assert result.correlation_id == CID
    assert result.total_steps == 4
    assert result.steps_completed == 4
    assert result.results == {
        "RESERVE": {"ref": "reserve-1"},
        "CHARGE": {"ref": "charge-1"},
        "AWARD": {"ref": "award-1"},
        "NOTIFY": {"ref": "notify-1"},
    }
    assert result.failed_step is None
    assert result.error is None
    assert result.compensations == ()
    assert result.dead_letters == ()
    assert participant.calls == ["do RESERVE#1", "do CHARGE#1", "do AWARD#1", "do NOTIFY#1"]


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_failure_at_each_step_compensates_completed_steps_newest_first(
    participant, orchestrator_for, clock, fail_at
):
    orchestrator = orchestrator_for(*four_steps(participant, fail_at))
    failed = NAMES[fail_at - 1]
    completed = NAMES[: fail_at - 1]
    undo_order = tuple(reversed(completed))

    result = orchestrator.run(correlation_id=CID)

    expected = [("SagaStarted", None)]
    for name in completed:
        expected += [("StepStarted", name), ("StepSucceeded", name)]
    expected += [("StepStarted", failed), ("StepFailed", failed), ("CompensationTriggered", None)]
    for name in undo_order:
        expected += [("CompensationStarted", name), ("CompensationSucceeded", name)]
    expected += [("SagaCompensated", None)]
    assert trace(result.events) == expected

    assert StepFailed(CID, clock.now, failed, 1, "refused", True, False) in result.events
    assert CompensationTriggered(CID, clock.now, failed, undo_order, False) in result.events
    assert result.events[-1] == SagaCompensated(
        CID,
        clock.now,
        failed,
        "refused",
        fail_at - 1,
        tuple(f"COMPENSATE_{n}" for n in undo_order),
        (),
        False,
    )
    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.success is False
    assert result.failed_step == failed
    assert result.error == "refused"
    assert result.steps_completed == fail_at - 1
    assert result.results == {n: {"ref": f"{n.lower()}-1"} for n in completed}
    assert result.compensations == tuple(
        CompensationRecord(n, f"COMPENSATE_{n}", True, 1) for n in undo_order
    )
    assert participant.undone == list(undo_order)
    assert participant.done == list(NAMES[:fail_at])


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_any_number_of_steps_succeeds(participant, orchestrator_for, n):
    names = [f"S{i}" for i in range(1, n + 1)]
    orchestrator = orchestrator_for(*(participant.step(name) for name in names))

    result = orchestrator.run()

    assert len(result.events) == 2 * n + 2
    assert result.outcome is SagaOutcome.COMPLETED
    assert result.steps_completed == n
    assert result.total_steps == n
    assert list(result.results) == names
    assert participant.done == names
    assert participant.undone == []


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_any_number_of_steps_failing_last_compensates_all_others(participant, orchestrator_for, n):
    names = [f"S{i}" for i in range(1, n + 1)]
    steps = [participant.step(name) for name in names[:-1]]
    steps.append(participant.step(names[-1], errors=[StepError("no")]))
    orchestrator = orchestrator_for(*steps)

    result = orchestrator.run()

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.failed_step == names[-1]
    assert result.steps_completed == n - 1
    assert participant.undone == names[-2::-1]
    assert [r.step for r in result.compensations] == names[-2::-1]
    assert len(result.events) == 1 + 2 * n + 1 + 2 * (n - 1) + 1


@st.composite
def saga_plans(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    fail_at = draw(st.none() | st.integers(min_value=1, max_value=n))
    timed_out = fail_at is not None and draw(st.booleans())
    return n, fail_at, timed_out


@given(plan=saga_plans())
def test_compensations_are_the_completed_steps_reversed(new_world, plan):
    n, fail_at, timed_out = plan
    _, participant, orchestrator_for = new_world()
    names = [f"S{i}" for i in range(1, n + 1)]
    steps = []
    for i, name in enumerate(names, start=1):
        if i == fail_at and timed_out:
            steps.append(participant.step(name, timeout=1.0, takes=2.0))
        elif i == fail_at:
            steps.append(participant.step(name, errors=[StepError("no")]))
        else:
            steps.append(participant.step(name))

    result = orchestrator_for(*steps).run()

    if fail_at is None:
        assert result.outcome is SagaOutcome.COMPLETED
        assert participant.done == names
        assert participant.undone == []
        return
    completed = names[: fail_at - 1]
    # A timed-out step may have had its effect: it is undone first.
    expected_undo = ([names[fail_at - 1]] if timed_out else []) + completed[::-1]
    assert result.outcome is SagaOutcome.COMPENSATED
    assert participant.done == names[:fail_at]
    assert participant.undone == expected_undo
    assert set(participant.undone) <= set(participant.done)
    assert result.steps_completed == len(completed)
    assert [r.step for r in result.compensations] == expected_undo


# -- what actions are told -----------------------------------------------------


def test_actions_see_payload_earlier_results_and_idempotency_key(participant, orchestrator_for):
    orchestrator = orchestrator_for(*four_steps(participant))

    orchestrator.run({"user": 7}, correlation_id=CID)

    contexts = participant.contexts
    assert [c.step for c in contexts] == list(NAMES)
    assert [c.attempt for c in contexts] == [1, 1, 1, 1]
    assert all(c.correlation_id == CID for c in contexts)
    assert all(c.payload == {"user": 7} for c in contexts)
    assert contexts[2].idempotency_key == f"{CID}:AWARD"


def test_earlier_results_visible_at_call_time(orchestrator_for):
    seen = []

    def second(ctx):
        seen.append({k: dict(v) for k, v in ctx.results.items()})
        return {"b": 2}

    orchestrator = orchestrator_for(
        SagaStep("A", lambda ctx: {"a": 1}), SagaStep("B", second), SagaStep("C", lambda ctx: None)
    )

    result = orchestrator.run()

    assert seen == [{"A": {"a": 1}}]
    assert result.results == {"A": {"a": 1}, "B": {"b": 2}, "C": {}}


def test_generated_correlation_id_is_a_uuid4(participant, orchestrator_for):
    result = orchestrator_for(participant.step("A")).run()

    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        result.correlation_id,
    )
    assert {e.correlation_id for e in result.events} == {result.correlation_id}


def test_two_runs_get_different_correlation_ids(participant, orchestrator_for):
    orchestrator = orchestrator_for(participant.step("A"))

    assert orchestrator.run().correlation_id != orchestrator.run().correlation_id


def test_keep_events_false_leaves_result_without_events(participant, orchestrator_for):
    seen = []
    orchestrator = orchestrator_for(
        participant.step("A"), keep_events=False, listeners=[seen.append]
    )

    result = orchestrator.run()

    assert result.events == ()
    assert trace(seen) == [
        ("SagaStarted", None),
        ("StepStarted", "A"),
        ("StepSucceeded", "A"),
        ("SagaCompleted", None),
    ]


def test_event_times_come_from_the_injected_clock(participant, orchestrator_for, clock):
    steps = [participant.step("A", takes=0.25), participant.step("B", takes=0.5)]

    result = orchestrator_for(*steps).run()

    assert [e.at for e in result.events] == [
        1_700_000_000.0,
        1_700_000_000.0,
        1_700_000_000.25,
        1_700_000_000.25,
        1_700_000_000.75,
        1_700_000_000.75,
    ]


def test_step_without_compensation_uses_the_no_op(orchestrator_for):
    def boom(ctx):
        raise StepError("no")

    result = orchestrator_for(SagaStep("A", lambda ctx: {"a": 1}), SagaStep("B", boom)).run()

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.compensations == (CompensationRecord("A", "COMPENSATE_A", True, 1),)
    assert result.events[-2].result == {}


# -- real exceptions -----------------------------------------------------------


def test_real_exception_in_action_is_a_failure_not_retried(participant, orchestrator_for, clock):
    def divide(ctx):
        participant.calls.append(f"do DIVIDE#{ctx.attempt}")
        return {"x": 1 / 0}

    orchestrator = orchestrator_for(
        participant.step("A"), SagaStep("DIVIDE", divide, retry=RetryPolicy(max_attempts=3))
    )

    result = orchestrator.run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.failed_step == "DIVIDE"
    assert result.error == "ZeroDivisionError: division by zero"
    failed = [e for e in result.events if isinstance(e, StepFailed)]
    assert failed == [
        StepFailed(CID, clock.now, "DIVIDE", 1, "ZeroDivisionError: division by zero", False, False)
    ]
    assert participant.calls == ["do A#1", "do DIVIDE#1", "undo A#1"]
    assert clock.sleeps == []


def test_injected_flag_travels_from_step_error_to_event(participant, orchestrator_for):
    steps = [participant.step("A", errors=[StepError("sold out")])]

    result = orchestrator_for(*steps).run()

    failed = [e for e in result.events if isinstance(e, StepFailed)]
    assert [(e.error, e.injected, e.timed_out) for e in failed] == [("sold out", False, False)]


# -- listeners, sink, crashes --------------------------------------------------


def test_listeners_receive_every_event_in_order(participant, orchestrator_for):
    first, second = [], []
    orchestrator = orchestrator_for(
        *four_steps(participant, fail_at=3), listeners=[first.append, second.append]
    )

    result = orchestrator.run()

    assert first == list(result.events)
    assert second == list(result.events)
    assert len(first) == 13


def test_sink_is_written_before_listeners_see_the_event(participant, orchestrator_for):
    order = []

    class Sink:
        def __init__(self):
            self.events = []

        def append(self, event):
            self.events.append(event)
            order.append(("sink", type(event).__name__))

    sink = Sink()

    def listener_one(event):
        # Write-ahead: by the time anyone acts, the event is stored.
        assert sink.events[-1] is event
        order.append(("one", type(event).__name__))

    def listener_two(event):
        order.append(("two", type(event).__name__))

    orchestrator = orchestrator_for(
        participant.step("A"), sink=sink, listeners=[listener_one, listener_two]
    )

    result = orchestrator.run()

    names = [type(e).__name__ for e in result.events]
    assert order == [(who, name) for name in names for who in ("sink", "one", "two")]
    assert sink.events == list(result.events)


def test_sink_error_propagates_and_nobody_acts_on_the_unstored_event(participant, orchestrator_for):
    seen = []

    class BrokenSink:
        def append(self, event):
            if isinstance(event, StepSucceeded):
                raise EventStoreError("disk full")

    orchestrator = orchestrator_for(
        participant.step("A"), participant.step("B"), sink=BrokenSink(), listeners=[seen.append]
    )

    with pytest.raises(EventStoreError, match="disk full"):
        orchestrator.run()

    assert trace(seen) == [("SagaStarted", None), ("StepStarted", "A")]
    assert participant.calls == ["do A#1"]


@pytest.mark.parametrize("crash_on", range(10))
def test_simulated_crash_in_listener_propagates(participant, orchestrator_for, crash_on):
    stored, after = [], []

    class Sink:
        def append(self, event):
            stored.append(event)

    def crash(event):
        if len(stored) == crash_on + 1:
            raise SimulatedCrash(f"killed at event {crash_on}")

    orchestrator = orchestrator_for(
        *four_steps(participant), sink=Sink(), listeners=[crash, after.append]
    )

    with pytest.raises(SimulatedCrash, match=f"killed at event {crash_on}"):
        orchestrator.run()

    # The fatal event was stored, but the listeners after the crashing one never saw it.
    assert len(stored) == crash_on + 1
    assert after == stored[:-1]
    assert participant.undone == []


def test_simulated_crash_is_not_an_exception():
    assert not issubclass(SimulatedCrash, Exception)


def test_simulated_crash_in_action_propagates_without_compensation(participant, orchestrator_for):
    steps = [
        participant.step("A"),
        participant.step("B", errors=[SimulatedCrash("pulled the plug")]),
    ]

    with pytest.raises(SimulatedCrash):
        orchestrator_for(*steps).run()

    assert participant.calls == ["do A#1", "do B#1"]


def test_simulated_crash_in_compensation_propagates(participant, orchestrator_for):
    steps = [
        participant.step("A"),
        participant.step(
            "B",
            comp_errors=[SimulatedCrash("dead")],
            compensation_retry=RetryPolicy(max_attempts=5),
        ),
        participant.step("C", errors=[StepError("no")]),
    ]

    with pytest.raises(SimulatedCrash):
        orchestrator_for(*steps).run()

    assert participant.calls == ["do A#1", "do B#1", "do C#1", "undo B#1"]


def test_definition_is_kept_and_reusable(participant):
    definition = SagaDefinition("demo", (participant.step("A"),))
    orchestrator = SagaOrchestrator(definition, clock=lambda: 0.0, sleep=lambda s: None)

    assert orchestrator.definition is definition
    assert orchestrator.run().success
    assert orchestrator.run().success
    assert participant.calls == ["do A#1", "do A#1"]
