"""One method per event type: the way events are handled, instead of ``isinstance`` chains.

Subclass :class:`EventHandler`, override the ``on_<event>`` methods of the
events you care about, and give it events with :meth:`EventHandler.handle`.
A new event type is added to ``EVENT_TYPES`` and gets a method here; the test
of this module fails until it has one, and mypy checks every override.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from saga_desktop.engine._events import (
    EVENT_TYPES,
    CompensationFailed,
    CompensationRetried,
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
    StepRetried,
    StepStarted,
    StepSucceeded,
)

__all__ = ["HANDLER_NAMES", "EventHandler", "handler_name"]


def handler_name(event_type: type[SagaEvent]) -> str:
    """The method that handles ``event_type``: ``StepStarted`` → ``on_step_started``."""
    return "on_" + re.sub(r"(?<!^)(?=[A-Z])", "_", event_type.__name__).lower()


#: Each event type's handler method, by type.
HANDLER_NAMES: Mapping[type[SagaEvent], str] = {
    cls: handler_name(cls) for cls in EVENT_TYPES.values()
}


class EventHandler:
    """Handles each event type in a method of its own; every method does nothing here.

    :meth:`handle` finds the method by the event's exact type, in one dict
    lookup, so a handler costs the same however many event types there are.
    """

    __slots__ = ()

    def handle(self, event: SagaEvent) -> None:
        """Pass ``event`` to the method for its type (``on_<event type>``)."""
        getattr(self, HANDLER_NAMES[type(event)])(event)

    def handle_all(self, events: Iterable[SagaEvent]) -> None:
        """Pass each of ``events`` to its method, in order."""
        names, handle = HANDLER_NAMES, getattr
        for event in events:
            handle(self, names[type(event)])(event)

    def on_saga_started(self, event: SagaStarted) -> None:
        """A saga began."""

    def on_step_started(self, event: StepStarted) -> None:
        """An attempt at a step began."""

    def on_step_succeeded(self, event: StepSucceeded) -> None:
        """A step succeeded."""

    def on_step_retried(self, event: StepRetried) -> None:
        """A step's attempt failed; another follows."""

    def on_step_failed(self, event: StepFailed) -> None:
        """A step failed for good."""

    def on_compensation_triggered(self, event: CompensationTriggered) -> None:
        """Compensation begins."""

    def on_compensation_started(self, event: CompensationStarted) -> None:
        """An attempt at an undo began."""

    def on_compensation_succeeded(self, event: CompensationSucceeded) -> None:
        """A step was undone."""

    def on_compensation_retried(self, event: CompensationRetried) -> None:
        """An undo's attempt failed; another follows."""

    def on_compensation_failed(self, event: CompensationFailed) -> None:
        """An undo failed on its last attempt."""

    def on_dead_lettered(self, event: DeadLettered) -> None:
        """Something that kept failing was parked in the dead-letter queue."""

    def on_dead_letter_resolved(self, event: DeadLetterResolved) -> None:
        """A dead letter left the queue."""

    def on_saga_completed(self, event: SagaCompleted) -> None:
        """Every step succeeded."""

    def on_saga_compensated(self, event: SagaCompensated) -> None:
        """The saga failed and compensation ended."""
