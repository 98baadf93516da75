"""The booking world's exception tree.

::

    BookingError
    ├── InvalidBooking     the booking request is wrong; nothing was started or changed
    ├── InvalidBatchPlan   a batch run's plan is wrong (no sagas, a rate outside [0, 1])
    ├── InvalidFaultSpec   a failure-injection spec cannot be read ("process_payment=explode")
    ├── InvalidRunFile     an exported run file cannot be replayed (not one, damaged, too new)
    ├── UnreadableFile     a file a person gave cannot be read (not a regular file, too large,
    │                      not UTF-8 JSON)
    └── WorldError         the data directory or a database cannot be used

Step refusals are the engine's :class:`~saga_desktop.engine.StepError`: a refusal
is part of a saga's story, not an error of the caller.
"""

from __future__ import annotations

__all__ = [
    "BookingError",
    "InvalidBatchPlan",
    "InvalidBooking",
    "InvalidFaultSpec",
    "InvalidRunFile",
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
