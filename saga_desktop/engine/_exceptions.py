"""The engine's exception tree.

::

    SagaError
    ├── DefinitionError        a saga definition is unusable (no steps, duplicate names)
    ├── StepError              a step or compensation was refused by its participant
    │   └── TransientStepError a refusal worth retrying (the participant may recover)
    ├── EventStoreError        the durable saga log cannot be opened, read or written
    └── SimulatedCrash         (a ``BaseException``) the orchestrator "dies" on purpose

``SimulatedCrash`` derives from ``BaseException`` on purpose: nothing in the engine
or in a participant may catch it, just as nothing survives a killed process.
"""

from __future__ import annotations

__all__ = [
    "DefinitionError",
    "EventStoreError",
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


class EventStoreError(SagaError):
    """The durable saga log is unreadable, unwritable or from a newer version."""


class SimulatedCrash(BaseException):
    """The orchestrator dies here, on purpose, as a killed process would.

    Raised by a crash hook; deliberately not an ``Exception`` so that no
    ``except Exception`` on the way up can turn a death into a failure.
    """
