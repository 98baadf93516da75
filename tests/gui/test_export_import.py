"""File menu: export a run (JSON, log, PNG, SVG, HTML) and import it elsewhere to replay it.

The file dialogs and message boxes are replaced by recorders: tests never block on a
modal dialog.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gui_helpers import arm, history_rows, run_saga, show_tab, statuses, widget, world_state
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QTreeWidget

from saga_desktop.booking import RUN_FILE_FORMAT, RUN_FILE_VERSION, export_log_text
from saga_desktop.engine import event_from_dict
from saga_desktop.gui.main_window import MainWindow

EXPORTS = {
    "exportRunAction": "run.json",
    "exportLogAction": "run.txt",
    "exportPipelinePngAction": "pipeline.png",
    "exportPipelineSvgAction": "pipeline.svg",
    "exportTimelinePngAction": "timeline.png",
    "exportTimelineSvgAction": "timeline.svg",
    "exportHtmlAction": "report.html",
}


class Dialogs:
    """Stand-ins for QFileDialog and QMessageBox that record what the window asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.save_to: Path | None = None
        self.open_from: Path | None = None
        self.asked: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        self.informations: list[tuple[str, str]] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)
        monkeypatch.setattr(QMessageBox, "information", self._information)

    def _save(self, parent: Any, title: str, suggested: str, filters: str) -> tuple[str, str]:
        self.asked.append((title, suggested))
        return (str(self.save_to) if self.save_to else "", "")

    def _open(self, parent: Any, title: str, where: str, filters: str) -> tuple[str, str]:
        self.asked.append((title, where))
        return (str(self.open_from) if self.open_from else "", "")

    def _warning(self, parent: Any, title: str, text: str, *args: Any) -> Any:
        self.warnings.append((title, text))
        return QMessageBox.StandardButton.Ok

    def _information(self, parent: Any, title: str, text: str, *args: Any) -> Any:
        self.informations.append((title, text))
        return QMessageBox.StandardButton.Ok


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def export(window: MainWindow, dialogs: Dialogs, action: str, path: Path) -> None:
    """Pick File → ``action`` and answer its save dialog with ``path``."""
    dialogs.save_to = path
    widget(window, action, QAction).trigger()


def import_file(qtbot, window: MainWindow, path: Path, dialogs: Dialogs | None = None) -> bool:
    """Import ``path`` (through File → Import run when ``dialogs`` answer the dialog).

    The worker reads and checks the file; this waits for its answer and returns
    whether the run was added to the History.
    """
    with qtbot.waitSignal(window.run_files.import_finished, timeout=10_000) as blocker:
        if dialogs is None:
            window.run_files.import_run(path)
        else:
            dialogs.open_from = path
            widget(window, "importRunAction", QAction).trigger()
    return bool(blocker.args[0])


def select_first_run(qtbot, window: MainWindow) -> None:
    show_tab(qtbot, window, "History")
    tree = widget(window, "historyList", QTreeWidget)
    tree.setCurrentItem(tree.topLevelItem(0))


@pytest.fixture
def failed_run(qtbot, make_window):
    """A window after a saga with a retried payment and a failed confirmation."""
    window = make_window()
    arm(qtbot, window, "process_payment", "transient:1")
    arm(qtbot, window, "confirm_booking")
    response = run_saga(qtbot, window)
    assert response["outcome"] == "COMPENSATED"
    return window, response


# -- export ----------------------------------------------------------------------------------


def test_every_export_writes_a_file_of_its_kind(qtbot, failed_run, dialogs, tmp_path) -> None:
    window, response = failed_run
    cid = response["correlation_id"]
    events = [event_from_dict(entry) for entry in response["saga_log"]]
    select_first_run(qtbot, window)  # the History tab: the timeline tab was never shown
    out = tmp_path / "exports"
    out.mkdir()

    for action, name in EXPORTS.items():
        export(window, dialogs, action, out / name)
        assert (out / name).is_file(), action
        assert (out / name).stat().st_size > 0, action
    assert dialogs.warnings == []
    assert [title for title, _ in dialogs.asked] == [
        "Export run",
        "Export log",
        "Export pipeline",
        "Export pipeline",
        "Export timeline",
        "Export timeline",
        "Export HTML report",
    ]
    # The suggested names carry the run's id where there is one.
    assert dialogs.asked[0][1].endswith(f"saga-run-{cid[:8]}.json")
    assert dialogs.asked[-1][1].endswith(f"saga-report-{cid[:8]}.html")

    run = json.loads((out / "run.json").read_text("utf-8"))
    assert run["format"] == RUN_FILE_FORMAT
    assert run["version"] == RUN_FILE_VERSION
    assert run["response"]["correlation_id"] == cid
    assert run["events"] == response["saga_log"]
    assert run["faults"] == {"process_payment": "transient:1", "confirm_booking": "fail"}
    assert run["booking"] == window.form.booking()
    assert run["world_before"]["consistent"]
    assert run["world_after"]["consistent"]

    log = (out / "run.txt").read_text("utf-8")
    assert log == export_log_text(events)
    assert " - [SAGA] Starting booking SAGA" in log
    assert "[COMPENSATION]" in log
    assert all(line.endswith(f"(correlation_id={cid})") for line in log.splitlines())

    for name in ("pipeline.png", "timeline.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG"), name
        image = QImage.fromData(data)
        assert image.width() > 200, name
        assert image.height() > 100, name
    for name in ("pipeline.svg", "timeline.svg"):
        svg = (out / name).read_text("utf-8")
        assert "<svg" in svg, name
        assert svg.rstrip().endswith("</svg>"), name
    assert "CONFIRM_BOOKING" in (out / "timeline.svg").read_text("utf-8")

    page = (out / "report.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert cid in page
    assert 'src="data:image/png;base64,' in page
    assert "<svg" in page
    assert "Failed at CONFIRM_BOOKING" in page
    assert "Starting booking SAGA" in page


def test_the_timeline_export_takes_the_last_run_when_none_is_selected(
    failed_run, dialogs, tmp_path
) -> None:
    window, response = failed_run
    assert window.timeline.view.bars() == []  # nothing selected yet
    export(window, dialogs, "exportTimelineSvgAction", tmp_path / "timeline.svg")
    svg = (tmp_path / "timeline.svg").read_text("utf-8")
    for step in ("RESERVE_SEAT", "CONFIRM_BOOKING"):
        assert step in svg
    assert "timed out" not in svg
    assert "attempt 1 ✖, retry in" in svg
    # As the run and HTML exports do: the same run in every file.
    export(window, dialogs, "exportRunAction", tmp_path / "run.json")
    run = json.loads((tmp_path / "run.json").read_text("utf-8"))
    assert run["response"]["correlation_id"] == response["correlation_id"]
    export(window, dialogs, "exportTimelinePngAction", tmp_path / "timeline.png")
    assert (tmp_path / "timeline.png").read_bytes().startswith(b"\x89PNG")


def test_export_without_a_run_says_so_and_asks_for_no_file(make_window, dialogs) -> None:
    window = make_window()
    for action in EXPORTS:
        if "Pipeline" not in action:  # the pipeline is always there to draw
            widget(window, action, QAction).trigger()
    assert dialogs.asked == []
    assert [title for title, _ in dialogs.informations] == ["Nothing to export"] * 5


def test_a_cancelled_save_dialog_writes_nothing(failed_run, dialogs, tmp_path) -> None:
    window, _ = failed_run
    before = set(tmp_path.iterdir())
    for action in EXPORTS:
        export(window, dialogs, action, None)  # type: ignore[arg-type]
    assert len(dialogs.asked) == len(EXPORTS)
    assert set(tmp_path.iterdir()) == before
    assert dialogs.warnings == []


def test_an_unwritable_target_is_reported(failed_run, dialogs, tmp_path) -> None:
    window, _ = failed_run
    export(window, dialogs, "exportRunAction", tmp_path / "missing" / "run.json")
    assert len(dialogs.warnings) == 1
    title, text = dialogs.warnings[0]
    assert title == "Cannot export"
    assert "run.json" in text


# -- import --------------------------------------------------------------------------------------


def test_an_exported_run_imports_into_another_world_and_replays_the_same(
    qtbot, failed_run, make_window, dialogs, tmp_path
) -> None:
    window, response = failed_run
    final = statuses(window)
    path = tmp_path / "shared" / "run.json"
    path.parent.mkdir()
    export(window, dialogs, "exportRunAction", path)

    other = make_window(data_dir=tmp_path / "other machine")
    world_before = world_state(other.data_dir)
    with (
        qtbot.assertNotEmitted(other.saga_finished),
        qtbot.assertNotEmitted(other.run_requested),
    ):
        assert import_file(qtbot, other, path, dialogs)
    assert dialogs.warnings == []
    rows = history_rows(other)
    assert len(rows) == 1
    assert rows[0][1:4] == [response["correlation_id"], "Compensated (imported)", "CONFIRM_BOOKING"]
    assert other.tabs.tabText(other.tabs.currentIndex()) == "History"
    assert widget(other, "historyList", QTreeWidget).currentItem() is not None
    assert f"correlation_id: {response['correlation_id']}" in other.history_detail.toPlainText()

    # Selected on import: the pipeline shows where the run ended, as on the first machine.
    length = len(response["saga_log"])
    assert other.replay.length == other.replay.position == length
    assert statuses(other) == final
    with qtbot.waitSignal(other.replay.finished, timeout=5_000):
        widget(other, "replayButton").click()
    assert statuses(other) == final
    # Event by event, both machines show the same.
    select_first_run(qtbot, window)
    for position in range(length, -1, -1):
        window.replay.seek(position)
        other.replay.seek(position)
        assert statuses(other) == statuses(window), position
        assert other.what_is_left.text() == window.what_is_left.text(), position

    # Importing is reading: the other world did not move.
    assert world_state(other.data_dir) == world_before
    assert other.world.state is not None
    assert other.world.state["bookings"] == world_before["bookings"]


def test_importing_a_run_twice_keeps_one_row(qtbot, failed_run, dialogs, tmp_path) -> None:
    window, response = failed_run
    path = tmp_path / "run.json"
    export(window, dialogs, "exportRunAction", path)
    assert import_file(qtbot, window, path)
    assert import_file(qtbot, window, path)
    rows = history_rows(window)
    assert [row[1] for row in rows] == [response["correlation_id"]]
    assert rows[0][2] == "Compensated (imported)"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("this is not JSON\n", "not JSON"),
        ("[1, 2, 3]\n", "a JSON array, not an object"),
        ('{"name": "my notes", "items": []}\n', 'no "format": "saga-desktop-run"'),
        (None, "written by a newer SAGA Desktop (format 99"),
        ("", "not JSON"),
    ],
    ids=["not-json", "json-array", "foreign-object", "newer-version", "empty"],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(
    qtbot, make_window, dialogs, tmp_path, content: str | None, reason: str
) -> None:
    window = make_window()
    assert run_saga(qtbot, window)["success"]
    path = tmp_path / "bad.json"
    if content is None:
        # A real run file from a future version.
        export(window, dialogs, "exportRunAction", path)
        data = json.loads(path.read_text("utf-8"))
        data["version"] = 99
        content = json.dumps(data)
    path.write_text(content, encoding="utf-8")
    rows = history_rows(window)
    pipeline = statuses(window)

    with qtbot.assertNotEmitted(window.saga_finished):
        assert import_file(qtbot, window, path) is False
    assert len(dialogs.warnings) == 1
    title, text = dialogs.warnings[0]
    assert title == "Cannot import"
    assert str(path) in text
    assert reason in text
    assert history_rows(window) == rows
    assert statuses(window) == pipeline

    # The same through File → Import run.
    assert import_file(qtbot, window, path, dialogs) is False
    assert len(dialogs.warnings) == 2
    assert dialogs.warnings[1] == dialogs.warnings[0]
    assert history_rows(window) == rows


def test_a_cancelled_open_dialog_imports_nothing(make_window, dialogs) -> None:
    window = make_window()
    widget(window, "importRunAction", QAction).trigger()
    assert [title for title, _ in dialogs.asked] == ["Import run"]
    assert dialogs.warnings == []
    assert history_rows(window) == []
