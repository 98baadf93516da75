"""Step roles: compensatable steps, one pivot (the point of no return), then retriable steps.

A failure at or before the pivot undoes the completed steps, newest first; once
the pivot has completed the saga only goes forward: a retriable step is tried
again after any error until it succeeds, and is never compensated. One that
still fails at its safety limit is parked in the dead-letter queue as itself.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from engine_helpers import CID, FakeClock, trace
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.engine import (
    RETRIABLE_ATTEMPTS,
    DeadLettered,
    DefinitionError,
    RetryPolicy,
    SagaCompleted,
    SagaDefinition,
    SagaEvent,
    SagaOrchestrator,
    SagaOutcome,
    SagaStep,
    SqliteEventStore,
    StepContext,
    StepError,
    StepRetried,
    StepRole,
    StepSucceeded,
)

C, P, R = StepRole.COMPENSATABLE, StepRole.PIVOT, StepRole.RETRIABLE
BACKOFF = RetryPolicy(max_attempts=2, initial_delay=0.2, multiplier=2.0, max_delay=2.0)


class World:
    """Steps that fail as told and record every call: ``("do"|"undo", step, attempt)``."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.calls: list[tuple[str, str, int]] = []
        #: Step → how many of its first attempts fail (a big number: every one).
        self.failures: dict[str, int] = {}
        #: Step → seconds each attempt takes (a timeout to beat).
        self.slow: dict[str, float] = {}

    def step(self, name: str, role: StepRole, *, timeout: float | None = None) -> SagaStep:
        def action(ctx: StepContext) -> dict[str, object]:
            self.calls.append(("do", name, ctx.attempt))
            self.clock.advance(self.slow.get(name, 0.0))
            if ctx.attempt <= self.failures.get(name, 0):
                raise StepError(f"{name} refused")  # a plain refusal, not a transient one
            return {"done": name}

        def undo(ctx: StepContext) -> dict[str, object]:
            self.calls.append(("undo", name, ctx.attempt))
            return {}

        return SagaStep(name, action, undo, retry=BACKOFF, timeout=timeout, role=role)

    def orchestrator(self, definition: SagaDefinition, **options: object) -> SagaOrchestrator:
        return SagaOrchestrator(
            definition,
            clock=self.clock,
            sleep=self.clock.sleep,
            rng=random.Random(1),
            **options,  # type: ignore[arg-type]
        )

    def undone(self) -> list[str]:
        return [name for kind, name, _ in self.calls if kind == "undo"]


def _trip(world: World, *, timeout: float | None = None) -> SagaDefinition:
    return SagaDefinition(
        "trip",
        (
            world.step("FLIGHT", C, timeout=timeout),
            world.step("HOTEL", C, timeout=timeout),
            world.step("CHARGE", P, timeout=timeout),
            world.step("ITINERARY", R, timeout=timeout),
            world.step("EMAIL", R, timeout=timeout),
        ),
    )


@pytest.mark.parametrize("watched", [True, False])
def test_a_retriable_step_is_retried_after_any_error_until_it_succeeds(watched):
    world = World()
    world.failures["ITINERARY"] = 6  # more than its policy's 2 attempts, a plain refusal
    result = world.orchestrator(_trip(world), keep_events=watched).run(correlation_id=CID)

    assert result.success
    attempts = [attempt for kind, name, attempt in world.calls if name == "ITINERARY"]
    assert attempts == [1, 2, 3, 4, 5, 6, 7]
    assert world.undone() == []
    # With its backoff: 0.2, 0.4, 0.8, 1.6, then the policy's ceiling of 2 s.
    assert world.clock.sleeps == [0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    if watched:
        retried = [e for e in result.events if isinstance(e, StepRetried)]
        assert [e.max_attempts for e in retried] == [RETRIABLE_ATTEMPTS] * 6


@pytest.mark.parametrize("watched", [True, False])
def test_a_retriable_step_that_never_succeeds_is_dead_lettered_and_nothing_is_undone(watched):
    world = World()
    world.failures["ITINERARY"] = 10**6
    result = world.orchestrator(_trip(world), keep_events=watched).run(correlation_id=CID)

    assert result.outcome is SagaOutcome.DEAD_LETTERED
    assert result.failed_step == "ITINERARY"
    assert world.undone() == []  # past the pivot: never back
    assert [name for kind, name, _ in world.calls].count("ITINERARY") == RETRIABLE_ATTEMPTS
    assert "EMAIL" not in [name for _, name, _ in world.calls]
    (record,) = result.compensations
    assert (record.step, record.compensation, record.success, record.attempts) == (
        "ITINERARY",
        "ITINERARY",
        False,
        RETRIABLE_ATTEMPTS,
    )
    assert list(result.results) == ["FLIGHT", "HOTEL", "CHARGE"]
    if watched:
        names = [type(e).__name__ for e in result.events[-3:]]
        assert names == ["StepFailed", "DeadLettered", "SagaCompensated"]
        assert "CompensationTriggered" not in [type(e).__name__ for e in result.events]
        assert result.events[-1].compensated == ()
        assert result.events[-1].dead_letters == ("ITINERARY",)


def test_a_retriable_step_whose_reply_is_late_is_tried_again_not_undone():
    world = World()
    definition = _trip(world, timeout=1.0)
    replies = iter([5.0, 5.0, 0.0])  # two late replies, then one in time
    original = definition.steps[3].action

    def late_twice(ctx: StepContext) -> object:
        world.slow["ITINERARY"] = next(replies)
        return original(ctx)  # type: ignore[call-arg]

    steps = list(definition.steps)
    steps[3] = SagaStep("ITINERARY", late_twice, steps[3].compensation, timeout=1.0, role=R)
    result = world.orchestrator(SagaDefinition("trip", tuple(steps))).run(correlation_id=CID)

    assert result.success
    assert world.undone() == []
    retried = [e for e in result.events if isinstance(e, StepRetried)]
    assert [e.error for e in retried] == ["no reply within 1 s: effect unknown"] * 2


@pytest.mark.parametrize("watched", [True, False])
def test_a_failing_pivot_undoes_the_steps_before_it_newest_first(watched):
    world = World()
    world.failures["CHARGE"] = 10**6
    result = world.orchestrator(_trip(world), keep_events=watched).run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.failed_step == "CHARGE"
    assert world.undone() == ["HOTEL", "FLIGHT"]


def test_a_pivot_whose_reply_is_late_is_undone_too():
    world = World()
    world.slow["CHARGE"] = 5.0
    result = world.orchestrator(_trip(world, timeout=1.0)).run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert world.undone() == ["CHARGE", "HOTEL", "FLIGHT"]


@pytest.mark.parametrize(
    ("roles", "says"),
    [
        ((C, P, P), "two pivots"),
        ((C, P, C), "follows the pivot"),
        ((C, R), "before any pivot"),
        ((R, P), "before any pivot"),
    ],
)
def test_a_definition_out_of_order_is_refused(roles, says):
    world = World()
    with pytest.raises(DefinitionError, match=says):
        SagaDefinition(
            "bad", tuple(world.step(f"S{n}", role) for n, role in enumerate(roles, start=1))
        )


def test_recovery_after_the_pivot_goes_forward():
    world = World()
    first = world.orchestrator(_trip(world))
    # The orchestrator died right after the pivot (its events up to StepSucceeded(CHARGE)).
    full = first.run(correlation_id=CID).events
    cut = next(i for i, e in enumerate(full) if isinstance(e, StepSucceeded) and e.step == "CHARGE")
    world.calls.clear()

    result = world.orchestrator(_trip(world)).recover(full[: cut + 1])

    assert result.success
    assert world.undone() == []
    assert [name for _, name, _ in world.calls] == ["ITINERARY", "EMAIL"]
    assert isinstance(result.events[-1], SagaCompleted)


def test_recovery_before_the_pivot_still_compensates():
    world = World()
    full = world.orchestrator(_trip(world)).run(correlation_id=CID).events
    cut = next(i for i, e in enumerate(full) if isinstance(e, StepSucceeded) and e.step == "HOTEL")
    world.calls.clear()

    result = world.orchestrator(_trip(world)).recover(full[: cut + 1])

    assert result.outcome is SagaOutcome.COMPENSATED
    assert world.undone() == ["HOTEL", "FLIGHT"]


class _Killed(BaseException):
    """The process dies in the middle of a participant call."""


def test_a_durable_log_knows_the_pivot_completed_before_any_retriable_step_runs(tmp_path):
    # Without listeners a saga's events wait for its end, after its start is
    # committed; past the pivot that would let recovery undo a saga that may only
    # go forward. So the pivot's success is committed before the next call.
    world = World()
    definition = _trip(world)
    steps = list(definition.steps)

    def die(ctx: StepContext) -> None:
        raise _Killed

    steps[3] = SagaStep("ITINERARY", die, role=R)
    path = tmp_path / "log.db"
    store = SqliteEventStore(path)
    orchestrator = world.orchestrator(
        SagaDefinition("trip", tuple(steps)), sink=store, keep_events=False
    )
    with pytest.raises(_Killed):
        orchestrator.run(correlation_id=CID)

    history = SqliteEventStore(path).history(CID)  # what a fresh process reads
    assert ("StepSucceeded", "CHARGE") in trace(history)
    world.calls.clear()
    result = world.orchestrator(_trip(world)).recover(history)
    assert result.success
    assert world.undone() == []


def test_retrying_a_parked_retriable_step_runs_it_and_the_steps_after_it():
    world = World()
    world.failures["ITINERARY"] = 10**6
    events: list[SagaEvent] = []
    orchestrator = world.orchestrator(_trip(world), listeners=[events.append])
    result = orchestrator.run({"who": "ada"}, correlation_id=CID)
    assert result.outcome is SagaOutcome.DEAD_LETTERED
    world.failures.clear()
    world.calls.clear()
    seen: list[tuple[object, set[str]]] = []
    original = orchestrator.definition.steps[3].action

    def watching(ctx: StepContext) -> object:
        seen.append((dict(ctx.payload), set(ctx.results)))  # as they are at call time
        return original(ctx)  # type: ignore[call-arg]

    steps = list(orchestrator.definition.steps)
    steps[3] = SagaStep("ITINERARY", watching, steps[3].compensation, role=R)
    orchestrator.definition = SagaDefinition("trip", tuple(steps))
    del events[:]

    record = orchestrator.retry_dead_letter(CID, "ITINERARY", history=result.events)

    assert record.success
    assert [name for _, name, _ in world.calls] == ["ITINERARY", "EMAIL"]
    assert seen[0] == ({"who": "ada"}, {"FLIGHT", "HOTEL", "CHARGE"})
    assert world.undone() == []
    names = [type(e).__name__ for e in events]
    assert names[-1] == "SagaCompleted"
    assert "DeadLetterResolved" in names


# -- any structure, any failures ---------------------------------------------------------


@st.composite
def structures(draw: st.DrawFn) -> tuple[StepRole, ...]:
    before = draw(st.integers(0, 4))
    pivot = draw(st.booleans())
    after = draw(st.integers(0, 3)) if pivot else 0
    roles = (C,) * before + ((P,) if pivot else ()) + (R,) * after
    return roles or (C,)


def _run_any(
    roles: tuple[StepRole, ...], failures: list[int], watched: bool
) -> tuple[World, object]:
    world = World()
    names = [f"S{n}" for n in range(1, len(roles) + 1)]
    for name, count in zip(names, failures, strict=False):
        world.failures[name] = count
    definition = SagaDefinition(
        "any", tuple(world.step(name, role) for name, role in zip(names, roles, strict=True))
    )
    result = world.orchestrator(definition, keep_events=watched).run(correlation_id=CID)
    return world, result


@settings(max_examples=200, deadline=None)
@given(
    structures(),
    st.lists(st.sampled_from([0, 0, 1, 3, 10**6]), max_size=8),
    st.booleans(),
)
def test_any_structure_undoes_newest_first_and_never_undoes_a_retriable_step(
    roles, failures, watched
):
    world, result = _run_any(roles, failures, watched)
    by_name = {f"S{n}": role for n, role in enumerate(roles, start=1)}
    completed = list(result.results)  # in the order they completed
    undone = world.undone()

    assert not [name for name in undone if by_name[name] is R]
    if result.success:
        assert undone == []
    elif by_name[result.failed_step] is R:
        # Past the pivot: nothing goes back; the step itself waits as a dead letter.
        assert undone == []
        assert [r.compensation for r in result.dead_letters] == [result.failed_step]
    else:
        assert undone == list(reversed(completed))
    # Watched or not, the same calls and the same result.
    other_world, other = _run_any(roles, failures, not watched)
    assert other_world.calls == world.calls
    assert other._replace(events=()) == result._replace(events=())  # type: ignore[attr-defined]


def test_compensations_follow_completion_order_when_a_pivot_fails_late() -> None:
    world = World()
    world.failures["CHARGE"] = 10**6
    completion: list[str] = []

    def note(event: SagaEvent) -> None:
        if isinstance(event, StepSucceeded):
            completion.append(event.step)
        if isinstance(event, DeadLettered):  # pragma: no cover - must not happen here
            raise AssertionError(event)

    listener: Callable[[SagaEvent], None] = note
    world.orchestrator(_trip(world), listeners=[listener]).run(correlation_id=CID)

    assert world.undone() == list(reversed(completion))
