"""Commands on a data directory with a long history, against the same commands on a fresh one.

Two data directories: a fresh one, and one whose saga log holds ``sagas`` sagas
run by ``saga-desktop batch`` (made once and kept with ``--history-dir``: making
200,000 takes about a minute). Both get the same extra flight (600 seats), so a
booking on it does the same work in either; then ``run`` (that booking), ``state``
and ``batch --count 1`` run on each, in turn (fresh, history, fresh, ...), each as a
whole process. The figure is the median wall time, and the ratio the median of
the pairs' ratios.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from saga_desktop.booking import FlightWorld
from saga_desktop.engine import SqliteEventStore

#: The extra flight both directories get: the booking the ``run`` rows make.
FLIGHT = (999, "AMS", "OSL", "2024-05-01", 20_000, 100)
BOOKING = {
    "flight_id": 999,
    "user_id": 3,
    "total_fare": 200.0,
    "loyalty_points_to_use": 0,
    "payment_method": "card",
    "passengers": [{"first_name": "Ada", "last_name": "Lovelace"}],
}


@dataclasses.dataclass(frozen=True)
class HistoryTiming:
    """One command on the fresh and the long-history directory."""

    command: str
    fresh: float
    history: float
    ratio: float


def _saga_desktop() -> list[str]:
    script = Path(sys.executable).parent / "saga-desktop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "saga_desktop"]


def _sagas_in(data_dir: Path) -> int:
    log = data_dir / "saga_log.db"
    if not log.exists():
        return 0
    store = SqliteEventStore(log, create=False)
    try:
        ((count,),) = store._read("SELECT COUNT(*) FROM sagas")
        return int(count)
    finally:
        store.close()


def _with_flight(data_dir: Path) -> None:
    world = FlightWorld(data_dir)
    try:
        if world.seats.flight(FLIGHT[0]) is None:
            world.seats.add_flight(*FLIGHT)
    finally:
        world.close()


def prepare(history_dir: Path, sagas: int) -> None:
    """Make (or top up) ``history_dir`` until its saga log holds ``sagas`` sagas."""
    missing = sagas - _sagas_in(history_dir)
    if missing > 0:
        subprocess.run(
            [*_saga_desktop(), "--data-dir", str(history_dir), "batch", "--count", str(missing)],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=3600,
        )
    _with_flight(history_dir)


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - started


def measure(history_dir: Path, rounds: int = 7) -> list[HistoryTiming]:
    """Time ``run``, ``state``, ``batch --count 1`` on a fresh directory and on ``history_dir``."""
    with tempfile.TemporaryDirectory(prefix="saga-fresh-") as scratch:
        fresh = Path(scratch) / "data"
        _with_flight(fresh)
        booking = Path(scratch) / "booking.json"
        booking.write_text(json.dumps(BOOKING))
        commands = {
            "run": ["run", "--booking", str(booking)],
            "state": ["state"],
            "batch --count 1": ["batch", "--count", "1"],
        }
        timings = []
        for name, args in commands.items():
            pairs = []
            for _ in range(rounds + 1):  # the first pair warms the caches up
                a = _wall([*_saga_desktop(), "--data-dir", str(fresh), *args])
                b = _wall([*_saga_desktop(), "--data-dir", str(history_dir), *args])
                pairs.append((a, b))
            pairs = pairs[1:]
            timings.append(
                HistoryTiming(
                    name,
                    statistics.median(a for a, _ in pairs),
                    statistics.median(b for _, b in pairs),
                    statistics.median(b / a for a, b in pairs),
                )
            )
        return timings
