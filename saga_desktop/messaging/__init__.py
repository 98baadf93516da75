"""Services that talk by messages: envelopes, transports, inboxes, outboxes, message faults.

The orchestrator's side (:func:`over_messages`) turns a saga definition's steps
into commands; each participant service (:class:`ServiceNode`) runs on a thread
of its own with an idempotent inbox and a transactional outbox in its own
database. The in-process channel is the default transport; a broker is another
:class:`Transport`. Imports the engine, never the booking world, never Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_desktop._lazy import lazy_exports

if TYPE_CHECKING:
    from saga_desktop.messaging._channel import (
        ACK_WAIT,
        Delivery,
        InProcessChannel,
        Subscription,
        Transport,
    )
    from saga_desktop.messaging._client import (
        MAX_QUERIES,
        REPLY_TIMEOUT,
        MessageClient,
        over_messages,
    )
    from saga_desktop.messaging._envelope import (
        MAX_MESSAGE_BYTES,
        Envelope,
        MessageKind,
        command_key,
        new_message_id,
    )
    from saga_desktop.messaging._exceptions import (
        InvalidMessage,
        InvalidMessageFault,
        MessagingError,
        TransportClosed,
    )
    from saga_desktop.messaging._faults import (
        MESSAGE_FAULT_HELP,
        Fate,
        MessageFault,
        MessageFaultKind,
        MessageFaults,
        parse_message_fault,
    )
    from saga_desktop.messaging._service import (
        InboxEntry,
        LocalStore,
        ServiceNode,
        service_subject,
    )
    from saga_desktop.messaging._stats import COUNTERS, MessageStats

__all__ = [
    "ACK_WAIT",
    "COUNTERS",
    "MAX_MESSAGE_BYTES",
    "MAX_QUERIES",
    "MESSAGE_FAULT_HELP",
    "REPLY_TIMEOUT",
    "Delivery",
    "Envelope",
    "Fate",
    "InProcessChannel",
    "InboxEntry",
    "InvalidMessage",
    "InvalidMessageFault",
    "LocalStore",
    "MessageClient",
    "MessageFault",
    "MessageFaultKind",
    "MessageFaults",
    "MessageKind",
    "MessageStats",
    "MessagingError",
    "ServiceNode",
    "Subscription",
    "Transport",
    "TransportClosed",
    "command_key",
    "new_message_id",
    "over_messages",
    "parse_message_fault",
    "service_subject",
]

_SUBMODULES: dict[str, tuple[str, ...]] = {
    "_channel": ("ACK_WAIT", "Delivery", "InProcessChannel", "Subscription", "Transport"),
    "_client": ("MAX_QUERIES", "REPLY_TIMEOUT", "MessageClient", "over_messages"),
    "_envelope": ("MAX_MESSAGE_BYTES", "Envelope", "MessageKind", "command_key", "new_message_id"),
    "_exceptions": ("InvalidMessage", "InvalidMessageFault", "MessagingError", "TransportClosed"),
    "_faults": (
        "MESSAGE_FAULT_HELP",
        "Fate",
        "MessageFault",
        "MessageFaultKind",
        "MessageFaults",
        "parse_message_fault",
    ),
    "_service": ("InboxEntry", "LocalStore", "ServiceNode", "service_subject"),
    "_stats": ("COUNTERS", "MessageStats"),
}
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, globals(), __all__)
