"""The lab's shared flight-booking world: four SQLite services in one scratch directory.

Every saga of a lab run works on this one world. Its books balance when the
seats taken, the points spent and the money held are those of the confirmed
bookings; :meth:`LabWorld.violations` says how they do not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from saga_desktop.booking.lab._records import BookingRecords, PaymentLedger
from saga_desktop.booking.lab._services import CounterService, HistoryRow

__all__ = ["DEFAULT_SEED", "LabWorld", "Ticks", "WorldSeed"]


class Ticks:
    """The world's clock of events: every history line takes the next tick."""

    def __init__(self) -> None:
        self.last = 0

    def __iter__(self) -> Ticks:
        return self

    def __next__(self) -> int:
        self.last += 1
        return self.last


@dataclasses.dataclass(frozen=True, slots=True)
class WorldSeed:
    """What a lab world starts with.

    Attributes
    ----------
    flights
        Flight → seats it has.
    users
        User → loyalty points before any booking.
    bookings
        Booking → ``user``, ``flight``, ``points``, ``fare`` of a confirmed booking
        made before the lab began (its seat, points and money already taken).
    """

    flights: Mapping[str, int]
    users: Mapping[str, float]
    bookings: Mapping[str, Mapping[str, Any]]


DEFAULT_SEED = WorldSeed(
    flights={"FL123": 2, "FL456": 3},
    users={"1": 5500.0, "2": 5500.0},
    bookings={
        "BK1": {"user": "1", "flight": "FL123", "points": 500.0, "fare": 300.0},
        "BK2": {"user": "2", "flight": "FL456", "points": 500.0, "fare": 300.0},
    },
)


class LabWorld:
    """Seats, loyalty points, payments and bookings, each in its own database.

    Parameters
    ----------
    directory
        An empty directory to create the databases in.
    seed
        What the world starts with.
    """

    def __init__(self, directory: Path, seed: WorldSeed = DEFAULT_SEED) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.seed = seed
        ticks = Ticks()
        self.ticks = ticks
        waits: dict[str, str] = {}
        self.seats = CounterService(directory / "seats.db", ticks, waits, "seats", "free seats")
        self.loyalty = CounterService(directory / "loyalty.db", ticks, waits, "loyalty", "points")
        self.payments = PaymentLedger(directory / "payments.db", ticks, waits)
        self.bookings = BookingRecords(directory / "bookings.db", ticks, waits)
        self._seed(seed)

    def _seed(self, seed: WorldSeed) -> None:
        for flight, seats in seed.flights.items():
            held = sum(1 for b in seed.bookings.values() if b["flight"] == flight)
            self.seats.seed(flight, seats, seats - held)
        for user, points in seed.users.items():
            spent = sum(b["points"] for b in seed.bookings.values() if b["user"] == user)
            self.loyalty.seed(user, points, points - spent)
        for booking, fields in seed.bookings.items():
            self.bookings.seed(booking, {**fields, "status": "CONFIRMED"})
            self.payments.seed(booking, fields["fare"])

    @property
    def services(self) -> tuple[CounterService | BookingRecords | PaymentLedger, ...]:
        """The four services."""
        return (self.seats, self.loyalty, self.payments, self.bookings)

    def close(self) -> None:
        """Close every database."""
        for service in self.services:
            service.close()

    def release(self, saga: str) -> None:
        """Remove every semantic lock ``saga`` holds, in every service."""
        for service in (self.seats, self.loyalty, self.bookings):
            service.release(saga)

    def history(self) -> list[HistoryRow]:
        """The history of every service, in the order things happened."""
        rows = [row for service in self.services for row in service.history()]
        return sorted(rows, key=lambda row: row.tick)

    def undone(self) -> set[tuple[str, str]]:
        """``(saga, step)`` of every action that was later compensated."""
        return self.seats.undone_keys() | self.loyalty.undone_keys() | self.bookings.undone_keys()

    def figures(self) -> dict[str, Any]:
        """Everything the world holds, for the lab's panel and ``--json``."""
        return {
            "flights": self.seats.counters(),
            "points": self.loyalty.counters(),
            "bookings": self.bookings.bookings(),
            "money": self.payments.total(),
        }

    def violations(self) -> list[str]:
        """Every way the books do not balance (empty when they do).

        Each counter must hold what its journal of operations implies, and the
        seats, points and money taken must be those of the confirmed bookings.
        """
        problems: list[str] = []
        confirmed = [b for b in self.bookings.bookings().values() if b["status"] == "CONFIRMED"]
        for flight, counter in self.seats.counters().items():
            taken = counter["opening"] - counter["value"]
            holders = sum(1 for b in confirmed if b["flight"] == flight)
            if taken != holders:
                problems.append(
                    f"{flight}: {taken:g} seats taken but {holders} confirmed bookings hold one"
                )
        for service, noun in ((self.seats, "free seats"), (self.loyalty, "points")):
            for record, counter in service.counters().items():
                if abs(counter["value"] - counter["journal"]) > 1e-6:
                    problems.append(
                        f"{record}: {counter['value']:g} {noun} stored, but its operations "
                        f"add up to {counter['journal']:g}"
                    )
        points = self.loyalty.counters().values()
        spent = sum(c["opening"] - c["value"] for c in points)
        booked = sum(b["points"] for b in confirmed)
        if abs(spent - booked) > 1e-6:
            problems.append(f"points: {spent:g} spent but confirmed bookings used {booked:g}")
        held, fares = self.payments.total(), sum(b["fare"] for b in confirmed)
        if abs(held - fares) > 1e-6:
            problems.append(f"money: {held:.2f} held but confirmed bookings cost {fares:.2f}")
        return problems
