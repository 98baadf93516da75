"""Retries and timeouts run on the injected VirtualClock: the log shows the waits, nobody waits.

``time.sleep`` is made to fail for these tests, so any real wait would show as
an error, not merely as a slow test.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from saga_desktop.booking import (
    ACTION_RETRY,
    DEFAULT_BOOKING,
    STEP_TIMEOUT,
    BookingSagaOrchestrator,
    parse_kind,
)
from saga_desktop.engine import (
    CompensationRetried,
    CompensationStarted,
    SagaCompleted,
    SagaEvent,
    SagaOutcome,
    StepFailed,
    StepRetried,
    StepStarted,
    VirtualClock,
)

BASE = 1_700_000_000.0


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) was called: a retry waited for real")

    monkeypatch.setattr(time, "sleep", refuse)


def run_one(data_dir: Path, faults: dict[str, str], seed: int = 0) -> tuple[float, list[SagaEvent]]:
    """Run the guide's booking with ``faults``; return the wall time of the run and its log."""
    plan = {step: parse_kind(kind) for step, kind in faults.items()}
    clock = VirtualClock(base=lambda: BASE)
    with BookingSagaOrchestrator(data_dir, clock=clock, rng=random.Random(seed)) as orchestrator:
        request = orchestrator.validate(DEFAULT_BOOKING)
        started = time.perf_counter()
        result = orchestrator.run(request, plan)
        wall = time.perf_counter() - started
        assert orchestrator.store is not None
        # The durable log holds the same events, time stamps and delays included.
        assert orchestrator.store.history(result.correlation_id) == list(result.events)
    return wall, list(result.events)


@pytest.mark.parametrize("seed", range(5))
def test_a_transient_step_backs_off_in_virtual_time(tmp_path: Path, seed: int) -> None:
    wall, events = run_one(tmp_path / "data", {"process_payment": "transient:2"}, seed)

    assert isinstance(events[-1], SagaCompleted)
    assert wall < 0.5, f"the saga took {wall:.3f} s of wall time"
    retries = [e for e in events if isinstance(e, StepRetried)]
    assert [(e.step, e.attempt) for e in retries] == [("PROCESS_PAYMENT", n) for n in (1, 2)]
    for retry, nominal in zip(retries, (0.2, 0.4), strict=True):
        assert retry.delay == pytest.approx(nominal, rel=ACTION_RETRY.jitter)
        assert retry.delay != nominal  # the jitter is there
    # Each new attempt starts exactly one backoff after the retry was decided.
    starts = {e.attempt: e.at for e in events if isinstance(e, StepStarted)}
    assert starts[2] - retries[0].at == pytest.approx(retries[0].delay)
    assert starts[3] - retries[1].at == pytest.approx(retries[1].delay)
    # Virtual time moved on by the waits alone; the base clock never moved.
    assert events[-1].at - events[0].at == pytest.approx(retries[0].delay + retries[1].delay)


def test_a_late_reply_times_out_in_virtual_time(tmp_path: Path) -> None:
    wall, events = run_one(tmp_path / "data", {"confirm_booking": "timeout"})

    assert wall < 0.5, f"the saga took {wall:.3f} s of wall time"
    (failed,) = [e for e in events if isinstance(e, StepFailed)]
    assert failed.timed_out
    (started,) = [e for e in events if isinstance(e, StepStarted) and e.step == failed.step]
    assert failed.at - started.at == pytest.approx(STEP_TIMEOUT * 1.5)
    # The step whose reply was lost is undone first.
    first_undo = next(e for e in events if isinstance(e, CompensationStarted))
    assert first_undo.step == "CONFIRM_BOOKING"


def test_a_failing_undo_backs_off_in_virtual_time(tmp_path: Path) -> None:
    wall, events = run_one(
        tmp_path / "data",
        {"deduct_loyalty_points": "compensation_fail:2", "confirm_booking": "fail"},
    )

    assert wall < 0.5, f"the saga took {wall:.3f} s of wall time"
    retries = [e for e in events if isinstance(e, CompensationRetried)]
    assert [e.step for e in retries] == ["DEDUCT_LOYALTY_POINTS"] * 2
    for retry, nominal in zip(retries, (0.2, 0.4), strict=True):
        assert retry.delay == pytest.approx(nominal, rel=0.1)


def test_the_cli_default_clock_is_virtual_too(tmp_path: Path) -> None:
    # The orchestrator's own default (what `saga-desktop run` uses) never sleeps either.
    plan = {"process_payment": parse_kind("transient:2")}
    with BookingSagaOrchestrator(tmp_path / "data") as orchestrator:
        result = orchestrator.run(orchestrator.validate(DEFAULT_BOOKING), plan)
    assert result.outcome is SagaOutcome.COMPLETED
    assert orchestrator.clock.offset == pytest.approx(
        sum(e.delay for e in result.events if isinstance(e, StepRetried))
    )
