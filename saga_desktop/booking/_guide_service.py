"""The guide's service layer: ``BookingSagaService`` over the booking orchestrator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from saga_desktop.booking._api import BookingSagaOrchestrator
from saga_desktop.booking._exceptions import InvalidBooking
from saga_desktop.booking._request import _whole_number
from saga_desktop.booking._world import FlightWorld

__all__ = ["BookingSagaService"]

_SEAT_CLASSES = ("Economy", "Premium Economy", "Business", "First")


class BookingSagaService:
    """The guide's service layer: book from a user, flights, dates and passengers.

    Parameters
    ----------
    data_dir
        The world's directory; the per-user data directory when omitted.
    """

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.orchestrator = BookingSagaOrchestrator(data_dir)

    def close(self) -> None:
        """Close the world and its logs."""
        self.orchestrator.close()

    def create_booking_saga(
        self,
        user: object,
        flight_ids: Sequence[int],
        flight_dates: Sequence[str],
        passenger_data: Sequence[Mapping[str, Any]],
        seat_class: str,
        total_fare: float,
        loyalty_points_to_use: int = 0,
        payment_method: str = "card",
        failure_scenarios: Mapping[str, object] | None = None,
    ) -> dict[str, Any]:
        """Book one flight for ``user`` through a saga; return the guide's response.

        Parameters
        ----------
        user
            A user id, or any object with an ``id`` attribute (a Django user).
        flight_ids
            One flight id (the world has no multi-leg trips).
        flight_dates
            The flight's date, ``YYYY-MM-DD``; checked against the flight.
        passenger_data
            One mapping per passenger: ``first_name``, ``last_name``, ``gender``.
        seat_class
            ``Economy``, ``Premium Economy``, ``Business`` or ``First``.
        total_fare, loyalty_points_to_use, payment_method
            As in the guide's request data.
        failure_scenarios
            The guide's map of step key → ``True`` to make that step fail.

        Raises
        ------
        InvalidBooking
            When an argument is wrong; nothing is started or changed.
        """
        user_id = getattr(user, "id", user)
        if len(flight_ids) != 1:
            raise InvalidBooking("flight_ids", f"book one flight at a time, not {len(flight_ids)}")
        if seat_class not in _SEAT_CLASSES:
            raise InvalidBooking(
                "seat_class",
                f"seat_class must be one of {', '.join(_SEAT_CLASSES)}, not {seat_class!r}",
            )
        # The request's own validation explains a bad flight id; the date check
        # needs the flight only when the id reads as a whole number at all.
        try:
            flight_id = _whole_number({"flight_id": flight_ids[0]}, "flight_id")
        except InvalidBooking:
            flight = None
        else:
            world = self.orchestrator.world
            assert isinstance(world, FlightWorld)  # the guide's service books flights
            flight = world.seats.flight(flight_id)
        if flight is not None and flight_dates and flight_dates[0] != flight[2]:
            raise InvalidBooking(
                "flight_dates",
                f"flight {flight_ids[0]} flies on {flight[2]}, not {flight_dates[0]}",
            )
        booking_data = {
            "flight_id": flight_ids[0],
            "user_id": user_id,
            "total_fare": total_fare,
            "loyalty_points_to_use": loyalty_points_to_use,
            "payment_method": payment_method,
            "passengers": [dict(p) for p in passenger_data],
        }
        return self.orchestrator.start_booking_saga(booking_data, failure_scenarios)
