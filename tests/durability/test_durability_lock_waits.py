"""A database another process keeps locked is a busy data directory, not a refused booking.

Another process holds a real SQLite write lock on one member of the data
directory (as a paused batch would). ``run`` and ``batch`` wait, saying so,
then exit 2 with one error line: no saga is reported failed, nothing is
compensated for a step that never ran, and once the lock is gone ``recover``
finishes what was begun and the world adds up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from saga_desktop.booking import SAGA_LOG_DB, WORLD_DATABASES, BookingSagaOrchestrator, FlightWorld

HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    sys.stdin.readline()  # until the test lets go
    db.execute("ROLLBACK")
    """
)


class Holder:
    """A process that holds the write lock of one database until released."""

    def __init__(self, path: Path) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.child.stdout is not None
        assert self.child.stdout.readline() == "held\n"

    def release(self) -> None:
        if self.child.poll() is None:
            assert self.child.stdin is not None
            self.child.stdin.write("go\n")
            self.child.stdin.close()
            self.child.wait(timeout=30)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    data_dir = tmp_path / "data"
    FlightWorld(data_dir).close()
    return data_dir


def saga_desktop(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "saga_desktop", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SAGA_DESKTOP_LOCK_WAIT": "1"},
    )


def check_busy(result: subprocess.CompletedProcess[str], member: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert lines[0].startswith(f"saga-desktop: waiting for {member}: another process holds it")
    assert lines[-1].startswith("saga-desktop: error:")
    assert "busy" in lines[-1]
    assert member in lines[-1]
    assert all(line.startswith("saga-desktop: still waiting for") for line in lines[1:-1])
    assert "failed at" not in result.stdout + result.stderr


def settled_after_recovery(data_dir: Path) -> list[str]:
    """Recover, then say how each saga ended (and that the world adds up)."""
    with BookingSagaOrchestrator(data_dir, write_logs=False) as booking:
        booking.recover()
        assert booking.store is not None
        assert booking.world.violations(booking.store) == []
        return [summary.status for summary in booking.store.sagas()]


@pytest.mark.slow
@pytest.mark.parametrize("member", [*WORLD_DATABASES, SAGA_LOG_DB])
def test_run_waits_for_a_locked_database_then_says_the_directory_is_busy(
    data_dir: Path, member: str
) -> None:
    holder = Holder(data_dir / member)
    try:
        result = saga_desktop(data_dir, "run", "--json")
    finally:
        holder.release()

    check_busy(result, member)
    if member == SAGA_LOG_DB:
        # Its start could not be written: nothing ran at all.
        assert "nothing" in result.stderr or "try again" in result.stderr
        assert settled_after_recovery(data_dir) == []
    else:
        assert "stopped unfinished" in result.stderr
        # Left to recovery, which undoes what was begun; no refusal was ever recorded.
        with BookingSagaOrchestrator(data_dir, write_logs=False) as booking:
            assert booking.store is not None
            (cid,) = booking.store.in_flight().interrupted
            assert not any(
                type(event).__name__ == "StepFailed" for event in booking.store.history(cid)
            )
        assert settled_after_recovery(data_dir) == ["COMPENSATED"]
    # And once the lock is gone, the same booking goes through.
    assert saga_desktop(data_dir, "run").returncode == 0


@pytest.mark.slow
def test_a_batch_facing_a_locked_database_stops_instead_of_counting_refusals(
    data_dir: Path,
) -> None:
    holder = Holder(data_dir / "payments.db")
    try:
        result = saga_desktop(data_dir, "batch", "--count", "50", "--json")
    finally:
        holder.release()

    check_busy(result, "payments.db")
    assert result.stdout == ""  # no report claiming compensated sagas
    assert set(settled_after_recovery(data_dir)) <= {"COMPENSATED"}
