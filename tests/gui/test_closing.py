"""Closing the window while something runs: it asks, and then it stops at once.

The question (QMessageBox.exec) blocks an offscreen test, so each test answers it
the way a person would: it reads the question and clicks one of its buttons.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from gui_helpers import RUN_TIMEOUT, click, click_run, statuses, widget
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from saga_desktop.booking import STEP_NAMES, BookingSagaOrchestrator
from saga_desktop.gui.app import _CloseOnSignals

SLOWEST = 0  # 2.5 s between two events: nothing moves on its own during a test


def start_paused(qtbot, window) -> None:
    """Pause first, then Run: the worker holds after SagaStarted."""
    click(qtbot, widget(window, "pauseButton", QAbstractButton))
    click_run(qtbot, window)
    qtbot.waitUntil(lambda: window.busy and bool(window.log.all_lines()), timeout=RUN_TIMEOUT)


def step_once(qtbot, window, expected: dict[str, str]) -> None:
    """Click Step; exactly ``expected`` statuses appear (the rest stay PENDING)."""
    click(qtbot, widget(window, "stepButton", QAbstractButton))
    full = dict.fromkeys(STEP_NAMES, "PENDING") | expected
    qtbot.waitUntil(lambda: statuses(window) == full, timeout=RUN_TIMEOUT)


class Answers:
    """Stands in for the person at the window: answers each question with ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answer: str | None) -> None:
        self.answer = answer
        self.asked: list[dict[str, Any]] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self.reply(box))

    def reply(self, box: QMessageBox) -> int:
        buttons = [button.text() for button in box.buttons()]
        self.asked.append(
            {"text": box.text(), "buttons": buttons, "default": box.defaultButton().text()}
        )
        assert self.answer is not None, f"nobody should have been asked: {box.text()!r}"
        next(b for b in box.buttons() if b.text() == self.answer).click()
        return 0


def start_a_long_batch(qtbot, window) -> None:
    panel = window.batch
    panel.count.setValue(1_000_000)
    panel.start_button.click()
    # Under way: its first progress report is on screen.
    qtbot.waitUntil(lambda: "confirmed" in panel.counters.text(), timeout=10_000)
    assert window.batch_running


def saga_log_settled(window) -> bool:
    with BookingSagaOrchestrator(window.data_dir) as orchestrator:
        assert orchestrator.store is not None
        snapshot = orchestrator.world.snapshot()
        return orchestrator.store.incomplete() == [] and snapshot.consistent


def test_closing_mid_run_asks_and_cancel_keeps_the_run(qtbot, make_window, monkeypatch) -> None:
    window = make_window(speed=SLOWEST)
    start_paused(qtbot, window)
    step_once(qtbot, window, {"RESERVE_SEAT": "EXECUTING"})
    answers = Answers(monkeypatch, "Cancel")

    window.close()

    assert answers.asked == [
        {
            "text": "A saga is running: finish it at full speed and quit?",
            "buttons": ["Quit", "Cancel"],
            "default": "Cancel",
        }
    ]
    assert window.isVisible()
    assert window._thread.isRunning()
    assert window.busy
    # Nothing changed: the run goes on from where it was.
    step_once(qtbot, window, {"RESERVE_SEAT": "COMPLETED"})


def test_closing_mid_run_quits_at_once_and_leaves_nothing_half_done(
    qtbot, make_window, monkeypatch
) -> None:
    window = make_window(speed=SLOWEST)
    start_paused(qtbot, window)
    step_once(qtbot, window, {"RESERVE_SEAT": "EXECUTING"})
    step_once(qtbot, window, {"RESERVE_SEAT": "COMPLETED"})
    answers = Answers(monkeypatch, "Quit")

    started = time.perf_counter()
    window.close()
    took = time.perf_counter() - started

    assert [a["text"] for a in answers.asked] == [
        "A saga is running: finish it at full speed and quit?"
    ]
    assert not window.isVisible()
    assert not window._thread.isRunning()
    assert took < 2.0  # the saga finished at full speed: less than one slow event (2.5 s)
    assert saga_log_settled(window)


def test_closing_mid_batch_asks_and_stops_between_two_sagas(
    qtbot, make_window, monkeypatch
) -> None:
    window = make_window()
    start_a_long_batch(qtbot, window)
    answers = Answers(monkeypatch, "Quit")

    window.close()

    assert [a["text"] for a in answers.asked] == [
        "A batch is running: stop it between two sagas and quit?"
    ]
    assert not window._thread.isRunning()
    assert saga_log_settled(window)


def test_closing_a_batch_can_be_cancelled_too(qtbot, make_window, monkeypatch) -> None:
    window = make_window()
    start_a_long_batch(qtbot, window)
    answers = Answers(monkeypatch, "Cancel")

    window.close()

    assert len(answers.asked) == 1
    assert window.isVisible()
    assert window.batch_running
    with qtbot.waitSignal(window.batch_finished, timeout=10_000):
        window.batch.cancel_button.click()


def test_closing_when_nothing_runs_asks_nothing(qtbot, make_window, monkeypatch) -> None:
    window = make_window()
    Answers(monkeypatch, None)

    window.close()

    assert not window._thread.isRunning()


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_closes_without_asking(qtbot, make_window, monkeypatch, number) -> None:
    window = make_window(speed=SLOWEST)
    start_paused(qtbot, window)
    step_once(qtbot, window, {"RESERVE_SEAT": "EXECUTING"})
    Answers(monkeypatch, None)  # a question would fail the test

    with _CloseOnSignals(window) as signals:
        os.kill(os.getpid(), number)  # Ctrl-C or kill from the terminal
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)

    assert signals.received == number
    assert not window._thread.isRunning()
    assert saga_log_settled(window)
