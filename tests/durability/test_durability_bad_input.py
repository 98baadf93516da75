"""Bad input on disk and on the command line: a clear one-line error, exit 2, nothing lost.

A damaged database, a data directory that cannot be written, a saga log from a
newer version and malformed ``--fault`` specs all end with one line on stderr and
exit code 2; no file of the data directory is changed or removed.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from saga_desktop.cli import EXIT_BAD_INPUT, main

WORLD_DBS = ("seats.db", "loyalty.db", "payments.db", "bookings.db")
PAGE = 4096


def fingerprint(data_dir: Path) -> dict[str, str]:
    """Every file of the data directory (logs included) and a hash of its bytes.

    SQLite's ``-wal``/``-shm`` side files are left out: they come and go with
    connections, and a cleanly closed database has none.
    """
    return {
        str(path.relative_to(data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("saga-desktop: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def lived_in(tmp_path: Path) -> Path:
    """A data directory with history: a confirmed booking and a compensated saga."""
    data_dir = tmp_path / "data"
    assert main(["run", "--data-dir", str(data_dir)]) == 0
    assert main(["run", "--data-dir", str(data_dir), "--fail", "confirm_booking"]) == 1
    return data_dir


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    garbage = bytes((i * 151 + 7) % 256 for i in range(len(data)))
    if how == "garbage":
        # Not a database at all: even the header is gone.
        path.write_bytes(garbage)
    else:
        # The header is intact, so SQLite opens it; every page after the first is gone.
        path.write_bytes(data[:PAGE] + garbage[PAGE:])


@pytest.mark.parametrize("how", ["garbage", "damaged-pages"])
@pytest.mark.parametrize("db", WORLD_DBS)
@pytest.mark.parametrize("command", ["state", "run", "recover"])
def test_a_damaged_world_database_is_reported_and_left_as_it_is(
    lived_in: Path, db: str, how: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(lived_in / db, how)
    before = fingerprint(lived_in)

    assert main([command, "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT

    line = one_error_line(capsys)
    assert db in line
    assert fingerprint(lived_in) == before


@pytest.mark.parametrize("how", ["garbage", "damaged-pages"])
@pytest.mark.parametrize("command", [["run"], ["recover"], ["dlq"], ["dlq", "retry", "abc"]])
def test_a_damaged_saga_log_is_reported_and_left_as_it_is(
    lived_in: Path, how: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    damage(lived_in / "saga_log.db", how)
    before = fingerprint(lived_in)

    assert main([*command, "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT

    line = one_error_line(capsys)
    assert "saga log" in line
    assert "saga_log.db" in line
    # Nothing ran: not a seat, a point or a cent moved, no log line was written.
    assert fingerprint(lived_in) == before


def test_state_reads_only_the_world_so_a_damaged_saga_log_does_not_stop_it(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(lived_in / "saga_log.db", "garbage")
    before = fingerprint(lived_in)

    assert main(["state", "--data-dir", str(lived_in)]) == 0

    assert "Consistent" in capsys.readouterr().out
    assert fingerprint(lived_in) == before


def test_a_saga_log_from_a_newer_version_is_refused_untouched(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = sqlite3.connect(lived_in / "saga_log.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    before = fingerprint(lived_in)

    for command in (["run"], ["recover"], ["dlq"]):
        assert main([*command, "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT
        line = one_error_line(capsys)
        assert "newer" in line
        assert "format 99" in line

    assert fingerprint(lived_in) == before
    (version,) = sqlite3.connect(lived_in / "saga_log.db").execute("PRAGMA user_version").fetchone()
    assert version == 99


@pytest.mark.parametrize("command", ["state", "run", "recover"])
def test_a_data_dir_that_cannot_be_created_is_reported(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A path under a regular file: mkdir fails for every user, root included.
    afile = tmp_path / "afile"
    afile.write_text("not a directory\n")

    assert main([command, "--data-dir", str(afile / "data")]) == EXIT_BAD_INPUT

    line = one_error_line(capsys)
    assert "cannot create the data directory" in line
    assert str(afile / "data") in line
    assert afile.read_text() == "not a directory\n"


def test_a_data_dir_that_is_a_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory\n")

    assert main(["run", "--data-dir", str(afile)]) == EXIT_BAD_INPUT

    assert str(afile) in one_error_line(capsys)
    assert afile.read_text() == "not a directory\n"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="root (and Windows) ignore a directory's permission bits; "
    "the path-under-a-file tests cover an unusable data dir instead",
)
@pytest.mark.parametrize("command", ["state", "run"])
def test_a_read_only_data_dir_is_reported_and_left_as_it_is(
    lived_in: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(lived_in)
    lived_in.chmod(0o500)
    try:
        assert main([command, "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT
        assert "not writable" in one_error_line(capsys)
    finally:
        lived_in.chmod(0o700)
    assert fingerprint(lived_in) == before


@pytest.mark.parametrize(
    "spec",
    [
        "reserve_seat",
        "reserve_seat=",
        "=fail",
        "bogus=fail",
        "reserve_seat=explode",
        "reserve_seat=fail:2",
        "process_payment=timeout:3",
        "process_payment=crash:1",
        "process_payment=transient:0",
        "process_payment=transient:-1",
        "process_payment=transient:abc",
        "process_payment=transient:forever",
        "process_payment=transient:1001",
        "process_payment=transient:²",
        "confirm_booking=compensation_fail:never",
        "confirm_booking=compensation_fail:" + "9" * 5000,
    ],
)
def test_a_malformed_fault_spec_is_one_line_and_starts_nothing(
    tmp_path: Path, spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"

    assert main(["run", "--data-dir", str(data_dir), "--fault", spec]) == EXIT_BAD_INPUT

    line = one_error_line(capsys)
    assert "bad fault" in line
    assert not data_dir.exists()


def test_a_malformed_fault_spec_after_a_good_one_changes_nothing(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(lived_in)
    argv = ["run", "--data-dir", str(lived_in), "--fault", "reserve_seat=fail"]

    assert main([*argv, "--fault", "process_payment=later"]) == EXIT_BAD_INPUT

    assert "process_payment=later" in one_error_line(capsys)
    assert fingerprint(lived_in) == before


def _saga_desktop() -> list[str]:
    script = Path(sys.executable).parent / "saga-desktop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "saga_desktop"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("db", "command"),
    [("seats.db", "state"), ("seats.db", "run"), ("saga_log.db", "run")],
)
def test_the_real_executable_prints_one_line_and_no_traceback(
    lived_in: Path, db: str, command: str
) -> None:
    damage(lived_in / db, "garbage")
    before = fingerprint(lived_in)

    done = subprocess.run(
        [*_saga_desktop(), command, "--data-dir", str(lived_in)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == EXIT_BAD_INPUT
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert db in done.stderr
    assert fingerprint(lived_in) == before
