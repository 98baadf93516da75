"""A lab run advanced by hand: the same turns give what run_lab gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from saga_desktop.booking.lab import LESSONS, LabSession, run_lab


def test_advancing_by_hand_replays_the_lesson(tmp_path: Path) -> None:
    lesson = LESSONS["dirty_read"]
    whole = run_lab(lesson.sagas, lesson.schedule, [], tmp_path / "whole")
    session = LabSession(lesson.sagas, [], tmp_path / "hand")
    try:
        for label in lesson.schedule:
            session.advance(label)
        run, anomalies = session.snapshot()
        # B was refused, but A has not given the seat back yet: not dirty, so far.
        assert anomalies == ()
        assert run.report("A").outcome == "RUNNING"
        assert run.report("B").outcome == "RUNNING"
        while session.live():
            for label in session.live():
                session.advance(label)
        run, anomalies = session.snapshot()
        assert [a.kind for a in anomalies] == ["dirty_read"]
        assert session.finished
        assert run.history == whole.history
        assert session.advance("A") is None
        with pytest.raises(ValueError, match="no saga 'Z'"):
            session.advance("Z")
    finally:
        session.close()


def test_closing_midway_unwinds_the_waiting_sagas(tmp_path: Path) -> None:
    session = LabSession(LESSONS["fuzzy_read"].sagas, ["semantic_lock"], tmp_path)
    session.advance("A")
    session.close()
    assert all(not thread.is_alive() for thread in session._threads)
