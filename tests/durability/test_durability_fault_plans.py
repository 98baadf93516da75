"""Property: whatever goes wrong, a booking saga ends with the world adding up.

Random fault plans over the four steps (at most one fault per step, every kind):
run one durable saga; a ``crash`` raises ``SimulatedCrash``, after which a fresh
orchestrator recovers; a dead letter (``compensation_fail:forever``) is retried by
a fresh orchestrator without faults. Then nothing is unfinished, nothing waits in
the dead-letter queue, the world adds up, and the undo order is the reverse of
the order the steps were started in.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    STEP_KEYS,
    STEP_NAMES,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    step_key,
)
from saga_desktop.engine import (
    CompensationStarted,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaOutcome,
    SimulatedCrash,
    StepStarted,
)

FOREVER = Fault(FaultKind.COMPENSATION_FAIL, None)
#: Every kind, with every count the issue names.
ALL_FAULTS: tuple[Fault, ...] = (
    Fault(FaultKind.FAIL),
    *(Fault(FaultKind.TRANSIENT, n) for n in range(1, 5)),
    Fault(FaultKind.TIMEOUT),
    Fault(FaultKind.COMPENSATION_FAIL, 1),
    Fault(FaultKind.COMPENSATION_FAIL, 2),
    FOREVER,
    Fault(FaultKind.CRASH),
)
#: Each step: no fault, or one of any kind; the two that end a saga unusually (a crash,
#: an undo that never works) are drawn twice as often, as they need the rarest plans.
STEP_FAULTS = st.sampled_from((None, None, None, *ALL_FAULTS, FOREVER, Fault(FaultKind.CRASH)))
PLANS = st.tuples(*(STEP_FAULTS for _ in STEP_KEYS)).map(
    lambda faults: {key: f for key, f in zip(STEP_KEYS, faults, strict=True) if f is not None}
)

#: Attempts a step gets (ACTION_RETRY.max_attempts): transient:3 and more fail for good.
MAX_ATTEMPTS = 3


def expected_end(plan: dict[str, Fault]) -> tuple[str, list[str], bool]:
    """The model: how the saga ends, the steps undone newest first, and whether it crashed."""
    started: list[str] = []
    for name in STEP_NAMES:
        fault = plan.get(step_key(name))
        started.append(name)
        if fault is None:
            continue
        kind = fault.kind
        if kind is FaultKind.FAIL or (
            kind is FaultKind.TRANSIENT and (fault.times or 0) >= MAX_ATTEMPTS
        ):
            # The refused step did nothing: only the steps before it are undone.
            return "failed", list(reversed(started[:-1])), False
        if kind is FaultKind.TIMEOUT:
            # Its effect is unknown: it is undone too.
            return "failed", list(reversed(started)), False
        if kind is FaultKind.CRASH:
            return "crashed", list(reversed(started)), True
    return "completed", [], False


def first_occurrences(events: list[SagaEvent], kind: type[SagaEvent]) -> list[str]:
    seen: list[str] = []
    for saga_event in events:
        step = getattr(saga_event, "step", None)
        if isinstance(saga_event, kind) and step not in seen:
            seen.append(step)
    return seen


@settings(max_examples=60, deadline=None)
@given(plan=PLANS)
# Dead letters need a forever-failing undo *and* a later failure: make sure they are tried.
@example(plan={"deduct_loyalty_points": FOREVER, "confirm_booking": Fault(FaultKind.FAIL)})
@example(
    plan={
        "reserve_seat": FOREVER,
        "deduct_loyalty_points": Fault(FaultKind.COMPENSATION_FAIL, 2),
        "process_payment": FOREVER,
        "confirm_booking": Fault(FaultKind.TIMEOUT),
    }
)
@example(plan={"reserve_seat": FOREVER, "process_payment": Fault(FaultKind.CRASH)})
def test_any_fault_plan_ends_consistent_with_undo_in_reverse_start_order(
    plan: dict[str, Fault],
) -> None:
    end, undone, crashes = expected_end(plan)
    event(f"saga {end}")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        crashed = False
        with BookingSagaOrchestrator(data_dir) as orchestrator:
            request = orchestrator.validate(DEFAULT_BOOKING)
            try:
                result = orchestrator.run(request, plan)
            except SimulatedCrash:
                crashed = True
        assert crashed == crashes

        with BookingSagaOrchestrator(data_dir) as restarted:
            recovered = restarted.recover()
            assert len(recovered) == int(crashed)
            if crashed:
                result = recovered[0]
                assert result.outcome is SagaOutcome.COMPENSATED
            # Only a saga that compensated before dying can hold a dead letter.
            forever = {name for name in undone if plan.get(step_key(name)) == FOREVER}
            parked = {letter.step for letter in restarted.dead_letters()}
            assert parked == (set() if crashed else forever)
            assert (result.outcome is SagaOutcome.DEAD_LETTERED) == bool(parked)
            assert (result.outcome is SagaOutcome.COMPLETED) == (end == "completed")
            # A dead letter is an undo that did not happen: until it is retried, the
            # world does not add up (which is why the retry below matters).
            assert restarted.world.snapshot().consistent == (not parked)

        if parked:
            event("dead letters retried")
        for letter_step in sorted(parked):
            with BookingSagaOrchestrator(data_dir) as fixer:
                (letter,) = [d for d in fixer.dead_letters() if d.step == letter_step]
                assert fixer.retry_dead_letter(letter)

        with BookingSagaOrchestrator(data_dir) as checker:
            store = checker.store
            assert store is not None
            assert store.incomplete() == []
            assert checker.dead_letters() == []
            snapshot = checker.world.snapshot()
            assert snapshot.consistent, snapshot.violations
            assert snapshot.bookings["confirmed"] == (1 if end == "completed" else 0)

            history = store.history(result.correlation_id)
            # Up to the saga's own end: the dead-letter retries come after it.
            end_at = next(
                i for i, e in enumerate(history) if isinstance(e, SagaCompensated | SagaCompleted)
            )
            started = first_occurrences(history[:end_at], StepStarted)
            compensated = first_occurrences(history[:end_at], CompensationStarted)
            assert compensated == undone
            assert compensated == [s for s in reversed(started) if s in compensated]
