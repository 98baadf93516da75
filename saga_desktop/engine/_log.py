"""An in-memory saga log that records events compactly and builds them when read.

What the log keeps are entries, each an event or a tuple:

* an event already built (a saga somebody else watches too);
* ``(correlation_id, entries)``: a saga that only the log watches, from its
  start, each event kept as its type, time and fields by a
  :func:`~saga_desktop.engine._recorders.compact_recorder` and built when read.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from typing import Any

from saga_desktop.engine._events import SagaEvent
from saga_desktop.engine._recorders import unpack

__all__ = ["SagaLog"]

#: An entry of the log (see the module): an event, or a compactly recorded saga.
Record = SagaEvent | tuple[Any, ...]


class SagaLog:
    """The latest events of every saga an orchestrator runs.

    Give one to :class:`SagaOrchestrator` (``log=``) and every event of every
    saga is recorded, however the saga goes: retries, timeouts, compensations,
    dead letters, recoveries. What is read is exactly what a listener would
    have been given, event for event.

    When nothing else watches the sagas (no sink, no listener, no kept
    events), each saga is recorded as one entry from its start, its events
    kept as their fields and built when they are read: building eleven event
    objects per saga, and keeping them, cost three times as much as running
    the saga (``tests/benchmarks/run_benchmarks.py --only engine``). So such a
    saga's events are together in the log, and sagas run in several threads at
    once appear in the order they start. Otherwise each event is recorded as
    it happens, as one entry.

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
            len(unpack(*record)) if isinstance(record, tuple) else 1
            for record in list(self._records)
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
            if (record[0] if isinstance(record, tuple) else record.correlation_id) == correlation_id
            for event in _built(record)
        ]

    def clear(self) -> None:
        """Forget every event."""
        self._records.clear()


def _built(record: Record) -> list[SagaEvent]:
    if isinstance(record, SagaEvent):
        return [record]
    return unpack(*record)
