"""Run several lab sagas at once on one world, interleaved by the scheduler.

Each saga is a real :class:`~saga_desktop.engine.SagaOrchestrator` run on its
own thread; the driver hands the turn to one saga at a time, first as the
schedule says, then round-robin until every saga has ended. What happened is
read back from the services' histories, and the anomalies are found there.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from saga_desktop._resources import resource_path
from saga_desktop.booking.lab._countermeasures import COUNTERMEASURES, effective
from saga_desktop.booking.lab._definition import lab_definition
from saga_desktop.booking.lab._sagafile import LabSagaSpec, load_lab_saga
from saga_desktop.booking.lab._scheduler import LabStalled, Scheduler
from saga_desktop.booking.lab._services import HistoryRow
from saga_desktop.booking.lab._world import DEFAULT_SEED, LabWorld, WorldSeed
from saga_desktop.engine import SagaOrchestrator, SagaResult

__all__ = [
    "LAB_SAGAS",
    "LabRun",
    "LabSaga",
    "SagaReport",
    "Turn",
    "lab_sagas",
    "run_lab",
]

#: The lab's saga kinds, each a file in ``resources/sagas/lab``.
LAB_SAGAS = ("booking", "cancel_booking", "change_seat", "transfer_points")
#: Turns a run may take in all before it counts as stalled.
MAX_TURNS = 2000


@functools.cache
def lab_sagas() -> Mapping[str, LabSagaSpec]:
    """The lab's saga files, by name (read once)."""
    return {
        name: load_lab_saga(Path(resource_path("sagas", "lab", f"{name}.saga.toml")))
        for name in LAB_SAGAS
    }


@dataclasses.dataclass(frozen=True, slots=True)
class LabSaga:
    """One saga to run: its label in the run, its kind, its request (over the default)."""

    label: str
    saga: str
    request: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class SagaReport:
    """How one saga of a run ended."""

    label: str
    saga: str
    request: Mapping[str, Any]
    measures: tuple[str, ...]
    outcome: str
    failed_step: str | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        """The saga's response, as ``lab run --json`` gives it."""
        return {
            "label": self.label,
            "saga": self.saga,
            "request": dict(self.request),
            "countermeasures": list(self.measures),
            "success": self.outcome == "COMPLETED",
            "status": self.outcome,
            "failed_step": self.failed_step,
            "error": self.error,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Turn:
    """One turn: the saga that ran, and the history lines it wrote (ticks after ``start``)."""

    label: str
    start: int
    end: int


@dataclasses.dataclass(frozen=True, slots=True)
class LabRun:
    """What a lab run did: the turns, how each saga ended, the world's history and books."""

    sagas: tuple[SagaReport, ...]
    turns: tuple[Turn, ...]
    history: tuple[HistoryRow, ...]
    figures: Mapping[str, Any]
    violations: tuple[str, ...]
    undone: frozenset[tuple[str, str]]

    @property
    def schedule(self) -> tuple[str, ...]:
        """The labels of the turns taken, in order."""
        return tuple(turn.label for turn in self.turns)

    @property
    def consistent(self) -> bool:
        """True when the books balance."""
        return not self.violations

    def report(self, label: str) -> SagaReport:
        """The report of saga ``label``."""
        return next(s for s in self.sagas if s.label == label)


def _runner(
    orchestrator: SagaOrchestrator,
    saga: LabSaga,
    request: dict[str, Any],
    world: LabWorld,
    scheduler: Scheduler,
    results: dict[str, SagaResult | BaseException],
) -> Callable[[], None]:
    def run() -> None:
        try:
            scheduler.wait_turn(saga.label)
            results[saga.label] = orchestrator.run(request, correlation_id=f"lab-{saga.label}")
            # The saga has ended: its semantic locks go, still within its turn.
            world.release(saga.label)
        except BaseException as exc:  # a stalled or abandoned run: reported by the driver
            results[saga.label] = exc
        finally:
            scheduler.finish(saga.label)

    return run


def _drive(
    scheduler: Scheduler,
    labels: Sequence[str],
    schedule: Iterable[str] | Callable[[list[str]], str],
    world: LabWorld,
) -> list[Turn]:
    turns: list[Turn] = []

    def turn(label: str) -> None:
        start = world.ticks.last
        if scheduler.turn(label):
            turns.append(Turn(label, start, world.ticks.last))

    if callable(schedule):
        while (live := [x for x in labels if not scheduler.done(x)]) and len(turns) < MAX_TURNS:
            turn(schedule(live))
    else:
        for label in schedule:
            turn(label)
    while any(not scheduler.done(x) for x in labels) and len(turns) < MAX_TURNS:
        for label in labels:
            turn(label)
    if any(not scheduler.done(x) for x in labels):
        raise LabStalled(f"the sagas had not ended after {MAX_TURNS} turns")
    return turns


def _report(
    saga: LabSaga,
    request: Mapping[str, Any],
    measures: frozenset[str],
    result: SagaResult | BaseException | None,
) -> SagaReport:
    if not isinstance(result, SagaResult):
        raise LabStalled(f"saga {saga.label} did not end: {result!r}")
    order = [name for name in COUNTERMEASURES if name in measures]
    return SagaReport(
        saga.label,
        saga.saga,
        dict(request),
        tuple(order),
        result.outcome.value,
        result.failed_step,
        result.error,
    )


def _plan(
    saga: LabSaga,
    chosen: tuple[str, ...],
    world: LabWorld,
    scheduler: Scheduler,
    results: dict[str, SagaResult | BaseException],
    threads: list[threading.Thread],
) -> tuple[LabSaga, dict[str, Any], frozenset[str]]:
    """Make saga ``saga``'s orchestrator and thread (not started); its request and measures."""
    spec = lab_sagas()[saga.saga]
    request = {**spec.request, **saga.request}
    measures = effective(chosen, request, spec.value_field)
    pause = functools.partial(scheduler.pause, saga.label)
    orchestrator = SagaOrchestrator(
        lab_definition(spec, world, saga.label, measures, pause),
        sleep=lambda _seconds: None,
        rng=random.Random(0),
        keep_events=False,
    )
    run = _runner(orchestrator, saga, request, world, scheduler, results)
    threads.append(threading.Thread(target=run, name=f"lab-{saga.label}", daemon=True))
    return saga, request, measures


def run_lab(
    sagas: Sequence[LabSaga],
    schedule: Iterable[str] | Callable[[list[str]], str],
    countermeasures: Iterable[str],
    directory: Path,
    seed: WorldSeed = DEFAULT_SEED,
) -> LabRun:
    """Run ``sagas`` at once on a new world in ``directory``, interleaved by ``schedule``.

    Parameters
    ----------
    sagas
        The sagas, each with a distinct label.
    schedule
        Labels, one per turn (then round-robin until every saga has ended), or a
        function that picks the next label among the sagas still running.
    countermeasures
        Names from :data:`COUNTERMEASURES`, for every saga.
    directory
        An empty directory for the world's databases.
    seed
        What the world starts with.

    Raises
    ------
    ValueError
        When two sagas share a label, or the schedule names one not in the run.
    LabStalled
        When a saga keeps the turn or the sagas never end (a bug, not a lesson).
    """
    labels = [saga.label for saga in sagas]
    if len(set(labels)) != len(labels):
        raise ValueError(f"the sagas' labels must differ: {', '.join(labels)}")
    if not callable(schedule):
        schedule = tuple(schedule)
        unknown = sorted(set(schedule) - set(labels))
        if unknown:
            raise ValueError(
                f"the schedule names saga {unknown[0]}, which is not in the run "
                f"(sagas: {', '.join(labels)})"
            )
    chosen = tuple(countermeasures)
    world = LabWorld(directory, seed)
    scheduler = Scheduler()
    results: dict[str, SagaResult | BaseException] = {}
    threads: list[threading.Thread] = []
    try:
        plans = [_plan(saga, chosen, world, scheduler, results, threads) for saga in sagas]
        for thread in threads:
            thread.start()
        turns = _drive(scheduler, [s.label for s in sagas], schedule, world)
        reports = tuple(_report(s, r, m, results.get(s.label)) for s, r, m in plans)
        return LabRun(
            reports,
            tuple(turns),
            tuple(world.history()),
            world.figures(),
            tuple(world.violations()),
            frozenset(world.undone()),
        )
    finally:
        scheduler.abort()
        for thread in threads:
            thread.join(timeout=scheduler.timeout)
        world.close()
