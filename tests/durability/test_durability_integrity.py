"""When integrity is checked, and what a damaged page does when it is not.

A database is checked on opening when it is small, after an unclean shutdown
(a dead owner's lease is left), and on ``state --deep``; a large one otherwise
opens at once, as fast with 200,000 sagas of history as on a fresh directory.
A damaged page met while a saga runs stops the saga, unrefused: exit 2, one
line naming the file, and the damaged file itself is left as it was.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from saga_desktop.booking import FlightWorld
from saga_desktop.cli import EXIT_BAD_INPUT, main
from saga_desktop.engine import _sqlite
from saga_desktop.engine._owners import OwnerLease
from saga_desktop.engine._sqlite import connect_checked
from tests.durability.test_durability_bad_input import damage, one_error_line


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def lived_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    data_dir = tmp_path / "data"
    for _ in range(3):
        assert main(["run", "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    return data_dir


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every database counts as large: none is checked on opening unless asked."""
    monkeypatch.setattr(_sqlite, "QUICK_CHECK_MAX_BYTES", 0)


def test_a_small_database_is_checked_and_a_large_one_only_when_asked(
    lived_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = lived_in / "bookings.db"
    damage(path, "damaged-pages")

    with pytest.raises(sqlite3.DatabaseError, match="damaged"):
        connect_checked(path, create=False)
    monkeypatch.setattr(_sqlite, "QUICK_CHECK_MAX_BYTES", 0)
    connect_checked(path, create=False).close()  # large: opens without reading it all
    with pytest.raises(sqlite3.DatabaseError, match="damaged"):
        connect_checked(path, create=False, check=True)


def test_an_unclean_shutdown_or_deep_asks_for_every_check(lived_in: Path) -> None:
    with FlightWorld(lived_in) as world:
        assert world.check is None  # small files only
    with FlightWorld(lived_in, deep=True) as world:
        assert world.check is True

    lease = OwnerLease(lived_in / "saga_log.owners")
    assert lease._fd is not None
    os.close(lease._fd)  # as if its process had died: the file stays, its lock is gone
    lease._fd = None
    with FlightWorld(lived_in) as world:
        assert world.check is True


def test_state_deep_finds_damage_in_a_large_database(
    lived_in: Path, large: None, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(lived_in / "payments.db", "damaged-pages")
    before = digest(lived_in / "payments.db")

    assert main(["state", "--deep", "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT
    line = one_error_line(capsys)

    assert "payments.db" in line
    assert "damaged" in line
    assert digest(lived_in / "payments.db") == before


def test_a_damaged_page_met_during_a_saga_stops_it_unrefused(
    lived_in: Path, large: None, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(lived_in / "bookings.db", "damaged-pages")
    before = digest(lived_in / "bookings.db")

    assert main(["run", "--data-dir", str(lived_in)]) == EXIT_BAD_INPUT
    line = one_error_line(capsys)

    assert "bookings.db" in line
    assert "cannot be used" in line
    assert "stopped unfinished" in line
    assert "failed at" not in line
    assert digest(lived_in / "bookings.db") == before
