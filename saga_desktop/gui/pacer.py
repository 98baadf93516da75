"""Speed, pause, single step, breakpoints and cancel, shared by the window and the worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from saga_desktop import engine

if TYPE_CHECKING:
    from saga_desktop.engine import SagaEvent

__all__ = ["INSTANT", "Pacer"]

#: The pacer's delay that means "do not slow down at all".
INSTANT = 0.0


class Pacer:
    """Speed, pause, single step and cancel, shared by the window and the worker.

    The worker calls :meth:`wait` after every event; the window sets the delay,
    pauses, steps and cancels from its own thread. A condition variable wakes
    the worker at once when anything changes, so a pause or a speed change
    takes effect mid-wait.
    """

    def __init__(self, delay: float = 0.6) -> None:
        self._condition = threading.Condition()
        self._delay = delay
        self._paused = False
        self._steps = 0
        self._before_run: frozenset[str] = frozenset()
        self._before_compensation: frozenset[str] = frozenset()
        self.cancelled = threading.Event()
        #: Set to stop a batch between two sagas (closing the window sets it too).
        self.batch_cancelled = threading.Event()

    def set_breakpoints(
        self, before_run: Iterable[str], before_compensation: Iterable[str]
    ) -> None:
        """Steps to pause before they run, and before they are compensated."""
        with self._condition:
            self._before_run = frozenset(before_run)
            self._before_compensation = frozenset(before_compensation)

    def breakpoint_for(self, event: SagaEvent) -> str | None:
        """The breakpoint ``event`` hits, said in words, or None.

        A step's first ``StepStarted`` comes before its action runs, and a
        ``CompensationStarted`` before its undo: pausing there pauses *before*.
        """
        if self.cancelled.is_set():
            return None
        if isinstance(event, engine.StepStarted) and event.attempt == 1:
            if event.step in self._before_run:
                return f"before {event.step} runs"
        elif (
            isinstance(event, engine.CompensationStarted)
            and event.attempt == 1
            and event.step in self._before_compensation
        ):
            return f"before {event.step} is compensated"
        return None

    @property
    def delay(self) -> float:
        """Seconds between two events (0 is Instant)."""
        return self._delay

    @property
    def instant(self) -> bool:
        """True when nothing is slowed down (Instant speed, or cancelled)."""
        return (self._delay <= INSTANT and not self._paused) or self.cancelled.is_set()

    @property
    def paused(self) -> bool:
        """True while paused."""
        return self._paused

    def set_delay(self, seconds: float) -> None:
        """Change the pace; a wait in progress is shortened or lengthened at once."""
        with self._condition:
            self._delay = max(0.0, seconds)
            self._condition.notify_all()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume."""
        with self._condition:
            self._paused = paused
            self._steps = 0
            self._condition.notify_all()

    def step(self) -> None:
        """While paused, let exactly one more event through."""
        with self._condition:
            self._steps += 1
            self._condition.notify_all()

    def cancel(self) -> None:
        """Stop slowing down for good: the current saga finishes at full speed."""
        self.cancelled.set()
        self.batch_cancelled.set()
        with self._condition:
            self._condition.notify_all()

    def wait(self, seconds: float | None = None) -> None:
        """Block the worker for one event's worth of pacing (or ``seconds``: a wait shown)."""
        with self._condition:
            hold = self._delay if seconds is None else seconds
            deadline = time.monotonic() + hold
            while not self.cancelled.is_set():
                if self._paused:
                    if self._steps:
                        self._steps -= 1
                        return
                    self._condition.wait()
                    # A resume restarts the delay, so the next event does not rush in.
                    deadline = time.monotonic() + hold
                    continue
                # A faster speed shortens an event's wait at once; a shown wait keeps its own.
                soonest = time.monotonic() + self._delay if seconds is None else deadline
                remaining = min(deadline, soonest) - time.monotonic()
                if remaining <= 0:
                    return
                self._condition.wait(remaining)
