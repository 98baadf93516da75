"""Plain-language captions for presenter mode — the one place they are written.

A caption tells a room what an event means, in words, where the log line
(:func:`saga_desktop.engine.describe`) tells an engineer what happened. Both
come from the same event, so they never disagree. The booking's four steps get
their own words; any other step is named as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from saga_desktop.booking._sagawords import SpecWords
from saga_desktop.booking._spec import SagaSpec
from saga_desktop.booking._steps import SAGA_NAME, STEP_NAMES, STEP_TEXTS
from saga_desktop.engine import (
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

__all__ = ["caption", "captions"]


# -- the booking's words, step by step ---------------------------------------------------

_SERVICE = {
    "RESERVE_SEAT": "the seat service",
    "DEDUCT_LOYALTY_POINTS": "the loyalty service",
    "PROCESS_PAYMENT": "the payment service",
    "CONFIRM_BOOKING": "the booking service",
}
#: What the step does, as a request: "The orchestrator asks the seat service to …".
_REQUEST = {
    "RESERVE_SEAT": "to hold a seat for {passengers}",
    "DEDUCT_LOYALTY_POINTS": "to take {points} from the customer for a discount",
    "PROCESS_PAYMENT": "to charge the fare",
    "CONFIRM_BOOKING": "to confirm the booking and issue a reference",
}
#: The step's failure, as a sentence.
_FAILED = {
    "RESERVE_SEAT": "No seat could be held",
    "DEDUCT_LOYALTY_POINTS": "The loyalty points could not be taken",
    "PROCESS_PAYMENT": "The payment was refused",
    "CONFIRM_BOOKING": "The booking could not be confirmed",
}
#: What a late reply leaves unknown: "cannot know whether …".
_UNKNOWN = {
    "RESERVE_SEAT": "the seat was held",
    "DEDUCT_LOYALTY_POINTS": "the points were taken",
    "PROCESS_PAYMENT": "the payment went through",
    "CONFIRM_BOOKING": "the booking was confirmed",
}
#: The step's undo, as it happens: "… newest first: the seat is released".
_UNDONE = {
    "RESERVE_SEAT": "the seat is released",
    "DEDUCT_LOYALTY_POINTS": "the loyalty points go back to the customer",
    "PROCESS_PAYMENT": "the payment is refunded",
    "CONFIRM_BOOKING": "the booking is cancelled",
}
#: The undo as a request: "The orchestrator asks the seat service to …".
_UNDO_REQUEST = {
    "RESERVE_SEAT": "to release the seat",
    "DEDUCT_LOYALTY_POINTS": "to give the loyalty points back",
    "PROCESS_PAYMENT": "to refund the payment",
    "CONFIRM_BOOKING": "to cancel the booking",
}
#: The undo as a subject: "Releasing the seat failed …".
_UNDOING = {
    "RESERVE_SEAT": "Releasing the seat",
    "DEDUCT_LOYALTY_POINTS": "Giving the loyalty points back",
    "PROCESS_PAYMENT": "Refunding the payment",
    "CONFIRM_BOOKING": "Cancelling the booking",
}
#: What the step did, as a noun: "The seat reservation could not be undone".
_DEED = {
    "RESERVE_SEAT": "The seat reservation",
    "DEDUCT_LOYALTY_POINTS": "The loyalty points deduction",
    "PROCESS_PAYMENT": "The payment",
    "CONFIRM_BOOKING": "The booking",
}
_BACK = {
    "RESERVE_SEAT": "The seat is released.",
    "DEDUCT_LOYALTY_POINTS": "The loyalty points are back with the customer.",
    "PROCESS_PAYMENT": "The payment is refunded.",
    "CONFIRM_BOOKING": "The booking is cancelled.",
}


def _seconds(value: float) -> str:
    """``0.2``, ``0.21``, ``3``: as precise as the log line, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _money(value: object) -> str | None:
    """``490.00`` for an amount read from a result; None when it is no sensible amount."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or abs(value) >= 1e15:
        return None
    return f"{value:.2f}"


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"


def _then(parts: Sequence[str]) -> str:
    return ", then ".join(parts)


class _BookingWords:
    """The flight booking's own words for its steps (any other step is named as it is)."""

    def saga_kind(self, saga_name: str) -> str:
        return "booking saga" if saga_name == SAGA_NAME else f"{saga_name} saga"

    def title(self, step: str) -> str:
        """``reserve seat`` for a booking step; the name itself for any other."""
        text = STEP_TEXTS.get(step)
        return text.title.lower() if text is not None else step

    def ask(self, step: str, story: _Story) -> str | None:
        if step not in _REQUEST:
            return None
        request = _REQUEST[step].format(passengers=story.passengers(), points=story.points())
        return f"asks {_SERVICE[step]} {request}"

    def ask_undo(self, step: str) -> str | None:
        if step not in _UNDO_REQUEST:
            return None
        return f"asks {_SERVICE[step]} {_UNDO_REQUEST[step]}"

    def service(self, step: str) -> str:
        return _SERVICE.get(step, f"step {step}")

    def failed(self, step: str) -> str:
        return _FAILED.get(step, f"Step {step} failed")

    def unknown(self, step: str) -> str:
        return _UNKNOWN.get(step, f"step {step} took effect")

    def undone(self, step: str) -> str:
        return _UNDONE.get(step, f"{step} is undone")

    def deed(self, step: str) -> str:
        return _DEED.get(step, f"Step {step}")

    def undoing(self, step: str) -> str:
        return _UNDOING.get(step, f"Undoing {step}")

    def back(self, step: str) -> str:
        return _BACK.get(step, f"Step {step} is undone.")

    def done(self, step: str, result: Mapping[str, Any]) -> str:
        return _booking_done(step, result)


# -- what the saga's history tells --------------------------------------------------------


class _Story:
    """What the earlier events of the same saga say (all optional)."""

    def __init__(
        self, event: SagaEvent, history: Sequence[SagaEvent], spec: SagaSpec | None = None
    ) -> None:
        self.words: _BookingWords | SpecWords = (
            SpecWords(spec) if spec is not None and spec.world is None else _BookingWords()
        )
        own = [e for e in history if e.correlation_id == event.correlation_id]
        self.known = bool(own)
        started = next((e for e in own if isinstance(e, SagaStarted)), None)
        self.saga_name = started.saga_name if started is not None else None
        self.steps: tuple[str, ...] = started.steps if started is not None else ()
        self.payload: Mapping[str, Any] = started.payload if started is not None else {}
        undone = {e.step for e in own if isinstance(e, CompensationSucceeded | DeadLettered)}
        self.completed = [
            e.step for e in own if isinstance(e, StepSucceeded) and e.step not in undone
        ]
        self.timed_out = {e.step for e in own if isinstance(e, StepFailed) and e.timed_out}

    def is_booking(self, *steps: str | None) -> bool:
        """True when the saga is the booking (or, not knowing, its steps are)."""
        if self.saga_name is not None:
            return self.saga_name == SAGA_NAME
        named = [step for step in steps if step is not None]
        return bool(named) and all(step in STEP_TEXTS for step in named)

    def is_last(self, step: str) -> bool | None:
        order = self.steps or (STEP_NAMES if step in STEP_NAMES else ())
        return (order[-1] == step) if order else None

    def passengers(self) -> str:
        people = self.payload.get("passengers")
        count = len(people) if isinstance(people, list | tuple) else 1
        return "the passenger" if count == 1 else f"the {count} passengers"

    def points(self) -> str:
        points = self.payload.get("loyalty_points_to_use")
        if isinstance(points, int) and not isinstance(points, bool) and points > 0:
            return f"{points} loyalty points"
        return "loyalty points"


def _undo_plan(story: _Story) -> str:
    """The sentence that says what will be undone, newest first."""
    steps = list(reversed(story.completed))
    if not story.known:
        return "The orchestrator now undoes whatever completed before it, newest first."
    if not steps:
        return "Nothing was done before it, so there is nothing to undo."
    if len(steps) == 1:
        return f"The orchestrator now undoes the completed step: {story.words.undone(steps[0])}."
    order = _then([story.words.undone(step) for step in steps])
    return f"The orchestrator now undoes the completed steps, newest first: {order}."


# -- one caption per event type -----------------------------------------------------------


def _saga_started(e: SagaStarted, story: _Story) -> str:
    names = ", ".join(story.words.title(step) for step in e.steps)
    kind = story.words.saga_kind(e.saga_name)
    if not e.steps:
        return f"A new {kind} begins, with no steps to run."
    return (
        f"A new {kind} begins: {len(e.steps)} step{'s' if len(e.steps) != 1 else ''} will run "
        f"one after another ({names}). If one fails, the ones done before it are undone."
    )


def _ask(step: str, story: _Story) -> str:
    return story.words.ask(step, story) or f"runs the step {step}"


def _step_started(e: StepStarted, story: _Story) -> str:
    if e.attempt == 1:
        return f"The orchestrator {_ask(e.step, story)}."
    return f"Try {e.attempt} of {e.max_attempts}: the orchestrator {_ask(e.step, story)} again."


def _booking_done(step: str, r: Mapping[str, Any]) -> str:
    """What a completed booking step did, in a sentence."""
    if step == "RESERVE_SEAT":
        seats = r.get("seat_ids")
        if isinstance(seats, list) and seats and all(isinstance(s, str) for s in seats):
            shown = ", ".join(seats)
            return f"Seats {shown} are held." if len(seats) > 1 else f"Seat {shown} is held."
        return "The seat is held."
    if step == "DEDUCT_LOYALTY_POINTS":
        points, discount = r.get("points_deducted"), _money(r.get("discount_applied"))
        if points == 0:
            return "No loyalty points were asked for, so none are taken."
        if isinstance(points, int) and discount is not None:
            return f"{points} points are taken from the customer, for a discount of {discount}."
        return "The loyalty points are taken."
    if step == "PROCESS_PAYMENT":
        amount = _money(r.get("amount"))
        return f"The payment of {amount} went through." if amount else "The payment went through."
    if step == "CONFIRM_BOOKING":
        reference = r.get("booking_reference")
        return (
            f"The booking is confirmed with reference {reference}."
            if isinstance(reference, str)
            else "The booking is confirmed."
        )
    return f"Step {step} is done."


def _step_succeeded(e: StepSucceeded, story: _Story) -> str:
    done = story.words.done(e.step, e.result)
    if e.attempt > 1:
        done = f"{done[:-1]}, on try {e.attempt}."
    if story.is_last(e.step) is not True:
        # Telling the room now why the undo list grows makes the rollback obvious later.
        done += " The orchestrator remembers how to undo it, in case a later step fails."
    return done


def _step_retried(e: StepRetried, story: _Story) -> str:
    what = story.words.failed(e.step)
    return (
        f"{what} this time (try {e.attempt} of {e.max_attempts}), but the problem may pass: "
        f"the orchestrator tries again in {_seconds(e.delay)} s."
    )


_WITHIN = re.compile(r"within (\d+(?:\.\d+)?) s")


def _step_failed(e: StepFailed, story: _Story) -> str:
    if e.timed_out:
        found = _WITHIN.search(e.error)
        within = f"within {found.group(1)} s" if found else "in time"
        unknown = story.words.unknown(e.step)
        head = (
            f"No answer {within}: the orchestrator cannot know whether {unknown}, "
            "so it must undo it too."
        )
        rest = [*reversed(story.completed)]
        if rest:
            undone = [story.words.undone(step) for step in (e.step, *rest)]
            return f"{head} Newest first: {_then(undone)}."
        return head
    what = story.words.failed(e.step)
    if e.attempt > 1:
        what += f", even after {_tries(e.attempt)}"
    return f"{what}. {_undo_plan(story)}"


def _compensation_triggered(e: CompensationTriggered, story: _Story) -> str:
    order = _then([story.words.undone(step) for step in e.steps])
    if e.recovery:
        head = (
            "After the restart, the orchestrator finds this saga unfinished in its saga log "
            "and finishes it by undoing it."
        )
        if not e.steps:
            return f"{head} Every step is already undone."
        return f"{head} Every step that may have run is undone, newest first: {order}."
    if not e.steps:
        return "Compensation begins, but no step had completed: there is nothing to undo."
    if len(e.steps) == 1:
        return f"Compensation begins: one step to undo, so {order}."
    return f"Compensation begins: {len(e.steps)} steps to undo, newest first: {order}."


def _compensation_started(e: CompensationStarted, story: _Story) -> str:
    ask = story.words.ask_undo(e.step) or f"runs {e.compensation} to undo {e.step}"
    if e.attempt == 1:
        return f"The orchestrator {ask}."
    return f"Try {e.attempt} of {e.max_attempts}: the orchestrator {ask} again."


def _compensation_succeeded(e: CompensationSucceeded, story: _Story) -> str:
    if e.result.get("tombstone") is True:
        return (
            f"There was nothing to undo: {story.words.title(e.step)} never took effect. "
            "A note is left, "
            "so that a late arrival of the step is refused."
        )
    if e.result.get("repeated") is True:
        return f"{story.words.deed(e.step)} was already undone: undoing it again changes nothing."
    done = story.words.back(e.step)
    if e.attempt > 1:
        done = f"{done[:-1]}, on try {e.attempt}."
    return done


def _compensation_retried(e: CompensationRetried, story: _Story) -> str:
    return (
        f"{story.words.undoing(e.step)} failed (try {e.attempt} of {e.max_attempts}). "
        "An undo must not "
        f"be given up lightly: the orchestrator tries again in {_seconds(e.delay)} s."
    )


def _compensation_failed(e: CompensationFailed, story: _Story) -> str:
    tries = "its only try" if e.attempt == 1 else f"all {e.attempt} tries"
    return f"{story.words.undoing(e.step)} failed on {tries}; the orchestrator stops trying."


def _dead_lettered(e: DeadLettered, story: _Story) -> str:
    return (
        f"{story.words.deed(e.step)} could not be undone after {_tries(e.attempts)}. "
        "It is parked in the "
        "dead-letter queue for a person to settle; the world is inconsistent until then."
    )


def _dead_letter_resolved(e: DeadLetterResolved, story: _Story) -> str:
    if e.resolution == "retried":
        return (
            f"A person tried the parked undo again and it worked: {story.words.undone(e.step)}. "
            "It leaves the dead-letter queue."
        )
    deed = story.words.deed(e.step)
    return (
        f"A person settled the parked undo of {deed[0].lower()}{deed[1:]} "
        "by hand and marked it resolved. It leaves the dead-letter queue."
    )


def _saga_completed(e: SagaCompleted, story: _Story) -> str:
    confirm = e.results.get("CONFIRM_BOOKING")
    reference = confirm.get("booking_reference") if isinstance(confirm, dict) else None
    if isinstance(reference, str):
        return (
            f"Every step succeeded: the booking is confirmed with reference {reference}. "
            "The saga is complete."
        )
    saga = f"The {story.saga_name} saga" if story.saga_name else "The saga"
    return f"Every step succeeded ({e.steps_completed} in all). {saga} is complete."


def _parked(compensation: str, story: _Story) -> str:
    """``COMPENSATE_RESERVE_SEAT`` → ``releasing the seat``."""
    step = compensation.removeprefix("COMPENSATE_")
    text = story.words.undoing(step)
    return text[0].lower() + text[1:]


def _saga_compensated(e: SagaCompensated, story: _Story) -> str:
    booking = story.is_booking(e.failed_step)
    ends = "The saga ends without a booking" if booking else "The saga ends without completing"
    if e.failed_step is not None and e.failed_step in story.timed_out:
        ends += f": {story.words.service(e.failed_step)} did not answer in time"
    elif e.failed_step is not None:
        why = story.words.failed(e.failed_step)
        ends += f": {why[0].lower()}{why[1:]}"
    elif e.recovered:
        ends += ": the orchestrator stopped before it could finish"
    head = "Recovery is done. " if e.recovered else ""
    if e.dead_letters:
        parked = " and ".join(_parked(name, story) for name in e.dead_letters)
        waits = "waits" if len(e.dead_letters) == 1 else "wait"
        return (
            f"{head}{ends}, and not everything could be undone: {parked} {waits} in the "
            "dead-letter queue. Until a person settles it, the world is inconsistent."
        )
    count = len(e.compensated)
    if count == 0:
        return f"{head}{ends}. Nothing had been done, so nothing needed undoing."
    undone = {1: "the one step that had run was", 2: "both steps that had run were"}.get(
        count, f"all {count} steps that had run were"
    )
    back = (
        "Every seat, point and cent is back where it was."
        if booking
        else "Everything it did is reversed."
    )
    return f"{head}{ends}, and {undone} undone. {back}"


_CAPTIONERS: Mapping[type[SagaEvent], Callable[[Any, _Story], str]] = {
    SagaStarted: _saga_started,
    StepStarted: _step_started,
    StepSucceeded: _step_succeeded,
    StepRetried: _step_retried,
    StepFailed: _step_failed,
    CompensationTriggered: _compensation_triggered,
    CompensationStarted: _compensation_started,
    CompensationSucceeded: _compensation_succeeded,
    CompensationRetried: _compensation_retried,
    CompensationFailed: _compensation_failed,
    DeadLettered: _dead_lettered,
    DeadLetterResolved: _dead_letter_resolved,
    SagaCompleted: _saga_completed,
    SagaCompensated: _saga_compensated,
}


def caption(
    event: SagaEvent, history: Sequence[SagaEvent] = (), spec: SagaSpec | None = None
) -> str:
    """Return what ``event`` means, in a sentence or two for an audience.

    Parameters
    ----------
    event
        Any saga event.
    history
        Earlier events (of this saga or of others; only this saga's are used),
        oldest first. Without it the caption is still right, only less specific:
        a failure then cannot list what will be undone.
    spec
        The saga file the event's saga runs (its steps' titles, services and
        effects give the words); the flight booking's own words without one.

    Returns
    -------
    str
        Plain sentences, ending with a full stop.

    Raises
    ------
    KeyError
        For an event type the engine does not define.
    """
    return _CAPTIONERS[type(event)](event, _Story(event, history, spec))


def captions(events: Iterable[SagaEvent], spec: SagaSpec | None = None) -> tuple[str, ...]:
    """Return the caption of each event, each told with the events before it.

    Events of several sagas may be mixed; each is told with its own saga's.
    """
    # Only a saga's own events matter, so keep them apart: a long session of
    # many sagas stays linear instead of rescanning everything for each event.
    seen: dict[str, list[SagaEvent]] = {}
    told = []
    for event in events:
        own = seen.setdefault(event.correlation_id, [])
        told.append(caption(event, own, spec))
        own.append(event)
    return tuple(told)
