"""A saga spec written back out: as the plain data of its file, and as TOML text.

``spec_from_data(spec_to_data(spec))`` gives the same spec; the TOML text reads
back to the same data. The editor saves through this, and a run file carries
its saga as this data so that it can be replayed on another machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from saga_desktop.booking._spec import Credit, Debit, Effect, Record, SagaSpec, StepRole, Take

__all__ = ["spec_to_data", "spec_to_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _effect(effect: Effect | None) -> dict[str, Any]:
    if isinstance(effect, Take):
        return {"take": {"item": effect.item, "amount": effect.amount}}
    if isinstance(effect, Debit):
        return {"debit": {"account": effect.account, "amount": effect.amount}}
    if isinstance(effect, Credit):
        return {"credit": {"account": effect.account, "amount": effect.amount}}
    if isinstance(effect, Record):
        return {"record": {"kind": effect.kind}}
    return {}


def spec_to_data(spec: SagaSpec) -> dict[str, Any]:
    """The saga file's data (plain JSON) that describes ``spec``."""
    data: dict[str, Any] = {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
    }
    if spec.notes:
        data["notes"] = spec.notes
    if spec.world is not None:
        data["world"] = spec.world
    else:
        data["request"] = dict(spec.request)
        data["services"] = {}
        for name, service in spec.services.items():
            entry: dict[str, Any] = {"title": service.title}
            if service.stock is not None:
                entry["stock"] = dict(service.stock)
            elif service.accounts is not None:
                entry["accounts"] = dict(service.accounts)
            else:
                entry["records"] = True
            data["services"][name] = entry
    steps = []
    for step in spec.steps:
        entry = {
            "name": step.name,
            "title": step.title,
            "description": step.description,
            "service": step.service,
            **_effect(step.effect),
            "compensation": step.compensation,
            "retries": step.retries,
            "error": step.error,
        }
        if step.role is not StepRole.COMPENSATABLE:
            entry["role"] = step.role.value
        if step.timeout is not None:
            entry["timeout"] = step.timeout
        steps.append(entry)
    data["steps"] = steps
    return data


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    # A JSON string is a TOML basic string (the same escapes); numbers and booleans
    # are written alike; an inline table for the effects and the stock.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"a saga file holds no {type(value).__name__}")


def spec_to_toml(spec: SagaSpec) -> str:
    """The saga file's TOML text for ``spec`` (what the editor saves)."""
    data = spec_to_data(spec)
    lines = [
        f"{_key(key)} = {_value(data[key])}"
        for key in ("name", "title", "description", "notes", "world")
        if key in data
    ]
    if data.get("request"):
        lines += ["", "[request]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in data["request"].items()]
    for name, service in data.get("services", {}).items():
        lines += ["", f"[services.{_key(name)}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in service.items()]
    for step in data["steps"]:
        lines += ["", "[[steps]]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in step.items()]
    return "\n".join(lines) + "\n"
