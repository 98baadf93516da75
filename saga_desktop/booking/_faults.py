"""Failure injection: a plan of what goes wrong at which step.

Kinds, as a person types them (``STEP=KIND``):

``fail``
    the participant rejects the step; nothing happens.
``transient:N``
    the step fails N times, then succeeds (retried with backoff).
``timeout``
    the participant applies the effect but answers after the step's timeout.
``compensation_fail:N`` / ``compensation_fail:forever``
    the undo fails N times / always (then it is dead-lettered).
``crash``
    the orchestrator dies right after the step completes.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Mapping, Sequence

from saga_desktop.booking._exceptions import InvalidFaultSpec
from saga_desktop.booking._faultkinds import FAULT_KINDS, KIND_HELP, FaultKind

__all__ = [
    "DEFAULT_FAILURE_RATE",
    "KIND_HELP",
    "STEP_KEYS",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "LiveFaultPlan",
    "parse_fault",
    "parse_kind",
    "plan_from_failure_scenarios",
    "step_key",
]

#: The guide's ``failure_scenarios`` keys, in step order.
STEP_KEYS: tuple[str, ...] = (
    "reserve_seat",
    "deduct_loyalty_points",
    "process_payment",
    "confirm_booking",
)

#: A batch's default chance that a saga gets a fault: the guide's mix, three in ten.
#: Here rather than in ``_batch`` so the command line's parser can show it cheaply.
DEFAULT_FAILURE_RATE = 0.3


def step_key(step_name: str) -> str:
    """``PROCESS_PAYMENT`` → ``process_payment`` (the CLI's and the guide's spelling)."""
    return step_name.lower()


@dataclasses.dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure.

    Attributes
    ----------
    kind
        What goes wrong.
    times
        For ``transient`` and ``compensation_fail``: how many attempts fail;
        ``None`` means for ever (``compensation_fail`` only).
    """

    kind: FaultKind
    times: int | None = 1

    def __str__(self) -> str:
        if FAULT_KINDS[self.kind].counted:
            return f"{self.kind.value}:{'forever' if self.times is None else self.times}"
        return str(self.kind.value)


#: Step key (``process_payment``) → its fault.
FaultPlan = Mapping[str, Fault]


class LiveFaultPlan(Mapping[str, Fault]):
    """A fault plan that may change while its saga runs, until each step starts.

    The window changes it from its thread while the worker's saga reads it from
    another: a change to a step that has not started yet takes effect in this run;
    a step that has started keeps the fault it started with (its compensation
    too), so what it did and what is undone agree. Reads and changes hold one lock.

    Parameters
    ----------
    plan
        Step key → fault, as the run starts.
    """

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self._plan: dict[str, Fault] = dict(plan or {})
        self._started: set[str] = set()

    def __getitem__(self, key: str) -> Fault:
        with self._lock:
            return self._plan[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(tuple(self._plan))

    def __len__(self) -> int:
        with self._lock:
            return len(self._plan)

    def get_started(self, key: str) -> Fault | None:
        """The fault of step ``key`` as it starts, which then stays for the run."""
        with self._lock:
            self._started.add(key)
            return self._plan.get(key)

    def change(self, key: str, fault: Fault | None) -> bool:
        """Plan ``fault`` (None: no fault) for step ``key``; False if it has started."""
        with self._lock:
            if key in self._started:
                return False
            if fault is None:
                self._plan.pop(key, None)
            else:
                self._plan[key] = fault
            return True

    def started(self) -> frozenset[str]:
        """The steps whose fault can no longer change."""
        with self._lock:
            return frozenset(self._started)

    def snapshot(self) -> dict[str, Fault]:
        """The plan as it is now."""
        with self._lock:
            return dict(self._plan)


def parse_fault(spec: str, keys: Sequence[str] = STEP_KEYS) -> tuple[str, Fault]:
    """Read ``STEP=KIND`` (``process_payment=transient:2``; the step in either case).

    Parameters
    ----------
    spec
        The text a person typed.
    keys
        The saga's step keys (the flight booking's by default).

    Returns
    -------
    tuple
        The step key and its fault.

    Raises
    ------
    InvalidFaultSpec
        With a message that says what is accepted.
    """
    step, sep, kind_text = spec.partition("=")
    step = step.strip().lower()
    if not sep or step not in keys:
        raise InvalidFaultSpec(
            f"bad fault {spec!r}: expected STEP=KIND with STEP one of {', '.join(keys)}"
        )
    return step, parse_kind(kind_text.strip().lower(), spec)


def parse_kind(text: str, spec: str | None = None) -> Fault:
    """Read a fault kind alone (``transient:2``, ``compensation_fail:forever``).

    Raises
    ------
    InvalidFaultSpec
        When the kind or its count is not one we know.
    """
    shown = spec if spec is not None else text
    name, _, count = text.partition(":")
    try:
        kind = FaultKind(name)
    except ValueError:
        raise InvalidFaultSpec(f"bad fault {shown!r}: KIND is one of {KIND_HELP}") from None
    entry = FAULT_KINDS[kind]
    if entry.counted:
        if entry.forever and count == "forever":
            return Fault(kind, None)
        if not count:
            return Fault(kind, 1)
        # ASCII and short: "²".isdigit() is true yet int("²") fails, and int() refuses
        # strings of thousands of digits.
        digits = count.isascii() and count.isdigit() and len(count) <= 4
        if not digits or not 1 <= int(count) <= 1000:
            raise InvalidFaultSpec(
                f"bad fault {shown!r}: the count after ':' is a whole number from 1 to 1000"
                + (" or 'forever'" if entry.forever else "")
            )
        return Fault(kind, int(count))
    if count:
        raise InvalidFaultSpec(f"bad fault {shown!r}: {kind.value} takes no count")
    return Fault(kind)


def plan_from_failure_scenarios(failure_scenarios: Mapping[str, object] | None) -> dict[str, Fault]:
    """Turn the guide's ``{"process_payment": True, ...}`` into a fault plan.

    Raises
    ------
    InvalidFaultSpec
        For a key that is not one of the four steps.
    """
    plan: dict[str, Fault] = {}
    for key, fails in (failure_scenarios or {}).items():
        if key not in STEP_KEYS:
            raise InvalidFaultSpec(
                f"unknown step {key!r} in failure_scenarios: expected one of {', '.join(STEP_KEYS)}"
            )
        if fails:
            plan[key] = Fault(FaultKind.FAIL)
    return plan
