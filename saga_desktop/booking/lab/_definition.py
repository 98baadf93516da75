"""A lab saga wired to the shared world: the engine's definition, one per saga instance.

Each step's action calls its service as the saga's :class:`Caller` and then
gives the turn back to the scheduler (a step boundary); its compensation is
the service's undo. Two countermeasures live here: the pessimistic view
(the saga file's step order) and the reread of a checked booking
(:class:`_Guard`, called by the service right before it writes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from saga_desktop.booking._saga import COMPENSATION_RETRY, action_retry
from saga_desktop.booking.lab._sagafile import LabSagaSpec, LabStep, resolve
from saga_desktop.booking.lab._services import Caller, _LabService
from saga_desktop.booking.lab._world import LabWorld
from saga_desktop.engine import SagaDefinition, SagaStep, StepContext, StepError

__all__ = ["lab_definition"]


class _Guard:
    """The bookings a saga checked, at the version it saw (``reread_value``)."""

    def __init__(self, world: LabWorld, on: bool) -> None:
        self.world, self.on = world, on
        self.seen: dict[str, int | None] = {}

    def __call__(self) -> None:
        if not self.on:
            return
        for booking, version in self.seen.items():
            if self.world.bookings.version_of(booking) != version:
                raise StepError(f"booking {booking} changed since it was checked: refused")

    def wrote(self, booking: str) -> None:
        # The saga's own change is not another saga's.
        if booking in self.seen:
            self.seen[booking] = self.world.bookings.version_of(booking)


def _perform(world: LabWorld, step: LabStep, args: Mapping[str, Any], caller: Caller) -> Any:
    kind = step.kind
    if kind in ("take", "give"):
        return world.seats.change(caller, str(args["flight"]), -1 if kind == "take" else 1)
    if kind in ("debit", "credit"):
        points = float(args["points"])
        return world.loyalty.change(
            caller, str(args["user"]), -points if kind == "debit" else points
        )
    if kind in ("pay", "refund"):
        amount = float(args["amount"])
        if kind == "refund":
            return world.payments.move(caller, str(args["booking"]), -amount)
        return world.payments.move(caller, str(args["booking"]), amount, bool(args.get("declined")))
    if kind == "check":
        return world.bookings.check(caller, str(args["booking"]), str(args["status"]))
    fields = {key: value for key, value in args.items() if key != "booking"}
    return world.bookings.set_status(caller, str(args["booking"]), fields)


def _undo(world: LabWorld, step: LabStep, caller: Caller) -> dict[str, Any]:
    service: _LabService = {
        "seats": world.seats,
        "loyalty": world.loyalty,
        "payments": world.payments,
        "bookings": world.bookings,
    }[step.service]
    return service.undo(caller)


def _step(
    world: LabWorld,
    step: LabStep,
    label: str,
    measures: frozenset[str],
    pause: Callable[[], None],
    guard: _Guard,
) -> SagaStep:
    def caller(c: StepContext) -> Caller:
        return Caller(label, c.idempotency_key, c.step, measures, pause, guard)

    def action(c: StepContext) -> dict[str, Any]:
        args = {key: resolve(value, c.payload, c.results) for key, value in step.args.items()}
        try:
            result = dict(_perform(world, step, args, caller(c)))
            if step.kind == "check":
                guard.seen[str(args["booking"])] = result["version"]
            elif step.kind == "set":
                guard.wrote(str(args["booking"]))
            return result
        finally:
            # A step boundary: the turn goes back to the scheduler, refused or not.
            pause()

    def compensation(c: StepContext) -> dict[str, Any]:
        try:
            return _undo(world, step, caller(c))
        finally:
            pause()

    return SagaStep(
        name=step.name,
        action=action,
        compensation=compensation,
        description=step.title,
        compensation_description=f"Undo: {step.title.lower()}",
        # A reread that finds the counter changed is tried again (a fresh read).
        retry=action_retry(2),
        compensation_retry=COMPENSATION_RETRY,
    )


def lab_definition(
    spec: LabSagaSpec,
    world: LabWorld,
    label: str,
    measures: frozenset[str],
    pause: Callable[[], None],
) -> SagaDefinition:
    """The engine's definition of saga ``label`` (a ``spec``) on the shared ``world``.

    Parameters
    ----------
    spec
        The lab saga.
    world
        The world every saga of the run shares.
    label
        The saga's label in the run ("A").
    measures
        The countermeasures this saga uses (``by_value`` already resolved).
    pause
        Gives the turn back to the scheduler.
    """
    guard = _Guard(world, "reread_value" in measures)
    steps = spec.ordered("pessimistic_view" in measures)
    return SagaDefinition(
        spec.name, tuple(_step(world, step, label, measures, pause, guard) for step in steps)
    )
