"""Failure switches during a run (issue 13, item 1): what the card shows is what the run does.

A switch of a step the run has not reached counts in this run; a switch of a step
that has started cannot change (Ctrl+N included), and the card says which.
"""

from __future__ import annotations

from gui_helpers import RUN_TIMEOUT, click, click_run, statuses, widget
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox


def _pause_before_payment(qtbot, window) -> None:
    window.set_breakpoint("PROCESS_PAYMENT", before_run=True, before_compensation=False)
    click_run(qtbot, window)
    qtbot.waitUntil(window.pause_action.isChecked, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: statuses(window)["PROCESS_PAYMENT"] == "EXECUTING")


def _shortcut(window, number: int) -> QAction:
    action = window.findChild(QAction, f"toggleFailAction_{number}")
    assert action is not None
    return action


def test_a_switch_of_a_step_still_to_come_counts_in_this_run(qtbot, make_window) -> None:
    window = make_window()
    _pause_before_payment(qtbot, window)
    confirm = widget(window, "failToggle_confirm_booking", QCheckBox)
    assert confirm.isEnabled(), "the run has not reached CONFIRM_BOOKING: its switch may change"
    assert "counts in this run" in confirm.toolTip()

    _shortcut(window, 4).trigger()  # Ctrl+4

    assert confirm.isChecked()
    note = window.pipeline.card("CONFIRM_BOOKING").run_note()
    assert "counts in this run" in note
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, widget(window, "pauseButton", QAbstractButton))  # resume
    response = blocker.args[0]
    assert response["success"] is False
    assert response["failed_step"] == "CONFIRM_BOOKING"
    assert statuses(window)["CONFIRM_BOOKING"] == "FAILED"
    # The History keeps the faults the run really went by.
    record = window.state.runs[response["correlation_id"]]
    assert record.faults == {"confirm_booking": "fail"}


def test_a_switch_of_a_step_that_has_run_cannot_change(qtbot, make_window) -> None:
    window = make_window()
    _pause_before_payment(qtbot, window)
    for key, number in (("reserve_seat", 1), ("process_payment", 3)):
        toggle = widget(window, f"failToggle_{key}", QCheckBox)
        assert not toggle.isEnabled()
        assert "has run" in toggle.toolTip()

        _shortcut(window, number).trigger()

        assert not toggle.isChecked(), f"Ctrl+{number} flipped a greyed-out switch"
    assert not widget(window, "faultKind_reserve_seat", QComboBox).isEnabled()
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert blocker.args[0]["success"] is True
    # Idle again: every switch may change for the next run.
    qtbot.waitUntil(lambda: widget(window, "failToggle_reserve_seat", QCheckBox).isEnabled())


def test_a_change_the_worker_beat_to_is_put_back(qtbot, make_window) -> None:
    # The card still shows PENDING, but the worker has started the step: the plan
    # refuses the change and the card goes back to what the step runs with.
    window = make_window()
    _pause_before_payment(qtbot, window)
    plan = window.run_faults._plan
    assert plan is not None
    plan.get_started("confirm_booking")  # as the worker does when the step starts

    _shortcut(window, 4).trigger()

    confirm = widget(window, "failToggle_confirm_booking", QCheckBox)
    assert not confirm.isChecked()
    assert not confirm.isEnabled()
    assert "Already run" in window.pipeline.card("CONFIRM_BOOKING").run_note()
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert blocker.args[0]["success"] is True
