"""Random saga files under random faults: the generalised invariants always hold.

Definitions of 1 to 12 steps with random effects on stocks, accounts and records,
random fault plans (refusals, transient failures, timeouts, undos that fail once
or for ever): after every saga, however it ended, each service holds exactly the
effects of the steps that completed and were not compensated, the stocks and
balances add up, and the compensations ran newest first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    SagaSpec,
    StepRole,
    spec_from_data,
)

SERVICES = {
    "store": {"stock": {"a": 30, "b": 30, "c": 30}},
    "bank": {"accounts": {"acct": 100_000.0}},
    "vault": {"accounts": {"safe": 0.0}},
    "ledger": {"records": True},
}

effects = st.one_of(
    st.builds(
        lambda item, amount: ("store", {"take": {"item": item, "amount": amount}}),
        st.sampled_from("abc"),
        st.integers(1, 3),
    ),
    st.builds(
        lambda amount: ("bank", {"debit": {"account": "acct", "amount": amount}}),
        st.integers(1, 500).map(float),
    ),
    st.builds(
        lambda amount: ("vault", {"credit": {"account": "safe", "amount": amount}}),
        st.integers(1, 500).map(float),
    ),
    st.builds(lambda kind: ("ledger", {"record": {"kind": kind}}), st.sampled_from(["x", "y"])),
)

faults = st.sampled_from(
    [
        Fault(FaultKind.FAIL),
        Fault(FaultKind.TRANSIENT, 1),
        Fault(FaultKind.TRANSIENT, 5),
        Fault(FaultKind.TIMEOUT),
        Fault(FaultKind.COMPENSATION_FAIL, 1),
        Fault(FaultKind.COMPENSATION_FAIL, None),
    ]
)


@st.composite
def sagas(draw: st.DrawFn) -> tuple[SagaSpec, list[dict[str, Fault]]]:
    chosen = draw(st.lists(effects, min_size=1, max_size=12))
    # Compensatable steps, then maybe a pivot, then retriable steps after it.
    pivot = draw(st.none() | st.integers(0, len(chosen) - 1))
    steps = []
    for number, (service, effect) in enumerate(chosen):
        step = {"name": f"STEP_{number}", "service": service, "retries": 1, **effect}
        if pivot is not None and number >= pivot:
            step["role"] = "pivot" if number == pivot else "retriable"
        steps.append(step)
    data: dict[str, Any] = {"name": "random_saga", "services": SERVICES, "steps": steps}
    spec = spec_from_data(data)
    keys = spec.step_keys
    plans = draw(
        st.lists(st.dictionaries(st.sampled_from(keys), faults, max_size=3), min_size=1, max_size=4)
    )
    return spec, plans


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sagas())
def test_any_saga_under_any_faults_leaves_the_books_balanced(case) -> None:
    spec, plans = case
    with (
        tempfile.TemporaryDirectory() as scratch,
        BookingSagaOrchestrator(
            Path(scratch), saga=spec, write_logs=False, keep_events=False
        ) as runner,
    ):
        request = runner.validate({})
        retriable = {step.name for step in spec.steps if step.role is StepRole.RETRIABLE}
        for plan in plans:
            result = runner.run(request, plan)
            completed = list(result.results)  # in the order they completed
            undone = [r.step for r in result.compensations if r.compensation != r.step]
            parked_forward = [r.step for r in result.compensations if r.compensation == r.step]
            assert not set(undone) & retriable, "a retriable step was compensated"
            if result.success:
                assert result.compensations == ()
            elif result.failed_step in retriable:
                # Past the pivot: nothing is undone; the step waits as a dead letter.
                assert undone == []
                assert parked_forward == [result.failed_step]
                assert spec.pivot is not None
                assert spec.pivot.name in completed
            else:
                expected = [*completed]
                if result.failed_step is not None and result.failed_step not in completed:
                    # A step that timed out may have had its effect: it is undone too.
                    timed_out = plan.get(result.failed_step.lower())
                    if timed_out is not None and timed_out.kind is FaultKind.TIMEOUT:
                        expected.append(result.failed_step)
                assert parked_forward == []
                assert undone == list(reversed(expected))
            assert runner.store is not None
            snapshot = runner.world.snapshot(runner.store)
            assert snapshot.violations == (), snapshot.violations
            assert snapshot.in_flight == ()
