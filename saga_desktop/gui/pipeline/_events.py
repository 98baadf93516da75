"""From saga events to the pipeline's cards: what each event does to the view.

``show_event`` moves the cards; ``PipelineFrame`` gathers a frame's worth of such
moves and applies each card's last state once (replaying a saga card by card
would restyle every card per event).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from saga_desktop import engine

if TYPE_CHECKING:
    from saga_desktop.engine import SagaEvent
    from saga_desktop.gui.pipeline._view import PipelineView

__all__ = ["PipelineFrame", "show_event"]


class _Stage(Protocol):
    """What ``show_event`` moves: the pipeline itself, or a frame gathered for it."""

    def reset(self) -> None: ...
    def set_step_status(self, name: str, status: str) -> None: ...
    def set_attempt(self, name: str, attempt: int, max_attempts: int) -> None: ...
    def set_note(self, name: str, text: str) -> None: ...
    def set_compensating(self, active: bool) -> None: ...


class PipelineFrame:
    """Where a frame's events leave the pipeline, applied to it in one go.

    Replaying a whole saga card by card costs a restyle per status; a frame sets
    each card once, to its last status, and leaves unchanged cards alone.
    """

    def __init__(self) -> None:
        self._reset = False
        # Insertion order is the order of the last change: the token ends where it should.
        self._statuses: dict[str, str] = {}
        self._attempts: dict[str, tuple[int, int]] = {}
        self._notes: dict[str, str] = {}
        self._compensating: bool | None = None

    def reset(self) -> None:
        self._reset = True
        self._statuses.clear()
        self._attempts.clear()
        self._notes.clear()
        self._compensating = False

    def set_step_status(self, name: str, status: str) -> None:
        self._statuses.pop(name, None)
        self._statuses[name] = status

    def set_attempt(self, name: str, attempt: int, max_attempts: int) -> None:
        self._attempts[name] = (attempt, max_attempts)

    def set_note(self, name: str, text: str) -> None:
        self._notes[name] = text

    def set_compensating(self, active: bool) -> None:
        self._compensating = active

    def apply(self, pipeline: PipelineView) -> None:
        cards = pipeline.cards()
        if self._reset:
            for name in cards:
                self._attempts.setdefault(name, (0, 0))
                self._notes.setdefault(name, "")
            untouched = {name: "PENDING" for name in cards if name not in self._statuses}
            self._statuses = untouched | self._statuses
        for name, status in self._statuses.items():
            if cards[name].shown_look() != status:
                pipeline.set_step_status(name, status)
        for name, (attempt, max_attempts) in self._attempts.items():
            pipeline.set_attempt(name, attempt, max_attempts)
        for name, text in self._notes.items():
            if cards[name].note() != text:
                pipeline.set_note(name, text)
        if self._compensating is not None:
            pipeline.set_compensating(self._compensating)


def _show_attempt(pipeline: _Stage, step: str, attempt: int, max_attempts: int) -> None:
    # A first attempt needs no counter; a retry shows "attempt 2/3".
    pipeline.set_attempt(step, attempt, max_attempts if attempt > 1 else 1)


def show_event(pipeline: _Stage, event: SagaEvent) -> None:
    """Move the pipeline's cards to where ``event`` leaves them (view only)."""
    if isinstance(event, engine.SagaStarted):
        pipeline.reset()
    elif isinstance(event, engine.StepStarted):
        pipeline.set_step_status(event.step, "EXECUTING")
        _show_attempt(pipeline, event.step, event.attempt, event.max_attempts)
    elif isinstance(event, engine.StepRetried):
        # A wait, not work: the card says what it waits for (and counts down when paced).
        pipeline.set_step_status(event.step, "WAITING")
        pipeline.set_note(
            event.step,
            f"waiting {event.delay:.1f} s before attempt {event.attempt + 1}/{event.max_attempts}",
        )
    elif isinstance(event, engine.StepSucceeded):
        pipeline.set_note(event.step, "")
        pipeline.set_step_status(event.step, "COMPLETED")
    elif isinstance(event, engine.StepFailed):
        # A late reply is not a refusal: its effect may be there, so it is undone too.
        pipeline.set_step_status(event.step, "TIMED_OUT" if event.timed_out else "FAILED")
        pipeline.set_note(event.step, "no reply in time: effect undone" if event.timed_out else "")
    elif isinstance(event, engine.CompensationTriggered):
        pipeline.set_compensating(bool(event.steps))
    elif isinstance(event, engine.CompensationStarted):
        pipeline.set_step_status(event.step, "COMPENSATING")
        _show_attempt(pipeline, event.step, event.attempt, event.max_attempts)
    elif isinstance(event, engine.CompensationRetried):
        pipeline.set_step_status(event.step, "UNDO_WAITING")
        pipeline.set_note(
            event.step,
            f"waiting {event.delay:.1f} s before undo attempt "
            f"{event.attempt + 1}/{event.max_attempts}",
        )
    elif isinstance(event, engine.CompensationSucceeded):
        pipeline.set_note(event.step, "")
        pipeline.set_step_status(event.step, "COMPENSATED")
    elif isinstance(event, engine.CompensationFailed):
        pipeline.set_step_status(event.step, "UNDO_FAILED")
        pipeline.set_note(event.step, "the undo failed")
    elif isinstance(event, engine.DeadLettered):
        pipeline.set_note(event.step, "dead-lettered")
    elif isinstance(event, engine.SagaCompleted | engine.SagaCompensated):
        pipeline.set_compensating(False)
