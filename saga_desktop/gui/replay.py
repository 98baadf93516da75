"""Replay a recorded run in the pipeline from its events: nothing is re-executed.

Event sourcing makes this cheap: the pipeline's state after event *n* is a pure
function of the first *n* events, so stepping backwards is "reset, then apply
the first n - 1 events at once".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from saga_desktop import engine
from saga_desktop.gui.moment import response_from_events

if TYPE_CHECKING:
    from saga_desktop.engine import SagaEvent, SagaMemoryQueue

__all__ = ["ReplayController", "response_from_events", "what_is_left"]


def what_is_left(queue: SagaMemoryQueue) -> str:
    """One line for the "what is left" lane: steps still to run, and what a failure would undo."""
    if queue.correlation_id is None:
        return ""
    if queue.outcome.value != "RUNNING":
        return f"Saga ended: {queue.outcome.value.replace('_', ' ').lower()}."
    ahead = [*([queue.executing] if queue.executing else []), *queue.pending]
    undo = [engine.compensation_name(step) for step in reversed(queue.compensation_stack)]
    if queue.compensating or (queue.failed and not queue.executing):
        return "Compensating. Still to undo: " + (" → ".join(undo) or "nothing")
    return (
        "Still to run: "
        + (" → ".join(ahead) or "nothing")
        + "   ·   If the next step fails, undo: "
        + (" → ".join(undo) or "nothing")
    )


class ReplayController(QObject):
    """Steps through a recorded run's events, forwards and backwards, at a pace.

    Parameters
    ----------
    show
        Called with the events to apply in order (the pipeline follows them);
        :attr:`position` already counts them.
    reset
        Called before replaying from the start (or stepping back).
    """

    #: (events shown, events in all)
    position_changed = Signal(int, int)
    #: The replay reached its last event.
    finished = Signal()

    def __init__(
        self,
        show: Callable[[Sequence[SagaEvent]], None],
        reset: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        self._reset = reset
        self._events: list[SagaEvent] = []
        self._position = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.interval_ms = 600

    @property
    def position(self) -> int:
        """How many events are shown."""
        return self._position

    @property
    def length(self) -> int:
        """How many events the run has."""
        return len(self._events)

    @property
    def shown(self) -> list[SagaEvent]:
        """The events shown so far, oldest first."""
        return self._events[: self._position]

    def load(self, events: Sequence[SagaEvent], *, at_end: bool = False) -> None:
        """Take a new run and show its start (or, with ``at_end``, all of it)."""
        self.pause()
        self._events = list(events)
        self.seek(self.length if at_end else 0)

    def set_interval(self, ms: int) -> None:
        """Time between two events while playing (0: as fast as the window paints)."""
        self.interval_ms = max(0, ms)
        if self._timer.isActive():
            self._timer.start(self.interval_ms)

    @Slot()
    def play(self) -> None:
        """Advance by itself from where it is (from the start if it is at the end)."""
        if not self._events:
            return
        if self._position >= self.length:
            self.seek(0)
        self._timer.start(self.interval_ms)

    @Slot()
    def pause(self) -> None:
        """Stop advancing, keep the position."""
        self._timer.stop()

    @Slot()
    def step_forward(self) -> None:
        """Show one more event."""
        if self._position < self.length:
            self._position += 1
            self._show(self._events[self._position - 1 : self._position])
            self.position_changed.emit(self._position, self.length)
        if self._position >= self.length:
            self._timer.stop()
            self.finished.emit()

    @Slot()
    def step_back(self) -> None:
        """Show one event less."""
        self.seek(max(0, self._position - 1))

    def seek(self, position: int) -> None:
        """Show exactly the first ``position`` events."""
        position = max(0, min(position, self.length))
        self._reset()
        self._position = position
        if position:
            self._show(self._events[:position])
        self.position_changed.emit(position, self.length)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.step_forward()
