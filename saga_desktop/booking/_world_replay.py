"""The world's figures at any event of a recorded run, from the figures before it.

A replay shows a run event by event; the world panel beside it must show the
figures of that same moment, not today's. The saga log holds what each step
did (its result) and what each undo gave back (its result), so the figures at
event *k* are those before the run, moved by the first *k* events. Nothing is
read from a database: a replay changes nothing and needs no world.

A step whose reply came too late (a timeout) has no result in the log; its
undo's result says what it had done, so the effect and its undo show together.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from saga_desktop.engine import (
    CompensationSucceeded,
    DeadLettered,
    DeadLetterResolved,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepSucceeded,
)

__all__ = ["world_at"]


class _Figures:
    """A snapshot dict (``WorldSnapshot.to_dict()`` and dead letters) being moved."""

    def __init__(self, before: Mapping[str, Any]) -> None:
        self.state: dict[str, Any] = copy.deepcopy(dict(before))
        self.state.setdefault("dead_letters", [])
        self.flight_id = 0
        self.user_id = 0

    def seats(self, change: int) -> None:
        for flight in self.state.get("flights", []):
            if flight["id"] == self.flight_id:
                flight["seats_taken"] -= change
                flight["seats_left"] += change

    def points(self, change: int) -> None:
        for user in self.state.get("users", []):
            if user["id"] == self.user_id:
                user["points"] += change

    def money(self, captured: float, refunded: float) -> None:
        payments = self.state.setdefault("payments", {})
        payments["captured"] = round(payments.get("captured", 0) + captured, 2)
        payments["refunded"] = round(payments.get("refunded", 0) + refunded, 2)
        payments["net"] = round(payments["captured"] - payments["refunded"], 2)
        if captured:
            payments["count"] = payments.get("count", 0) + 1

    def bookings(self, confirmed: int, cancelled: int) -> None:
        bookings = self.state.setdefault("bookings", {"confirmed": 0, "cancelled": 0})
        bookings["confirmed"] = bookings.get("confirmed", 0) + confirmed
        bookings["cancelled"] = bookings.get("cancelled", 0) + cancelled


def _did(figures: _Figures, step: str, result: Mapping[str, Any]) -> None:
    """Move the figures by what ``step``'s action did (its result)."""
    if step == "RESERVE_SEAT":
        figures.seats(-len(result.get("seat_ids", ())))
    elif step == "DEDUCT_LOYALTY_POINTS":
        figures.points(-int(result.get("points_deducted", 0)))
    elif step == "PROCESS_PAYMENT":
        figures.money(float(result.get("amount", 0)), 0.0)
    elif step == "CONFIRM_BOOKING":
        figures.bookings(1, 0)


def _undid(figures: _Figures, step: str, result: Mapping[str, Any], *, unseen: bool) -> None:
    """Move the figures by what ``step``'s undo gave back; ``unseen``: its action timed out."""
    if result.get("tombstone") or result.get("repeated"):
        return  # nothing had happened, or it was undone before: nothing moves
    if step == "RESERVE_SEAT":
        released = len(result.get("released_seat_ids", ()))
        figures.seats(0 if unseen else released)
    elif step == "DEDUCT_LOYALTY_POINTS":
        figures.points(0 if unseen else int(result.get("points_refunded", 0)))
    elif step == "PROCESS_PAYMENT":
        amount = float(result.get("amount", 0))
        figures.money(amount if unseen else 0.0, amount)
    elif step == "CONFIRM_BOOKING":
        figures.bookings(0 if unseen else -1, 1)


def world_at(before: Mapping[str, Any], events: Sequence[SagaEvent]) -> dict[str, Any]:
    """Return the world's figures once ``events`` (one run's first events) have happened.

    Parameters
    ----------
    before
        The figures just before the run (``WorldSnapshot.to_dict()``, with
        ``dead_letters``), as the window recorded them.
    events
        The run's events up to the moment shown, oldest first.

    Returns
    -------
    dict
        Figures of the same shape. While the run is unfinished it is
        ``in_flight`` (not judged half-way); once it ended with compensations
        stuck, what it still holds is a violation, as the world check says.
    """
    figures = _Figures(before)
    state = figures.state
    done: set[str] = set()
    cid = events[0].correlation_id if events else ""
    ended = False
    for event in events:
        if isinstance(event, SagaStarted):
            figures.flight_id = int(event.payload.get("flight_id", 0))
            figures.user_id = int(event.payload.get("user_id", 0))
        elif isinstance(event, StepSucceeded):
            done.add(event.step)
            _did(figures, event.step, event.result)
        elif isinstance(event, CompensationSucceeded):
            _undid(figures, event.step, event.result, unseen=event.step not in done)
        elif isinstance(event, DeadLettered):
            state["dead_letters"].append(
                {"correlation_id": cid, "step": event.step, "compensation": event.compensation}
            )
        elif isinstance(event, DeadLetterResolved):
            state["dead_letters"] = [
                letter
                for letter in state["dead_letters"]
                if (letter.get("correlation_id"), letter.get("step")) != (cid, event.step)
            ]
        ended = ended or isinstance(event, SagaCompleted | SagaCompensated)
    stuck = [
        letter["compensation"]
        for letter in state["dead_letters"]
        if letter.get("correlation_id") == cid
    ]
    others = [v for v in before.get("violations", []) if not str(v).startswith(f"saga {cid[:8]}")]
    state["in_flight"] = [] if ended else [cid]
    state["interrupted"] = []
    state["violations"] = others + (
        [f"saga {cid[:8]} still holds what {' and '.join(stuck)} should give back"]
        if ended and stuck
        else []
    )
    state["consistent"] = not state["violations"]
    return state
