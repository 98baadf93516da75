"""Durable benchmarks: the booking saga on its SQLite world, with the saga log on disk.

Every saga is a real booking (one passenger, no loyalty points) run by
``BookingSagaOrchestrator(durable=True)``: nobody listens, so each saga's start
is committed to ``saga_log.db`` before its first participant call and the rest
of its events when it ends, and each step is a local transaction in its
participant's own database. The failure mix is the guide's:
70 % confirmed, 10 % refused (``fail``) at each of DEDUCT_LOYALTY_POINTS,
PROCESS_PAYMENT and CONFIRM_BOOKING, then compensated.

The world gets enough flights of 42 seats (the default flight's size) for every
saga, and the sagas take them in turn, so that no flight is ever full: a full
flight would turn sagas into cheap refusals and flatter the figures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench_engine import guide_mix

from saga_desktop.booking import (
    STEP_KEYS,
    BookingRequest,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    FaultPlan,
)

#: Flights the benchmark adds start here (the default world has 123, 456, 789).
FIRST_FLIGHT = 10_000
SEATS_PER_FLIGHT = 42  # 7 rows of six, like flight 123

#: ``python-saga-orchestrator`` (Django, PostgreSQL), as measured by its author's setup.
PYTHON_SAGA_ORCHESTRATOR_SECONDS = 0.046


def _plans() -> dict[int, FaultPlan]:
    fail = Fault(FaultKind.FAIL)
    return {0: {}, **{n: {STEP_KEYS[n - 1]: fail} for n in (2, 3, 4)}}


@contextmanager
def booking_world(
    sagas: int, *, write_logs: bool
) -> Iterator[tuple[BookingSagaOrchestrator, list[BookingRequest]]]:
    """A fresh world with seats for ``sagas`` bookings, and one request per flight."""
    with tempfile.TemporaryDirectory(prefix="saga-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        with BookingSagaOrchestrator(
            data_dir,
            durable=True,
            write_logs=write_logs,
            keep_events=False,
            rng=random.Random(0),
        ) as orchestrator:
            flights = math.ceil(sagas / SEATS_PER_FLIGHT) + 1
            for number in range(flights):
                orchestrator.world.seats.add_flight(
                    FIRST_FLIGHT + number, "AMS", "OSL", "2024-06-01", 20_000, 7
                )
            requests = [
                orchestrator.validate(
                    {
                        "flight_id": FIRST_FLIGHT + number,
                        "user_id": 1 + number % 3,
                        "total_fare": 200.0,
                        "loyalty_points_to_use": 0,
                        "payment_method": "card",
                        "passengers": [{"first_name": "Bench", "last_name": f"Mark {number}"}],
                    }
                )
                for number in range(flights)
            ]
            yield orchestrator, requests


@dataclasses.dataclass(frozen=True)
class DurableRun:
    """One durable batch: what it did and how long it took."""

    name: str
    sagas: int
    seconds: float
    outcomes: dict[str, int]
    consistent: bool
    chunk_seconds: tuple[float, ...]  # seconds per saga of each chunk, in order

    @property
    def per_saga(self) -> float:
        return self.seconds / self.sagas

    @property
    def per_second(self) -> float:
        return self.sagas / self.seconds


def run_durable(
    name: str,
    sagas: int,
    *,
    write_logs: bool,
    grouped: bool = False,
    chunk: int = 1_000,
    on_chunk: Callable[[int], None] | None = None,
) -> DurableRun:
    """Run ``sagas`` booking sagas of the guide's mix on a fresh durable world.

    ``grouped`` groups their commits as ``saga-desktop batch`` does
    (``BookingSagaOrchestrator.commit_groups``).
    """
    plans = _plans()
    mix = guide_mix(sagas, seed=7)
    outcomes: dict[str, int] = {}
    chunks: list[float] = []
    with (
        booking_world(sagas, write_logs=write_logs) as (orchestrator, requests),
        orchestrator.commit_groups() if grouped else contextlib.nullcontext() as group,
    ):
        gc.collect()
        started = chunk_started = time.perf_counter()
        for number, fail_at in enumerate(mix):
            result = orchestrator.run(requests[number % len(requests)], plans[fail_at])
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
            if group is not None:
                group.saga_ended()
            if (number + 1) % chunk == 0:
                now = time.perf_counter()
                chunks.append((now - chunk_started) / chunk)
                chunk_started = now
                if on_chunk is not None:
                    on_chunk(number + 1)
        if group is not None:
            group()  # the last group is durable before the clock stops
        seconds = time.perf_counter() - started
        consistent = orchestrator.world.snapshot().consistent
    return DurableRun(name, sagas, seconds, outcomes, consistent, tuple(chunks))


def growth_by_sagas(marks: Sequence[int], chunk: int, write_logs: bool) -> list[tuple[int, float]]:
    """Seconds per saga of the chunk that ends at each mark, in one growing saga log."""
    run = run_durable("growth", max(marks), write_logs=write_logs, chunk=chunk)
    return [(mark, run.chunk_seconds[mark // chunk - 1]) for mark in marks]
