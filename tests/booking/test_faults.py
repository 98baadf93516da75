"""Failure injection: reading fault specs, and each kind of fault through a real saga."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    STEP_KEYS,
    STEP_TIMEOUT,
    Fault,
    FaultKind,
    InvalidFaultSpec,
    parse_fault,
    parse_kind,
    plan_from_failure_scenarios,
    step_key,
)
from saga_desktop.engine import SimulatedCrash

# -- reading specs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fail", Fault(FaultKind.FAIL)),
        ("timeout", Fault(FaultKind.TIMEOUT)),
        ("crash", Fault(FaultKind.CRASH)),
        ("transient", Fault(FaultKind.TRANSIENT, 1)),
        ("transient:3", Fault(FaultKind.TRANSIENT, 3)),
        ("transient:1000", Fault(FaultKind.TRANSIENT, 1000)),
        ("compensation_fail", Fault(FaultKind.COMPENSATION_FAIL, 1)),
        ("compensation_fail:2", Fault(FaultKind.COMPENSATION_FAIL, 2)),
        ("compensation_fail:forever", Fault(FaultKind.COMPENSATION_FAIL, None)),
    ],
)
def test_parse_kind(text, expected):
    assert parse_kind(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "explode",
        "transient:0",
        "transient:1001",
        "transient:-1",
        "transient:x",
        "transient:forever",
        "transient:²",
        "transient:" + "1" * 5000,
        "fail:2",
        "timeout:1",
        "crash:now",
        "compensation_fail:sometimes",
    ],
)
def test_parse_kind_refuses(text):
    with pytest.raises(InvalidFaultSpec, match="bad fault"):
        parse_kind(text)


@pytest.mark.parametrize("key", STEP_KEYS)
def test_parse_fault_for_every_step(key):
    assert parse_fault(f"{key}=transient:3") == (key, Fault(FaultKind.TRANSIENT, 3))


def test_parse_fault_ignores_case_and_spaces():
    assert parse_fault("  PROCESS_PAYMENT = Compensation_Fail:Forever ") == (
        "process_payment",
        Fault(FaultKind.COMPENSATION_FAIL, None),
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "expected STEP=KIND"),
        ("process_payment", "expected STEP=KIND"),
        ("=fail", "expected STEP=KIND"),
        ("pay=fail", "STEP one of reserve_seat, deduct_loyalty_points"),
        ("process_payment=", "KIND is one of fail, transient:N, timeout"),
        ("process_payment=explode", "KIND is one of"),
        ("process_payment=transient:0", "from 1 to 1000"),
        ("process_payment=compensation_fail:0", "or 'forever'"),
        ("process_payment=crash:1", "crash takes no count"),
    ],
)
def test_parse_fault_refuses_with_a_message_naming_the_spec(spec, message):
    with pytest.raises(InvalidFaultSpec) as caught:
        parse_fault(spec)

    assert message in str(caught.value)
    assert repr(spec) in str(caught.value)


_faults = st.builds(
    Fault,
    st.sampled_from([FaultKind.FAIL, FaultKind.TIMEOUT, FaultKind.CRASH]),
    st.just(1),
) | st.builds(
    Fault,
    st.sampled_from([FaultKind.TRANSIENT, FaultKind.COMPENSATION_FAIL]),
    st.integers(1, 1000),
)


@settings(max_examples=50, deadline=None)
@given(
    fault=_faults | st.just(Fault(FaultKind.COMPENSATION_FAIL, None)),
    key=st.sampled_from(STEP_KEYS),
)
def test_a_fault_reads_back_from_its_text(fault, key):
    assert parse_kind(str(fault)) == fault
    assert parse_fault(f"{key}={fault}") == (key, fault)


@settings(max_examples=50, deadline=None)
@given(spec=st.text(max_size=40) | st.builds("{}={}".format, st.sampled_from(STEP_KEYS), st.text()))
def test_any_text_is_a_fault_or_invalid_fault_spec(spec):
    try:
        key, fault = parse_fault(spec)
    except InvalidFaultSpec:
        return
    assert key in STEP_KEYS
    assert isinstance(fault, Fault)


def test_plan_from_the_guides_failure_scenarios():
    plan = plan_from_failure_scenarios(
        {
            "reserve_seat": False,
            "deduct_loyalty_points": False,
            "process_payment": True,
            "confirm_booking": False,
        }
    )

    assert plan == {"process_payment": Fault(FaultKind.FAIL)}
    assert plan_from_failure_scenarios(None) == {}
    assert plan_from_failure_scenarios({}) == {}


def test_plan_from_failure_scenarios_refuses_unknown_steps():
    with pytest.raises(InvalidFaultSpec, match="unknown step 'PROCESS_PAYMENT'"):
        plan_from_failure_scenarios({"PROCESS_PAYMENT": True})


def test_step_key():
    assert step_key("PROCESS_PAYMENT") == "process_payment"


# -- faults through a real saga ---------------------------------------------------------


def types_of(response, step=None):
    return [
        (e["type"], e.get("attempt"))
        for e in response["saga_log"]
        if step is None or e.get("step") == step
    ]


def run(orchestrator, booking, **faults):
    plan = {key: parse_kind(text) for key, text in faults.items()}
    return orchestrator.start_booking_saga(booking, faults=plan)


@pytest.mark.parametrize("times", [1, 2])
def test_transient_failure_succeeds_after_retries(orchestrator, booking, times):
    response = run(orchestrator, booking, process_payment=f"transient:{times}")

    assert response["success"] is True
    retries = [e for e in response["saga_log"] if e["type"] == "StepRetried"]
    assert [(e["step"], e["attempt"]) for e in retries] == [
        ("PROCESS_PAYMENT", n) for n in range(1, times + 1)
    ]
    assert all("injected transient failure" in e["error"] for e in retries)
    started = [e["attempt"] for e in response["saga_log"] if e["type"] == "StepStarted"]
    assert started == [1, 1, *range(1, times + 2), 1]
    # The backoff moved the saga's clock on, yet nobody waited for it.
    assert [round(e["delay"], 1) for e in retries] == [0.2, 0.4][:times]
    snapshot = orchestrator.world.snapshot()
    assert snapshot.consistent, snapshot.violations
    assert snapshot.payments["count"] == 1


@pytest.mark.parametrize("times", [3, 5])
def test_transient_failure_that_outlasts_three_attempts_compensates(
    orchestrator, booking, figures, times
):
    before = figures(orchestrator.world)

    response = run(orchestrator, booking, process_payment=f"transient:{times}")

    assert response["success"] is False
    assert response["failed_step"] == "PROCESS_PAYMENT"
    assert types_of(response, "PROCESS_PAYMENT") == [
        ("StepStarted", 1),
        ("StepRetried", 1),
        ("StepStarted", 2),
        ("StepRetried", 2),
        ("StepStarted", 3),
        ("StepFailed", 3),
    ]
    assert [r["step"] for r in response["compensation_result"]["results"]] == [
        "COMPENSATE_DEDUCT_LOYALTY_POINTS",
        "COMPENSATE_RESERVE_SEAT",
    ]
    assert orchestrator.world.snapshot().consistent
    assert figures(orchestrator.world) == before


def test_transient_failure_at_the_first_step_compensates_nothing(orchestrator, booking, figures):
    before = figures(orchestrator.world)

    response = run(orchestrator, booking, reserve_seat="transient:5")

    assert response["failed_step"] == "RESERVE_SEAT"
    assert response["compensation_result"]["total_compensations"] == 0
    assert figures(orchestrator.world) == before


def test_timeout_on_payment_compensates_the_payment_too(orchestrator, booking, figures):
    before = figures(orchestrator.world)

    response = run(orchestrator, booking, process_payment="timeout")

    assert response["success"] is False
    assert response["failed_step"] == "PROCESS_PAYMENT"
    assert response["error"] == f"PROCESS_PAYMENT timed out after {STEP_TIMEOUT:g} s"
    assert response["steps_completed"] == 2
    failed = next(e for e in response["saga_log"] if e["type"] == "StepFailed")
    assert failed["timed_out"] is True
    assert [(r["step"], r["success"]) for r in response["compensation_result"]["results"]] == [
        ("COMPENSATE_PROCESS_PAYMENT", True),
        ("COMPENSATE_DEDUCT_LOYALTY_POINTS", True),
        ("COMPENSATE_RESERVE_SEAT", True),
    ]
    snapshot = orchestrator.world.snapshot()
    assert snapshot.consistent, snapshot.violations
    # The late payment did happen, and was refunded.
    assert snapshot.payments == {"captured": 490.0, "refunded": 490.0, "net": 0.0, "count": 1}
    assert figures(orchestrator.world) == before


@pytest.mark.parametrize("key", STEP_KEYS)
def test_timeout_at_any_step_leaves_the_world_as_it_was(orchestrator, booking, figures, key):
    before = figures(orchestrator.world)

    response = run(orchestrator, booking, **{key: "timeout"})

    assert response["failed_step"] == key.upper()
    assert response["compensation_result"]["results"][0]["step"] == f"COMPENSATE_{key.upper()}"
    assert orchestrator.world.snapshot().consistent
    assert figures(orchestrator.world) == before


def test_compensation_failing_twice_is_retried_and_succeeds(orchestrator, booking, figures):
    before = figures(orchestrator.world)
    plan = {
        "reserve_seat": parse_kind("compensation_fail:2"),
        "confirm_booking": Fault(FaultKind.FAIL),
    }

    response = orchestrator.start_booking_saga(booking, faults=plan)

    assert response["outcome"] == "COMPENSATED"
    assert response["dead_letters"] == []
    seat_undo = response["compensation_result"]["results"][-1]
    assert seat_undo == {"step": "COMPENSATE_RESERVE_SEAT", "success": True, "attempts": 3}
    assert types_of(response, "RESERVE_SEAT")[-6:] == [
        ("CompensationStarted", 1),
        ("CompensationRetried", 1),
        ("CompensationStarted", 2),
        ("CompensationRetried", 2),
        ("CompensationStarted", 3),
        ("CompensationSucceeded", 3),
    ]
    assert orchestrator.world.snapshot().consistent
    assert figures(orchestrator.world) == before


@pytest.mark.parametrize("spec", ["compensation_fail:forever", "compensation_fail:3"])
def test_compensation_failing_for_good_is_dead_lettered(orchestrator, booking, spec):
    plan = {"reserve_seat": parse_kind(spec), "confirm_booking": Fault(FaultKind.FAIL)}

    response = orchestrator.start_booking_saga(booking, faults=plan)

    assert response["success"] is False
    assert response["outcome"] == "DEAD_LETTERED"
    assert response["dead_letters"] == ["COMPENSATE_RESERVE_SEAT"]
    result = response["compensation_result"]
    assert result["total_compensations"] == 3
    assert result["successful_compensations"] == 2
    assert result["results"][-1]["success"] is False
    assert result["results"][-1]["attempts"] == 3
    assert "COMPENSATE_RESERVE_SEAT failed (injected failure" in result["results"][-1]["error"]
    # The other compensations still ran; the seat stays held and the world says so.
    short = response["correlation_id"][:8]
    assert orchestrator.world.violations() == [
        f"saga {short} holds seats ['123-1A'] but it has no confirmed booking"
    ]
    snapshot = orchestrator.world.snapshot()
    assert snapshot.users[0]["points"] == 5000
    assert snapshot.payments["net"] == 0.0
    letters = orchestrator.dead_letters()
    assert [(d.correlation_id, d.step) for d in letters] == [
        (response["correlation_id"], "RESERVE_SEAT")
    ]


def test_a_dead_letter_retried_later_heals_the_world(orchestrator, booking):
    plan = {
        "reserve_seat": parse_kind("compensation_fail:forever"),
        "process_payment": Fault(FaultKind.FAIL),
    }
    response = orchestrator.start_booking_saga(booking, faults=plan)
    (letter,) = orchestrator.dead_letters()
    assert orchestrator.find_dead_letter(response["correlation_id"][:8]) == letter

    # The fault plan belonged to that saga only: the retry has none.
    assert orchestrator.retry_dead_letter(letter) is True

    assert orchestrator.dead_letters() == []
    assert orchestrator.world.snapshot().consistent
    # Undoing again (the idempotency key is the same) changes nothing.
    assert orchestrator.retry_dead_letter(letter) is True
    assert orchestrator.world.snapshot().consistent


@pytest.mark.parametrize("key", STEP_KEYS)
def test_crash_escapes_the_run_as_simulated_crash(orchestrator, booking, key):
    with pytest.raises(SimulatedCrash, match=f"right after {key.upper()}") as caught:
        run(orchestrator, booking, **{key: "crash"})

    assert not isinstance(caught.value, Exception)
    assert isinstance(caught.value, BaseException)
    assert orchestrator.store is not None
    assert len(orchestrator.store.incomplete()) == 1


def test_recovery_after_a_crash_compensates_and_heals(orchestrator, booking, figures):
    before = figures(orchestrator.world)
    with pytest.raises(SimulatedCrash):
        run(orchestrator, booking, process_payment="crash")
    assert not orchestrator.world.snapshot().consistent

    (result,) = orchestrator.recover()

    assert result.outcome.value == "COMPENSATED"
    assert [r.compensation for r in result.compensations] == [
        "COMPENSATE_PROCESS_PAYMENT",
        "COMPENSATE_DEDUCT_LOYALTY_POINTS",
        "COMPENSATE_RESERVE_SEAT",
    ]
    assert orchestrator.world.snapshot().consistent
    assert figures(orchestrator.world) == before
    assert orchestrator.recover() == []


def test_faults_win_over_failure_scenarios_for_the_same_step(orchestrator, booking):
    response = orchestrator.start_booking_saga(
        booking,
        {"process_payment": True},
        faults={"process_payment": parse_kind("transient:1")},
    )

    assert response["success"] is True


# -- the registry of failure kinds ---------------------------------------------------


def test_every_kind_has_one_registry_entry_and_every_choice_parses_back():
    from saga_desktop.booking._faultkinds import FAULT_KINDS, fault_choices

    assert set(FAULT_KINDS) == set(FaultKind)
    for choice in fault_choices():
        fault = parse_kind(choice.spec)
        assert str(fault) == choice.spec
        assert FAULT_KINDS[fault.kind].choices  # a kind with choices offers itself


def test_help_batch_mix_and_hooks_come_from_the_registry():
    from saga_desktop.booking import BATCH_FAULTS, KIND_HELP
    from saga_desktop.booking._faultkinds import FAULT_KINDS, Hook, kinds_at

    assert KIND_HELP == "fail, transient:N, timeout, compensation_fail:N|forever, crash"
    assert [str(f) for f in BATCH_FAULTS] == [
        "fail",
        "transient:1",
        "timeout",
        "compensation_fail:1",
    ]
    every = [kind for hook in Hook for kind in kinds_at(hook)]
    assert sorted(every, key=str) == sorted(FAULT_KINDS, key=str)
