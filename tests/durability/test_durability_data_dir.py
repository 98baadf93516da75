"""A data directory that lost a member, or holds a link or another program's file, is refused.

Every case runs each command that opens the directory and checks: exit 2, one
line on stderr that names the file, no traceback, and every byte of the data
directory as it was (nothing rebuilt from the defaults, nothing written through
a link, no table added to a stranger's database).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from saga_desktop.booking import MARKER, SAGA_LOG_DB, WORLD_DATABASES, FlightWorld
from saga_desktop.cli import EXIT_BAD_INPUT, main
from tests.durability.test_durability_bad_input import fingerprint, one_error_line

MEMBERS = (*WORLD_DATABASES, SAGA_LOG_DB)
COMMANDS = (["run"], ["state"], ["recover"], ["dlq"], ["batch", "--count", "3"])


@pytest.fixture
def lived_in(tmp_path: Path) -> Path:
    """A data directory with a confirmed booking and a dead-lettered compensation."""
    data_dir = tmp_path / "data"
    assert main(["run", "--data-dir", str(data_dir)]) == 0
    assert (
        main(
            [
                "run",
                "--data-dir",
                str(data_dir),
                "--fault",
                "deduct_loyalty_points=compensation_fail:forever",
                "--fail",
                "process_payment",
            ]
        )
        == 3
    )
    return data_dir


def refused(data_dir: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    """Every command exits 2 with one line naming ``fragments``; no byte changes."""
    before = fingerprint(data_dir)
    listing = sorted(path.name for path in data_dir.iterdir())
    for command in COMMANDS:
        assert main([command[0], "--data-dir", str(data_dir), *command[1:]]) == EXIT_BAD_INPUT, (
            command
        )
        line = one_error_line(capsys)
        for fragment in fragments:
            assert fragment in line, (command, line)
        assert fingerprint(data_dir) == before, command
        assert sorted(path.name for path in data_dir.iterdir()) == listing, command


@pytest.mark.parametrize("member", MEMBERS)
def test_an_emptied_member_is_damage_not_a_new_world(
    lived_in: Path, member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (lived_in / member).write_bytes(b"")

    refused(lived_in, capsys, member, "empty")


@pytest.mark.parametrize("member", MEMBERS)
def test_a_missing_member_is_damage_not_a_new_world(
    lived_in: Path, member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (lived_in / member).unlink()

    refused(lived_in, capsys, member, "missing")


@pytest.mark.parametrize("member", [*MEMBERS, "seats.db-wal", "saga_log.db-shm"])
def test_a_member_that_is_a_link_is_refused_and_never_followed(
    lived_in: Path, tmp_path: Path, member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "elsewhere" / member
    target.parent.mkdir()
    path = lived_in / member
    if path.exists():
        path.rename(target)
    path.symlink_to(target)
    outside_before = fingerprint(target.parent)

    refused(lived_in, capsys, member, "symbolic link")

    assert fingerprint(target.parent) == outside_before


def test_a_dangling_link_creates_no_database_outside(
    lived_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lived_in / "seats.db").unlink()
    (lived_in / "seats.db").symlink_to(tmp_path / "nowhere" / "seats.db")

    refused(lived_in, capsys, "seats.db", "symbolic link")

    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("member", WORLD_DATABASES)
def test_another_programs_database_is_refused_and_gets_none_of_our_tables(
    lived_in: Path, member: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (lived_in / member).unlink()
    db = sqlite3.connect(lived_in / member)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    db.execute("INSERT INTO invoices VALUES (1, 9.5)")
    db.commit()
    db.close()

    refused(lived_in, capsys, member, "not a SAGA Desktop database")

    tables = sqlite3.connect(lived_in / member).execute("SELECT name FROM sqlite_master")
    assert [name for (name,) in tables] == ["invoices"]


def test_a_scenario_world_that_is_a_link_is_refused_and_the_other_world_kept(
    lived_in: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other-world"
    FlightWorld(other).close()
    assert main(["run", "--data-dir", str(other)]) == 0
    capsys.readouterr()
    (lived_in / "scenario-world").symlink_to(other)
    other_before = fingerprint(other)

    assert main(["scenarios", "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT
    line = one_error_line(capsys)

    assert "scenario-world" in line
    assert "symbolic link" in line
    assert fingerprint(other) == other_before


def test_a_new_directory_gets_all_five_databases_and_the_marker(tmp_path: Path) -> None:
    data_dir = tmp_path / "new"
    FlightWorld(data_dir).close()

    assert {path.name for path in data_dir.iterdir()} >= {*MEMBERS, MARKER}


def test_a_making_cut_short_is_made_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    FlightWorld(data_dir).close()
    for name in (MARKER, "loyalty.db", "payments.db", "bookings.db"):
        (data_dir / name).unlink()  # as if the first start died after two files

    assert main(["run", "--data-dir", str(data_dir)]) == 0
    assert (data_dir / MARKER).exists()


def test_a_directory_made_before_the_marker_existed_is_adopted(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lived_in / MARKER).unlink()
    capsys.readouterr()

    # 1: the dead letter's points are still held, as state says; the directory is used as it is.
    assert main(["state", "--data-dir", str(lived_in)]) == 1
    assert "took 1000 loyalty points" in capsys.readouterr().out
    assert (lived_in / MARKER).exists()
