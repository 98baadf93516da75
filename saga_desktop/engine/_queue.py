"""The guide's memory queue, kept as a projection of the saga's events.

Anybody who shows a saga (the window, a replay, a test) rebuilds its queue from
the saga log with :class:`SagaMemoryQueue`: there is one way to say what a
saga's queue looks like. The orchestrator itself keeps only the two parts it
acts on (the completed steps and the compensation stack), so that a saga nobody
watches costs no events at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from saga_desktop.engine._events import (
    CompensationFailed,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    DeadLetterResolved,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.engine._handlers import EventHandler
from saga_desktop.engine._status import SagaOutcome, StepStatus

__all__ = ["SagaMemoryQueue"]


class SagaMemoryQueue(EventHandler):
    """Pending, executing, completed and failed steps, and the compensation stack.

    Attributes
    ----------
    pending
        Steps not yet started, next first.
    executing
        The step being executed, if any.
    completed
        Steps that completed, in order.
    failed
        Steps that failed.
    compensation_stack
        Steps whose compensation would run on failure; the last one runs first.
    compensating
        The step being compensated, if any.
    compensated
        Steps that were undone, in the order they were undone.
    dead_letters
        Steps whose compensation was parked in the dead-letter queue.
    statuses
        Each step's :class:`StepStatus`.
    outcome
        How the saga ended so far.
    """

    __slots__ = (
        "compensated",
        "compensating",
        "compensation_stack",
        "completed",
        "correlation_id",
        "dead_letters",
        "executing",
        "failed",
        "outcome",
        "pending",
        "statuses",
    )

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.correlation_id: str | None = None
        self.pending: deque[str] = deque()
        self.executing: str | None = None
        self.completed: list[str] = []
        self.failed: list[str] = []
        self.compensation_stack: list[str] = []
        self.compensating: str | None = None
        self.compensated: list[str] = []
        self.dead_letters: list[str] = []
        self.statuses: dict[str, StepStatus] = {}
        self.outcome = SagaOutcome.RUNNING

    @classmethod
    def from_events(cls, events: Iterable[SagaEvent]) -> SagaMemoryQueue:
        """Rebuild the queue of a saga from its events.

        Parameters
        ----------
        events
            The saga's events, oldest first.

        Returns
        -------
        SagaMemoryQueue
            The state after the last event.
        """
        queue = cls()
        for event in events:
            queue.apply(event)
        return queue

    def apply(self, event: SagaEvent) -> None:
        """Advance the queue by one event (through its ``on_<event>`` method)."""
        self.handle(event)

    def on_saga_started(self, event: SagaStarted) -> None:
        self._reset()
        self.correlation_id = event.correlation_id
        self.pending.extend(event.steps)
        self.statuses = dict.fromkeys(event.steps, StepStatus.PENDING)

    def on_step_started(self, event: StepStarted) -> None:
        if self.pending and self.pending[0] == event.step:
            self.pending.popleft()
        self.executing = event.step
        self.statuses[event.step] = StepStatus.EXECUTING

    def on_step_succeeded(self, event: StepSucceeded) -> None:
        self.executing = None
        self.completed.append(event.step)
        self.compensation_stack.append(event.step)
        self.statuses[event.step] = StepStatus.COMPLETED

    def on_step_failed(self, event: StepFailed) -> None:
        self.executing = None
        self.failed.append(event.step)
        self.statuses[event.step] = StepStatus.FAILED
        if event.timed_out:
            # The effect may have happened: it has to be undone like a completed step.
            self.compensation_stack.append(event.step)

    def on_compensation_triggered(self, event: CompensationTriggered) -> None:
        # The stack is popped from its end, so the first step to undo goes last.
        self.compensation_stack = list(reversed(event.steps))

    def on_compensation_started(self, event: CompensationStarted) -> None:
        if self.compensation_stack and self.compensation_stack[-1] == event.step:
            self.compensation_stack.pop()
        self.compensating = event.step
        self.statuses[event.step] = StepStatus.COMPENSATING

    def on_compensation_succeeded(self, event: CompensationSucceeded) -> None:
        self.compensating = None
        self.compensated.append(event.step)
        self.statuses[event.step] = StepStatus.COMPENSATED
        if event.step in self.dead_letters:
            self.dead_letters.remove(event.step)

    def on_compensation_failed(self, event: CompensationFailed) -> None:
        # The attempt is over; a retried dead letter that fails again has no DeadLettered.
        self.compensating = None
        self.statuses[event.step] = StepStatus.FAILED

    def on_dead_lettered(self, event: DeadLettered) -> None:
        self.compensating = None
        self.dead_letters.append(event.step)
        self.statuses[event.step] = StepStatus.FAILED

    def on_dead_letter_resolved(self, event: DeadLetterResolved) -> None:
        if event.step in self.dead_letters:
            self.dead_letters.remove(event.step)
        if not self.dead_letters and self.outcome is SagaOutcome.DEAD_LETTERED:
            self.outcome = SagaOutcome.COMPENSATED

    def on_saga_completed(self, event: SagaCompleted) -> None:
        self.outcome = SagaOutcome.COMPLETED

    def on_saga_compensated(self, event: SagaCompensated) -> None:
        self.compensating = None
        self.outcome = SagaOutcome.DEAD_LETTERED if event.dead_letters else SagaOutcome.COMPENSATED

    def status(self) -> dict[str, Any]:
        """Return a snapshot of the queue as plain data (the guide's status tracking)."""
        return {
            "correlation_id": self.correlation_id,
            "outcome": self.outcome.value,
            "pending": list(self.pending),
            "executing": self.executing,
            "completed": list(self.completed),
            "failed": list(self.failed),
            "compensation_queue": list(reversed(self.compensation_stack)),
            "compensating": self.compensating,
            "compensated": list(self.compensated),
            "dead_letters": list(self.dead_letters),
            "statuses": {name: status.value for name, status in self.statuses.items()},
        }
