"""Presenter captions: one for every event type, built from real runs, agreeing with the log."""

from __future__ import annotations

import dataclasses
import re
import typing
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    STEP_NAMES,
    BookingSagaOrchestrator,
    caption,
    captions,
    parse_plan,
)
from saga_desktop.engine import (
    EVENT_TYPES,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    DeadLetterResolved,
    RetryPolicy,
    SagaCompensated,
    SagaCompleted,
    SagaDefinition,
    SagaOrchestrator,
    SagaStarted,
    SagaStep,
    SimulatedCrash,
    StepError,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
    TransientStepError,
    VirtualClock,
    describe,
)

# Every way a booking saga can go, so that every event type shows up.
PLANS = {
    "success": {},
    "reserve_seat_fails": {"reserve_seat": "fail"},
    "points_fail": {"deduct_loyalty_points": "fail"},
    "payment_fails": {"process_payment": "fail"},
    "confirm_fails": {"confirm_booking": "fail"},
    "payment_transient": {"process_payment": "transient:2"},
    "payment_gives_up": {"process_payment": "transient:5"},
    "payment_times_out": {"process_payment": "timeout"},
    "confirm_times_out": {"confirm_booking": "timeout"},
    "seat_undo_retried": {"reserve_seat": "compensation_fail:2", "confirm_booking": "fail"},
    "seat_undo_dead": {"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"},
    "points_undo_dead": {
        "deduct_loyalty_points": "compensation_fail:forever",
        "process_payment": "fail",
    },
    "crash_after_payment": {"process_payment": "crash"},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Name → that saga's events, oldest first (dead letters settled later included)."""
    heard = []
    clock = VirtualClock(lambda: 1_700_000_000.0)
    data_dir = tmp_path_factory.mktemp("captions")
    ids = {}
    with BookingSagaOrchestrator(data_dir, listeners=[heard.append], clock=clock) as orchestrator:
        request = orchestrator.validate(DEFAULT_BOOKING)
        for name, plan in PLANS.items():
            try:
                ids[name] = orchestrator.run(request, parse_plan(plan)).correlation_id
            except SimulatedCrash:
                (result,) = orchestrator.recover()
                ids[name] = result.correlation_id
        seat_letter, points_letter = orchestrator.dead_letters()
        assert orchestrator.retry_dead_letter(seat_letter) is True
        orchestrator.resolve_dead_letter(points_letter)
    by_saga = defaultdict(list)
    for event in heard:
        by_saga[event.correlation_id].append(event)
    return {name: by_saga[cid] for name, cid in ids.items()}


def first(events, cls, **fields):
    return next(
        (i, e)
        for i, e in enumerate(events)
        if isinstance(e, cls) and all(getattr(e, k) == v for k, v in fields.items())
    )


def told(events, cls, **fields):
    """The caption of the first matching event, told with the events before it."""
    index, event = first(events, cls, **fields)
    return caption(event, events[:index])


# -- completeness -------------------------------------------------------------------------


def test_every_event_type_has_a_caption(runs):
    seen = {type(e).__name__ for events in runs.values() for e in events}
    assert seen == set(EVENT_TYPES), f"no run produced {set(EVENT_TYPES) - seen}"
    for events in runs.values():
        for index, event in enumerate(events):
            assert caption(event, events[:index])
            assert caption(event)  # without history too


def test_captions_are_plain_sentences(runs):
    for events in runs.values():
        for text in captions(events):
            assert re.match(r"[A-Z0-9]", text), text
            assert text.endswith("."), text
            assert "  " not in text, text
            assert "\n" not in text, text
            # No placeholders or step names leak into a booking's captions.
            for leak in ("None", "{", "}", "_", "[", "]", "'"):
                assert leak not in text, (leak, text)


def test_captions_tells_each_event_with_those_before(runs):
    events = runs["payment_fails"]
    assert captions(events) == tuple(caption(e, events[:i]) for i, e in enumerate(events))
    assert captions([]) == ()


def test_captions_of_interleaved_sagas_are_told_apart(runs):
    mine, other = runs["payment_fails"], runs["confirm_fails"]
    mixed = [event for pair in zip(mine, other, strict=False) for event in pair]
    mixed += other[len(mine) :]
    told = dict(zip(map(id, mixed), captions(mixed), strict=True))
    assert tuple(told[id(e)] for e in mine) == captions(mine)
    assert tuple(told[id(e)] for e in other) == captions(other)


def test_other_sagas_in_the_history_change_nothing(runs):
    mine, other = runs["payment_fails"], runs["confirm_fails"]
    index, failed = first(mine, StepFailed)
    assert caption(failed, [*other, *mine[:index]]) == caption(failed, mine[:index])


# -- the booking's words ------------------------------------------------------------------


def test_saga_started(runs):
    assert told(runs["success"], SagaStarted) == (
        "A new booking saga begins: 4 steps will run one after another (reserve seat, "
        "deduct loyalty points, process payment, confirm booking). If one fails, the ones "
        "done before it are undone."
    )


def test_step_started(runs):
    events = runs["success"]
    assert (
        told(events, StepStarted, step="RESERVE_SEAT")
        == "The orchestrator asks the seat service to hold a seat for the passenger."
    )
    assert told(events, StepStarted, step="DEDUCT_LOYALTY_POINTS") == (
        "The orchestrator asks the loyalty service to take 1000 loyalty points from the "
        "customer for a discount."
    )
    assert (
        told(events, StepStarted, step="PROCESS_PAYMENT")
        == "The orchestrator asks the payment service to charge the fare."
    )


def test_step_started_counts_passengers():
    event = StepStarted("c", 0.0, "RESERVE_SEAT", 1, 3)
    start = SagaStarted("c", 0.0, "booking", ("RESERVE_SEAT",), {"passengers": [{}, {}]})
    assert caption(event, [start]) == (
        "The orchestrator asks the seat service to hold a seat for the 2 passengers."
    )


def test_step_succeeded(runs):
    events = runs["success"]
    seat = told(events, StepSucceeded, step="RESERVE_SEAT")
    assert seat.startswith("Seat 123-")
    assert seat.endswith("The orchestrator remembers how to undo it, in case a later step fails.")
    assert told(events, StepSucceeded, step="DEDUCT_LOYALTY_POINTS").startswith(
        "1000 points are taken from the customer, for a discount of 10.00."
    )
    assert told(events, StepSucceeded, step="PROCESS_PAYMENT").startswith(
        "The payment of 490.00 went through."
    )
    # The last step has nothing after it that could fail.
    confirmed = told(events, StepSucceeded, step="CONFIRM_BOOKING")
    assert re.fullmatch(r"The booking is confirmed with reference [0-9A-F]{8}\.", confirmed)


def test_saga_completed_gives_the_booking_reference(runs):
    events = runs["success"]
    reference = events[-1].results["CONFIRM_BOOKING"]["booking_reference"]
    assert told(events, SagaCompleted) == (
        f"Every step succeeded: the booking is confirmed with reference {reference}. "
        "The saga is complete."
    )


def test_a_failure_says_what_will_be_undone_newest_first(runs):
    assert told(runs["payment_fails"], StepFailed) == (
        "The payment was refused. The orchestrator now undoes the completed steps, newest "
        "first: the loyalty points go back to the customer, then the seat is released."
    )
    assert told(runs["points_fail"], StepFailed) == (
        "The loyalty points could not be taken. The orchestrator now undoes the completed "
        "step: the seat is released."
    )
    assert told(runs["reserve_seat_fails"], StepFailed) == (
        "No seat could be held. Nothing was done before it, so there is nothing to undo."
    )
    assert told(runs["confirm_fails"], StepFailed).endswith(
        "newest first: the payment is refunded, then the loyalty points go back to the "
        "customer, then the seat is released."
    )


def test_a_failure_without_history_still_reads_well(runs):
    _, failed = first(runs["payment_fails"], StepFailed)
    assert caption(failed) == (
        "The payment was refused. The orchestrator now undoes whatever completed before it, "
        "newest first."
    )


def test_a_step_that_gives_up_says_how_often_it_tried(runs):
    assert told(runs["payment_gives_up"], StepFailed).startswith(
        "The payment was refused, even after 3 tries."
    )


def test_retries_mention_the_wait_as_the_log_does(runs):
    for name, cls in (
        ("payment_transient", StepRetried),
        ("seat_undo_retried", CompensationRetried),
    ):
        events = runs[name]
        retries = [(i, e) for i, e in enumerate(events) if isinstance(e, cls)]
        assert len(retries) == 2
        for index, event in retries:
            text = caption(event, events[:index])
            (line,) = describe(event)
            shown = re.search(r"tries again in ([0-9.]+) s\.$", text)
            logged = re.search(r"retrying in ([0-9.]+) s$", line.message)
            assert shown, text
            assert logged, line.message
            assert float(shown.group(1)) == float(logged.group(1))
            assert f"try {event.attempt} of 3" in text


def test_a_retried_step_says_which_try_worked(runs):
    assert told(runs["payment_transient"], StepSucceeded, step="PROCESS_PAYMENT").startswith(
        "The payment of 490.00 went through, on try 3."
    )
    assert told(runs["payment_transient"], StepStarted, step="PROCESS_PAYMENT", attempt=2) == (
        "Try 2 of 3: the orchestrator asks the payment service to charge the fare again."
    )


def test_a_timeout_must_be_undone_too(runs):
    assert told(runs["payment_times_out"], StepFailed) == (
        "No answer within 2 s: the orchestrator cannot know whether the payment went through, "
        "so it must undo it too. Newest first: the payment is refunded, then the loyalty "
        "points go back to the customer, then the seat is released."
    )
    assert told(runs["confirm_times_out"], SagaCompensated).startswith(
        "The saga ends without a booking: the booking service did not answer in time, and all "
        "4 steps that had run were undone."
    )


def test_compensation_triggered_follows_its_steps_field(runs):
    assert told(runs["confirm_fails"], CompensationTriggered) == (
        "Compensation begins: 3 steps to undo, newest first: the payment is refunded, then "
        "the loyalty points go back to the customer, then the seat is released."
    )
    assert told(runs["reserve_seat_fails"], CompensationTriggered) == (
        "Compensation begins, but no step had completed: there is nothing to undo."
    )
    # The field is what counts, not the history.
    made_up = CompensationTriggered("c", 0.0, "X", ("RESERVE_SEAT", "CONFIRM_BOOKING"), False)
    assert caption(made_up).endswith(
        "newest first: the seat is released, then the booking is cancelled."
    )


def test_compensations(runs):
    events = runs["payment_fails"]
    assert (
        told(events, CompensationStarted, step="DEDUCT_LOYALTY_POINTS")
        == "The orchestrator asks the loyalty service to give the loyalty points back."
    )
    assert (
        told(events, CompensationSucceeded, step="DEDUCT_LOYALTY_POINTS")
        == "The loyalty points are back with the customer."
    )
    assert told(events, CompensationSucceeded, step="RESERVE_SEAT") == "The seat is released."
    assert told(events, SagaCompensated) == (
        "The saga ends without a booking: the payment was refused, and both steps that had "
        "run were undone. Every seat, point and cent is back where it was."
    )
    assert (
        told(runs["seat_undo_retried"], CompensationSucceeded, step="RESERVE_SEAT")
        == "The seat is released, on try 3."
    )


def test_dead_letters(runs):
    events = runs["seat_undo_dead"]
    assert told(events, DeadLettered) == (
        "The seat reservation could not be undone after 3 tries. It is parked in the "
        "dead-letter queue for a person to settle; the world is inconsistent until then."
    )
    assert told(events, SagaCompensated) == (
        "The saga ends without a booking: the booking could not be confirmed, and not "
        "everything could be undone: releasing the seat waits in the dead-letter queue. "
        "Until a person settles it, the world is inconsistent."
    )
    assert told(events, DeadLetterResolved) == (
        "A person tried the parked undo again and it worked: the seat is released. It leaves "
        "the dead-letter queue."
    )
    assert told(runs["points_undo_dead"], DeadLetterResolved) == (
        "A person settled the parked undo of the loyalty points deduction by hand and marked "
        "it resolved. It leaves the dead-letter queue."
    )


def test_recovery_after_a_crash(runs):
    events = runs["crash_after_payment"]
    assert told(events, CompensationTriggered) == (
        "After the restart, the orchestrator finds this saga unfinished in its saga log and "
        "finishes it by undoing it. Every step that may have run is undone, newest first: "
        "the payment is refunded, then the loyalty points go back to the customer, then the "
        "seat is released."
    )
    assert told(events, SagaCompensated) == (
        "Recovery is done. The saga ends without a booking: the orchestrator stopped before "
        "it could finish, and all 3 steps that had run were undone. Every seat, point and "
        "cent is back where it was."
    )


def test_undoing_what_never_happened_leaves_a_note():
    event = CompensationSucceeded("c", 0.0, "PROCESS_PAYMENT", "X", 1, {"tombstone": True})
    assert caption(event) == (
        "There was nothing to undo: process payment never took effect. A note is left, so "
        "that a late arrival of the step is refused."
    )
    again = CompensationSucceeded("c", 0.0, "PROCESS_PAYMENT", "X", 1, {"repeated": True})
    assert caption(again) == "The payment was already undone: undoing it again changes nothing."


# -- any other saga -----------------------------------------------------------------------


def test_a_generic_saga_is_captioned_with_its_step_names():
    undo_policy = RetryPolicy(max_attempts=2, initial_delay=0.5)
    flaky = iter([TransientStepError("busy")])

    def fetch(context):
        return {"rows": 3}

    def store(context):
        error = next(flaky, None)
        if error is not None:
            raise error
        return {}

    def never_undone(context):
        raise StepError("disk full")

    def refuse(context):
        raise StepError("no permission")

    definition = SagaDefinition(
        "report",
        (
            SagaStep("FETCH_DATA", fetch, never_undone, compensation_retry=undo_policy),
            SagaStep("STORE_ROWS", store, retry=RetryPolicy(max_attempts=2)),
            SagaStep("PUBLISH", refuse),
        ),
    )
    clock = VirtualClock(lambda: 0.0)
    result = SagaOrchestrator(definition, clock=clock.time, sleep=clock.sleep).run()
    texts = captions(result.events)

    types = {type(e) for e in result.events}
    assert {StepRetried, CompensationRetried, DeadLettered, SagaCompensated} <= types
    for text in texts:
        assert text.endswith("."), text
        for word in ("seat", "booking", "payment", "loyalty", "None", "{"):
            assert word not in text, (word, text)
    assert texts[0] == (
        "A new report saga begins: 3 steps will run one after another (FETCH_DATA, "
        "STORE_ROWS, PUBLISH). If one fails, the ones done before it are undone."
    )
    assert "The orchestrator runs the step FETCH_DATA." in texts
    assert any(t.startswith("Step STORE_ROWS failed this time (try 1 of 2)") for t in texts)
    assert (
        "Step PUBLISH failed. The orchestrator now undoes the completed steps, newest first: "
        "STORE_ROWS is undone, then FETCH_DATA is undone." in texts
    )
    assert any(t.startswith("Step FETCH_DATA could not be undone after 2 tries.") for t in texts)
    assert texts[-1] == (
        "The saga ends without completing: step PUBLISH failed, and not everything could be "
        "undone: undoing FETCH_DATA waits in the dead-letter queue. Until a person settles "
        "it, the world is inconsistent."
    )
    completed = SagaCompleted("c", 0.0, 1, {"ONLY": {}})
    assert caption(completed, [SagaStarted("c", 0.0, "report", ("ONLY",), {})]) == (
        "Every step succeeded (1 in all). The report saga is complete."
    )


# -- any well-formed event, however odd its values ----------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
RESULT_KEYS = ("seat_ids", "points_deducted", "discount_applied", "amount", "booking_reference")
NAMES = st.sampled_from(STEP_NAMES) | st.text(max_size=12)
RESULT = st.dictionaries(
    st.sampled_from((*RESULT_KEYS, "tombstone", "repeated", "passengers")) | st.text(max_size=6),
    JSON,
    max_size=4,
)
HINTS = {
    str: st.text(max_size=12),
    int: st.integers(),
    float: st.floats(),
    bool: st.booleans(),
    str | None: st.none() | NAMES,
    tuple[str, ...]: st.lists(NAMES, max_size=5).map(tuple),
    dict[str, typing.Any]: RESULT,
    dict[str, dict[str, typing.Any]]: st.dictionaries(NAMES, RESULT, max_size=4),
}


def any_event(cls):
    hints = typing.get_type_hints(cls)
    fields = {}
    for field in dataclasses.fields(cls):
        strategy = HINTS[hints[field.name]]
        if field.name in ("step", "failed_step") and hints[field.name] is str:
            strategy = NAMES
        fields[field.name] = strategy
    return st.builds(cls, **fields)


ANY_EVENT = st.one_of([any_event(cls) for cls in EVENT_TYPES.values()])


@given(events=st.lists(ANY_EVENT, min_size=1, max_size=6))
def test_any_event_gets_a_caption(events):
    for text in captions(events):
        assert text
        assert text.endswith("."), text


# -- a saga file's captions -------------------------------------------------------------


def test_a_saga_files_captions_use_its_titles_services_and_undo_texts(tmp_path):
    from pathlib import Path

    from saga_desktop.booking import BookingSagaOrchestrator, Fault, FaultKind, load_saga

    trip = Path(__file__).resolve().parents[2] / "resources" / "sagas" / "trip_booking.saga.toml"
    spec = load_saga(trip)
    with BookingSagaOrchestrator(tmp_path, saga=spec) as runner:
        result = runner.run(runner.validate({}), {"rent_car": Fault(FaultKind.FAIL)})
    told = captions(result.events, spec)

    assert told[0].startswith("A new trip booking saga begins: 6 steps")
    assert "the flight service to take 1 LH400" in told[1]
    assert "Rent car did not go through" in " ".join(told)
    assert "newest first: give berlin_mitte back, then give the seat back" in " ".join(told)
    assert all(caption.endswith(".") for caption in told)
