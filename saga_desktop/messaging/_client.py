"""The orchestrator's side: a saga definition whose steps are commands sent over a transport.

:func:`over_messages` keeps a definition's steps (names, texts, retries,
timeouts, roles) and replaces each action and compensation with a command to
the step's service, awaited with a timeout. When the wait ends without a reply
the orchestrator asks the service what became of the command (a status query,
answered from its inbox); a service that never got it gets it again, with the
same idempotency key. When no answer comes at all, the effect of an action is
unknown: the engine is told the reply never came within the step's timeout, so
it undoes the step as it undoes any late one (a compensation that finds nothing
leaves a tombstone). A compensation that gets no answer fails, and is retried
and dead-lettered as any failing undo is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from saga_desktop.engine import (
    ParticipantUnavailable,
    SagaDefinition,
    SagaStep,
    StepContext,
    StepError,
    TransientStepError,
)
from saga_desktop.messaging._channel import Transport
from saga_desktop.messaging._envelope import Envelope, MessageKind, command_key, new_message_id
from saga_desktop.messaging._service import service_subject

__all__ = ["MAX_QUERIES", "REPLY_TIMEOUT", "MessageClient", "over_messages"]

#: Seconds the orchestrator waits for a reply before it asks what became of its command.
REPLY_TIMEOUT = 0.05
#: Status queries (and resends) before the orchestrator gives up on a reply.
MAX_QUERIES = 8


class MessageClient:
    """Sends commands and awaits their replies on a reply subject of its own.

    Parameters
    ----------
    transport
        Where the commands go.
    reply_timeout
        Seconds each wait for a reply lasts.
    max_queries
        Status queries after the first wait before giving up; 0: none (a lost
        reply then goes straight to the step's timeout, the dual-write lesson).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        reply_timeout: float = REPLY_TIMEOUT,
        max_queries: int = MAX_QUERIES,
    ) -> None:
        self.transport = transport
        self.reply_timeout = reply_timeout
        self.max_queries = max_queries
        self.reply_subject = f"orchestrator.{new_message_id()}"
        self._replies = transport.subscribe(self.reply_subject)

    def call(
        self,
        service: str,
        kind: MessageKind,
        context: StepContext,
    ) -> Mapping[str, Any] | None:
        """Send the command for ``context`` to ``service``; its reply's payload, or None.

        None means no answer came: not to the command, not to any status query.
        """
        cid, step = context.correlation_id, context.step
        key = command_key(cid, step, kind, context.attempt)
        body = {
            "attempt": context.attempt,
            "request": dict(context.payload),
            "results": {name: dict(result) for name, result in context.results.items()},
            "reply_to": self.reply_subject,
        }
        subject = service_subject(service)
        stats = self.transport.stats
        command = Envelope(new_message_id(), cid, step, kind, key, body)
        self.transport.publish(subject, command)
        queries = 0
        while True:
            reply = self._await(key)
            if reply is not None and reply.get("status") != "unknown":
                return reply
            if reply is not None:  # the service never got the command: once more
                stats.add("resent")
                self.transport.publish(
                    subject, dataclasses.replace(command, message_id=new_message_id())
                )
                continue
            stats.add("timed_out")
            if queries >= self.max_queries:
                return None
            queries += 1
            stats.add("status_queries")
            query = Envelope(
                new_message_id(),
                cid,
                step,
                MessageKind.STATUS,
                key,
                {"reply_to": self.reply_subject},
            )
            self.transport.publish(subject, query)

    def _await(self, key: str) -> Mapping[str, Any] | None:
        # Replies to earlier commands (a duplicate's, a late one's) are not this one's.
        delivery = self._replies.next(self.reply_timeout)
        while delivery is not None:
            delivery.ack()
            if delivery.envelope.idempotency_key == key:
                return delivery.envelope.payload
            self.transport.stats.add("stale_replies")
            delivery = self._replies.next(self.reply_timeout)
        return None


def _outcome(reply: Mapping[str, Any]) -> dict[str, Any]:
    status = reply.get("status")
    if status == "done":
        return dict(reply.get("result") or {})
    error = str(reply.get("error", "refused"))
    if status == "unavailable":
        raise ParticipantUnavailable(error)
    if reply.get("transient"):
        raise TransientStepError(error, injected=bool(reply.get("injected")))
    raise StepError(error, injected=bool(reply.get("injected")))


def over_messages(
    definition: SagaDefinition,
    client: MessageClient,
    services: Mapping[str, str],
    sleep: Callable[[float], None],
) -> SagaDefinition:
    """``definition`` with every step's work sent as commands through ``client``.

    Parameters
    ----------
    definition
        The saga (its actions are not called here: the services call their own).
    client
        Sends the commands.
    services
        Step name → the service that does it.
    sleep
        The orchestrator's simulated sleep: an action that got no answer at all
        moves time past the step's timeout, so the engine sees a late reply.
    """

    def make(step: SagaStep) -> SagaStep:
        service = services[step.name]

        def action(context: StepContext) -> dict[str, Any]:
            reply = client.call(service, MessageKind.ACTION, context)
            if reply is not None:
                return _outcome(reply)
            if step.timeout is None:
                raise StepError(f"{step.name}: no reply from {service}: effect unknown")
            sleep(step.timeout * 1.5)  # the effect is unknown: a late reply to the engine
            return {}

        def compensation(context: StepContext) -> dict[str, Any]:
            reply = client.call(service, MessageKind.COMPENSATION, context)
            if reply is None:
                raise StepError(f"{step.compensation_name}: no reply from {service}")
            return _outcome(reply)

        return dataclasses.replace(
            step, action=action, compensation=compensation, takes_context=True
        )

    return SagaDefinition(definition.name, tuple(make(step) for step in definition.steps))
