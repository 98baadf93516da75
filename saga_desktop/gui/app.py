"""Start the window: the application object, the theme, and the event loop."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QMessageLogContext,
    QObject,
    QSocketNotifier,
    QTimer,
    QtMsgType,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from saga_desktop import __version__
from saga_desktop._resources import icon_path
from saga_desktop.gui.closing import close_without_asking, latest
from saga_desktop.gui.theme import light_palette

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec
    from saga_desktop.monitoring import MetricsRecorder

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
    # The style's own light palette, with its grey texts made readable (see theme).
    app.setPalette(light_palette(app.palette()))
    return app


def run_app(data_dir: Path, saga: SagaSpec | None = None, metrics_port: int | None = None) -> int:
    """Open the main window on ``data_dir`` and run until it closes; return the exit code.

    ``saga``: a saga file's saga to open the window on (the flight booking when None).
    ``metrics_port``: serve the window's metrics for Prometheus on 127.0.0.1 there
    (a port that cannot be had is one line and exit 2, before any window).
    """
    recorder = server = None
    if metrics_port is not None:
        # Only when asked for: the window's start pays for none of it.
        from saga_desktop import monitoring
        from saga_desktop.booking import SAGA_NAME

        recorder = monitoring.MetricsRecorder(saga.name if saga is not None else SAGA_NAME)
        try:
            server = monitoring.MetricsServer(recorder, metrics_port)
        except monitoring.MetricsPortError as exc:
            print(f"saga-desktop: error: {exc}", file=sys.stderr)
            return 2
        print(f"saga-desktop: serving metrics on {server.url}", file=sys.stderr)
    try:
        return _run_window(data_dir, saga, recorder)
    finally:
        if server is not None:
            server.close()


def _run_window(data_dir: Path, saga: SagaSpec | None, recorder: MetricsRecorder | None) -> int:
    quiet_offscreen_warnings()
    app = create_application()
    from saga_desktop.gui.main_window import MainWindow

    window = MainWindow(data_dir=data_dir, saga=saga, metrics=recorder)
    if os.environ.get(EXIT_AFTER_PAINT_ENV):
        # Start-up benchmarks: quit as soon as the window has painted once.
        window.installEventFilter(_QuitOnFirstPaint(window))
    window.show()
    with _CloseOnSignals(window) as signals:
        code = int(app.exec())
    # However the loop ended (last window closed, or quit()), stop the worker cleanly.
    # Every window that took another's place (File > Open saga) too.
    shown: MainWindow | None = window
    while shown is not None:
        shown.shutdown()
        shown = shown.successor
    if signals.received is not None:  # Ctrl-C or kill: the shell's 128 + signal
        return 128 + signals.received
    return code


#: Set to quit right after the first paint (for start-up time measurements).
EXIT_AFTER_PAINT_ENV = "SAGA_DESKTOP_EXIT_AFTER_PAINT"


class _CloseOnSignals(QObject):
    """Close ``window`` on Ctrl-C (SIGINT) or ``kill`` (SIGTERM), as its title bar would.

    Python runs a signal handler only between two bytecodes, and Qt's event
    loop runs none while it waits: the C handler writes the signal to a socket
    (``signal.set_wakeup_fd``) that a :class:`QSocketNotifier` watches, and the
    slot that drains it gives Python the moment to run the handler. The window
    then closes the usual way, without asking (the saga in progress finishes at
    full speed, a batch stops between two sagas, and the worker thread stops);
    the handlers are put back when the loop ends.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        #: The signal that closed the window, if one did.
        self.received: int | None = None

    def __enter__(self) -> _CloseOnSignals:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {number: signal.signal(number, self._handle) for number in self.SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._notifier.setEnabled(False)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = number
            # Nobody at the window to answer a question: the same clean stop, unasked.
            close_without_asking(latest(self._window))

    @Slot()
    def _drain(self) -> None:
        # Reading is all there is to do: Python runs the pending handler around it.
        try:
            while self._reader.recv(64):
                pass
        except BlockingIOError:
            pass


class _QuitOnFirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False
