"""Whole runs driven by clicks: success, and a failure at each of the four steps."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    STEP_KEYS,
    arm,
    flight,
    run_saga,
    statuses,
    text_of,
    user,
    world_state,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.booking import STEP_NAMES, BookingSagaOrchestrator, parse_kind
from saga_desktop.cli import main
from saga_desktop.gui.main_window import _step_infos
from saga_desktop.gui.pipeline import PipelineFrame as _PipelineFrame
from saga_desktop.gui.pipeline import PipelineView, show_event


def cli_response(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> dict:
    """What ``saga-desktop run --json`` prints for the same faults, on its own world."""
    capsys.readouterr()
    code = main(["run", "--json", "--data-dir", str(data_dir), *args])
    response = json.loads(capsys.readouterr().out)
    assert code == (0 if response["success"] else 1)
    return response


def executed_steps(lines: list[str]) -> list[str]:
    prefix = "[QUEUE] Executing step: "
    return [line.split(prefix, 1)[1].split(" ", 1)[0] for line in lines if prefix in line]


def executed_compensations(lines: list[str]) -> list[str]:
    prefix = "[COMPENSATION] Executing "
    return [line.split(prefix, 1)[1].split(" ", 1)[0] for line in lines if prefix in line]


def test_success_run_completes_every_step(qtbot, make_window, tmp_path, capsys) -> None:
    window = make_window()

    response = run_saga(qtbot, window)

    assert response["success"] is True
    assert response["booking_reference"]
    assert response["steps_completed"] == response["total_steps"] == 4
    assert set(statuses(window).values()) == {"COMPLETED"}
    cid = response["correlation_id"]
    lines = window.log.all_lines()
    assert executed_steps(lines) == list(STEP_NAMES)
    assert executed_compensations(lines) == []
    assert any("[SAGA] Starting booking SAGA with 4 steps" in line for line in lines)
    assert any("[SAGA] SAGA completed: all 4 steps succeeded" in line for line in lines)
    assert all(f"(correlation_id={cid})" in line for line in lines)
    assert "41 of 42 seats left" in text_of(window, "worldSeats")
    assert text_of(window, "worldPoints").startswith("4,000 points")
    assert "Consistent" in text_of(window, "worldConsistency")
    assert window.banner.property("kind") == "success"
    assert response["booking_reference"] in window.banner.text()

    state = world_state(window.data_dir)
    assert state["consistent"]
    assert flight(state)["seats_left"] == 41
    assert user(state)["points"] == 4000
    assert state["bookings"]["confirmed"] == 1

    cli = cli_response(capsys, tmp_path / "cli")
    assert set(response) == set(cli)


@pytest.mark.parametrize("failing", range(4), ids=STEP_KEYS)
def test_failure_at_each_step_compensates_newest_first(
    qtbot, make_window, tmp_path, capsys, failing: int
) -> None:
    window = make_window()
    key, name = STEP_KEYS[failing], STEP_NAMES[failing]
    arm(qtbot, window, key)

    response = run_saga(qtbot, window, timeout=RUN_TIMEOUT)

    done = list(STEP_NAMES[:failing])
    expected = dict.fromkeys(done, "COMPENSATED")
    expected[name] = "FAILED"
    expected.update(dict.fromkeys(STEP_NAMES[failing + 1 :], "PENDING"))
    assert statuses(window) == expected

    undo = [f"COMPENSATE_{step}" for step in reversed(done)]
    assert response["success"] is False
    assert response["failed_step"] == name
    assert "(injected)" in response["error"]
    assert response["steps_completed"] == failing
    assert response["compensation_result"]["total_compensations"] == failing
    assert response["compensation_result"]["successful_compensations"] == failing
    assert [r["step"] for r in response["compensation_result"]["results"]] == undo
    assert response["dead_letters"] == []

    cid = response["correlation_id"]
    lines = window.log.all_lines()
    assert executed_steps(lines) == list(STEP_NAMES[: failing + 1])
    assert executed_compensations(lines) == undo
    assert any(f"[SAGA] ❌ Step {name} failed" in line for line in lines)
    assert all(f"(correlation_id={cid})" in line for line in lines)
    assert cid in text_of(window, "correlationLabel")

    assert "42 of 42 seats left" in text_of(window, "worldSeats")
    assert text_of(window, "worldPoints").startswith("5,000 points")
    assert "Consistent" in text_of(window, "worldConsistency")
    assert window.banner.property("kind") == "failure"
    assert name in window.banner.text()

    state = world_state(window.data_dir)
    assert state["consistent"]
    assert flight(state)["seats_left"] == 42
    assert user(state)["points"] == 5000
    assert state["bookings"]["confirmed"] == 0

    cli = cli_response(capsys, tmp_path / "cli", "--fail", key)
    assert set(response) == set(cli)
    assert set(response["compensation_result"]) == set(cli["compensation_result"])
    assert cli["failed_step"] == name
    assert [r["step"] for r in cli["compensation_result"]["results"]] == undo


def test_transient_failures_are_retried_visibly(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment", "transient:2")

    response = run_saga(qtbot, window)

    assert response["success"] is True
    lines = window.log.all_lines()
    retries = [line for line in lines if "retrying in" in line]
    assert len(retries) == 2
    assert all("PROCESS_PAYMENT" in line and "- WARNING -" in line for line in retries)
    assert any("Executing step: PROCESS_PAYMENT (attempt 3/3)" in line for line in lines)
    assert set(statuses(window).values()) == {"COMPLETED"}
    assert "Consistent" in text_of(window, "worldConsistency")


def test_a_second_run_starts_from_a_clean_pipeline(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "confirm_booking")
    first = run_saga(qtbot, window)
    assert statuses(window)["CONFIRM_BOOKING"] == "FAILED"

    arm(qtbot, window, "reserve_seat")
    second = run_saga(qtbot, window)

    assert second["correlation_id"] != first["correlation_id"]
    assert second["failed_step"] == "RESERVE_SEAT"
    # Nothing of the first run is left on the cards.
    assert statuses(window) == {
        "RESERVE_SEAT": "FAILED",
        "DEDUCT_LOYALTY_POINTS": "PENDING",
        "PROCESS_PAYMENT": "PENDING",
        "CONFIRM_BOOKING": "PENDING",
    }


FAULT_KINDS = [
    "fail",
    "transient:1",
    "transient:5",
    "timeout",
    "compensation_fail:1",
    "compensation_fail:forever",
]


def test_frames_show_what_replaying_every_event_shows(qtbot, tmp_path) -> None:
    """At Instant speed the window shows a frame's last state; it must equal a full replay."""
    views = []
    for _ in range(2):
        view = PipelineView(_step_infos())
        qtbot.addWidget(view)
        view.set_animation_duration(0)
        views.append(view)
    direct, framed = views
    orchestrator = BookingSagaOrchestrator(tmp_path, durable=False, write_logs=False)
    request = orchestrator.validate(
        {
            "flight_id": 123,
            "user_id": 1,
            "total_fare": 10,
            "passengers": [{"first_name": "Ada", "last_name": "Lovelace"}],
        }
    )

    @settings(max_examples=30, deadline=None)
    @given(
        plan=st.dictionaries(st.sampled_from(STEP_KEYS), st.sampled_from(FAULT_KINDS)),
        cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=5),
    )
    def check(plan: dict[str, str], cuts: list[int]) -> None:
        faults = {key: parse_kind(spec) for key, spec in plan.items()}
        events = list(orchestrator.run(request, faults).events)
        for event in events:
            show_event(direct, event)
        bounds = [0, *sorted(cuts), len(events)]
        for start, end in itertools.pairwise(bounds):
            frame = _PipelineFrame()
            for event in events[start:end]:
                show_event(frame, event)
            frame.apply(framed)
        assert look(framed) == look(direct)

    try:
        check()
    finally:
        orchestrator.close()


def look(view: PipelineView) -> tuple[dict[str, tuple[str, str, str]], bool]:
    cards = {
        name: (card.property("status"), card.note(), card.attempt_text())
        for name, card in view.cards().items()
    }
    return cards, view.is_compensating()
