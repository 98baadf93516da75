"""The booking saga over the in-process message transport: the same story as direct calls.

The same requests under the same step faults, once calling the participants and
once sending them commands: the same outcomes, failed steps, errors and
compensations, and the same world afterwards, whose books balance.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    STEP_NAMES,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    FaultPlan,
    spec_from_data,
)
from saga_desktop.booking._messages import MessageSetup
from saga_desktop.engine import SagaResult
from saga_desktop.messaging import MessageFault, MessageFaultKind

PLANS: list[FaultPlan] = [
    {},
    {"process_payment": Fault(FaultKind.FAIL)},
    {"reserve_seat": Fault(FaultKind.FAIL)},
    {"deduct_loyalty_points": Fault(FaultKind.TRANSIENT, 2)},
    {"confirm_booking": Fault(FaultKind.TIMEOUT)},
    {"process_payment": Fault(FaultKind.TRANSIENT, 5)},
    {
        "confirm_booking": Fault(FaultKind.FAIL),
        "deduct_loyalty_points": Fault(FaultKind.COMPENSATION_FAIL, 1),
    },
    {
        "process_payment": Fault(FaultKind.FAIL),
        "reserve_seat": Fault(FaultKind.COMPENSATION_FAIL, 2),
    },
]

# Generous waits: nothing is lost without message faults, so none of them ends.
CALM = MessageSetup(reply_timeout=5.0)


def _story(result: SagaResult) -> tuple[Any, ...]:
    return (
        result.outcome,
        result.failed_step,
        result.error,
        result.steps_completed,
        tuple((c.step, c.success, c.attempts, c.error) for c in result.compensations),
    )


def _figures(orchestrator: BookingSagaOrchestrator) -> dict[str, Any]:
    snapshot = orchestrator.world.snapshot(orchestrator.store)
    assert snapshot.consistent, snapshot.violations
    data = snapshot.to_dict()
    return {
        "seats": {f["id"]: f["seats_taken"] for f in data["flights"]},
        "points": {u["id"]: u["points"] for u in data["users"]},
        "payments": data["payments"],
        "bookings": data["bookings"]["confirmed"],
    }


def _run_all(data_dir: Path, messages: MessageSetup | None) -> tuple[list[Any], dict[str, Any]]:
    with BookingSagaOrchestrator(
        data_dir, rng=random.Random(5), write_logs=False, messages=messages
    ) as orchestrator:
        stories = []
        for plan in PLANS:
            request = orchestrator.validate(copy.deepcopy(DEFAULT_BOOKING))
            stories.append(_story(orchestrator.run(request, plan)))
        return stories, _figures(orchestrator)


def test_messages_tell_the_same_story_as_direct_calls(tmp_path: Path) -> None:
    direct = _run_all(tmp_path / "direct", None)
    by_messages = _run_all(tmp_path / "messages", CALM)
    assert by_messages == direct
    assert {story[0].value for story in direct[0]} >= {"COMPLETED", "COMPENSATED"}


@pytest.fixture
def messaging(tmp_path: Path) -> Iterator[BookingSagaOrchestrator]:
    with BookingSagaOrchestrator(tmp_path, write_logs=False, messages=CALM) as orchestrator:
        yield orchestrator


def test_every_command_travels_as_a_message(messaging: BookingSagaOrchestrator) -> None:
    response = messaging.start_booking_saga(copy.deepcopy(DEFAULT_BOOKING))
    assert response["success"] is True
    assert messaging.messages is not None
    stats = messaging.messages.stats.to_dict()
    # Four commands and four replies, nothing lost, nothing repeated.
    assert stats["sent"] == 8
    assert stats["delivered"] == 8
    assert stats["duplicates_ignored"] == stats["dropped"] == stats["timed_out"] == 0
    inbox = {entry.key for node in messaging.messages.nodes.values() for entry in node.inbox()}
    cid = response["correlation_id"]
    assert inbox == {f"{cid}:{step}:action:1" for step in STEP_NAMES}


def test_a_reset_world_gets_new_services(messaging: BookingSagaOrchestrator) -> None:
    messaging.reset_world()
    response = messaging.start_booking_saga(copy.deepcopy(DEFAULT_BOOKING))
    assert response["success"] is True
    assert messaging.world.snapshot(messaging.store).consistent


SAGA = {
    "name": "trip",
    "services": {
        "hotel": {"stock": {"room": 3}},
        "bank": {"accounts": {"acct": 1000.0}},
        "mail": {"records": True},
    },
    "steps": [
        {"name": "BOOK_ROOM", "service": "hotel", "take": {"item": "room", "amount": 1}},
        {"name": "CHARGE", "service": "bank", "debit": {"account": "acct", "amount": 100.0}},
        {"name": "SEND", "service": "mail", "record": {"kind": "mail"}},
    ],
}


def test_a_saga_files_world_talks_by_messages_too(tmp_path: Path) -> None:
    spec = spec_from_data(SAGA)
    with BookingSagaOrchestrator(
        tmp_path, saga=spec, write_logs=False, messages=CALM
    ) as orchestrator:
        request = orchestrator.validate({})
        ok = orchestrator.run(request)
        failed = orchestrator.run(request, {"send": Fault(FaultKind.FAIL)})
        assert ok.outcome.value == "COMPLETED"
        assert failed.outcome.value == "COMPENSATED"
        assert [c.step for c in failed.compensations] == ["CHARGE", "BOOK_ROOM"]
        snapshot = orchestrator.world.snapshot(orchestrator.store)
        assert snapshot.consistent, snapshot.violations


def _lesson(tmp_path: Path, *faults: MessageFault, queries: int = 8) -> BookingSagaOrchestrator:
    setup = MessageSetup(faults, seed=11, reply_timeout=0.02, max_queries=queries)
    return BookingSagaOrchestrator(tmp_path, write_logs=False, messages=setup)


def test_a_reply_never_heard_forces_the_steps_compensation(tmp_path: Path) -> None:
    lost = MessageFault(MessageFaultKind.LOST_REPLY, step="PROCESS_PAYMENT")
    with _lesson(tmp_path, lost) as orchestrator:
        result = orchestrator.run(orchestrator.validate(copy.deepcopy(DEFAULT_BOOKING)))
        # The payment was captured, the orchestrator never heard: it is refunded.
        assert result.outcome.value == "COMPENSATED"
        assert result.failed_step == "PROCESS_PAYMENT"
        assert "timed out" in (result.error or "")
        assert [c.step for c in result.compensations] == [
            "PROCESS_PAYMENT",
            "DEDUCT_LOYALTY_POINTS",
            "RESERVE_SEAT",
        ]
        assert _figures(orchestrator)["payments"]["net"] == 0
        assert orchestrator.messages is not None
        assert orchestrator.messages.stats.status_queries == 8


def test_status_queries_find_lost_replies_and_resends_replace_lost_commands(
    tmp_path: Path,
) -> None:
    faults = (
        MessageFault(MessageFaultKind.LOST_REPLY, 0.5, step="PROCESS_PAYMENT"),
        MessageFault(MessageFaultKind.DROP, 0.5, step="RESERVE_SEAT"),
    )
    with _lesson(tmp_path, *faults) as orchestrator:
        request = orchestrator.validate(copy.deepcopy(DEFAULT_BOOKING))
        results = [orchestrator.run(request) for _ in range(4)]  # 5000 points, 1000 each
        assert all(result.success for result in results)
        figures = _figures(orchestrator)
        assert figures["bookings"] == 4
        assert figures["payments"]["net"] == pytest.approx(4 * 490.0)  # each captured once
        assert orchestrator.messages is not None
        stats = orchestrator.messages.stats
        assert stats.dropped > 0
        assert stats.status_queries > 0
        assert stats.resent > 0


def _killed(tmp_path: Path, *, dual_write: bool) -> BookingSagaOrchestrator:
    # No status query: the reply comes by itself, or the step times out.
    setup = MessageSetup(
        reply_timeout=1.0,
        max_queries=0,
        dual_write=dual_write,
        kill_after_write=("PROCESS_PAYMENT",),
    )
    return BookingSagaOrchestrator(tmp_path, write_logs=False, messages=setup)


def test_the_outbox_sends_the_reply_a_killed_service_never_sent(tmp_path: Path) -> None:
    with _killed(tmp_path, dual_write=False) as orchestrator:
        result = orchestrator.run(orchestrator.validate(copy.deepcopy(DEFAULT_BOOKING)))
        # Killed between its write and its reply, the service came back and its
        # relay published what the outbox held: the saga never knew.
        assert result.success, result.error
        assert orchestrator.messages is not None
        assert orchestrator.messages.report()["deaths"] == {"payments": 1}
        assert _figures(orchestrator)["payments"]["net"] == 490.0


def test_dual_write_loses_the_reply_of_a_killed_service(tmp_path: Path) -> None:
    with _killed(tmp_path, dual_write=True) as orchestrator:
        result = orchestrator.run(orchestrator.validate(copy.deepcopy(DEFAULT_BOOKING)))
        # The payment was written, its reply died with the service: the orchestrator
        # timed out and refunded a payment it never heard of.
        assert result.outcome.value == "COMPENSATED"
        assert result.failed_step == "PROCESS_PAYMENT"
        assert "timed out" in (result.error or "")
        assert orchestrator.messages is not None
        payments = orchestrator.messages.nodes["payments"]
        assert payments.deaths == 1
        assert payments.outbox_size() == 0  # nothing kept it
        assert _figures(orchestrator)["payments"]["net"] == 0
