"""The world's participants as services that talk by messages (the in-process transport).

:class:`MessageServices` opens the world's databases once more, for the
services alone (each service's connection is used by its own thread only), and
runs one :class:`ServiceNode` per service of the saga. Each node serves the
steps of the world's own definition, built on those connections with the
orchestrator's fault injector: the same business code as direct calls, so the
same effects, refusals and injected failures travel in the replies. The
orchestrator's side is the same definition with its steps sent as commands
(:func:`over_messages`), through a :class:`MessageClient`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from saga_desktop.booking._saga import FaultInjector
from saga_desktop.booking._sagaworld import ServiceWorld
from saga_desktop.booking._steps import STEP_NAMES, booking_spec
from saga_desktop.booking._world import FlightWorld
from saga_desktop.engine import SagaDefinition, SagaStep
from saga_desktop.messaging import (
    ACK_WAIT,
    MAX_QUERIES,
    REPLY_TIMEOUT,
    InProcessChannel,
    LocalStore,
    MessageClient,
    MessageFault,
    MessageFaults,
    MessageStats,
    ServiceNode,
    Transport,
    over_messages,
)

__all__ = ["MessageServices", "MessageSetup"]


@dataclasses.dataclass(frozen=True, slots=True)
class MessageSetup:
    """How the orchestrator talks to its services by messages.

    Attributes
    ----------
    faults
        Message faults, per step or for all traffic.
    seed
        Makes the faults' draws reproducible; ``None``: fresh each run.
    reply_timeout
        Seconds each wait for a reply lasts before a status query.
    max_queries
        Status queries before the orchestrator gives up on a reply (then the
        step counts as timed out: its effect is unknown, it is undone).
    ack_wait
        Seconds a delivery may stay unacknowledged before it is made again.
    dual_write
        The lesson switch: services write their state, then publish the reply,
        in two steps (no inbox, no outbox).
    kill_after_write
        Steps whose service dies once, right after the step's state was written
        and before its reply was sent, and comes back at once.
    """

    faults: Sequence[MessageFault] = ()
    seed: int | None = None
    reply_timeout: float = REPLY_TIMEOUT
    max_queries: int = MAX_QUERIES
    ack_wait: float = ACK_WAIT
    dual_write: bool = False
    kill_after_write: Sequence[str] = ()


def _routes(world: FlightWorld | ServiceWorld) -> tuple[dict[str, str], dict[str, LocalStore]]:
    """Step → its service, and service → its database, of ``world``."""
    if isinstance(world, FlightWorld):
        spec = booking_spec()
        routes = {name: spec.step(name).service for name in STEP_NAMES}
        stores: dict[str, LocalStore] = {
            routes[name]: participant
            for name, participant in zip(STEP_NAMES, world.participants, strict=True)
        }
        return routes, stores
    routes = {step.name: step.service for step in world.spec.steps}
    return routes, dict(world.services)


class MessageServices:
    """The world's services on threads, and the orchestrator's client, on one transport.

    Parameters
    ----------
    world
        The orchestrator's world (its data directory is opened again for the services).
    setup
        The transport's options and message faults.
    """

    def __init__(self, world: FlightWorld | ServiceWorld, setup: MessageSetup) -> None:
        self.setup = setup
        #: The faults, and the seed their draws come from (drawn when none was given).
        self.faults = MessageFaults(setup.faults, setup.seed)
        self.transport: Transport = InProcessChannel(self.faults, ack_wait=setup.ack_wait)
        self.world: FlightWorld | ServiceWorld = (
            FlightWorld(world.data_dir, busy=world.busy)
            if isinstance(world, FlightWorld)
            else ServiceWorld(world.spec, world.data_dir, busy=world.busy)
        )
        self.routes, stores = _routes(self.world)
        self.nodes = {
            service: ServiceNode(service, self.transport, store, {}, dual_write=setup.dual_write)
            for service, store in stores.items()
        }
        for step in setup.kill_after_write:
            self.nodes[self.routes[step]].die_after_write(step)
        self.client = MessageClient(
            self.transport, reply_timeout=setup.reply_timeout, max_queries=setup.max_queries
        )
        self._served: SagaDefinition | None = None
        for node in self.nodes.values():
            node.start()

    @property
    def stats(self) -> MessageStats:
        """What happened to the messages so far."""
        return self.transport.stats

    def report(self) -> dict[str, Any]:
        """The ``messages`` entry of ``run --json`` and ``batch --json``."""
        return {
            "transport": "in-process",
            **self.stats.to_dict(),
            "faults": [str(fault) for fault in self.faults.faults],
            "seed": self.faults.seed,
            "dual_write": self.setup.dual_write,
            "deaths": {name: node.deaths for name, node in self.nodes.items() if node.deaths},
        }

    def serve(self, injector: FaultInjector) -> SagaDefinition:
        """Have the services do the saga's steps with ``injector``'s failures.

        Returns the services' own definition (on their connections).
        """
        definition = self.world.definition(injector)
        self.serve_definition(definition)
        return definition

    def serve_definition(self, definition: SagaDefinition) -> None:
        """Have the services do ``definition``'s steps (a no-op if they do already)."""
        if definition is self._served:
            return
        by_service: dict[str, dict[str, SagaStep]] = {}
        for step in definition.steps:
            by_service.setdefault(self.routes[step.name], {})[step.name] = step
        for service, node in self.nodes.items():
            node.steps = dict(by_service.get(service, {}))
        self._served = definition

    def commands(
        self, definition: SagaDefinition, sleep: Callable[[float], None]
    ) -> SagaDefinition:
        """``definition`` with its steps sent to the services as commands.

        ``sleep`` is the orchestrator's simulated sleep (see :func:`over_messages`).
        """
        return over_messages(definition, self.client, self.routes, sleep)

    def close(self) -> None:
        """Stop the services, close the transport and the services' databases."""
        for node in self.nodes.values():
            node.stopping()  # all at once: each ends its wait for work together
        for node in self.nodes.values():
            node.stop()
        self.transport.close()
        self.world.close()
