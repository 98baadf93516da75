"""Replay a recorded run in the pipeline from its events: nothing is re-executed.

Event sourcing makes this cheap: the pipeline's state after event *n* is a pure
function of the first *n* events, so stepping backwards is "reset, then apply
the first n - 1 events at once".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from saga_desktop import engine

if TYPE_CHECKING:
    from saga_desktop.engine import SagaEvent, SagaMemoryQueue

__all__ = ["ReplayController", "response_from_events", "what_is_left"]


def response_from_events(events: Sequence[SagaEvent]) -> dict[str, Any]:
    """A summary of a recorded run in the shape of the guide's response object.

    Used for runs read back from the saga log or a run file, where the
    original response object is not at hand.
    """
    queue = engine.SagaMemoryQueue.from_events(events)
    cid = events[0].correlation_id if events else ""
    end = next(
        (
            e
            for e in reversed(events)
            if isinstance(e, engine.SagaCompleted | engine.SagaCompensated)
        ),
        None,
    )
    response: dict[str, Any] = {
        "success": isinstance(end, engine.SagaCompleted),
        "correlation_id": cid,
        "outcome": queue.outcome.value,
        "steps_completed": len(queue.completed),
        "total_steps": len(queue.statuses),
    }
    if isinstance(end, engine.SagaCompleted):
        confirm = end.results.get("CONFIRM_BOOKING", {})
        response["booking_reference"] = confirm.get("booking_reference")
    elif isinstance(end, engine.SagaCompensated):
        response["failed_step"] = end.failed_step
        response["error"] = end.error
        results = [{"step": name, "success": True} for name in end.compensated]
        results += [{"step": name, "success": False} for name in end.dead_letters]
        response["compensation_result"] = {
            "total_compensations": len(results),
            "successful_compensations": len(end.compensated),
            "results": results,
        }
        response["dead_letters"] = list(end.dead_letters)
    else:
        response["failed_step"] = None
        response["error"] = "the run was interrupted (the orchestrator crashed)"
        response["compensation_result"] = {
            "total_compensations": 0,
            "successful_compensations": 0,
            "results": [],
        }
    return response


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
