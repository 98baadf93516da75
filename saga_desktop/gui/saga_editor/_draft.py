"""The editor's draft of a saga: the texts a person typed, as the saga file's data.

The draft holds strings only, as typed (a table cell, a line edit), so a half-typed
value is never lost. :func:`draft_to_data` turns it into a saga file's plain data,
the same data :func:`~saga_desktop.booking.spec_from_data` builds a spec from;
:func:`draft_problems` checks that data with the loader's own checker and puts
each problem back where it was typed (a :class:`Where`: a field, or a table's row
and column). No Qt here: the dialog, the tables and the preview read this.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from saga_desktop.booking import StepRole, check_saga, request_field

__all__ = [
    "EFFECTS",
    "KEEPS",
    "REQUEST_COLUMNS",
    "ROLES",
    "SAGA_FIELDS",
    "SERVICE_COLUMNS",
    "STEP_COLUMNS",
    "STEP_DETAILS",
    "Column",
    "Draft",
    "Issue",
    "Where",
    "draft_from_data",
    "draft_problems",
    "draft_to_data",
    "empty_step",
]

Row = dict[str, str]


@dataclasses.dataclass(frozen=True, slots=True)
class Column:
    """A table column: the row key it edits, its header, its tooltip, its choices."""

    key: str
    header: str
    tip: str = ""
    choices: tuple[str, ...] = ()


#: The saga's own fields, edited in line edits (``notes`` in a text box).
SAGA_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("title", "Title"),
    ("description", "Description"),
    ("notes", "Notes for the trainer"),
)
EFFECTS = ("take", "debit", "credit", "record")
ROLES = tuple(role.value for role in StepRole)
KEEPS = ("stock", "accounts", "records")
# The key inside each effect's table that names what it acts on.
_TARGET = {"take": "item", "debit": "account", "credit": "account", "record": "kind"}

REQUEST_COLUMNS = (
    Column("field", "Field", "lower-case letters, digits and _ (traveller)"),
    Column("value", "Value", 'text, a number or true/false; "640" in quotes is text'),
)
SERVICE_COLUMNS = (
    Column("name", "Service", "lower-case letters, digits and _ (hotels)"),
    Column("title", "Title", "what people read (Hotel service)"),
    Column("keeps", "Keeps", "stock (counted things), accounts (balances) or records", KEEPS),
    Column("entries", "Starting stock / balances", "NAME = AMOUNT, separated by commas"),
)
STEP_COLUMNS = (
    Column("name", "Step", "capitals, digits and _ (BOOK_HOTEL)"),
    Column("title", "Title", "a short title (empty: from the name)"),
    Column("service", "Service", "the service that does the step"),
    Column("effect", "Effect", "take from a stock, debit or credit an account, record", EFFECTS),
    Column("target", "Item / account / kind", "what the effect acts on; {field} reads the request"),
    Column("amount", "Amount", "a number, or {field} from the request (take: 1 if empty)"),
    Column("role", "Role", "compensatable, then at most one pivot, then retriable", ROLES),
    Column("retries", "Retries", "attempts after the first (empty: 2)"),
    Column("timeout", "Timeout (s)", "seconds a reply may take (empty: none)"),
)
#: A step's longer texts, edited below the table for the selected step.
STEP_DETAILS: tuple[tuple[str, str], ...] = (
    ("description", "Description"),
    ("compensation", "Compensation"),
    ("error", "Error when it fails"),
)
_STEP_TEXTS = ("title", "description", "compensation", "error")
_WHOLE = re.compile(r"^[+-]?\d+$")


@dataclasses.dataclass(frozen=True, slots=True)
class Where:
    """Where a problem was typed.

    ``section`` is "saga", "request", "services" or "steps"; ``row`` and ``column``
    the table's row and the field in it (None: the whole section or row).
    """

    section: str
    row: int | None = None
    column: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Issue:
    """One problem of the draft: where it is, its saga-file path, what is wrong."""

    where: Where
    path: str
    message: str

    @property
    def text(self) -> str:
        """The problem as the editor shows it: ``path: message``."""
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclasses.dataclass(slots=True)
class Draft:
    """What the editor holds: the saga's fields and the rows of its three tables."""

    saga: dict[str, str] = dataclasses.field(default_factory=dict)
    request: list[Row] = dataclasses.field(default_factory=list)
    services: list[Row] = dataclasses.field(default_factory=list)
    steps: list[Row] = dataclasses.field(default_factory=list)


def empty_step(service: str = "") -> Row:
    """A new step's row (a compensatable ``take`` until the person says otherwise)."""
    row = {column.key: "" for column in STEP_COLUMNS}
    row.update({key: "" for key, _ in STEP_DETAILS})
    row.update(service=service, effect="take", role=StepRole.COMPENSATABLE.value)
    return row


# -- values, both ways ----------------------------------------------------------------------


def _number(text: str) -> Any:
    """``text`` as an int or a float when it is one, else the text (the checker says why)."""
    text = text.strip()
    if _WHOLE.match(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def _show_number(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return repr(value)  # 640.0 stays a float when it is read back
    return str(value)


def _request_value(text: str) -> Any:
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    value = _number(text)
    return value


def _show_request_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Text that would read back as a number or a truth value keeps its quotes.
        return json.dumps(value) if _request_value(value) != value else value
    return _show_number(value)


def _entries(text: str) -> tuple[dict[str, Any], list[str]]:
    """``"LH400 = 40, BA117 = 12"`` as a table, and what could not be read in it."""
    table: dict[str, Any] = {}
    bad: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sign, amount = part.partition("=")
        if not sign or not name.strip() or not amount.strip():
            bad.append(f'"{part}" is not NAME = AMOUNT')
        elif name.strip() in table:
            bad.append(f"{name.strip()} is there twice")
        else:
            table[name.strip()] = _number(amount)
    return table, bad


def _show_entries(table: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {_show_number(amount)}" for name, amount in table.items())


# -- draft → data -----------------------------------------------------------------------------


class _Builder:
    """Builds the data of a draft, noting what cannot be said in a saga file at all."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.issues: list[Issue] = []

    def issue(self, where: Where, path: str, message: str) -> None:
        self.issues.append(Issue(where, path, message))

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, _ in SAGA_FIELDS:
            typed = self.draft.saga.get(key, "")
            # The notes are a paragraph: kept as typed, line breaks and all.
            value = typed if key == "notes" and typed.strip() else typed.strip()
            if value or key == "name":
                data[key] = value
        data["request"] = self.request()
        data["services"] = self.services()
        data["steps"] = [self.step(index, row) for index, row in enumerate(self.draft.steps)]
        return data

    def request(self) -> dict[str, Any]:
        request: dict[str, Any] = {}
        for index, row in enumerate(self.draft.request):
            field = row.get("field", "").strip()
            if not field:
                self.issue(Where("request", index, "field"), "request", "a field needs a name")
            elif field in request:
                self.issue(Where("request", index, "field"), f"request.{field}", "is there twice")
            else:
                request[field] = _request_value(row.get("value", ""))
        return request

    def services(self) -> dict[str, Any]:
        services: dict[str, Any] = {}
        for index, row in enumerate(self.draft.services):
            name = row.get("name", "").strip()
            path = f"services.{name}"
            if name in services:
                self.issue(Where("services", index, "name"), path, "is there twice")
                continue
            entry: dict[str, Any] = {}
            if row.get("title", "").strip():
                entry["title"] = row["title"].strip()
            keeps = row.get("keeps", "stock")
            if keeps == "records":
                entry["records"] = True
            else:
                table, bad = _entries(row.get("entries", ""))
                where = Where("services", index, "entries")
                for message in bad:
                    self.issue(where, f"{path}.{keeps}", message)
                if not table and not bad:
                    self.issue(where, f"{path}.{keeps}", "list what it starts with: NAME = AMOUNT")
                entry[keeps] = table
            services[name] = entry
        return services

    def step(self, index: int, row: Row) -> dict[str, Any]:
        step: dict[str, Any] = {"name": row.get("name", "").strip()}
        for key in _STEP_TEXTS:
            if row.get(key, "").strip():
                step[key] = row[key].strip()
        step["service"] = row.get("service", "").strip()
        verb = row.get("effect", "take")
        effect: dict[str, Any] = {_TARGET[verb]: row.get("target", "").strip()}
        amount = row.get("amount", "").strip()
        if verb == "record":
            if amount:
                self.issue(
                    Where("steps", index, "amount"),
                    f"steps[{index}].record",
                    "a record has no amount: leave it empty",
                )
        elif amount:
            effect["amount"] = amount if request_field(amount) else _number(amount)
        elif verb != "take":
            self.issue(
                Where("steps", index, "amount"),
                f"steps[{index}].{verb}.amount",
                "an amount is needed: a number, or {field} from the request",
            )
        step[verb] = effect
        if row.get("role", "") and row["role"] != StepRole.COMPENSATABLE.value:
            step["role"] = row["role"]
        for key in ("retries", "timeout"):
            if row.get(key, "").strip():
                step[key] = _number(row[key])
        return step


def draft_to_data(draft: Draft) -> tuple[dict[str, Any], list[Issue]]:
    """The saga file's data of ``draft``, and what the data cannot say (empty: nothing)."""
    builder = _Builder(draft)
    return builder.data(), builder.issues


def draft_from_data(data: Mapping[str, Any]) -> Draft:
    """The draft of a saga file's data (``spec_to_data`` of a loaded saga)."""
    draft = Draft(saga={key: str(data.get(key, "") or "") for key, _ in SAGA_FIELDS})
    for field, value in data.get("request", {}).items():
        draft.request.append({"field": str(field), "value": _show_request_value(value)})
    for name, service in data.get("services", {}).items():
        keeps = next((key for key in KEEPS if key in service), "records")
        entries = "" if keeps == "records" else _show_entries(service[keeps])
        row = {"name": str(name), "title": str(service.get("title", "")), "keeps": keeps}
        draft.services.append({**row, "entries": entries})
    for step in data.get("steps", []):
        row = empty_step(str(step.get("service", "")))
        row["name"] = str(step.get("name", ""))
        for key in _STEP_TEXTS:
            row[key] = str(step.get(key, "") or "")
        verb = next((verb for verb in EFFECTS if verb in step), "take")
        effect = step.get(verb, {})
        row["effect"] = verb
        row["target"] = str(effect.get(_TARGET[verb], ""))
        row["amount"] = _show_number(effect["amount"]) if "amount" in effect else ""
        row["role"] = str(step.get("role", StepRole.COMPENSATABLE.value))
        for key in ("retries", "timeout"):
            row[key] = _show_number(step[key]) if step.get(key) is not None else ""
        draft.steps.append(row)
    return draft


# -- problems, put back where they were typed ----------------------------------------------

_STEP_PATH = re.compile(r"^steps\[(\d+)\](?:\.([^.]+))?(?:\.([^.]+))?")


def _row_of(rows: Sequence[Row], key: str, value: str) -> int | None:
    return next((n for n, row in enumerate(rows) if row.get(key, "").strip() == value), None)


def _step_where(match: re.Match[str], message: str) -> Where:
    index, key, inner = int(match.group(1)), match.group(2), match.group(3)
    if key is None:
        return Where("steps", index, "effect" if "does one thing" in message else None)
    if key in EFFECTS:
        if inner == "amount":
            return Where("steps", index, "amount")
        return Where("steps", index, "target" if inner else "effect")
    return Where("steps", index, key)


def _where(path: str, message: str, draft: Draft) -> Where:
    """The place in the editor of the checker's ``path``."""
    match = _STEP_PATH.match(path)
    if match:
        return _step_where(match, message)
    head, _, rest = path.partition(".")
    if head == "request" and rest:
        column = "field" if message.startswith("a field's name") else "value"
        return Where("request", _row_of(draft.request, "field", rest), column)
    if head == "services" and rest:
        name, _, key = rest.partition(".")
        row = _row_of(draft.services, "name", name)
        if not key:
            column = "name" if message.startswith("a service's name") else "keeps"
            return Where("services", row, column)
        return Where("services", row, "title" if key == "title" else "entries")
    if head in ("request", "services", "steps"):
        return Where(head)
    return Where("saga", None, head or None)


def draft_problems(draft: Draft) -> list[Issue]:
    """Every problem of ``draft``, each where it was typed (empty: it saves)."""
    data, issues = draft_to_data(draft)
    # A place the draft cannot even say keeps that reason: the checker's would repeat it.
    taken = {issue.where for issue in issues}
    for problem in check_saga(data, None):
        where = _where(problem.path, problem.message, draft)
        if where not in taken:
            issues.append(Issue(where, problem.path, problem.message))
    return issues
