"""Finding the anomalies of a lab run in what the participants stored.

Nothing here is told by a lesson: each kind is found from the services'
histories and journals, against what a serial run would have left.

``lost_update``
    A counter's stored value differs from its opening value plus the standing
    operations of its journal: some saga's update was overwritten by a write
    computed from an older read.
``dirty_read``
    A saga was refused on a value another saga had written and later undid, and
    the value before that write would have let it through: turned away for nothing.
``fuzzy_read``
    A saga checked a booking, another saga changed the booking before the first
    saga's last write, and the first saga completed on what it had read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from saga_desktop.booking.lab._runner import LabRun
from saga_desktop.booking.lab._services import HistoryRow

__all__ = ["ANOMALIES", "Anomaly", "detect"]

#: The kinds, in the order the lessons teach them.
ANOMALIES = ("lost_update", "dirty_read", "fuzzy_read")


@dataclasses.dataclass(frozen=True, slots=True)
class Anomaly:
    """One anomaly: its kind, the saga that suffered it, the record, a caption."""

    kind: str
    saga: str
    record: str
    caption: str
    tick: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return dataclasses.asdict(self)


def _what(row: HistoryRow, value: Any) -> str:
    if row.service == "seats":
        return f"{value:g} free seat{'s' if value != 1 else ''} on {row.record}"
    if row.service == "loyalty":
        return f"{value:g} points of user {row.record}"
    return f"booking {row.record} {value}"


def _lost_updates(run: LabRun) -> list[Anomaly]:
    found: list[Anomaly] = []
    history = run.history
    for service in ("flights", "points"):
        for record, counter in run.figures[service].items():
            if abs(counter["value"] - counter["journal"]) < 1e-9:
                continue
            writes = [
                r
                for r in history
                if r.record == record
                and r.event == "write"
                and r.service == ("seats" if service == "flights" else "loyalty")
            ]
            for i, write in enumerate(writes):
                read = next(
                    (
                        r
                        for r in reversed(history[: history.index(write)])
                        if r.record == record and r.saga == write.saga and r.event == "read"
                    ),
                    None,
                )
                lost = [
                    w
                    for w in writes[:i]
                    if read is not None and w.tick > read.tick and w.saga != write.saga
                ]
                if read is not None and lost:
                    other = lost[-1]
                    found.append(
                        Anomaly(
                            "lost_update",
                            other.saga,
                            record,
                            f"Saga {write.saga} read {_what(read, read.after)}, saga {other.saga} "
                            f"then wrote {other.after:g}, and {write.saga} wrote {write.after:g} "
                            f"from its old read: saga {other.saga}'s update is lost — a lost "
                            f"update (the journal says {counter['journal']:g}).",
                            write.tick,
                        )
                    )
    return found


def _passes(row: HistoryRow, value: Any) -> bool:
    needed = row.note.removeprefix("needs ")
    if row.service == "bookings":
        return bool(value == needed)
    return isinstance(value, int | float) and value >= float(needed)


def _dirty_reads(run: LabRun) -> list[Anomaly]:
    found: list[Anomaly] = []
    history = run.history
    for index, refusal in enumerate(history):
        if refusal.event != "refuse" or not refusal.note.startswith("needs "):
            continue
        last = next(
            (
                r
                for r in reversed(history[:index])
                if r.record == refusal.record
                and r.service == refusal.service
                and r.event in ("write", "undo")
            ),
            None,
        )
        if (
            last is None
            or last.event != "write"
            or last.saga == refusal.saga
            or (last.saga, last.step) not in run.undone
            or not _passes(refusal, last.before)
        ):
            continue
        found.append(
            Anomaly(
                "dirty_read",
                refusal.saga,
                refusal.record,
                f"Saga {refusal.saga} read {_what(refusal, refusal.after)} that saga {last.saga} "
                f"was about to give back: a dirty read — {refusal.saga} turned the customer "
                "away for nothing.",
                refusal.tick,
            )
        )
    return found


def _fuzzy_reads(run: LabRun) -> list[Anomaly]:
    found: list[Anomaly] = []
    history = run.history
    for check in history:
        if check.service != "bookings" or check.event != "read":
            continue
        if run.report(check.saga).outcome != "COMPLETED":
            continue
        last_write = max(
            (r.tick for r in history if r.saga == check.saga and r.event == "write"),
            default=check.tick,
        )
        changed = [
            r
            for r in history
            if r.service == "bookings"
            and r.record == check.record
            and r.event in ("write", "undo")
            and r.saga != check.saga
            and check.tick < r.tick < last_write
        ]
        if changed:
            other = changed[0]
            found.append(
                Anomaly(
                    "fuzzy_read",
                    check.saga,
                    check.record,
                    f"Saga {check.saga} checked booking {check.record} was {check.after}; saga "
                    f"{other.saga} then made it {other.after} ({other.note}), and "
                    f"{check.saga} went on from what it had read: a fuzzy read.",
                    other.tick,
                )
            )
    return found


def detect(run: LabRun) -> list[Anomaly]:
    """Every anomaly of ``run``, in the order they happened."""
    found = _lost_updates(run) + _dirty_reads(run) + _fuzzy_reads(run)
    return sorted(found, key=lambda anomaly: anomaly.tick)


def kinds(anomalies: Sequence[Anomaly]) -> set[str]:
    """The kinds among ``anomalies``."""
    return {anomaly.kind for anomaly in anomalies}
