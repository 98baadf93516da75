"""How ``saga-desktop lab run`` and ``lab explore`` read in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_desktop.booking.lab._words import turn_text
from saga_desktop.booking.lab._words import value_text as _value

if TYPE_CHECKING:
    from saga_desktop.booking.lab import ExploreReport, LessonRun

__all__ = ["print_explore", "print_lesson_run"]


def print_lesson_run(result: LessonRun) -> None:
    """The lesson, each turn with what it did, how each saga ended, and the verdict."""
    lesson, run = result.lesson, result.run
    measures = ", ".join(result.countermeasures) or "none"
    print(f"{lesson.title} ({lesson.name}); countermeasures: {measures}")
    for saga in lesson.sagas:
        request = ", ".join(f"{k}={_value(v)}" for k, v in saga.request.items())
        print(f"  saga {saga.label}: {saga.saga} ({request})")
    rows = run.history
    for number, turn in enumerate(run.turns, start=1):
        lines = turn_text(rows, turn.label, turn.start, turn.end)
        for i, line in enumerate(lines):
            prefix = f"{number:>3}  {turn.label}  " if i == 0 else " " * 8
            print(prefix + line)
    for report in run.sagas:
        why = f": {report.failed_step} — {report.error}" if report.error else ""
        print(f"saga {report.label} {report.outcome}{why}")
    for anomaly in result.anomalies:
        print(f"ANOMALY {anomaly.kind}: {anomaly.caption}")
    if run.consistent:
        print("books balance")
    for violation in run.violations:
        print(f"books do not balance: {violation}")
    seen = "appeared" if result.observed else "did not appear"
    should = "as the lesson says" if result.as_taught else "NOT as the lesson says"
    print(f"verdict: the {lesson.anomaly} {seen}, {should}")


def print_explore(report: ExploreReport) -> None:
    """How many schedules showed each anomaly, and the first of each to replay."""
    measures = ", ".join(report.countermeasures) or "none"
    print(
        f"{report.schedules} schedules of {report.sagas} sagas, seed {report.seed}, "
        f"countermeasures: {measures}"
    )
    for kind, count in report.anomalies.items():
        print(f"  {kind:<12} {count:>6} schedules")
    print(f"  books did not balance after {report.inconsistent} schedules")
    for kind, first in report.first.items():
        sagas = ", ".join(f"{s['label']}={s['saga']}" for s in first["sagas"])
        print(f"first {kind}: schedule #{first['index']} ({sagas}) turns {first['schedule']}")
        print(f"  {first['caption']}")
