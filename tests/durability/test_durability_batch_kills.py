"""SIGKILL ``saga-desktop batch`` (commits grouped) mid-run, recover, and check nothing is lost.

A batch groups the commits of up to ``GROUP_SAGAS`` sagas
(``BookingSagaOrchestrator.commit_groups``): starts first, then the
participants, then the rest of the log. A kill can land anywhere in that
order; after recovery the world must add up and no saga may be left open.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from saga_desktop.booking import BookingSagaOrchestrator
from saga_desktop.engine import SqliteEventStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")


def _batch(data_dir: Path, *arguments: str) -> list[str]:
    """The command line of ``saga-desktop batch`` on ``data_dir``."""
    return [sys.executable, "-m", "saga_desktop", "--data-dir", str(data_dir), "batch", *arguments]


def _started_sagas(data_dir: Path) -> int:
    log = data_dir / "saga_log.db"
    if not log.exists():
        return 0
    store = SqliteEventStore(log)
    try:
        return len(store.sagas(limit=10**9))
    finally:
        store.close()


def _kill_batch_after(data_dir: Path, sagas_before_kill: int, delay: float) -> None:
    """Start a long batch, wait until the log holds some sagas, wait ``delay`` more, kill it."""
    child = subprocess.Popen(
        _batch(data_dir, "--count", "1000000", "--failure-rate", "0.4", "--seed", "7"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _started_sagas(data_dir) < sagas_before_kill:
            assert child.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.02)
        time.sleep(delay)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("delay", [0.0, 0.013, 0.031, 0.047])
def test_a_killed_batch_is_recovered_whole(tmp_path: Path, delay: float) -> None:
    data_dir = tmp_path / "data"
    _kill_batch_after(data_dir, 200, delay)
    with BookingSagaOrchestrator(data_dir) as booking:
        assert booking.store is not None
        logged = len(booking.store.sagas(limit=10**9))
        booking.recover()
        assert booking.store.incomplete() == []
        assert list(booking.world.violations()) == []
        # Every saga the log knows of ended one way or the other.
        sagas = booking.store.sagas(limit=10**9)
        assert "RUNNING" not in {summary.status for summary in sagas}
        assert logged >= 200
        # The log never claims more than the world holds: a saga it shows completed
        # has its confirmed booking, and a confirmed booking's saga completed.
        completed = {s.correlation_id for s in sagas if s.status == "COMPLETED"}
        assert set(booking.world.bookings.confirmed_by_saga()) == completed
    # And the world is usable afterwards: a second batch runs on it, consistent.
    again = subprocess.run(
        _batch(data_dir, "--count", "200", "--seed", "8", "--json"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert '"consistent": true' in again.stdout


_DIE_BETWEEN_PHASES = """
import os, sys
from saga_desktop.booking import BookingSagaOrchestrator, Fault, FaultKind
data_dir, phase = sys.argv[1], int(sys.argv[2])
booking = BookingSagaOrchestrator(data_dir, write_logs=False, keep_events=False)
with booking.commit_groups() as commit:
    commit()  # the world's first state is durable
    for number in range(12):
        plan = {"process_payment": Fault(FaultKind.FAIL)} if number % 3 == 2 else {}
        booking.run(booking.validate({"flight_id": 123, "user_id": 1 + number % 3,
                                      "total_fare": 100.0, "loyalty_points_to_use": 10,
                                      "payment_method": "card",
                                      "passengers": [{"first_name": "A", "last_name": "B"}]}),
                    plan)
    store = booking.store
    if phase >= 1:
        store.commit_starts()
    if phase >= 2:
        for participant in booking.world.participants:
            participant.commit_group()
    os._exit(70)  # dies here, mid-group: nothing else is committed
"""


@pytest.mark.parametrize("phase", [0, 1, 2])
def test_death_between_the_phases_of_a_group_commit_loses_nothing(
    tmp_path: Path, phase: int
) -> None:
    data_dir = tmp_path / "data"
    child = subprocess.run(
        [sys.executable, "-c", _DIE_BETWEEN_PHASES, str(data_dir), str(phase)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 70, child.stderr
    with BookingSagaOrchestrator(data_dir) as booking:
        assert booking.store is not None
        started = booking.store.incomplete()
        # Phase 0 lost the group whole; from phase 1 on, its twelve starts are durable.
        assert len(started) == (0 if phase == 0 else 12)
        recovered = booking.recover()
        assert len(recovered) == len(started)
        assert booking.store.incomplete() == []
        assert list(booking.world.violations()) == []
        snapshot = booking.world.snapshot().to_dict()
        # Nothing of the group outlived the crash: no seat, point or cent is spent.
        assert snapshot["bookings"]["confirmed"] == 0
        assert booking.world.bookings.confirmed_by_saga() == {}
