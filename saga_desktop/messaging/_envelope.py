"""Message envelopes: what travels between the orchestrator and the services.

An envelope carries a message id (unique per message sent: a resend or a
duplicate delivery of the same command keeps its idempotency key, not always
its id), the saga's correlation id, the step, the kind of message, the
idempotency key the receiving inbox de-duplicates on, and a payload of plain
JSON data. It crosses the transport as JSON bytes, so whatever a service reads
is what a broker between processes would have carried.

The idempotency key of a command is ``<correlation id>:<step>:<kind>:<attempt>``:
one per command the orchestrator means, the same for every resend of it. A
retry of a step (its next attempt) is a new command with a key of its own, and
the participant's own key (``<correlation id>:<step>``) keeps its effect
applied once however many commands reach it.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import json
import os
from collections.abc import Mapping
from typing import Any

from saga_desktop.engine._json import compact_encoder
from saga_desktop.messaging._exceptions import InvalidMessage

__all__ = [
    "MAX_MESSAGE_BYTES",
    "Envelope",
    "MessageKind",
    "command_key",
    "command_kind",
    "new_message_id",
]

#: The longest envelope a transport accepts or reads, in bytes of JSON.
MAX_MESSAGE_BYTES = 256 * 1024

_to_json = compact_encoder(ensure_ascii=True)
# Message ids: unique within a process (a counter) and across processes (random bits).
_id_prefix = os.urandom(6).hex()
_id_counter = itertools.count(1)
_FIELDS = ("message_id", "correlation_id", "step", "kind", "idempotency_key", "payload")


class MessageKind(enum.Enum):
    """What a message asks or answers."""

    #: Run a step's action.
    ACTION = "action"
    #: Run a step's compensation.
    COMPENSATION = "compensation"
    #: What became of the command with this idempotency key? (answered from the inbox)
    STATUS = "status"
    #: A service's answer to a command or a status query.
    REPLY = "reply"


def new_message_id() -> str:
    """A message id nobody else uses."""
    return f"{_id_prefix}-{next(_id_counter):x}"


def command_key(correlation_id: str, step: str, kind: MessageKind, attempt: int) -> str:
    """The idempotency key of a command (see the module's notes)."""
    return f"{correlation_id}:{step}:{kind.value}:{attempt}"


def command_kind(key: str) -> MessageKind | None:
    """The kind of command a key of :func:`command_key` names, or None."""
    try:
        return MessageKind(key.rsplit(":", 2)[-2])
    except (ValueError, IndexError):
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class Envelope:
    """One message.

    Attributes
    ----------
    message_id
        Unique per message sent.
    correlation_id
        The saga's id.
    step
        The step the message is about.
    kind
        What it asks or answers.
    idempotency_key
        What the receiving inbox de-duplicates on; a reply carries its command's.
    payload
        Plain JSON data (the request, earlier results; a reply's outcome).
    """

    message_id: str
    correlation_id: str
    step: str
    kind: MessageKind
    idempotency_key: str
    payload: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data."""
        return {
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "step": self.step,
            "kind": self.kind.value,
            "idempotency_key": self.idempotency_key,
            "payload": dict(self.payload),
        }

    def to_json(self) -> bytes:
        """The envelope as JSON bytes.

        Raises
        ------
        InvalidMessage
            When the payload is no plain JSON data, or the text is longer than
            :data:`MAX_MESSAGE_BYTES`.
        """
        try:
            data = _to_json(self.to_dict()).encode("ascii")
        except (TypeError, ValueError) as exc:
            raise InvalidMessage(f"the {self.kind.value} message is not JSON data: {exc}") from None
        if len(data) > MAX_MESSAGE_BYTES:
            raise InvalidMessage(
                f"the {self.kind.value} message is {len(data):,} bytes long; "
                f"at most {MAX_MESSAGE_BYTES:,}"
            )
        return data

    @classmethod
    def from_json(cls, data: bytes | str, *, limit: int = MAX_MESSAGE_BYTES) -> Envelope:
        """Read an envelope, refusing anything longer than ``limit`` bytes before parsing it.

        Raises
        ------
        InvalidMessage
            When the text is too long, not JSON, or lacks a field or has one of
            the wrong type.
        """
        if len(data) > limit:
            raise InvalidMessage(f"a message of {len(data):,} bytes; at most {limit:,}")
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidMessage(f"a message is not JSON: {exc}") from None
        if not isinstance(raw, dict) or set(raw) != set(_FIELDS):
            raise InvalidMessage(f"a message must have exactly the fields {', '.join(_FIELDS)}")
        texts = [raw[name] for name in _FIELDS[:5]]
        if not all(isinstance(text, str) and text for text in texts):
            raise InvalidMessage("a message's ids, step, kind and key must be text")
        if not isinstance(raw["payload"], dict):
            raise InvalidMessage("a message's payload must be a JSON object")
        try:
            kind = MessageKind(raw["kind"])
        except ValueError:
            raise InvalidMessage(f"a message of unknown kind {raw['kind']!r:.40}") from None
        return cls(
            raw["message_id"],
            raw["correlation_id"],
            raw["step"],
            kind,
            raw["idempotency_key"],
            raw["payload"],
        )

    def reply(self, payload: Mapping[str, Any]) -> Envelope:
        """The reply to this command or query, carrying its idempotency key."""
        return Envelope(
            new_message_id(),
            self.correlation_id,
            self.step,
            MessageKind.REPLY,
            self.idempotency_key,
            payload,
        )
