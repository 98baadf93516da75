"""What the Lab window shows, as plain data: lanes, shared records, caption, world.

Qt-free, so it is built in the worker's thread from a session's snapshot and
crosses to the GUI thread as a dict of plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from saga_desktop.booking.lab import (
    COUNTERMEASURES,
    Anomaly,
    HistoryRow,
    LabRun,
    Lesson,
    lab_sagas,
)
from saga_desktop.booking.lab._words import turn_text, value_text

__all__ = ["lab_view", "step_states"]


def step_states(steps: Sequence[str], rows: Sequence[HistoryRow], outcome: str) -> list[str]:
    """Each step's state: pending, running, done, failed or compensated."""
    events = {step: [r.event for r in rows if r.step == step] for step in steps}
    touched = [i for i, step in enumerate(steps) if events[step]]
    last = touched[-1] if touched else -1
    states = []
    for i, step in enumerate(steps):
        seen = events[step]
        if "undo" in seen:
            states.append("compensated")
        elif "refuse" in seen:
            states.append("failed")
        elif outcome == "COMPLETED" or (seen and i < last) or "write" in seen:
            states.append("done")
        elif seen:
            # A check that read and went on is done once its saga moved past it.
            states.append("running")
        else:
            states.append("pending")
    return states


def _shared(history: Sequence[HistoryRow]) -> list[dict[str, Any]]:
    """Records more than one saga touched, with the values each write left."""
    sagas: dict[tuple[str, str], set[str]] = {}
    for row in history:
        if row.saga:
            sagas.setdefault((row.service, row.record), set()).add(row.saga)
    shared = []
    for (service, record), who in sagas.items():
        if len(who) < 2:
            continue
        writes = [
            r
            for r in history
            if (r.service, r.record) == (service, record) and r.event in ("write", "undo")
        ]
        values = [f"{value_text(writes[0].before)} at first"] if writes else []
        values += [
            f"{value_text(r.after)} by {r.saga}{' (undo)' if r.event == 'undo' else ''}"
            for r in writes
        ]
        shared.append({"service": service, "record": record, "values": values})
    return shared


def lab_view(
    lesson: Lesson,
    countermeasures: Sequence[str],
    run: LabRun,
    anomalies: Sequence[Anomaly],
    finished: bool,
) -> dict[str, Any]:
    """Everything the window draws after a turn, as plain data."""
    specs = lab_sagas()
    lanes = []
    for saga in lesson.sagas:
        report = run.report(saga.label)
        steps = [s.name for s in specs[saga.saga].ordered("pessimistic_view" in report.measures)]
        rows = [r for r in run.history if r.saga == saga.label]
        lanes.append(
            {
                "label": saga.label,
                "saga": specs[saga.saga].title,
                "steps": steps,
                "states": step_states(steps, rows, report.outcome),
                "outcome": report.outcome,
                "error": report.error or "",
                "waiting": bool(rows) and rows[-1].event == "wait",
            }
        )
    turns = []
    for number, turn in enumerate(run.turns, start=1):
        lines = turn_text(run.history, turn.label, turn.start, turn.end)
        text = "; ".join(" ".join(line.split()) for line in lines)
        turns.append(f"{number:>3}  {turn.label}  {text}")
    figures = run.figures
    return {
        "lesson": lesson.name,
        "countermeasures": [name for name in COUNTERMEASURES if name in countermeasures],
        "lanes": lanes,
        "schedule": list(run.schedule),
        "turns": turns,
        "shared": _shared(run.history),
        "anomalies": [{"kind": a.kind, "caption": a.caption, "saga": a.saga} for a in anomalies],
        "finished": finished,
        "violations": list(run.violations),
        "world": {
            "flights": {k: v["value"] for k, v in figures["flights"].items()},
            "points": {k: v["value"] for k, v in figures["points"].items()},
            "bookings": {
                k: f"{v['status']} on {v['flight']}" for k, v in figures["bookings"].items()
            },
            "money": figures["money"],
        },
    }
