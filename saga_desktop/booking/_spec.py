"""A saga described as data: its services, its steps and their effects, its request.

One :class:`SagaSpec` is the single table everything else is derived from: the
engine's definition, the participants and their databases, the window's cards,
switches and shortcuts, the generated scenarios and the invariants. A spec is
read from a saga file (``_loader``) and holds plain data only: no expression
language, no code. What a step does is one of three effects, each undone by the
service that applied it:

``take``
    takes ``amount`` of a counted item from a stock (a seat, a room, a car);
    the compensation gives it back.
``debit``
    debits ``amount`` from an account (money, points); the compensation
    credits it back.
``credit``
    credits ``amount`` to an account (the other side of a transfer); the
    compensation debits it back, and is refused if the money is gone.
``record``
    creates a record of a kind (an itinerary, an e-mail); the compensation
    cancels it.

A value written ``"{field}"`` is read from the request when the saga runs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, ClassVar

# The engine acts on the roles; a saga file names them (one enum for both).
from saga_desktop.engine import StepRole

__all__ = [
    "FIELD_PATTERN",
    "Credit",
    "Debit",
    "Effect",
    "Record",
    "SagaSpec",
    "ServiceSpec",
    "StepRole",
    "StepSpec",
    "Take",
    "request_field",
    "resolve",
]

#: A value that names a request field: the whole value, ``"{traveller}"``.
FIELD_PATTERN = re.compile(r"^\{([a-z_][a-z0-9_]*)\}$")


def request_field(value: object) -> str | None:
    """The request field a value reads (``"{price}"`` → ``"price"``), or None."""
    if isinstance(value, str):
        match = FIELD_PATTERN.match(value)
        if match:
            return match.group(1)
    return None


def resolve(value: Any, request: Mapping[str, Any]) -> Any:
    """``value``, or the request's field when ``value`` names one (``"{price}"``)."""
    field = request_field(value)
    return request[field] if field is not None else value


@dataclasses.dataclass(frozen=True, slots=True)
class Take:
    """Take ``amount`` of ``item`` from the service's stock (either may read the request)."""

    item: str
    amount: int | str = 1

    verb: ClassVar[str] = "take"


@dataclasses.dataclass(frozen=True, slots=True)
class Debit:
    """Debit ``amount`` (in currency units) from ``account`` (either may read the request)."""

    account: str
    amount: float | str

    verb: ClassVar[str] = "debit"


@dataclasses.dataclass(frozen=True, slots=True)
class Credit:
    """Credit ``amount`` (in currency units) to ``account`` (either may read the request)."""

    account: str
    amount: float | str

    verb: ClassVar[str] = "credit"


@dataclasses.dataclass(frozen=True, slots=True)
class Record:
    """Create a record of ``kind`` (an itinerary, an e-mail)."""

    kind: str

    verb: ClassVar[str] = "record"


Effect = Take | Debit | Credit | Record


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A participant service: one SQLite database in the saga's world.

    Exactly one of ``stock``, ``accounts`` and ``records`` says what it keeps.

    Attributes
    ----------
    name
        ``[a-z][a-z0-9_]*``; its database is ``<name>.db``.
    title
        What people read ("Flight service").
    stock
        Counted items and how many of each the world starts with.
    accounts
        Accounts and their opening balances, in currency units.
    records
        True for a service that keeps records.
    """

    name: str
    title: str
    stock: Mapping[str, int] | None = None
    accounts: Mapping[str, float] | None = None
    records: bool = False

    @property
    def keeps(self) -> str:
        """``"stock"``, ``"accounts"`` or ``"records"``."""
        if self.stock is not None:
            return "stock"
        return "accounts" if self.accounts is not None else "records"


@dataclasses.dataclass(frozen=True, slots=True)
class StepSpec:
    """One step: what it does, how it is undone, how it is retried.

    Attributes
    ----------
    name
        ``[A-Z][A-Z0-9_]*``; its compensation is ``COMPENSATE_<name>``.
    title, description, compensation
        What people read: a short title, the action, the undo.
    service
        The service whose effect the step applies.
    effect
        What it does (:class:`Take`, :class:`Debit`, :class:`Credit` or
        :class:`Record`); None in a built-in world, whose effects are its own.
    role
        Compensatable, pivot or retriable.
    retries
        Attempts after the first for a transient failure (exponential backoff).
    timeout
        Seconds a reply may take; a late one is an unknown effect, compensated.
    error
        What an injected failure of the step says ("Payment authorization failed").
    """

    name: str
    title: str
    description: str
    compensation: str
    service: str
    effect: Effect | None
    role: StepRole = StepRole.COMPENSATABLE
    retries: int = 2
    timeout: float | None = None
    error: str = ""

    @property
    def key(self) -> str:
        """The step's lower-case key (``book_hotel``), as ``--fail`` takes it."""
        return self.name.lower()

    @property
    def compensation_name(self) -> str:
        """``COMPENSATE_<name>``."""
        return f"COMPENSATE_{self.name}"


@dataclasses.dataclass(frozen=True, slots=True)
class SagaSpec:
    """A whole saga: the single description everything else is derived from.

    Attributes
    ----------
    name
        ``[a-z][a-z0-9_]*``; it names the saga's world (a folder of the data directory).
    title, description
        What people read.
    notes
        A paragraph for the trainer: what the saga teaches, what to break.
    request
        The default request: field → plain value; a run may override any field.
    services
        Service name → :class:`ServiceSpec`, in file order.
    steps
        The steps, in order.
    source
        The file it was read from, if any.
    world
        The built-in world it runs in (``"flight_booking"``), or None for a world
        of the file's own services.
    """

    name: str
    title: str
    description: str
    request: Mapping[str, Any]
    services: Mapping[str, ServiceSpec]
    steps: tuple[StepSpec, ...]
    notes: str = ""
    source: str | None = None
    world: str | None = None

    @property
    def step_names(self) -> tuple[str, ...]:
        """The steps' names, in order."""
        return tuple(step.name for step in self.steps)

    @property
    def step_keys(self) -> tuple[str, ...]:
        """The steps' lower-case keys, in order."""
        return tuple(step.key for step in self.steps)

    def step(self, name_or_key: str) -> StepSpec:
        """The step called ``name_or_key``, in either case.

        Raises
        ------
        KeyError
            When the saga has no such step.
        """
        wanted = name_or_key.strip().upper()
        for step in self.steps:
            if step.name == wanted:
                return step
        raise KeyError(name_or_key)

    @property
    def pivot(self) -> StepSpec | None:
        """The pivot step (the point of no return), if the saga has one."""
        return next((step for step in self.steps if step.role is StepRole.PIVOT), None)
