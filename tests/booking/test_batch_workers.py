"""``run_batch_workers``: W sagas at once on real threads; the world adds up for every W."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    BatchPlan,
    BookingSagaOrchestrator,
    InvalidBatchPlan,
    run_batch,
    run_batch_workers,
)


def _opener(data_dir: Path):
    def open_orchestrator() -> BookingSagaOrchestrator:
        return BookingSagaOrchestrator(data_dir, write_logs=False, keep_events=False)

    return open_orchestrator


@settings(max_examples=12, deadline=None)
@given(
    workers=st.integers(1, 6),
    count=st.integers(1, 60),
    rate=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_world_adds_up_for_every_number_of_workers(
    workers: int, count: int, rate: float, seed: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = run_batch_workers(
            _opener(Path(tmp) / "data"), BatchPlan(count, rate, seed), workers
        )
        assert report.consistent, report.violations
        assert report.attempted == count
        assert report.started + report.invalid == count
        assert report.workers == min(workers, count)


def test_the_threads_really_overlap_and_sell_every_seat_once(tmp_path: Path) -> None:
    # More sagas than the 132 seats: four threads compete for the last ones.
    report = run_batch_workers(_opener(tmp_path / "data"), BatchPlan(400, 0.0, 5), 4)
    assert report.consistent
    assert report.confirmed == 132
    assert report.sold_out == 400 - 132


def test_one_worker_runs_what_run_batch_runs(tmp_path: Path) -> None:
    plan = BatchPlan(80, 0.4, 11)
    one = run_batch_workers(_opener(tmp_path / "a"), plan, 1)
    with BookingSagaOrchestrator(tmp_path / "b", write_logs=False, keep_events=False) as o:
        serial = run_batch(o, plan)
    fields = ("confirmed", "compensated", "dead_lettered", "invalid", "sold_out", "faults")
    assert {f: getattr(one, f) for f in fields} == {f: getattr(serial, f) for f in fields}


@pytest.mark.parametrize("workers", [0, -1, 33, True])
def test_a_bad_number_of_workers_is_refused(tmp_path: Path, workers: int) -> None:
    with pytest.raises(InvalidBatchPlan, match="workers must be"):
        run_batch_workers(_opener(tmp_path / "data"), BatchPlan(5, 0.1, 1), workers)
    assert not (tmp_path / "data").exists()
