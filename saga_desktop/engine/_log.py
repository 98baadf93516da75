"""An in-memory saga log that records events compactly and builds them when read.

What the log keeps are entries, each an event or a tuple:

* an event already built (a saga somebody else watches, a recovery, a retry,
  or the rest of a saga that left the lean path);
* ``(lean_story, correlation_id, definition, payload, results, times, ...)``:
  a whole saga of the orchestrator's lean path, built by :func:`lean_story`.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from saga_desktop.engine._events import (
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepStarted,
    StepSucceeded,
)

if TYPE_CHECKING:
    from saga_desktop.engine._definition import SagaDefinition

__all__ = ["SagaLog", "lean_story"]


def _saga_started(
    correlation_id: str,
    at: float,
    saga_name: str,
    steps: tuple[str, ...],
    payload: Mapping[str, Any],
) -> SagaStarted:
    return SagaStarted(correlation_id, at, saga_name, steps, dict(payload))


def _step_succeeded(
    correlation_id: str, at: float, step: str, attempt: int, result: Mapping[str, Any]
) -> StepSucceeded:
    return StepSucceeded(correlation_id, at, step, attempt, dict(result))


def _compensation_succeeded(
    correlation_id: str,
    at: float,
    step: str,
    compensation: str,
    attempt: int,
    result: Mapping[str, Any],
) -> CompensationSucceeded:
    return CompensationSucceeded(correlation_id, at, step, compensation, attempt, dict(result))


def _saga_completed(
    correlation_id: str,
    at: float,
    steps_completed: int,
    results: Mapping[str, Mapping[str, Any]],
) -> SagaCompleted:
    return SagaCompleted(
        correlation_id,
        at,
        steps_completed,
        {name: dict(result) for name, result in results.items()},
    )


def lean_story(
    correlation_id: str,
    definition: SagaDefinition,
    payload: Mapping[str, Any],
    results: Mapping[str, Mapping[str, Any]],
    times: Sequence[float],
    failed_step: str | None = None,
    error: str = "",
    injected: bool = False,
    undo: tuple[str, ...] = (),
    undone: Sequence[Mapping[str, Any]] = (),
) -> list[SagaEvent]:
    """The events of one saga of the orchestrator's lean path, from what it kept.

    A saga that runs each step once and, if one refuses, undoes the others at
    the first attempt, is told by what it keeps anyway (its definition,
    payload and results), why it failed, what its undos returned, and the
    clock's reading for each event (events with no participant call between
    them share one): one log entry instead of eleven event objects.

    Parameters
    ----------
    correlation_id, definition, payload, results
        The saga's id, definition, payload and results (the completed steps).
    times
        The time of each event that happened, in order.
    failed_step, error, injected
        The step that refused, its error and whether it was injected.
    undo
        The steps to undo, newest first.
    undone
        What each undo returned, for those that succeeded, in ``undo``'s order.

    Returns
    -------
    list of SagaEvent
        The events that have a time: a saga that left the lean path (a retry, a
        timeout, an undo that failed) has only its events up to then here.
    """
    plan = _story_plan(definition, payload, results, failed_step, error, injected, undo, undone)
    # Only the events that happened have a time: zip stops at the last one.
    return [
        build(correlation_id, at, *fields) for (build, fields), at in zip(plan, times, strict=False)
    ]


def _story_plan(
    definition: SagaDefinition,
    payload: Mapping[str, Any],
    results: Mapping[str, Mapping[str, Any]],
    failed_step: str | None,
    error: str,
    injected: bool,
    undo: tuple[str, ...],
    undone: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[Callable[..., SagaEvent], tuple[Any, ...]]]:
    # Every event a lean saga can have, in the order the orchestrator emits them.
    steps = definition.steps
    yield _saga_started, (definition.name, definition.step_names, payload)
    completed = len(results)
    for step in steps[:completed]:
        yield StepStarted, (step.name, 1, step.retry.max_attempts)
        yield _step_succeeded, (step.name, 1, results[step.name])
    if failed_step is None:
        if completed < len(steps):  # the step at which the saga left the lean path
            step = steps[completed]
            yield StepStarted, (step.name, 1, step.retry.max_attempts)
        yield _saga_completed, (completed, results)
        return
    by_name = {step.name: step for step in steps}  # definition.step() is a linear search
    failed = by_name[failed_step]
    yield StepStarted, (failed.name, 1, failed.retry.max_attempts)
    yield StepFailed, (failed.name, 1, error, injected, False)
    yield CompensationTriggered, (failed.name, undo, False)
    compensated = []
    for name, result in zip(undo, [*undone, None], strict=False):
        step = by_name[name]
        undo_name = step.compensation_name
        yield CompensationStarted, (name, undo_name, 1, step.compensation_retry.max_attempts)
        if result is None:  # the undo that failed: the saga left the lean path here
            return
        yield _compensation_succeeded, (name, undo_name, 1, result)
        compensated.append(undo_name)
    yield SagaCompensated, (failed.name, error, completed, tuple(compensated), (), False)


#: An entry of the log (see the module): an event, or a lean saga's story.
Record = SagaEvent | tuple[Any, ...]


class SagaLog:
    """The latest events of every saga an orchestrator runs.

    Give one to :class:`SagaOrchestrator` (``log=``) and every event of every
    saga is recorded, however the saga goes: retries, timeouts, compensations,
    dead letters, recoveries. What is read is exactly what a listener would
    have been given, event for event.

    When nothing else watches the sagas (no sink, no listener, no kept
    events), each saga is recorded as one entry when it ends, and its events
    are built when they are read: building eleven event objects per saga, and
    keeping them, cost three times as much as running the saga
    (``tests/benchmarks/run_benchmarks.py --only engine``). So such a saga's
    events appear together, when it ends (one that retries or times out goes on
    event by event from there), and sagas run in several threads at once
    appear in the order they end. Otherwise each event is recorded as it
    happens, as one entry.

    The log is bounded, as a log pane is: it keeps the latest ``max_entries``
    entries (about 11 events each for lean sagas of four steps). Recording is
    safe from any thread; reading takes a snapshot.

    The events are built from the saga's payload and results when they are
    read: a step must not change the payload, nor a mapping it returned, nor anybody
    the ``results`` of a :class:`SagaResult` (copy them to change them).

    Parameters
    ----------
    max_entries
        How many entries to keep (the latest); ``None`` keeps them all.

    Raises
    ------
    ValueError
        When ``max_entries`` is below 1.
    """

    __slots__ = ("_records", "record")

    def __init__(self, max_entries: int | None = 1_000) -> None:
        if max_entries is not None and max_entries < 1:
            raise ValueError(f"a saga log keeps at least one entry, not {max_entries}")
        self._records: collections.deque[Record] = collections.deque(maxlen=max_entries)
        #: Keeps one entry (see the module): for the orchestrator, whose hot path
        #: it is; the deque's own append, atomic, and dropping the oldest entry.
        self.record: Callable[[Record], None] = self._records.append

    @property
    def max_entries(self) -> int | None:
        """How many entries the log keeps (``None``: all)."""
        return self._records.maxlen

    @property
    def entries(self) -> int:
        """How many entries the log holds."""
        return len(self._records)

    def __len__(self) -> int:
        """How many events the log holds."""
        return sum(
            len(record[5]) if isinstance(record, tuple) else 1 for record in list(self._records)
        )

    def __iter__(self) -> Iterator[SagaEvent]:
        """The events, oldest first, built from a snapshot taken now."""
        for record in list(self._records):  # list(deque): one step, safe while others record
            yield from _built(record)

    def events(self, correlation_id: str | None = None) -> list[SagaEvent]:
        """The events kept, oldest first; only one saga's with ``correlation_id``."""
        if correlation_id is None:
            return list(self)
        return [
            event
            for record in list(self._records)
            if (record[1] if isinstance(record, tuple) else record.correlation_id) == correlation_id
            for event in _built(record)
        ]

    def clear(self) -> None:
        """Forget every event."""
        self._records.clear()


def _built(record: Record) -> list[SagaEvent]:
    if isinstance(record, SagaEvent):
        return [record]
    return lean_story(*record[1:])
