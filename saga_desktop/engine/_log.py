"""An in-memory saga log that records events compactly and builds them when read."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from saga_desktop.engine._events import (
    CompensationSucceeded,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepSucceeded,
)

__all__ = ["SagaLog"]

#: What the orchestrator records: an event already built, or how to build one,
#: a flat tuple (one allocation): its class (or, for the four that copy their
#: data, a builder) then its fields, ``(StepStarted, cid, at, step, 1, 3)``.
Record = SagaEvent | tuple[Any, ...]


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


class SagaLog:
    """The latest events of every saga an orchestrator runs, in the order they happened.

    Give one to :class:`SagaOrchestrator` (``log=``) and every event of every
    saga is recorded, however the saga goes: retries, timeouts, compensations,
    dead letters, recoveries. When nothing else watches the sagas (no sink, no
    listener, no kept events), an event is recorded as its fields only, a
    plain tuple, and built as a :class:`SagaEvent` when it is read: building
    eleven event objects per saga cost three times as much as running the saga
    (``tests/benchmarks/run_benchmarks.py --only engine``). What is read is
    exactly what a listener would have been given.

    The log is bounded, as a log pane is: beyond ``maxlen`` events the oldest
    are dropped. Recording is safe from any thread; reading takes a snapshot.

    The events hold what the steps returned: a step must not change a mapping
    after it returned it (the saga's result holds the same mappings).

    Parameters
    ----------
    maxlen
        How many events to keep (the latest); ``None`` keeps them all.
    """

    __slots__ = ("_records",)

    def __init__(self, maxlen: int | None = 10_000) -> None:
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"a saga log keeps at least one event, not {maxlen}")
        self._records: collections.deque[Record] = collections.deque(maxlen=maxlen)

    # The orchestrator's side: ``record`` is its hot path, a bound deque append.

    @property
    def record(self) -> Callable[[Record], None]:
        """Append one record (an event, or ``(build, *fields)``): for the orchestrator."""
        return self._records.append

    @property
    def maxlen(self) -> int | None:
        """How many events the log keeps (``None``: all)."""
        return self._records.maxlen

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[SagaEvent]:
        """The events, oldest first, built from a snapshot taken now."""
        for record in list(self._records):  # list(deque): one step, safe while others record
            yield _built(record)

    def events(self, correlation_id: str | None = None) -> list[SagaEvent]:
        """The events kept, oldest first; only one saga's with ``correlation_id``."""
        if correlation_id is None:
            return list(self)
        return [
            _built(record)
            for record in list(self._records)
            if (record.correlation_id if isinstance(record, SagaEvent) else record[1])
            == correlation_id
        ]

    def clear(self) -> None:
        """Forget every event."""
        self._records.clear()


def _built(record: Record) -> SagaEvent:
    if isinstance(record, SagaEvent):
        return record
    return record[0](*record[1:])  # type: ignore[no-any-return]


#: The builder of each event class recorded as fields: the class itself, or a
#: function that copies the step's data as the orchestrator does for event objects.
BUILDERS: dict[type[SagaEvent], Callable[..., SagaEvent]] = {
    SagaStarted: _saga_started,
    StepSucceeded: _step_succeeded,
    SagaCompleted: _saga_completed,
    CompensationSucceeded: _compensation_succeeded,
}
