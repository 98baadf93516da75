"""Owner leases: alive while held, dead the moment the holder dies (a SIGKILL too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from saga_desktop.engine._owners import OwnerLease, live_owners, owner_alive, sweep_owners

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from saga_desktop.engine._owners import OwnerLease
    lease = OwnerLease(Path(sys.argv[1]))
    print(lease.owner_id, flush=True)
    time.sleep(60)
    """
)


def start_holder(folder: Path) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def test_a_lease_is_alive_while_held_even_seen_from_its_own_process(tmp_path):
    lease = OwnerLease(tmp_path)

    assert owner_alive(tmp_path, lease.owner_id)
    assert live_owners(tmp_path) == [lease.owner_id]
    assert sweep_owners(tmp_path) == 0  # a live owner's file is never removed
    assert lease.path.exists()

    lease.release()

    assert not owner_alive(tmp_path, lease.owner_id)
    assert not lease.path.exists()
    assert live_owners(tmp_path) == []


def test_an_owner_killed_with_sigkill_is_dead_and_its_file_is_swept(tmp_path):
    child, owner = start_holder(tmp_path)
    try:
        assert owner_alive(tmp_path, owner)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        child.kill()

    assert not owner_alive(tmp_path, owner)
    assert (tmp_path / f"{owner}.lock").exists()  # a dead owner leaves its file behind
    assert sweep_owners(tmp_path) == 1
    assert list(tmp_path.iterdir()) == []


def test_another_process_sees_a_live_owner_alive(tmp_path):
    child, owner = start_holder(tmp_path)
    try:
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from saga_desktop.engine._owners import owner_alive; "
                "print(owner_alive(Path(sys.argv[1]), sys.argv[2]))",
                str(tmp_path),
                owner,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        assert probe.stdout.strip() == "True"
        assert sweep_owners(tmp_path) == 0
    finally:
        child.kill()
        child.wait(timeout=10)


def test_unknown_or_malformed_owners_are_dead(tmp_path):
    assert not owner_alive(tmp_path, "")
    assert not owner_alive(tmp_path, "0" * 32)
    assert not owner_alive(tmp_path, "../etc/passwd")
    assert not owner_alive(tmp_path / "missing", "0" * 32)


def test_a_lease_file_planted_as_a_link_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("not a lease\n")
    folder = tmp_path / "owners"
    folder.mkdir()
    (folder / ("a" * 32 + ".lock")).symlink_to(target)

    assert not owner_alive(folder, "a" * 32)
    sweep_owners(folder)

    assert target.read_text() == "not a lease\n"


def test_a_half_made_lease_is_swept_only_once_it_is_old(tmp_path):
    # Its maker opens it, then locks it: in between it is unlocked, yet a live owner's.
    young = tmp_path / ".young.partial"
    young.write_text("")
    old = tmp_path / ".old.partial"
    old.write_text("")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert sweep_owners(tmp_path) == 1

    assert young.exists()
    assert not old.exists()


def test_a_saga_is_never_staged_without_its_owner(tmp_path, monkeypatch):
    from saga_desktop.engine import EventStoreError, SagaStarted, SqliteEventStore

    store = SqliteEventStore(tmp_path / "log.db")
    monkeypatch.setattr(
        "saga_desktop.engine._store.OwnerLease",
        lambda folder: (_ for _ in ()).throw(OSError("no room for a lease")),
    )
    with pytest.raises(EventStoreError, match="no room for a lease"):
        store.stage(SagaStarted("s1", 1.0, "booking", ("A",), {}))
    store.commit()

    assert store.sagas() == []  # not written with an empty owner, to be recovered while alive
