"""The log pane: level filter, search, clear, save and auto-scroll."""

from __future__ import annotations

import pytest
from gui_helpers import arm, click, run_saga, widget
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QLineEdit, QPushButton

from saga_desktop.gui.log_pane import LEVELS, LogPane


def shown_text(pane: LogPane) -> list[str]:
    text = pane.text.toPlainText()
    return text.split("\n") if text else []


def level_of(line: str) -> str:
    return line.split(" - ")[2]


def bottom_line(pane: LogPane) -> str:
    """The line at the bottom edge of the pane's view (what a person sees last)."""
    view = pane.text.viewport()
    return pane.text.cursorForPosition(QPoint(4, view.height() - 4)).block().text()


def top_line(pane: LogPane) -> str:
    return pane.text.firstVisibleBlock().text()


def fill(pane: LogPane, count: int, prefix: str = "line") -> None:
    """``count`` lines, a frame's worth at a time (as a run feeds the pane)."""
    for start in range(0, count, 50):
        pane.append_lines(("INFO", f"{prefix} {n}") for n in range(start, min(count, start + 50)))


@pytest.fixture
def failed_run(qtbot, make_window):
    """A window whose log holds one failed run (DEBUG, INFO and WARNING lines)."""
    window = make_window()
    arm(qtbot, window, "process_payment")
    response = run_saga(qtbot, window)
    return window, response


def test_lines_carry_level_and_correlation_id(failed_run) -> None:
    window, response = failed_run
    pane = window.log
    lines = pane.all_lines()
    assert {level_of(line) for line in lines} == {"DEBUG", "INFO", "WARNING"}
    assert shown_text(pane) == lines
    assert widget(window, "logCount", QLabel).text() == f"{len(lines)} lines"
    assert all(line.endswith(f"(correlation_id={response['correlation_id']})") for line in lines)


def test_level_filter_hides_lower_levels(qtbot, failed_run) -> None:
    window, _ = failed_run
    pane = window.log
    combo = widget(window, "logLevelFilter", QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == list(LEVELS)
    everything = pane.all_lines()

    combo.setCurrentText("WARNING")

    shown = shown_text(pane)
    assert shown
    assert {level_of(line) for line in shown} <= {"WARNING", "ERROR"}
    assert shown == pane.visible_lines()
    assert widget(window, "logCount", QLabel).text() == f"{len(shown)} lines"
    # New lines obey the filter too.
    pane.append_lines([("DEBUG", "a debug line"), ("ERROR", "an error line")])
    assert shown_text(pane)[-1] == "an error line"
    assert "a debug line" not in shown_text(pane)

    combo.setCurrentText("DEBUG")
    assert shown_text(pane) == [*everything, "a debug line", "an error line"]


def test_search_shows_only_matching_lines(qtbot, failed_run) -> None:
    window, _ = failed_run
    pane = window.log
    search = widget(window, "logSearch", QLineEdit)
    search.setFocus()
    qtbot.keyClicks(search, "compensate_")

    shown = shown_text(pane)
    assert shown
    assert all("COMPENSATE_" in line for line in shown)
    assert len(shown) < len(pane.all_lines())

    search.clear()
    assert shown_text(pane) == pane.all_lines()


def test_clear_empties_the_pane(qtbot, failed_run) -> None:
    window, _ = failed_run
    pane = window.log
    with qtbot.waitSignal(pane.lines_changed) as blocker:
        click(qtbot, widget(window, "logClearButton", QPushButton))
    assert blocker.args == [0]
    assert pane.all_lines() == []
    assert pane.text.toPlainText() == ""
    assert widget(window, "logCount", QLabel).text() == "0 lines"


def test_save_writes_the_shown_lines(qtbot, failed_run, tmp_path) -> None:
    window, _ = failed_run
    pane = window.log
    path = tmp_path / "saga.log"
    pane.save(path)
    assert path.read_text(encoding="utf-8").splitlines() == pane.all_lines()

    widget(window, "logLevelFilter", QComboBox).setCurrentText("WARNING")
    pane.save(path)
    assert path.read_text(encoding="utf-8").splitlines() == pane.visible_lines()


def test_save_button_asks_for_a_file(qtbot, failed_run, tmp_path, monkeypatch) -> None:
    window, _ = failed_run
    path = tmp_path / "chosen.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(path), ""))
    click(qtbot, widget(window, "logSaveButton", QPushButton))
    assert path.read_text(encoding="utf-8").splitlines() == window.log.all_lines()


def test_save_button_cancelled_writes_nothing(qtbot, failed_run, tmp_path, monkeypatch) -> None:
    window, _ = failed_run
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: ("", ""))
    click(qtbot, widget(window, "logSaveButton", QPushButton))
    assert list(tmp_path.glob("*.txt")) == []


@pytest.fixture
def pane(qtbot) -> LogPane:
    widget = LogPane()
    qtbot.addWidget(widget)
    widget.resize(700, 250)
    widget.show()
    qtbot.waitExposed(widget)
    widget.append_lines(("INFO", f"line {n}") for n in range(300))
    return widget


def test_follows_new_lines_when_at_the_bottom(pane: LogPane) -> None:
    bar = pane.text.verticalScrollBar()
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()
    old_maximum = bar.maximum()

    pane.append_lines(("INFO", f"more {n}") for n in range(50))

    assert bar.maximum() > old_maximum
    assert bar.value() == bar.maximum()


def test_keeps_its_place_when_scrolled_up(pane: LogPane) -> None:
    bar = pane.text.verticalScrollBar()
    bar.setValue(20)  # the person scrolled up to read

    pane.append_lines(("INFO", f"more {n}") for n in range(50))
    assert bar.value() == 20
    pane.append_lines([("WARNING", "one more")])
    assert bar.value() == 20

    bar.setValue(bar.maximum())  # back to the bottom: following again
    pane.append_lines([("INFO", "last")])
    assert bar.value() == bar.maximum()
    assert pane.text.toPlainText().endswith("last")


def test_keeps_at_most_max_lines(qtbot) -> None:
    small = LogPane(max_lines=10)
    qtbot.addWidget(small)
    small.append_lines(("INFO", f"line {n}") for n in range(25))
    assert small.all_lines() == [f"line {n}" for n in range(15, 25)]
    assert shown_text(small) == small.all_lines()
    assert small.count_label.text() == "10 lines"


@pytest.fixture
def full(qtbot) -> LogPane:
    """A pane that has already dropped lines from the top (it keeps 200)."""
    widget = LogPane(max_lines=200)
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    qtbot.waitExposed(widget)
    fill(widget, 1000)
    assert widget.text.document().blockCount() == 200
    return widget


def test_a_full_pane_follows_when_its_view_shrinks(qtbot, full: LogPane) -> None:
    assert bottom_line(full) == "line 999"
    full.resize(700, 180)  # a trainer gives the pipeline more room
    qtbot.wait(10)
    full.append_lines(("INFO", f"new {n}") for n in range(5))
    assert bottom_line(full) == "new 4"
    # A line wider than the pane brings the horizontal bar, which takes a line's room.
    full.append_lines([("ERROR", "wide " + "x" * 400)])
    qtbot.wait(10)
    full.append_lines([("INFO", "after the wide line")])
    qtbot.wait(10)
    assert bottom_line(full) == "after the wide line"


def test_a_full_pane_keeps_the_lines_being_read(qtbot, full: LogPane) -> None:
    bar = full.text.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)  # the person scrolls up to read
    reading = top_line(full)

    full.append_lines(("INFO", f"new {n}") for n in range(30))  # 30 older lines drop off
    assert top_line(full) == reading
    assert bar.value() < bar.maximum()

    bar.setValue(bar.maximum())  # back to the bottom: following again
    full.append_lines(("INFO", f"newer {n}") for n in range(30))
    assert bottom_line(full) == "newer 29"


def test_the_window_log_follows_a_run_after_20000_lines(qtbot, make_window) -> None:
    window = make_window()
    view = window.log.text.viewport()
    height = view.height()
    window.resize(1920, 1080)  # maximised on a projector
    qtbot.waitUntil(lambda: view.height() > height)
    fill(window.log, 20_050, prefix="an older saga's line")
    assert window.log.text.document().blockCount() == 20_000
    assert bottom_line(window.log) == "an older saga's line 20049"
    # Back to the laptop's screen: the log loses a few lines of height.
    height = view.height()
    window.resize(1280, 800)
    line = window.log.text.fontMetrics().lineSpacing()
    qtbot.waitUntil(lambda: view.height() <= height - 4 * line)

    response = run_saga(qtbot, window)

    qtbot.waitUntil(lambda: response["correlation_id"] in bottom_line(window.log))
    assert "SAGA completed" in bottom_line(window.log)
