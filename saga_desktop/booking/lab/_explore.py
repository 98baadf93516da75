"""Searching many random interleavings of random sagas for anomalies.

Schedule ``i`` of seed ``s`` draws its sagas and every turn from
``random.Random(f"{s}:{i}")``, so any schedule can be run again from the seed
and its index alone.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from saga_desktop.booking.lab._anomalies import ANOMALIES, Anomaly, detect
from saga_desktop.booking.lab._countermeasures import COUNTERMEASURES
from saga_desktop.booking.lab._runner import LAB_SAGAS, LabRun, LabSaga, run_lab

__all__ = ["ExploreReport", "explore", "explore_one", "random_sagas"]

_LABELS = "ABCDEFGH"
#: The most sagas one schedule runs at once.
MAX_SAGAS = len(_LABELS)


def random_sagas(rng: random.Random, count: int) -> tuple[LabSaga, ...]:
    """``count`` sagas of random kinds and requests on the default world."""
    sagas = []
    for index in range(count):
        label, kind = _LABELS[index], rng.choice(LAB_SAGAS)
        request: dict[str, Any]
        if kind == "booking":
            request = {
                "booking": f"BK{index + 3}",
                "user": rng.choice(("1", "2")),
                "flight": rng.choice(("FL123", "FL456")),
                "points": rng.choice((500.0, 1000.0, 1500.0)),
                "fare": rng.choice((300.0, 1200.0)),
                "declined": rng.random() < 0.3,
            }
        elif kind == "transfer_points":
            sender = rng.choice(("1", "2"))
            request = {
                "sender": sender,
                "receiver": "2" if sender == "1" else "1",
                "points": rng.choice((500.0, 1000.0, 1500.0)),
            }
        else:
            request = {"booking": rng.choice(("BK1", "BK2"))}
            if kind == "change_seat":
                request["new_flight"] = rng.choice(("FL123", "FL456"))
        sagas.append(LabSaga(label, kind, request))
    return tuple(sagas)


def explore_one(
    seed: int, index: int, count: int, countermeasures: Iterable[str], directory: Path
) -> tuple[tuple[LabSaga, ...], LabRun, list[Anomaly]]:
    """Run schedule ``index`` of ``seed``: ``count`` random sagas, random turns."""
    rng = random.Random(f"{seed}:{index}")
    sagas = random_sagas(rng, count)

    def choose(live: list[str]) -> str:
        return rng.choice(live)

    run = run_lab(sagas, choose, countermeasures, directory)
    return sagas, run, detect(run)


@dataclasses.dataclass(slots=True)
class ExploreReport:
    """What an exploration found: schedules per anomaly, the first of each, the books."""

    schedules: int
    sagas: int
    seed: int
    countermeasures: tuple[str, ...]
    anomalies: dict[str, int]
    first: dict[str, dict[str, Any]]
    inconsistent: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The report, as ``lab explore --json`` gives it."""
        return {
            "schedules": self.schedules,
            "sagas": self.sagas,
            "seed": self.seed,
            "countermeasures": list(self.countermeasures),
            "anomalies": dict(self.anomalies),
            "inconsistent": self.inconsistent,
            "first": self.first,
        }


def explore(
    sagas: int,
    schedules: int,
    seed: int,
    countermeasures: Iterable[str] = (),
    progress: Callable[[int], None] | None = None,
) -> ExploreReport:
    """Run ``schedules`` random interleavings of ``sagas`` sagas, each on a new scratch world.

    Parameters
    ----------
    sagas
        Sagas per schedule (1 to 8).
    schedules
        How many schedules.
    seed
        Makes the whole exploration reproducible.
    countermeasures
        Names from :data:`COUNTERMEASURES`, for every saga.
    progress
        Told the number of schedules done after each one.
    """
    chosen = tuple(name for name in COUNTERMEASURES if name in set(countermeasures))
    report = ExploreReport(schedules, sagas, seed, chosen, dict.fromkeys(ANOMALIES, 0), {})
    scratch = Path(tempfile.mkdtemp(prefix="saga-lab-explore-"))
    try:
        for index in range(schedules):
            world = scratch / str(index)
            drawn, run, found = explore_one(seed, index, sagas, chosen, world)
            shutil.rmtree(world, ignore_errors=True)
            report.inconsistent += not run.consistent
            for kind in sorted({a.kind for a in found}):
                report.anomalies[kind] += 1
                if kind not in report.first:
                    report.first[kind] = {
                        "seed": seed,
                        "index": index,
                        "sagas": [
                            {"label": s.label, "saga": s.saga, "request": dict(s.request)}
                            for s in drawn
                        ],
                        "schedule": "".join(run.schedule),
                        "caption": next(a.caption for a in found if a.kind == kind),
                        # Schedule i depends on the seed and i alone: this replays it last.
                        "replay": f"saga-desktop lab explore --sagas {sagas} --seed {seed} "
                        f"--schedules {index + 1}",
                    }
            if progress is not None:
                progress(index + 1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report
