"""Start the window: the application object, the theme, and the event loop."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from saga_desktop import __version__
from saga_desktop._resources import icon_path

__all__ = [
    "EXIT_AFTER_PAINT_ENV",
    "app_icon",
    "create_application",
    "quiet_offscreen_warnings",
    "run_app",
]

_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The application icon, from the PNG sizes (no SVG plugin needed)."""
    icon = QIcon()
    for size in _ICON_SIZES:
        path = icon_path(size)
        if path.exists():
            icon.addFile(str(path))
    return icon


def _quiet_handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # The offscreen platform says this once per window; it means nothing to a user.
    if "propagateSizeHints" in message:
        return
    sys.stderr.write(message + "\n")


def quiet_offscreen_warnings() -> None:
    """Drop the offscreen platform's meaningless warning; print every other Qt message."""
    qInstallMessageHandler(_quiet_handler)


def create_application(argv: list[str] | None = None) -> QApplication:
    """Return the running ``QApplication``, creating it with the app's names and style."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fusion looks the same everywhere and follows light and dark palettes. It is
    # asked for on the command line, last so that it wins, rather than by setStyle():
    # setStyle() hands back the QStyle, and wrapping that builds a dozen of QStyle's
    # large Python enums (about 15 ms of start-up) that nothing here uses.
    args = argv if argv is not None else sys.argv[:1]
    app = QApplication([*args, "-style", "Fusion"])
    app.setApplicationName("SAGA Desktop")
    app.setOrganizationName("saga-desktop")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("saga-desktop")
    return app


def run_app(data_dir: Path) -> int:
    """Open the main window on ``data_dir`` and run until it closes; return the exit code."""
    quiet_offscreen_warnings()
    app = create_application()
    from saga_desktop.gui.main_window import MainWindow

    window = MainWindow(data_dir=data_dir)
    if os.environ.get(EXIT_AFTER_PAINT_ENV):
        # Start-up benchmarks: quit as soon as the window has painted once.
        window.installEventFilter(_QuitOnFirstPaint(window))
    window.show()
    code = int(app.exec())
    # However the loop ended (last window closed, or quit()), stop the worker cleanly.
    window.shutdown()
    return code


#: Set to quit right after the first paint (for start-up time measurements).
EXIT_AFTER_PAINT_ENV = "SAGA_DESKTOP_EXIT_AFTER_PAINT"


class _QuitOnFirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False
