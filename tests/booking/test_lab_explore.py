"""Exploring random interleavings: the anomalies are found, and the cures hold for all."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_desktop.booking.lab import ANOMALIES, LESSONS, detect, explore, explore_one

#: Countermeasure → the anomalies it claims to prevent, from the lessons.
CLAIMS = {
    measure: {lesson.anomaly for lesson in LESSONS.values() if measure in lesson.prevented_by}
    for lesson in LESSONS.values()
    for measure in lesson.prevented_by
}


def test_500_schedules_of_3_sagas_find_every_anomaly_the_lessons_name() -> None:
    report = explore(3, 500, seed=7)
    assert set(report.anomalies) == set(ANOMALIES)
    assert all(report.anomalies[kind] > 0 for kind in ANOMALIES), report.anomalies
    for kind in ANOMALIES:
        first = report.first[kind]
        # The first of each kind replays from its seed and index alone.
        _, run, found = explore_one(first["seed"], first["index"], 3, (), Path(_tmp(kind)))
        assert "".join(run.schedule) == first["schedule"]
        assert kind in {a.kind for a in found}


def _tmp(kind: str) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=f"lab-replay-{kind}-")


@pytest.mark.parametrize("measure", sorted(CLAIMS))
def test_a_countermeasure_that_claims_an_anomaly_shows_none_of_it(measure: str) -> None:
    report = explore(3, 150, seed=11, countermeasures=[measure])
    for kind in CLAIMS[measure]:
        assert report.anomalies[kind] == 0, (measure, kind, report.first.get(kind))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    index=st.integers(0, 1000),
    count=st.integers(2, 4),
    measure=st.sampled_from(sorted(CLAIMS)),
)
def test_random_schedules_with_a_cure_show_no_anomaly_it_claims(
    tmp_path_factory: pytest.TempPathFactory, seed: int, index: int, count: int, measure: str
) -> None:
    directory = tmp_path_factory.mktemp("lab")
    _, run, found = explore_one(seed, index, count, [measure], directory)
    assert not {a.kind for a in found} & CLAIMS[measure], [a.caption for a in found]
    if {"lost_update", "fuzzy_read"} <= CLAIMS[measure]:
        assert run.consistent, run.violations


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), index=st.integers(0, 1000), count=st.integers(1, 4))
def test_with_semantic_locks_every_schedule_balances_the_books(
    tmp_path_factory: pytest.TempPathFactory, seed: int, index: int, count: int
) -> None:
    directory = tmp_path_factory.mktemp("lab")
    _, run, found = explore_one(seed, index, count, ["semantic_lock"], directory)
    assert found == []
    assert run.consistent, run.violations
    assert detect(run) == found
