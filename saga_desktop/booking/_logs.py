"""The guide's log files in ``<data dir>/logs/``.

``saga_orchestrator.log`` gets every event's lines in the guide's format;
``saga_bookings.log`` gets one JSON object per finished saga (its response).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from saga_desktop.booking._exceptions import WorldError
from saga_desktop.engine import SagaEvent, SqliteEventStore, describe, format_log_line

__all__ = [
    "BOOKINGS_LOG",
    "ORCHESTRATOR_LOG",
    "LoggedEventStore",
    "SagaLogFiles",
    "export_log_text",
]

ORCHESTRATOR_LOG = "saga_orchestrator.log"
BOOKINGS_LOG = "saga_bookings.log"


def export_log_text(events: Iterable[SagaEvent]) -> str:
    """Return the events as the guide's log lines, one a line, as the log file has them.

    Parameters
    ----------
    events
        A saga's events (from a run, or a run file's).

    Returns
    -------
    str
        ``2024-01-20 10:30:45,123 - [...] - INFO - [SAGA] ...`` lines, each ending
        with a newline; empty for no events.
    """
    return "".join(
        format_log_line(event, line) + "\n" for event in events for line in describe(event)
    )


class SagaLogFiles:
    """A listener that appends each event's log lines to ``saga_orchestrator.log``.

    Parameters
    ----------
    log_dir
        The folder of the two log files; created when missing.
    """

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            # Buffered, and flushed after every write call: a killed process loses at
            # most the lines being written, with one system call per call, not per line.
            self._orchestrator: IO[str] = open(  # noqa: SIM115 - closed in close()
                log_dir / ORCHESTRATOR_LOG, "a", encoding="utf-8"
            )
            self._bookings: IO[str] = open(log_dir / BOOKINGS_LOG, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise WorldError(f"cannot write the logs in {log_dir}: {exc}") from None

    def __call__(self, event: SagaEvent) -> None:
        """Write ``event``'s lines."""
        self.write_events((event,))

    def write_events(self, events: Iterable[SagaEvent]) -> None:
        """Write the lines of ``events``, in order, with one write."""
        self._orchestrator.write(export_log_text(events))
        self._orchestrator.flush()

    def write_booking(self, response: dict[str, Any]) -> None:
        """Append one saga's response to ``saga_bookings.log`` (one JSON object a line)."""
        self._bookings.write(json.dumps(response, ensure_ascii=False) + "\n")
        self._bookings.flush()

    def close(self) -> None:
        """Close both files."""
        self._orchestrator.close()
        self._bookings.close()


class LoggedEventStore:
    """The saga log with ``saga_orchestrator.log`` written behind it.

    An event sink for :class:`SagaOrchestrator` that writes an event's log lines
    once the event is committed to ``store``: the text log never tells of an
    event the saga log lost, and, not being a listener, it lets a saga nobody
    watches commit its log twice instead of once per event.

    Parameters
    ----------
    store
        The durable saga log.
    logs
        The log files.
    """

    def __init__(self, store: SqliteEventStore, logs: SagaLogFiles) -> None:
        self.store = store
        self.logs = logs
        self._staged: list[SagaEvent] = []

    def append(self, event: SagaEvent) -> None:
        """Commit ``event``, then write its lines."""
        self.store.append(event)
        self.logs(event)

    def stage(self, event: SagaEvent) -> None:
        """Stage ``event`` in the store; its lines wait for the commit."""
        self.store.stage(event)
        self._staged.append(event)

    def commit(self) -> None:
        """Commit the staged events, then write their lines."""
        # Taken first: events a failed commit rolled back are never written.
        staged, self._staged = self._staged, []
        self.store.commit()
        if staged:
            self.logs.write_events(staged)
