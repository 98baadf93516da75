"""The tool bar: all visible at 1280x800, Pause/Step honest in a batch, a true scenario label."""

from __future__ import annotations

from typing import Any

import pytest
from gui_helpers import RUN_TIMEOUT, arm, click, click_run, run_saga, show_tab, widget
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from saga_desktop.gui.main_window import MainWindow

TOOLBAR_CONTROLS = (
    "runButton",
    "pauseButton",
    "stepButton",
    "speedSlider",
    "scenarioPicker",
    "seedSpin",
    "runAllScenariosButton",
    "resetButton",
)


def _overflow(window: MainWindow) -> QToolButton:
    bar = widget(window, "controlsToolbar", QToolBar)
    extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert extension is not None
    return extension


def _places(window: MainWindow) -> dict[str, tuple[int, int]]:
    bar = widget(window, "controlsToolbar", QToolBar)
    found = {}
    for name in TOOLBAR_CONTROLS:
        control = widget(window, name, QWidget)
        assert control.isVisible(), f"{name} is hidden (in the overflow menu?)"
        corner = control.mapTo(bar, control.rect().topLeft())
        right = corner.x() + control.width()
        assert right <= bar.width(), f"{name} ends at {right}, past the bar's {bar.width()} px"
        found[name] = (corner.x(), right)
    return found


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_after_a_crash_restart_appears_and_nothing_else_moves_or_overflows(
    qtbot, make_window, size: tuple[int, int]
) -> None:
    window = make_window()
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0])
    before = _places(window)
    assert not _overflow(window).isVisible()
    restart = widget(window, "restartButton", QAbstractButton)

    arm(qtbot, window, "process_payment", "crash")
    click_run(qtbot, window)
    qtbot.waitUntil(lambda: restart.isVisible() and restart.isEnabled(), timeout=RUN_TIMEOUT)

    assert not _overflow(window).isVisible()
    assert _places(window) == before
    bar = widget(window, "controlsToolbar", QToolBar)
    corner = restart.mapTo(bar, restart.rect().topLeft())
    assert corner.x() + restart.width() <= before["pauseButton"][0]  # beside Run
    assert restart.accessibleName() == "Restart orchestrator"


def test_pause_and_step_are_off_during_a_batch(qtbot, make_window) -> None:
    window = make_window()
    click(qtbot, widget(window, "pauseButton", QAbstractButton))  # paused before the batch
    assert window.pacer.paused
    show_tab(qtbot, window, "Batch")
    start = widget(window, "batchStartButton", QAbstractButton)
    qtbot.waitUntil(start.isVisible, timeout=RUN_TIMEOUT)
    widget(window, "batchCount", QSpinBox).setValue(200_000)
    pause = widget(window, "pauseButton", QAbstractButton)
    step = widget(window, "stepButton", QAbstractButton)
    seen: list[tuple[bool, bool, str]] = []

    with qtbot.waitSignal(window.batch_finished, timeout=60_000):
        click(qtbot, start)
        qtbot.waitUntil(lambda: window.batch.progress.value() > 0, timeout=60_000)
        seen.append((pause.isEnabled(), step.isEnabled(), pause.text()))
        click(qtbot, widget(window, "batchCancelButton", QAbstractButton))

    assert seen == [(False, False, "⏸ Pause")]
    assert not window.pacer.paused
    assert pause.isEnabled()
    assert not step.isEnabled()


def _pick(window: MainWindow, title: str) -> QComboBox:
    picker = widget(window, "scenarioPicker", QComboBox)
    index = picker.findText(title)
    assert index >= 0, title
    picker.setCurrentIndex(index)
    return picker


def test_a_switch_changed_by_hand_makes_the_scenario_custom(qtbot, make_window) -> None:
    window = make_window()
    picker = _pick(window, "Test 4: Payment Failure")
    assert window.fault_specs() == {"process_payment": "fail"}
    assert "Test 4: Payment Failure" in window.banner.text()

    click(qtbot, widget(window, "failToggle_process_payment", QCheckBox))

    assert window.fault_specs() == {}
    assert picker.currentText() == "Custom (your switches)"
    assert "Test 4" not in window.banner.text()
    assert "Custom" in window.banner.text()
    # A run says it ran under Custom, and the History keeps it.
    response = run_saga(qtbot, window)
    assert response["success"]
    row = window.history.topLevelItem(0)
    assert row.text(5) == "Custom (your switches)"


def test_a_preset_run_is_listed_under_its_scenario(qtbot, make_window) -> None:
    window = make_window()
    _pick(window, "Test 4: Payment Failure")
    run_saga(qtbot, window)
    assert window.history.topLevelItem(0).text(5) == "Test 4: Payment Failure"
    # Changing the switch afterwards does not rewrite what that run ran under.
    arm(qtbot, window, "confirm_booking")
    assert window.history.topLevelItem(0).text(5) == "Test 4: Payment Failure"


def test_the_seed_field_and_the_random_plan_stay_in_step(qtbot, make_window) -> None:
    window = make_window()
    _pick(window, "Random failures (seed)")
    seed: Any = widget(window, "seedSpin", QSpinBox)
    seed.setValue(9)
    assert "seed 9" in window.banner.text()
    plan = window.fault_specs()
    key = next(iter(plan))
    click(qtbot, widget(window, f"failToggle_{key}", QCheckBox))
    assert widget(window, "scenarioPicker", QComboBox).currentText() == "Custom (your switches)"
