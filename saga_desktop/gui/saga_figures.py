"""A saga file's world at any event of a recorded run, from its figures before it (no Qt).

As :func:`saga_desktop.booking.world_at` does for the flight booking: a replay
shows the services' figures of the moment replayed, moved from the snapshot
before the run by what each step did and each undo gave back (their results
in the saga log). Nothing is read from a database.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from saga_desktop import engine

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec

__all__ = ["saga_world_at"]


def _service(state: dict[str, Any], spec: SagaSpec, step: str) -> dict[str, Any] | None:
    try:
        name = spec.step(step).service
    except KeyError:
        return None
    return next((s for s in state.get("services", []) if s.get("name") == name), None)


def _entry(service: dict[str, Any], group: str, key: str, value: object) -> dict[str, Any] | None:
    return next((e for e in service.get(group, []) if e.get(key) == value), None)


def _did(service: dict[str, Any], result: Mapping[str, Any]) -> None:
    """A step's effect, from its result."""
    if "item" in result and "left" in result:
        entry = _entry(service, "items", "item", result["item"])
        if entry is not None:
            entry["left"] = result["left"]
            entry["taken"] = entry.get("initial", 0) - result["left"]
    elif "account" in result and "balance" in result:
        entry = _entry(service, "accounts", "account", result["account"])
        if entry is not None:
            entry["balance"] = result["balance"]
        moved = "debited" if "debited" in result else "credited"
        service[moved] = round(service.get(moved, 0.0) + float(result.get("amount", 0.0)), 2)
    elif "kind" in result:
        entry = _entry(service, "kinds", "kind", result["kind"])
        if entry is None:
            entry = {"kind": result["kind"], "created": 0, "cancelled": 0}
            service.setdefault("kinds", []).append(entry)
        entry["created"] += 1


def _undid(service: dict[str, Any], result: Mapping[str, Any]) -> None:
    """An undo's effect, from its result."""
    if "item" in result and "given_back" in result:
        entry = _entry(service, "items", "item", result["item"])
        if entry is not None:
            entry["left"] += result["given_back"]
            entry["taken"] = entry.get("initial", 0) - entry["left"]
    elif "account" in result and "balance" in result:
        entry = _entry(service, "accounts", "account", result["account"])
        if entry is not None:
            entry["balance"] = result["balance"]
        back = float(result.get("put_back", result.get("amount", 0.0)))
        service["put_back"] = round(service.get("put_back", 0.0) + back, 2)
    elif "kind" in result:
        entry = _entry(service, "kinds", "kind", result["kind"])
        if entry is not None:
            entry["cancelled"] += 1


def saga_world_at(
    spec: SagaSpec, before: Mapping[str, Any], events: Sequence[engine.SagaEvent]
) -> dict[str, Any]:
    """The figures of ``before`` (a ``ServiceSnapshot`` dict) moved by ``events``.

    A result this does not know the shape of moves nothing: the figures then
    lag, never lie about another service.
    """
    state: dict[str, Any] = copy.deepcopy(dict(before))
    for event in events:
        if isinstance(event, engine.StepSucceeded | engine.CompensationSucceeded):
            service = _service(state, spec, event.step)
            result = event.result if isinstance(event.result, Mapping) else {}
            if service is None:
                continue
            if isinstance(event, engine.StepSucceeded):
                _did(service, result)
            else:
                _undid(service, result)
    return state
