"""A lab run advanced by hand, one turn at a time: what the Lab window drives.

:func:`~saga_desktop.booking.lab.run_lab` runs a whole schedule at once; a
:class:`LabSession` keeps the sagas' threads waiting between turns, so a person
can advance saga A or saga B and look at the world in between. Every call
touches the databases: the window makes them from its worker thread, never the
GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from saga_desktop.booking.lab._anomalies import Anomaly, detect
from saga_desktop.booking.lab._countermeasures import COUNTERMEASURES
from saga_desktop.booking.lab._runner import (
    LabRun,
    LabSaga,
    SagaReport,
    Turn,
    _plan,
    _report,
)
from saga_desktop.booking.lab._scheduler import Scheduler
from saga_desktop.booking.lab._world import DEFAULT_SEED, LabWorld, WorldSeed
from saga_desktop.engine import SagaResult

__all__ = ["LabSession"]


class LabSession:
    """Sagas on one new world, waiting for turns.

    Parameters
    ----------
    sagas
        The sagas, each with a distinct label.
    countermeasures
        Names from :data:`COUNTERMEASURES`, for every saga.
    directory
        An empty directory for the world's databases.
    seed
        What the world starts with.
    """

    def __init__(
        self,
        sagas: Sequence[LabSaga],
        countermeasures: Iterable[str],
        directory: Path,
        seed: WorldSeed = DEFAULT_SEED,
    ) -> None:
        self.sagas = tuple(sagas)
        chosen = set(countermeasures)
        self.countermeasures = tuple(name for name in COUNTERMEASURES if name in chosen)
        self.world = LabWorld(directory, seed)
        self._scheduler = Scheduler()
        self._results: dict[str, SagaResult | BaseException] = {}
        self._threads: list[threading.Thread] = []
        self._plans = [
            _plan(
                s, self.countermeasures, self.world, self._scheduler, self._results, self._threads
            )
            for s in self.sagas
        ]
        self.turns: list[Turn] = []
        for thread in self._threads:
            thread.start()

    @property
    def labels(self) -> tuple[str, ...]:
        """The sagas' labels, in order."""
        return tuple(saga.label for saga in self.sagas)

    def live(self) -> list[str]:
        """The labels of the sagas that have not ended."""
        return [label for label in self.labels if not self._scheduler.done(label)]

    @property
    def finished(self) -> bool:
        """True once every saga has ended."""
        return not self.live()

    def advance(self, label: str) -> Turn | None:
        """Let saga ``label`` run to its next pause point; None if it had ended.

        Raises
        ------
        ValueError
            When no saga of the session has that label.
        """
        if label not in self.labels:
            raise ValueError(f"no saga {label!r} in this run (sagas: {', '.join(self.labels)})")
        start = self.world.ticks.last
        if not self._scheduler.turn(label):
            return None
        turn = Turn(label, start, self.world.ticks.last)
        self.turns.append(turn)
        return turn

    def snapshot(self) -> tuple[LabRun, tuple[Anomaly, ...]]:
        """What has happened so far, and the anomalies in it."""
        reports = []
        for saga, request, measures in self._plans:
            result = self._results.get(saga.label)
            if isinstance(result, SagaResult):
                reports.append(_report(saga, request, measures, result))
            else:
                order = tuple(name for name in COUNTERMEASURES if name in measures)
                reports.append(
                    SagaReport(saga.label, saga.saga, request, order, "RUNNING", None, None)
                )
        world = self.world
        run = LabRun(
            tuple(reports),
            tuple(self.turns),
            tuple(world.history()),
            world.figures(),
            tuple(world.violations()) if self.finished else (),
            frozenset(world.undone()),
        )
        return run, tuple(detect(run))

    def close(self) -> None:
        """Abandon the sagas still waiting (their threads unwind) and close the world."""
        self._scheduler.abort()
        for thread in self._threads:
            thread.join(timeout=self._scheduler.timeout)
        self.world.close()
