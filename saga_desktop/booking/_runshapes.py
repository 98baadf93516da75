"""The shapes of a run file's response object and world snapshots, and their check.

A run file comes from anywhere; the window shows its fields, puts them in the
HTML report and sums them. Each field it relies on is declared here with its
JSON type, and :func:`shape_problem` says in a few words where a value is not
of it ("world_after.flights[0].seats_left is a string, not a whole number").
Keys nobody reads are let through: a newer version may add some.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Union

from saga_desktop.booking._files import json_type

__all__ = ["RESPONSE", "SERVICE_WORLD", "WORLD", "Shape", "shape_problem"]

# SQLite's INTEGER range: ids and counts beyond it never came from a world.
_MAX_WHOLE = 2**63 - 1


@dataclasses.dataclass(frozen=True, slots=True)
class _Object:
    """A JSON object with these keys (``required`` must be there; ``optional`` may)."""

    required: Mapping[str, Shape]
    optional: Mapping[str, Shape] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class _List:
    """A JSON array whose every item is of ``item``."""

    item: Shape


class _Anything:
    """Any JSON value (checked elsewhere, or never read)."""


#: A shape: ``bool``, ``int`` (a whole number), ``float`` (any finite number), ``str``,
#: ``None`` (null), an object, a list, anything, or a tuple of shapes (any one of them).
Shape = Union[type, None, _Object, _List, _Anything, tuple["Shape", ...]]  # noqa: UP007

_NAMES: dict[object, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "a string",
    None: "null",
}

_TEXT_OR_NULL = (str, None)
_COMPENSATION = _Object({"step": str, "success": bool}, {"attempts": int, "error": _TEXT_OR_NULL})
#: The guide's response object, as a run file has it (``guide_response``).
RESPONSE = _Object(
    {
        "success": bool,
        "correlation_id": str,
        "outcome": str,
        "steps_completed": int,
        "total_steps": int,
    },
    {
        "booking_reference": _TEXT_OR_NULL,
        "failed_step": _TEXT_OR_NULL,
        "error": _TEXT_OR_NULL,
        "compensation_result": _Object(
            {
                "total_compensations": int,
                "successful_compensations": int,
                "results": _List(_COMPENSATION),
            }
        ),
        "dead_letters": _List(str),
        # The events: the file's "events" are what is read (and checked) of them.
        "saga_log": _List(_Anything()),
    },
)
#: A world snapshot (``WorldSnapshot.to_dict()``, with the window's ``dead_letters``).
WORLD = _Object(
    {
        "consistent": bool,
        "violations": _List(str),
        "flights": _List(
            _Object(
                {"id": int, "route": str, "capacity": int, "seats_left": int},
                {"date": str, "seats_taken": int},
            )
        ),
        "users": _List(_Object({"id": int, "name": str, "points": int}, {"opening_points": int})),
        "payments": _Object({"captured": float, "refunded": float, "net": float}, {"count": int}),
        "bookings": _Object({"confirmed": int, "cancelled": int}),
    },
    {"dead_letters": _List(_Object({}))},
)


#: A saga file's world snapshot (``ServiceSnapshot.to_dict()``, with ``dead_letters``).
SERVICE_WORLD = _Object(
    {
        "consistent": bool,
        "violations": _List(str),
        "services": _List(
            _Object(
                {"name": str, "title": str, "keeps": str},
                {
                    "items": _List(
                        _Object({"item": str, "initial": int, "left": int, "taken": int})
                    ),
                    "accounts": _List(
                        _Object({"account": str, "opening": float, "balance": float})
                    ),
                    "kinds": _List(_Object({"kind": str, "created": int, "cancelled": int})),
                },
            )
        ),
    },
    {"saga": str, "dead_letters": _List(_Object({}))},
)


def shape_problem(value: object, shape: Shape, where: str) -> str | None:
    """Say where ``value`` (parsed JSON) is not of ``shape``, or None when it is.

    Parameters
    ----------
    value
        What ``json.loads`` made of the field.
    shape
        What it must be.
    where
        The field's name, to start the answer with (``"response"``).

    Returns
    -------
    str or None
        ``"<where>.<key>[<n>] is <what it is>, not <what it must be>"``, or
        ``"<where> has no <key>"``; None when everything fits.
    """
    if isinstance(shape, tuple):
        if any(shape_problem(value, option, where) is None for option in shape):
            return None
        wanted = " or ".join(_wanted(option) for option in shape)
        return f"{where} is {_what(value)}, not {wanted}"
    if isinstance(shape, _Anything):
        return None
    if isinstance(shape, _Object):
        if not isinstance(value, dict):
            return f"{where} is {_what(value)}, not an object"
        for key in shape.required:
            if key not in value:
                return f"{where} has no {key}"
        for key, item in [*shape.required.items(), *shape.optional.items()]:
            if key in value and (problem := shape_problem(value[key], item, f"{where}.{key}")):
                return problem
        return None
    if isinstance(shape, _List):
        if not isinstance(value, list):
            return f"{where} is {_what(value)}, not a list"
        for index, item in enumerate(value):
            if problem := shape_problem(item, shape.item, f"{where}[{index}]"):
                return problem
        return None
    return None if _fits(value, shape) else f"{where} is {_what(value)}, not {_wanted(shape)}"


def _fits(value: object, kind: object) -> bool:
    if kind is None:
        return value is None
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):  # True is an int in Python, not a count in JSON
        return False
    if kind is int:
        return isinstance(value, int) and abs(value) <= _MAX_WHOLE
    if kind is float:
        return (isinstance(value, float) and math.isfinite(value)) or (
            isinstance(value, int) and abs(value) <= _MAX_WHOLE
        )
    return kind is str and isinstance(value, str)


def _wanted(shape: Shape) -> str:
    if isinstance(shape, _Object):
        return "an object"
    if isinstance(shape, _List):
        return "a list"
    return _NAMES.get(shape, "something else")


def _what(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"the number {value!r:.24}"
    return f"a JSON {json_type(value)}"
