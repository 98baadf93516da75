"""Recovering a saga that an earlier orchestrator left half done."""

from __future__ import annotations

import itertools

import pytest
from engine_helpers import trace
from hypothesis import given
from hypothesis import strategies as st

from saga_desktop.engine import (
    CompensationRecord,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    SagaCompensated,
    SagaMemoryQueue,
    SagaOutcome,
    SagaStarted,
    SagaStep,
    SimulatedCrash,
    StepError,
    StepStarted,
)

CID = "00000000-0000-4000-8000-000000000005"


def abc_failing_at_c(participant):
    return [
        participant.step("A"),
        participant.step("B"),
        participant.step("C", errors=[StepError("refused")]),
    ]


@pytest.fixture
def failed_history(new_world):
    """The 13 events of A, B done, C refused, B and A undone."""
    _, participant, make = new_world()
    result = make(*abc_failing_at_c(participant)).run({"user": 3}, correlation_id=CID)
    assert trace(result.events) == [
        ("SagaStarted", None),
        ("StepStarted", "A"),
        ("StepSucceeded", "A"),
        ("StepStarted", "B"),
        ("StepSucceeded", "B"),
        ("StepStarted", "C"),
        ("StepFailed", "C"),
        ("CompensationTriggered", None),
        ("CompensationStarted", "B"),
        ("CompensationSucceeded", "B"),
        ("CompensationStarted", "A"),
        ("CompensationSucceeded", "A"),
        ("SagaCompensated", None),
    ]
    return result.events


@pytest.mark.parametrize(
    ("cut", "expected_undo"),
    [
        # SagaStarted only: written ahead of its start only, any step may have run.
        (1, ["C", "B", "A"]),
        (2, ["A"]),  # A started: its effect may have happened
        (3, ["A"]),
        (4, ["B", "A"]),
        (5, ["B", "A"]),
        (6, ["C", "B", "A"]),  # C started, no reply yet
        (7, ["C", "B", "A"]),  # C refused: undoing it is harmless (idempotent)
        (8, ["C", "B", "A"]),
        (9, ["C", "B", "A"]),  # B's undo started but never confirmed
        (10, ["C", "A"]),  # B undone already
        (11, ["C", "A"]),
        (12, ["C"]),
    ],
)
def test_recover_compensates_started_steps_not_yet_undone(
    failed_history, participant, orchestrator_for, cut, expected_undo
):
    history = failed_history[:cut]
    orchestrator = orchestrator_for(*abc_failing_at_c(participant))

    result = orchestrator.recover(history)

    assert participant.undone == expected_undo
    assert participant.done == []
    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.correlation_id == CID
    assert result.events[:cut] == history
    new = result.events[cut:]
    assert trace(new) == [
        ("CompensationTriggered", None),
        *[
            (kind, name)
            for name in expected_undo
            for kind in ("CompensationStarted", "CompensationSucceeded")
        ],
        ("SagaCompensated", None),
    ]
    assert new[0].recovery is True
    assert new[0].steps == tuple(expected_undo)
    assert new[-1].recovered is True
    failed_step = "C" if cut >= 7 else None
    assert new[0].failed_step == failed_step
    assert result.failed_step == failed_step
    assert result.error == (
        "refused" if cut >= 7 else "the orchestrator stopped before the saga ended"
    )
    # Compensations confirmed before the crash are part of the saga's account.
    undone_before = [e.step for e in history if isinstance(e, CompensationSucceeded)]
    assert [r.step for r in result.compensations] == undone_before + expected_undo
    assert all(r.success for r in result.compensations)


@pytest.mark.parametrize("cut", range(1, 10))
def test_recover_a_successful_saga_cut_short(participant, orchestrator_for, clock, cut):
    steps = [participant.step(name) for name in ("A", "B", "C", "D")]
    history = orchestrator_for(*steps).run(correlation_id=CID).events[:cut]
    participant.calls.clear()
    started = [e.step for e in history if isinstance(e, StepStarted)] or ["A", "B", "C", "D"]

    result = orchestrator_for(*steps).recover(history)

    assert participant.undone == started[::-1]
    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.failed_step is None


def test_recover_refuses_a_saga_that_completed(participant, orchestrator_for):
    steps = [participant.step(name) for name in ("A", "B")]
    history = orchestrator_for(*steps).run(correlation_id=CID).events

    with pytest.raises(ValueError, match="already ended"):
        orchestrator_for(*steps).recover(history)

    assert participant.undone == []


def test_recover_refuses_a_saga_that_was_compensated(failed_history, participant, orchestrator_for):
    with pytest.raises(ValueError, match="already ended"):
        orchestrator_for(*abc_failing_at_c(participant)).recover(failed_history)

    assert participant.undone == []


def test_recover_gives_compensations_the_original_payload_and_results(
    failed_history, orchestrator_for
):
    seen = []

    def undo(ctx):
        seen.append(ctx)
        return {}

    steps = [SagaStep(name, lambda ctx: {}, undo) for name in ("A", "B", "C")]

    orchestrator_for(*steps).recover(failed_history[:6])

    assert [c.step for c in seen] == ["C", "B", "A"]
    assert {c.correlation_id for c in seen} == {CID}
    assert [c.attempt for c in seen] == [1, 1, 1]
    assert all(c.payload == {"user": 3} for c in seen)
    assert dict(seen[0].results) == {"A": {"ref": "a-1"}, "B": {"ref": "b-1"}}


def test_recover_skips_dead_lettered_steps_and_keeps_them_dead_lettered(
    participant, orchestrator_for
):
    steps = [
        participant.step("A"),
        participant.step("B", comp_errors=itertools.repeat(StepError("offline"))),
        participant.step("C", errors=[StepError("refused")]),
    ]
    events = orchestrator_for(*steps).run(correlation_id=CID).events
    cut = [type(e).__name__ for e in events].index("DeadLettered") + 1
    history = events[:cut]
    participant.calls.clear()

    result = orchestrator_for(*steps).recover(history)

    assert participant.undone == ["C", "A"]
    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert result.dead_letters == (CompensationRecord("B", "COMPENSATE_B", False, 1, "offline"),)
    assert result.events[-1] == SagaCompensated(
        CID,
        result.events[-1].at,
        "C",
        "refused",
        2,
        ("COMPENSATE_C", "COMPENSATE_A"),
        ("COMPENSATE_B",),
        True,
    )
    queue = SagaMemoryQueue.from_events(result.events)
    assert queue.outcome is SagaOutcome.DEAD_LETTERED
    assert queue.dead_letters == ["B"]


def test_recover_after_a_crash_in_a_listener(participant, orchestrator_for):
    stored = []

    class Sink:
        def append(self, event):
            stored.append(event)

    def crash(event):
        if isinstance(event, StepStarted) and event.step == "C":
            raise SimulatedCrash("power cut")

    steps = [participant.step(name) for name in ("A", "B", "C", "D")]
    with pytest.raises(SimulatedCrash):
        orchestrator_for(*steps, sink=Sink(), listeners=[crash]).run(correlation_id=CID)
    assert participant.calls == ["do A#1", "do B#1"]

    after = []
    result = orchestrator_for(*steps, listeners=[after.append]).recover(list(stored))

    assert participant.undone == ["C", "B", "A"]
    assert trace(after)[0] == ("CompensationTriggered", None)
    assert after[0] == CompensationTriggered(CID, after[0].at, None, ("C", "B", "A"), True)
    assert result.steps_completed == 2
    assert result.results == {"A": {"ref": "a-1"}, "B": {"ref": "b-1"}}


@pytest.mark.parametrize(
    "history",
    [[], [StepStarted(CID, 0.0, "A", 1, 1)]],
    ids=["empty", "no-saga-started"],
)
def test_recover_needs_a_history_that_starts_the_saga(participant, orchestrator_for, history):
    with pytest.raises(ValueError, match="starts with SagaStarted"):
        orchestrator_for(participant.step("A")).recover(history)


def test_recover_of_a_saga_logged_up_to_its_start_undoes_every_step(participant, orchestrator_for):
    # An unwatched saga commits its start, then the rest at its end: killed in
    # between, any of its steps may have run, so all are undone, newest first.
    history = [SagaStarted(CID, 0.0, "demo", ("A", "B"), {})]

    result = orchestrator_for(participant.step("A"), participant.step("B")).recover(history)

    assert participant.calls == ["undo B#1", "undo A#1"]
    assert result.outcome is SagaOutcome.COMPENSATED
    assert [r.step for r in result.compensations] == ["B", "A"]
    assert trace(result.events) == [
        ("SagaStarted", None),
        ("CompensationTriggered", None),
        ("CompensationStarted", "B"),
        ("CompensationSucceeded", "B"),
        ("CompensationStarted", "A"),
        ("CompensationSucceeded", "A"),
        ("SagaCompensated", None),
    ]


def test_recover_of_a_saga_logged_up_to_its_start_undoes_only_the_steps_it_had(
    participant, orchestrator_for
):
    history = [SagaStarted(CID, 0.0, "demo", ("A", "C"), {})]
    steps = [participant.step(name) for name in ("A", "B", "C")]

    orchestrator_for(*steps).recover(history)

    assert participant.undone == ["C", "A"]


def test_recover_of_a_saga_logged_up_to_its_start_skips_steps_a_recovery_undid(
    participant, orchestrator_for
):
    # A watched recovery that was killed in turn left B undone and A dead-lettered.
    history = [
        SagaStarted(CID, 0.0, "demo", ("A", "B", "C"), {}),
        CompensationTriggered(CID, 1.0, None, ("C", "B", "A"), True),
        CompensationSucceeded(CID, 2.0, "B", "COMPENSATE_B", 1, {}),
        DeadLettered(CID, 3.0, "A", "COMPENSATE_A", 3, "down"),
    ]
    steps = [participant.step(name) for name in ("A", "B", "C")]

    result = orchestrator_for(*steps).recover(history)

    assert participant.undone == ["C"]
    assert result.outcome is SagaOutcome.DEAD_LETTERED


@st.composite
def interrupted_sagas(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    fail_at = draw(st.none() | st.integers(min_value=1, max_value=n))
    broken = draw(st.sets(st.integers(min_value=1, max_value=n)))
    return n, fail_at, broken, draw(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))


@given(case=interrupted_sagas())
def test_recovery_undoes_every_started_step_exactly_once(new_world, case):
    n, fail_at, broken, where = case
    _, first, make = new_world()
    names = [f"S{i}" for i in range(1, n + 1)]
    steps = [
        first.step(
            name,
            errors=[StepError("no")] if i == fail_at else (),
            comp_errors=[StepError("down")] if i in broken else (),
        )
        for i, name in enumerate(names, start=1)
    ]
    events = make(*steps).run(correlation_id=CID).events
    history = events[: 1 + int(where * (len(events) - 1))]  # never the final event
    # A history without step events: any step may have run (see the orchestrator).
    started = [e.step for e in history if isinstance(e, StepStarted)] or names
    undone_before = [e.step for e in history if isinstance(e, CompensationSucceeded)]
    parked_before = [e.step for e in history if isinstance(e, DeadLettered)]
    # The restarted process talks to participants that work again.
    _, second, make_again = new_world()

    result = make_again(*(second.step(name) for name in names)).recover(history)

    expected = [s for s in reversed(started) if s not in undone_before + parked_before]
    assert second.undone == expected
    assert second.done == []
    assert sorted(undone_before + parked_before + expected) == sorted(started)
    assert [r.step for r in result.dead_letters] == parked_before
    assert result.outcome is (
        SagaOutcome.DEAD_LETTERED if parked_before else SagaOutcome.COMPENSATED
    )
