"""Checking a saga file's data, field by field, before anything is built from it.

Every problem names the field's path (``steps[3].take.item``), says what is
wrong in words a person can act on, suggests the name that was probably meant
(``did you mean "compact"?``) and, for TOML text, the line that holds it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from saga_desktop.booking._spec import StepRole, request_field

__all__ = ["BUILT_IN_WORLDS", "LIMITS", "Problem", "check_saga"]

#: Worlds the app has built in, and the steps each one can run with the service
#: that runs it (a saga file naming one describes those steps' texts and policies;
#: their effects are the world's own). The flight booking's is the guide's.
BUILT_IN_WORLDS: dict[str, tuple[tuple[str, str], ...]] = {
    "flight_booking": (
        ("RESERVE_SEAT", "seats"),
        ("DEDUCT_LOYALTY_POINTS", "loyalty"),
        ("PROCESS_PAYMENT", "payments"),
        ("CONFIRM_BOOKING", "bookings"),
    ),
}

_SAGA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_STEP_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_ITEM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class _Limits:
    # A plain class, not a dataclass: this module is read at the window's start-up
    # (the flight booking is a saga file too), and each dataclass costs a millisecond.
    steps: int = 40
    services: int = 20
    name: int = 40
    text: int = 500
    items: int = 50
    stock: int = 1_000_000
    amount: float = 1_000_000_000.0
    retries: int = 10
    timeout: float = 60.0


#: What a saga file may hold at most.
LIMITS = _Limits()

_TOP_KEYS = ("name", "title", "description", "notes", "world", "request", "services", "steps")
_SERVICE_KEYS = ("title", "stock", "accounts", "records")
_STEP_KEYS = (
    "name",
    "title",
    "description",
    "service",
    "take",
    "debit",
    "credit",
    "record",
    "compensation",
    "role",
    "retries",
    "timeout",
    "error",
)
_EFFECT_KEYS = {
    "take": ("item", "amount"),
    "debit": ("account", "amount"),
    "credit": ("account", "amount"),
    "record": ("kind",),
}
_KEEPS = {"take": "stock", "debit": "accounts", "credit": "accounts", "record": "records"}


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a saga file."""

    path: str
    message: str
    line: int | None = None


def _suggest(value: str, options: Sequence[str]) -> str:
    import difflib  # only a file with a mistake needs it

    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a table"
    return "a list" if isinstance(value, list) else type(value).__name__


def _whole(value: object, low: int, high: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and low <= value <= high


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Walks the data once, collecting problems (with lines, for TOML text)."""

    def __init__(self, data: object, text: str | None) -> None:
        self.data = data
        self.lines = text.splitlines() if text is not None else None
        self.problems: list[Problem] = []

    # -- where --------------------------------------------------------------

    def _line(self, path: str) -> int | None:
        # TOML only, and good enough for a person: the table's header, then the key
        # inside it. JSON errors carry no line (its parser says where a syntax error is).
        lines = self.lines
        if lines is None or not path:
            return None
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        if parts[0] == "steps" and len(parts) > 1 and parts[1].startswith("["):
            index = int(parts[1][1:-1])
            headers = [n for n, line in enumerate(lines) if line.strip() == "[[steps]]"]
            if index >= len(headers):
                return None
            start = headers[index]
            end = headers[index + 1] if index + 1 < len(headers) else len(lines)
            key = parts[2] if len(parts) > 2 else None
        elif parts[0] in ("services", "request") and len(parts) > 1:
            header = f"[{parts[0]}.{parts[1]}]" if parts[0] == "services" else "[request]"
            found = [n for n, line in enumerate(lines) if line.split("#")[0].strip() == header]
            if not found:
                return None
            start = found[0]
            end = next(
                (n for n in range(start + 1, len(lines)) if lines[n].lstrip().startswith("[")),
                len(lines),
            )
            key = parts[2] if parts[0] == "services" and len(parts) > 2 else parts[-1]
            if parts[0] == "services" and len(parts) == 2:
                key = None
        else:
            start, end, key = 0, len(lines), parts[0]
        if key is None:
            return start + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, end):
            if pattern.match(lines[number]):
                return number + 1
        return start + 1 if start else None

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, self._line(path)))

    def unknown_keys(self, table: Mapping[str, Any], known: Sequence[str], path: str) -> None:
        for key in table:
            if key not in known:
                where = f"{path}.{key}" if path else str(key)
                self.problem(where, f"unknown key{_suggest(str(key), known)}")

    def text(self, table: Mapping[str, Any], key: str, path: str) -> None:
        value = table.get(key)
        if value is None:
            return
        if not isinstance(value, str):
            self.problem(path, f"must be text, not {_kind(value)}")
        elif len(value) > LIMITS.text:
            self.problem(path, f"is {len(value):,} characters long; at most {LIMITS.text}")

    # -- the parts --------------------------------------------------------------

    def check(self) -> list[Problem]:
        data = self.data
        if not isinstance(data, Mapping):
            self.problem("", f"a saga file holds a table, not {_kind(data)}")
            return self.problems
        self.unknown_keys(data, _TOP_KEYS, "")
        name = data.get("name")
        if not isinstance(name, str) or not _SAGA_NAME.match(name):
            self.problem(
                "name", "a saga needs a name of lower-case letters, digits and _ (trip_booking)"
            )
        elif len(name) > LIMITS.name:
            self.problem("name", f"is longer than {LIMITS.name} characters")
        for key in ("title", "description", "notes"):
            self.text(data, key, key)
        if "world" in data:
            self.built_in(data)
            return self.problems
        request = self.request(data.get("request", {}))
        services = self.services(data.get("services"))
        self.steps(data.get("steps"), services, request)
        return self.problems

    def built_in(self, data: Mapping[str, Any]) -> None:
        world = data["world"]
        if world not in BUILT_IN_WORLDS:
            self.problem(
                "world",
                f"{world!r} is not a world the app has: {', '.join(BUILT_IN_WORLDS)}"
                + _suggest(str(world), list(BUILT_IN_WORLDS)),
            )
            return
        for key in ("services", "request"):
            if key in data:
                self.problem(key, f"the {world} world has its own {key}: leave them out")
        expected = BUILT_IN_WORLDS[world]
        steps = data.get("steps")
        if not isinstance(steps, list) or len(steps) != len(expected):
            names = ", ".join(name for name, _ in expected)
            self.problem("steps", f"the {world} world runs {len(expected)} steps: {names}")
            return
        for index, (step, (name, service)) in enumerate(zip(steps, expected, strict=True)):
            path = f"steps[{index}]"
            if not isinstance(step, Mapping):
                self.problem(path, f"must be a table, not {_kind(step)}")
                continue
            self.unknown_keys(step, _STEP_KEYS, path)
            if step.get("name") != name:
                self.problem(f"{path}.name", f"the {world} world's step {index + 1} is {name}")
            if step.get("service", service) != service:
                self.problem(f"{path}.service", f"{name} is run by the {service} service")
            for verb in _EFFECT_KEYS:
                if verb in step:
                    self.problem(f"{path}.{verb}", f"{name}'s effect is the {world} world's own")
            if step.get("role", StepRole.COMPENSATABLE.value) != StepRole.COMPENSATABLE.value:
                self.problem(f"{path}.role", f"{name} is compensatable in the {world} world")
            for key in ("title", "description", "compensation", "error"):
                self.text(step, key, f"{path}.{key}")
            self.policy(step, path)

    def request(self, request: object) -> Mapping[str, Any]:
        if not isinstance(request, Mapping):
            self.problem("request", f"must be a table of fields, not {_kind(request)}")
            return {}
        for field, value in request.items():
            path = f"request.{field}"
            if not _FIELD_NAME.match(str(field)):
                self.problem(path, "a field's name is lower-case letters, digits and _")
            elif isinstance(value, str):
                if len(value) > LIMITS.text:
                    self.problem(path, f"is longer than {LIMITS.text} characters")
            elif isinstance(value, float) and not math.isfinite(value):
                self.problem(path, f"{value} is not a number a request can hold")
            elif not isinstance(value, bool) and not _number(value):
                self.problem(path, f"must be text, a number or true/false, not {_kind(value)}")
        return request

    def services(self, services: object) -> Mapping[str, Mapping[str, Any]]:
        if not isinstance(services, Mapping) or not services:
            self.problem("services", "a saga needs at least one service ([services.NAME])")
            return {}
        if len(services) > LIMITS.services:
            self.problem("services", f"{len(services)} services; at most {LIMITS.services}")
        good: dict[str, Mapping[str, Any]] = {}
        for name, service in services.items():
            path = f"services.{name}"
            if not _SAGA_NAME.match(str(name)) or len(str(name)) > LIMITS.name:
                self.problem(path, "a service's name is lower-case letters, digits and _")
                continue
            if not isinstance(service, Mapping):
                self.problem(path, f"must be a table, not {_kind(service)}")
                continue
            self.unknown_keys(service, _SERVICE_KEYS, path)
            self.text(service, "title", f"{path}.title")
            keeps = [key for key in ("stock", "accounts", "records") if key in service]
            if len(keeps) != 1:
                self.problem(
                    path,
                    "a service keeps one thing: stock = {...}, accounts = {...} or records = true"
                    + (f" (this one has {' and '.join(keeps)})" if keeps else ""),
                )
                continue
            if self.kept(service, keeps[0], path):
                good[str(name)] = service
        return good

    def kept(self, service: Mapping[str, Any], keeps: str, path: str) -> bool:
        value = service[keeps]
        if keeps == "records":
            if value is not True:
                self.problem(f"{path}.records", "is true for a service that keeps records")
                return False
            return True
        if not isinstance(value, Mapping) or not value:
            self.problem(
                f"{path}.{keeps}", f"must be a table of names and amounts, not {_kind(value)}"
            )
            return False
        if len(value) > LIMITS.items:
            self.problem(f"{path}.{keeps}", f"{len(value)} entries; at most {LIMITS.items}")
            return False
        fine = True
        for item, amount in value.items():
            where = f"{path}.{keeps}.{item}"
            if not _ITEM_NAME.match(str(item)) or len(str(item)) > LIMITS.name:
                self.problem(where, "a name of letters, digits, _ . and -")
                fine = False
            elif keeps == "stock" and not _whole(amount, 0, LIMITS.stock):
                self.problem(
                    where, f"a stock is a whole number from 0 to {LIMITS.stock:,}, not {amount!r}"
                )
                fine = False
            elif keeps == "accounts" and (not _number(amount) or not 0 <= amount <= LIMITS.amount):
                self.problem(
                    where,
                    f"a balance is a number from 0 to {LIMITS.amount:,.0f}, not {amount!r}",
                )
                fine = False
        return fine

    def steps(
        self,
        steps: object,
        services: Mapping[str, Mapping[str, Any]],
        request: Mapping[str, Any],
    ) -> None:
        if not isinstance(steps, list) or not steps:
            self.problem("steps", "a saga needs at least one step ([[steps]])")
            return
        if len(steps) > LIMITS.steps:
            self.problem("steps", f"{len(steps)} steps; at most {LIMITS.steps}")
            return
        seen: dict[str, int] = {}
        roles: list[tuple[int, StepRole]] = []
        for index, step in enumerate(steps):
            path = f"steps[{index}]"
            if not isinstance(step, Mapping):
                self.problem(path, f"must be a table, not {_kind(step)}")
                continue
            self.unknown_keys(step, _STEP_KEYS, path)
            name = step.get("name")
            if not isinstance(name, str) or not _STEP_NAME.match(name) or len(name) > LIMITS.name:
                self.problem(
                    f"{path}.name", "a step needs a name of capitals, digits and _ (BOOK_HOTEL)"
                )
            elif name in seen:
                self.problem(f"{path}.name", f"{name} is the name of steps[{seen[name]}] too")
            else:
                seen[name] = index
            for key in ("title", "description", "compensation", "error"):
                self.text(step, key, f"{path}.{key}")
            self.effect(step, path, services, request)
            self.policy(step, path)
            role = step.get("role", StepRole.COMPENSATABLE.value)
            try:
                roles.append((index, StepRole(role)))
            except ValueError:
                self.problem(
                    f"{path}.role",
                    f"{role!r} is not a role: compensatable, pivot or retriable"
                    + _suggest(str(role), [r.value for r in StepRole]),
                )
        self.structure(roles, steps)

    def effect(
        self,
        step: Mapping[str, Any],
        path: str,
        services: Mapping[str, Mapping[str, Any]],
        request: Mapping[str, Any],
    ) -> None:
        service_name = step.get("service")
        if not isinstance(service_name, str):
            self.problem(f"{path}.service", "a step names the service that does it")
            service = None
        else:
            service = services.get(service_name)
            if service is None:
                self.problem(
                    f"{path}.service",
                    f'"{service_name}" is not a service of the saga'
                    + _suggest(service_name, list(services)),
                )
        verbs = [verb for verb in _EFFECT_KEYS if verb in step]
        if len(verbs) != 1:
            self.problem(
                path,
                "a step does one thing: take = {...}, debit = {...}, credit = {...} or "
                "record = {...}" + (f" (this one has {' and '.join(verbs)})" if verbs else ""),
            )
            return
        verb = verbs[0]
        effect = step[verb]
        where = f"{path}.{verb}"
        if not isinstance(effect, Mapping):
            self.problem(where, f"must be a table, not {_kind(effect)}")
            return
        self.unknown_keys(effect, _EFFECT_KEYS[verb], where)
        if service is not None and _KEEPS[verb] not in service:
            self.problem(
                where,
                f"services.{service_name} keeps no {_KEEPS[verb]}: a step that does "
                f"{verb} needs a service with {_KEEPS[verb]}",
            )
            return
        for problem in _effect_problems(verb, effect, service, service_name, request):
            self.problem(f"{where}.{problem[0]}" if problem[0] else where, problem[1])

    def policy(self, step: Mapping[str, Any], path: str) -> None:
        retries = step.get("retries")
        if retries is not None and not _whole(retries, 0, LIMITS.retries):
            self.problem(
                f"{path}.retries", f"a whole number from 0 to {LIMITS.retries}, not {retries!r}"
            )
        timeout = step.get("timeout")
        if timeout is not None and (not _number(timeout) or not 0 < timeout <= LIMITS.timeout):
            self.problem(
                f"{path}.timeout",
                f"seconds, more than 0 and at most {LIMITS.timeout:g}, not {timeout!r}",
            )

    def structure(self, roles: list[tuple[int, StepRole]], steps: list[Any]) -> None:
        def named(index: int) -> str:
            name = steps[index].get("name") if isinstance(steps[index], Mapping) else None
            return f"steps[{index}] ({name})" if isinstance(name, str) else f"steps[{index}]"

        pivot: int | None = None
        for index, role in roles:
            where = f"steps[{index}].role"
            if role is StepRole.PIVOT:
                if pivot is not None:
                    self.problem(where, f"a second pivot ({named(pivot)} is one): at most one")
                else:
                    pivot = index
            elif role is StepRole.COMPENSATABLE and pivot is not None:
                self.problem(
                    where,
                    f"a compensatable step cannot follow the pivot {named(pivot)}: after the "
                    "point of no return only retriable steps run",
                )
            elif role is StepRole.RETRIABLE and pivot is None:
                self.problem(
                    where,
                    'a retriable step comes after the pivot (role = "pivot" on the step '
                    "after which the saga can only go forward)",
                )


def _effect_problems(
    verb: str,
    effect: Mapping[str, Any],
    service: Mapping[str, Any] | None,
    service_name: object,
    request: Mapping[str, Any],
) -> Iterator[tuple[str, str]]:
    """``(key, problem)`` for each thing wrong with an effect's values."""
    if verb == "record":
        kind = effect.get("kind")
        if not isinstance(kind, str) or not _FIELD_NAME.match(kind):
            yield "kind", "a record's kind is lower-case letters, digits and _ (itinerary)"
        return
    target, names = ("item", "stock") if verb == "take" else ("account", "accounts")
    kept = service.get(names, {}) if service is not None else {}
    value = effect.get(target)
    field = request_field(value)
    if field is not None:
        if field not in request:
            yield (
                target,
                f"{{{field}}} reads request.{field}, which the saga has not"
                + _suggest(field, list(request)),
            )
        elif request[field] not in kept:
            yield (
                target,
                (f"request.{field} is {request[field]!r}, not in services.{service_name}.{names}"),
            )
    elif not isinstance(value, str):
        yield target, f"names one of services.{service_name}.{names}"
    elif value not in kept:
        yield (
            target,
            f'"{value}" is not in services.{service_name}.{names}' + _suggest(value, list(kept)),
        )
    amount = effect.get("amount", 1 if verb == "take" else None)
    field = request_field(amount)
    if field is not None:
        if field not in request:
            yield "amount", f"{{{field}}} reads request.{field}, which the saga has not"
        elif not _number(request[field]) or request[field] <= 0:
            yield "amount", f"request.{field} is {request[field]!r}, not an amount more than 0"
    elif verb == "take" and not _whole(amount, 1, LIMITS.stock):
        yield "amount", f"a whole number from 1 to {LIMITS.stock:,}, not {amount!r}"
    elif verb in ("debit", "credit") and (not _number(amount) or not 0 < amount <= LIMITS.amount):
        yield "amount", f"an amount more than 0 and at most {LIMITS.amount:,.0f}, not {amount!r}"


def check_saga(data: object, text: str | None) -> list[Problem]:
    """Every problem of a saga file's data; ``text`` (TOML) gives the problems lines.

    Returns
    -------
    list of Problem
        Empty when the data describes a saga that can run.
    """
    return _Checker(data, text).check()
