"""The window's tools: File > New saga..., View > Isolation lab, the Metrics tab.

Reached the way a person reaches them (the menu's actions), and shown to work
with the window: a saga saved in the editor opens in the window, the lab runs a
lesson in its own thread and stops with the window, and the Metrics tab counts
the window's sagas and the saga log's history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gui_helpers import arm, run_saga, show_tab
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from saga_desktop._resources import resource_path
from saga_desktop.gui.lab import LabPanel
from saga_desktop.gui.metrics_tab import MetricsTab
from saga_desktop.gui.saga_editor import SagaEditorDialog

TRIP = resource_path("sagas", "trip_booking.saga.toml")


def _outcomes(window: Any) -> dict[str, int]:
    runs = window.metrics.snapshot().runs
    return {outcome: n for (_, outcome), n in runs.items() if n}


def test_file_new_saga_opens_the_editor_and_a_saved_saga_opens_in_the_window(
    qtbot, make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window()
    window.actions_by_key["new_saga"].trigger()
    editor = window.tools.editor
    assert isinstance(editor, SagaEditorDialog)
    qtbot.waitExposed(editor)
    assert editor.isVisible()
    # Start from the gallery's trip booking, save it as a file of one's own.
    editor = window.tools.open_editor(Path(str(TRIP)))
    target = tmp_path / "my_trip.saga.toml"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    asked: list[str] = []

    def question(parent: QWidget, title: str, text: str, *args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Open

    monkeypatch.setattr(QMessageBox, "question", question)
    assert editor.save_as()
    assert target.is_file()
    assert any("my_trip.saga.toml" in text for text in asked)
    successor = window.successor
    assert successor is not None, "the saved saga did not open in the window"
    qtbot.addWidget(successor)
    try:
        assert successor.saga is not None
        assert successor.saga.name == "trip_booking"
        assert successor.pipeline.card("CHARGE_CARD") is not None
    finally:
        successor.shutdown()


def test_view_isolation_lab_opens_the_lab_and_it_stops_with_the_window(qtbot, make_window) -> None:
    window = make_window()
    window.actions_by_key["lab"].trigger()
    lab = window.tools.lab
    assert isinstance(lab, LabPanel)
    qtbot.addWidget(lab)
    qtbot.waitExposed(lab)
    qtbot.waitUntil(lambda: bool(lab._view) and not lab._busy, timeout=10_000)
    assert window.actions_by_key["lab"].shortcut().toString() == "Ctrl+L"
    # The same lab again, not a second one with a second thread.
    window.actions_by_key["lab"].trigger()
    assert window.tools.lab is lab
    window.shutdown()
    assert not lab._thread.isRunning()
    assert not lab.isVisible()


def test_the_metrics_tab_counts_the_windows_sagas_and_the_history(qtbot, make_window) -> None:
    window = make_window()
    run_saga(qtbot, window)
    arm(qtbot, window, "process_payment")
    run_saga(qtbot, window)
    qtbot.waitUntil(lambda: sum(_outcomes(window).values()) == 2, timeout=5_000)
    assert _outcomes(window) == {"completed": 1, "compensated": 1}
    show_tab(qtbot, window, "Metrics")
    tab = window.tools.metrics_page.content()
    assert isinstance(tab, MetricsTab)
    qtbot.waitUntil(tab.isVisible, timeout=5_000)
    qtbot.waitUntil(lambda: not tab.refresh(), timeout=5_000)  # caught up
    data_dir = window.data_dir
    window.close()
    # A new window on the same data directory counts the two sagas from the saga log.
    again = make_window(data_dir=data_dir)
    qtbot.waitUntil(lambda: sum(_outcomes(again).values()) == 2, timeout=10_000)
    assert _outcomes(again) == {"completed": 1, "compensated": 1}
    run_saga(qtbot, again)
    qtbot.waitUntil(lambda: sum(_outcomes(again).values()) == 3, timeout=5_000)


def test_presenter_mode_scales_the_metrics_tab(qtbot, make_window) -> None:
    window = make_window()
    show_tab(qtbot, window, "Metrics")
    tab = window.tools.metrics_page.content()
    before = tab.png_button.font().pointSizeF()
    window.set_presenter_mode(True)
    qtbot.wait(50)
    window.resize(1920, 1080)
    qtbot.wait(50)
    assert tab.png_button.font().pointSizeF() > before
    window.set_presenter_mode(False)


def test_view_metrics_shows_the_metrics_tab_in_presenter_mode(qtbot, make_window) -> None:
    window = make_window()
    window.set_presenter_mode(True)
    qtbot.wait(20)
    assert not window.tabs.isVisible(), "presenter mode hides the developer's tabs"
    window.actions_by_key["metrics"].trigger()
    qtbot.waitUntil(window.tabs.isVisible, timeout=2_000)
    assert window.tabs.currentWidget() is window.tools.metrics_page
    # The charts alone, on the whole screen.
    assert not window.top_splitter.isVisible()
    assert not window.caption.isVisible()
    window.actions_by_key["metrics"].trigger()  # again: back to the cards alone
    qtbot.waitUntil(lambda: not window.tabs.isVisible(), timeout=2_000)
    assert window.top_splitter.isVisible()
    assert window.caption.isVisible()
    window.set_presenter_mode(False)
    assert window.tabs.isVisible()
    assert window.tabs.tabBar().isVisible()
    assert not window.caption.isVisible()
