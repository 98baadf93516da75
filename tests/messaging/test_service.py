"""A service on its threads: idempotent inbox, transactional outbox, status queries."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from saga_desktop.booking._services import StockService
from saga_desktop.engine import SagaStep, StepContext
from saga_desktop.messaging import (
    InProcessChannel,
    MessageClient,
    MessageFault,
    MessageFaultKind,
    MessageFaults,
    MessageKind,
    ServiceNode,
)
from tests.messaging.conftest import left

Node = Callable[..., tuple[ServiceNode, MessageClient]]


@pytest.fixture
def node(stock: StockService, take_step: SagaStep) -> Iterator[Node]:
    made: list[tuple[InProcessChannel, ServiceNode]] = []

    def make(*faults: MessageFault, queries: int = 8) -> tuple[ServiceNode, MessageClient]:
        channel = InProcessChannel(MessageFaults(faults, seed=3), ack_wait=0.5)
        service = ServiceNode("store", channel, stock, {"TAKE": take_step}, poll=0.02)
        service.start()
        made.append((channel, service))
        return service, MessageClient(channel, reply_timeout=0.1, max_queries=queries)

    yield make
    for channel, service in made:
        service.stop()
        channel.close()


def _context(attempt: int = 1, amount: int = 2) -> StepContext:
    return StepContext("saga-1", "TAKE", attempt, {"amount": amount}, {})


def test_a_command_is_applied_and_answered(node: Node, stock: StockService) -> None:
    service, client = node()
    reply = client.call("store", MessageKind.ACTION, _context())
    assert reply is not None
    assert reply["status"] == "done"
    assert reply["result"]["left"] == 3
    assert left(stock) == 3
    (entry,) = service.inbox()
    assert (entry.key, entry.kind, entry.duplicates) == ("saga-1:TAKE:action:1", "action", 0)
    assert service.applied == {"saga-1:TAKE:action:1": 1}


def test_duplicates_are_ignored_by_key_and_recorded(node: Node, stock: StockService) -> None:
    service, client = node(MessageFault(MessageFaultKind.DUPLICATE, value=4))
    reply = client.call("store", MessageKind.ACTION, _context())
    assert reply is not None
    assert reply["status"] == "done"
    deadline = time.monotonic() + 5
    while service.inbox()[0].duplicates < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service.inbox()[0].duplicates == 3
    assert service.applied == {"saga-1:TAKE:action:1": 1}
    assert left(stock) == 3
    assert client.transport.stats.duplicates_ignored == 3


def test_a_lost_reply_is_found_by_a_status_query(node: Node, stock: StockService) -> None:
    service, client = node(MessageFault(MessageFaultKind.LOST_REPLY, step="TAKE"))
    # Every reply is lost: the effect happened, the orchestrator asks and never hears.
    assert client.call("store", MessageKind.ACTION, _context()) is None
    assert left(stock) == 3
    assert service.applied == {"saga-1:TAKE:action:1": 1}
    stats = client.transport.stats
    assert stats.status_queries == 8
    assert stats.dropped == 9  # the reply and the eight answers to the queries


def test_a_dropped_command_is_sent_again_after_a_status_query(
    node: Node, stock: StockService
) -> None:
    service, client = node(MessageFault(MessageFaultKind.DROP, 0.5))
    for attempt in range(1, 6):
        reply = client.call("store", MessageKind.ACTION, _context(attempt, amount=1))
        assert reply is not None
        assert reply["status"] == "done"
    # One effect for the participant's key, however many commands reached it.
    assert left(stock) == 4
    assert all(count == 1 for count in service.applied.values())
    assert client.transport.stats.dropped > 0


def test_a_refusal_is_recorded_and_changes_nothing(node: Node, stock: StockService) -> None:
    service, client = node()
    reply = client.call("store", MessageKind.ACTION, _context(amount=9))
    assert reply is not None
    assert reply["status"] == "refused"
    assert "5 seat left, 9 needed" in reply["error"]
    assert left(stock) == 5
    assert service.inbox()[0].reply["status"] == "refused"


def test_the_outbox_keeps_a_reply_until_the_relay_publishes_it(
    stock: StockService, take_step: SagaStep
) -> None:
    channel = InProcessChannel(ack_wait=0.5)
    service = ServiceNode("store", channel, stock, {"TAKE": take_step}, poll=0.02)
    client = MessageClient(channel, reply_timeout=0.1, max_queries=0)
    service.start(relay=False)  # the relay is down
    try:
        assert client.call("store", MessageKind.ACTION, _context()) is None
        # State change and reply committed together: the effect is there, so is the reply.
        assert left(stock) == 3
        assert service.outbox_size() == 1
        service.stop()
        service.start()  # back with its relay: the reply goes out
        deadline = time.monotonic() + 5
        while service.outbox_size() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert service.outbox_size() == 0
        late = client._replies.next(1.0)
        assert late is not None
        assert late.envelope.idempotency_key == "saga-1:TAKE:action:1"
        assert late.envelope.payload["status"] == "done"
    finally:
        service.stop()
        channel.close()


def test_a_compensation_undoes_once(node: Node, stock: StockService) -> None:
    service, client = node(MessageFault(MessageFaultKind.DUPLICATE, value=2))
    assert client.call("store", MessageKind.ACTION, _context()) is not None
    for attempt in (1, 2):
        reply = client.call("store", MessageKind.COMPENSATION, _context(attempt))
        assert reply is not None
        assert reply["status"] == "done"
    assert left(stock) == 5
    assert all(count == 1 for count in service.applied.values())
