"""Named scenario presets for the scenario picker, and random fault plans from a seed.

A preset is a fault plan with a story: what to set, what the audience should
notice, and how the saga must end. The guide's five test scenarios come first
(same names as :data:`~saga_desktop.booking.SCENARIOS`), then one preset per
interesting use of the failure kinds, and the refusals no fault is needed for
(a request a participant turns down, like more loyalty points than the user has).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence
from typing import Any

from saga_desktop.booking._exceptions import InvalidFaultSpec
from saga_desktop.booking._faultkinds import fault_choices
from saga_desktop.booking._faults import STEP_KEYS, Fault, parse_kind
from saga_desktop.booking._request import DEFAULT_BOOKING
from saga_desktop.booking._scenarios import SCENARIOS, Scenario

__all__ = [
    "PRESETS",
    "PRESET_OUTCOMES",
    "Preset",
    "describe_plan",
    "parse_plan",
    "preset",
    "random_fault_plan",
]

#: How a preset's run ends: the engine's outcomes, plus ``CRASHED`` for a run whose
#: orchestrator dies (recovery then compensates it).
PRESET_OUTCOMES: tuple[str, ...] = ("COMPLETED", "COMPENSATED", "DEAD_LETTERED", "CRASHED")


def parse_plan(faults: Mapping[str, str], keys: Sequence[str] = STEP_KEYS) -> dict[str, Fault]:
    """Read a plan of step key → kind spec (``{"process_payment": "transient:2"}``).

    Parameters
    ----------
    faults
        Step keys (``process_payment``) and kinds as :func:`parse_kind` reads them.
    keys
        The saga's step keys (the flight booking's by default).

    Returns
    -------
    dict
        Step key → :class:`Fault`, ready for ``BookingSagaOrchestrator.run``.

    Raises
    ------
    InvalidFaultSpec
        For a key that is not one of the four steps, or a kind that cannot be read.
    """
    plan: dict[str, Fault] = {}
    for key, spec in faults.items():
        if key not in keys:
            raise InvalidFaultSpec(
                f"unknown step {key!r} in a fault plan: expected one of {', '.join(keys)}"
            )
        plan[key] = parse_kind(spec, f"{key}={spec}")
    return plan


@dataclasses.dataclass(frozen=True, slots=True)
class Preset:
    """A named fault plan and what it teaches.

    Attributes
    ----------
    name
        A stable slug (``payment_gives_up``), for settings and the command line.
    title
        What the scenario picker shows.
    faults
        Step key → kind spec, as :func:`parse_kind` reads it.
    explanation
        One paragraph: what the audience should notice.
    expected_outcome
        One of :data:`PRESET_OUTCOMES`.
    request
        Fields of the guide's request data the preset sets (most set none).
    """

    name: str
    title: str
    faults: Mapping[str, str]
    explanation: str
    expected_outcome: str
    request: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.expected_outcome not in PRESET_OUTCOMES:
            raise ValueError(
                f"preset {self.name!r}: expected_outcome must be one of "
                f"{', '.join(PRESET_OUTCOMES)}, not {self.expected_outcome!r}"
            )

    def fault_plan(self) -> dict[str, Fault]:
        """Return the preset's faults as a plan the orchestrator runs."""
        return parse_plan(self.faults)

    def request_data(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``current`` request data with the fields this preset sets.

        A field that another preset sets goes back to the guide's value, so that
        picking "Payment failure" after "Not enough points" fails the payment, not
        the points. The other fields (passengers, fare, …) stay as they are.
        """
        changed = {field for entry in PRESETS for field in entry.request}
        return {
            **current,
            **{field: DEFAULT_BOOKING[field] for field in changed},
            **self.request,
        }


# What each of the guide's scenarios should make the room notice; the scenario's
# own description says what happens, this says why it matters.
_GUIDE_EXPLANATIONS: Mapping[str, str] = {
    "success": (
        "Every step succeeds, one after another: the seat is held, the points are taken, "
        "the fare is paid and the booking is confirmed with a reference. Watch the world "
        "panel: one seat fewer, fewer points, money captured, one booking, and still "
        "consistent."
    ),
    "reserve_seat_failure": (
        "The very first step fails, so nothing has happened yet and there is nothing to "
        "undo: no compensation runs. The world panel does not move."
    ),
    "deduct_points_failure": (
        "The seat is held, then taking the points fails. Only the seat needs undoing: "
        "the orchestrator releases it, and the world is back where it started."
    ),
    "payment_failure": (
        "The seat is held and the points are taken, then the payment is refused. Watch "
        "the orchestrator undo the two completed steps in reverse order, newest first: "
        "the points go back, then the seat is released. Every seat, point and cent ends "
        "where it was."
    ),
    "confirm_booking_failure": (
        "Three steps succeed, even the payment, and only the confirmation fails. All "
        "three are undone, newest first: the payment is refunded, the points go back, "
        "the seat is released. A late failure costs the most undoing."
    ),
}


def _from_scenario(scenario: Scenario) -> Preset:
    return Preset(
        name=scenario.name,
        title=scenario.title,
        faults={key: "fail" for key, fails in scenario.failure_scenarios.items() if fails},
        explanation=_GUIDE_EXPLANATIONS.get(scenario.name, scenario.description),
        expected_outcome="COMPLETED" if scenario.expect_success else "COMPENSATED",
    )


_FAULT_PRESETS: tuple[Preset, ...] = (
    Preset(
        "payment_succeeds_on_third_try",
        "Payment succeeds on the third try",
        {"process_payment": "transient:2"},
        "The payment service fails twice with a passing error. The orchestrator does not "
        "give up: it waits a little, longer each time, and tries again. The third try "
        "goes through, so the booking is confirmed and nothing is undone. Retries hide "
        "short outages from the customer.",
        "COMPLETED",
    ),
    Preset(
        "payment_gives_up",
        "Payment gives up after three tries",
        {"process_payment": "transient:5"},
        "The payment keeps failing. The orchestrator tries three times in all, then "
        "treats the payment as failed and undoes what was done: the points go back, then "
        "the seat is released. Retrying has a limit; after it, the saga compensates.",
        "COMPENSATED",
    ),
    Preset(
        "confirm_times_out",
        "Confirm times out",
        {"confirm_booking": "timeout"},
        "The booking service confirms the booking but answers too late. The orchestrator "
        "cannot tell whether the booking exists, so it undoes that step too, then the "
        "payment, the points and the seat. Undoing is safe even if the step never "
        "happened, because every undo is idempotent.",
        "COMPENSATED",
    ),
    Preset(
        "points_time_out",
        "Loyalty points time out",
        {"deduct_loyalty_points": "timeout"},
        "The points are taken but the answer comes too late. The orchestrator gives the "
        "points back, to be safe, and releases the seat. No points are lost even though "
        "the orchestrator never heard that they were taken.",
        "COMPENSATED",
    ),
    Preset(
        "points_retried_then_payment_fails",
        "Points retried, then payment fails",
        {"deduct_loyalty_points": "transient:1", "process_payment": "fail"},
        "Taking the points fails once and succeeds on the retry; the saga carries on. "
        "Then the payment is refused, and the points taken on the second try are given "
        "back like any others. A retried step is undone exactly once.",
        "COMPENSATED",
    ),
    Preset(
        "seat_compensation_retried",
        "Seat compensation fails twice, then succeeds",
        {"reserve_seat": "compensation_fail:2", "confirm_booking": "fail"},
        "The confirmation fails, so everything is undone, but releasing the seat fails "
        "twice. The orchestrator retries the undo too, and the third try releases the "
        "seat. The world ends consistent, only a little later.",
        "COMPENSATED",
    ),
    Preset(
        "seat_compensation_dead_lettered",
        "Seat compensation fails for ever",
        {"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"},
        "The confirmation fails and everything is undone except the seat: releasing it "
        "fails every time. After three tries the orchestrator parks it in the dead-letter "
        "queue and still undoes the rest. The world panel shows a held seat with no "
        "booking: a person must settle it from the Dead letters tab.",
        "DEAD_LETTERED",
    ),
    Preset(
        "not_enough_points",
        "Not enough points",
        {},
        "No switch is on: the customer simply asks for 25,000 loyalty points, more than "
        "any account holds. The orchestrator does not look into the loyalty service's "
        "database beforehand; it asks, as for any booking. The seat is held first, then "
        "the loyalty service refuses the points, so the orchestrator gives the seat back. "
        "A participant's own no is a failure like any other, and it is compensated the "
        "same way: the world panel ends where it started.",
        "COMPENSATED",
        request={"loyalty_points_to_use": 25_000},
    ),
    Preset(
        "crash_after_seat",
        "Orchestrator crashes after the seat",
        {"reserve_seat": "crash"},
        "The orchestrator dies right after holding the seat. The seat stays held and the "
        "world is inconsistent until recovery: the restarted orchestrator reads its saga "
        "log, finds the unfinished saga and releases the seat.",
        "CRASHED",
    ),
    Preset(
        "crash_after_payment",
        "Orchestrator crashes after payment",
        {"process_payment": "crash"},
        "The orchestrator dies right after the payment, with the seat held, the points "
        "taken and the money captured. Nothing is lost, because every event was written "
        "to the saga log first: recovery refunds the payment, gives the points back and "
        "releases the seat.",
        "CRASHED",
    ),
    Preset(
        "crash_after_confirm",
        "Orchestrator crashes after the last step",
        {"confirm_booking": "crash"},
        "Every step succeeded, but the orchestrator dies before it can record that the "
        "saga is complete. On restart it cannot trust an unfinished saga, so recovery "
        "undoes all four steps, even the confirmed booking. A saga is only done once its "
        "end is in the log.",
        "CRASHED",
    ),
)

#: The guide's five scenarios first, then the failure-kind presets.
PRESETS: tuple[Preset, ...] = (*map(_from_scenario, SCENARIOS), *_FAULT_PRESETS)


def preset(name: str) -> Preset:
    """Return the preset called ``name``.

    Raises
    ------
    KeyError
        When no preset has that name; the message lists the names there are.
    """
    for candidate in PRESETS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no preset named {name!r}: choose one of {', '.join(p.name for p in PRESETS)}")


# Random plans draw from every kind, with the registry's weights: they favour the
# kinds that end cleanly; a crash is rare because it stops the run until recovery.
_RANDOM_KINDS: tuple[tuple[str, int], ...] = tuple(
    (choice.spec, choice.weight) for choice in fault_choices() if choice.weight
)


def random_fault_plan(
    seed: int, *, failure_rate: float = 0.6, keys: Sequence[str] = STEP_KEYS
) -> dict[str, str]:
    """Draw a fault plan from a seed a person can see and type again.

    Parameters
    ----------
    seed
        The same seed always gives the same plan.
    failure_rate
        Chance, from 0 to 1, that a given step gets a fault.
    keys
        The saga's step keys (the flight booking's by default).

    Returns
    -------
    dict
        Step key → kind spec, at most one fault per step, in step order.

    Raises
    ------
    ValueError
        When ``failure_rate`` is not between 0 and 1.
    """
    if not 0.0 <= failure_rate <= 1.0:
        raise ValueError(f"failure_rate must be between 0 and 1, not {failure_rate}")
    rng = random.Random(seed)
    kinds = [kind for kind, _ in _RANDOM_KINDS]
    weights = [weight for _, weight in _RANDOM_KINDS]
    plan: dict[str, str] = {}
    for key in keys:
        # Both draws happen for every step, so a plan at one rate shares its
        # kinds with the same seed at another rate.
        hit = rng.random() < failure_rate
        kind = rng.choices(kinds, weights)[0]
        if hit:
            plan[key] = kind
    return plan


def describe_plan(plan: Mapping[str, str | Fault]) -> str:
    """Return a plan as one line: ``"process_payment=transient:2, confirm_booking=fail"``.

    Steps come in saga order; an empty plan reads ``"no failures"``.
    """
    order = {key: index for index, key in enumerate(STEP_KEYS)}
    keys = sorted(plan, key=lambda key: (order.get(key, len(order)), key))
    return ", ".join(f"{key}={plan[key]}" for key in keys) or "no failures"
