"""Batch runs on several threads at once: ``saga-desktop batch --workers W``.

Each worker is a real thread with its own :class:`BookingSagaOrchestrator` on
the same data directory (its own SQLite connections: no connection is shared
between threads), running its share of the plan with :func:`run_batch`. The
participants' transactions and idempotency keys keep the world consistent
however the threads interleave; the world is checked once every worker is done.

Worker ``i`` draws its faults from its own seed (the plan's for worker 0), so
one worker runs exactly what ``run_batch`` runs; with several, which saga gets
which seat depends on the threads' timing, the fault counts do not.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from saga_desktop.booking._api import BookingSagaOrchestrator
from saga_desktop.booking._batch import BatchPlan, BatchReport, Cancellation, run_batch
from saga_desktop.booking._exceptions import InvalidBatchPlan

__all__ = ["MAX_WORKERS", "run_batch_workers", "worker_seed"]

#: The most threads a batch runs on.
MAX_WORKERS = 32


def worker_seed(seed: int, worker: int) -> int:
    """The seed worker ``worker`` draws its faults from (``seed`` itself for worker 0)."""
    return (seed + worker * 0x9E3779B9) % 2**32


def run_batch_workers(
    open_orchestrator: Callable[[], BookingSagaOrchestrator],
    plan: BatchPlan,
    workers: int,
    *,
    cancelled: Cancellation | None = None,
    timer: Callable[[], float] = time.perf_counter,
) -> BatchReport:
    """Run ``plan`` on ``workers`` threads at once, each with its own orchestrator.

    Parameters
    ----------
    open_orchestrator
        Opens an orchestrator on the batch's data directory (called once per worker).
    plan
        How many sagas in all, how often they fail, the seed.
    workers
        Threads, 1 to :data:`MAX_WORKERS`; never more than the sagas.
    cancelled
        Checked by every worker before each saga.
    timer
        Returns seconds; for the elapsed time and the pace.

    Raises
    ------
    InvalidBatchPlan
        When ``workers`` is out of range.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise InvalidBatchPlan(
            f"workers must be a whole number from 1 to {MAX_WORKERS}, not {workers!r}"
        )
    seed = plan.seed if plan.seed is not None else random.SystemRandom().randrange(2**32)
    workers = min(workers, plan.count)
    shares = [plan.count // workers + (i < plan.count % workers) for i in range(workers)]
    orchestrators: list[BookingSagaOrchestrator] = []
    try:
        for _ in shares:
            orchestrators.append(open_orchestrator())
        reports: list[BatchReport | None] = [None] * workers
        errors: list[BaseException] = []

        def work(i: int) -> None:
            try:
                share = BatchPlan(shares[i], plan.failure_rate, worker_seed(seed, i))
                reports[i] = run_batch(orchestrators[i], share, cancelled=cancelled, timer=timer)
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=(i,), name=f"batch-{i}") for i in range(workers)
        ]
        started = timer()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = timer() - started
        if errors:
            raise errors[0]
        done = [r for r in reports if r is not None]
        return _merged(done, plan, seed, elapsed, orchestrators[0], workers)
    finally:
        for orchestrator in orchestrators:
            orchestrator.close()


def _summed(maps: Sequence[Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in maps:
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
    return total


def _merged(
    done: Sequence[BatchReport],
    plan: BatchPlan,
    seed: int,
    elapsed: float,
    first: BookingSagaOrchestrator,
    workers: int,
) -> BatchReport:
    """The workers' reports as one, with the world checked once every worker is done."""
    return BatchReport(
        count=plan.count,
        failure_rate=plan.failure_rate,
        seed=seed,
        attempted=sum(r.attempted for r in done),
        confirmed=sum(r.confirmed for r in done),
        compensated=sum(r.compensated for r in done),
        dead_lettered=sum(r.dead_lettered for r in done),
        invalid=sum(r.invalid for r in done),
        sold_out=sum(r.sold_out for r in done),
        faults=_summed([r.faults for r in done]),
        elapsed=elapsed,
        cancelled=any(r.cancelled for r in done),
        # The world as all of them left it.
        violations=tuple(first.world.violations(first.store)),
        compensations=_summed([r.compensations for r in done]),
        retries=_summed([r.retries for r in done]),
        workers=workers,
    )
