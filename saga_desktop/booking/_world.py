"""The flight-booking world: four participants in one data directory, and its invariants."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from saga_desktop.booking._datadir import (
    OWNERS,
    SAGA_LOG_DB,
    WORLD_DATABASES,
    prepare_data_dir,
    remove_database,
    write_marker,
)
from saga_desktop.booking._exceptions import WorldError
from saga_desktop.booking._flight import (
    BookingRegistry,
    LoyaltyAccounts,
    PaymentGateway,
    SeatInventory,
)
from saga_desktop.booking._participants import Participant
from saga_desktop.booking._request import BookingRequest
from saga_desktop.booking._response import guide_response
from saga_desktop.booking._saga import FaultInjector, booking_definition
from saga_desktop.engine import (
    EventStoreError,
    SagaDefinition,
    SagaResult,
    SqliteEventStore,
)
from saga_desktop.engine._owners import dead_owners
from saga_desktop.engine._sqlite import BusyWait

__all__ = ["DEFAULT_FLIGHTS", "DEFAULT_USERS", "FlightWorld", "WorldSnapshot"]

_P = TypeVar("_P", bound=Participant)

#: (id, origin, destination, date, fare in cents, rows of six seats). Flight 123 is the guide's.
DEFAULT_FLIGHTS: tuple[tuple[int, str, str, str, int, int], ...] = (
    (123, "JFK", "LAX", "2024-01-20", 50_000, 7),
    (456, "LHR", "CDG", "2024-02-14", 18_000, 5),
    (789, "SFO", "NRT", "2024-03-03", 120_000, 10),
)

#: (id, name, loyalty points). User 1 is the guide's.
DEFAULT_USERS: tuple[tuple[int, str, int], ...] = (
    (1, "John Doe", 5_000),
    (2, "Jane Smith", 1_200),
    (3, "Ada Lovelace", 20_000),
)


@dataclasses.dataclass(frozen=True, slots=True)
class WorldSnapshot:
    """The world's figures at one moment, and whether they add up.

    Attributes
    ----------
    flights
        One dict per flight: ``id``, ``route``, ``date``, ``capacity``,
        ``seats_taken``, ``seats_left``.
    users
        One dict per user: ``id``, ``name``, ``points``, ``opening_points``.
    payments
        ``captured``, ``refunded``, ``net`` (in currency units) and ``count``.
    bookings
        ``confirmed`` and ``cancelled`` counts.
    violations
        Every way the world does not add up; empty when consistent. Sagas in
        flight are not judged.
    in_flight
        Sagas a live process was running while the world was read.
    interrupted
        Sagas whose owner died before they ended: they wait for recovery.
    """

    flights: tuple[dict[str, Any], ...]
    users: tuple[dict[str, Any], ...]
    payments: dict[str, Any]
    bookings: dict[str, int]
    violations: tuple[str, ...]
    in_flight: tuple[str, ...] = ()
    interrupted: tuple[str, ...] = ()

    @property
    def consistent(self) -> bool:
        """True when seats, points and money all add up."""
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        """Return the snapshot as JSON-ready data (``saga-desktop state --json``)."""
        return {
            "consistent": self.consistent,
            "violations": list(self.violations),
            "flights": [dict(f) for f in self.flights],
            "users": [dict(u) for u in self.users],
            "payments": dict(self.payments),
            "bookings": dict(self.bookings),
            "in_flight": list(self.in_flight),
            "interrupted": list(self.interrupted),
        }


class FlightWorld:
    """Seats, loyalty points, payments and bookings, each in its own database.

    The default flights and users are created the first time a data directory
    is opened, with the saga log beside them, so the app works out of the box.
    A data directory that holds a world but lost a member is refused, never
    rebuilt (see :func:`prepare_data_dir`).

    Parameters
    ----------
    data_dir
        The directory holding ``seats.db``, ``loyalty.db``, ``payments.db`` and
        ``bookings.db``; created when missing.
    busy
        How long to wait for a database another process holds.
    deep
        Check every database's integrity on opening, whatever its size. It is
        checked anyway after an unclean shutdown (a process that ran sagas here
        died: its lease file is left), and a small database always is.

    Raises
    ------
    WorldError
        When the directory cannot be created or written, a member is missing,
        empty, a link or another program's database, or a database is unusable.
    """

    def __init__(
        self, data_dir: Path | str, *, busy: BusyWait | None = None, deep: bool = False
    ) -> None:
        self.data_dir = Path(data_dir)
        self.busy = busy if busy is not None else BusyWait()
        to_make = prepare_data_dir(self.data_dir)
        unclean = bool(dead_owners(self.data_dir / OWNERS))
        #: The integrity check every database of the directory gets on opening.
        self.check: bool | None = True if deep or unclean else None
        if to_make:
            self._make(to_make)
        self._open()

    def _make(self, members: tuple[str, ...]) -> None:
        # Every member is made before the marker says the directory is complete.
        if SAGA_LOG_DB in members:
            try:
                SqliteEventStore(self.data_dir / SAGA_LOG_DB).close()
            except EventStoreError as exc:
                raise WorldError(str(exc)) from None
        if any(name in members for name in WORLD_DATABASES):
            self._open(create=True)
            self.close()
        write_marker(self.data_dir)

    def _open(self, *, create: bool = False) -> None:
        opened: list[Participant] = []

        def open_one(cls: type[_P], name: str) -> _P:
            participant = cls(self.data_dir / name, create=create, busy=self.busy, check=self.check)
            opened.append(participant)
            return participant

        try:
            self.seats = open_one(SeatInventory, "seats.db")
            self.loyalty = open_one(LoyaltyAccounts, "loyalty.db")
            self.payments = open_one(PaymentGateway, "payments.db")
            self.bookings = open_one(BookingRegistry, "bookings.db")
        except BaseException:
            for participant in opened:
                participant.close()
            raise
        if not create:
            return
        try:
            self._seed()
        except Exception as exc:
            self.close()
            raise WorldError(f"cannot set up the default data in {self.data_dir}: {exc}") from None

    def _seed(self) -> None:
        for flight in DEFAULT_FLIGHTS:
            self.seats.add_flight(*flight)
        for user in DEFAULT_USERS:
            self.loyalty.add_user(*user)

    # -- what the orchestrator asks of a world (ServiceWorld answers the same) --------

    #: What an injected failure of each step says (None: the booking's own texts).
    errors: dict[str, str] | None = None

    def validate(self, data: object) -> BookingRequest:
        """Check the shape of the guide's request data (see :class:`BookingRequest`).

        The world is not read: the seat and loyalty services refuse what only they
        know (no such flight or user, no seat left, too few points) during the saga.
        """
        return BookingRequest.from_mapping(data)

    def definition(self, injector: FaultInjector) -> SagaDefinition:
        """The booking saga's definition on this world, with ``injector``'s failures."""
        return booking_definition(self, injector)

    def response(self, result: SagaResult) -> dict[str, Any]:
        """The guide's response object for a finished saga."""
        return guide_response(result)

    @property
    def participants(
        self,
    ) -> tuple[SeatInventory, LoyaltyAccounts, PaymentGateway, BookingRegistry]:
        """The four services."""
        return (self.seats, self.loyalty, self.payments, self.bookings)

    def close(self) -> None:
        """Close the four databases."""
        for participant in self.participants:
            with contextlib.suppress(Exception):
                participant.close()

    def __enter__(self) -> FlightWorld:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def restock(self, keep: Iterable[str] = ()) -> None:
        """Back to the default stock in place, but for what the sagas in ``keep`` hold.

        Every seat is free again, every user has its default points, and the
        payments and bookings are gone, except those of the sagas in ``keep``
        (sagas still owed a compensation: interrupted or dead-lettered), which
        keep what they hold and their idempotency records, so that recovering
        or retrying them still undoes it and the books still balance. No file
        is removed (the data directory stays whole); each service restocks in
        its own transaction, and a restock cut short is finished by the next.
        """
        kept = frozenset(keep)
        opening = {user_id: points for user_id, _, points in DEFAULT_USERS}
        # The bookings first: a restock cut short then leaves held seats without
        # booking (seen as held by a saga) rather than bookings without seats.
        self.bookings.restock(kept)
        self.payments.restock(kept)
        self.loyalty.restock(kept, opening)
        self.seats.restock(kept)

    def reset(self) -> None:
        """Throw the world away and start again from the default data."""
        self.close()
        for name in WORLD_DATABASES:
            remove_database(self.data_dir / name)
        self._open(create=True)
        self.close()
        self._open()

    def snapshot(self, store: SqliteEventStore | None = None) -> WorldSnapshot:
        """Read every participant's figures and check the invariants.

        Each database is read in one transaction, so its figures belong to one
        moment. With ``store`` (the saga log), a saga that a live process was
        running when the reading began, or that had an event during it, is
        reported as such (``in_flight``) and not judged half-way. A saga whose
        owner died (``interrupted``) is judged: what it holds is wrong until it
        is recovered.
        """
        before = store.in_flight() if store is not None else None
        with self.seats.reading():
            flights = self._flights()
            seats = self.seats.seats_by_saga()
        with self.loyalty.reading():
            users = [
                {"id": uid, "name": name, "points": points, "opening_points": opening}
                for uid, name, points, opening in self.loyalty.query(
                    "SELECT id, name, points, opening_points FROM users ORDER BY id"
                )
            ]
            points = self.loyalty.points_by_saga()
        with self.payments.reading():
            captured, refunded, count = self.payments.totals()
            money = self.payments.net_by_saga()
        with self.bookings.reading():
            confirmed, cancelled = self.bookings.counts()
            bookings = self.bookings.confirmed_by_saga()
        running: frozenset[str] = frozenset()
        interrupted: frozenset[str] = frozenset()
        if store is not None and before is not None:
            # A saga with an event during the reading was in flight (a recovery too).
            changed = store.changed_since(before.last_seq)
            running = before.running | changed
            interrupted = before.interrupted - changed
        problems = _balance_problems(users, points)
        # An interrupted saga is judged: what it holds stays wrong until it is recovered.
        problems += _saga_problems(seats, points, money, bookings, running)
        return WorldSnapshot(
            flights=tuple(flights),
            users=tuple(users),
            payments={
                "captured": captured / 100,
                "refunded": refunded / 100,
                "net": (captured - refunded) / 100,
                "count": count,
            },
            bookings={"confirmed": confirmed, "cancelled": cancelled},
            violations=tuple(problems),
            in_flight=tuple(sorted(running)),
            interrupted=tuple(sorted(interrupted)),
        )

    def _flights(self) -> list[dict[str, Any]]:
        return [
            {
                "id": flight_id,
                "route": f"{origin} → {destination}",
                "date": date,
                "capacity": capacity,
                "seats_taken": taken,
                "seats_left": capacity - taken,
            }
            for flight_id, origin, destination, date, capacity, taken in self.seats.query(
                "SELECT f.id, f.origin, f.destination, f.date, COUNT(s.seat_no), "
                "COUNT(s.holder) FROM flights f JOIN seats s ON s.flight_id = f.id "
                "GROUP BY f.id ORDER BY f.id"
            )
        ]

    def violations(self, store: SqliteEventStore | None = None) -> list[str]:
        """Every way the world does not add up, saga by saga (see :meth:`snapshot`).

        For every saga: the seats it holds, the points it took and the money it
        kept are exactly those of its confirmed booking — or nothing at all when
        it has none (a compensated saga leaves no trace).
        """
        return list(self.snapshot(store).violations)


def _balance_problems(users: list[dict[str, Any]], points: dict[str, int]) -> list[str]:
    """The balances against the ledger (both of loyalty.db, read at one moment)."""
    below = sum(user["opening_points"] - user["points"] for user in users)
    recorded = sum(points.values())
    if below != recorded:
        return [f"balances are {below} points below opening, but the ledger records {recorded}"]
    return []


def _saga_problems(
    seats: dict[str, set[str]],
    points: dict[str, int],
    money: dict[str, int],
    bookings: dict[str, tuple[set[str], int, int]],
    unsettled: frozenset[str],
) -> list[str]:
    """What each settled saga holds that its confirmed booking does not say."""
    problems: list[str] = []
    for cid in sorted((set(seats) | set(points) | set(money) | set(bookings)) - unsettled):
        booked_seats, booked_points, booked_cents = bookings.get(cid, (set(), 0, 0))
        short = cid[:8]
        tail = "its booking has {}" if cid in bookings else "it has no confirmed booking"
        held = seats.get(cid, set())
        if held != booked_seats:
            problems.append(
                f"saga {short} holds seats {sorted(held) or 'none'} but "
                + tail.format(sorted(booked_seats))
            )
        taken = points.get(cid, 0)
        if taken != booked_points:
            problems.append(
                f"saga {short} took {taken} loyalty points but " + tail.format(booked_points)
            )
        kept = money.get(cid, 0)
        if kept != booked_cents:
            problems.append(
                f"saga {short} kept {kept / 100:.2f} in payments but "
                + tail.format(f"{booked_cents / 100:.2f}")
            )
    return problems
