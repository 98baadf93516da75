"""The Batch tab: options, start, live progress and chart, cancel, and how it ends.

The batch runs in the worker over the real world; the window shows its progress
and its report, and the world adds up however the batch ended.
"""

from __future__ import annotations

from typing import Any

from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    history_rows,
    run_saga,
    show_tab,
    statuses,
    widget,
    world_state,
)
from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QMessageBox, QSpinBox

from saga_desktop.booking import FlightWorld

BATCH_TIMEOUT = 60_000


def _open_batch_tab(qtbot: Any, window: Any) -> None:
    show_tab(qtbot, window, "Batch")
    # The page is built as it first shows, and appears with the next event round.
    start = widget(window, "batchStartButton", QAbstractButton)
    qtbot.waitUntil(start.isVisible, timeout=RUN_TIMEOUT)


def _set_options(window: Any, count: int, rate: float, seed: int) -> None:
    widget(window, "batchCount", QSpinBox).setValue(count)
    widget(window, "batchFailureRate", QDoubleSpinBox).setValue(rate)
    widget(window, "batchSeed", QSpinBox).setValue(seed)


def _consistent(window: Any) -> bool:
    with FlightWorld(window.data_dir) as world:
        return world.violations() == []


def test_a_batch_runs_from_the_tab_and_reports(qtbot, make_window):
    window = make_window()
    mine = world_state(window.data_dir)
    _open_batch_tab(qtbot, window)
    _set_options(window, count=60, rate=0.5, seed=11)
    start = widget(window, "batchStartButton", QAbstractButton)

    with qtbot.waitSignal(window.batch_finished, timeout=BATCH_TIMEOUT) as finished:
        click(qtbot, start)
    report = finished.args[0]

    assert report["attempted"] == 60
    assert report["consistent"] is True
    assert not report["cancelled"]
    outcomes = report["outcomes"]
    assert outcomes["confirmed"] + outcomes["compensated"] + outcomes["dead_lettered"] == 60
    assert outcomes["compensated"] > 0  # half of them get a fault
    panel = window.batch
    assert "Batch finished" in panel.counters.text()
    assert panel.progress.value() == panel.progress.maximum() == 60
    assert panel.chart.samples()  # the live chart got progress points
    assert start.isEnabled()
    assert not widget(window, "batchCancelButton", QAbstractButton).isEnabled()
    assert widget(window, "runButton", QAbstractButton).isEnabled()
    qtbot.waitUntil(lambda: window.world.consistent is True, timeout=RUN_TIMEOUT)
    # On a scratch world by default: this world keeps every seat and point.
    assert report["scratch"] is True
    assert "on a scratch world" in panel.counters.text()
    assert "this world is unchanged" in window.banner.text()
    assert world_state(window.data_dir) == mine
    with FlightWorld(window.data_dir / "batch-world") as scratch:
        assert scratch.snapshot().bookings["confirmed"] == outcomes["confirmed"]


def test_a_batch_on_this_world_spends_it_and_reset_restocks_it_keeping_the_history(
    qtbot, make_window, monkeypatch
):
    window = make_window()
    assert run_saga(qtbot, window)["success"]
    rows = history_rows(window)
    _open_batch_tab(qtbot, window)
    _set_options(window, count=400, rate=0.0, seed=3)
    world = widget(window, "batchWorld", QComboBox)
    world.setCurrentIndex(world.findText("on this world"))
    with qtbot.waitSignal(window.batch_finished, timeout=BATCH_TIMEOUT) as finished:
        click(qtbot, widget(window, "batchStartButton", QAbstractButton))
    report = finished.args[0]
    assert report["scratch"] is False
    assert report["sold_out"] > 0  # the demo world ran out
    assert world_state(window.data_dir)["bookings"]["confirmed"] > 100
    refused = run_saga(qtbot, window)
    assert refused["failed_step"] == "RESERVE_SEAT"

    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Reset)
    with qtbot.waitSignal(window.reset_requested, timeout=1_000):
        click(qtbot, widget(window, "resetButton", QAbstractButton))
    qtbot.waitUntil(lambda: "World restocked" in window.banner.text(), timeout=RUN_TIMEOUT)

    assert world_state(window.data_dir)["bookings"] == {"confirmed": 0, "cancelled": 0}
    assert run_saga(qtbot, window)["success"]  # the demo goes on
    # The history was not wiped with the stock: the runs before are still listed.
    kept = [row[1] for row in history_rows(window)]
    assert rows[0][1] in kept
    assert refused["correlation_id"] in kept


def test_a_batch_can_be_cancelled_and_the_world_adds_up(qtbot, make_window):
    window = make_window()
    _open_batch_tab(qtbot, window)
    _set_options(window, count=200_000, rate=0.3, seed=5)
    panel = window.batch

    with qtbot.waitSignal(window.batch_finished, timeout=BATCH_TIMEOUT) as finished:
        click(qtbot, widget(window, "batchStartButton", QAbstractButton))
        qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=BATCH_TIMEOUT)
        click(qtbot, widget(window, "batchCancelButton", QAbstractButton))
    report = finished.args[0]

    assert report["cancelled"] is True
    assert 0 < report["attempted"] < 200_000
    assert report["consistent"] is True
    assert "(cancelled)" in panel.counters.text()
    assert _consistent(window)


def test_a_batch_keeps_the_history_of_single_runs(qtbot, make_window):
    window = make_window()
    arm(qtbot, window, "process_payment")
    run_saga(qtbot, window)
    before = history_rows(window)
    selected = before[0][1]

    _open_batch_tab(qtbot, window)
    _set_options(window, count=600, rate=0.3, seed=2)  # more sagas than History keeps
    with qtbot.waitSignal(window.batch_finished, timeout=BATCH_TIMEOUT):
        click(qtbot, widget(window, "batchStartButton", QAbstractButton))

    assert history_rows(window) == before
    # The single run is still there to show, not forgotten behind the batch's sagas.
    show_tab(qtbot, window, "History")
    window.history.setCurrentItem(window.history.topLevelItem(0))
    qtbot.waitUntil(lambda: selected in window.history_detail.toPlainText(), timeout=RUN_TIMEOUT)
    assert "PROCESS_PAYMENT" in window.history_detail.toPlainText()


def test_a_batch_that_fails_leaves_the_window_usable(qtbot, make_window, monkeypatch):
    window = make_window()
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    _open_batch_tab(qtbot, window)

    # A plan the worker refuses (the spin boxes never allow it; a caller might).
    window.batch.start_requested.emit(0, 0.3, 1)
    qtbot.waitUntil(lambda: bool(warnings), timeout=RUN_TIMEOUT)

    assert "count must be a whole number" in warnings[0]
    assert widget(window, "batchStartButton", QAbstractButton).isEnabled()
    assert not widget(window, "batchCancelButton", QAbstractButton).isEnabled()
    # A run made after it shows in the pipeline again.
    arm(qtbot, window, "process_payment")
    run_saga(qtbot, window)
    assert statuses(window)["PROCESS_PAYMENT"] == "FAILED"


def _progress(done: int, total: int) -> dict[str, Any]:
    confirmed = done * 6 // 10
    compensated = done * 3 // 10
    return {
        "done": done,
        "total": total,
        "confirmed": confirmed,
        "compensated": compensated,
        "dead_lettered": done - confirmed - compensated,
        "sagas_per_second": 1000.0,
    }


def test_the_chart_has_a_legend_and_draws_two_sagas_or_twenty_thousand(qtbot) -> None:
    from saga_desktop.gui.batch_panel import BatchChart

    chart = BatchChart()
    qtbot.addWidget(chart)
    chart.resize(700, 220)
    assert [text for text, _ in chart.legend()] == [
        "confirmed",
        "compensated",
        "dead-lettered",
        "sagas/s",
    ]
    # A batch of two sagas reports once, at its end: a line from nothing to two.
    chart.add(_progress(2, 2))
    samples = chart.samples()
    assert [s["done"] for s in samples] == [0.0, 2.0]
    assert not chart.grab().isNull()

    chart.clear()
    for done in range(1, 20_001):
        chart.add(_progress(done, 20_000))
    samples = chart.samples()
    assert len(samples) <= 400
    assert samples[0]["done"] == 0.0
    assert samples[-1]["done"] == 20_000.0
    assert [s["done"] for s in samples] == sorted(s["done"] for s in samples)
    assert not chart.grab().isNull()
