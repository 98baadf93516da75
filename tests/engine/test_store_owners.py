"""The saga log's owners: recovery claims only orphans, each once, however many claim."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from saga_desktop.engine import (
    SCHEMA_VERSION,
    EventStoreError,
    SagaCompleted,
    SagaStarted,
    SqliteEventStore,
)


def start(store: SqliteEventStore, cid: str, at: float = 1.0) -> None:
    store.append(SagaStarted(cid, at, "booking", ("A", "B"), {}))


def test_a_saga_belongs_to_the_store_that_started_it(tmp_path):
    owner = SqliteEventStore(tmp_path / "log.db")
    recoverer = SqliteEventStore(tmp_path / "log.db")
    start(owner, "s1")

    assert recoverer.claim_orphans() == []  # its owner is alive
    in_flight = recoverer.in_flight()
    assert in_flight.running == {"s1"}
    assert in_flight.interrupted == frozenset()

    owner.release_ownership()  # as a dying process would

    assert recoverer.in_flight().interrupted == {"s1"}
    assert recoverer.claim_orphans() == ["s1"]
    assert recoverer.claim_orphans() == []  # claimed once: now it is ours, and we live
    assert SqliteEventStore(tmp_path / "log.db").claim_orphans() == []
    owner.close()
    recoverer.close()


def test_a_store_that_only_reads_leaves_no_lease(tmp_path):
    store = SqliteEventStore(tmp_path / "log.db")
    store.sagas()
    store.dead_letters()
    store.in_flight()
    store.close()

    assert not (tmp_path / "log.owners").exists() or not any((tmp_path / "log.owners").iterdir())


def test_ended_sagas_are_never_claimed(tmp_path):
    store = SqliteEventStore(tmp_path / "log.db")
    start(store, "s1")
    store.append(SagaCompleted("s1", 2.0, 2, {}))
    store.release_ownership()

    assert SqliteEventStore(tmp_path / "log.db").claim_orphans() == []


def test_a_lease_given_up_before_the_commit_still_owns_the_starts_it_staged(tmp_path):
    store = SqliteEventStore(tmp_path / "log.db")
    store.hold_commits(True)
    store.stage(SagaStarted("s1", 1.0, "booking", ("A",), {}))
    store.release_ownership()  # the saga stopped before its group was committed
    store.commit_held()
    store.hold_commits(False)

    assert SqliteEventStore(tmp_path / "log.db").claim_orphans() == ["s1"]


CLAIMER = textwrap.dedent(
    """
    import sys, time
    from saga_desktop.engine import SqliteEventStore
    store = SqliteEventStore(sys.argv[1])
    # Both start claiming at the same moment.
    while time.time() < float(sys.argv[2]):
        time.sleep(0.001)
    print(" ".join(store.claim_orphans()), flush=True)
    time.sleep(0.5)  # alive while the other one claims
    """
)


def test_two_processes_claiming_at_once_claim_each_orphan_once(tmp_path):
    path = tmp_path / "log.db"
    store = SqliteEventStore(path)
    ids = [f"saga-{n:03}" for n in range(200)]
    for cid in ids:
        start(store, cid)
    store.close()  # every saga is now an orphan
    at = time.time() + 1.0
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, str(path), str(at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    claims = [set(child.communicate(timeout=60)[0].split()) for child in children]

    assert claims[0] | claims[1] == set(ids)
    assert claims[0] & claims[1] == set()


def test_a_saga_log_of_format_1_is_migrated_and_its_sagas_have_no_owner(tmp_path):
    path = tmp_path / "log.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, correlation_id TEXT NOT NULL,
            type TEXT NOT NULL, at REAL NOT NULL, data TEXT NOT NULL);
        CREATE TABLE sagas (correlation_id TEXT PRIMARY KEY, saga_name TEXT NOT NULL,
            status TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL, failed_step TEXT);
        CREATE TABLE dead_letters (correlation_id TEXT NOT NULL, step TEXT NOT NULL,
            compensation TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL,
            at REAL NOT NULL, PRIMARY KEY (correlation_id, step));
        INSERT INTO sagas VALUES ('old', 'booking', 'RUNNING', 1.0, NULL, NULL);
        PRAGMA user_version = 1;
        """
    )
    db.close()

    store = SqliteEventStore(path, create=False)

    assert store.claim_orphans() == ["old"]
    store.close()
    (version,) = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()
    assert version == SCHEMA_VERSION


def test_opening_a_saga_log_changes_nothing_in_it(tmp_path):
    path = tmp_path / "log.db"
    store = SqliteEventStore(path)
    start(store, "s1")
    store.append(SagaCompleted("s1", 2.0, 2, {}))
    store.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    for _ in range(3):
        store = SqliteEventStore(path, create=False)
        store.sagas()
        store.close()

    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    "script",
    [
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)",
        "CREATE TABLE events (x); CREATE TABLE sagas (y); PRAGMA user_version = 0",
    ],
)
def test_another_programs_database_is_refused_untouched(tmp_path, script):
    path = tmp_path / "log.db"
    db = sqlite3.connect(path)
    db.executescript(script)
    db.close()
    before = path.read_bytes()

    with pytest.raises(EventStoreError, match="not a SAGA Desktop saga log"):
        SqliteEventStore(path, create=False)

    assert path.read_bytes() == before


def test_a_missing_file_is_not_created_when_it_must_exist(tmp_path):
    with pytest.raises(EventStoreError):
        SqliteEventStore(tmp_path / "log.db", create=False)
    assert not (tmp_path / "log.db").exists()


def test_a_missing_path_in_a_folder_with_odd_characters_works(tmp_path: Path):
    folder = tmp_path / "a ?#% folder"
    folder.mkdir()
    SqliteEventStore(folder / "log.db").close()
    SqliteEventStore(folder / "log.db", create=False).close()
