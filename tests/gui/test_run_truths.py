"""The tools around a run tell the truth: exports of the run shown, a recovered run, the report.

The file dialogs and message boxes are the recorders of test_export_import.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    click_run,
    history_rows,
    run_saga,
    show_tab,
    statuses,
    widget,
)
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QComboBox, QMessageBox, QTreeWidget
from test_export_import import Dialogs, export

from saga_desktop.engine import event_from_dict
from saga_desktop.gui.main_window import MainWindow
from saga_desktop.gui.report import run_pipeline, widget_png


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def select_run(qtbot, window: MainWindow, correlation_id: str) -> None:
    show_tab(qtbot, window, "History")
    tree = widget(window, "historyList", QTreeWidget)
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item.text(1) == correlation_id:
            click(qtbot, tree.viewport(), tree.visualItemRect(item).center())
            return
    raise AssertionError(f"no history row for {correlation_id}")


def exported_id(window: MainWindow, dialogs: Dialogs, path: Path) -> str:
    export(window, dialogs, "exportRunAction", path)
    return str(json.loads(path.read_text("utf-8"))["response"]["correlation_id"])


def test_export_run_takes_the_run_on_screen(qtbot, make_window, dialogs, tmp_path) -> None:
    window = make_window()
    first = run_saga(qtbot, window)
    run_saga(qtbot, window)
    select_run(qtbot, window, first["correlation_id"])
    assert exported_id(window, dialogs, tmp_path / "a.json") == first["correlation_id"]

    # A new run is on screen now, whatever was selected before it.
    third = run_saga(qtbot, window)
    assert exported_id(window, dialogs, tmp_path / "b.json") == third["correlation_id"]
    # A replay exports the run replayed.
    select_run(qtbot, window, first["correlation_id"])
    click(qtbot, widget(window, "replayBackButton", QAbstractButton))
    assert exported_id(window, dialogs, tmp_path / "c.json") == first["correlation_id"]
    assert dialogs.warnings == []


def test_a_recovered_run_shows_its_real_duration_and_scenario(qtbot, make_window) -> None:
    window = make_window()
    picker = widget(window, "scenarioPicker", QComboBox)
    picker.setCurrentIndex(picker.findText("Orchestrator crashes after payment"))
    restart = widget(window, "restartButton", QAbstractButton)
    click_run(qtbot, window)
    qtbot.waitUntil(lambda: restart.isVisible() and restart.isEnabled(), timeout=RUN_TIMEOUT)
    crashed_at = time.time()
    # The saga waits for its recovery: that is part of its duration. (Waiting
    # longer than the bound asserted below: the duration is shown rounded, from
    # timestamps a little behind the wall clock.)
    qtbot.wait(450)
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, restart)
    response = blocker.args[0]
    assert time.time() - crashed_at >= 0.3

    (row,) = [r for r in history_rows(window) if r[1] == response["correlation_id"]]
    _, _, outcome, _, duration, scenario = row
    assert outcome == "Compensated (recovered)"
    assert float(duration.removesuffix(" s")) >= 0.3
    assert scenario == "Orchestrator crashes after payment"
    assert "recovered" in window.banner.text().lower()


def _report(window: MainWindow, dialogs: Dialogs, path: Path) -> str:
    export(window, dialogs, "exportHtmlAction", path)
    return path.read_text("utf-8")


def test_the_report_draws_the_runs_own_faults_and_has_a_legend_an_axis_and_a_readable_log(
    qtbot, make_window, dialogs, tmp_path
) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment")
    failed = run_saga(qtbot, window)
    events = [event_from_dict(entry) for entry in failed["saga_log"]]
    # The switches change after the run: the report must not draw them.
    click(qtbot, widget(window, "failToggle_process_payment"))
    arm(qtbot, window, "confirm_booking", "timeout")
    select_run(qtbot, window, failed["correlation_id"])
    on_screen = statuses(window)
    banner = window.banner.text()

    page = _report(window, dialogs, tmp_path / "report.html")

    # Exporting changes nothing on screen.
    assert statuses(window) == on_screen
    assert window.banner.text() == banner
    (png,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    shown = QImage.fromData(QByteArray(base64.b64decode(png)))
    own = run_pipeline(events, {"process_payment": "fail"})
    now = run_pipeline(events, window.fault_specs())
    try:
        assert own.fault_specs() == {"process_payment": "fail"}
        assert own.card("PROCESS_PAYMENT").property("status") == "FAILED"
        assert shown == QImage.fromData(QByteArray(widget_png(own)))
        assert shown != QImage.fromData(QByteArray(widget_png(now)))
    finally:
        own.deleteLater()
        now.deleteLater()
    assert "injected failures: process_payment=fail" in page
    # The timeline has its axis and a legend entry for each kind of bar it draws.
    assert "event number →" in page
    assert re.search(r"#\d+</text>", page)
    keys = re.findall(r'<span class="key">.*?</span>([^<]+)</span>', page)
    assert "attempt" in keys
    assert "compensation" in keys
    # The log is set at a readable size.
    assert re.search(r"pre \{[^}]*font-size: 14px", page)


def test_a_report_of_a_run_from_the_saga_log_says_its_faults_are_not_recorded(
    qtbot, make_window, dialogs, tmp_path
) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment")
    failed = run_saga(qtbot, window)
    window.close()
    again = make_window(window.data_dir)
    qtbot.waitUntil(lambda: bool(history_rows(again)), timeout=RUN_TIMEOUT)
    select_run(qtbot, again, failed["correlation_id"])
    qtbot.waitUntil(lambda: "PROCESS_PAYMENT" in again.history_detail.toPlainText())

    page = _report(again, dialogs, tmp_path / "report.html")
    assert "injected failures: not recorded" in page


def test_erasing_the_history_is_its_own_confirmed_action(qtbot, make_window, monkeypatch) -> None:
    window = make_window()
    run_saga(qtbot, window)
    asked: list[str] = []

    def question(parent, title, text, *args):
        asked.append(title)
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", question)
    window.erase_action.trigger()
    qtbot.waitUntil(lambda: "History erased" in window.banner.text(), timeout=RUN_TIMEOUT)

    assert asked == ["Erase history and world"]
    assert history_rows(window) == []
    store_window = make_window(window.data_dir)
    qtbot.wait(300)
    assert history_rows(store_window) == []


def test_a_saga_recovered_at_the_next_start_shows_its_real_duration(qtbot, make_window) -> None:
    window = make_window()
    picker = widget(window, "scenarioPicker", QComboBox)
    picker.setCurrentIndex(picker.findText("Orchestrator crashes after payment"))
    restart = widget(window, "restartButton", QAbstractButton)
    click_run(qtbot, window)
    qtbot.waitUntil(lambda: restart.isEnabled(), timeout=RUN_TIMEOUT)
    crashed = window.state.live
    window.close()  # the process that ran it goes: the saga waits for the next start
    qtbot.wait(300)

    again = make_window(window.data_dir)
    qtbot.waitUntil(
        lambda: any(r[1] == crashed and "recovered" in r[2] for r in history_rows(again)),
        timeout=RUN_TIMEOUT,
    )
    (row,) = [r for r in history_rows(again) if r[1] == crashed]
    assert row[2] == "Compensated (recovered)"
    assert float(row[4].removesuffix(" s")) >= 0.3
    assert row[5] == "–"  # what it ran under was not recorded in the saga log
