"""Helpers shared by the engine tests (imported as a plain module, like gui_helpers)."""

from __future__ import annotations

from collections.abc import Iterable

from saga_desktop.engine import SagaEvent


def trace(events: Iterable[SagaEvent]) -> list[tuple[str, str | None]]:
    """Each event as (type name, step)."""
    return [(type(e).__name__, getattr(e, "step", None)) for e in events]


def trace_attempts(events: Iterable[SagaEvent]) -> list[tuple[str, str | None, int | None]]:
    """Each event as (type name, step, attempt)."""
    return [
        (type(e).__name__, getattr(e, "step", None), getattr(e, "attempt", None)) for e in events
    ]


START = 1_700_000_000.0


class FakeClock:
    """Time that moves only when the orchestrator sleeps or an action advances it."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
