"""The guide's log files in ``<data dir>/logs/``.

``saga_orchestrator.log`` gets every event's lines in the guide's format;
``saga_bookings.log`` gets one JSON object per finished saga (its response).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

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

# Appended to with one write per call: O_NOFOLLOW refuses a link that
# would send the lines (as root: to any file) elsewhere. Windows has neither flag.
_APPEND_FLAGS = (
    os.O_RDWR  # read too: to see whether the last line was ended
    | os.O_APPEND
    | os.O_CREAT
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


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

    The two files are a report; the record is the saga log (``saga_log.db``). So
    a write that fails (a full device, a file size limit) is a warning, never an
    error: ``on_problem`` hears of each distinct problem once, and the saga goes
    on. Each write is one ``os.write`` of whole lines on a file opened with
    ``O_APPEND``: nothing is buffered, so a failed write leaves nothing behind
    to come out later in the middle of another line, and a line cut short by a
    full device is ended before the next one is written.

    Parameters
    ----------
    log_dir
        The folder of the two log files; created when missing.
    on_problem
        Called with one line (``"cannot write logs/saga_bookings.log (No space
        left on device); the booking is recorded in saga_log.db"``) the first
        time each problem happens; by default a :class:`RuntimeWarning`.

    Raises
    ------
    WorldError
        When the folder or a log file is a symbolic link (it would be followed
        to wherever it points), or the folder cannot be used at all.
    """

    def __init__(self, log_dir: Path, on_problem: Callable[[str], None] | None = None) -> None:
        self.log_dir = log_dir
        self.on_problem = on_problem
        #: Every distinct problem so far, in order.
        self.problems: list[str] = []
        self._cut_short: set[int] = set()
        _refuse_symlink(log_dir, "folder")
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorldError(f"cannot write the logs in {log_dir}: {exc}") from None
        self._orchestrator = self._open(ORCHESTRATOR_LOG)
        try:
            self._bookings = self._open(BOOKINGS_LOG)
        except WorldError:
            os.close(self._orchestrator)
            raise

    def _open(self, name: str) -> int:
        path = self.log_dir / name
        _refuse_symlink(path, "file")
        try:
            fd = os.open(path, _APPEND_FLAGS, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a link put there since the check
                _refuse_symlink(path, "file", always=True)
            raise WorldError(f"cannot write the log file {path}: {exc.strerror or exc}") from None
        # A line an earlier process was cut short in (a full device) is ended first.
        with contextlib.suppress(OSError):
            size = os.fstat(fd).st_size
            # O_APPEND writes at the end whatever the offset: seeking is for reading.
            if size:
                os.lseek(fd, size - 1, os.SEEK_SET)
                if os.read(fd, 1) != b"\n":
                    self._cut_short.add(fd)
        return fd

    def __call__(self, event: SagaEvent) -> None:
        """Write ``event``'s lines."""
        self.write_events((event,))

    def write_events(self, events: Iterable[SagaEvent]) -> None:
        """Write the lines of ``events``, in order, with one write."""
        self._write(self._orchestrator, ORCHESTRATOR_LOG, export_log_text(events), "saga")

    def write_booking(self, response: dict[str, Any]) -> None:
        """Append one saga's response to ``saga_bookings.log`` (one JSON object a line)."""
        line = json.dumps(response, ensure_ascii=False) + "\n"
        self._write(self._bookings, BOOKINGS_LOG, line, "booking")

    def _write(self, fd: int, name: str, text: str, what: str) -> None:
        if not text:
            return
        data = text.encode("utf-8")
        if fd in self._cut_short:
            data = b"\n" + data  # end the line a failed write cut short, first
        written = 0
        try:
            while written < len(data):
                written += os.write(fd, data[written:])
        except OSError as exc:
            if written and data[written - 1 : written] != b"\n":
                self._cut_short.add(fd)
            self._warn(name, exc, what)
            return
        self._cut_short.discard(fd)

    def _warn(self, name: str, exc: OSError, what: str) -> None:
        message = (
            f"cannot write {self.log_dir.name}/{name} ({exc.strerror or exc}); "
            f"the {what} is recorded in saga_log.db"
        )
        if message in self.problems:
            return
        self.problems.append(message)
        if self.on_problem is None:
            warnings.warn(message, RuntimeWarning, stacklevel=4)
        else:
            self.on_problem(message)

    def close(self) -> None:
        """Close both files."""
        for fd in (self._orchestrator, self._bookings):
            with contextlib.suppress(OSError):
                os.close(fd)


def _refuse_symlink(path: Path, kind: str, *, always: bool = False) -> None:
    if always or path.is_symlink():
        raise WorldError(
            f"the log {kind} {path} is a symbolic link; it is not followed "
            f"(replace it with a real {kind})"
        )


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
