"""The engine's exception tree.

::

    SagaError
    ├── DefinitionError        a saga definition is unusable (no steps, duplicate names)
    ├── StepError              a step or compensation was refused by its participant
    │   └── TransientStepError a refusal worth retrying (the participant may recover)
    ├── ParticipantUnavailable a participant cannot be reached: the call neither ran nor
    │                          was refused, so the saga stops where it is, left to recovery
    ├── EventStoreError        the durable saga log cannot be opened, read or written
    │   └── EventStoreBusy     another process held the saga log's write lock too long
    └── SimulatedCrash         (a ``BaseException``) the orchestrator "dies" on purpose

``SimulatedCrash`` derives from ``BaseException`` on purpose: nothing in the engine
or in a participant may catch it, just as nothing survives a killed process.
"""

from __future__ import annotations

__all__ = [
    "DefinitionError",
    "EventStoreBusy",
    "EventStoreError",
    "ParticipantUnavailable",
    "SagaError",
    "SimulatedCrash",
    "StepError",
    "TransientStepError",
]


class SagaError(Exception):
    """Base class of every error the engine raises on purpose."""


class DefinitionError(SagaError):
    """A saga definition cannot be run (no steps, duplicate or empty names)."""


class StepError(SagaError):
    """A participant refused a step or a compensation.

    Parameters
    ----------
    message
        What went wrong, in words a person can act on.
    injected
        True when the failure was injected on purpose (logged as a WARNING,
        as the guide does for simulated failures), False for a real error.
    """

    def __init__(self, message: str, *, injected: bool = False) -> None:
        super().__init__(message)
        self.injected = injected


class TransientStepError(StepError):
    """A refusal that may succeed when tried again: the retry policy applies."""


class ParticipantUnavailable(SagaError):
    """A participant could not be reached: its call neither ran nor was refused.

    Not a refusal, so nothing is compensated for it: the orchestrator stops
    the saga where it is (the exception propagates out of ``run``), and the
    saga log shows it interrupted, for recovery to finish once the participant
    is back. A database another process keeps locked is one such case.
    """


class EventStoreError(SagaError):
    """The durable saga log is unreadable, unwritable or from a newer version."""


class EventStoreBusy(EventStoreError):
    """Another process held the saga log's write lock for longer than the wait allows."""


class SimulatedCrash(BaseException):
    """The orchestrator dies here, on purpose, as a killed process would.

    Raised by a crash hook; deliberately not an ``Exception`` so that no
    ``except Exception`` on the way up can turn a death into a failure.
    """
