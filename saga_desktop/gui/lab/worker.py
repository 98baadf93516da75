"""The Lab window's worker: owns the lab session and its databases, in its own thread."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from saga_desktop.booking.lab import LESSONS, LabSession
from saga_desktop.gui.lab.state import lab_view

__all__ = ["LabWorker"]


class LabWorker(QObject):
    """Starts a lesson's sagas, advances them on request, and reports what it sees."""

    #: The window's view after the last request (see ``state.lab_view``).
    changed = Signal(dict)
    #: Something went wrong (one line a person can read).
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._session: LabSession | None = None
        self._lesson = ""
        self._scratch: Path | None = None

    @Slot(str, list)
    def start(self, lesson: str, countermeasures: list[str]) -> None:
        """Begin ``lesson`` afresh on a new scratch world."""
        self.stop()
        self._lesson = lesson
        self._scratch = Path(tempfile.mkdtemp(prefix="saga-lab-window-"))
        self._session = LabSession(LESSONS[lesson].sagas, countermeasures, self._scratch)
        self._report()

    @Slot(str)
    def advance(self, label: str) -> None:
        """Let saga ``label`` take one turn."""
        if self._session is None:
            return
        try:
            self._session.advance(label)
        except Exception as exc:  # reported, never a traceback in the GUI thread
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self._report()

    def _report(self) -> None:
        session = self._session
        assert session is not None
        run, anomalies = session.snapshot()
        view: dict[str, Any] = lab_view(
            LESSONS[self._lesson], session.countermeasures, run, anomalies, session.finished
        )
        self.changed.emit(view)

    @Slot()
    def stop(self) -> None:
        """End the session (its waiting sagas unwind) and remove its world."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
