"""The generic saga engine: definitions, orchestrator, memory queue, events.

Standard library only: no Qt, nothing about flights. A saga is any number of
steps; the booking world is one user of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_desktop._lazy import lazy_exports

if TYPE_CHECKING:
    from saga_desktop.engine._clock import VirtualClock
    from saga_desktop.engine._definition import (
        NO_RETRY,
        RETRIABLE_ATTEMPTS,
        Action,
        BareAction,
        RetryPolicy,
        SagaDefinition,
        SagaStep,
        StepContext,
        StepRole,
        compensation_name,
    )
    from saga_desktop.engine._describe import (
        LOGGER_NAME,
        LogLine,
        describe,
        format_log_line,
        format_timestamp,
    )
    from saga_desktop.engine._events import (
        EVENT_TYPES,
        CompensationFailed,
        CompensationRetried,
        CompensationStarted,
        CompensationSucceeded,
        CompensationTriggered,
        DeadLettered,
        DeadLetterResolved,
        SagaCompensated,
        SagaCompleted,
        SagaEvent,
        SagaStarted,
        StepFailed,
        StepRetried,
        StepStarted,
        StepSucceeded,
        event_from_dict,
        event_to_dict,
    )
    from saga_desktop.engine._exceptions import (
        DefinitionError,
        EventStoreBusy,
        EventStoreError,
        ParticipantUnavailable,
        SagaError,
        SimulatedCrash,
        StepError,
        TransientStepError,
    )
    from saga_desktop.engine._handlers import EventHandler
    from saga_desktop.engine._log import SagaLog
    from saga_desktop.engine._orchestrator import (
        CompensationRecord,
        EventSink,
        Listener,
        SagaOrchestrator,
        SagaResult,
    )
    from saga_desktop.engine._owners import live_owners
    from saga_desktop.engine._queue import SagaMemoryQueue
    from saga_desktop.engine._sqlite import BusyWait
    from saga_desktop.engine._status import SagaOutcome, StepStatus
    from saga_desktop.engine._store import (
        SCHEMA_VERSION,
        DeadLetter,
        InFlight,
        SagaSummary,
        SqliteEventStore,
    )

__all__ = [
    "EVENT_TYPES",
    "LOGGER_NAME",
    "NO_RETRY",
    "RETRIABLE_ATTEMPTS",
    "SCHEMA_VERSION",
    "Action",
    "BareAction",
    "BusyWait",
    "CompensationFailed",
    "CompensationRecord",
    "CompensationRetried",
    "CompensationStarted",
    "CompensationSucceeded",
    "CompensationTriggered",
    "DeadLetter",
    "DeadLetterResolved",
    "DeadLettered",
    "DefinitionError",
    "EventHandler",
    "EventSink",
    "EventStoreBusy",
    "EventStoreError",
    "InFlight",
    "Listener",
    "LogLine",
    "ParticipantUnavailable",
    "RetryPolicy",
    "SagaCompensated",
    "SagaCompleted",
    "SagaDefinition",
    "SagaError",
    "SagaEvent",
    "SagaLog",
    "SagaMemoryQueue",
    "SagaOrchestrator",
    "SagaOutcome",
    "SagaResult",
    "SagaStarted",
    "SagaStep",
    "SagaSummary",
    "SimulatedCrash",
    "SqliteEventStore",
    "StepContext",
    "StepError",
    "StepFailed",
    "StepRetried",
    "StepRole",
    "StepStarted",
    "StepStatus",
    "StepSucceeded",
    "TransientStepError",
    "VirtualClock",
    "compensation_name",
    "describe",
    "event_from_dict",
    "event_to_dict",
    "format_log_line",
    "format_timestamp",
    "live_owners",
]

# Where each public name lives. The package loads a submodule only when one of its
# names is first asked for, so the window's start does not pay for what it never uses.
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "_clock": ("VirtualClock",),
    "_definition": (
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
    ),
    "_describe": (
        "LOGGER_NAME",
        "LogLine",
        "describe",
        "format_log_line",
        "format_timestamp",
    ),
    "_events": (
        "EVENT_TYPES",
        "CompensationFailed",
        "CompensationRetried",
        "CompensationStarted",
        "CompensationSucceeded",
        "CompensationTriggered",
        "DeadLettered",
        "DeadLetterResolved",
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
    ),
    "_exceptions": (
        "DefinitionError",
        "EventStoreBusy",
        "EventStoreError",
        "ParticipantUnavailable",
        "SagaError",
        "SimulatedCrash",
        "StepError",
        "TransientStepError",
    ),
    "_handlers": ("EventHandler",),
    "_log": ("SagaLog",),
    "_orchestrator": (
        "CompensationRecord",
        "EventSink",
        "Listener",
        "SagaOrchestrator",
        "SagaResult",
    ),
    "_owners": ("live_owners",),
    "_queue": ("SagaMemoryQueue",),
    "_sqlite": ("BusyWait",),
    "_status": (
        "SagaOutcome",
        "StepStatus",
    ),
    "_store": (
        "SCHEMA_VERSION",
        "DeadLetter",
        "InFlight",
        "SagaSummary",
        "SqliteEventStore",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, globals(), __all__)
