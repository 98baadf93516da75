"""File > Open saga…, File > Saga gallery, File > The flight booking: which saga the window runs.

A window runs one saga, built for it from its description (cards, switches,
world panel, request form, worker). Opening another saga makes a new window
for it in the same place and closes this one once the new one is there; the
old window's worker has stopped first, so the two never share the data
directory's locks. A saga file that does not load changes nothing: a dialog
says the one line the command line would print.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from saga_desktop import booking
from saga_desktop.gui._qt import named
from saga_desktop.gui.saga_gallery import gallery, open_saga

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec
    from saga_desktop.gui.main_window import MainWindow

__all__ = ["SagaMenu"]

#: What the open dialog offers.
_FILTERS = "Saga files (*.saga.toml *.toml *.json);;All files (*)"


class SagaMenu(QObject):
    """Which saga a window runs, and how a person picks another one.

    Parameters
    ----------
    window
        The window (its :attr:`successor` is the window that replaced it).
    """

    #: A new window took this one's place (it is the argument).
    replaced = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        #: The window that replaced this one (None while this one is the window).
        self.successor: MainWindow | None = None

    def fill_gallery(self, menu: QMenu) -> QMenu:
        """Add File > Saga gallery to ``menu``: one entry per file of ``resources/sagas/``."""
        sub = named(menu.addMenu("Saga &gallery"), "sagaGalleryMenu")
        sub.setToolTipsVisible(True)
        current = self._window.saga
        for entry in gallery():
            text = f"{entry.title} ({entry.steps} steps)"
            action = named(QAction(text, sub), f"galleryAction_{entry.path.name.split('.')[0]}")
            action.setToolTip(entry.description)
            action.setStatusTip(entry.description)
            action.setData(str(entry.path))
            action.setCheckable(True)
            same = (
                (current is None)
                if entry.built_in
                else bool(current is not None and current.source == str(entry.path))
            )
            action.setChecked(same)
            sub.addAction(action)
        sub.triggered.connect(self._on_gallery_triggered)
        return sub

    @Slot(QAction)
    def _on_gallery_triggered(self, action: QAction) -> None:
        self.open_file(str(action.data()))

    def ask_and_open(self) -> MainWindow | None:
        """File > Open saga…: a file dialog, then :meth:`open_file`."""
        from PySide6.QtWidgets import QFileDialog

        start = self._window.saga.source if self._window.saga else None
        folder = str(Path(start).parent) if start else str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self._window, "Open saga", folder, _FILTERS)
        return self.open_file(chosen) if chosen else None

    def open_file(self, path: str | Path) -> MainWindow | None:
        """Open the saga file ``path`` in a new window (a dialog and no change when it is bad)."""
        from PySide6.QtWidgets import QMessageBox

        try:
            spec = open_saga(path)
        except booking.BookingError as exc:
            QMessageBox.warning(self._window, "Cannot open the saga", str(exc))
            return None
        return self.replace(spec)

    def replace(self, spec: SagaSpec | None) -> MainWindow | None:
        """Give this window's place to a new one running ``spec`` (None: the flight booking)."""
        from PySide6.QtWidgets import QMessageBox

        window = self._window
        if window.busy or window.batch_running:
            QMessageBox.information(
                window,
                "A saga is running",
                "Open another saga once this one has ended (or the batch has stopped).",
            )
            return None
        geometry = window.saveGeometry()
        # Stopped first: the new window's worker must find the data directory free.
        window.shutdown()
        successor = type(window)(data_dir=window.data_dir, saga=spec)
        successor.restoreGeometry(geometry)
        self.successor = successor
        successor.show()
        window.close()
        self.replaced.emit(successor)
        return successor
