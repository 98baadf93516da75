"""The booking world's exception tree.

::

    BookingError
    ├── InvalidBooking     the booking request is wrong; nothing was started or changed
    ├── InvalidBatchPlan   a batch run's plan is wrong (no sagas, a rate outside [0, 1])
    ├── InvalidFaultSpec   a failure-injection spec cannot be read ("process_payment=explode")
    ├── InvalidRunFile     an exported run file cannot be replayed (not one, damaged, too new)
    ├── InvalidSagaFile    a saga file cannot be used (its file, line and field say where)
    ├── UnreadableFile     a file a person gave cannot be read (not a regular file, too large,
    │                      not UTF-8 JSON)
    └── WorldError         the data directory or a database cannot be used
        ├── DataDirectoryBusy  another process held a database's write lock too long
        └── DatabaseUnusable   SQLite could not run an operation (a damaged page)
                               (both also an engine ParticipantUnavailable: no refusal)

Step refusals are the engine's :class:`~saga_desktop.engine.StepError`: a refusal
is part of a saga's story, not an error of the caller.
"""

from __future__ import annotations

from saga_desktop.engine._exceptions import ParticipantUnavailable

__all__ = [
    "BookingError",
    "DataDirectoryBusy",
    "DatabaseUnusable",
    "InvalidBatchPlan",
    "InvalidBooking",
    "InvalidFaultSpec",
    "InvalidRunFile",
    "InvalidSagaFile",
    "UnreadableFile",
    "WorldError",
]


class BookingError(Exception):
    """Base of every error the booking world raises on purpose."""


class InvalidBooking(BookingError):
    """A booking request that cannot be run, with the field at fault.

    Parameters
    ----------
    field
        The request field at fault (``"loyalty_points_to_use"``), or ``""``.
    message
        What is wrong, in words a person can act on.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidBatchPlan(BookingError):
    """A batch run that cannot start: fewer than one saga, or a failure rate outside [0, 1]."""


class InvalidFaultSpec(BookingError):
    """A failure-injection spec that names no step or no failure kind we know."""


class InvalidRunFile(BookingError):
    """A run file that cannot be read back, with the one-line reason why."""


class InvalidSagaFile(BookingError):
    """A saga file that cannot be used, with where and why.

    Parameters
    ----------
    source
        The file (or ``"saga"`` for data that came from no file).
    path
        The field at fault (``"steps[3].take.item"``), or ``""``.
    problem
        What is wrong, in words a person can act on.
    line
        The file's line that holds it, when known.
    """

    def __init__(self, source: str, path: str, problem: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {path}: {problem}" if path else f"{where}: {problem}")
        self.source = source
        self.path = path
        self.problem = problem
        self.line = line


class UnreadableFile(BookingError):
    """A file a person gave that cannot be read, or whose text is not JSON.

    Parameters
    ----------
    path
        The file.
    reason
        Why, in a few words (``"is a FIFO (named pipe), not a regular file"``).
    content
        True when the file was read and its text is at fault (not UTF-8, not
        JSON), False when it could not be read at all.
    """

    def __init__(self, path: object, reason: str, *, content: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
        self.content = content


class WorldError(BookingError):
    """The data directory or one of its databases cannot be used."""


class DataDirectoryBusy(WorldError, ParticipantUnavailable):
    """Another process kept a participant's database locked for longer than the wait.

    A participant that cannot be reached has refused nothing: the saga stops
    where it is (see :class:`~saga_desktop.engine.ParticipantUnavailable`),
    nothing is compensated for the step that never ran, and recovery finishes
    the saga once the data directory is free.
    """


class DatabaseUnusable(WorldError, ParticipantUnavailable):
    """SQLite could not run a participant's operation: its file is damaged or unreadable.

    No refusal either: the saga stops where it is, and nothing is compensated
    into a file that cannot be trusted.
    """
