"""The figures of a saga log read back: what ``saga-desktop metrics`` prints."""

from __future__ import annotations

from saga_desktop.engine import SqliteEventStore
from saga_desktop.monitoring._recorder import MetricsRecorder

__all__ = ["PAGE", "record_history"]

#: Events read at a time: a log of ten million events is counted in bounded memory.
PAGE = 10_000


def record_history(
    store: SqliteEventStore,
    recorder: MetricsRecorder | None = None,
    *,
    after: int = 0,
    until: int | None = None,
) -> tuple[MetricsRecorder, int]:
    """Count every event of ``store`` after number ``after`` into ``recorder``.

    Parameters
    ----------
    store
        The durable saga log.
    recorder
        Counts the events (a new one when omitted).
    after
        The number of the last event already counted (0: the whole log).
    until
        Count no event numbered above this (those the recorder heard of live).

    Returns
    -------
    tuple
        The recorder and the number of the last event counted (pass it back as
        ``after`` to count only what was written since).

    Raises
    ------
    EventStoreError
        When the log cannot be read.
    """
    recorder = recorder if recorder is not None else MetricsRecorder()
    while True:
        page = store.events_after(after, PAGE)
        for seq, event in page:
            if until is not None and seq > until:
                return recorder, after
            recorder(event)
            after = seq
        if len(page) < PAGE:
            return recorder, after
