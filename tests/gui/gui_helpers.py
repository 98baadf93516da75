"""Helpers shared by the GUI tests: find controls, click them, run a saga, read the world.

Tests drive the window the way a person does (clicks and shortcuts); the database is
only read after a saga finished, to cross-check what the window shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QLabel,
    QTreeWidget,
    QWidget,
)

from saga_desktop.booking import STEP_NAMES, FlightWorld, step_key
from saga_desktop.gui.main_window import MainWindow

#: Milliseconds to wait for one saga at Instant speed (generous: shared machines).
RUN_TIMEOUT = 10_000

STEP_KEYS = tuple(step_key(name) for name in STEP_NAMES)


def widget(window: MainWindow, name: str, kind: type[QWidget] = QWidget) -> Any:
    """The child called ``name`` (fails the test when there is none)."""
    found = window.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name!r}"
    return found


def click(qtbot: Any, button: QWidget, pos: QPoint | None = None) -> None:
    """A left click in the middle of ``button`` (or at ``pos``)."""
    assert button.isVisible(), f"{button.objectName()} is not visible"
    if pos is None:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)


def click_run(qtbot: Any, window: MainWindow) -> None:
    """Click the Run tool button (it triggers the run action)."""
    run = widget(window, "runButton", QAbstractButton)
    assert run.isEnabled(), "Run is disabled"
    click(qtbot, run)


def run_saga(qtbot: Any, window: MainWindow, timeout: int = RUN_TIMEOUT) -> dict[str, Any]:
    """Click Run and return the response that ``saga_finished`` carries."""
    with qtbot.waitSignal(window.saga_finished, timeout=timeout) as blocker:
        click_run(qtbot, window)
    response: dict[str, Any] = blocker.args[0]
    return response


def statuses(window: MainWindow) -> dict[str, str]:
    """Every card's ``status`` property, by step name, in pipeline order."""
    return {name: widget(window, f"stepNode_{name}").property("status") for name in STEP_NAMES}


def arm(qtbot: Any, window: MainWindow, key: str, spec: str = "fail") -> None:
    """Click the fail switch of step ``key`` on, then pick the fault kind ``spec``."""
    toggle = widget(window, f"failToggle_{key}", QCheckBox)
    if not toggle.isChecked():
        click(qtbot, toggle)
    assert toggle.isChecked(), f"clicking failToggle_{key} did not switch it on"
    combo = widget(window, f"faultKind_{key}", QComboBox)
    assert combo.isEnabled()
    index = combo.findData(spec)
    assert index >= 0, f"no fault kind {spec!r}"
    combo.setCurrentIndex(index)
    assert window.fault_specs()[key] == spec


def text_of(window: MainWindow, name: str) -> str:
    """The text of the label called ``name``."""
    return str(widget(window, name, QLabel).text())


def history_rows(window: MainWindow) -> list[list[str]]:
    """The history's rows, newest first, as lists of cell texts."""
    tree = widget(window, "historyList", QTreeWidget)
    return [
        [tree.topLevelItem(row).text(column) for column in range(tree.columnCount())]
        for row in range(tree.topLevelItemCount())
    ]


def world_state(data_dir: Path) -> dict[str, Any]:
    """The world as the databases hold it (read only after a saga finished)."""
    with FlightWorld(data_dir) as world:
        state: dict[str, Any] = world.snapshot().to_dict()
    return state


def flight(state: dict[str, Any], flight_id: int = 123) -> dict[str, Any]:
    return next(f for f in state["flights"] if f["id"] == flight_id)


def user(state: dict[str, Any], user_id: int = 1) -> dict[str, Any]:
    return next(u for u in state["users"] if u["id"] == user_id)


def show_tab(qtbot: Any, window: MainWindow, title: str) -> None:
    """Click the bottom tab whose title starts with ``title``."""
    tabs = window.tabs
    index = next(i for i in range(tabs.count()) if tabs.tabText(i).startswith(title))
    bar = tabs.tabBar()
    click(qtbot, bar, bar.tabRect(index).center())
    assert tabs.currentIndex() == index
