"""The Lab window driven by clicks: advance A, advance B, the anomaly caption appears."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from saga_desktop.gui.lab import LabPanel


@pytest.fixture
def panel(qtbot) -> Iterator[LabPanel]:
    widget = LabPanel()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitUntil(lambda: bool(widget._view) and not widget._busy, timeout=10_000)
    yield widget
    widget.shutdown()


def _choose(qtbot, panel: LabPanel, lesson: str, *cures: str) -> None:
    panel.lesson_box.setCurrentIndex(panel.lesson_box.findData(lesson))
    for cure in cures:
        panel.switches[cure].setChecked(True)
    qtbot.waitUntil(
        lambda: (
            panel._view.get("lesson") == lesson
            and panel._view.get("countermeasures") == list(cures)
            and not panel._busy
        ),
        timeout=10_000,
    )


def _click(qtbot, panel: LabPanel, label: str) -> None:
    taken = len(panel._view["schedule"])
    qtbot.mouseClick(panel.advance_buttons[label], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: len(panel._view["schedule"]) > taken and not panel._busy, timeout=10_000
    )


def _finish(qtbot, panel: LabPanel) -> None:
    while (label := panel.next_label()) is not None:
        _click(qtbot, panel, label)


def test_advance_a_advance_b_and_the_dirty_read_is_named(qtbot, panel: LabPanel) -> None:
    _choose(qtbot, panel, "dirty_read")
    for label in "AAB":
        _click(qtbot, panel, label)
    assert (
        panel.findChild(type(panel.caption), "lab_caption").text().startswith("No anomaly so far")
    )
    _finish(qtbot, panel)
    assert "a dirty read" in panel.caption.text()
    assert panel.caption.property("anomaly") is True
    chip = panel.lanes.chips[("B", "RESERVE_SEAT")]
    assert chip.property("state") == "failed"
    assert "seats FL123: 1 at first → 0 by A → 1 by A (undo)" in panel.shared.toPlainText()
    assert not panel.advance_buttons["A"].isEnabled()


def test_with_the_semantic_lock_the_same_clicks_show_no_anomaly(qtbot, panel: LabPanel) -> None:
    _choose(qtbot, panel, "dirty_read", "semantic_lock")
    for label in "AAB":
        _click(qtbot, panel, label)
    assert panel.lanes.titles["B"].text().endswith("<i>waiting for a lock</i>")
    _finish(qtbot, panel)
    assert panel.caption.text().startswith("Every saga has ended: no anomaly")
    assert panel.caption.property("anomaly") is False
    assert panel.lanes.chips[("B", "CONFIRM_BOOKING")].property("state") == "done"


def test_play_runs_the_script_to_the_end(qtbot, panel: LabPanel) -> None:
    _choose(qtbot, panel, "lost_update")
    panel.speed_box.setCurrentText("Instant")
    qtbot.keyClick(panel, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel._view["finished"], timeout=10_000)
    assert panel._view["schedule"][:4] == ["A", "B", "A", "B"]
    assert "a lost update" in panel.caption.text()
    assert "✖" in panel.world.text()
    qtbot.waitUntil(lambda: not panel.play_button.isChecked(), timeout=5_000)


def test_a_key_advances_its_saga(qtbot, panel: LabPanel) -> None:
    _choose(qtbot, panel, "fuzzy_read")
    qtbot.keyClick(panel, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: panel._view["schedule"] == ["B"], timeout=10_000)
    assert panel.lanes.chips[("B", "CHECK_BOOKING")].property("state") == "running"


def test_the_pessimistic_view_redraws_the_lane_in_its_order(qtbot, panel: LabPanel) -> None:
    _choose(qtbot, panel, "dirty_read", "pessimistic_view")
    first = panel.lanes._grid.itemAtPosition(0, 1).widget()
    assert first is panel.lanes.chips[("A", "PROCESS_PAYMENT")]
