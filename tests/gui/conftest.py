"""GUI test fixtures: a window on a fresh data dir, and no QThread left running."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread

from saga_desktop.gui.main_window import SPEED_INSTANT, MainWindow


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a QThread running (as napari's fixture does)."""
    started: list[weakref.ref[QThread]] = []
    original = QThread.start

    def start(self: QThread, *args: object) -> None:
        started.append(weakref.ref(self))
        original(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    yield
    running = [t for ref in started if (t := ref()) is not None and t.isRunning()]
    for thread in running:  # stop them so the next test is not poisoned
        thread.quit()
        thread.wait(5000)
    assert not running, f"{len(running)} QThread(s) left running"


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., MainWindow]]:
    """Build a shown MainWindow on a fresh data dir; pipeline animations off."""
    # qtbot keeps only weak references: a window dropped by the test would be
    # destroyed with its worker thread still running (Qt aborts the process).
    windows: list[MainWindow] = []

    def make(data_dir: Path | None = None, speed: int = SPEED_INSTANT) -> MainWindow:
        window = MainWindow(data_dir=data_dir or tmp_path / "data")
        qtbot.addWidget(window)
        windows.append(window)
        window.set_animations_enabled(False)
        window.speed_slider.setValue(speed)
        window.resize(1280, 800)
        window.show()
        # The worker opens the world and sends the first snapshot.
        qtbot.waitUntil(lambda: window.world.consistent is not None, timeout=10_000)
        return window

    yield make
    for window in windows:  # qtbot closed them already; shutdown() is idempotent
        window.shutdown()
