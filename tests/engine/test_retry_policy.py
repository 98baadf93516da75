"""Retry policies: delays, jitter, validation, and how the orchestrator applies them."""

from __future__ import annotations

import itertools
import random

import pytest
from engine_helpers import trace_attempts
from hypothesis import given
from hypothesis import strategies as st

from saga_desktop.engine import (
    NO_RETRY,
    DefinitionError,
    RetryPolicy,
    SagaOutcome,
    StepError,
    StepFailed,
    StepRetried,
    StepStarted,
    TransientStepError,
)

CID = "00000000-0000-4000-8000-000000000002"


# -- the policy on its own -------------------------------------------------------


def test_defaults_mean_no_retry():
    assert RetryPolicy() == NO_RETRY
    assert NO_RETRY.max_attempts == 1
    assert (NO_RETRY.initial_delay, NO_RETRY.multiplier, NO_RETRY.max_delay, NO_RETRY.jitter) == (
        0.1,
        2.0,
        5.0,
        0.0,
    )


@pytest.mark.parametrize(
    ("retry", "expected"),
    [(1, 0.5), (2, 1.5), (3, 4.5), (4, 10.0), (5, 10.0), (30, 10.0)],
)
def test_delay_grows_geometrically_and_is_capped(retry, expected):
    policy = RetryPolicy(max_attempts=10, initial_delay=0.5, multiplier=3.0, max_delay=10.0)

    assert policy.delay(retry) == pytest.approx(expected)


def test_multiplier_one_gives_constant_delay():
    policy = RetryPolicy(max_attempts=5, initial_delay=0.2, multiplier=1.0)

    assert [policy.delay(n) for n in range(1, 5)] == [0.2, 0.2, 0.2, 0.2]


def test_zero_delay_policy():
    assert RetryPolicy(max_attempts=3, initial_delay=0.0).delay(2) == 0.0


def test_jitter_without_rng_is_ignored():
    policy = RetryPolicy(max_attempts=3, initial_delay=1.0, jitter=0.5)

    assert policy.delay(1) == 1.0
    assert policy.delay(2) == 2.0


def test_jitter_is_reproducible_with_a_seeded_rng():
    policy = RetryPolicy(
        max_attempts=10, initial_delay=1.0, multiplier=2.0, max_delay=8.0, jitter=0.25
    )
    reference = random.Random(1234)

    delays = [policy.delay(n, random.Random(1234)) for n in range(1, 8)]
    replay = [policy.delay(n, random.Random(1234)) for n in range(1, 8)]
    expected = []
    for n in range(1, 8):
        reference.seed(1234)
        expected.append(min(8.0, 2.0 ** (n - 1)) * (1 + reference.uniform(-0.25, 0.25)))

    assert delays == replay == expected


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    retry=st.integers(min_value=1, max_value=20),
    jitter=st.floats(min_value=0.0, max_value=1.0),
)
def test_jitter_stays_within_its_fraction(seed, retry, jitter):
    policy = RetryPolicy(
        max_attempts=30, initial_delay=0.1, multiplier=2.0, max_delay=5.0, jitter=jitter
    )
    base = min(5.0, 0.1 * 2.0 ** (retry - 1))

    delay = policy.delay(retry, random.Random(seed))

    assert delay >= 0.0
    assert base * (1 - jitter) - 1e-9 <= delay <= base * (1 + jitter) + 1e-9


def test_jitter_actually_varies_the_delay():
    policy = RetryPolicy(max_attempts=3, initial_delay=1.0, jitter=0.5)
    rng = random.Random(99)

    delays = {policy.delay(1, rng) for _ in range(20)}

    assert len(delays) == 20
    assert all(0.5 <= d <= 1.5 for d in delays)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_attempts": 0}, "max_attempts must be at least 1, not 0"),
        ({"max_attempts": -3}, "max_attempts must be at least 1, not -3"),
        ({"initial_delay": -0.1}, "retry delays cannot be negative"),
        ({"max_delay": -1.0}, "retry delays cannot be negative"),
        ({"multiplier": 0.5}, "multiplier must be at least 1, not 0.5"),
        ({"jitter": -0.1}, "jitter must be between 0 and 1, not -0.1"),
        ({"jitter": 1.5}, "jitter must be between 0 and 1, not 1.5"),
    ],
)
def test_invalid_policies_are_refused(kwargs, message):
    with pytest.raises(DefinitionError) as excinfo:
        RetryPolicy(**kwargs)

    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 1},
        {"initial_delay": 0.0, "max_delay": 0.0},
        {"multiplier": 1.0},
        {"jitter": 0.0},
        {"jitter": 1.0},
    ],
)
def test_edge_values_are_accepted(kwargs):
    assert RetryPolicy(**kwargs).max_attempts >= 1


def test_policy_is_frozen():
    with pytest.raises(AttributeError):
        NO_RETRY.max_attempts = 3


# -- the orchestrator retrying steps -------------------------------------------------

POLICY = RetryPolicy(max_attempts=4, initial_delay=0.5, multiplier=3.0, max_delay=2.0)


def test_transient_errors_are_retried_with_exact_backoff(participant, orchestrator_for, clock):
    busy = TransientStepError("busy", injected=True)
    steps = [participant.step("A"), participant.step("B", errors=[busy, busy, busy], retry=POLICY)]

    result = orchestrator_for(*steps).run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPLETED
    assert clock.sleeps == [0.5, 1.5, 2.0]
    assert participant.calls == ["do A#1", "do B#1", "do B#2", "do B#3", "do B#4"]
    assert result.results["B"] == {"ref": "b-4"}
    assert trace_attempts(result.events) == [
        ("SagaStarted", None, None),
        ("StepStarted", "A", 1),
        ("StepSucceeded", "A", 1),
        ("StepStarted", "B", 1),
        ("StepRetried", "B", 1),
        ("StepStarted", "B", 2),
        ("StepRetried", "B", 2),
        ("StepStarted", "B", 3),
        ("StepRetried", "B", 3),
        ("StepStarted", "B", 4),
        ("StepSucceeded", "B", 4),
        ("SagaCompleted", None, None),
    ]
    retried = [e for e in result.events if isinstance(e, StepRetried)]
    start = 1_700_000_000.0
    assert retried == [
        StepRetried(CID, start, "B", 1, 4, 0.5, "busy"),
        StepRetried(CID, start + 0.5, "B", 2, 4, 1.5, "busy"),
        StepRetried(CID, start + 2.0, "B", 3, 4, 2.0, "busy"),
    ]
    started = [e for e in result.events if isinstance(e, StepStarted) and e.step == "B"]
    assert [(e.attempt, e.max_attempts, e.at) for e in started] == [
        (1, 4, start),
        (2, 4, start + 0.5),
        (3, 4, start + 2.0),
        (4, 4, start + 4.0),
    ]


def test_retries_give_up_after_max_attempts_and_compensate(participant, orchestrator_for, clock):
    steps = [
        participant.step("A"),
        participant.step("B", errors=itertools.repeat(TransientStepError("busy")), retry=POLICY),
    ]

    result = orchestrator_for(*steps).run(correlation_id=CID)

    assert result.outcome is SagaOutcome.COMPENSATED
    assert result.failed_step == "B"
    assert result.error == "busy"
    assert clock.sleeps == [0.5, 1.5, 2.0]
    assert participant.calls == ["do A#1", "do B#1", "do B#2", "do B#3", "do B#4", "undo A#1"]
    assert [e for e in result.events if isinstance(e, StepFailed)] == [
        StepFailed(CID, clock.now, "B", 4, "busy", False, False)
    ]
    assert sum(isinstance(e, StepRetried) for e in result.events) == 3


def test_plain_step_error_is_not_retried(participant, orchestrator_for, clock):
    steps = [participant.step("A", errors=[StepError("card declined")], retry=POLICY)]

    result = orchestrator_for(*steps).run()

    assert result.outcome is SagaOutcome.COMPENSATED
    assert participant.calls == ["do A#1"]
    assert clock.sleeps == []
    assert not any(isinstance(e, StepRetried) for e in result.events)


def test_transient_error_without_retry_policy_fails_at_once(participant, orchestrator_for, clock):
    steps = [participant.step("A", errors=[TransientStepError("busy")])]

    result = orchestrator_for(*steps).run()

    assert result.failed_step == "A"
    assert participant.calls == ["do A#1"]
    assert clock.sleeps == []


def test_transient_then_permanent_error_stops_retrying(participant, orchestrator_for, clock):
    errors = [TransientStepError("busy"), StepError("gone")]
    steps = [participant.step("A", errors=errors, retry=POLICY)]

    result = orchestrator_for(*steps).run()

    assert result.error == "gone"
    assert participant.calls == ["do A#1", "do A#2"]
    assert clock.sleeps == [0.5]


def test_actions_see_their_attempt_number(participant, orchestrator_for):
    busy = TransientStepError("busy")
    orchestrator_for(participant.step("A", errors=[busy, busy], retry=POLICY)).run()

    assert [c.attempt for c in participant.contexts] == [1, 2, 3]
    assert len({c.idempotency_key for c in participant.contexts}) == 1


def test_orchestrator_jitter_uses_its_rng(participant, orchestrator_for, clock):
    policy = RetryPolicy(
        max_attempts=4, initial_delay=1.0, multiplier=2.0, max_delay=3.0, jitter=0.2
    )
    steps = [participant.step("A", errors=itertools.repeat(TransientStepError("x")), retry=policy)]

    result = orchestrator_for(*steps, rng=random.Random(42)).run()

    reference = random.Random(42)
    expected = [base * (1 + reference.uniform(-0.2, 0.2)) for base in (1.0, 2.0, 3.0)]
    assert clock.sleeps == expected
    assert [e.delay for e in result.events if isinstance(e, StepRetried)] == expected
    assert all(b * 0.8 <= d <= b * 1.2 for b, d in zip((1.0, 2.0, 3.0), clock.sleeps, strict=True))
