"""History of runs, the dead-letter queue, the status bar and accessible names."""

from __future__ import annotations

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    history_rows,
    run_saga,
    show_tab,
    statuses,
    text_of,
    widget,
    world_state,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTreeWidget,
)

from saga_desktop.booking import STEP_NAMES

# -- history ----------------------------------------------------------------------------


def test_each_run_adds_a_history_row(qtbot, make_window) -> None:
    window = make_window()
    ok = run_saga(qtbot, window)
    arm(qtbot, window, "process_payment")
    failed = run_saga(qtbot, window)

    rows = history_rows(window)
    assert len(rows) == 2
    newest, oldest = rows
    assert newest[1:4] == [failed["correlation_id"], "Compensated", "PROCESS_PAYMENT"]
    assert oldest[1:4] == [ok["correlation_id"], "Completed", ""]
    assert newest[4].endswith(" s")


def test_selecting_a_row_shows_that_runs_log(qtbot, make_window) -> None:
    window = make_window()
    ok = run_saga(qtbot, window)
    arm(qtbot, window, "deduct_loyalty_points")
    failed = run_saga(qtbot, window)
    show_tab(qtbot, window, "History")
    tree = widget(window, "historyList", QTreeWidget)
    detail = widget(window, "historyDetail", QPlainTextEdit)

    for row, response in ((1, ok), (0, failed)):
        item = tree.topLevelItem(row)
        click(qtbot, tree.viewport(), tree.visualItemRect(item).center())
        assert tree.currentItem() is item
        text = detail.toPlainText()
        cid = response["correlation_id"]
        assert f"correlation_id: {cid}" in text
        log = [line for line in text.splitlines() if " - [saga_desktop" in line]
        assert log
        assert all(line.endswith(f"(correlation_id={cid})") for line in log)
        assert "saga_log" not in text

    assert "failed_step: DEDUCT_LOYALTY_POINTS" in detail.toPlainText()
    assert "COMPENSATE_RESERVE_SEAT" in detail.toPlainText()


# -- dead letters -----------------------------------------------------------------------


@pytest.fixture
def dead_lettered(qtbot, make_window):
    """A window after a saga whose seat release failed for ever."""
    window = make_window()
    arm(qtbot, window, "reserve_seat", "compensation_fail:forever")
    arm(qtbot, window, "confirm_booking")
    response = run_saga(qtbot, window)
    return window, response


def test_a_stuck_compensation_is_dead_lettered(qtbot, dead_lettered) -> None:
    window, response = dead_lettered
    assert response["outcome"] == "DEAD_LETTERED"
    assert response["dead_letters"] == ["COMPENSATE_RESERVE_SEAT"]
    assert window.banner.property("kind") == "dead"
    assert statuses(window) == {
        "RESERVE_SEAT": "FAILED",
        "DEDUCT_LOYALTY_POINTS": "COMPENSATED",
        "PROCESS_PAYMENT": "COMPENSATED",
        "CONFIRM_BOOKING": "FAILED",
    }
    table = widget(window, "deadLetterTable", QTableWidget)
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == response["correlation_id"]
    assert table.item(0, 1).text() == "COMPENSATE_RESERVE_SEAT"
    assert window.tabs.tabText(window.tabs.indexOf(table.parentWidget())) == "Dead letters (1)"
    assert "Inconsistent" in text_of(window, "worldConsistency")
    assert text_of(window, "worldDeadLetters") == "1 open"
    assert any("[DLQ] COMPENSATE_RESERVE_SEAT" in line for line in window.log.all_lines())
    assert history_rows(window)[0][2] == "Dead lettered"
    assert not world_state(window.data_dir)["consistent"]


def test_retrying_a_dead_letter_heals_the_world(qtbot, dead_lettered) -> None:
    window, _ = dead_lettered
    show_tab(qtbot, window, "Dead letters")
    table = widget(window, "deadLetterTable", QTableWidget)
    retry = widget(window, "retryDeadLetterButton", QPushButton)
    assert retry.isEnabled()

    click(qtbot, retry)
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: "Consistent" in text_of(window, "worldConsistency"))

    assert not retry.isEnabled()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Dead letters"
    assert text_of(window, "worldSeats") == "42 of 42 seats left"
    assert any("left the dead-letter queue" in line for line in window.log.all_lines())
    state = world_state(window.data_dir)
    assert state["consistent"]


def test_resolving_a_dead_letter_by_hand_empties_the_queue(qtbot, dead_lettered) -> None:
    window, _ = dead_lettered
    show_tab(qtbot, window, "Dead letters")
    table = widget(window, "deadLetterTable", QTableWidget)
    click(qtbot, widget(window, "resolveDeadLetterButton", QPushButton))
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=RUN_TIMEOUT)
    assert text_of(window, "worldDeadLetters") == "none"
    assert any("marked resolved by hand" in line for line in window.log.all_lines())


# -- status bar -------------------------------------------------------------------------


def test_status_bar_shows_and_copies_the_correlation_id(qtbot, make_window) -> None:
    window = make_window()
    QGuiApplication.clipboard().clear()
    first = run_saga(qtbot, window)
    second = run_saga(qtbot, window)

    label = text_of(window, "correlationLabel")
    assert second["correlation_id"] in label
    assert first["correlation_id"] not in label
    click(qtbot, widget(window, "copyCorrelationButton", QAbstractButton))
    assert QGuiApplication.clipboard().text() == second["correlation_id"]


# -- accessibility ----------------------------------------------------------------------

CONTROLS = [
    "runButton",
    *(f"failToggle_{name.lower()}" for name in STEP_NAMES),
    "speedSlider",
    "pauseButton",
    "stepButton",
    "resetButton",
    "logPane",
    "worldPanel",
    "historyList",
    *(f"stepNode_{name}" for name in STEP_NAMES),
]


@pytest.mark.parametrize("name", CONTROLS)
def test_every_control_has_an_accessible_name_and_a_tooltip(make_window, name: str) -> None:
    window = make_window()
    control = widget(window, name)
    assert control.accessibleName().strip(), f"{name} has no accessible name"
    assert control.toolTip().strip(), f"{name} has no tooltip"
