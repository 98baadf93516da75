"""Saga definitions: ordered steps, each with an action, a compensation and policies."""

from __future__ import annotations

import dataclasses
import enum
import random
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from saga_desktop.engine._exceptions import DefinitionError

__all__ = [
    "NO_RETRY",
    "RETRIABLE_ATTEMPTS",
    "Action",
    "BareAction",
    "RetryPolicy",
    "SagaDefinition",
    "SagaStep",
    "StepContext",
    "StepRole",
    "compensation_name",
]

#: The safety limit of a retriable step: it is retried until it succeeds, but at
#: most this many attempts in all (or its retry policy's, if that allows more), so
#: that a step that can never succeed ends in a dead letter, not in an endless loop.
RETRIABLE_ATTEMPTS = 10


class StepRole(enum.Enum):
    """Where a step stands in the saga's structure.

    Compensatable steps come first, then at most one pivot (the point of no
    return), then retriable steps, which are retried until they succeed and
    never compensated. A failure at or before the pivot compensates the steps
    that completed, newest first; once the pivot has completed, the saga only
    goes forward.
    """

    COMPENSATABLE = "compensatable"
    PIVOT = "pivot"
    RETRIABLE = "retriable"


def compensation_name(step: str) -> str:
    """Return the guide's name for the compensation of ``step`` (``COMPENSATE_<STEP>``)."""
    return f"COMPENSATE_{step}"


class StepContext(NamedTuple):
    """What an action or a compensation is told about the saga it serves.

    A named tuple rather than a frozen dataclass: the orchestrator builds one
    for every call it makes, and a tuple is built in C (about a fifth of the
    cost), while still being immutable.

    Attributes
    ----------
    correlation_id
        The saga's id; with ``step`` it forms the participant's idempotency key.
    step
        The step's name.
    attempt
        1 for the first attempt, 2 for the first retry, and so on.
    payload
        The saga's input (for a booking: the guide's request data).
    results
        Results of the steps that completed before this one, by step name.
    """

    correlation_id: str
    step: str
    attempt: int
    payload: Mapping[str, Any]
    results: Mapping[str, Mapping[str, Any]]

    @property
    def idempotency_key(self) -> str:
        """``<correlation id>:<step>``: the same for every attempt at this step."""
        return f"{self.correlation_id}:{self.step}"


#: An action or a compensation: takes the context, returns a result of plain data.
Action = Callable[[StepContext], Mapping[str, Any] | None]

#: An action or a compensation of a step that takes no context (``takes_context=False``).
BareAction = Callable[[], Mapping[str, Any] | None]


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often, and how patiently, a failing call is tried again.

    The delay before retry ``n`` (1-based) is
    ``min(max_delay, initial_delay * multiplier ** (n - 1))``, then spread by
    ``± jitter`` (a fraction) so that many sagas do not retry in lock step.

    Attributes
    ----------
    max_attempts
        Total attempts, the first included (1 means no retry).
    initial_delay
        Seconds before the first retry.
    multiplier
        Growth of the delay from one retry to the next.
    max_delay
        Upper bound of a delay, in seconds.
    jitter
        Fraction of the delay added or removed at random (0 to 1).
    """

    max_attempts: int = 1
    initial_delay: float = 0.1
    multiplier: float = 2.0
    max_delay: float = 5.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise DefinitionError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise DefinitionError("retry delays cannot be negative")
        if self.multiplier < 1:
            raise DefinitionError(f"multiplier must be at least 1, not {self.multiplier}")
        if not 0 <= self.jitter <= 1:
            raise DefinitionError(f"jitter must be between 0 and 1, not {self.jitter}")

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """Return the seconds to wait before retry number ``retry`` (1-based).

        Parameters
        ----------
        retry
            1 for the wait after the first failed attempt.
        rng
            Source of jitter; needed only when ``jitter`` is not 0.

        Returns
        -------
        float
            The delay in seconds, never negative.
        """
        base = min(self.max_delay, self.initial_delay * self.multiplier ** (retry - 1))
        if self.jitter and rng is not None:
            base *= 1 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, base)


NO_RETRY = RetryPolicy()


def _no_compensation(context: StepContext | None = None) -> Mapping[str, Any]:
    # Takes a context or none, so that it suits steps with and without one.
    return {}


@dataclasses.dataclass(frozen=True, slots=True)
class SagaStep:
    """One step of a saga.

    Attributes
    ----------
    name
        Upper-case name used in logs and events (``RESERVE_SEAT``).
    description
        One line for people ("Reserve seat for passenger").
    action
        Does the step's local transaction; raises :class:`StepError` to refuse.
    compensation
        Undoes the action; must be idempotent and safe when the action never ran.
    compensation_description
        One line for people about the undo ("Cancel the seat").
    retry
        Retry policy of the action (transient errors only).
    compensation_retry
        Retry policy of the compensation (any error).
    timeout
        Seconds the action may take; a later reply counts as a failure whose
        effect is unknown, so the step is compensated. ``None``: no limit.
    role
        Compensatable (the default), pivot or retriable (see :class:`StepRole`).
    takes_context
        Whether the action and the compensation are called with a
        :class:`StepContext` (the default) or with no argument at all. A step
        that needs neither the saga's id nor its payload nor earlier results
        (a closure knows its own name) saves a context per call: on a saga of
        four such steps, a quarter of the lean orchestrator's time
        (``tests/benchmarks/run_benchmarks.py --only engine``).
    """

    name: str
    action: Action | BareAction
    compensation: Action | BareAction = _no_compensation
    description: str = ""
    compensation_description: str = ""
    retry: RetryPolicy = NO_RETRY
    compensation_retry: RetryPolicy = NO_RETRY
    timeout: float | None = None
    takes_context: bool = True
    role: StepRole = StepRole.COMPENSATABLE

    @property
    def compensation_name(self) -> str:
        """``COMPENSATE_<NAME>``."""
        return compensation_name(self.name)

    @property
    def max_attempts(self) -> int:
        """Attempts the action gets in all: its policy's, or a retriable step's safety limit."""
        if self.role is StepRole.RETRIABLE:
            return max(RETRIABLE_ATTEMPTS, self.retry.max_attempts)
        return self.retry.max_attempts


@dataclasses.dataclass(frozen=True, slots=True)
class SagaDefinition:
    """A named, ordered list of steps. Any number of steps (one or more) works.

    Raises
    ------
    DefinitionError
        When there is no step, a name is empty or repeated, or the roles break
        the saga's structure (two pivots, a compensatable step after the pivot,
        a retriable step before it).
    """

    name: str
    steps: tuple[SagaStep, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise DefinitionError(f"saga {self.name!r} has no steps")
        seen: set[str] = set()
        for step in self.steps:
            if not step.name:
                raise DefinitionError(f"saga {self.name!r} has a step without a name")
            if step.name in seen:
                raise DefinitionError(f"saga {self.name!r} repeats step {step.name!r}")
            seen.add(step.name)
        _check_roles(self.name, self.steps)

    @property
    def pivot(self) -> int | None:
        """The index of the pivot step (the point of no return), or ``None``."""
        for index, step in enumerate(self.steps):
            if step.role is StepRole.PIVOT:
                return index
        return None

    @property
    def step_names(self) -> tuple[str, ...]:
        """The step names, in order."""
        return tuple(step.name for step in self.steps)

    def step(self, name: str) -> SagaStep:
        """Return the step called ``name``.

        Raises
        ------
        KeyError
            When there is no such step.
        """
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)


def _check_roles(saga: str, steps: tuple[SagaStep, ...]) -> None:
    # Compensatable steps, at most one pivot, then retriable steps: the structure
    # that makes "undo what was done" and "only forward" never meet.
    pivot: str | None = None
    for step in steps:
        if step.role is StepRole.PIVOT:
            if pivot is not None:
                raise DefinitionError(
                    f"saga {saga!r} has two pivots ({pivot} and {step.name}): at most one"
                )
            pivot = step.name
        elif step.role is StepRole.COMPENSATABLE and pivot is not None:
            raise DefinitionError(
                f"saga {saga!r}: the compensatable step {step.name} follows the pivot {pivot}; "
                "after the point of no return only retriable steps run"
            )
        elif step.role is StepRole.RETRIABLE and pivot is None:
            raise DefinitionError(
                f"saga {saga!r}: the retriable step {step.name} comes before any pivot; "
                "retriable steps follow the pivot"
            )
