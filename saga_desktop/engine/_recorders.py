"""The ways of watching a saga run: recorders the interpreter tells every event to.

The interpreter (:mod:`~saga_desktop.engine._machine`) says what happens as
``recorder.emit((EventType, at, *fields))``: the event's type, the time, and
its fields after ``correlation_id`` and ``at`` (the recorder adds the id). What a recorder makes of
that is its own business, so that watching costs what the watcher needs:

* nobody watches: no recorder at all (``None``), and nothing is built;
* :func:`compact_recorder`: a :class:`SagaLog` alone keeps each event as its
  type, time and fields, built into an event only when read (the recorder is
  no more than the ``emit``: it has nothing to do at the pivot or the end);
* :class:`EventRecorder`: listeners, kept events and a durable store get every
  event as an object, written ahead of the participant call it announces.

Both build events through one table (:data:`BUILDERS`), so an event read from a
compact log is equal to the one a listener was given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from saga_desktop.engine._events import (
    CompensationStarted,
    CompensationSucceeded,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepStarted,
    StepSucceeded,
)

if TYPE_CHECKING:
    from saga_desktop.engine._log import SagaLog

__all__ = [
    "BUILDERS",
    "Emit",
    "EventRecorder",
    "EventSink",
    "Listener",
    "Recorder",
    "StagingSink",
    "build",
    "compact_recorder",
    "unpack",
]

#: Called with every event, in order, after the event is stored.
Listener = Callable[[SagaEvent], None]

#: What the interpreter tells an event to, as ``(event type, at, *fields)``.
Emit = Callable[[tuple[Any, ...]], None]


class EventSink(Protocol):
    """Where events are written before the orchestrator acts on them.

    A sink that also has ``stage(event)`` and ``commit()`` (as
    :class:`SqliteEventStore` does) lets a saga nobody listens to commit twice
    instead of once per event: its start before the first participant call,
    the rest when it ends (see :class:`SagaOrchestrator`).
    """

    def append(self, event: SagaEvent) -> None:
        """Store ``event`` durably (or not): it must be readable after this returns."""


@runtime_checkable
class StagingSink(Protocol):
    """A sink that stages events and commits them together (see :class:`EventSink`)."""

    def stage(self, event: SagaEvent) -> None:
        """Hold ``event`` until the next commit."""

    def commit(self) -> None:
        """Make every staged event durable."""


class Recorder(Protocol):
    """What the interpreter tells of a saga run, event by event, and when it ends.

    :class:`StepStarted` and :class:`CompensationStarted` are recorded right
    before the participant call they announce: a durable recorder has them
    (and everything before) written by then. A recorder with nothing to do at
    the pivot or at the end is no more than its ``emit`` (see
    :func:`compact_recorder`).
    """

    @property
    def emit(self) -> Emit:
        """Record one event, told as ``(event type, at, *fields)``.

        Its type, the time, and its fields after ``correlation_id`` and ``at``.
        """

    def checkpoint(self) -> None:
        """Make everything recorded so far durable now (the saga passed its pivot)."""

    def finish(self) -> tuple[SagaEvent, ...]:
        """The run is over: make it durable; return the events it kept (or none)."""


def _saga_started(
    cid: str, at: float, saga_name: str, steps: tuple[str, ...], payload: Mapping[str, Any]
) -> SagaStarted:
    return SagaStarted(cid, at, saga_name, steps, dict(payload))


def _step_succeeded(
    cid: str, at: float, step: str, attempt: int, result: Mapping[str, Any]
) -> StepSucceeded:
    return StepSucceeded(cid, at, step, attempt, dict(result))


def _compensation_succeeded(
    cid: str, at: float, step: str, compensation: str, attempt: int, result: Mapping[str, Any]
) -> CompensationSucceeded:
    return CompensationSucceeded(cid, at, step, compensation, attempt, dict(result))


def _saga_completed(
    cid: str, at: float, steps_completed: int, results: Mapping[str, Mapping[str, Any]]
) -> SagaCompleted:
    return SagaCompleted(
        cid, at, steps_completed, {name: dict(result) for name, result in results.items()}
    )


#: How an event is built from what the interpreter recorded: the interpreter hands
#: over the saga's own payload and results, and the event gets copies of them (an
#: event's dicts are its own). Every other type is built by its class.
BUILDERS: Mapping[Callable[..., SagaEvent], Callable[..., SagaEvent]] = {
    SagaStarted: _saga_started,
    StepSucceeded: _step_succeeded,
    CompensationSucceeded: _compensation_succeeded,
    SagaCompleted: _saga_completed,
}


def build(
    event_type: Callable[..., SagaEvent], cid: str, at: float, fields: tuple[Any, ...]
) -> SagaEvent:
    """The event recorded as ``event_type``, ``at`` and ``fields`` for saga ``cid``."""
    return BUILDERS.get(event_type, event_type)(cid, at, *fields)


#: The events recorded right before a participant call (see :class:`Recorder`).
_BEFORE_CALL = frozenset({StepStarted, CompensationStarted})


class EventRecorder:
    """Every event built as it happens: for a durable sink, kept events, a log, listeners.

    The event is written to the sink first, then kept, logged and passed to each
    listener: a listener only ever sees stored events. A sink that stages
    (:class:`StagingSink`) with no listener gets the saga's start committed before
    the first participant call and the rest when the run ends (and at its pivot);
    otherwise each event before a participant call is committed before it.
    """

    __slots__ = (
        "clock",
        "correlation_id",
        "deferred",
        "events",
        "listeners",
        "log",
        "sink",
        "staging",
    )

    def __init__(
        self,
        correlation_id: str,
        *,
        sink: EventSink | None,
        staging: StagingSink | None,
        events: list[SagaEvent] | None,
        log: SagaLog | None,
        listeners: list[Listener],
    ) -> None:
        self.correlation_id = correlation_id
        self.sink = sink
        self.staging = staging
        self.events = events
        self.log = log
        # The orchestrator's own list: a listener added while a saga runs hears the rest.
        self.listeners = listeners
        #: Whether the saga's start is committed and the rest waits for its end.
        self.deferred = False

    def emit(self, entry: tuple[Any, ...]) -> None:
        """Build the event, write it ahead, then keep, log and announce it."""
        event_type = entry[0]
        event = BUILDERS.get(event_type, event_type)(self.correlation_id, *entry[1:])
        staging = self.staging
        if staging is not None:
            staging.stage(event)
            if self.listeners:  # one was added while the saga ran: it sees stored events only
                staging.commit()
            elif event_type is SagaStarted:
                # Write-ahead of the start only: the rest is committed at the end.
                staging.commit()
                self.deferred = True
            elif not self.deferred and event_type in _BEFORE_CALL:
                staging.commit()
        elif self.sink is not None:
            self.sink.append(event)
        if self.events is not None:
            self.events.append(event)
        if self.log is not None:
            self.log.record(event)
        for listener in self.listeners:
            listener(event)

    def checkpoint(self) -> None:
        """Commit what is staged (the pivot passed: recovery must know it)."""
        if self.staging is not None:
            self.staging.commit()

    def finish(self) -> tuple[SagaEvent, ...]:
        """Commit what is staged: the run's end is durable before anybody hears of it."""
        if self.staging is not None:
            self.staging.commit()
        return tuple(self.events) if self.events is not None else ()


def compact_recorder(correlation_id: str, log: SagaLog) -> Emit:
    """Start a saga for a :class:`SagaLog` alone; return what its events are told to.

    The saga is one entry of the log from its start, ``(correlation_id,
    entries)``, whose list of ``(event type, at, *fields)`` grows as it runs:
    the returned ``emit`` is the list's own append (atomic, and no Python
    call); reading the log builds the events (:func:`unpack`). Building eleven
    event objects per saga cost three times as much as running it. Such a
    recorder has nothing to do at the pivot or at the end (the log is in
    memory, and the saga in it since it started): it is no more than its
    ``emit``, and it costs no object.
    """
    entries: list[tuple[Any, ...]] = []
    log.record((correlation_id, entries))
    return entries.append


def unpack(cid: str, entries: list[tuple[Any, ...]]) -> list[SagaEvent]:
    """The events of a saga a :func:`compact_recorder` kept as ``entries``."""
    # entries[:] is one step, safe while the saga still records.
    return [build(entry[0], cid, entry[1], entry[2:]) for entry in entries[:]]
