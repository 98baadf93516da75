"""``batch --workers W``: throughput of W threads on one SQLite world, for W = 1, 2, 4.

Each run is a fresh data directory with enough extra flights that no saga is
refused for a full flight (a refusal is cheap and would flatter the figures);
the batch draws its faults as ``saga-desktop batch`` does (failure rate 0.2).
W orchestrators, one per thread, share the data directory; the world is checked
once after each run. Run: ``python tests/benchmarks/bench_workers.py [SAGAS]``.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

from saga_desktop.booking import BatchPlan, BookingSagaOrchestrator, run_batch_workers

SEATS_PER_FLIGHT = 42
FIRST_FLIGHT = 10_000


def throughput(sagas: int, workers: int) -> tuple[float, bool]:
    """Sagas per second of one batch of ``sagas`` on ``workers`` threads, and the check."""
    with tempfile.TemporaryDirectory(prefix="saga-bench-workers-") as tmp:
        data_dir = Path(tmp) / "data"
        with BookingSagaOrchestrator(data_dir, write_logs=False) as setup:
            # Twice the seats needed: each worker takes the flights in turn from the first.
            for number in range(math.ceil(2 * sagas / SEATS_PER_FLIGHT) + 1):
                setup.world.seats.add_flight(
                    FIRST_FLIGHT + number, "AMS", "OSL", "2024-06-01", 20_000, 7
                )

        def open_orchestrator() -> BookingSagaOrchestrator:
            return BookingSagaOrchestrator(data_dir, write_logs=False, keep_events=False)

        started = time.perf_counter()
        report = run_batch_workers(open_orchestrator, BatchPlan(sagas, 0.2, 1), workers)
        seconds = time.perf_counter() - started
        assert report.sold_out == 0, "the world ran out of seats: the figures would flatter"
        return sagas / seconds, report.consistent


def main(argv: list[str]) -> int:
    sagas = int(argv[0]) if argv else 2000
    print(f"| workers | sagas/s ({sagas} sagas) | world adds up |")
    print("|---|---|---|")
    for workers in (1, 2, 4):
        rate, consistent = throughput(sagas, workers)
        print(f"| {workers} | {rate:,.0f} | {'yes' if consistent else 'NO'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
