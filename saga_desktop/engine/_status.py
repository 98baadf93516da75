"""Step and saga statuses, named as the guide names them."""

from __future__ import annotations

import enum

__all__ = ["SagaOutcome", "StepStatus"]


class StepStatus(enum.Enum):
    """The six statuses a step goes through (the guide's ``SAGAStep`` status)."""

    PENDING = "PENDING"
    EXECUTING = "EXECUTING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    COMPENSATING = "COMPENSATING"
    COMPENSATED = "COMPENSATED"


class SagaOutcome(enum.Enum):
    """How a saga ended.

    ``COMPLETED``: every step succeeded. ``COMPENSATED``: a step failed and every
    completed step was undone. ``DEAD_LETTERED``: a step failed and at least one
    compensation could not be done, so it waits in the dead-letter queue.
    ``RUNNING``: not ended (in progress, or interrupted by a crash).
    """

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPENSATED = "COMPENSATED"
    DEAD_LETTERED = "DEAD_LETTERED"
