"""Fixtures of the messaging tests: a real service database and the step it serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from saga_desktop.booking._services import StockService
from saga_desktop.engine import SagaStep, StepContext


@pytest.fixture
def stock(tmp_path: Path) -> Iterator[StockService]:
    service = StockService(tmp_path / "store.db", create=True)
    service.seed({"seat": 5})
    yield service
    service.close()


@pytest.fixture
def take_step(stock: StockService) -> SagaStep:
    """TAKE: takes ``amount`` seats (the request's); its undo gives them back."""

    def action(c: StepContext) -> dict[str, Any]:
        return stock.take(c.idempotency_key, c.correlation_id, c.step, "seat", c.payload["amount"])

    def compensation(c: StepContext) -> dict[str, Any]:
        return stock.give_back(c.idempotency_key, c.correlation_id)

    return SagaStep("TAKE", action, compensation, timeout=2.0)


def left(stock: StockService) -> int:
    """Seats left, read on a connection of the test's own (the service's is its thread's)."""
    reader = StockService(stock.path)
    try:
        return int(reader.figures()["items"][0]["left"])
    finally:
        reader.close()
