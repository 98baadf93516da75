"""Immutable saga events: the saga log.

Every event is a frozen dataclass holding plain data only (str, int, float, bool,
tuples and dicts of those), so it crosses threads, serializes to JSON and replays
without surprises. Names are past tense. ``correlation_id`` ties an event to its
saga and ``at`` is the injected clock's time (seconds since the epoch).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from saga_desktop.engine._frozen import fast_frozen_init
from saga_desktop.engine._json import event_encoder

__all__ = [
    "EVENT_TYPES",
    "CompensationFailed",
    "CompensationRetried",
    "CompensationStarted",
    "CompensationSucceeded",
    "CompensationTriggered",
    "DeadLetterResolved",
    "DeadLettered",
    "SagaCompensated",
    "SagaCompleted",
    "SagaEvent",
    "SagaStarted",
    "StepFailed",
    "StepRetried",
    "StepStarted",
    "StepSucceeded",
    "event_from_dict",
    "event_to_dict",
    "event_to_json",
]


@dataclasses.dataclass(frozen=True, slots=True)
class SagaEvent:
    """Base of every event: which saga, and when."""

    correlation_id: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class SagaStarted(SagaEvent):
    """A saga began; ``steps`` are enqueued in this order."""

    saga_name: str
    steps: tuple[str, ...]
    payload: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class StepStarted(SagaEvent):
    """An attempt at a step began (``attempt`` counts from 1)."""

    step: str
    attempt: int
    max_attempts: int


@dataclasses.dataclass(frozen=True, slots=True)
class StepSucceeded(SagaEvent):
    """A step's attempt succeeded; ``result`` is what the participant returned."""

    step: str
    attempt: int
    result: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class StepRetried(SagaEvent):
    """An attempt failed transiently; the next one follows after ``delay`` seconds."""

    step: str
    attempt: int
    max_attempts: int
    delay: float
    error: str


@dataclasses.dataclass(frozen=True, slots=True)
class StepFailed(SagaEvent):
    """A step failed for good.

    ``timed_out`` means the reply came too late: the effect may have happened,
    so the step is compensated too.
    """

    step: str
    attempt: int
    error: str
    injected: bool
    timed_out: bool


@dataclasses.dataclass(frozen=True, slots=True)
class CompensationTriggered(SagaEvent):
    """Compensation begins; ``steps`` will be undone in this order (newest first).

    ``recovery`` is true when a restarted orchestrator finishes a saga that an
    earlier one left interrupted.
    """

    failed_step: str | None
    steps: tuple[str, ...]
    recovery: bool


@dataclasses.dataclass(frozen=True, slots=True)
class CompensationStarted(SagaEvent):
    """An attempt at undoing ``step`` began."""

    step: str
    compensation: str
    attempt: int
    max_attempts: int


@dataclasses.dataclass(frozen=True, slots=True)
class CompensationSucceeded(SagaEvent):
    """``step`` was undone."""

    step: str
    compensation: str
    attempt: int
    result: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class CompensationRetried(SagaEvent):
    """An attempt at undoing ``step`` failed; the next follows after ``delay``."""

    step: str
    compensation: str
    attempt: int
    max_attempts: int
    delay: float
    error: str


@dataclasses.dataclass(frozen=True, slots=True)
class CompensationFailed(SagaEvent):
    """Undoing ``step`` failed on its last attempt."""

    step: str
    compensation: str
    attempt: int
    error: str
    injected: bool


@dataclasses.dataclass(frozen=True, slots=True)
class DeadLettered(SagaEvent):
    """A compensation that kept failing was parked in the dead-letter queue."""

    step: str
    compensation: str
    attempts: int
    error: str


@dataclasses.dataclass(frozen=True, slots=True)
class DeadLetterResolved(SagaEvent):
    """A dead letter left the queue: ``resolution`` is ``"retried"`` or ``"resolved"``."""

    step: str
    compensation: str
    resolution: str


@dataclasses.dataclass(frozen=True, slots=True)
class SagaCompleted(SagaEvent):
    """Every step succeeded; ``results`` maps each step to its result."""

    steps_completed: int
    results: dict[str, dict[str, Any]]


@dataclasses.dataclass(frozen=True, slots=True)
class SagaCompensated(SagaEvent):
    """The saga failed and compensation ended.

    ``compensated`` lists the compensations that succeeded, in the order they ran;
    ``dead_letters`` those that were parked. The saga is fully reversed when
    ``dead_letters`` is empty.
    """

    failed_step: str | None
    error: str
    steps_completed: int
    compensated: tuple[str, ...]
    dead_letters: tuple[str, ...]
    recovered: bool


EVENT_TYPES: Mapping[str, type[SagaEvent]] = {
    cls.__name__: cls
    for cls in (
        SagaStarted,
        StepStarted,
        StepSucceeded,
        StepRetried,
        StepFailed,
        CompensationTriggered,
        CompensationStarted,
        CompensationSucceeded,
        CompensationRetried,
        CompensationFailed,
        DeadLettered,
        DeadLetterResolved,
        SagaCompleted,
        SagaCompensated,
    )
}

# JSON has no tuples: these fields are turned back into tuples when read.
_TUPLE_FIELDS: dict[type[SagaEvent], tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls) if str(f.type).startswith("tuple"))
    for cls in EVENT_TYPES.values()
}


# Field names by event class: dataclasses.fields() is slow, and every booking
# response lists its saga's events through event_to_dict.
_FIELD_NAMES: dict[type[SagaEvent], tuple[str, ...]] = {}


def event_to_dict(event: SagaEvent) -> dict[str, Any]:
    """Return ``event`` as a JSON-ready dict with its type under ``"type"``.

    Parameters
    ----------
    event
        Any saga event.

    Returns
    -------
    dict
        ``{"type": "StepStarted", "correlation_id": ..., "at": ..., ...}``.
    """
    cls = type(event)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in dataclasses.fields(event))
    data: dict[str, Any] = {"type": cls.__name__}
    for name in names:
        value = getattr(event, name)
        data[name] = list(value) if isinstance(value, tuple) else value
    return data


def event_to_json(event: SagaEvent) -> str:
    """Return ``event`` as JSON text: ``json.dumps(event_to_dict(event), ensure_ascii=False)``.

    The durable log writes every event so; an encoder made for each event class
    (see :func:`~saga_desktop.engine._json.event_encoder`) gives the same text
    several times faster.

    Parameters
    ----------
    event
        Any saga event.

    Returns
    -------
    str
        The event's JSON text, readable by :func:`event_from_dict`.
    """
    cls = type(event)
    encode = _ENCODERS.get(cls)
    if encode is None:
        encode = _ENCODERS[cls] = event_encoder(cls)
    return encode(event)


#: The JSON encoder of each event class, made when its first event is written.
_ENCODERS: dict[type[SagaEvent], Callable[[SagaEvent], str]] = {}


def event_from_dict(data: Mapping[str, Any]) -> SagaEvent:
    """Rebuild an event written by :func:`event_to_dict`.

    Parameters
    ----------
    data
        The dict (for example parsed from JSON).

    Returns
    -------
    SagaEvent
        An event equal to the one that was written.

    Raises
    ------
    ValueError
        When the type is unknown or a field is missing or extra.
    """
    type_name = data.get("type")
    cls = EVENT_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise ValueError(f"unknown event type {type_name!r}")
    fields = {k: v for k, v in data.items() if k != "type"}
    for name in _TUPLE_FIELDS[cls]:
        if isinstance(fields.get(name), list):
            fields[name] = tuple(fields[name])
    try:
        return cls(**fields)
    except TypeError as exc:
        raise ValueError(f"malformed {type_name} event: {exc}") from None


# The log is built event by event: see _frozen for why these get their own __init__
# (the base class is never built on its own).
for _event_type in EVENT_TYPES.values():
    fast_frozen_init(_event_type)
del _event_type
