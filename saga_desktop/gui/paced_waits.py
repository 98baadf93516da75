"""Waits a room can see: backoff before a retry and a late reply, slowed with the speed.

The engine's waits are simulated (a :class:`~saga_desktop.engine.VirtualClock` moves
time on without waiting), so at 0.5 s per event a 0.18 s backoff or a 2 s timeout
passed unseen. In a paced run the worker's clock tells the worker of each wait; the
worker tells the window (the card counts down) and holds the saga for a time
scaled with the speed. Instant runs and batches are never held.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from saga_desktop.engine import VirtualClock

__all__ = ["PacedClock", "PacedWait", "describe_wait", "held_seconds"]

#: A wait of this many simulated seconds lasts one event's delay on screen.
_SECONDS_PER_EVENT = 0.15
#: However long the wait, it holds the run at most this many events' delays.
_MOST_EVENTS = 6.0


class PacedClock(VirtualClock):
    """A virtual clock that reports each simulated wait to ``on_sleep`` first."""

    def __init__(self, on_sleep: Callable[[float], None]) -> None:
        super().__init__()
        self._on_sleep = on_sleep

    def sleep(self, seconds: float) -> None:
        """Tell the worker (which may hold the run), then move time on."""
        self._on_sleep(seconds)
        super().sleep(seconds)


@dataclasses.dataclass(frozen=True)
class PacedWait:
    """A wait the card shows: its step, what is awaited, how long (simulated, held)."""

    step: str
    text: str
    seconds: float
    held: float
    compensation: bool = False


def held_seconds(seconds: float, delay: float) -> float:
    """Real seconds a wait of ``seconds`` holds a run paced at ``delay`` s per event."""
    if delay <= 0:
        return 0.0
    return min(seconds * delay / _SECONDS_PER_EVENT, _MOST_EVENTS * delay)


def describe_wait(last: object, seconds: float, delay: float, timeout: float) -> PacedWait | None:
    """The wait that follows event ``last`` (None when it is not one a card shows)."""
    from saga_desktop import engine

    if isinstance(last, engine.StepRetried):
        return PacedWait(
            last.step,
            f"waiting {last.delay:.1f} s before attempt {last.attempt + 1}/{last.max_attempts}",
            last.delay,
            held_seconds(last.delay, delay),
        )
    if isinstance(last, engine.CompensationRetried):
        return PacedWait(
            last.step,
            f"waiting {last.delay:.1f} s before undo attempt "
            f"{last.attempt + 1}/{last.max_attempts}",
            last.delay,
            held_seconds(last.delay, delay),
            compensation=True,
        )
    if isinstance(last, engine.StepStarted):
        # The participant did its work and has not answered: the timeout runs.
        shown = min(seconds, timeout)
        return PacedWait(
            last.step,
            f"effect applied, no reply yet: times out after {timeout:g} s",
            shown,
            held_seconds(shown, delay),
        )
    return None
