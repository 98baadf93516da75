"""A saga file's steps wired to its services: the engine's definition, and its request.

Each step's action applies its effect through its service (with the request's
values where the file says ``"{field}"``), with the planned failures of the
:class:`FaultInjector` around it; its compensation is the service's undo.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from saga_desktop.booking._exceptions import InvalidBooking
from saga_desktop.booking._saga import (
    COMPENSATION_RETRY,
    STEP_TIMEOUT,
    FaultInjector,
    action_retry,
)
from saga_desktop.booking._services import AccountService, RecordService, StockService
from saga_desktop.booking._spec import Credit, Debit, Record, SagaSpec, StepSpec, Take, resolve
from saga_desktop.engine import SagaDefinition, SagaStep, StepContext

__all__ = ["check_request", "injected_errors", "service_definition"]

#: The longest text a request field may hold.
_MAX_TEXT = 200
_MAX_NUMBER = 1_000_000_000.0


def injected_errors(spec: SagaSpec) -> dict[str, str]:
    """Step name → what an injected failure of it says."""
    return {step.name: step.error for step in spec.steps}


def _step(spec: StepSpec, service: object, injector: FaultInjector) -> SagaStep:
    effect = spec.effect
    act: Callable[[StepContext], dict[str, Any]]
    if isinstance(effect, Take):
        assert isinstance(service, StockService)
        stock, take = service, effect

        def act(c: StepContext) -> dict[str, Any]:
            amount = int(resolve(take.amount, c.payload))
            item = str(resolve(take.item, c.payload))
            return stock.take(c.idempotency_key, c.correlation_id, c.step, item, amount)

        undo: Callable[[str, str], dict[str, Any]] = stock.give_back
    elif isinstance(effect, Debit | Credit):
        assert isinstance(service, AccountService)
        accounts, move = service, effect
        apply = accounts.debit if isinstance(effect, Debit) else accounts.credit

        def act(c: StepContext) -> dict[str, Any]:
            amount = float(resolve(move.amount, c.payload))
            account = str(resolve(move.account, c.payload))
            return apply(c.idempotency_key, c.correlation_id, c.step, account, amount)

        undo = accounts.put_back
    else:
        assert isinstance(service, RecordService)
        assert isinstance(effect, Record)
        records, kind = service, effect.kind

        def act(c: StepContext) -> dict[str, Any]:
            return records.create(c.idempotency_key, c.correlation_id, c.step, kind)

        undo = records.cancel

    def action(c: StepContext) -> dict[str, Any]:
        injector.before_action(c)
        result = act(c)
        injector.after_action(c)
        return result

    def compensation(c: StepContext) -> dict[str, Any]:
        injector.before_compensation(c)
        return undo(c.idempotency_key, c.correlation_id)

    return SagaStep(
        name=spec.name,
        action=action,
        compensation=compensation,
        description=spec.description,
        compensation_description=spec.compensation,
        retry=action_retry(spec.retries),
        compensation_retry=COMPENSATION_RETRY,
        # Every step has a timeout, so that a timeout fault can be injected on any of
        # them; the file may give its own.
        timeout=spec.timeout if spec.timeout is not None else STEP_TIMEOUT,
        role=spec.role,
    )


def service_definition(
    spec: SagaSpec, services: Mapping[str, object], injector: FaultInjector
) -> SagaDefinition:
    """Return the engine's definition of ``spec`` on its world's ``services``."""
    return SagaDefinition(
        spec.name,
        tuple(_step(step, services[step.service], injector) for step in spec.steps),
    )


def check_request(spec: SagaSpec, data: object) -> dict[str, Any]:
    """The request to run: the saga file's default with ``data``'s fields over it.

    A request's shape is checked here, not what the services hold: a service
    refuses an item that is gone or a balance that is short, as a real one does.

    Raises
    ------
    InvalidBooking
        On the first field at fault: a field the saga has not, a value of
        another type than the default's, text longer than 200 characters, a
        number that is not finite.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InvalidBooking("", f"a request is a JSON object, not {type(data).__name__}")
    request = dict(spec.request)
    for field, value in data.items():
        if field not in request:
            known = ", ".join(request) or "none"
            raise InvalidBooking(
                str(field), f"{spec.name} has no request field {field!r} (it has: {known})"
            )
        default = request[field]
        if isinstance(default, bool) or isinstance(value, bool):
            fine = isinstance(value, bool) and isinstance(default, bool)
        elif isinstance(default, int | float):
            fine = isinstance(value, int | float) and math.isfinite(value)
            if fine and abs(value) > _MAX_NUMBER:
                raise InvalidBooking(field, f"{field} is out of range (at most {_MAX_NUMBER:,.0f})")
        else:
            fine = isinstance(value, str)
            if fine and len(value) > _MAX_TEXT:
                raise InvalidBooking(
                    field, f"{field} is {len(value):,} characters long; at most {_MAX_TEXT}"
                )
        if not fine:
            raise InvalidBooking(field, f"{field} must be like {default!r}, not {value!r:.60}")
        request[field] = value
    return request
