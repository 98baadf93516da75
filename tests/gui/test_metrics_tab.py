"""The Metrics tab: charts from the recorder, refreshed while shown, exported as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from saga_desktop import monitoring
from saga_desktop.booking import BatchPlan, BookingSagaOrchestrator, run_batch
from saga_desktop.gui.metrics_tab import MetricsTab
from saga_desktop.gui.pacer import Pacer
from saga_desktop.gui.worker import SagaWorker


def _batch(data_dir: Path, recorder: monitoring.MetricsRecorder, count: int = 80):
    with BookingSagaOrchestrator(
        data_dir, write_logs=False, keep_events=False, tap=recorder
    ) as orchestrator:
        return run_batch(orchestrator, BatchPlan(count, 0.7, 9))


@pytest.fixture
def tab(qtbot) -> MetricsTab:
    widget = MetricsTab(monitoring.MetricsRecorder())
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    return widget


def test_the_tab_shows_what_the_recorder_counted(tab: MetricsTab, tmp_path: Path, qtbot) -> None:
    tab.show()
    qtbot.waitExposed(tab)
    assert tab.view.snapshot().total_runs() == 0
    report = _batch(tmp_path, tab.recorder)
    # Read by the tab's own timer while it is shown.
    qtbot.waitUntil(lambda: tab.view.snapshot().total_runs() == report.started, timeout=3000)
    shown = tab.view.snapshot()
    assert shown.total_runs("completed") == report.confirmed
    assert shown.compensation_success_rate() == report.compensation_success_rate
    assert shown.retries_by_step() == dict(report.retries)
    assert tab.refresh() is False  # nothing new: no repaint


def test_a_hidden_tab_does_not_read_the_recorder(tab: MetricsTab, tmp_path: Path, qtbot) -> None:
    tab.show()
    qtbot.waitExposed(tab)
    tab.hide()
    _batch(tmp_path, tab.recorder, count=5)
    qtbot.wait(3 * 500)
    assert tab.view.snapshot().total_runs() == 0
    tab.show()  # and catches up at once when shown again
    assert tab.view.snapshot().total_runs() == 5


def test_presenter_scale_makes_everything_bigger(tab: MetricsTab) -> None:
    normal = tab.view.sizeHint()
    size = tab.source.font().pointSizeF()
    tab.set_presenter_scale(2.0)
    assert tab.view.sizeHint().width() == 2 * normal.width()
    assert tab.source.font().pointSizeF() > size
    tab.set_presenter_scale(1.0)
    assert tab.view.sizeHint() == normal


def test_exports_png_and_svg(tab: MetricsTab, tmp_path: Path, qtbot, monkeypatch) -> None:
    _batch(tmp_path / "world", tab.recorder)
    tab.show()
    qtbot.waitExposed(tab)
    target = tmp_path / "out.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    tab.png_button.click()
    image = QImage(str(target))
    assert (image.width(), image.height()) == (tab.view.width(), tab.view.height())
    target = tmp_path / "out.svg"
    tab.svg_button.click()
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert "Compensation success rate" in svg
    assert "RESERVE_SEAT" in svg


def test_an_export_that_cannot_be_written_is_a_dialog(tab: MetricsTab, tmp_path, monkeypatch):
    target = tmp_path / "missing" / "out.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    tab.export("png")
    assert len(warnings) == 1
    assert "out.png" in warnings[0]
    assert not target.parent.exists()


def test_the_worker_counts_history_once_and_its_own_sagas_live(tmp_path: Path) -> None:
    history = monitoring.MetricsRecorder()
    report = _batch(tmp_path, history, count=30)
    recorder = monitoring.MetricsRecorder()
    worker = SagaWorker(tmp_path, Pacer(0.0), metrics=recorder)
    try:
        worker.start()
        worker.run_batch(20, 0.5, 3)  # before the history is counted: no double count
        worker.count_history()
        worker.count_history()  # once only
    finally:
        worker.close()
    assert recorder.snapshot().total_runs() == report.started + 20
    # The same figures as the whole saga log counted afresh.
    from saga_desktop import booking, engine

    store = engine.SqliteEventStore(tmp_path / booking.SAGA_LOG_DB, create=False)
    try:
        again, _ = monitoring.record_history(store)
    finally:
        store.close()
    assert again.snapshot().runs == recorder.snapshot().runs
    assert again.snapshot().compensations == recorder.snapshot().compensations
