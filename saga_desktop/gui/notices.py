"""Warnings a person should see without being stopped by them.

A log file the worker cannot write, a setting that cannot be used: nothing a
person must answer, so no dialog (one per saga would bury the window). Each
distinct warning goes once into the log pane as a ``WARNING`` line and into a
marker in the status bar that stays until the window closes; its tooltip lists
every warning so far.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QLabel, QStatusBar

from saga_desktop.gui import theme
from saga_desktop.gui._qt import named
from saga_desktop.gui.log_pane import LogPane

__all__ = ["Notices"]

# The status bar shows the newest warning cut to this many pixels; the tooltip has all.
_WIDTH = 560


class Notices(QObject):
    """Shows warnings in the status bar and the log pane.

    Parameters
    ----------
    status_bar
        Gets a marker (``warningLabel``) showing the newest warning.
    log
        Gets one ``WARNING`` line per distinct warning.
    """

    def __init__(self, status_bar: QStatusBar, log: LogPane) -> None:
        super().__init__(status_bar)
        self._log = log
        self.label = named(QLabel(), "warningLabel", "Warnings")
        # Vermillion, as the log pane's errors, made readable in either theme.
        theme.tint_text(self.label, "vermillion")
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.hide()
        status_bar.addPermanentWidget(self.label)
        #: Every distinct warning so far, oldest first.
        self.messages: list[str] = []

    @Slot(str)
    def warn(self, message: str) -> None:
        """Show ``message`` (once: a warning already shown is not repeated)."""
        if message in self.messages:
            return
        self.messages.append(message)
        now = time.time()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        self._log.append_lines(
            [
                (
                    "WARNING",
                    f"{stamp},{int(now % 1 * 1000):03d} - [saga_desktop.gui] - WARNING - {message}",
                )
            ]
        )
        count = len(self.messages)
        prefix = f"⚠ {count} warnings: " if count > 1 else "⚠ "
        metrics = self.label.fontMetrics()
        self.label.setText(
            metrics.elidedText(prefix + message, Qt.TextElideMode.ElideRight, _WIDTH)
        )
        self.label.setToolTip("\n".join(f"⚠ {text}" for text in self.messages))
        self.label.setAccessibleDescription(self.label.toolTip())
        self.label.show()
