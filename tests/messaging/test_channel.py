"""The in-process channel: at least once, acknowledged, redelivered, faulty on purpose."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from saga_desktop.messaging import (
    Envelope,
    InProcessChannel,
    MessageFault,
    MessageFaultKind,
    MessageFaults,
    MessageKind,
    TransportClosed,
    new_message_id,
)


def _message(step: str = "S", kind: MessageKind = MessageKind.ACTION, n: int = 1) -> Envelope:
    return Envelope(new_message_id(), "cid", step, kind, f"cid:{step}:{kind.value}:{n}", {"n": n})


@pytest.fixture
def channel() -> Iterator[InProcessChannel]:
    channel = InProcessChannel(ack_wait=0.05)
    yield channel
    channel.close()


def test_a_message_is_delivered_once_when_acknowledged(channel: InProcessChannel) -> None:
    inbox = channel.subscribe("a")
    channel.publish("a", _message())
    delivery = inbox.next(1.0)
    assert delivery is not None
    assert delivery.redelivered == 0
    delivery.ack()
    assert inbox.next(0.12) is None  # past the ack wait: nothing comes again
    assert channel.stats.to_dict()["delivered"] == 1
    assert channel.pending() == 0


def test_an_unacknowledged_message_is_delivered_again(channel: InProcessChannel) -> None:
    inbox = channel.subscribe("a")
    sent = _message()
    channel.publish("a", sent)
    first = inbox.next(1.0)
    assert first is not None  # and never acknowledged: the receiver "died"
    again = inbox.next(1.0)
    assert again is not None
    assert again.envelope == sent
    assert again.redelivered == 1
    again.ack()
    assert channel.stats.redelivered == 1


def test_a_wait_ends_at_its_timeout(channel: InProcessChannel) -> None:
    inbox = channel.subscribe("a")
    started = time.monotonic()
    assert inbox.next(0.05) is None
    assert 0.04 <= time.monotonic() - started < 1.0


def test_subjects_are_apart_and_order_is_kept(channel: InProcessChannel) -> None:
    a, b = channel.subscribe("a"), channel.subscribe("b")
    for n in range(5):
        channel.publish("a", _message(n=n))
    channel.publish("b", _message(step="T"))
    got = []
    for _ in range(5):
        delivery = a.next(1.0)
        assert delivery is not None
        delivery.ack()
        got.append(delivery.envelope.payload["n"])
    assert got == [0, 1, 2, 3, 4]
    other = b.next(1.0)
    assert other is not None
    assert other.envelope.step == "T"


def _faulty(*faults: MessageFault) -> InProcessChannel:
    return InProcessChannel(MessageFaults(faults, seed=7), ack_wait=5.0, reorder_window=0.05)


def _drain(channel: InProcessChannel, subject: str, wait: float = 0.3) -> list[Envelope]:
    inbox = channel.subscribe(subject)
    got = []
    while (delivery := inbox.next(wait)) is not None:
        delivery.ack()
        got.append(delivery.envelope)
    return got


def test_duplicate_delivers_k_copies() -> None:
    channel = _faulty(MessageFault(MessageFaultKind.DUPLICATE, value=3))
    sent = _message()
    channel.publish("a", sent)
    assert _drain(channel, "a") == [sent, sent, sent]
    channel.close()


def test_drop_loses_commands_and_lost_reply_loses_replies() -> None:
    channel = _faulty(
        MessageFault(MessageFaultKind.DROP, step="S"),
        MessageFault(MessageFaultKind.LOST_REPLY),
    )
    channel.publish("a", _message("S"))  # dropped
    channel.publish("a", _message("T"))  # another step: arrives
    channel.publish("a", _message("T").reply({}))  # an action's reply: lost
    channel.publish("a", _message("T", MessageKind.COMPENSATION).reply({}))  # arrives
    channel.publish("a", _message("T", MessageKind.COMPENSATION))  # no drop@T: arrives
    assert [e.kind.value for e in _drain(channel, "a", 0.05)] == ["action", "reply", "compensation"]
    assert channel.stats.dropped == 2
    channel.close()


def test_delay_holds_a_message_back() -> None:
    channel = _faulty(MessageFault(MessageFaultKind.DELAY, value=150))
    inbox = channel.subscribe("a")
    started = time.monotonic()
    channel.publish("a", _message())
    assert inbox.next(0.05) is None
    delivery = inbox.next(2.0)
    assert delivery is not None
    assert time.monotonic() - started >= 0.14
    channel.close()


def test_reorder_lets_the_next_message_overtake() -> None:
    channel = _faulty(MessageFault(MessageFaultKind.REORDER, step="S"))
    channel.publish("a", _message("S"))
    channel.publish("a", _message("T"))
    assert [e.step for e in _drain(channel, "a")] == ["T", "S"]
    channel.close()


def test_a_reordered_message_alone_still_arrives() -> None:
    channel = _faulty(MessageFault(MessageFaultKind.REORDER))
    channel.publish("a", _message("S"))
    assert [e.step for e in _drain(channel, "a")] == ["S"]
    channel.close()


def test_fates_are_reproducible_from_the_seed() -> None:
    def fates(seed: int) -> list[int]:
        faults = MessageFaults([MessageFault(MessageFaultKind.DROP, 0.5)], seed=seed)
        return [faults.fate(_message(n=n)).copies for n in range(40)]

    assert fates(1) == fates(1)
    assert fates(1) != fates(2)
    assert 0 < sum(fates(1)) < 40


def test_a_closed_channel_ends_waits_and_refuses_sends() -> None:
    channel = InProcessChannel()
    inbox = channel.subscribe("a")
    channel.close()
    with pytest.raises(TransportClosed):
        inbox.next(5.0)
    with pytest.raises(TransportClosed):
        channel.publish("a", _message())
