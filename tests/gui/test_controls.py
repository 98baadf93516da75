"""Pause, step, speed, shortcuts, reset, crash and restart, and closing mid-run."""

from __future__ import annotations

import itertools
import time

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    click_run,
    flight,
    run_saga,
    statuses,
    text_of,
    user,
    widget,
    world_state,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QSlider

from saga_desktop.booking import STEP_NAMES, BookingSagaOrchestrator
from saga_desktop.gui.main_window import SPEED_INSTANT, delay_for_speed

SLOWEST = 0  # 2.5 s between two events: nothing moves on its own during a test


def log_has(window, text: str) -> bool:
    return any(text in line for line in window.log.all_lines())


def start_paused(qtbot, window) -> None:
    """Pause first, then Run: the worker holds after SagaStarted."""
    click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert window.pacer.paused
    assert widget(window, "stepButton", QAbstractButton).isEnabled()
    click_run(qtbot, window)
    qtbot.waitUntil(lambda: log_has(window, "[SAGA] Starting booking SAGA"), timeout=RUN_TIMEOUT)
    assert window.busy


def step_once(qtbot, window, expected: dict[str, str]) -> None:
    """Click Step; exactly ``expected`` statuses appear (the rest stay PENDING)."""
    click(qtbot, widget(window, "stepButton", QAbstractButton))
    full = dict.fromkeys(STEP_NAMES, "PENDING") | expected
    qtbot.waitUntil(lambda: statuses(window) == full, timeout=RUN_TIMEOUT)


def slider_to_instant(qtbot, window) -> None:
    slider = widget(window, "speedSlider", QSlider)
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert slider.value() == slider.maximum() == SPEED_INSTANT
    assert text_of(window, "speedLabel") == "Instant"


# -- pause, step, resume ---------------------------------------------------------------


def test_pause_then_step_event_by_event_then_resume_instantly(qtbot, make_window) -> None:
    window = make_window(speed=SLOWEST)
    start_paused(qtbot, window)
    assert set(statuses(window).values()) == {"PENDING"}
    assert not widget(window, "runButton", QAbstractButton).isEnabled()

    step_once(qtbot, window, {"RESERVE_SEAT": "EXECUTING"})
    assert text_of(window, "currentStepLabel") == "Step: RESERVE_SEAT"
    # Paused: nothing moves without another click.
    with qtbot.assertNotEmitted(window.pipeline.card("RESERVE_SEAT").status_changed, wait=150):
        pass
    step_once(qtbot, window, {"RESERVE_SEAT": "COMPLETED"})
    step_once(qtbot, window, {"RESERVE_SEAT": "COMPLETED", "DEDUCT_LOYALTY_POINTS": "EXECUTING"})
    step_once(qtbot, window, {"RESERVE_SEAT": "COMPLETED", "DEDUCT_LOYALTY_POINTS": "COMPLETED"})

    slider_to_instant(qtbot, window)
    started = time.perf_counter()
    with qtbot.waitSignal(window.saga_finished, timeout=5_000) as blocker:
        click(qtbot, widget(window, "pauseButton", QAbstractButton))  # resume
    assert not window.pacer.paused
    assert time.perf_counter() - started < 2.0  # far less than one slow event (2.5 s)
    assert blocker.args[0]["success"] is True
    assert set(statuses(window).values()) == {"COMPLETED"}
    assert not widget(window, "stepButton", QAbstractButton).isEnabled()


def test_step_is_only_enabled_while_paused(qtbot, make_window) -> None:
    window = make_window()
    pause = widget(window, "pauseButton", QAbstractButton)
    step = widget(window, "stepButton", QAbstractButton)
    assert not step.isEnabled()
    click(qtbot, pause)
    assert step.isEnabled()
    assert "Resume" in pause.text()
    click(qtbot, pause)
    assert not step.isEnabled()
    assert "Pause" in pause.text()


# -- speed ------------------------------------------------------------------------------


def test_delay_for_speed_decreases_and_is_zero_only_at_instant() -> None:
    delays = [delay_for_speed(value) for value in range(SPEED_INSTANT + 1)]
    assert all(a > b for a, b in itertools.pairwise(delays))
    assert delays[-1] == 0.0
    assert all(d > 0 for d in delays[:-1])
    assert delays[0] == pytest.approx(2.53)


def test_slider_maximum_is_instant_and_a_run_finishes_quickly(qtbot, make_window) -> None:
    window = make_window(speed=50)
    assert text_of(window, "speedLabel").endswith("s/event")
    slider_to_instant(qtbot, window)
    assert window.pacer.delay == 0.0

    started = time.perf_counter()
    response = run_saga(qtbot, window)
    assert response["success"] is True
    assert time.perf_counter() - started < 3.0


def test_speed_change_takes_effect_mid_wait(qtbot, make_window) -> None:
    window = make_window(speed=SLOWEST)
    click_run(qtbot, window)
    qtbot.waitUntil(lambda: log_has(window, "[SAGA] Starting booking SAGA"), timeout=RUN_TIMEOUT)
    started = time.perf_counter()
    with qtbot.waitSignal(window.saga_finished, timeout=5_000):
        slider_to_instant(qtbot, window)
    # Some twenty events at 2.5 s each would take close to a minute.
    assert time.perf_counter() - started < 2.0


# -- keyboard ---------------------------------------------------------------------------


def test_keyboard_shortcuts_run_pause_and_flip_switches(qtbot, make_window) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
    ctrl = Qt.KeyboardModifier.ControlModifier

    qtbot.keyClick(window, Qt.Key.Key_3, ctrl)
    assert widget(window, "failToggle_process_payment", QCheckBox).isChecked()
    assert window.fault_specs() == {"process_payment": "fail"}

    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_R, ctrl)
    assert blocker.args[0]["failed_step"] == "PROCESS_PAYMENT"

    qtbot.keyClick(window, Qt.Key.Key_3, ctrl)
    assert window.fault_specs() == {}
    qtbot.keyClick(window, Qt.Key.Key_P, ctrl)
    assert window.pacer.paused
    qtbot.keyClick(window, Qt.Key.Key_P, ctrl)
    assert not window.pacer.paused


# -- reset world ------------------------------------------------------------------------


def test_reset_world_after_a_booking_restores_the_defaults(qtbot, make_window, monkeypatch) -> None:
    window = make_window()
    assert run_saga(qtbot, window)["success"]
    assert run_saga(qtbot, window)["success"]
    assert text_of(window, "worldSeats") == "40 of 42 seats left  (−1)"
    asked: list[str] = []

    def question(parent, title, text, *args):
        asked.append(title)
        return QMessageBox.StandardButton.Reset

    monkeypatch.setattr(QMessageBox, "question", question)
    with qtbot.waitSignal(window.reset_requested, timeout=1_000):
        click(qtbot, widget(window, "resetButton", QAbstractButton))
    qtbot.waitUntil(lambda: "42 of 42 seats left" in text_of(window, "worldSeats"))

    assert asked == ["Reset world"]
    # No "(+2)": changes since the last run mean nothing across a reset.
    assert text_of(window, "worldSeats") == "42 of 42 seats left"
    assert text_of(window, "worldPoints") == "5,000 points"
    assert "Consistent" in text_of(window, "worldConsistency")
    assert set(statuses(window).values()) == {"PENDING"}
    state = world_state(window.data_dir)
    assert flight(state)["seats_left"] == 42
    assert user(state)["points"] == 5000
    assert state["bookings"] == {"confirmed": 0, "cancelled": 0}
    # The world starts again from here: the next run shows its own changes.
    assert run_saga(qtbot, window)["success"]
    assert text_of(window, "worldSeats") == "41 of 42 seats left  (−1)"


def test_reset_cancelled_changes_nothing(qtbot, make_window, monkeypatch) -> None:
    window = make_window()
    assert run_saga(qtbot, window)["success"]
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Cancel)

    with qtbot.assertNotEmitted(window.reset_requested, wait=200):
        click(qtbot, widget(window, "resetButton", QAbstractButton))

    assert "41 of 42 seats left" in text_of(window, "worldSeats")
    assert set(statuses(window).values()) == {"COMPLETED"}
    assert world_state(window.data_dir)["bookings"]["confirmed"] == 1


# -- crash and restart ------------------------------------------------------------------


def test_crash_then_restart_recovers_the_saga(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment", "crash")
    restart = widget(window, "restartButton", QAbstractButton)
    run = widget(window, "runButton", QAbstractButton)
    assert not restart.isVisible()

    with qtbot.assertNotEmitted(window.saga_finished):
        click_run(qtbot, window)
        qtbot.waitUntil(lambda: restart.isVisible() and restart.isEnabled(), timeout=RUN_TIMEOUT)
    assert window.banner.property("kind") == "crash"
    assert "Orchestrator crashed" in window.banner.text()
    assert "PROCESS_PAYMENT" in window.banner.text()
    assert not run.isEnabled()
    assert statuses(window) == {
        "RESERVE_SEAT": "COMPLETED",
        "DEDUCT_LOYALTY_POINTS": "COMPLETED",
        "PROCESS_PAYMENT": "COMPLETED",
        "CONFIRM_BOOKING": "PENDING",
    }

    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, restart)
    response = blocker.args[0]

    assert response["success"] is False
    assert [r["step"] for r in response["compensation_result"]["results"]] == [
        "COMPENSATE_PROCESS_PAYMENT",
        "COMPENSATE_DEDUCT_LOYALTY_POINTS",
        "COMPENSATE_RESERVE_SEAT",
    ]
    assert response["dead_letters"] == []
    qtbot.waitUntil(lambda: not restart.isVisible())
    assert run.isEnabled()
    assert statuses(window)["RESERVE_SEAT"] == "COMPENSATED"
    assert "Consistent" in text_of(window, "worldConsistency")
    assert "42 of 42 seats left" in text_of(window, "worldSeats")
    state = world_state(window.data_dir)
    assert state["consistent"]
    assert flight(state)["seats_left"] == 42
    with BookingSagaOrchestrator(window.data_dir) as orchestrator:
        assert orchestrator.store is not None
        assert orchestrator.store.incomplete() == []
