"""The booking saga: four steps wired to the participants, with failure injection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from saga_desktop.booking._faultkinds import Hook, kinds_at
from saga_desktop.booking._faults import Fault, FaultKind, FaultPlan, LiveFaultPlan, step_key
from saga_desktop.booking._steps import SAGA_NAME, STEP_NAMES, STEP_TEXTS, booking_spec
from saga_desktop.engine import (
    RetryPolicy,
    SagaDefinition,
    SagaEvent,
    SagaStep,
    SimulatedCrash,
    StepContext,
    StepError,
    StepSucceeded,
    TransientStepError,
)

if TYPE_CHECKING:  # an annotation only: the window reads the step texts without a world
    from saga_desktop.booking._world import FlightWorld

__all__ = [
    "ACTION_RETRY",
    "COMPENSATION_RETRY",
    "STEP_TIMEOUT",
    "CrashHook",
    "FaultInjector",
    "action_retry",
    "booking_definition",
]


def action_retry(retries: int) -> RetryPolicy:
    """A step's retry policy: ``retries`` attempts after the first, 0.2 s, 0.4 s, ... apart."""
    return RetryPolicy(
        max_attempts=retries + 1, initial_delay=0.2, multiplier=2.0, max_delay=2.0, jitter=0.1
    )


#: Transient failures are tried three times in all, 0.2 s then 0.4 s apart (±10 %).
ACTION_RETRY = action_retry(2)
#: An undo is tried three times in all before it is dead-lettered.
COMPENSATION_RETRY = RetryPolicy(
    max_attempts=3, initial_delay=0.2, multiplier=2.0, max_delay=2.0, jitter=0.1
)
#: Seconds a participant has to answer before its reply counts as lost.
STEP_TIMEOUT = 2.0


# Where each kind acts, from the registry of failure kinds.
_BEFORE_ACTION = kinds_at(Hook.BEFORE_ACTION)
_AFTER_ACTION = kinds_at(Hook.AFTER_ACTION)
_BEFORE_COMPENSATION = kinds_at(Hook.BEFORE_COMPENSATION)
_ON_ORCHESTRATOR = kinds_at(Hook.ORCHESTRATOR)


class FaultInjector:
    """Makes the planned failures happen around the real participant calls.

    Parameters
    ----------
    plan
        Step key → fault.
    sleep
        Moves time on (the late reply of a ``timeout`` fault).
    errors
        Step name → what an injected failure says (the booking's texts by default).
    """

    def __init__(
        self,
        plan: FaultPlan,
        sleep: Callable[[float], None],
        errors: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = _own(plan)
        self.sleep = sleep
        # What an injected failure of each step says (the booking's by default).
        self.errors: Mapping[str, str] = (
            errors
            if errors is not None
            else {name: text.injected_error for name, text in STEP_TEXTS.items()}
        )
        # Failed undo attempts so far, by idempotency key: a dead letter retried
        # later keeps counting where the saga left off.
        self._undo_failures: dict[str, int] = {}
        #: Attempts after the first, by step, since the injector was made: kept apart
        #: from the events, so that a batch's totals check the metrics drawn from them.
        self.retries: dict[str, int] = {}

    def replan(self, plan: FaultPlan) -> None:
        """Plan ``plan`` instead, and forget the failed undo attempts counted so far.

        The injector is then as good as a new one: a definition built on it can be
        reused for the next saga instead of being built again.
        """
        self.plan = _own(plan)
        self._undo_failures.clear()

    def _fault(self, step: str, *kinds: FaultKind) -> Fault | None:
        plan = self.plan
        # A live plan's step keeps, once started, the fault it started with.
        key = step_key(step)
        fault = plan.get_started(key) if isinstance(plan, LiveFaultPlan) else plan.get(key)
        return fault if fault is not None and fault.kind in kinds else None

    def before_action(self, context: StepContext) -> None:
        """Refuse the action now if the plan says so."""
        if context.attempt > 1:
            retries = self.retries
            retries[context.step] = retries.get(context.step, 0) + 1
        if not self.plan and not isinstance(self.plan, LiveFaultPlan):
            return  # most sagas of a batch: nothing to look up
        fault = self._fault(context.step, *_BEFORE_ACTION)
        if fault is None:
            return
        message = self.errors.get(context.step, f"{context.step} failed")
        if fault.kind is FaultKind.FAIL:
            raise StepError(f"{message} (injected)", injected=True)
        if fault.times is None or context.attempt <= fault.times:
            raise TransientStepError(
                f"{message} (injected transient failure {context.attempt} of {fault.times})",
                injected=True,
            )

    def after_action(self, context: StepContext) -> None:
        """Delay the reply past the timeout if the plan says so (the effect stays)."""
        if self.plan and self._fault(context.step, *_AFTER_ACTION) is not None:
            self.sleep(STEP_TIMEOUT * 1.5)

    def before_compensation(self, context: StepContext) -> None:
        """Refuse the undo now if the plan says so."""
        fault = self._fault(context.step, *_BEFORE_COMPENSATION) if self.plan else None
        if fault is None:
            return
        key = context.idempotency_key
        failures = self._undo_failures.get(key, 0)
        if fault.times is None or failures < fault.times:
            self._undo_failures[key] = failures + 1
            reason = "for ever" if fault.times is None else f"{failures + 1} of {fault.times}"
            raise StepError(
                f"COMPENSATE_{context.step} failed (injected failure {reason})", injected=True
            )


class CrashHook:
    """A listener that makes the orchestrator die right after a ``crash`` step.

    Parameters
    ----------
    plan
        Step key → fault; only ``crash`` faults matter here.
    on_crash
        Called with the step name; must not return normally (raise
        :class:`SimulatedCrash`, or end the process). The default raises.
    """

    def __init__(self, plan: FaultPlan, on_crash: Callable[[str], None] | None = None) -> None:
        # A live plan is read when each step completes (it may change until then).
        self.live = plan if isinstance(plan, LiveFaultPlan) else None
        self.steps = {key for key, fault in plan.items() if fault.kind in _ON_ORCHESTRATOR}
        self.on_crash = on_crash or _raise_crash

    def __call__(self, event: SagaEvent) -> None:
        """Die if ``event`` completes a step planned to crash."""
        if not isinstance(event, StepSucceeded):
            return
        key = step_key(event.step)
        if self.live is not None:
            fault = self.live.get_started(key)
            if fault is not None and fault.kind in _ON_ORCHESTRATOR:
                self.on_crash(event.step)
        elif key in self.steps:
            self.on_crash(event.step)


def _own(plan: FaultPlan) -> FaultPlan:
    # A copy, so a caller's dict cannot change under a run; a live plan is shared on
    # purpose (the window changes it while the saga runs).
    return plan if isinstance(plan, LiveFaultPlan) else dict(plan)


def _raise_crash(step: str) -> None:
    raise SimulatedCrash(f"the orchestrator crashed right after {step}")


def booking_definition(world: FlightWorld, injector: FaultInjector) -> SagaDefinition:
    """Return the four-step booking saga on ``world``, with ``injector``'s failures.

    The saga's payload is a checked request (:meth:`BookingRequest.to_payload`).
    """
    actions = _booking_actions(world)
    return SagaDefinition(
        SAGA_NAME, tuple(_booking_step(name, *actions[name], injector) for name in STEP_NAMES)
    )


_Act = Callable[[StepContext], dict[str, Any]]


def _booking_actions(world: FlightWorld) -> dict[str, tuple[_Act, Callable[..., dict[str, Any]]]]:
    """Each step's action and undo on ``world``'s participants."""
    seats, loyalty, payments, bookings = world.participants

    def reserve_seat(c: StepContext) -> dict[str, Any]:
        return seats.reserve(
            c.idempotency_key,
            c.correlation_id,
            int(c.payload["flight_id"]),
            len(c.payload["passengers"]),
        )

    def deduct_points(c: StepContext) -> dict[str, Any]:
        return loyalty.deduct(
            c.idempotency_key,
            c.correlation_id,
            int(c.payload["user_id"]),
            int(c.payload.get("loyalty_points_to_use") or 0),
        )

    def process_payment(c: StepContext) -> dict[str, Any]:
        fare_cents = round(float(c.payload["total_fare"]) * 100)
        discount = int(c.results["DEDUCT_LOYALTY_POINTS"]["discount_cents"])
        return payments.capture(
            c.idempotency_key,
            c.correlation_id,
            int(c.payload["user_id"]),
            max(0, fare_cents - discount),
            str(c.payload.get("payment_method", "card")),
        )

    def confirm_booking(c: StepContext) -> dict[str, Any]:
        return bookings.confirm(
            c.idempotency_key,
            c.correlation_id,
            {
                "flight_id": int(c.payload["flight_id"]),
                "user_id": int(c.payload["user_id"]),
                "seat_ids": c.results["RESERVE_SEAT"]["seat_ids"],
                "points_used": int(c.results["DEDUCT_LOYALTY_POINTS"]["points_deducted"]),
                "amount_cents": int(c.results["PROCESS_PAYMENT"]["amount_cents"]),
                "passengers": c.payload["passengers"],
            },
        )

    return {
        "RESERVE_SEAT": (reserve_seat, seats.release),
        "DEDUCT_LOYALTY_POINTS": (deduct_points, loyalty.refund),
        "PROCESS_PAYMENT": (process_payment, payments.refund),
        "CONFIRM_BOOKING": (confirm_booking, bookings.cancel),
    }


def _booking_step(
    name: str, act: _Act, undo: Callable[..., dict[str, Any]], injector: FaultInjector
) -> SagaStep:
    """The step ``name``: ``act`` and ``undo`` with ``injector``'s failures around them."""

    def action(c: StepContext) -> dict[str, Any]:
        injector.before_action(c)
        result = act(c)
        injector.after_action(c)
        return result

    def compensation(c: StepContext) -> dict[str, Any]:
        injector.before_compensation(c)
        result: dict[str, Any] = undo(c.idempotency_key, c.correlation_id)
        return result

    # The texts, retries and timeout are the saga file's (flight_booking.saga.toml).
    step = booking_spec().step(name)
    return SagaStep(
        name=name,
        action=action,
        compensation=compensation,
        description=step.description,
        compensation_description=step.compensation,
        retry=action_retry(step.retries),
        compensation_retry=COMPENSATION_RETRY,
        timeout=step.timeout,
    )
