"""The booking request (the guide's request data), its shape checked before any saga starts.

Only the request itself is checked here: its fields, their types and ranges, and how
they relate (points worth more than the fare). Whether the flight exists, has seats,
or the user has the points is each participant's business, and a participant says
no during the saga (RESERVE_SEAT, DEDUCT_LOYALTY_POINTS), so the steps done before
are compensated, as in any saga: the orchestrator reads no service's database.
"""

from __future__ import annotations

import dataclasses
import math
import reprlib
from collections.abc import Mapping
from typing import Any

from saga_desktop.booking._exceptions import InvalidBooking

__all__ = [
    "DEFAULT_BOOKING",
    "MAX_NAME_LENGTH",
    "MAX_PASSENGERS",
    "PAYMENT_METHODS",
    "BookingRequest",
]

#: The guide's example request: it works unchanged on the default world.
DEFAULT_BOOKING: dict[str, Any] = {
    "flight_id": 123,
    "user_id": 1,
    "total_fare": 500.00,
    "loyalty_points_to_use": 1000,
    "payment_method": "card",
    "passengers": [{"first_name": "John", "last_name": "Doe", "gender": "male"}],
}

PAYMENT_METHODS: tuple[str, ...] = ("card", "paypal", "bank_transfer")
_GENDERS = ("male", "female", "other", "")
#: The most passengers one booking carries.
MAX_PASSENGERS = 9
#: The longest first or last name a passenger may have (characters).
MAX_NAME_LENGTH = 100
_MAX_WHOLE = 2**63 - 1  # SQLite's largest INTEGER


def _shown(value: object) -> str:
    """``value`` as a message shows it: its repr, cut short (a request may hold megabytes)."""
    text = reprlib.repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _whole_number(data: Mapping[str, Any], field: str) -> int:
    value = data.get(field)
    if isinstance(value, str):
        text = value.strip()
        # ASCII only: "²".isdigit() is true, yet int("²") fails.
        if text.isascii() and text.isdigit():
            if len(text) > len(str(_MAX_WHOLE)):
                raise InvalidBooking(field, f"{field} is out of range (at most {_MAX_WHOLE})")
            value = int(text)
    # bool is an int in Python, but True is no flight id.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidBooking(field, f"{field} must be a whole number, not {_shown(value)}")
    # SQLite cannot even look up an id beyond 64 bits: it raises OverflowError.
    if abs(value) > _MAX_WHOLE:
        raise InvalidBooking(field, f"{field} is out of range (at most {_MAX_WHOLE})")
    return value


def _passengers(passengers: object) -> tuple[dict[str, str], ...]:
    """Check the request's passengers: 1 to 9, each with a first and a last name."""
    if not isinstance(passengers, list) or not passengers:
        raise InvalidBooking("passengers", "the booking needs at least one passenger")
    if len(passengers) > MAX_PASSENGERS:
        raise InvalidBooking(
            "passengers",
            f"at most {MAX_PASSENGERS} passengers per booking, not {len(passengers)}",
        )
    checked: list[dict[str, str]] = []
    for number, passenger in enumerate(passengers, start=1):
        if not isinstance(passenger, Mapping):
            raise InvalidBooking("passengers", f"passenger {number} is not an object")
        entry: dict[str, str] = {}
        for name_field in ("first_name", "last_name"):
            value = passenger.get(name_field)
            words = name_field.replace("_", " ")
            if not isinstance(value, str) or not value.strip():
                raise InvalidBooking("passengers", f"passenger {number} has no {words}")
            # Names end up in every log line, response and report: a name is short.
            if len(value.strip()) > MAX_NAME_LENGTH:
                raise InvalidBooking(
                    "passengers",
                    f"passenger {number}'s {words} is {len(value.strip()):,} characters long; "
                    f"at most {MAX_NAME_LENGTH}",
                )
            entry[name_field] = value.strip()
        gender = passenger.get("gender", "")
        if gender not in _GENDERS:
            raise InvalidBooking(
                "passengers",
                f"passenger {number}: gender is one of male, female, other, not {_shown(gender)}",
            )
        if gender:
            entry["gender"] = str(gender)
        checked.append(entry)
    return tuple(checked)


@dataclasses.dataclass(frozen=True, slots=True)
class BookingRequest:
    """A booking request of the right shape: every field checked, nothing looked up.

    Use :meth:`from_mapping`; the fields mirror the guide's request data, with
    money in cents so that sums are exact.
    """

    flight_id: int
    user_id: int
    fare_cents: int
    loyalty_points_to_use: int
    payment_method: str
    passengers: tuple[dict[str, str], ...]

    @property
    def discount_cents(self) -> int:
        """What the loyalty points are worth."""
        return self.loyalty_points_to_use  # one point is one cent

    @property
    def amount_due_cents(self) -> int:
        """The fare less the loyalty discount."""
        return self.fare_cents - self.discount_cents

    def to_payload(self) -> dict[str, Any]:
        """Return the request as the guide's request data (plain, JSON-ready)."""
        return {
            "flight_id": self.flight_id,
            "user_id": self.user_id,
            "total_fare": self.fare_cents / 100,
            "loyalty_points_to_use": self.loyalty_points_to_use,
            "payment_method": self.payment_method,
            "passengers": [dict(p) for p in self.passengers],
        }

    @classmethod
    def from_mapping(cls, data: object) -> BookingRequest:
        """Check the shape of the guide's request data.

        Parameters
        ----------
        data
            The request (for example parsed from the guide's JSON).

        Returns
        -------
        BookingRequest
            The checked request.

        Raises
        ------
        InvalidBooking
            On the first field at fault, with a message a person can act on.
        """
        if not isinstance(data, Mapping):
            raise InvalidBooking("", f"a booking is a JSON object, not {type(data).__name__}")
        for field in ("flight_id", "user_id", "total_fare", "passengers"):
            if field not in data:
                raise InvalidBooking(field, f"the booking has no {field}")

        flight_id = _whole_number(data, "flight_id")
        user_id = _whole_number(data, "user_id")

        fare = data.get("total_fare")
        # math.isfinite() of an int beyond a float's range raises OverflowError.
        if (
            isinstance(fare, bool)
            or not isinstance(fare, int | float)
            or (isinstance(fare, float) and not math.isfinite(fare))
        ):
            raise InvalidBooking("total_fare", f"total_fare must be a number, not {_shown(fare)}")
        if fare <= 0:
            raise InvalidBooking("total_fare", f"total_fare must be more than 0, not {fare}")
        if fare > 1_000_000:
            raise InvalidBooking("total_fare", "total_fare is more than 1,000,000")
        fare_cents = round(fare * 100)
        if fare_cents < 1:
            raise InvalidBooking("total_fare", f"total_fare ({fare}) is less than one cent")

        points = (
            _whole_number(data, "loyalty_points_to_use")
            if (data.get("loyalty_points_to_use") is not None)
            else 0
        )
        if points < 0:
            raise InvalidBooking(
                "loyalty_points_to_use", f"loyalty points to use ({points}) cannot be negative"
            )
        if points > fare_cents:
            raise InvalidBooking(
                "loyalty_points_to_use",
                f"loyalty points to use ({points}, worth {points / 100:.2f}) exceed the fare "
                f"({fare_cents / 100:.2f})",
            )

        method = data.get("payment_method", "card")
        if method not in PAYMENT_METHODS:
            raise InvalidBooking(
                "payment_method",
                f"payment_method must be one of {', '.join(PAYMENT_METHODS)}, not {_shown(method)}",
            )

        checked = _passengers(data.get("passengers"))
        return cls(flight_id, user_id, fare_cents, points, str(method), checked)
