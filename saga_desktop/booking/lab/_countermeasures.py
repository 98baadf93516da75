"""The six countermeasures to a saga's lack of isolation, and what each one costs.

Each is implemented in one place (named in :attr:`Countermeasure.where`): the
participants (:mod:`saga_desktop.booking.lab._services`) or the saga
definitions (:mod:`saga_desktop.booking.lab._definition`). This module only
names and explains them, and says which a request actually uses (``by_value``
is a per-request choice).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "BY_VALUE_THRESHOLD",
    "COUNTERMEASURES",
    "Countermeasure",
    "effective",
]

#: A request at stake at or above this (points, or currency units of a fare) is risky.
BY_VALUE_THRESHOLD = 1000.0


@dataclasses.dataclass(frozen=True, slots=True)
class Countermeasure:
    """One countermeasure: its name, what it does, what it costs, where it lives."""

    name: str
    title: str
    how: str
    cost: str
    where: str


COUNTERMEASURES: Mapping[str, Countermeasure] = {
    c.name: c
    for c in (
        Countermeasure(
            "semantic_lock",
            "Semantic lock",
            "A saga that reads a record to change it marks the record *_PENDING "
            "(SEAT_PENDING, POINTS_PENDING, BOOKING_PENDING) until the saga ends; "
            "any other saga that reaches the record waits for the mark to go.",
            "Other sagas wait, even when they would not have collided; a saga that "
            "waits too long (a deadlock) gives up and is compensated.",
            "services: _CounterService.change, BookingRecords.check",
        ),
        Countermeasure(
            "commutative_updates",
            "Commutative updates",
            "Counters are changed by increments (free = free - 1) computed by the "
            "database, never written back from a value the saga read earlier.",
            "Only for values whose updates commute; it does nothing for a decision "
            "taken on a status or a value another saga will undo.",
            "services: _CounterService._write",
        ),
        Countermeasure(
            "pessimistic_view",
            "Pessimistic view",
            "The booking saga's steps are reordered so that the seat, the value other "
            "sagas decide on, is taken only after the payment, the step that can fail: "
            "nobody sees a seat taken that will be given back.",
            "The payment is taken before the seat is known to be free, and refunded "
            "when it is not; it only helps where the steps can be reordered.",
            "definition: LabSagaSpec.order",
        ),
        Countermeasure(
            "reread_value",
            "Reread value",
            "Before writing, a saga reads again the version of what it read earlier "
            "(the counter it changes, the booking it checked); when another saga has "
            "changed it, a counter update is tried again and any other step refuses.",
            "An extra read per write, and retries or compensations under contention; "
            "it cannot stop a saga acting on a value that is later undone.",
            "services: _CounterService._write, definition: _Guard",
        ),
        Countermeasure(
            "version_file",
            "Version file",
            "Each counter keeps a file of the operations it received, in the order they "
            "arrived; its value is derived from the file, so an update computed from a "
            "stale read cannot overwrite one it did not see.",
            "A table that grows with every operation; it records what happened but does "
            "not stop a saga deciding on a status that is about to change.",
            "services: _CounterService._write",
        ),
        Countermeasure(
            "by_value",
            "By value",
            f"Each request chooses by what is at stake: at or above "
            f"{BY_VALUE_THRESHOLD:,.0f} (points or fare) it takes semantic locks, below it "
            "takes the risk and runs unprotected.",
            "Low-value requests keep every anomaly; a risky one still loses to a "
            "low-value saga that read before it locked.",
            "definition: effective()",
        ),
    )
}


def effective(
    countermeasures: Iterable[str], request: Mapping[str, Any], value_field: str
) -> frozenset[str]:
    """The countermeasures one saga uses: ``by_value`` becomes a lock, or nothing.

    Parameters
    ----------
    countermeasures
        The names switched on for the lab.
    request
        The saga's request.
    value_field
        The request field that says what is at stake (the saga file's ``[lab] value``).
    """
    chosen = set(countermeasures)
    if "by_value" in chosen:
        chosen.discard("by_value")
        at_stake = request.get(value_field, 0)
        if isinstance(at_stake, int | float) and at_stake >= BY_VALUE_THRESHOLD:
            chosen.add("semantic_lock")
    return frozenset(chosen)
