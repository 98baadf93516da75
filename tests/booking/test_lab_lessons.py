"""The isolation lab's lessons: each anomaly appears on real data, and each cure holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from saga_desktop.booking.lab import (
    COUNTERMEASURES,
    LESSONS,
    LabSaga,
    detect,
    run_lab,
    run_lesson,
)


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_every_countermeasure_is_claimed_one_way_or_the_other(lesson: str) -> None:
    claims = LESSONS[lesson]
    assert sorted(claims.prevented_by + claims.not_prevented_by) == sorted(COUNTERMEASURES)
    assert claims.prevented_by, "a lesson needs a cure"
    assert claims.not_prevented_by, "and at least one that honestly does not cure it"


@pytest.mark.parametrize("lesson", list(LESSONS))
@pytest.mark.parametrize("measure", [None, *COUNTERMEASURES])
def test_a_lesson_behaves_as_it_teaches(lesson: str, measure: str | None) -> None:
    run = run_lesson(LESSONS[lesson], [measure] if measure else [])
    prevents = measure in LESSONS[lesson].prevented_by
    assert run.observed is (not prevents), [a.caption for a in run.anomalies]
    assert run.as_taught
    if prevents:
        assert not any(a.kind == lesson for a in run.anomalies)


def test_a_lost_update_unbalances_the_books_and_the_cure_balances_them() -> None:
    lost = run_lesson(LESSONS["lost_update"])
    assert not lost.run.consistent
    assert any("operations add up to" in v for v in lost.run.violations)
    assert run_lesson(LESSONS["lost_update"], ["commutative_updates"]).run.consistent


def test_a_dirty_read_turns_a_customer_away_for_nothing() -> None:
    run = run_lesson(LESSONS["dirty_read"])
    (anomaly,) = [a for a in run.anomalies if a.kind == "dirty_read"]
    assert anomaly.saga == "B"
    assert "turned the customer away for nothing" in anomaly.caption
    assert run.run.report("B").outcome == "COMPENSATED"
    # The seat is free again at the end: B was refused on A's undone write.
    assert run.run.figures["flights"]["FL123"]["value"] == 1
    cured = run_lesson(LESSONS["dirty_read"], ["semantic_lock"])
    assert cured.run.report("B").outcome == "COMPLETED"


def test_a_fuzzy_read_resurrects_a_cancelled_booking() -> None:
    run = run_lesson(LESSONS["fuzzy_read"])
    assert run.run.figures["bookings"]["BK1"]["status"] == "CONFIRMED"
    assert not run.run.consistent
    cured = run_lesson(LESSONS["fuzzy_read"], ["reread_value"])
    assert cured.run.report("A").outcome == "COMPENSATED"
    assert "changed since it was checked" in str(cured.run.report("A").error)
    assert cured.run.consistent


def test_the_same_schedule_replays_the_same_history(tmp_path: Path) -> None:
    first = run_lesson(LESSONS["lost_update"], directory=tmp_path / "one")
    second = run_lesson(LESSONS["lost_update"], directory=tmp_path / "two")
    assert first.run.history == second.run.history
    assert first.run.schedule == second.run.schedule


def test_a_serial_schedule_shows_no_anomaly(tmp_path: Path) -> None:
    sagas = LESSONS["lost_update"].sagas
    # A runs to its end before B starts: the serial outcome.
    run = run_lab(sagas, "A" * 20, [], tmp_path)
    assert detect(run) == []
    assert run.consistent


def test_a_semantic_lock_makes_the_other_saga_wait(tmp_path: Path) -> None:
    run = run_lesson(LESSONS["fuzzy_read"], ["semantic_lock"], directory=tmp_path)
    events = [(row.saga, row.event, row.record) for row in run.run.history]
    assert ("A", "lock", "BK1") in events
    assert ("B", "wait", "BK1") in events
    # B read the booking only after A had released it.
    assert events.index(("B", "wait", "BK1")) < events.index(("", "unlock", "BK1"))
    assert run.run.consistent


def test_a_deadlock_ends_with_one_saga_giving_up(tmp_path: Path) -> None:
    # A locks user 1 then wants user 2; B locks user 2 then wants user 1.
    sagas = (
        LabSaga("A", "transfer_points", {"sender": "1", "receiver": "2", "points": 500.0}),
        LabSaga("B", "transfer_points", {"sender": "2", "receiver": "1", "points": 500.0}),
    )
    run = run_lab(sagas, "AABB", ["semantic_lock"], tmp_path)
    outcomes = sorted(report.outcome for report in run.sagas)
    assert outcomes == ["COMPENSATED", "COMPLETED"]
    assert any("gave up" in str(report.error) for report in run.sagas)
    assert run.consistent
