"""The saga log's tables, and the plain records it hands out."""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = [
    "MIGRATE_1_TO_2",
    "SCHEMA",
    "SCHEMA_VERSION",
    "TABLES",
    "DeadLetter",
    "InFlight",
    "SagaSummary",
]

#: The version of the store's tables this code reads and writes. 2: sagas have an owner.
SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    correlation_id TEXT NOT NULL,
    type           TEXT NOT NULL,
    at             REAL NOT NULL,
    data           TEXT NOT NULL          -- the whole event, JSON
);
CREATE INDEX IF NOT EXISTS events_by_saga ON events(correlation_id, seq);
CREATE TABLE IF NOT EXISTS sagas (
    correlation_id TEXT PRIMARY KEY,
    saga_name      TEXT NOT NULL,
    status         TEXT NOT NULL,         -- a SagaOutcome value
    started_at     REAL NOT NULL,
    ended_at       REAL,
    failed_step    TEXT,
    owner          TEXT                   -- the OwnerLease running it (NULL: none known)
);
CREATE INDEX IF NOT EXISTS sagas_by_status ON sagas(status);
CREATE TABLE IF NOT EXISTS dead_letters (
    correlation_id TEXT NOT NULL,
    step           TEXT NOT NULL,
    compensation   TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    error          TEXT NOT NULL,
    at             REAL NOT NULL,
    PRIMARY KEY (correlation_id, step)
);
"""

#: The tables every saga log has (a database without them is not one).
TABLES = frozenset({"events", "sagas", "dead_letters"})

#: Format 1 to 2: sagas get an owner; those of format 1 have none (any may be recovered).
MIGRATE_1_TO_2 = "ALTER TABLE sagas ADD COLUMN owner TEXT"


@dataclasses.dataclass(frozen=True, slots=True)
class InFlight:
    """The sagas of a log that have not ended, as one moment saw them.

    Attributes
    ----------
    running
        Sagas whose owner is alive: another process (or this one) runs them.
    interrupted
        Sagas whose owner is gone: they wait for recovery.
    last_seq
        The log's last event number at that moment.
    """

    running: frozenset[str]
    interrupted: frozenset[str]
    last_seq: int

    @property
    def unsettled(self) -> frozenset[str]:
        """Every saga not ended: running or interrupted."""
        return self.running | self.interrupted


@dataclasses.dataclass(frozen=True, slots=True)
class SagaSummary:
    """One saga as the store sees it."""

    correlation_id: str
    saga_name: str
    status: str
    started_at: float
    ended_at: float | None
    failed_step: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class DeadLetter:
    """A compensation that kept failing and waits for a person."""

    correlation_id: str
    step: str
    compensation: str
    attempts: int
    error: str
    at: float

    def to_dict(self) -> dict[str, Any]:
        """Return the dead letter as JSON-ready data."""
        return dataclasses.asdict(self)
