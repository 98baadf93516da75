"""The lab's saga files: the saga format with two more step kinds, ``check`` and ``set``.

A lab saga file is a saga file (name, title, description, ``[request]``,
``[[steps]]``) whose steps act on the shared flight-booking world. Each step
has exactly one effect, and the effect names its service:

``take`` / ``give``  (seats)
    ``{flight}``: one free seat taken, or given back.
``debit`` / ``credit``  (loyalty)
    ``{user, points}``.
``pay`` / ``refund``  (payments)
    ``{booking, amount}`` (``pay`` may also read ``declined``: the card says no).
``check``  (bookings)
    ``{booking, status}``: read the booking and decide: the saga goes on only
    when the booking has that status. Later steps may read what it read,
    ``"{CHECK_BOOKING.flight}"``.
``set``  (bookings)
    ``{booking, status}`` and any of ``user, flight, points, fare``: set the
    booking's status (and fields); a new booking is created.

A ``[lab]`` table says which request field is at stake (``value``, for the
by-value countermeasure) and may give the pessimistic view's step order
(``pessimistic_order``). Problems are reported with the path of the field at
fault (``steps[2].take.flight``), like the saga files' own.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from saga_desktop.booking._exceptions import BookingError
from saga_desktop.booking.lab._records import BOOKING_FIELDS

__all__ = [
    "EFFECTS",
    "LabSagaError",
    "LabSagaSpec",
    "LabStep",
    "lab_saga_problems",
    "load_lab_saga",
    "parse_lab_saga",
    "resolve",
]

#: The largest lab saga file read.
MAX_BYTES = 64 * 1024
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_STEP = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_REFERENCE = re.compile(r"^\{(?:([A-Z][A-Z0-9_]*)\.)?([a-z_][a-z0-9_]*)\}$")
_STATUSES = ("CONFIRMED", "CANCELLED")
_NUMBERS = frozenset({"points", "amount", "fare"})


@dataclasses.dataclass(frozen=True, slots=True)
class _Effect:
    service: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


#: Step kind → its service, its required and optional fields.
EFFECTS: Mapping[str, _Effect] = {
    "take": _Effect("seats", ("flight",)),
    "give": _Effect("seats", ("flight",)),
    "debit": _Effect("loyalty", ("user", "points")),
    "credit": _Effect("loyalty", ("user", "points")),
    "pay": _Effect("payments", ("booking", "amount"), ("declined",)),
    "refund": _Effect("payments", ("booking", "amount")),
    "check": _Effect("bookings", ("booking", "status")),
    "set": _Effect("bookings", ("booking", "status"), ("user", "flight", "points", "fare")),
}


class LabSagaError(BookingError):
    """A lab saga file that cannot be used; the message names the field at fault."""


@dataclasses.dataclass(frozen=True, slots=True)
class LabStep:
    """One step: its kind (a key of :data:`EFFECTS`) and the kind's fields."""

    name: str
    title: str
    kind: str
    args: Mapping[str, Any]

    @property
    def service(self) -> str:
        """The service the step acts on."""
        return EFFECTS[self.kind].service


@dataclasses.dataclass(frozen=True, slots=True)
class LabSagaSpec:
    """A lab saga: steps over the shared world, and its default request."""

    name: str
    title: str
    description: str
    request: Mapping[str, Any]
    steps: tuple[LabStep, ...]
    value_field: str
    pessimistic_order: tuple[str, ...] | None = None
    source: str | None = None

    def ordered(self, pessimistic: bool) -> tuple[LabStep, ...]:
        """The steps in the order they run (the pessimistic view may reorder them)."""
        if not pessimistic or self.pessimistic_order is None:
            return self.steps
        by_name = {step.name: step for step in self.steps}
        return tuple(by_name[name] for name in self.pessimistic_order)


def resolve(value: Any, request: Mapping[str, Any], results: Mapping[str, Any]) -> Any:
    """``value``, or what it reads: ``"{field}"`` of the request, ``"{STEP.field}"`` of a check."""
    if isinstance(value, str):
        match = _REFERENCE.match(value)
        if match:
            step, field = match.groups()
            return results[step][field] if step else request[field]
    return value


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def text(self, table: Mapping[str, Any], key: str, path: str, pattern: Any = None) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}{key}", "must be a non-empty text")
            return ""
        if pattern is not None and not pattern.match(value):
            self.add(f"{path}{key}", f"{value!r:.40} is not a valid name")
        return value

    def unknown(self, table: Mapping[str, Any], known: tuple[str, ...], path: str) -> None:
        for key in table:
            if key not in known:
                self.add(f"{path}{key}", f"unknown field (known: {', '.join(known)})")

    def value(
        self, value: Any, field: str, path: str, request: Mapping[str, Any], checks: set[str]
    ) -> None:
        match = _REFERENCE.match(value) if isinstance(value, str) else None
        if match:
            step, name = match.groups()
            if step is None and name not in request:
                self.add(path, f"reads request field {name!r}, which [request] has not")
            elif step is not None and step not in checks:
                self.add(path, f"reads {step}, which is not an earlier check step")
            elif step is not None and name not in BOOKING_FIELDS:
                self.add(path, f"a check step gives {', '.join(BOOKING_FIELDS)}, not {name!r}")
            return
        if field in _NUMBERS:
            fine = isinstance(value, int | float) and not isinstance(value, bool)
        elif field == "declined":
            fine = isinstance(value, bool)
        else:
            fine = isinstance(value, str) and bool(value)
        if not fine:
            self.add(path, f"{value!r:.40} is not a valid {field}")
        elif field == "status" and value not in _STATUSES:
            self.add(path, f"{value!r} is not a status ({', '.join(_STATUSES)})")

    def step(
        self, raw: Any, path: str, request: Mapping[str, Any], checks: set[str]
    ) -> LabStep | None:
        if not isinstance(raw, Mapping):
            self.add(path, "a step is a table")
            return None
        kinds = [key for key in raw if key in EFFECTS]
        self.unknown(raw, ("name", "title", *EFFECTS), f"{path}.")
        name = self.text(raw, "name", f"{path}.", _STEP)
        if len(kinds) != 1:
            self.add(f"{path}", f"a step has exactly one of {', '.join(EFFECTS)}")
            return None
        kind, args = kinds[0], raw[kinds[0]]
        if not isinstance(args, Mapping):
            self.add(f"{path}.{kind}", "must be a table")
            return None
        effect = EFFECTS[kind]
        self.unknown(args, (*effect.required, *effect.optional), f"{path}.{kind}.")
        for field in effect.required:
            if field not in args:
                self.add(f"{path}.{kind}.{field}", "is missing")
        for field, value in args.items():
            self.value(value, field, f"{path}.{kind}.{field}", request, checks)
        if kind == "check":
            checks.add(name)
        title = raw.get("title", name.replace("_", " ").capitalize())
        return LabStep(name, str(title), kind, dict(args))


def _check(data: Mapping[str, Any], source: str | None) -> tuple[LabSagaSpec | None, list[str]]:
    c = _Checker()
    c.unknown(data, ("name", "title", "description", "lab", "request", "steps"), "")
    name = c.text(data, "name", "", _NAME)
    title, description = c.text(data, "title", ""), c.text(data, "description", "")
    request = data.get("request", {})
    if not isinstance(request, Mapping):
        c.add("request", "must be a table")
        request = {}
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        c.add("steps", "must be a list of one or more steps")
        raw_steps = []
    checks: set[str] = set()
    steps = [c.step(raw, f"steps[{i}]", request, checks) for i, raw in enumerate(raw_steps)]
    names = [s.name for s in steps if s is not None]
    for i, step_name in enumerate(names):
        if step_name in names[:i]:
            c.add(f"steps[{i}].name", f"{step_name} is named twice")
    lab = data.get("lab", {})
    if not isinstance(lab, Mapping):
        c.add("lab", "must be a table")
        lab = {}
    c.unknown(lab, ("value", "pessimistic_order"), "lab.")
    value_field = lab.get("value", "")
    if value_field not in request:
        c.add("lab.value", f"must name a request field, not {value_field!r:.40}")
    order = lab.get("pessimistic_order")
    if order is not None and (not isinstance(order, list) or sorted(order) != sorted(names)):
        c.add("lab.pessimistic_order", "must list every step once, in a new order")
    if c.problems:
        return None, c.problems
    spec = LabSagaSpec(
        name,
        title,
        description,
        dict(request),
        tuple(s for s in steps if s is not None),
        str(value_field),
        tuple(order) if order else None,
        source,
    )
    return spec, []


def lab_saga_problems(text: str) -> list[str]:
    """Every problem of a lab saga file's text (empty when it is fine)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [f"not TOML: {exc}"]
    return _check(data, None)[1]


def parse_lab_saga(text: str, *, source: str = "lab saga") -> LabSagaSpec:
    """Read a lab saga from its TOML text.

    Raises
    ------
    LabSagaError
        On the first problem (and how many more there are).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabSagaError(f"{source}: not TOML: {exc}") from None
    spec, problems = _check(data, source)
    if spec is None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LabSagaError(f"{source}: {problems[0]}{more}")
    return spec


def load_lab_saga(path: Path) -> LabSagaSpec:
    """Read a lab saga file (at most 64 KiB)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LabSagaError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise LabSagaError(f"{path} is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LabSagaError(f"{path} is not UTF-8 text") from None
    return parse_lab_saga(text, source=str(path))
