"""What durability costs: microseconds per 4-step saga, three ways, in one run.

(a) the engine alone, in memory: four no-op steps, ``keep_events=False``, no listeners;
(b) the booking saga on its SQLite participants, ``durable=False, write_logs=False``;
(c) the booking saga as shipped: durable saga log and log files (the defaults).

Every saga completes (a flight big enough for all of them, no loyalty points).
Each figure is the best of ``--repeats`` batches. Run::

    .venv/bin/python tests/durability/durability_bench.py

Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from saga_desktop.booking import DEFAULT_BOOKING, BookingSagaOrchestrator
from saga_desktop.engine import SagaDefinition, SagaOrchestrator, SagaStep, StepContext

BENCH_FLIGHT = 4242


def _noop(context: StepContext) -> None:
    return None


def _best_per_saga(run_batch: Callable[[int], None], sagas: int, repeats: int) -> float:
    """Microseconds per saga of the fastest batch."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run_batch(sagas)
        best = min(best, (time.perf_counter() - started) / sagas)
    return best * 1e6


def bench_engine(sagas: int, repeats: int) -> float:
    definition = SagaDefinition(
        "bench", tuple(SagaStep(f"STEP_{n}", _noop, _noop) for n in range(1, 5))
    )
    orchestrator = SagaOrchestrator(definition, keep_events=False, rng=random.Random(0))

    def batch(count: int) -> None:
        for _ in range(count):
            orchestrator.run({})

    return _best_per_saga(batch, sagas, repeats)


def bench_booking(data_dir: Path, sagas: int, repeats: int, **options: bool) -> float:
    with BookingSagaOrchestrator(data_dir, rng=random.Random(0), **options) as orchestrator:
        # Seats for every saga of every batch (six a row), so that each one completes.
        rows = sagas * repeats // 6 + 1
        orchestrator.world.seats.add_flight(BENCH_FLIGHT, "BEN", "CHM", "2024-06-01", 100, rows)
        request = orchestrator.validate(
            dict(DEFAULT_BOOKING, flight_id=BENCH_FLIGHT, loyalty_points_to_use=0)
        )

        def batch(count: int) -> None:
            for _ in range(count):
                if not orchestrator.run(request).success:
                    raise RuntimeError("a benchmark saga failed: the figures would be wrong")

        return _best_per_saga(batch, sagas, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-sagas", type=int, default=20_000)
    parser.add_argument("--booking-sagas", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="saga-bench-") as tmp:
        engine = bench_engine(args.engine_sagas, args.repeats)
        memory = bench_booking(
            Path(tmp) / "memory",
            args.booking_sagas,
            args.repeats,
            durable=False,
            write_logs=False,
        )
        durable = bench_booking(Path(tmp) / "durable", args.booking_sagas, args.repeats)
    rows = [
        (f"(a) engine only, in memory, {args.engine_sagas} sagas", engine),
        (f"(b) booking, durable=False, write_logs=False, {args.booking_sagas} sagas", memory),
        (f"(c) booking, durable saga log + log files, {args.booking_sagas} sagas", durable),
    ]
    print(f"µs per completed 4-step saga, best of {args.repeats} batches")
    for label, micros in rows:
        print(f"{label:<62} {micros:10.1f} µs")
    print(f"{'(b)/(a) participants on SQLite vs engine alone':<62} {memory / engine:10.1f} x")
    print(f"{'(c)/(b) durable saga log + log files':<62} {durable / memory:10.1f} x")
    print(f"{'(c)/(a) as shipped vs engine alone':<62} {durable / engine:10.1f} x")


if __name__ == "__main__":
    main()
