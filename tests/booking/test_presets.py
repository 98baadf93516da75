"""Scenario presets and random fault plans: each one read, run through a real saga, and checked."""

from __future__ import annotations

import re
import tempfile
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    PRESET_OUTCOMES,
    PRESETS,
    SCENARIOS,
    STEP_KEYS,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    InvalidFaultSpec,
    Preset,
    describe_plan,
    parse_fault,
    parse_kind,
    parse_plan,
    preset,
    random_fault_plan,
)
from saga_desktop.engine import SimulatedCrash, StepRetried, StepStarted, VirtualClock


def run_preset(orchestrator, booking, faults):
    """Run a plan; return ``(outcome, result)`` where a crash is ``"CRASHED"`` + the recovery."""
    request = orchestrator.validate(booking)
    try:
        result = orchestrator.run(request, parse_plan(faults))
    except SimulatedCrash:
        (recovered,) = orchestrator.recover()
        return "CRASHED", recovered
    return result.outcome.value, result


# -- the list itself ----------------------------------------------------------------------


def test_names_are_unique_slugs_and_titles_unique():
    names = [p.name for p in PRESETS]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in names)
    titles = [p.title for p in PRESETS]
    assert len(set(titles)) == len(titles)


def test_the_guides_five_scenarios_come_first_under_their_names():
    guide = PRESETS[: len(SCENARIOS)]
    assert [p.name for p in guide] == [s.name for s in SCENARIOS]
    assert [p.title for p in guide] == [s.title for s in SCENARIOS]
    for p, scenario in zip(guide, SCENARIOS, strict=True):
        assert p.faults == {k: "fail" for k, fails in scenario.failure_scenarios.items() if fails}
        assert p.expected_outcome == ("COMPLETED" if scenario.expect_success else "COMPENSATED")


def test_the_failure_kind_presets_the_issue_asks_for_are_there():
    assert preset("payment_failure").faults == {"process_payment": "fail"}
    assert preset("payment_succeeds_on_third_try").faults == {"process_payment": "transient:2"}
    assert preset("payment_gives_up").faults == {"process_payment": "transient:5"}
    assert preset("confirm_times_out").faults == {"confirm_booking": "timeout"}
    assert preset("seat_compensation_retried").faults == {
        "reserve_seat": "compensation_fail:2",
        "confirm_booking": "fail",
    }
    assert preset("seat_compensation_dead_lettered").faults == {
        "reserve_seat": "compensation_fail:forever",
        "confirm_booking": "fail",
    }
    assert preset("crash_after_payment").faults == {"process_payment": "crash"}
    # Every kind of fault is shown by at least one preset.
    kinds = {parse_kind(spec).kind for p in PRESETS for spec in p.faults.values()}
    assert kinds == set(FaultKind)


@pytest.mark.parametrize("p", PRESETS, ids=lambda p: p.name)
def test_each_preset_is_well_formed(p):
    assert p.expected_outcome in PRESET_OUTCOMES
    assert set(p.faults) <= set(STEP_KEYS)
    for key, spec in p.faults.items():
        assert isinstance(parse_kind(spec), Fault)
        assert parse_fault(f"{key}={spec}") == (key, parse_kind(spec))
    assert p.fault_plan() == {key: parse_kind(spec) for key, spec in p.faults.items()}
    # One paragraph of whole sentences.
    assert p.explanation.strip() == p.explanation
    assert "\n" not in p.explanation
    assert p.explanation.endswith(".")
    assert len(p.explanation) > 60


def test_no_two_presets_plan_the_same_faults_and_request():
    plans = [(tuple(sorted(p.faults.items())), tuple(sorted(p.request.items()))) for p in PRESETS]
    assert len(set(plans)) == len(plans)


def test_a_preset_sets_its_request_fields_and_puts_back_those_of_others(booking):
    points = preset("not_enough_points")
    assert points.request == {"loyalty_points_to_use": 25_000}
    mine = {**booking, "total_fare": 321.0, "loyalty_points_to_use": 300}

    assert points.request_data(mine) == {**mine, "loyalty_points_to_use": 25_000}
    # Picked next, a preset without request fields brings the guide's points back;
    # what no preset sets (the fare) stays as the person typed it.
    after = preset("payment_failure").request_data(points.request_data(mine))
    assert after == {**mine, "loyalty_points_to_use": DEFAULT_BOOKING["loyalty_points_to_use"]}


def test_preset_by_name():
    assert preset("confirm_times_out").title == "Confirm times out"


def test_an_unknown_preset_names_the_known_ones():
    with pytest.raises(KeyError, match="no preset named 'payment_explodes'") as caught:
        preset("payment_explodes")
    assert "payment_failure" in str(caught.value)
    assert "crash_after_payment" in str(caught.value)


def test_a_preset_with_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="expected_outcome must be one of"):
        Preset("x", "X", {}, "Nothing.", "EXPLODED")


def test_parse_plan_refuses_unknown_steps_and_kinds():
    with pytest.raises(InvalidFaultSpec, match="unknown step 'pay'"):
        parse_plan({"pay": "fail"})
    with pytest.raises(InvalidFaultSpec, match="'process_payment=explode'"):
        parse_plan({"process_payment": "explode"})


# -- each preset through a real saga ------------------------------------------------------


@pytest.mark.parametrize("p", PRESETS, ids=lambda p: p.name)
def test_each_preset_ends_as_expected(p, orchestrator, booking, figures):
    before = figures(orchestrator.world)

    outcome, result = run_preset(orchestrator, p.request_data(booking), p.faults)

    assert outcome == p.expected_outcome
    snapshot = orchestrator.world.snapshot()
    if outcome == "COMPLETED":
        assert snapshot.consistent, snapshot.violations
        assert figures(orchestrator.world)["confirmed"] == before["confirmed"] + 1
    elif outcome == "DEAD_LETTERED":
        assert not snapshot.consistent
        assert [d.correlation_id for d in orchestrator.dead_letters()] == [result.correlation_id]
    else:
        # Compensated, directly or by recovery: every seat, point and cent is back.
        assert result.outcome.value == "COMPENSATED"
        assert snapshot.consistent, snapshot.violations
        assert figures(orchestrator.world) == before
    assert orchestrator.recover() == []


def test_payment_succeeds_on_the_third_try(orchestrator, booking):
    _, result = run_preset(orchestrator, booking, preset("payment_succeeds_on_third_try").faults)
    starts = [e for e in result.events if isinstance(e, StepStarted)]
    assert [e.attempt for e in starts if e.step == "PROCESS_PAYMENT"] == [1, 2, 3]


def test_payment_gives_up_after_three_tries(orchestrator, booking):
    _, result = run_preset(orchestrator, booking, preset("payment_gives_up").faults)
    assert sum(isinstance(e, StepRetried) for e in result.events) == 2
    assert result.failed_step == "PROCESS_PAYMENT"


def test_confirm_timing_out_undoes_the_confirmation_too(orchestrator, booking):
    _, result = run_preset(orchestrator, booking, preset("confirm_times_out").faults)
    assert result.compensations[0].compensation == "COMPENSATE_CONFIRM_BOOKING"


def test_seat_compensation_retried_takes_three_tries(orchestrator, booking):
    _, result = run_preset(orchestrator, booking, preset("seat_compensation_retried").faults)
    seat = next(r for r in result.compensations if r.step == "RESERVE_SEAT")
    assert (seat.success, seat.attempts) == (True, 3)


# -- random plans -------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_plan():
    assert random_fault_plan(42) == random_fault_plan(42)
    assert random_fault_plan(42, failure_rate=0.3) == random_fault_plan(42, failure_rate=0.3)


def test_failure_rate_bounds():
    assert all(random_fault_plan(seed, failure_rate=0.0) == {} for seed in range(50))
    assert all(
        list(random_fault_plan(seed, failure_rate=1.0)) == list(STEP_KEYS) for seed in range(50)
    )
    for rate in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="failure_rate must be between 0 and 1"):
            random_fault_plan(1, failure_rate=rate)


def test_different_seeds_give_variety():
    plans = [random_fault_plan(seed) for seed in range(300)]
    assert len({tuple(sorted(plan.items())) for plan in plans}) > 150
    kinds = Counter(spec for plan in plans for spec in plan.values())
    assert set(kinds) == {
        "fail",
        "transient:1",
        "transient:2",
        "transient:3",
        "timeout",
        "compensation_fail:1",
        "compensation_fail:2",
        "compensation_fail:forever",
        "crash",
    }
    assert kinds["crash"] < kinds["fail"]
    assert kinds["crash"] < kinds["timeout"]
    # About 60 % of the 1200 steps get a fault.
    assert 600 < sum(kinds.values()) < 840
    assert any(plan == {} for plan in plans)


@given(
    seed=st.integers(min_value=-(2**64), max_value=2**64),
    rate=st.floats(min_value=0.0, max_value=1.0),
)
def test_random_plans_always_parse(seed, rate):
    plan = random_fault_plan(seed, failure_rate=rate)

    assert list(plan) == [key for key in STEP_KEYS if key in plan]
    assert parse_plan(plan).keys() == plan.keys()
    # describe_plan's text reads back into the same plan.
    text = describe_plan(plan)
    if plan:
        assert dict(parse_fault(part) for part in text.split(", ")) == parse_plan(plan)
    else:
        assert text == "no failures"


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_random_plans_run_to_a_known_end(seed):
    plan = random_fault_plan(seed)
    with tempfile.TemporaryDirectory() as tmp:
        clock = VirtualClock(lambda: 1_700_000_000.0)
        with BookingSagaOrchestrator(tmp, clock=clock, write_logs=False) as orchestrator:
            outcome, _ = run_preset(orchestrator, DEFAULT_BOOKING, plan)
            assert outcome in PRESET_OUTCOMES
            dead_letters = bool(orchestrator.dead_letters())
            assert orchestrator.world.snapshot().consistent is not dead_letters


# -- describing plans ---------------------------------------------------------------------


def test_describe_plan():
    assert describe_plan({}) == "no failures"
    assert (
        describe_plan({"confirm_booking": "fail", "process_payment": "transient:2"})
        == "process_payment=transient:2, confirm_booking=fail"
    )
    assert (
        describe_plan({"reserve_seat": Fault(FaultKind.COMPENSATION_FAIL, None)})
        == "reserve_seat=compensation_fail:forever"
    )
