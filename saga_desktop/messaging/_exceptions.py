"""The messaging layer's exception tree.

::

    MessagingError
    ├── InvalidMessage       bytes that are no envelope (too long, not JSON, a field amiss)
    ├── InvalidMessageFault  a message fault a person typed that cannot be planned
    └── TransportClosed      the channel was closed while a message was sent or awaited
"""

from __future__ import annotations

__all__ = ["InvalidMessage", "InvalidMessageFault", "MessagingError", "TransportClosed"]


class MessagingError(Exception):
    """Base class of every error the messaging layer raises on purpose."""


class InvalidMessage(MessagingError):
    """Bytes that cannot be read as a message envelope; nothing was delivered."""


class InvalidMessageFault(MessagingError, ValueError):
    """A message fault that cannot be planned (an unknown kind, a probability outside 0..1)."""


class TransportClosed(MessagingError):
    """The transport was closed: nothing more is sent or received."""
