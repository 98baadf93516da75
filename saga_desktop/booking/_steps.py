"""The booking saga's names and texts: what the window shows before any saga runs.

Plain data, apart from the saga machinery in ``_saga``: the window draws its
pipeline from these at start-up without loading the engine's definitions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

__all__ = ["SAGA_NAME", "STEP_NAMES", "STEP_TEXTS", "StepText"]

SAGA_NAME = "booking"

STEP_NAMES: tuple[str, ...] = (
    "RESERVE_SEAT",
    "DEDUCT_LOYALTY_POINTS",
    "PROCESS_PAYMENT",
    "CONFIRM_BOOKING",
)


@dataclasses.dataclass(frozen=True, slots=True)
class StepText:
    """What people read about a step: its title, action, undo and injected error."""

    title: str
    description: str
    compensation: str
    injected_error: str


#: The guide's descriptions and compensations, and the error each injected failure gives.
STEP_TEXTS: Mapping[str, StepText] = {
    "RESERVE_SEAT": StepText(
        "Reserve seat",
        "Reserve seat for passenger",
        "Cancel the seat reservation",
        "Seat reservation failed",
    ),
    "DEDUCT_LOYALTY_POINTS": StepText(
        "Deduct loyalty points",
        "Deduct loyalty points for discount",
        "Refund the loyalty points",
        "Loyalty points deduction failed",
    ),
    "PROCESS_PAYMENT": StepText(
        "Process payment",
        "Process payment",
        "Refund the payment",
        "Payment authorization failed",
    ),
    "CONFIRM_BOOKING": StepText(
        "Confirm booking",
        "Confirm and issue booking",
        "Cancel the booking",
        "Booking confirmation failed",
    ),
}
