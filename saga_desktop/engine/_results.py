"""How a saga ended: its result, and how each of its compensations ended."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from saga_desktop.engine._events import SagaEvent
from saga_desktop.engine._exceptions import StepError
from saga_desktop.engine._status import SagaOutcome

__all__ = ["CompensationRecord", "SagaResult", "describe_error"]


class CompensationRecord(NamedTuple):
    """How one compensation ended: the guide's ``results`` entry.

    Attributes
    ----------
    step
        The step that was undone.
    compensation
        Its compensation's name (``COMPENSATE_<STEP>``).
    success
        Whether the compensation succeeded (``False``: dead-lettered).
    attempts
        How many attempts it took.
    error
        The last error, when it failed.
    """

    step: str
    compensation: str
    success: bool
    attempts: int
    error: str | None = None


class SagaResult(NamedTuple):
    """How a saga ended.

    A named tuple, built in C: the lean orchestrator makes one per saga, and a
    frozen dataclass cost as much as running a step.

    Attributes
    ----------
    correlation_id
        The saga's id.
    outcome
        Completed, compensated, or compensated with dead letters.
    total_steps
        How many steps the definition has.
    steps_completed
        How many steps completed before the saga ended (or failed).
    results
        Results of the completed steps, by name.
    failed_step
        The step that failed, or ``None``.
    error
        Why it failed, or ``None``.
    compensations
        Every compensation that ran, in the order it ran.
    events
        The saga's events, when the orchestrator keeps them (``keep_events``).
    """

    correlation_id: str
    outcome: SagaOutcome
    total_steps: int
    steps_completed: int
    results: Mapping[str, Mapping[str, Any]]
    failed_step: str | None = None
    error: str | None = None
    compensations: tuple[CompensationRecord, ...] = ()
    events: tuple[SagaEvent, ...] = ()

    @property
    def success(self) -> bool:
        """True when every step completed."""
        return self.outcome is SagaOutcome.COMPLETED

    @property
    def dead_letters(self) -> tuple[CompensationRecord, ...]:
        """The compensations that failed for good."""
        return tuple(record for record in self.compensations if not record.success)


def describe_error(error: BaseException) -> str:
    """How an error reads in results and logs: a refusal's own words, else its type too."""
    return str(error) if isinstance(error, StepError) else f"{type(error).__name__}: {error}"
