"""The isolation lab: concurrent sagas on one world, the anomalies they cause, the cures.

Several lab sagas (``resources/sagas/lab``) run at once on one flight-booking
world of real SQLite databases, interleaved step by step by a deterministic
scheduler; the anomalies (lost update, dirty read, fuzzy read) are found in
what the participants stored; six countermeasures change how the participants
and the sagas behave. See :mod:`~saga_desktop.booking.lab._lessons`.
"""

from __future__ import annotations

from saga_desktop.booking.lab._anomalies import ANOMALIES, Anomaly, detect
from saga_desktop.booking.lab._countermeasures import (
    BY_VALUE_THRESHOLD,
    COUNTERMEASURES,
    Countermeasure,
    effective,
)
from saga_desktop.booking.lab._explore import ExploreReport, explore, explore_one, random_sagas
from saga_desktop.booking.lab._lessons import LESSONS, Lesson, LessonRun, run_lesson
from saga_desktop.booking.lab._runner import (
    LAB_SAGAS,
    LabRun,
    LabSaga,
    SagaReport,
    Turn,
    lab_sagas,
    run_lab,
)
from saga_desktop.booking.lab._sagafile import (
    EFFECTS,
    LabSagaError,
    LabSagaSpec,
    LabStep,
    lab_saga_problems,
    load_lab_saga,
    parse_lab_saga,
)
from saga_desktop.booking.lab._scheduler import LabAborted, LabStalled, Scheduler
from saga_desktop.booking.lab._services import HistoryRow
from saga_desktop.booking.lab._session import LabSession
from saga_desktop.booking.lab._verdicts import verdict_table, verdicts
from saga_desktop.booking.lab._words import describe_row
from saga_desktop.booking.lab._world import DEFAULT_SEED, LabWorld, WorldSeed

__all__ = [
    "ANOMALIES",
    "BY_VALUE_THRESHOLD",
    "COUNTERMEASURES",
    "DEFAULT_SEED",
    "EFFECTS",
    "LAB_SAGAS",
    "LESSONS",
    "Anomaly",
    "Countermeasure",
    "ExploreReport",
    "HistoryRow",
    "LabAborted",
    "LabRun",
    "LabSaga",
    "LabSagaError",
    "LabSagaSpec",
    "LabSession",
    "LabStalled",
    "LabStep",
    "LabWorld",
    "Lesson",
    "LessonRun",
    "SagaReport",
    "Scheduler",
    "Turn",
    "WorldSeed",
    "describe_row",
    "detect",
    "effective",
    "explore",
    "explore_one",
    "lab_saga_problems",
    "lab_sagas",
    "load_lab_saga",
    "parse_lab_saga",
    "random_sagas",
    "run_lab",
    "run_lesson",
    "verdict_table",
    "verdicts",
]
