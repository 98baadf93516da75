"""A participant service on a thread: an idempotent inbox and a transactional outbox.

The service takes one command at a time from its subject. In one local SQLite
transaction of its own database it looks the command's idempotency key up in
its inbox, applies the step's action or compensation, records the key with the
reply in the inbox and writes the reply to the outbox; only then does it
acknowledge the delivery. A command whose key the inbox knows is a duplicate:
it is recorded (counted on the key) and not applied again. A relay thread, with
a connection of its own, publishes what the outbox holds and then deletes it,
so a reply is sent at least once even if the service dies right after its
commit. A status query is answered from the inbox: the recorded reply, or
"unknown" (the command never arrived).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from saga_desktop.engine import ParticipantUnavailable, SagaStep, StepContext, StepError
from saga_desktop.engine import TransientStepError as _Transient
from saga_desktop.engine._results import describe_error
from saga_desktop.messaging._channel import Delivery, Transport
from saga_desktop.messaging._envelope import Envelope, MessageKind
from saga_desktop.messaging._exceptions import InvalidMessage, TransportClosed

__all__ = ["POLL", "InboxEntry", "LocalStore", "ServiceNode", "service_subject"]

#: Seconds a service's threads wait for work before they look whether to stop.
POLL = 0.05

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS message_inbox (
        key        TEXT PRIMARY KEY,      -- the command's idempotency key
        message_id TEXT NOT NULL,         -- the first delivery's message id
        kind       TEXT NOT NULL,
        reply      TEXT NOT NULL,         -- the reply's payload, JSON
        duplicates INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS message_outbox (
        seq      INTEGER PRIMARY KEY,
        subject  TEXT NOT NULL,
        envelope TEXT NOT NULL            -- the reply, as it is published
    )""",
)


class _Died(BaseException):
    """The service dies here (nothing may catch it on the way up but its thread)."""


def service_subject(service: str) -> str:
    """The subject a service takes its commands from."""
    return f"service.{service}"


class LocalStore(Protocol):
    """A service's own database, with commit groups (a booking ``Participant``)."""

    path: Path

    def begin_group(self) -> None:
        """From now on, operations wait for :meth:`commit_group` to be durable."""

    def commit_group(self) -> None:
        """Make every operation since the last group commit durable."""

    def end_group(self) -> None:
        """Back to one commit per operation; anything not committed is dropped."""

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A local transaction (a savepoint inside a group)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class InboxEntry:
    """What a service's inbox recorded of one command.

    Attributes
    ----------
    key
        The command's idempotency key.
    kind
        ``action`` or ``compensation``.
    reply
        The reply's payload.
    duplicates
        How many more times the command arrived and was ignored.
    """

    key: str
    kind: str
    reply: dict[str, Any]
    duplicates: int


def _reply_of(step: SagaStep, envelope: Envelope) -> dict[str, Any]:
    """Run the command's action or compensation; the reply's payload."""
    body = envelope.payload
    function = step.action if envelope.kind is MessageKind.ACTION else step.compensation
    context = StepContext(
        envelope.correlation_id,
        envelope.step,
        int(body.get("attempt", 1)),
        body.get("request", {}),
        body.get("results", {}),
    )
    try:
        result = function(context) if step.takes_context else function()  # type: ignore[call-arg]
    except ParticipantUnavailable:
        raise
    except Exception as exc:  # a refusal, as the engine sees any error of a call
        return {
            "status": "refused",
            "error": describe_error(exc),
            "transient": isinstance(exc, _Transient),
            "injected": isinstance(exc, StepError) and exc.injected,
        }
    return {"status": "done", "result": dict(result or {})}


class ServiceNode:
    """One participant service: a worker thread with an inbox, and an outbox relay thread.

    Parameters
    ----------
    name
        The service's name (its subject is ``service.<name>``).
    transport
        Where its commands come from and its replies go.
    store
        Its own database: the inbox and outbox tables live there, beside its state.
    steps
        The steps it serves, by name (their actions and compensations do the work).
    poll
        Seconds each thread waits for work before it looks whether to stop.
    dual_write
        The lesson switch: no inbox, no outbox; the service writes its state
        (one local transaction) and then publishes the reply, in two steps. A
        death between the two loses the reply for good.
    revive_after
        Seconds after which a service killed by :meth:`die_after_write` is
        started again (its supervisor bringing it back).
    """

    def __init__(
        self,
        name: str,
        transport: Transport,
        store: LocalStore,
        steps: Mapping[str, SagaStep],
        *,
        poll: float = POLL,
        dual_write: bool = False,
        revive_after: float = 0.01,
    ) -> None:
        self.name = name
        self.dual_write = dual_write
        self.revive_after = revive_after
        #: Steps after whose next write the service dies (before its reply is sent).
        self._die_after: set[str] = set()
        #: How many times the service died.
        self.deaths = 0
        self.transport = transport
        self.store = store
        self.steps = dict(steps)
        self.poll = poll
        self.subject = service_subject(name)
        self._subscription = transport.subscribe(self.subject)
        self._stop = threading.Event()
        self._wake_relay = threading.Event()
        self._threads: list[threading.Thread] = []
        #: Commands applied, by idempotency key (at most one each: the tests read it).
        self.applied: dict[str, int] = {}
        self._lock = threading.Lock()
        with store.transaction() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    @property
    def running(self) -> bool:
        """True while the service's threads run."""
        return any(thread.is_alive() for thread in self._threads)

    def start(self, *, relay: bool = True) -> None:
        """Start taking commands, and relaying the outbox (what a dead one left too).

        ``relay=False`` starts the service with its relay down: replies wait in
        the outbox until a start with the relay up.
        """
        if self.running:
            return
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._work, name=f"service-{self.name}", daemon=True)
        ]
        if relay:
            self._threads.append(
                threading.Thread(target=self._relay, name=f"relay-{self.name}", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the command at hand; what is unacknowledged is delivered again later."""
        self.stopping()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def stopping(self) -> None:
        """Ask the threads to stop, without waiting (:meth:`stop` waits)."""
        self._stop.set()
        self._wake_relay.set()

    def die_after_write(self, step: str) -> None:
        """Die once, right after the next command of ``step`` wrote its state.

        The state change is committed; the delivery is not acknowledged and the
        reply not published by the dying service. With the outbox, the reply
        waits there and the relay publishes it when the service is back; with
        ``dual_write`` it is lost. The service comes back after ``revive_after``.
        """
        self._die_after.add(step)

    def _die_if_asked(self, command: Envelope) -> None:
        if command.step not in self._die_after:
            return
        self._die_after.discard(command.step)
        self.deaths += 1
        self.stopping()
        threading.Timer(self.revive_after, self._revive).start()
        raise _Died

    def _revive(self) -> None:
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(5.0)
        if not self.transport.closed:
            self._threads = []
            self.start()

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                delivery = self._subscription.next(self.poll)
            except TransportClosed:
                return
            if delivery is None:
                continue
            try:
                self._take(delivery)
            except (TransportClosed, _Died):
                return  # a dead service acknowledges nothing: the command comes again

    def _take(self, delivery: Delivery) -> None:
        envelope = delivery.envelope
        if envelope.kind is MessageKind.STATUS:
            self._answer_status(envelope)
        elif envelope.kind in (MessageKind.ACTION, MessageKind.COMPENSATION):
            if envelope.step not in self.steps:
                self._publish(
                    envelope,
                    {
                        "status": "refused",
                        "error": f"{self.name} has no step {envelope.step}",
                        "transient": False,
                        "injected": False,
                    },
                )
            elif self.dual_write:
                # The naive consumer of the lesson takes a message off the queue as
                # it reads it (auto-ack): a death before the reply loses it for good,
                # where the outbox's service would have the command redelivered.
                delivery.ack()
                self._handle_dual_write(envelope)
            else:
                self._handle(envelope)
        delivery.ack()

    def _publish(self, command: Envelope, payload: Mapping[str, Any]) -> None:
        reply_to = command.payload.get("reply_to")
        if isinstance(reply_to, str):
            self.transport.publish(reply_to, command.reply(payload))

    def _answer_status(self, query: Envelope) -> None:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT reply FROM message_inbox WHERE key = ?", (query.idempotency_key,)
            ).fetchone()
        self._publish(query, json.loads(row[0]) if row is not None else {"status": "unknown"})

    @contextlib.contextmanager
    def _group(self) -> Iterator[None]:
        self.store.begin_group()
        try:
            yield
        finally:
            self.store.end_group()  # drops whatever was not committed

    def _handle(self, command: Envelope) -> None:
        key = command.idempotency_key
        try:
            with self._group():
                with self.store.transaction() as db:
                    seen = db.execute(
                        "UPDATE message_inbox SET duplicates = duplicates + 1 WHERE key = ?",
                        (key,),
                    ).rowcount
                if seen:
                    self.store.commit_group()
                    self.transport.stats.add("duplicates_ignored")
                    return
                reply = _reply_of(self.steps[command.step], command)
                self._record(command, reply)
                self.store.commit_group()
        except ParticipantUnavailable as exc:
            # The database cannot be used: nothing was applied or recorded, so the
            # command may be sent again; the orchestrator hears it at once.
            self._publish(command, {"status": "unavailable", "error": str(exc)})
            return
        self._count(key)
        self._die_if_asked(command)
        self._wake_relay.set()

    def _count(self, key: str) -> None:
        with self._lock:
            self.applied[key] = self.applied.get(key, 0) + 1

    def _handle_dual_write(self, command: Envelope) -> None:
        # The lesson: the state change commits by itself, then the reply is sent.
        try:
            reply = _reply_of(self.steps[command.step], command)
        except ParticipantUnavailable as exc:
            self._publish(command, {"status": "unavailable", "error": str(exc)})
            return
        self._count(command.idempotency_key)
        self._die_if_asked(command)  # between the write and the publish
        self._publish(command, reply)

    def _record(self, command: Envelope, reply: Mapping[str, Any]) -> None:
        # The inbox's record and the outbox's reply, in the effect's transaction.
        reply_to = command.payload.get("reply_to")
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO message_inbox (key, message_id, kind, reply) VALUES (?, ?, ?, ?)",
                (
                    command.idempotency_key,
                    command.message_id,
                    command.kind.value,
                    json.dumps(reply),
                ),
            )
            if isinstance(reply_to, str):
                db.execute(
                    "INSERT INTO message_outbox (subject, envelope) VALUES (?, ?)",
                    (reply_to, command.reply(reply).to_json().decode("ascii")),
                )

    def _relay(self) -> None:
        try:
            db = sqlite3.connect(
                f"file:{self.store.path}?mode=rw", uri=True, timeout=5.0, isolation_level=None
            )
        except sqlite3.Error:
            return
        try:
            # First what a dead predecessor left in the outbox, then as woken.
            while not self._stop.is_set() and self._relay_once(db):
                self._wake_relay.wait(self.poll)
                self._wake_relay.clear()
        finally:
            db.close()

    def _relay_once(self, db: sqlite3.Connection) -> bool:
        """Publish what the outbox holds, oldest first; False when the channel closed."""
        try:
            rows = db.execute(
                "SELECT seq, subject, envelope FROM message_outbox ORDER BY seq LIMIT 256"
            ).fetchall()
        except sqlite3.Error:
            return True  # busy or locked: the next round tries again
        for seq, subject, text in rows:
            try:
                self.transport.publish(subject, Envelope.from_json(text))
            except TransportClosed:
                return False
            except InvalidMessage:
                pass  # never of our making; dropped rather than sent for ever
            try:
                db.execute("DELETE FROM message_outbox WHERE seq = ?", (seq,))
            except sqlite3.Error:
                return True  # published again next round: at least once
        return True

    def _read(self, sql: str) -> list[tuple[Any, ...]]:
        # A connection of the caller's own: the service's is its worker's alone.
        db = sqlite3.connect(f"file:{self.store.path}?mode=ro", uri=True, timeout=5.0)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def inbox(self) -> list[InboxEntry]:
        """Every command the inbox recorded, with the duplicates it ignored."""
        return [
            InboxEntry(key, kind, json.loads(reply), duplicates)
            for key, kind, reply, duplicates in self._read(
                "SELECT key, kind, reply, duplicates FROM message_inbox ORDER BY key"
            )
        ]

    def outbox_size(self) -> int:
        """Replies written but not yet published."""
        ((count,),) = self._read("SELECT COUNT(*) FROM message_outbox")
        return int(count)
