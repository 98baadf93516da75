"""The handler protocol: one method per event type, found by the event's type."""

from __future__ import annotations

from engine_helpers import CID, FakeClock, scripted_saga

from saga_desktop.engine import (
    EVENT_TYPES,
    EventHandler,
    SagaEvent,
    SagaOrchestrator,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.engine._handlers import HANDLER_NAMES, handler_name


def test_every_event_type_has_its_own_handler_method():
    # A new event type fails here until EventHandler has a method for it.
    assert set(HANDLER_NAMES) == set(EVENT_TYPES.values())
    for cls in EVENT_TYPES.values():
        assert callable(getattr(EventHandler, handler_name(cls)))
    assert handler_name(StepStarted) == "on_step_started"
    assert len(set(HANDLER_NAMES.values())) == len(EVENT_TYPES)


class _Counter(EventHandler):
    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_step_started(self, event: StepStarted) -> None:
        self.seen.append(f"started {event.step}")

    def on_step_succeeded(self, event: StepSucceeded) -> None:
        self.seen.append(f"done {event.step}")


def test_a_handler_gets_each_event_in_the_method_for_its_type_and_ignores_the_rest():
    clock = FakeClock()
    events: list[SagaEvent] = []
    SagaOrchestrator(
        scripted_saga(["ok", "ok"], clock, []), listeners=[events.append], clock=clock
    ).run(correlation_id=CID)
    counter = _Counter()

    counter.handle_all(events)
    counter.handle(events[1])

    assert counter.seen == ["started S1", "done S1", "started S2", "done S2", "started S1"]
