"""Every part of the window describes the same moment: the live run, a replayed event, a selection.

The banner, the cards, the world panel and the status bar are derived from one
state; each test puts the window in a moment and checks that they all agree.
"""

from __future__ import annotations

from typing import Any

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    click_run,
    run_saga,
    show_tab,
    statuses,
    text_of,
    widget,
)
from PySide6.QtWidgets import QAbstractButton, QPushButton, QTableWidget, QTreeWidget

from saga_desktop.engine import StepSucceeded, event_from_dict
from saga_desktop.gui.main_window import MainWindow


def select_run(qtbot: Any, window: MainWindow, correlation_id: str) -> None:
    show_tab(qtbot, window, "History")
    tree = widget(window, "historyList", QTreeWidget)
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item.text(1) == correlation_id:
            click(qtbot, tree.viewport(), tree.visualItemRect(item).center())
            assert tree.currentItem() is item
            return
    raise AssertionError(f"no history row for {correlation_id}")


def test_a_successful_dead_letter_retry_settles_the_banner(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "reserve_seat", "compensation_fail:forever")
    arm(qtbot, window, "confirm_booking")
    response = run_saga(qtbot, window)
    assert window.banner.property("kind") == "dead"
    assert "stuck in the dead-letter queue" in window.banner.text()

    show_tab(qtbot, window, "Dead letters")
    table = widget(window, "deadLetterTable", QTableWidget)
    click(qtbot, widget(window, "retryDeadLetterButton", QPushButton))
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: window.banner.property("kind") != "dead", timeout=RUN_TIMEOUT)

    text = window.banner.text()
    assert "stuck in the dead-letter queue" not in text
    assert "COMPENSATE_RESERVE_SEAT ✔ on a dead-letter retry" in text
    assert response["correlation_id"] in text_of(window, "correlationLabel")
    # The card of the undone step agrees with the banner now.
    assert statuses(window)["RESERVE_SEAT"] == "COMPENSATED"
    assert "Consistent" in text_of(window, "worldConsistency")


def test_selecting_another_run_shows_that_runs_banner_world_and_status(qtbot, make_window) -> None:
    window = make_window()
    ok = run_saga(qtbot, window)
    arm(qtbot, window, "process_payment")
    failed = run_saga(qtbot, window)
    assert window.banner.property("kind") == "failure"

    select_run(qtbot, window, ok["correlation_id"])

    assert window.banner.property("kind") == "success"
    assert ok["booking_reference"] in window.banner.text()
    assert "PROCESS_PAYMENT" not in window.banner.text()
    assert set(statuses(window).values()) == {"COMPLETED"}
    assert ok["correlation_id"] in text_of(window, "correlationLabel")
    assert failed["correlation_id"] not in text_of(window, "correlationLabel")
    # The figures right after that run: one seat taken, not the two of now.
    assert text_of(window, "worldTitle") == "World after that run"
    assert text_of(window, "worldSeats").startswith("41 of 42 seats left")

    # Back to live: everything describes the last run again.
    click(qtbot, widget(window, "liveButton", QPushButton))
    assert window.banner.property("kind") == "failure"
    assert "PROCESS_PAYMENT" in window.banner.text()
    assert statuses(window)["PROCESS_PAYMENT"] == "FAILED"
    assert failed["correlation_id"] in text_of(window, "correlationLabel")
    assert text_of(window, "worldTitle") == "World"
    assert widget(window, "historyList", QTreeWidget).currentItem() is None


def test_a_replay_at_event_two_does_not_tell_the_end(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment")
    failed = run_saga(qtbot, window)
    events = [event_from_dict(entry) for entry in failed["saga_log"]]
    select_run(qtbot, window, failed["correlation_id"])
    back = widget(window, "replayBackButton", QPushButton)
    while window.replay.position > 2:
        click(qtbot, back)

    text = window.banner.text()
    assert f"event 2 of {len(events)}" in text
    assert "failed" not in text.lower()
    assert "reversed" not in text
    assert window.banner.property("kind") == "running"
    assert statuses(window)["PROCESS_PAYMENT"] == "PENDING"
    assert "(replay)" in text_of(window, "correlationLabel")
    assert text_of(window, "elapsedLabel").startswith(f"Replay 2/{len(events)}")

    # The world panel shows the figures of that event: the seat is held then.
    reserved = next(
        i for i, e in enumerate(events, start=1)
        if isinstance(e, StepSucceeded) and e.step == "RESERVE_SEAT"
    )  # fmt: skip
    forward = widget(window, "replayForwardButton", QPushButton)
    while window.replay.position < reserved:
        click(qtbot, forward)
    assert text_of(window, "worldTitle").startswith(f"World at event {reserved}")
    assert text_of(window, "worldSeats").startswith("41 of 42 seats left")
    assert "in flight" in text_of(window, "worldConsistency")
    # At its end, the replay tells the outcome, and the world is whole again.
    while window.replay.position < len(events):
        click(qtbot, forward)
    assert "Booking failed" in window.banner.text()
    assert text_of(window, "worldSeats").startswith("42 of 42 seats left")


def test_after_a_step_the_banner_no_longer_says_paused_before_the_step(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment")
    window.set_breakpoint("PROCESS_PAYMENT", before_run=True, before_compensation=False)
    click_run(qtbot, window)
    qtbot.waitUntil(window.pause_action.isChecked, timeout=RUN_TIMEOUT)
    assert "before PROCESS_PAYMENT runs" in window.banner.text()

    click(qtbot, widget(window, "stepButton", QAbstractButton))
    qtbot.waitUntil(lambda: statuses(window)["PROCESS_PAYMENT"] == "FAILED", timeout=RUN_TIMEOUT)

    text = window.banner.text()
    assert "before PROCESS_PAYMENT runs" not in text
    assert "Paused" in text
    assert "after event" in text
    assert text_of(window, "currentStepLabel") == "Step: PROCESS_PAYMENT"
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT):
        click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert "Booking failed" in window.banner.text()


@pytest.mark.parametrize("moment", ["live", "selected"])
def test_copy_takes_the_correlation_id_of_the_moment_shown(qtbot, make_window, moment) -> None:
    from PySide6.QtGui import QGuiApplication

    window = make_window()
    first = run_saga(qtbot, window)
    second = run_saga(qtbot, window)
    if moment == "selected":
        select_run(qtbot, window, first["correlation_id"])
    click(qtbot, widget(window, "copyCorrelationButton", QAbstractButton))
    expected = first if moment == "selected" else second
    assert QGuiApplication.clipboard().text() == expected["correlation_id"]


def test_the_timeline_follows_the_moment(qtbot, make_window) -> None:
    window = make_window()
    first = run_saga(qtbot, window)
    show_tab(qtbot, window, "Timeline")
    select_run(qtbot, window, first["correlation_id"])
    assert window.timeline.view.events()[0].correlation_id == first["correlation_id"]

    second = run_saga(qtbot, window)  # live again: the run that just ended
    assert window.timeline.view.events()[0].correlation_id == second["correlation_id"]
