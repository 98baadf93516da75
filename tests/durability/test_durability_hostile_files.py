"""Hostile files and arguments, as a table: each is one line, exit 2, and changes nothing.

Every case runs ``saga-desktop`` (in process, ``main(argv)``) on a lived-in data
directory and checks the exit code, exactly one line on stderr, no traceback, and
every file of the data directory (the world, the saga log, the log files)
byte-identical before and after. The case's line is also checked for what it
must say, so a refusal for the wrong reason fails too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_durability_bad_input import fingerprint

from saga_desktop.booking import DEFAULT_BOOKING
from saga_desktop.cli import EXIT_BAD_INPUT, main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /dev/zero, symlinks")

MB = 1 << 20


@dataclasses.dataclass(frozen=True)
class Case:
    """``argv(data_dir, tmp_path)`` gives the command line; ``says`` what its line holds."""

    argv: Callable[[Path, Path], list[str]]
    says: str


def booking_file(tmp_path: Path, content: bytes | str) -> Path:
    path = tmp_path / "booking.json"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def booking_with(**changes: object) -> str:
    return json.dumps({**DEFAULT_BOOKING, **changes})


def run_booking(make: Callable[[Path], Path]) -> Callable[[Path, Path], list[str]]:
    return lambda data, tmp: ["run", "--data-dir", str(data), "--booking", str(make(tmp))]


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "booking.fifo"
    os.mkfifo(path)  # nobody ever writes to it: reading it would wait for ever
    return path


def sparse(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "big.json"
    with path.open("wb") as file:
        file.truncate(size)
    return path


def link_logs(data: Path, tmp: Path) -> list[str]:
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    logs = data / "logs"
    logs.rename(elsewhere / "logs")
    logs.symlink_to(elsewhere / "logs")
    return ["run", "--data-dir", str(data)]


def link_log_file(name: str, *, dangling: bool) -> Callable[[Path, Path], list[str]]:
    def make(data: Path, tmp: Path) -> list[str]:
        target = tmp / "victim.txt"
        if not dangling:
            target.write_text("somebody else's file\n", encoding="utf-8")
        path = data / "logs" / name
        path.unlink()
        path.symlink_to(target)
        return ["run", "--data-dir", str(data)]

    return make


def run_with(*options: str) -> Callable[[Path, Path], list[str]]:
    return lambda data, tmp: ["run", "--data-dir", str(data), *options]


CASES = {
    # -- booking files (run --booking FILE) --------------------------------------------------
    "booking-dev-zero": Case(
        lambda data, tmp: ["run", "--data-dir", str(data), "--booking", "/dev/zero"],
        "/dev/zero: is a character device, not a regular file",
    ),
    "booking-fifo": Case(run_booking(fifo), "is a FIFO (named pipe), not a regular file"),
    "booking-directory": Case(run_booking(lambda tmp: tmp), "is a directory, not a regular file"),
    "booking-missing": Case(
        run_booking(lambda tmp: tmp / "nowhere.json"), "cannot be read (No such file"
    ),
    "booking-over-1-mb": Case(
        run_booking(lambda tmp: sparse(tmp, MB + 1)), "is larger than 1 MB, the most this app reads"
    ),
    "booking-deep-nesting": Case(
        run_booking(lambda tmp: booking_file(tmp, "[" * 100_000 + "]" * 100_000)),
        "not JSON: nested too deeply",
    ),
    "booking-5000-digit-fare": Case(
        run_booking(
            lambda tmp: booking_file(tmp, booking_with(total_fare=0).replace("0", "9" * 5000, 1))
        ),
        "not JSON: Exceeds the limit (4300 digits) for integer string conversion",
    ),
    "booking-bad-utf8": Case(
        run_booking(lambda tmp: booking_file(tmp, b'{"flight_id": "\xff\xfe"}')),
        "not UTF-8 text: invalid start byte",
    ),
    "booking-not-an-object": Case(
        run_booking(lambda tmp: booking_file(tmp, "[1, 2, 3]")),
        "must hold a JSON object, not a JSON array",
    ),
    "booking-nan-fare": Case(
        run_booking(lambda tmp: booking_file(tmp, booking_with(total_fare=float("nan")))),
        "not JSON: NaN is not allowed",
    ),
    "booking-10-mb-name": Case(
        run_booking(
            lambda tmp: booking_file(
                tmp, booking_with(passengers=[{"first_name": "J" * 10**6, "last_name": "Doe"}])
            )
        ),
        "passenger 1's first name is 1,000,000 characters long; at most 100",
    ),
    # -- symbolic links in the data directory's logs -----------------------------------------
    "logs-folder-symlink": Case(link_logs, "is a symbolic link; it is not followed"),
    "orchestrator-log-symlink": Case(
        link_log_file("saga_orchestrator.log", dangling=False), "saga_orchestrator.log is a symb"
    ),
    "bookings-log-dangling-symlink": Case(
        link_log_file("saga_bookings.log", dangling=True), "saga_bookings.log is a symbolic link"
    ),
    # -- arguments ---------------------------------------------------------------------------
    "data-dir-empty": Case(
        lambda data, tmp: ["run", "--data-dir", ""], "the data directory cannot be empty"
    ),
    "report-in-missing-folder": Case(
        lambda data, tmp: ["scenarios", "--data-dir", str(data), "--report", "/nonexistent/x"],
        "cannot write the report /nonexistent/x: there is no folder /nonexistent",
    ),
    "report-is-a-directory": Case(
        lambda data, tmp: ["scenarios", "--data-dir", str(data), "--report", str(tmp)],
        "it is a directory",
    ),
    "batch-count-10-to-the-30": Case(
        lambda data, tmp: ["batch", "--data-dir", str(data), "--count", str(10**30)],
        "count must be a whole number from 1 to 10,000,000, not a 31-digit number",
    ),
    "batch-count-0": Case(
        lambda data, tmp: ["batch", "--data-dir", str(data), "--count", "0"],
        "from 1 to 10,000,000, not 0",
    ),
    "fail-and-fault-disagree": Case(
        run_with("--fail", "process_payment", "--fault", "process_payment=timeout"),
        "--fail process_payment and --fault process_payment=timeout ask for two different "
        "failures of process_payment",
    ),
    "two-faults-disagree": Case(
        run_with("--fault", "reserve_seat=transient:2", "--fault", "reserve_seat=transient:3"),
        "ask for two different failures of reserve_seat",
    ),
}


@pytest.fixture
def lived_in(tmp_path: Path) -> Path:
    """A data directory with history: a confirmed booking, a compensated saga, log files."""
    data_dir = tmp_path / "data"
    assert main(["run", "--data-dir", str(data_dir)]) == 0
    assert main(["run", "--data-dir", str(data_dir), "--fail", "confirm_booking"]) == 1
    return data_dir


@pytest.mark.timeout(30)  # a FIFO read would block for ever: fail instead
@pytest.mark.parametrize("name", list(CASES))
def test_a_hostile_input_is_one_line_exit_2_and_changes_nothing(
    name: str,
    lived_in: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES[name]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # where an empty --data-dir would put a world
    capsys.readouterr()
    argv = case.argv(lived_in, tmp_path)
    outside = {
        p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.parent != lived_in
    }
    before = fingerprint(lived_in)

    code = main(argv)

    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert (code, len(lines)) == (EXIT_BAD_INPUT, 1), err
    assert "Traceback" not in err
    assert lines[0].startswith("saga-desktop: error: "), lines[0]
    assert case.says in lines[0], lines[0]
    assert out == ""
    assert fingerprint(lived_in) == before
    assert list(cwd.iterdir()) == []
    # Nothing was written through a link either: every file around is as it was.
    for path, data in outside.items():
        if path.is_file():
            assert path.read_bytes() == data, path
    assert not (tmp_path / "victim.txt").exists() or (
        (tmp_path / "victim.txt").read_text(encoding="utf-8") == "somebody else's file\n"
    )
