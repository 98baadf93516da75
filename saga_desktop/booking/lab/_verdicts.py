"""The verdict table: every lesson run with each countermeasure, prevented or not.

The README's table is this module's output (``saga-desktop lab verdicts``), so
it says what the runs did, not what the lessons claim.
"""

from __future__ import annotations

from saga_desktop.booking.lab._countermeasures import COUNTERMEASURES
from saga_desktop.booking.lab._lessons import LESSONS, run_lesson

__all__ = ["verdict_table", "verdicts"]


def verdicts() -> dict[str, dict[str, bool]]:
    """Lesson → countermeasure → True when the run showed no anomaly of the lesson.

    The key ``""`` is the run with no countermeasure (False: the anomaly appears).
    """
    table: dict[str, dict[str, bool]] = {}
    for name, lesson in LESSONS.items():
        row = {"": not run_lesson(lesson).observed}
        for measure in COUNTERMEASURES:
            row[measure] = not run_lesson(lesson, [measure]).observed
        table[name] = row
    return table


def verdict_table() -> str:
    """The verdicts as a Markdown table (lessons down, countermeasures across)."""
    table = verdicts()
    head = ["lesson", "none", *COUNTERMEASURES]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, row in table.items():
        cells = ["prevented" if row[m] else "**not prevented**" for m in ("", *COUNTERMEASURES)]
        cells[0] = "anomaly" if not row[""] else "no anomaly"
        lines.append("| " + " | ".join([f"`{name}`", *cells]) + " |")
    return "\n".join(lines) + "\n"
