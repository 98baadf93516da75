"""The virtual clock: simulated waits move time on without waiting."""

from __future__ import annotations

import time

from saga_desktop.engine import (
    RetryPolicy,
    SagaDefinition,
    SagaOrchestrator,
    SagaStep,
    StepRetried,
    TransientStepError,
    VirtualClock,
)


def test_sleep_moves_time_on_without_waiting():
    clock = VirtualClock(lambda: 100.0)
    began = time.monotonic()

    clock.sleep(3600.0)
    clock.sleep(0.5)

    assert time.monotonic() - began < 1.0
    assert clock.time() == 3700.5
    assert clock.offset == 3600.5


def test_negative_sleep_does_not_move_time_back():
    clock = VirtualClock(lambda: 10.0)
    clock.sleep(-5.0)

    assert clock.time() == 10.0


def test_base_clock_keeps_ticking_underneath():
    ticks = iter([1.0, 2.0])
    clock = VirtualClock(lambda: next(ticks))
    clock.sleep(10.0)

    assert [clock.time(), clock.time()] == [11.0, 12.0]


def test_backoff_shows_in_the_event_times():
    clock = VirtualClock(lambda: 1000.0)
    attempts = []

    def flaky(ctx):
        attempts.append(ctx.attempt)
        if ctx.attempt < 3:
            raise TransientStepError("busy")
        return {}

    policy = RetryPolicy(max_attempts=3, initial_delay=60.0, multiplier=2.0, max_delay=600.0)
    definition = SagaDefinition("demo", (SagaStep("A", flaky, retry=policy),))
    orchestrator = SagaOrchestrator(definition, clock=clock.time, sleep=clock.sleep)

    result = orchestrator.run()

    assert attempts == [1, 2, 3]
    assert [e.at for e in result.events if isinstance(e, StepRetried)] == [1000.0, 1060.0]
    assert result.events[-1].at == 1180.0


def test_stamps_never_pass_the_wall_clock_but_timeouts_see_the_waits():
    wall = [5000.0]
    clock = VirtualClock(lambda: wall[0], wall=lambda: wall[0])

    def late(ctx):
        clock.sleep(3.0)  # the reply comes 3 s late: only simulated
        return {}

    definition = SagaDefinition("demo", (SagaStep("A", late, timeout=2.0),))
    orchestrator = SagaOrchestrator(
        definition, clock=clock.time, sleep=clock.sleep, timer=clock.simulated
    )

    result = orchestrator.run()

    assert result.failed_step == "A"
    assert "timed out" in (result.error or "")
    assert clock.simulated() == 5003.0
    assert max(event.at for event in result.events) == 5000.0
