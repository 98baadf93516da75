"""The lab's history in words, for the command line and the Lab window alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from saga_desktop.booking.lab._services import HistoryRow

__all__ = ["describe_row", "turn_text", "value_text"]


def value_text(value: Any) -> str:
    """A figure as people read it (5000, not 5000.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_row(row: HistoryRow) -> str:
    """One line of a service's history in words ("read FL123 = 1")."""
    what = {"seats": "seats", "loyalty": "points", "bookings": "booking"}.get(row.service, "")
    record = f"{what} {row.record}".strip() if row.service != "payments" else row.record
    if row.event == "read":
        return f"read {record} = {value_text(row.after)}"
    if row.event in ("write", "undo"):
        verb = "wrote" if row.event == "write" else "undid, back to"
        start = f" (was {value_text(row.before)})" if row.before is not None else ""
        return f"{verb} {record} = {value_text(row.after)}{start}"
    if row.event == "refuse":
        seen = f" = {value_text(row.after)}" if row.after is not None else ""
        return f"refused: {record}{seen}, {row.note}"
    if row.event in ("lock", "unlock"):
        return f"{row.event}ed {record}" + (f" {row.after}" if row.after else f" ({row.note})")
    if row.event == "wait":
        return f"waits: {record} is {row.note}"
    return f"{row.event} {record}: {row.note}"


def turn_text(rows: Sequence[HistoryRow], label: str, start: int, end: int) -> list[str]:
    """What saga ``label``'s turn (ticks ``start`` to ``end``) did, a line per event.

    A turn that wrote nothing is a step boundary, or another poll of a lock the
    saga is waiting for.
    """
    done = [r for r in rows if start < r.tick <= end]
    if done:
        return [f"{r.step:<22} {describe_row(r)}" for r in done]
    before = [r for r in rows if r.tick <= start and r.saga == label]
    if before and before[-1].event == "wait":
        return [f"{before[-1].step:<22} still waits: {before[-1].record} is {before[-1].note}"]
    return ["(a step boundary)"]
