"""Taps: the events a saga log is given, handed on to a watcher that is not a listener.

A listener makes every event commit on its own (it must only hear of stored
events) and turns a batch's commit groups off; metrics and traces want every
event too, but at the cost of a function call. A tap wraps the event sink:
the watcher hears of each event once the sink has committed it, so it never
counts an event the saga log lost, and the sink keeps staging and grouping
its commits as before.
"""

from __future__ import annotations

from collections.abc import Callable

from saga_desktop.engine import EventSink, SagaEvent
from saga_desktop.engine._recorders import StagingSink

__all__ = ["TapSink", "TappedSink", "TappedStagingSink", "tapped"]

#: Called with every event the saga log was given, in order.
Tap = Callable[[SagaEvent], None]


class TapSink:
    """A sink that only taps: no saga log, but a watcher of every event.

    Parameters
    ----------
    tap
        Called with each event.
    """

    def __init__(self, tap: Tap) -> None:
        self.tap = tap

    def append(self, event: SagaEvent) -> None:
        """Hand ``event`` to the tap."""
        self.tap(event)


class TappedSink:
    """``sink`` with ``tap`` told of each event after the sink has it.

    Parameters
    ----------
    sink
        The saga log (or any sink).
    tap
        Called with each event once ``sink`` took it.
    """

    def __init__(self, sink: EventSink, tap: Tap) -> None:
        self.sink = sink
        self.tap = tap

    def append(self, event: SagaEvent) -> None:
        """Store ``event``, then tell the tap."""
        self.sink.append(event)
        self.tap(event)


class TappedStagingSink(TappedSink):
    """A staging sink with ``tap`` told of the staged events once they are committed.

    Parameters
    ----------
    sink
        The saga log.
    staging
        The same saga log, seen as the stager it is.
    tap
        Called with each event once its commit returned.
    """

    def __init__(self, sink: EventSink, staging: StagingSink, tap: Tap) -> None:
        super().__init__(sink, tap)
        self.staging = staging
        self._staged: list[SagaEvent] = []
        # A tap that takes a commit's events at once (a metrics recorder) pays one
        # call per commit instead of one per event.
        self._many: Callable[[list[SagaEvent]], None] | None = getattr(tap, "record_many", None)

    def stage(self, event: SagaEvent) -> None:
        """Stage ``event``; the tap hears of it at the commit."""
        self.staging.stage(event)
        self._staged.append(event)

    def commit(self) -> None:
        """Commit the staged events, then tell the tap of each."""
        # Taken first: events a failed commit rolled back are never told.
        staged, self._staged = self._staged, []
        self.staging.commit()
        if not staged:
            return
        if self._many is not None:
            self._many(staged)
            return
        tap = self.tap
        for event in staged:
            tap(event)


def tapped(sink: EventSink | None, tap: Tap) -> EventSink:
    """Return ``sink`` with ``tap`` behind it (a tap alone when there is no sink).

    Parameters
    ----------
    sink
        The saga log (staging or not), or ``None``.
    tap
        Called with every event the sink took.

    Returns
    -------
    EventSink
        A sink that stages when ``sink`` does.
    """
    if sink is None:
        return TapSink(tap)
    if isinstance(sink, StagingSink):
        return TappedStagingSink(sink, sink, tap)
    return TappedSink(sink, tap)
