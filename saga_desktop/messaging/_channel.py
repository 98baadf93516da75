"""The transport seam, and the in-process channel: at-least-once, acknowledged, faulty on purpose.

A :class:`Transport` publishes envelopes to subjects and hands them to
subscribers, one delivery at a time; a delivery not acknowledged within the
acknowledgement wait is delivered again (to whoever asks next), as a broker
with explicit acks does. The in-process channel is the default transport (it
needs nothing installed); a broker between processes (NATS JetStream) is
another implementation of the same two protocols.

Every message crosses the channel as JSON bytes and is read back with the
envelope's size limit, and every wait has a timeout.
"""

from __future__ import annotations

import collections
import functools
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol

from saga_desktop.messaging._envelope import Envelope
from saga_desktop.messaging._exceptions import InvalidMessage, TransportClosed
from saga_desktop.messaging._faults import Fate, MessageFaults
from saga_desktop.messaging._stats import MessageStats

__all__ = ["ACK_WAIT", "Delivery", "InProcessChannel", "Subscription", "Transport"]

#: Seconds a delivery may stay unacknowledged before it is delivered again.
ACK_WAIT = 1.0
#: Seconds a reordered message waits for a message to overtake it before it goes anyway.
REORDER_WINDOW = 0.02


class Delivery:
    """One delivery of a message; acknowledge it once it has been dealt with.

    Attributes
    ----------
    envelope
        The message.
    redelivered
        0 for the first delivery, 1 for the first redelivery, and so on.
    """

    __slots__ = ("_ack", "envelope", "redelivered")

    def __init__(self, envelope: Envelope, redelivered: int, ack: Callable[[], None]) -> None:
        self.envelope = envelope
        self.redelivered = redelivered
        self._ack = ack

    def ack(self) -> None:
        """The message was dealt with: it is not delivered again."""
        self._ack()


class Subscription(Protocol):
    """Deliveries of one subject (several subscribers share them, one each)."""

    def next(self, timeout: float) -> Delivery | None:
        """The next delivery, or None when none came within ``timeout`` seconds."""
        ...


class Transport(Protocol):
    """Where envelopes travel: the in-process channel, or a broker."""

    stats: MessageStats

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        ...

    def publish(self, subject: str, envelope: Envelope) -> None:
        """Send ``envelope`` to ``subject``'s subscribers (at least once, unless a fault)."""
        ...

    def subscribe(self, subject: str) -> Subscription:
        """Receive ``subject``'s messages."""
        ...

    def close(self) -> None:
        """Stop: waits end, nothing more is delivered."""
        ...


class _Queue:
    """One subject's messages: ready, held back (reorder) and delivered but not acknowledged."""

    def __init__(self, lock: threading.Lock) -> None:
        self.ready: collections.deque[tuple[bytes, int]] = collections.deque()
        self.held: dict[int, bytes] = {}
        self.unacked: dict[int, tuple[bytes, float, int]] = {}
        self.changed = threading.Condition(lock)


class _ChannelSubscription:
    def __init__(self, channel: InProcessChannel, queue: _Queue) -> None:
        self._channel = channel
        self._queue = queue

    def next(self, timeout: float) -> Delivery | None:
        return self._channel._next(self._queue, timeout)


class InProcessChannel:
    """The in-process transport: queues per subject, acknowledgements, redelivery, faults.

    Parameters
    ----------
    faults
        What goes wrong with which messages; ``None``: nothing.
    ack_wait
        Seconds before an unacknowledged delivery is made again.
    reorder_window
        Seconds a reordered message waits to be overtaken.
    stats
        Where the counts go (a new :class:`MessageStats` by default).
    clock
        Monotonic seconds (delays, acknowledgement waits).
    """

    def __init__(
        self,
        faults: MessageFaults | None = None,
        *,
        ack_wait: float = ACK_WAIT,
        reorder_window: float = REORDER_WINDOW,
        stats: MessageStats | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.faults = faults
        self.ack_wait = ack_wait
        self.reorder_window = reorder_window
        self.stats = stats if stats is not None else MessageStats()
        self._clock = clock
        self._lock = threading.Lock()
        self._queues: dict[str, _Queue] = {}
        self._tokens = itertools.count()
        self._closed = False
        # Messages due later (delayed, or held back for a reorder): one timer thread.
        self._due: list[tuple[float, int, str, bytes, bool, int | None]] = []
        self._due_changed = threading.Condition(self._lock)
        self._timer: threading.Thread | None = None

    def _queue(self, subject: str) -> _Queue:
        queue = self._queues.get(subject)
        if queue is None:
            queue = self._queues[subject] = _Queue(self._lock)
        return queue

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def subscribe(self, subject: str) -> Subscription:
        """Receive ``subject``'s messages (subscribers of one subject share them)."""
        with self._lock:
            return _ChannelSubscription(self, self._queue(subject))

    def publish(self, subject: str, envelope: Envelope) -> None:
        """Send ``envelope`` to ``subject`` as the faults decide its fate.

        Raises
        ------
        InvalidMessage
            When the envelope is no JSON data or too long: nothing is sent.
        TransportClosed
            When the channel was closed.
        """
        data = envelope.to_json()
        fate = self.faults.fate(envelope) if self.faults else Fate()
        with self._lock:
            if self._closed:
                raise TransportClosed("the message channel is closed")
            self.stats.add("sent")
            if fate.lost:
                self.stats.add("dropped")
                return
            for _ in range(fate.copies):
                if fate.delay > 0:
                    self._later(self._clock() + fate.delay, subject, data, fate.reorder)
                else:
                    self._arrive(subject, data, fate.reorder)

    def _later(
        self, due: float, subject: str, data: bytes, reorder: bool, held: int | None = None
    ) -> None:
        # Called with the lock held.
        heapq.heappush(self._due, (due, next(self._tokens), subject, data, reorder, held))
        self._due_changed.notify_all()
        if self._timer is None:
            self._timer = threading.Thread(
                target=self._run_timer, name="message-channel-timer", daemon=True
            )
            self._timer.start()

    def _arrive(self, subject: str, data: bytes, reorder: bool) -> None:
        # Called with the lock held. A held-back message goes right after the next one.
        queue = self._queue(subject)
        if reorder:
            token = next(self._tokens)
            queue.held[token] = data
            self._later(self._clock() + self.reorder_window, subject, b"", False, token)
            return
        queue.ready.append((data, 0))
        for held in queue.held.values():
            queue.ready.append((held, 0))
        queue.held.clear()
        queue.changed.notify_all()

    def _run_timer(self) -> None:
        with self._lock:
            while not self._closed:
                now = self._clock()
                while self._due and self._due[0][0] <= now:
                    _, _, subject, data, reorder, held = heapq.heappop(self._due)
                    if held is None:
                        self._arrive(subject, data, reorder)
                        continue
                    queue = self._queue(subject)
                    late = queue.held.pop(held, None)  # nothing overtook it: it goes now
                    if late is not None:
                        queue.ready.append((late, 0))
                        queue.changed.notify_all()
                wait = self._due[0][0] - now if self._due else 1.0
                self._due_changed.wait(max(0.0005, min(wait, 1.0)))

    def _next(self, queue: _Queue, timeout: float) -> Delivery | None:
        deadline = self._clock() + max(0.0, timeout)
        with self._lock:
            while True:
                if self._closed:
                    raise TransportClosed("the message channel is closed")
                now = self._clock()
                self._redeliver(queue, now)
                if queue.ready:
                    data, count = queue.ready.popleft()
                    token = next(self._tokens)
                    queue.unacked[token] = (data, now + self.ack_wait, count)
                    self.stats.add("delivered")
                    try:
                        envelope = Envelope.from_json(data)
                    except InvalidMessage:  # never of our making; not delivered again
                        del queue.unacked[token]
                        continue
                    return Delivery(envelope, count, functools.partial(self._ack, queue, token))
                wait = deadline - now
                if wait <= 0:
                    return None
                if queue.unacked:
                    first = min(due for _, due, _ in queue.unacked.values())
                    wait = min(wait, max(0.0005, first - now))
                queue.changed.wait(wait)

    def _redeliver(self, queue: _Queue, now: float) -> None:
        # Called with the lock held: deliveries whose receiver did not ack in time.
        expired = [token for token, (_, due, _) in queue.unacked.items() if due <= now]
        for token in expired:
            data, _, count = queue.unacked.pop(token)
            queue.ready.append((data, count + 1))
            self.stats.add("redelivered")

    def _ack(self, queue: _Queue, token: int) -> None:
        with self._lock:
            queue.unacked.pop(token, None)

    def close(self) -> None:
        """Stop: every wait ends with :class:`TransportClosed`, nothing more is sent."""
        with self._lock:
            self._closed = True
            self._due_changed.notify_all()
            for queue in self._queues.values():
                queue.changed.notify_all()
            timer = self._timer
        if timer is not None:
            timer.join(timeout=2.0)

    def pending(self, prefix: str = "") -> int:
        """Messages to subjects starting with ``prefix`` not yet acknowledged.

        Those ready, held back, due later or delivered and unacknowledged.
        """
        with self._lock:
            queued = sum(
                len(q.ready) + len(q.held) + len(q.unacked)
                for subject, q in self._queues.items()
                if subject.startswith(prefix)
            )
            return queued + sum(
                1 for entry in self._due if entry[5] is None and entry[2].startswith(prefix)
            )
