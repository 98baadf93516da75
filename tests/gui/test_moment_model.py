"""The window's state model without Qt: which moment is shown, and what is said of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from saga_desktop.booking import DEFAULT_BOOKING, BookingSagaOrchestrator, parse_plan
from saga_desktop.engine import SagaEvent
from saga_desktop.gui.moment import LIVE, Activity, Moment, WindowState
from saga_desktop.gui.moment_text import banner, status, world_view


def test_the_model_imports_no_qt() -> None:
    code = (
        "import sys, saga_desktop.gui.moment_text as m; "
        "sys.exit('PySide6' in sys.modules or 'shiboken6' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def _run(tmp_path: Path, plan: dict[str, str], n: int = 1) -> tuple[list[list[SagaEvent]], dict]:
    with BookingSagaOrchestrator(tmp_path / "data") as orchestrator:
        before = orchestrator.world.snapshot(orchestrator.store).to_dict()
        before["dead_letters"] = []
        request = orchestrator.validate(dict(DEFAULT_BOOKING))
        runs = [list(orchestrator.run(request, parse_plan(plan)).events) for _ in range(n)]
    return runs, before


def _live(state: WindowState, events: list[SagaEvent], before: dict) -> None:
    state.start(Activity.SAGA, {"faults": {}, "scenario": "Custom", "world_before": before})
    state.take_events(events)
    from saga_desktop.gui.moment import response_from_events

    state.finish(response_from_events(events), before, events[-1].at)
    state.activity = Activity.IDLE


@pytest.fixture
def payment_fails(tmp_path: Path) -> tuple[WindowState, list[SagaEvent]]:
    (events,), before = _run(tmp_path, {"process_payment": "fail"})
    state = WindowState()
    state.world = before
    _live(state, events, before)
    return state, events


def test_the_live_banner_is_the_live_runs_outcome(payment_fails) -> None:
    state, events = payment_fails
    said = banner(state)
    assert said.kind == "failure"
    assert "PROCESS_PAYMENT" in said.html
    assert status(state, 1.0).correlation_id == events[0].correlation_id


def test_a_replay_says_only_what_happened_up_to_its_event(payment_fails) -> None:
    state, events = payment_fails
    cid = events[0].correlation_id
    for position in range(len(events)):
        state.moment = Moment("replay", cid, position, len(events))
        said = banner(state)
        assert "failed" not in said.html.lower(), position
        assert f"event {position} of {len(events)}" in said.html
    state.moment = Moment("replay", cid, len(events), len(events))
    assert "Booking failed" in banner(state).html
    view = world_view(state)
    assert not view.live
    assert view.title.startswith("World at event")


def test_a_settled_dead_letter_is_said_settled(tmp_path: Path) -> None:
    plan = {"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"}
    with BookingSagaOrchestrator(tmp_path / "data") as orchestrator:
        request = orchestrator.validate(dict(DEFAULT_BOOKING))
        result = orchestrator.run(request, parse_plan(plan))
        heard: list[SagaEvent] = []
        orchestrator.listeners.append(heard.append)
        (letter,) = orchestrator.dead_letters()
        assert orchestrator.retry_dead_letter(letter)
    state = WindowState()
    state.world = {"dead_letters": [letter.to_dict()]}
    _live(state, list(result.events), {})
    assert banner(state).kind == "dead"

    state.take_events(heard)
    state.world = {"dead_letters": []}

    said = banner(state)
    assert said.kind == "failure"
    assert "✔ on a dead-letter retry" in said.html
    assert state.moment == LIVE


def test_a_notice_speaks_until_a_run_ends(payment_fails) -> None:
    state, _ = payment_fails
    state.notice = None
    state.start(Activity.BATCH)
    assert banner(state).kind == "running"
    state.activity = Activity.IDLE
    assert banner(state).kind == "failure"  # no notice: the live run's outcome
