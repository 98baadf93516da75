"""Batch runs: many booking sagas on the real world, with failures drawn at random.

A :class:`BatchPlan` says how many sagas to run, how likely each one is to get a
fault, and the seed the faults are drawn from; :func:`run_batch` runs it on a
:class:`BookingSagaOrchestrator` and returns a :class:`BatchReport`. The command
line's ``saga-desktop batch`` and the window's batch runs share both.

What each saga gets
    With probability ``failure_rate`` one fault, drawn from ``random.Random(seed)``:
    ``fail``, ``transient`` (fails once, then succeeds on its retry), ``timeout``
    (the effect applies, the reply is late: compensated too) or
    ``compensation_fail:1`` (the undo fails once, then succeeds on its retry), at
    a random step. A ``compensation_fail`` comes with a ``fail`` at a later step,
    for an undo only runs when a later step fails; it is never drawn for the last
    step. The same seed draws the same faults, so two batches on fresh data
    directories end with the same counts.

What each saga books
    One passenger, no loyalty points (so points never run out), the flight's
    fare. The sagas take the flights and the users in turn. A flight that turns
    out full is skipped from then on.

When the seats run out
    The batch runs on the real world of the data directory and never adds seats
    to it. Once every flight is full, each further saga is refused at
    RESERVE_SEAT, a real refusal with nothing to undo: it ends compensated, and
    ``sold_out`` counts it. The default world has 42 + 30 + 60 seats, so a batch
    of 10,000 books at most 132 of them and the rest are refused. That is how
    the world behaves, not an error, and the world still adds up.

Never aborted by a booking
    A request of the wrong shape (an :class:`InvalidBooking`, a flight whose fare
    is 0, say) is counted in ``invalid`` and the batch goes on; what a participant
    refuses (no such user, a full flight) is a saga like any other, compensated.
    Cancelling (``cancelled.set()``) stops it between two sagas, so no saga is
    left half done.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from saga_desktop.booking._api import BookingSagaOrchestrator
from saga_desktop.booking._exceptions import InvalidBatchPlan, InvalidBooking
from saga_desktop.booking._faultkinds import fault_choices
from saga_desktop.booking._faults import (
    DEFAULT_FAILURE_RATE,
    STEP_KEYS,
    Fault,
    FaultKind,
    FaultPlan,
    parse_kind,
)
from saga_desktop.booking._sagaworld import ServiceWorld
from saga_desktop.booking._world import FlightWorld
from saga_desktop.engine import SagaOutcome, SagaResult

__all__ = [
    "BATCH_FAULTS",
    "DEFAULT_FAILURE_RATE",
    "MAX_SAGAS",
    "BatchPlan",
    "BatchProgress",
    "BatchReport",
    "Cancellation",
    "run_batch",
]

#: The most sagas one batch runs (about an hour and a half at the batch's speed here).
MAX_SAGAS = 10_000_000

#: The faults a batch draws from, one of them per faulty saga (the registry's batch mix).
BATCH_FAULTS: tuple[Fault, ...] = tuple(
    parse_kind(choice.spec) for choice in fault_choices() if choice.in_batch
)

_RESERVE_SEAT = "RESERVE_SEAT"


class Cancellation(Protocol):
    """Anything with ``is_set()``, such as a :class:`threading.Event`."""

    def is_set(self) -> bool:
        """True once the batch should stop."""


@dataclasses.dataclass(frozen=True, slots=True)
class BatchPlan:
    """How many sagas a batch runs, how often they fail, and the seed of the failures.

    Attributes
    ----------
    count
        Sagas to run, at least 1.
    failure_rate
        Chance, from 0 to 1, that a saga gets a fault.
    seed
        Seed of the fault draws; ``None`` draws a seed, which the report shows.

    Raises
    ------
    InvalidBatchPlan
        When ``count`` is not from 1 to ``MAX_SAGAS`` or ``failure_rate`` is
        outside [0, 1].
    """

    count: int
    failure_rate: float = DEFAULT_FAILURE_RATE
    seed: int | None = None

    def __post_init__(self) -> None:
        count = self.count
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SAGAS:
            digits = len(str(abs(count))) if isinstance(count, int) else 0
            shown = f"a {digits}-digit number" if digits > 20 else f"{count!r}"
            raise InvalidBatchPlan(
                f"count must be a whole number from 1 to {MAX_SAGAS:,}, not {shown}"
            )
        rate = self.failure_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
            raise InvalidBatchPlan(f"failure rate must be between 0 and 1, not {rate}")

    def draw(self, rng: random.Random, keys: Sequence[str] = STEP_KEYS) -> dict[str, Fault]:
        """Draw the next saga's fault plan (empty for a saga that gets no fault).

        Parameters
        ----------
        rng
            The batch's generator, seeded with the plan's seed.
        keys
            The saga's step keys, in order (the flight booking's by default).

        Returns
        -------
        dict
            Step key → fault: nothing, one fault, or a ``compensation_fail`` with
            the ``fail`` at a later step that makes its undo run.
        """
        if not rng.random() < self.failure_rate:
            return {}
        fault = rng.choice(BATCH_FAULTS)
        if fault.kind is not FaultKind.COMPENSATION_FAIL or len(keys) < 2:
            return {rng.choice(keys): fault}
        step = rng.randrange(len(keys) - 1)
        later = rng.randrange(step + 1, len(keys))
        return {keys[step]: fault, keys[later]: Fault(FaultKind.FAIL)}


@dataclasses.dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a running batch is: sent to ``on_progress``.

    Attributes
    ----------
    done
        Sagas attempted so far (invalid requests included).
    total
        Sagas the batch will attempt.
    confirmed, compensated, dead_lettered, invalid
        The outcomes so far.
    elapsed
        Seconds since the batch began.
    """

    done: int
    total: int
    confirmed: int
    compensated: int
    dead_lettered: int
    invalid: int
    elapsed: float

    @property
    def sagas_per_second(self) -> float:
        """Sagas attempted per second so far (0 before any time has passed)."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class BatchReport:
    """How a batch went, and whether the world still adds up.

    Attributes
    ----------
    count
        Sagas the plan asked for.
    failure_rate
        The plan's failure rate.
    seed
        The seed the faults were drawn from (drawn when the plan had none).
    attempted
        Sagas attempted: ``count``, or fewer when cancelled.
    confirmed
        Sagas that ended with a confirmed booking.
    compensated
        Sagas that failed and were undone in full (``sold_out`` included).
    dead_lettered
        Sagas that failed with an undo left in the dead-letter queue.
    invalid
        Requests the world refused before any saga started.
    sold_out
        Compensated sagas refused at RESERVE_SEAT because their flight was full.
    faults
        Faults injected, by kind (``fail``, ``transient``, ...).
    elapsed
        Seconds the sagas took (the final check not included).
    cancelled
        True when the batch was stopped before its end.
    violations
        Every way the world does not add up after the batch; empty when it does.
    compensations
        How the compensations ended: ``succeeded`` and ``dead_lettered`` (one per
        compensation), ``retried`` (failed attempts that were tried again).
    retries
        Attempts at a step after its first, by step.
    workers
        Threads the sagas ran on at once (``batch --workers``).
    """

    count: int
    failure_rate: float
    seed: int
    attempted: int
    confirmed: int
    compensated: int
    dead_lettered: int
    invalid: int
    sold_out: int
    faults: Mapping[str, int]
    elapsed: float
    cancelled: bool
    violations: tuple[str, ...]
    compensations: Mapping[str, int] = dataclasses.field(default_factory=dict)
    retries: Mapping[str, int] = dataclasses.field(default_factory=dict)

    @property
    def compensation_success_rate(self) -> float | None:
        """Compensations that succeeded, of those that ended (None when none ran)."""
        succeeded = self.compensations.get("succeeded", 0)
        ended = succeeded + self.compensations.get("dead_lettered", 0)
        return succeeded / ended if ended else None

    workers: int = 1

    @property
    def started(self) -> int:
        """Sagas that started (attempted less invalid)."""
        return self.confirmed + self.compensated + self.dead_lettered

    @property
    def sagas_per_second(self) -> float:
        """Sagas attempted per second (0 when no time was measured)."""
        return self.attempted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def consistent(self) -> bool:
        """True when seats, points and money add up after the batch."""
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (``saga-desktop batch --json``)."""
        return {
            "count": self.count,
            "failure_rate": self.failure_rate,
            "seed": self.seed,
            "attempted": self.attempted,
            "outcomes": {
                "confirmed": self.confirmed,
                "compensated": self.compensated,
                "dead_lettered": self.dead_lettered,
            },
            "invalid": self.invalid,
            "sold_out": self.sold_out,
            "faults": dict(self.faults),
            "elapsed_seconds": round(self.elapsed, 6),
            "sagas_per_second": round(self.sagas_per_second, 1),
            "cancelled": self.cancelled,
            "workers": self.workers,
            "consistent": self.consistent,
            "violations": list(self.violations),
            "compensations": dict(self.compensations),
            "compensation_success_rate": self.compensation_success_rate,
            "retries": dict(self.retries),
            "retries_total": sum(self.retries.values()),
        }


class _Bookings:
    """The next request of a batch: flights and users in turn, full flights skipped."""

    def __init__(self, world: FlightWorld) -> None:
        self.world = world
        flights = world.seats.query("SELECT id, fare_cents FROM flights ORDER BY id")
        self.flights = [(int(flight_id), int(fare)) for flight_id, fare in flights]
        users = world.loyalty.query("SELECT id FROM users ORDER BY id")
        self.users = [int(user_id) for (user_id,) in users]
        self.full: set[int] = set()

    def request(self, number: int) -> dict[str, Any]:
        open_flights = [f for f in self.flights if f[0] not in self.full] or self.flights
        # An empty world still gets a request: its participants refuse it in the saga.
        flight_id, fare = open_flights[number % len(open_flights)] if open_flights else (0, 0)
        user_id = self.users[number % len(self.users)] if self.users else 0
        return {
            "flight_id": flight_id,
            "user_id": user_id,
            "total_fare": fare / 100,
            "loyalty_points_to_use": 0,
            "payment_method": "card",
            "passengers": [{"first_name": "Batch", "last_name": f"Passenger {number + 1}"}],
        }

    def sold_out(self, result: SagaResult, data: Mapping[str, Any]) -> bool:
        """True when the saga was refused because its flight is full (skipped from now on)."""
        if result.failed_step != _RESERVE_SEAT:
            return False
        flight_id, needed = int(data["flight_id"]), len(data["passengers"])
        if self.world.seats.free_seats(flight_id) >= needed:
            return False
        self.full.add(flight_id)
        return True


class _SagaRequests:
    """A saga file's batch: its default request every time; sold out when a stock is."""

    def __init__(self, world: ServiceWorld) -> None:
        self.world = world

    def request(self, number: int) -> dict[str, Any]:
        return dict(self.world.spec.request)

    def sold_out(self, result: SagaResult, data: Mapping[str, Any]) -> bool:
        return result.failed_step is not None and self.world.sold_out(result.failed_step, data)


@dataclasses.dataclass(slots=True)
class _Tally:
    """What a batch has counted so far, and the report and progress made of it."""

    total: int
    started: float
    retries_before: Mapping[str, int]
    attempted: int = 0
    invalid: int = 0
    sold_out: int = 0
    stopped: bool = False
    outcomes: dict[SagaOutcome, int] = dataclasses.field(
        default_factory=lambda: dict.fromkeys(SagaOutcome, 0)
    )
    faults: dict[str, int] = dataclasses.field(
        default_factory=lambda: {k.value: 0 for k in FaultKind if k is not FaultKind.CRASH}
    )
    compensations: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"succeeded": 0, "dead_lettered": 0, "retried": 0}
    )

    def count(self, result: SagaResult, fault_plan: FaultPlan, sold_out: bool) -> None:
        """Count one saga that ran, with the plan it was given."""
        if fault_plan:
            # The first fault is the one drawn (a compensation_fail's later fail is
            # its helper).
            self.faults[next(iter(fault_plan.values())).kind.value] += 1
        self.outcomes[result.outcome] += 1
        for record in result.compensations:
            self.compensations["succeeded" if record.success else "dead_lettered"] += 1
            self.compensations["retried"] += record.attempts - 1
        if sold_out:
            self.sold_out += 1

    def progress(self, now: float) -> BatchProgress:
        """The progress at ``now`` (the timer's seconds)."""
        return BatchProgress(
            self.attempted,
            self.total,
            self.outcomes[SagaOutcome.COMPLETED],
            self.outcomes[SagaOutcome.COMPENSATED],
            self.outcomes[SagaOutcome.DEAD_LETTERED],
            self.invalid,
            now - self.started,
        )

    def report(
        self, plan: BatchPlan, seed: int, elapsed: float, orchestrator: BookingSagaOrchestrator
    ) -> BatchReport:
        """The batch's report, with the world's invariants checked now."""
        retries = orchestrator.step_retries()
        for step, before in self.retries_before.items():
            retries[step] = retries.get(step, 0) - before
        return BatchReport(
            count=plan.count,
            failure_rate=plan.failure_rate,
            seed=seed,
            attempted=self.attempted,
            confirmed=self.outcomes[SagaOutcome.COMPLETED],
            compensated=self.outcomes[SagaOutcome.COMPENSATED],
            dead_lettered=self.outcomes[SagaOutcome.DEAD_LETTERED],
            invalid=self.invalid,
            sold_out=self.sold_out,
            faults=self.faults,
            elapsed=elapsed,
            cancelled=self.stopped,
            violations=tuple(orchestrator.world.violations(orchestrator.store)),
            compensations=self.compensations,
            retries={step: n for step, n in retries.items() if n},
        )


def run_batch(
    orchestrator: BookingSagaOrchestrator,
    plan: BatchPlan,
    *,
    on_progress: Callable[[BatchProgress], None] | None = None,
    cancelled: Cancellation | None = None,
    progress_interval: float = 0.0,
    timer: Callable[[], float] = time.perf_counter,
) -> BatchReport:
    """Run ``plan``'s sagas one after another on ``orchestrator``'s world.

    Parameters
    ----------
    orchestrator
        Runs the sagas; its world is the one booked and checked.
    plan
        How many sagas, how often they fail, the seed.
    on_progress
        Called after a saga when ``progress_interval`` seconds have passed since
        the last call, and always after the last saga.
    cancelled
        Checked before every saga: once set, the batch stops there.
    progress_interval
        Least seconds between two ``on_progress`` calls (0: after every saga).
    timer
        Returns seconds (``time.perf_counter``); for the elapsed time and the pace.

    Returns
    -------
    BatchReport
        The counts, the pace, and the world's invariant check after the batch.
    """
    seed = plan.seed if plan.seed is not None else random.SystemRandom().randrange(2**32)
    rng = random.Random(seed)
    world = orchestrator.world
    bookings: _Bookings | _SagaRequests = (
        _Bookings(world) if isinstance(world, FlightWorld) else _SagaRequests(world)
    )
    keys = world.spec.step_keys if isinstance(world, ServiceWorld) else STEP_KEYS
    tally = _Tally(plan.count, timer(), orchestrator.step_retries())
    last_report = tally.started
    with orchestrator.commit_groups() as commit_group:
        for number in range(plan.count):
            if cancelled is not None and cancelled.is_set():
                tally.stopped = True
                break
            # Drawn before the request is checked, so that an invalid request does not
            # shift the faults of every saga after it.
            fault_plan = plan.draw(rng, keys)
            tally.attempted += 1
            data = bookings.request(number)
            try:
                request = orchestrator.validate(data)
            except InvalidBooking:
                tally.invalid += 1
            else:
                result = orchestrator.run(request, fault_plan)
                sold_out = result.failed_step is not None and bookings.sold_out(result, data)
                tally.count(result, fault_plan, sold_out)
            now = timer()
            if on_progress is not None and (
                now - last_report >= progress_interval or number == plan.count - 1
            ):
                commit_group()  # progress is reported on durable sagas only
                last_report = now
                on_progress(tally.progress(now))
            else:
                commit_group.saga_ended()
    elapsed = timer() - tally.started
    if tally.stopped and on_progress is not None:
        on_progress(tally.progress(tally.started + elapsed))
    return tally.report(plan, seed, elapsed, orchestrator)
