"""Helpers shared by the engine tests (imported as a plain module, like gui_helpers)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from saga_desktop.engine import (
    RetryPolicy,
    SagaDefinition,
    SagaEvent,
    SagaStep,
    StepContext,
    StepError,
    TransientStepError,
)


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


RETRY = RetryPolicy(max_attempts=3, initial_delay=0.2, jitter=0.1)
CID = "00000000-0000-4000-8000-0000000000aa"

#: What one step does: ok, refuse, refuse then succeed on retry, crash (a bug), time out,
#: or succeed and fail its undo (once, or on every attempt).
BEHAVIOURS = ("ok", "refuse", "transient", "bug", "slow", "undo_once", "undo_never")


def scripted_saga(
    behaviours: list[str],
    clock: FakeClock,
    calls: list[tuple[object, ...]],
    takes_context: bool = True,
) -> SagaDefinition:
    """A saga whose steps behave as told, and record every call in ``calls``.

    A step without a context records what its context would have said (one
    saga per definition: its attempt is its count of tries); a step with one
    also records the names of the earlier results it was shown.
    """

    def make(number: int, behaviour: str) -> SagaStep:
        name = f"S{number}"
        tries = {"do": 0, "undo": 0}

        def told(args: tuple[StepContext, ...], key: str) -> tuple[object, ...]:
            assert len(args) == (1 if takes_context else 0)
            if takes_context:
                return tuple(args[0])[:3]
            return (CID, name, tries[key])

        def action(*args: StepContext) -> dict[str, object] | None:
            tries["do"] += 1
            clock.advance(0.001)  # every call takes time: events after it must show so
            shown = (sorted(args[0].results),) if takes_context else ()
            calls.append(("do", told(args, "do"), *shown))
            if behaviour == "refuse":
                raise StepError(f"{name} refused", injected=True)
            if behaviour == "transient" and tries["do"] < 2:
                raise TransientStepError(f"{name} busy")
            if behaviour == "bug":
                raise KeyError(name)
            if behaviour == "slow":
                clock.now += 5.0
            return None if number % 2 else {"ref": f"{name}-{tries['do']}"}

        def compensation(*args: StepContext) -> dict[str, object]:
            tries["undo"] += 1
            clock.advance(0.001)
            calls.append(("undo", told(args, "undo")))
            if behaviour == "undo_never" or (behaviour == "undo_once" and tries["undo"] < 2):
                raise StepError(f"undo of {name} failed")
            return {"undone": name}

        return SagaStep(
            name,
            action,
            compensation,
            retry=RETRY,
            compensation_retry=RETRY,
            timeout=1.0 if behaviour == "slow" else None,
            takes_context=takes_context,
        )

    return SagaDefinition("lean", tuple(make(n, b) for n, b in enumerate(behaviours, start=1)))


def damage(path: Path) -> None:
    """Write an SQLite file at ``path`` that opens but fails SQLite's integrity check."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
    db.execute("CREATE INDEX t_b ON t (b)")
    db.executemany("INSERT INTO t (b) VALUES (?)", [(f"x{i}" * 20,) for i in range(2_000)])
    db.commit()
    db.close()
    with path.open("r+b") as file:  # scribble over a page near the end: a broken tree
        file.seek(path.stat().st_size - 3 * 4096 + 100)
        file.write(b"\xff" * 200)
