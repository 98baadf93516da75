"""A log file the kernel refuses to grow: the booking still stands, with one warning line.

The log files are a report, the saga log the record. Each test runs the real
``saga-desktop`` in a subprocess whose file size limit (``RLIMIT_FSIZE``, with
``SIGXFSZ`` ignored) lies just above one log file's size, grown sparse with
``truncate()``: the kernel then refuses that log's writes (``EFBIG``, as a full
device refuses them with ``ENOSPC``) while the small databases still grow. The
exit code still tells what happened to the booking, stderr has one warning line,
``recover`` afterwards finds nothing to recover and the world adds up.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX"),
]

LOGS = ("saga_orchestrator.log", "saga_bookings.log")
# Far above what the databases of a few sagas reach (their WAL stays under 4 MB).
SPARSE_SIZE = 64 << 20
# Room for part of one line: the first write is cut short, the next refused.
HEADROOM = 10
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \[")
WHAT = {"saga_orchestrator.log": "saga", "saga_bookings.log": "booking"}


def _saga_desktop() -> list[str]:
    script = Path(sys.executable).parent / "saga-desktop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "saga_desktop"]


def cli(data_dir: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``saga-desktop ARGS --data-dir DATA_DIR``, with a file size limit if given."""

    def limit_file_size() -> None:
        import resource

        # Ignored, SIGXFSZ would kill the process; ignored, the write fails with EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [*_saga_desktop(), *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_file_size if limit is not None else None,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert cli(data, "run").returncode == 0
    return data


def fill(data_dir: Path, name: str) -> int:
    """Grow log ``name`` (sparse) to SPARSE_SIZE; return the limit that leaves it HEADROOM."""
    with (data_dir / "logs" / name).open("ab") as file:
        file.truncate(SPARSE_SIZE)
    return SPARSE_SIZE + HEADROOM


def warning_of(name: str) -> str:
    return (
        f"saga-desktop: warning: cannot write logs/{name} (File too large); "
        f"the {WHAT[name]} is recorded in saga_log.db"
    )


def assert_nothing_left_to_recover(data_dir: Path, confirmed: int) -> None:
    recovered = cli(data_dir, "recover")
    assert recovered.returncode == 0, recovered.stderr
    assert "Nothing to recover" in recovered.stdout
    state = cli(data_dir, "state", "--json")
    assert state.returncode == 0, state.stdout
    world = json.loads(state.stdout)
    assert world["consistent"] is True
    assert world["bookings"]["confirmed"] == confirmed


def tail_after_the_hole(data_dir: Path, name: str) -> list[str]:
    """The lines written after the sparse part of the log (the hole has no newline)."""
    data = (data_dir / "logs" / name).read_bytes()
    assert data[SPARSE_SIZE - 1024 : SPARSE_SIZE] == bytes(1024)
    return data[SPARSE_SIZE:].decode("utf-8").split("\n")


@pytest.mark.parametrize("name", LOGS)
def test_a_confirmed_booking_is_exit_0_with_one_warning(data_dir: Path, name: str) -> None:
    limit = fill(data_dir, name)

    done = cli(data_dir, "run", limit=limit)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Booking confirmed: reference ")
    assert done.stderr.splitlines() == [warning_of(name)]
    assert "Traceback" not in done.stderr
    assert_nothing_left_to_recover(data_dir, confirmed=2)

    # The line the limit cut short is ended before the next run's lines: none is garbled.
    again = cli(data_dir, "run", "--json")
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    # The hole ends with no newline: the refused run ended it first, then got in part of
    # one line before the limit, and the next run ended that one before its own.
    hole, cut, *lines, last = tail_after_the_hole(data_dir, name)
    assert hole == ""
    assert 0 < len(cut) < HEADROOM
    assert last == ""
    assert lines
    for line in lines:
        if name == "saga_bookings.log":
            assert json.loads(line)["success"] is True
        else:
            assert LINE.match(line), line
    assert json.loads(again.stdout)["correlation_id"] in lines[-1]


@pytest.mark.parametrize("name", LOGS)
def test_a_failed_saga_is_exit_1_fully_compensated(data_dir: Path, name: str) -> None:
    limit = fill(data_dir, name)

    done = cli(data_dir, "run", "--fail", "process_payment", limit=limit)

    assert done.returncode == 1, done.stderr
    assert "Saga failed at PROCESS_PAYMENT" in done.stdout
    assert done.stderr.splitlines() == [warning_of(name)]
    assert_nothing_left_to_recover(data_dir, confirmed=1)


def test_a_crash_is_recovered_while_the_orchestrator_log_is_refused(data_dir: Path) -> None:
    name = "saga_orchestrator.log"
    limit = fill(data_dir, name)

    crashed = cli(data_dir, "run", "--fault", "process_payment=crash", limit=limit)
    assert crashed.returncode == 70, crashed.stderr
    assert crashed.stderr.splitlines() == [
        warning_of(name),
        "saga-desktop: the orchestrator crashed right after PROCESS_PAYMENT",
    ]

    recovered = cli(data_dir, "recover", limit=limit)

    assert recovered.returncode == 0, recovered.stderr
    assert recovered.stdout.startswith("Recovered ")
    assert recovered.stderr.splitlines() == [warning_of(name)]
    assert_nothing_left_to_recover(data_dir, confirmed=1)
