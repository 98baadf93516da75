"""Fixtures of the booking tests: a real world on SQLite files in each test's own tmp_path."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from saga_desktop.booking import DEFAULT_BOOKING, BookingSagaOrchestrator, FlightWorld


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def orchestrator(data_dir: Path) -> Iterator[BookingSagaOrchestrator]:
    with BookingSagaOrchestrator(data_dir=data_dir) as orchestrator:
        yield orchestrator


@pytest.fixture
def world(orchestrator: BookingSagaOrchestrator) -> FlightWorld:
    return orchestrator.world


@pytest.fixture
def booking() -> dict[str, Any]:
    """The guide's request data, a copy each test may change."""
    return copy.deepcopy(DEFAULT_BOOKING)


def _figures(world: FlightWorld) -> dict[str, Any]:
    snapshot = world.snapshot().to_dict()
    return {
        "seats_taken": {f["id"]: f["seats_taken"] for f in snapshot["flights"]},
        "points": {u["id"]: u["points"] for u in snapshot["users"]},
        "net": snapshot["payments"]["net"],
        "confirmed": snapshot["bookings"]["confirmed"],
    }


@pytest.fixture
def figures() -> Callable[[FlightWorld], dict[str, Any]]:
    """What a failed saga must leave as it was: seats taken, points, net money, bookings."""
    return _figures
