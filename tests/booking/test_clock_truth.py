"""Time stamps never run ahead of the wall clock, however much waiting was simulated."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    ORCHESTRATOR_LOG,
    BatchPlan,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    run_batch,
)
from saga_desktop.engine import StepFailed, StepRetried


def _stamps_of_log(data_dir: Path) -> list[float]:
    stamps = []
    for line in (data_dir / "logs" / ORCHESTRATOR_LOG).read_text(encoding="utf-8").splitlines():
        when = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
        stamps.append(when.timestamp())
    return stamps


def test_simulated_waits_never_stamp_the_future(data_dir: Path) -> None:
    # Each late reply simulates 3 s of waiting and each transient failure a backoff:
    # twenty sagas would have stamped the log a minute ahead of the wall clock.
    plan = {
        "process_payment": Fault(FaultKind.TIMEOUT),
        "deduct_loyalty_points": Fault(FaultKind.TRANSIENT, 2),
    }
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        request = orchestrator.validate(dict(DEFAULT_BOOKING))
        results = [orchestrator.run(request, plan) for _ in range(20)]
        store = orchestrator.store
        assert store is not None
        stored = [event for result in results for event in store.history(result.correlation_id)]
    now = time.time()

    # The timeouts are still timeouts, the retries still retried: only the stamps changed.
    assert all(result.failed_step == "PROCESS_PAYMENT" for result in results)
    assert sum(isinstance(e, StepFailed) and e.timed_out for e in stored) == 20
    assert sum(isinstance(e, StepRetried) for e in stored) == 40
    assert max(event.at for event in stored) <= now
    assert max(event.at for result in results for event in result.events) <= now
    # The log file's lines (milliseconds, cut) too, and in the order they were written.
    stamps = _stamps_of_log(data_dir)
    assert max(stamps) <= now
    assert stamps == sorted(stamps)


def test_a_later_start_is_stamped_after_a_batch_full_of_timeouts(data_dir: Path) -> None:
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        run_batch(orchestrator, BatchPlan(300, 1.0, 3))
        last_of_batch = max(_stamps_of_log(data_dir))
    before_next_start = time.time()
    with BookingSagaOrchestrator(data_dir) as orchestrator:
        orchestrator.run(orchestrator.validate(dict(DEFAULT_BOOKING)))

    assert last_of_batch <= before_next_start
    stamps = _stamps_of_log(data_dir)
    assert stamps == sorted(stamps)
