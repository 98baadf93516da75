"""The lab's lessons: one anomaly each, its sagas, its scripted interleaving, its cures.

A lesson's claims (which countermeasures prevent its anomaly, which honestly do
not) are checked by running it, not believed: :func:`run_lesson` runs the real
sagas under the schedule, finds the anomalies in what the services stored, and
says whether the run behaved as the lesson says it should.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from saga_desktop.booking.lab._anomalies import Anomaly, detect
from saga_desktop.booking.lab._countermeasures import COUNTERMEASURES
from saga_desktop.booking.lab._runner import LabRun, LabSaga, run_lab

__all__ = ["LESSONS", "Lesson", "LessonRun", "run_lesson"]


@dataclasses.dataclass(frozen=True, slots=True)
class Lesson:
    """One lesson of the lab.

    Attributes
    ----------
    name
        The lesson's name, also the anomaly it shows (``lost_update``).
    title, description
        What people read.
    sagas
        The sagas that run at once.
    schedule
        The scripted interleaving: one label per turn (the rest round-robin).
    prevented_by, not_prevented_by
        What the lesson claims of each countermeasure (the runs check it).
    """

    name: str
    title: str
    description: str
    sagas: tuple[LabSaga, ...]
    schedule: str
    prevented_by: tuple[str, ...]
    not_prevented_by: tuple[str, ...]

    @property
    def anomaly(self) -> str:
        """The anomaly the lesson shows."""
        return self.name

    def to_dict(self) -> dict[str, Any]:
        """The lesson, as ``lab list --json`` gives it."""
        return {
            "lesson": self.name,
            "anomaly": self.anomaly,
            "title": self.title,
            "prevented_by": list(self.prevented_by),
            "not_prevented_by": list(self.not_prevented_by),
            "description": self.description,
            "sagas": [
                {"label": s.label, "saga": s.saga, "request": dict(s.request)} for s in self.sagas
            ],
            "schedule": list(self.schedule),
        }


LESSONS: Mapping[str, Lesson] = {
    lesson.name: lesson
    for lesson in (
        Lesson(
            "lost_update",
            "Lost update",
            "User 1 sends loyalty points to user 2 twice at once (500, then 2000). Each "
            "transfer reads the balance, then writes the balance less its points: the "
            "second write is computed from a read older than the first write, so one "
            "transfer's debit vanishes while user 2 is credited both.",
            (
                LabSaga("A", "transfer_points", {"points": 500.0}),
                LabSaga("B", "transfer_points", {"points": 2000.0}),
            ),
            "ABAB",
            ("semantic_lock", "commutative_updates", "reread_value", "version_file"),
            ("pessimistic_view", "by_value"),
        ),
        Lesson(
            "dirty_read",
            "Dirty read",
            "Saga A books the last seat on FL123, then its card is declined and it gives "
            "the seat back. Saga B, booking the same flight in between, reads no free seat "
            "and turns its customer away: it read a value A was about to undo.",
            (
                LabSaga("A", "booking", {"booking": "BK3", "flight": "FL123", "declined": True}),
                LabSaga("B", "booking", {"booking": "BK4", "user": "2", "flight": "FL123"}),
            ),
            "AAB",
            ("semantic_lock", "pessimistic_view"),
            ("commutative_updates", "reread_value", "version_file", "by_value"),
        ),
        Lesson(
            "fuzzy_read",
            "Fuzzy read",
            "Saga A moves booking BK1 to FL456 and checks first that it is confirmed. "
            "Before A goes on, saga B cancels BK1 and gives back its seat, points and "
            "money. A then takes the new seat, gives back the old one a second time and "
            "writes the cancelled booking as confirmed: it acted on a value that changed.",
            (
                LabSaga("A", "change_seat", {"booking": "BK1", "new_flight": "FL456"}),
                LabSaga("B", "cancel_booking", {"booking": "BK1"}),
            ),
            "ABBBBBBBB",
            ("semantic_lock", "reread_value"),
            ("commutative_updates", "pessimistic_view", "version_file", "by_value"),
        ),
    )
}


@dataclasses.dataclass(frozen=True, slots=True)
class LessonRun:
    """A lesson's run: what happened and whether it behaved as the lesson says."""

    lesson: Lesson
    countermeasures: tuple[str, ...]
    run: LabRun
    anomalies: tuple[Anomaly, ...]

    @property
    def observed(self) -> bool:
        """True when the lesson's anomaly happened."""
        return any(a.kind == self.lesson.anomaly for a in self.anomalies)

    @property
    def expected(self) -> bool:
        """Whether the anomaly should appear: no countermeasure on that prevents it."""
        return not set(self.countermeasures) & set(self.lesson.prevented_by)

    @property
    def as_taught(self) -> bool:
        """True when the run behaved as the lesson says it should."""
        return self.observed == self.expected

    def to_dict(self) -> dict[str, Any]:
        """The run, as ``lab run --json`` gives it."""
        return {
            "lesson": self.lesson.name,
            "anomaly": self.lesson.anomaly,
            "observed": self.observed,
            "expected": self.expected,
            "as_taught": self.as_taught,
            "countermeasures": list(self.countermeasures),
            "schedule": list(self.run.schedule),
            "sagas": [report.to_dict() for report in self.run.sagas],
            "consistent": self.run.consistent,
            "violations": list(self.run.violations),
            "anomalies": [anomaly.to_dict() for anomaly in self.anomalies],
        }


def run_lesson(
    lesson: Lesson,
    countermeasures: Iterable[str] = (),
    schedule: Sequence[str] | None = None,
    directory: Path | None = None,
) -> LessonRun:
    """Run ``lesson`` on a new scratch world (in ``directory``, or a temporary one).

    Parameters
    ----------
    lesson
        The lesson.
    countermeasures
        Names from :data:`COUNTERMEASURES`.
    schedule
        Labels to run instead of the lesson's scripted interleaving.
    directory
        An empty directory for the world (a temporary one, removed after, when None).
    """
    chosen = tuple(name for name in COUNTERMEASURES if name in set(countermeasures))
    order = tuple(schedule) if schedule is not None else tuple(lesson.schedule)
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="saga-lab-") as scratch:
            run = run_lab(lesson.sagas, order, chosen, Path(scratch))
    else:
        run = run_lab(lesson.sagas, order, chosen, directory)
    return LessonRun(lesson, chosen, run, tuple(detect(run)))
