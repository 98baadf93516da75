"""Recovery racing live processes: only sagas whose owner died are undone, each once.

A real ``saga-desktop batch`` runs while ``recover`` is called again and again on
the same data directory (in process, as the CLI and the API do): not one of the
batch's sagas may be undone, none may get two ends, and no recovery may fail.
Then a batch is killed with SIGKILL and two recoverers race for its orphans: each
orphan is recovered exactly once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    FlightWorld,
)
from saga_desktop.cli import main
from saga_desktop.engine import SimulatedCrash, SqliteEventStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")


def batch(data_dir: Path, count: int, seed: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "saga_desktop",
            "--data-dir",
            str(data_dir),
            "batch",
            "--count",
            str(count),
            "--failure-rate",
            "0.4",
            "--seed",
            str(seed),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def ends_by_saga(data_dir: Path) -> Counter[str]:
    """How many end events (completed or compensated) each saga has in the saga log."""
    store = SqliteEventStore(data_dir / "saga_log.db", create=False)
    try:
        rows = store._read(  # the events table itself, not its projection
            "SELECT correlation_id FROM events WHERE type IN ('SagaCompleted', 'SagaCompensated')"
        )
    finally:
        store.close()
    return Counter(cid for (cid,) in rows)


def check_books(data_dir: Path) -> None:
    """No saga open, none with two ends, the world adds up, the log agrees with it."""
    with BookingSagaOrchestrator(data_dir, write_logs=False) as booking:
        assert booking.store is not None
        assert booking.store.incomplete() == []
        sagas = booking.store.sagas(limit=10**9)
        completed = {s.correlation_id for s in sagas if s.status == "COMPLETED"}
        assert completed == set(booking.world.bookings.confirmed_by_saga())
        assert booking.world.violations() == []
    twice = [cid for cid, ends in ends_by_saga(data_dir).items() if ends > 1]
    assert twice == []


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_recovery_in_a_loop_never_undoes_a_live_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    FlightWorld(data_dir).close()  # made before the race, as a user's data directory is
    child = batch(data_dir, 8000, seed=11)
    recoveries = 0
    try:
        while child.poll() is None:
            code = main(["recover", "--data-dir", str(data_dir), "--json"])
            out, err = capsys.readouterr()
            assert (code, err) == (0, ""), err
            assert json.loads(out) == []  # nothing of the live batch is taken over
            recoveries += 1
    finally:
        child.kill()
    stderr = child.stderr.read().decode() if child.stderr else ""
    assert child.wait() == 0, stderr
    assert recoveries >= 50, recoveries
    check_books(data_dir)


def make_orphans(data_dir: Path, count: int) -> set[str]:
    """Sagas whose orchestrator "crashed" after a step (each gives its saga up as it dies)."""
    steps = ("reserve_seat", "deduct_loyalty_points", "process_payment", "confirm_booking")
    orphans = set()
    with BookingSagaOrchestrator(data_dir, write_logs=False) as booking:
        for number in range(count):
            # Each orphan holds its seat until it is recovered: the flights in turn.
            flight = (123, 456, 789)[number % 3]
            request = booking.validate(
                {
                    **DEFAULT_BOOKING,
                    "flight_id": flight,
                    "total_fare": 900,
                    "loyalty_points_to_use": 0,
                }
            )
            with pytest.raises(SimulatedCrash):
                booking.run(request, {steps[number % 4]: Fault(FaultKind.CRASH)})
        assert booking.store is not None
        orphans = set(booking.store.in_flight().interrupted)
    assert len(orphans) == count
    return orphans


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_recoverers_racing_for_orphans_recover_each_saga_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    orphans = make_orphans(data_dir, 90)

    recoverers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "saga_desktop",
                "--data-dir",
                str(data_dir),
                "recover",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [recoverer.communicate(timeout=120) for recoverer in recoverers]
    assert [r.returncode for r in recoverers] == [0, 0], outputs
    recovered = [[response["correlation_id"] for response in json.loads(out)] for out, _ in outputs]

    assert Counter(recovered[0] + recovered[1]) == Counter(orphans)  # each once, all of them
    check_books(data_dir)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_orphans_of_a_killed_process_are_recovered_while_a_batch_runs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    orphans = make_orphans(data_dir, 20)
    child = batch(data_dir, 4000, seed=3)
    try:
        with BookingSagaOrchestrator(data_dir, write_logs=False) as booking:
            recovered = {result.correlation_id for result in booking.recover()}
            while child.poll() is None:
                recovered |= {result.correlation_id for result in booking.recover()}
    finally:
        child.kill()
    assert child.wait() == 0

    assert recovered == orphans  # the orphans, and not one of the batch's sagas
    check_books(data_dir)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_state_polled_during_a_batch_never_calls_sagas_in_flight_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    FlightWorld(data_dir).close()
    child = batch(data_dir, 6000, seed=8)
    polls = inconsistent = 0
    try:
        while child.poll() is None:
            code = main(["state", "--data-dir", str(data_dir), "--json"])
            out, err = capsys.readouterr()
            assert err == "", err
            polls += 1
            inconsistent += code != 0 or not json.loads(out)["consistent"]
    finally:
        child.kill()
    assert child.wait() == 0
    assert polls >= 20, polls
    assert inconsistent == 0


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_batches_side_by_side_both_find_the_world_consistent(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    FlightWorld(data_dir).close()
    children = [batch(data_dir, 3000, seed=seed) for seed in (1, 2)]
    codes = [child.wait(timeout=200) for child in children]
    errors = [child.stderr.read().decode() if child.stderr else "" for child in children]

    assert codes == [0, 0], errors
    check_books(data_dir)
