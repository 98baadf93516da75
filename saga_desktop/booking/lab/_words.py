"""The lab's history in words, for the command line and the Lab window alike."""

from __future__ import annotations

from typing import Any

from saga_desktop.booking.lab._services import HistoryRow

__all__ = ["describe_row", "value_text"]


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
        return f"refused: {record} = {value_text(row.after)}, {row.note}"
    if row.event in ("lock", "unlock"):
        return f"{row.event}ed {record}" + (f" {row.after}" if row.after else f" ({row.note})")
    if row.event == "wait":
        return f"waits: {record} is {row.note}"
    return f"{row.event} {record}: {row.note}"
