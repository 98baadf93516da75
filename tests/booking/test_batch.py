"""Batch runs: plans, reproducible fault draws, counts, sold-out flights, cancel, progress."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    BATCH_FAULTS,
    MAX_SAGAS,
    STEP_KEYS,
    BatchPlan,
    BatchProgress,
    BookingSagaOrchestrator,
    FaultKind,
    InvalidBatchPlan,
    run_batch,
)
from saga_desktop.booking._api import SAGA_LOG_DB
from saga_desktop.engine import SqliteEventStore

SEATS = 42 + 30 + 60  # the default world's three flights


def batch_orchestrator(data_dir: Path) -> BookingSagaOrchestrator:
    """What the command line uses: durable, no text logs, no kept events."""
    return BookingSagaOrchestrator(data_dir, write_logs=False, keep_events=False)


def counts(report):
    data = report.to_dict()
    for key in ("elapsed_seconds", "sagas_per_second"):
        del data[key]
    return data


# -- the plan -------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, -1, -10_000, MAX_SAGAS + 1])
def test_a_plan_runs_from_one_to_max_sagas(count):
    with pytest.raises(
        InvalidBatchPlan, match=f"count must be a whole number from 1 to 10,000,000, not {count}$"
    ):
        BatchPlan(count)
    assert BatchPlan(MAX_SAGAS).count == MAX_SAGAS


def test_an_absurd_count_is_refused_without_printing_it():
    with pytest.raises(InvalidBatchPlan, match=r"not a 31-digit number$"):
        BatchPlan(10**30)


@pytest.mark.parametrize("count", [True, 2.5, "10"])
def test_a_count_is_a_whole_number(count):
    with pytest.raises(InvalidBatchPlan, match="count must be a whole number"):
        BatchPlan(count)


@pytest.mark.parametrize("rate", [-0.01, 1.01, 2, math.nan, math.inf, -math.inf])
def test_a_failure_rate_is_between_0_and_1(rate):
    with pytest.raises(InvalidBatchPlan, match="failure rate must be between 0 and 1"):
        BatchPlan(10, rate)


@pytest.mark.parametrize("rate", [0, 0.0, 0.5, 1, 1.0])
def test_rates_at_the_edges_are_accepted(rate):
    assert BatchPlan(1, rate).failure_rate == rate


def test_the_same_seed_draws_the_same_faults():
    plan = BatchPlan(500, 0.4, seed=11)
    first, again = random.Random(11), random.Random(11)

    assert [plan.draw(first) for _ in range(500)] == [plan.draw(again) for _ in range(500)]


def test_rate_0_draws_nothing_and_rate_1_draws_a_fault_every_time():
    rng = random.Random(5)

    assert all(BatchPlan(1, 0.0).draw(rng) == {} for _ in range(300))
    assert all(BatchPlan(1, 1.0).draw(rng) for _ in range(300))


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32), rate=st.floats(0, 1))
def test_a_draw_is_one_fault_or_an_undo_failure_with_a_later_fail(seed, rate):
    rng = random.Random(seed)
    for _ in range(20):
        plan = BatchPlan(1, rate).draw(rng)
        assert len(plan) <= 2
        assert set(plan) <= set(STEP_KEYS)
        if len(plan) == 1:
            (fault,) = plan.values()
            assert fault in BATCH_FAULTS
            assert fault.kind is not FaultKind.COMPENSATION_FAIL
        elif len(plan) == 2:
            (undo_step, undo), (fail_step, fail) = plan.items()
            assert undo.kind is FaultKind.COMPENSATION_FAIL
            assert undo.times == 1
            assert fail.kind is FaultKind.FAIL
            # The undo only runs when a later step fails.
            assert STEP_KEYS.index(undo_step) < STEP_KEYS.index(fail_step)


def test_every_kind_is_drawn_at_every_step_it_may_take():
    rng = random.Random(0)
    seen = set()
    for _ in range(3_000):
        for key, fault in BatchPlan(1, 1.0).draw(rng).items():
            seen.add((key, fault.kind))

    for kind in (FaultKind.FAIL, FaultKind.TRANSIENT, FaultKind.TIMEOUT):
        assert {(key, kind) for key in STEP_KEYS} <= seen
    assert {(key, FaultKind.COMPENSATION_FAIL) for key in STEP_KEYS[:-1]} <= seen
    assert ("confirm_booking", FaultKind.COMPENSATION_FAIL) not in seen


# -- running a batch ------------------------------------------------------------


def test_counts_add_up_and_the_world_stays_consistent(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(60, 0.5, seed=3))
        snapshot = orchestrator.world.snapshot()

    assert report.attempted == 60
    assert report.confirmed + report.compensated + report.dead_lettered + report.invalid == 60
    assert report.started == 60 - report.invalid
    assert report.invalid == 0
    assert report.dead_lettered == 0  # an undo fails at most once, and is retried
    assert report.confirmed > 0
    assert report.compensated > 0
    assert report.consistent
    assert report.violations == ()
    assert snapshot.consistent
    assert snapshot.bookings["confirmed"] == report.confirmed
    assert not report.cancelled
    assert report.elapsed > 0
    assert report.sagas_per_second > 0


def test_faults_are_counted_by_kind(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(80, 1.0, seed=8))

    assert set(report.faults) == {"fail", "transient", "timeout", "compensation_fail"}
    assert sum(report.faults.values()) == 80
    assert all(count > 0 for count in report.faults.values())


def test_rate_0_confirms_every_saga_while_seats_last(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(30, 0.0, seed=1))

    assert report.confirmed == 30
    assert report.faults == {"fail": 0, "transient": 0, "timeout": 0, "compensation_fail": 0}


def test_when_the_seats_run_out_sagas_are_refused_and_compensated(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(SEATS + 40, 0.0, seed=1))
        flights = orchestrator.world.snapshot().flights

    assert report.confirmed == SEATS
    assert report.compensated == 40
    assert report.sold_out == 40
    assert report.consistent
    assert all(flight["seats_left"] == 0 for flight in flights)


def test_a_full_flight_is_skipped_while_others_have_seats(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        # Flight 456 has 30 seats: fill it, so the batch must find the two others.
        for number in range(30):
            orchestrator.world.seats.reserve(f"pre-{number}:R", f"pre-{number}", 456, 1)
        report = run_batch(orchestrator, BatchPlan(42 + 60 + 5, 0.0, seed=1))

    # The 30 seats taken by hand belong to no booking: the world does not add up, but
    # every seat of the two other flights was booked, and only 456 refused sagas.
    assert report.confirmed == 42 + 60
    assert report.sold_out == 5
    assert report.compensated == 5


def test_two_batches_with_the_same_seed_on_fresh_worlds_end_alike(tmp_path):
    reports = []
    for name in ("one", "two"):
        with batch_orchestrator(tmp_path / name) as orchestrator:
            reports.append(run_batch(orchestrator, BatchPlan(SEATS + 60, 0.3, seed=2024)))

    assert counts(reports[0]) == counts(reports[1])


def test_without_a_seed_one_is_drawn_and_replays_the_batch(tmp_path):
    with batch_orchestrator(tmp_path / "first") as orchestrator:
        first = run_batch(orchestrator, BatchPlan(40, 0.6))
    with batch_orchestrator(tmp_path / "again") as orchestrator:
        again = run_batch(orchestrator, BatchPlan(40, 0.6, seed=first.seed))

    assert isinstance(first.seed, int)
    assert counts(first) == counts(again)


def test_an_invalid_request_is_counted_and_the_batch_goes_on(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        # A flight whose fare is 0 cannot be booked: the world refuses the request.
        orchestrator.world.seats._db.execute("UPDATE flights SET fare_cents = 0 WHERE id = 456")
        report = run_batch(orchestrator, BatchPlan(30, 0.3, seed=4))

    assert report.invalid == 10  # every third saga went to flight 456
    assert report.attempted == 30
    assert report.started == 20
    assert report.consistent


def test_a_world_without_users_refuses_every_saga_and_the_batch_still_ends(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        orchestrator.world.loyalty._db.execute("DELETE FROM users")
        report = run_batch(orchestrator, BatchPlan(12, 0.5, seed=4))
        flights = orchestrator.world.snapshot().flights

    # The request is well formed; the loyalty service knows no such user and says no
    # during the saga, and the seat held before is given back.
    assert report.invalid == 0
    assert report.started == 12
    assert report.confirmed == 0
    assert report.compensated == 12
    assert report.consistent
    assert all(flight["seats_left"] == flight["capacity"] for flight in flights)


def test_a_batch_leaves_no_saga_unfinished_in_the_saga_log(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(50, 0.8, seed=9))
    store = SqliteEventStore(data_dir / SAGA_LOG_DB)
    try:
        sagas = store.sagas()
        assert store.incomplete() == []
        assert len(sagas) == report.started
        assert sum(s.status == "COMPLETED" for s in sagas) == report.confirmed
    finally:
        store.close()


def test_a_world_that_did_not_add_up_is_reported(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        # A seat held by a saga that has no booking: the world does not add up.
        orchestrator.world.seats._db.execute(
            "UPDATE seats SET holder = 'ghost' WHERE flight_id = 789 AND seat_no = '10F'"
        )
        report = run_batch(orchestrator, BatchPlan(5, 0.0, seed=1))

    assert not report.consistent
    assert any("ghost" in v for v in report.violations)
    assert report.to_dict()["consistent"] is False


# -- cancel and progress --------------------------------------------------------


def test_cancel_stops_between_two_sagas_and_the_world_adds_up(data_dir):
    stop = threading.Event()
    seen: list[BatchProgress] = []

    def on_progress(progress: BatchProgress) -> None:
        seen.append(progress)
        if progress.done == 7:
            stop.set()

    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(
            orchestrator, BatchPlan(1_000, 0.7, seed=5), on_progress=on_progress, cancelled=stop
        )
        snapshot = orchestrator.world.snapshot()
        incomplete = orchestrator.store.incomplete()

    assert report.cancelled
    assert report.attempted == 7
    assert report.count == 1_000
    assert report.consistent
    assert snapshot.consistent
    assert incomplete == []
    # The progress after the stop says where the batch ended.
    assert seen[-1].done == 7


def test_cancelled_before_the_first_saga_runs_nothing(data_dir):
    stop = threading.Event()
    stop.set()
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(10, 0.5, seed=1), cancelled=stop)

    assert report.cancelled
    assert report.attempted == 0
    assert report.started == 0
    assert report.consistent


def test_progress_after_every_saga_by_default(data_dir):
    seen: list[BatchProgress] = []
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(12, 0.5, seed=2), on_progress=seen.append)

    assert [p.done for p in seen] == list(range(1, 13))
    assert all(p.total == 12 for p in seen)
    last = seen[-1]
    assert (last.confirmed, last.compensated, last.dead_lettered, last.invalid) == (
        report.confirmed,
        report.compensated,
        report.dead_lettered,
        report.invalid,
    )


def test_progress_is_throttled_by_the_interval_but_the_end_is_always_told(data_dir):
    ticks = iter(range(10_000))
    seen: list[BatchProgress] = []

    with batch_orchestrator(data_dir) as orchestrator:
        run_batch(
            orchestrator,
            BatchPlan(20, 0.2, seed=2),
            on_progress=seen.append,
            progress_interval=5,
            timer=lambda: float(next(ticks)),  # one second per look at the clock
        )

    done = [p.done for p in seen]
    assert done[-1] == 20
    assert len(done) < 20
    assert done == sorted(done)
    assert all(p.elapsed > 0 for p in seen)
    assert seen[0].sagas_per_second > 0


def test_the_report_is_json_ready(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(9, 0.5, seed=6))

    data = json.loads(json.dumps(report.to_dict()))
    assert data["outcomes"] == {
        "confirmed": report.confirmed,
        "compensated": report.compensated,
        "dead_lettered": report.dead_lettered,
    }
    assert data["seed"] == 6
    assert data["count"] == data["attempted"] == 9
    assert data["consistent"] is True
    assert data["violations"] == []


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(count=st.integers(1, 25), rate=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_any_small_batch_adds_up(tmp_path_factory, count, rate, seed):
    data_dir = tmp_path_factory.mktemp("batch")
    with batch_orchestrator(data_dir) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(count, rate, seed=seed))

    assert report.attempted == count
    assert report.confirmed + report.compensated + report.dead_lettered + report.invalid == count
    assert report.consistent, report.violations


def test_a_batch_does_not_touch_other_databases(data_dir):
    with batch_orchestrator(data_dir) as orchestrator:
        run_batch(orchestrator, BatchPlan(3, 0.0, seed=1))

    # No text logs: the saga log (and the world) hold the batch.
    assert not (data_dir / "logs").exists()
    with sqlite3.connect(data_dir / SAGA_LOG_DB) as db:
        assert db.execute("SELECT COUNT(*) FROM sagas").fetchone() == (3,)
