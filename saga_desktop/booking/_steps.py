"""The flight booking's names and texts, read from its saga file.

The built-in booking is described like any saga (``resources/sagas/
flight_booking.saga.toml``): its steps, their titles, actions, undos, injected
errors, retries and timeouts. This module reads that file once and offers the
names every older part of the app knows it by. Plain data, apart from the saga
machinery in ``_saga``: the window draws its pipeline from these at start-up
without loading the engine's definitions.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping

from saga_desktop._resources import resource_path
from saga_desktop.booking._loader import load_saga
from saga_desktop.booking._spec import SagaSpec

__all__ = ["SAGA_NAME", "STEP_NAMES", "STEP_TEXTS", "StepText", "booking_spec"]

#: The flight booking's saga file, under ``resources/``.
BOOKING_SAGA_FILE = ("sagas", "flight_booking.saga.toml")


@functools.cache
def booking_spec() -> SagaSpec:
    """The flight booking's saga, as its file in ``resources/sagas/`` describes it."""
    return load_saga(resource_path(*BOOKING_SAGA_FILE))


@dataclasses.dataclass(frozen=True, slots=True)
class StepText:
    """What people read about a step: its title, action, undo and injected error."""

    title: str
    description: str
    compensation: str
    injected_error: str


SAGA_NAME = booking_spec().name

STEP_NAMES: tuple[str, ...] = booking_spec().step_names

#: The guide's descriptions and compensations, and the error each injected failure gives.
STEP_TEXTS: Mapping[str, StepText] = {
    step.name: StepText(step.title, step.description, step.compensation, step.error)
    for step in booking_spec().steps
}
