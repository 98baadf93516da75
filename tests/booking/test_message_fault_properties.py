"""Random message faults over random step faults: the books balance, no effect twice.

Duplicates, delays, reorders, dropped commands and lost replies, per step or for
all traffic, on top of refusals, transient failures, timeouts and undos that fail:
every saga ends (completed, compensated, or dead-lettered with a reason), the
world's invariants hold after each, and no service applied a command twice.
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    STEP_KEYS,
    STEP_NAMES,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
)
from saga_desktop.booking._messages import MessageSetup
from saga_desktop.messaging import MessageFault, MessageFaultKind

chances = st.floats(0.0, 0.3)
steps = st.none() | st.sampled_from(STEP_NAMES)
message_faults = st.one_of(
    st.builds(MessageFault, st.just(MessageFaultKind.DUPLICATE), chances, st.integers(2, 3), steps),
    st.builds(MessageFault, st.just(MessageFaultKind.DELAY), chances, st.integers(1, 30), steps),
    st.builds(MessageFault, st.just(MessageFaultKind.REORDER), chances, st.just(0), steps),
    st.builds(MessageFault, st.just(MessageFaultKind.DROP), chances, st.just(0), steps),
    st.builds(MessageFault, st.just(MessageFaultKind.LOST_REPLY), chances, st.just(0), steps),
)
step_faults = st.sampled_from(
    [
        Fault(FaultKind.FAIL),
        Fault(FaultKind.TRANSIENT, 1),
        Fault(FaultKind.TRANSIENT, 5),
        Fault(FaultKind.TIMEOUT),
        Fault(FaultKind.COMPENSATION_FAIL, 1),
    ]
)
plans = st.lists(st.dictionaries(st.sampled_from(STEP_KEYS), step_faults, max_size=2), max_size=3)


def _quiet(orchestrator: BookingSagaOrchestrator) -> None:
    # Late copies still on their way change nothing, but are let arrive before the end.
    assert orchestrator.messages is not None
    deadline = time.monotonic() + 10
    channel = orchestrator.messages.transport
    while time.monotonic() < deadline and channel.pending("service."):  # type: ignore[attr-defined]
        time.sleep(0.01)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(message_faults, min_size=1, max_size=4), plans, st.integers(0, 2**32))
def test_message_faults_never_unbalance_the_books(
    faults: list[MessageFault], step_plans: list[dict[str, Fault]], seed: int
) -> None:
    setup = MessageSetup(faults, seed, reply_timeout=0.01, max_queries=30, ack_wait=0.5)
    with (
        tempfile.TemporaryDirectory() as scratch,
        BookingSagaOrchestrator(
            Path(scratch), write_logs=False, keep_events=False, messages=setup
        ) as orchestrator,
    ):
        request = orchestrator.validate(copy.deepcopy(DEFAULT_BOOKING))
        for plan in [{}, *step_plans]:
            result = orchestrator.run(request, plan)
            assert result.outcome.value in ("COMPLETED", "COMPENSATED", "DEAD_LETTERED")
            if not result.success:
                assert result.error
            snapshot = orchestrator.world.snapshot(orchestrator.store)
            assert snapshot.violations == (), snapshot.violations
            assert snapshot.in_flight == ()
        _quiet(orchestrator)
        assert orchestrator.world.snapshot(orchestrator.store).violations == ()
        assert orchestrator.messages is not None
        for node in orchestrator.messages.nodes.values():
            assert all(count == 1 for count in node.applied.values()), node.applied
            for entry in node.inbox():
                assert node.applied[entry.key] == 1  # every recorded command applied once
