"""Fakes shared by the engine tests: a clock that never waits, and scripted participants."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pytest
from engine_helpers import FakeClock

from saga_desktop.engine import (
    NO_RETRY,
    RetryPolicy,
    SagaDefinition,
    SagaEvent,
    SagaOrchestrator,
    SagaStep,
    StepContext,
    StepError,
    TransientStepError,
)


class Participant:
    """Builds steps whose actions and compensations are scripted and recorded.

    ``calls`` gets ``"do X#n"`` / ``"undo X#n"`` for every attempt, failed ones included.
    An ``errors`` iterable gives the exception (or ``None`` for success) of each attempt;
    once it runs out, every attempt succeeds.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[str] = []
        self.contexts: list[StepContext] = []

    @property
    def done(self) -> list[str]:
        return [c.split()[1].split("#")[0] for c in self.calls if c.startswith("do ")]

    @property
    def undone(self) -> list[str]:
        return [c.split()[1].split("#")[0] for c in self.calls if c.startswith("undo ")]

    def step(
        self,
        name: str,
        *,
        errors: Iterable[BaseException | None] = (),
        comp_errors: Iterable[BaseException | None] = (),
        retry: RetryPolicy = NO_RETRY,
        compensation_retry: RetryPolicy = NO_RETRY,
        timeout: float | None = None,
        takes: float = 0.0,
    ) -> SagaStep:
        action_errors: Iterator[BaseException | None] = iter(errors)
        undo_errors: Iterator[BaseException | None] = iter(comp_errors)

        def action(ctx: StepContext) -> Mapping[str, Any]:
            self.calls.append(f"do {name}#{ctx.attempt}")
            self.contexts.append(ctx)
            self.clock.advance(takes)
            error = next(action_errors, None)
            if error is not None:
                raise error
            return {"ref": f"{name.lower()}-{ctx.attempt}"}

        def compensation(ctx: StepContext) -> Mapping[str, Any]:
            self.calls.append(f"undo {name}#{ctx.attempt}")
            error = next(undo_errors, None)
            if error is not None:
                raise error
            return {"undone": name}

        return SagaStep(
            name=name,
            action=action,
            compensation=compensation,
            description=f"Do {name}",
            compensation_description=f"Undo {name}",
            retry=retry,
            compensation_retry=compensation_retry,
            timeout=timeout,
        )


def _orchestrator_factory(clock: FakeClock) -> Callable[..., SagaOrchestrator]:
    def make(*steps: SagaStep, name: str = "demo", **kwargs: Any) -> SagaOrchestrator:
        return SagaOrchestrator(
            SagaDefinition(name, steps), clock=clock, sleep=clock.sleep, **kwargs
        )

    return make


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def participant(clock: FakeClock) -> Participant:
    return Participant(clock)


@pytest.fixture
def orchestrator_for(clock: FakeClock) -> Callable[..., SagaOrchestrator]:
    """Make an orchestrator on the fake clock for the given steps."""
    return _orchestrator_factory(clock)


@pytest.fixture(scope="session")
def new_world() -> Callable[[], tuple[FakeClock, Participant, Callable[..., SagaOrchestrator]]]:
    """A fresh clock, participant and orchestrator factory per call (for hypothesis)."""

    def make() -> tuple[FakeClock, Participant, Callable[..., SagaOrchestrator]]:
        clock = FakeClock()
        return clock, Participant(clock), _orchestrator_factory(clock)

    return make


@pytest.fixture
def sample_events(orchestrator_for, participant) -> list[SagaEvent]:
    """Events of real runs that, together, hold every event type."""
    busy = TransientStepError("busy", injected=True)
    events: list[SagaEvent] = []
    cid = "00000000-0000-4000-8000-00000000000e"
    steps = (
        participant.step("A", errors=[busy], retry=RetryPolicy(max_attempts=2)),
        participant.step(
            "B",
            comp_errors=[RuntimeError("ledger offline")] * 2,
            compensation_retry=RetryPolicy(max_attempts=2, initial_delay=0.5),
        ),
        participant.step("C", errors=[StepError("sold out", injected=True)]),
    )
    orchestrator = orchestrator_for(*steps, listeners=[events.append])
    orchestrator.run({"user": 1, "tags": ["x"], "price": 9.5}, correlation_id=cid)
    orchestrator.retry_dead_letter(cid, "B")
    orchestrator.resolve_dead_letter(cid, "B")
    orchestrator_for(participant.step("OK"), listeners=[events.append]).run({"n": None})
    orchestrator_for(
        participant.step("SLOW", timeout=1.0, takes=3.0), listeners=[events.append]
    ).run()
    return events
