"""What happened to the messages of a run, counted for ``--json`` and the window."""

from __future__ import annotations

import dataclasses
import threading

__all__ = ["COUNTERS", "MessageStats"]

#: The counters, in the order reports show them.
COUNTERS = (
    "sent",
    "delivered",
    "duplicates_ignored",
    "redelivered",
    "dropped",
    "timed_out",
    "resent",
    "status_queries",
    "stale_replies",
)


@dataclasses.dataclass
class MessageStats:
    """Thread-safe counters of a transport and the parties on it.

    Attributes
    ----------
    sent
        Messages published (every resend and every reply counts).
    delivered
        Deliveries handed to a receiver (a duplicate or a redelivery counts again).
    duplicates_ignored
        Commands a service's inbox had seen already: not applied again.
    redelivered
        Deliveries made again because the receiver did not acknowledge in time.
    dropped
        Messages the faults lost (a dropped command, a lost reply).
    timed_out
        Waits for a reply that ended without one.
    resent
        Commands the orchestrator sent again after a status query found nothing.
    status_queries
        Status queries the orchestrator sent after a wait timed out.
    stale_replies
        Replies that came after the orchestrator had stopped waiting for them.
    """

    sent: int = 0
    delivered: int = 0
    duplicates_ignored: int = 0
    redelivered: int = 0
    dropped: int = 0
    timed_out: int = 0
    resent: int = 0
    status_queries: int = 0
    stale_replies: int = 0
    _lock: threading.Lock = dataclasses.field(
        default_factory=threading.Lock, repr=False, compare=False
    )

    def add(self, counter: str, count: int = 1) -> None:
        """Add ``count`` to ``counter`` (one of :data:`COUNTERS`)."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + count)

    def to_dict(self) -> dict[str, int]:
        """The counters as plain data."""
        with self._lock:
            return {name: getattr(self, name) for name in COUNTERS}
