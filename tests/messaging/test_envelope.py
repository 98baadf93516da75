"""Envelopes: JSON both ways, every field checked, a size limit before parsing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saga_desktop.messaging import (
    MAX_MESSAGE_BYTES,
    Envelope,
    InvalidMessage,
    MessageKind,
    command_key,
    new_message_id,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _envelope(payload: dict[str, object]) -> Envelope:
    key = command_key("cid-1", "RESERVE_SEAT", MessageKind.ACTION, 1)
    return Envelope(new_message_id(), "cid-1", "RESERVE_SEAT", MessageKind.ACTION, key, payload)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5), st.sampled_from(MessageKind))
def test_an_envelope_survives_json(payload: dict[str, object], kind: MessageKind) -> None:
    envelope = Envelope(new_message_id(), "c", "S", kind, "c:S", payload)
    assert Envelope.from_json(envelope.to_json()) == envelope


def test_message_ids_are_unique_and_keys_name_the_command() -> None:
    assert len({new_message_id() for _ in range(1000)}) == 1000
    assert command_key("c", "S", MessageKind.COMPENSATION, 3) == "c:S:compensation:3"


def test_a_reply_carries_its_commands_key_and_saga() -> None:
    command = _envelope({"x": 1})
    reply = command.reply({"status": "done"})
    assert reply.kind is MessageKind.REPLY
    assert (reply.correlation_id, reply.step, reply.idempotency_key) == (
        command.correlation_id,
        command.step,
        command.idempotency_key,
    )
    assert reply.message_id != command.message_id


def test_a_payload_that_is_no_json_data_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="not JSON data"):
        _envelope({"x": object()}).to_json()


def test_a_message_too_long_is_refused_both_ways() -> None:
    with pytest.raises(InvalidMessage, match="at most"):
        _envelope({"x": "a" * MAX_MESSAGE_BYTES}).to_json()
    huge = b"{" + b" " * MAX_MESSAGE_BYTES + b"}"
    with pytest.raises(InvalidMessage, match="at most"):
        Envelope.from_json(huge)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("nope", "not JSON"),
        ("[]", "exactly the fields"),
        ('{"message_id": "m"}', "exactly the fields"),
        (
            '{"message_id": "m", "correlation_id": "c", "step": "S", "kind": "explode", '
            '"idempotency_key": "k", "payload": {}}',
            "unknown kind",
        ),
        (
            '{"message_id": 1, "correlation_id": "c", "step": "S", "kind": "reply", '
            '"idempotency_key": "k", "payload": {}}',
            "must be text",
        ),
        (
            '{"message_id": "m", "correlation_id": "c", "step": "S", "kind": "reply", '
            '"idempotency_key": "k", "payload": []}',
            "JSON object",
        ),
    ],
)
def test_damaged_messages_are_refused_with_a_reason(text: str, words: str) -> None:
    with pytest.raises(InvalidMessage, match=words):
        Envelope.from_json(text)


def test_the_wire_form_is_plain_json() -> None:
    envelope = _envelope({"request": {"flight_id": 123}})
    data = json.loads(envelope.to_json())
    assert data["kind"] == "action"
    assert data["payload"] == {"request": {"flight_id": 123}}
