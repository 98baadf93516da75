"""The window's looks: presenter mode, the dark theme, and the Help menu's dialogs."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
)

from saga_desktop import __version__, booking
from saga_desktop.gui import theme
from saga_desktop.gui.actions import shortcut_rows
from saga_desktop.gui.pipeline import presenter_scale
from saga_desktop.gui.window_controls import WindowControls


class WindowLooks(WindowControls):
    """Presenter mode, themes, and the Help dialogs."""

    @Slot(bool)
    def _on_presenter_action_triggered(self, on: bool) -> None:
        self.set_presenter_mode(on)

    def set_presenter_mode(self, on: bool) -> None:
        """Full screen, big cards and captions for a projector; the log and status hide."""
        was = self._presenter
        self._presenter = on
        self.presenter_action.setChecked(on)
        self.statusBar().setVisible(not on)
        self._show_presenter_tabs()
        if on and not was:
            # Whatever the order of F11 and maximise, presenter mode is the full screen.
            self._before_presenter = self.windowState()
            self.showFullScreen()
        elif was and not on:
            self.setWindowState(getattr(self, "_before_presenter", Qt.WindowState.WindowNoState))
        self._apply_presenter_scale()
        if on and self._live_events:
            self.caption.setText(
                booking.caption(self._live_events[-1], self._live_events[:-1], self.saga)
            )
        elif on:
            self.caption.setText(
                "Press Run: each step of the saga is explained here as it happens."
            )

    @Slot()
    def _on_metrics_action_triggered(self) -> None:
        # View > Metrics: the Metrics tab, in presenter mode too (what operations watch).
        page = self.tools.metrics_page
        if self.tabs.currentWidget() is page and self._presenter:
            self.tabs.setCurrentIndex(0)
        else:
            self.tabs.setCurrentWidget(page)
        self._show_presenter_tabs()

    def _show_presenter_tabs(self) -> None:
        # Presenter mode hides the developer's tabs; the Metrics tab it shows alone,
        # on the whole screen (the room cannot read charts under the cards).
        metrics = self._presenter and self.tabs.currentWidget() is self.tools.metrics_page
        self.tabs.setVisible(not self._presenter or metrics)
        self.tabs.tabBar().setVisible(not metrics)
        self.top_splitter.setVisible(not metrics)
        self.caption.setVisible(self._presenter and not metrics)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """In presenter mode everything follows the screen's size (full screen comes late)."""
        super().resizeEvent(event)
        if self._presenter:
            self._apply_presenter_scale()

    def _size_world_panel(self) -> None:
        width = self.top_splitter.width()
        self.top_splitter.setSizes([width - self._world_width, self._world_width])

    def _apply_presenter_scale(self) -> None:
        on = self._presenter
        scale = presenter_scale(self.width(), self.height(), QApplication.font()) if on else 1.0
        self.pipeline.set_presenter_scale(scale)
        self.tools.set_presenter_scale(scale)
        # The figures need room, but the cards are the show: the panel grows less.
        side = 1.0 + (scale - 1.0) * 0.15
        self._world_width = int(320 * side)
        # Once the splitter has its new width (it lags the window's during a resize).
        QTimer.singleShot(0, self._size_world_panel)
        base = QApplication.font().pointSizeF()
        font = QFont(self.font())
        font.setPointSizeF(base * side)
        self.world.setFont(font)
        self.banner.setFont(font)
        big = QFont(font)
        big.setPointSizeF(base * (scale * 0.95 if on else 1.0))
        self.caption.setFont(big)
        left = QFont(font)
        left.setPointSizeF(base * (scale * 0.7 if on else 1.0))
        self.what_is_left.setFont(left)
        lines = QFontMetrics(left).lineSpacing()
        self.what_is_left.setMinimumHeight(2 * lines + 8)
        # Read from the back of a hall: full ink, not the placeholder's grey.
        self.what_is_left.setForegroundRole(
            QPalette.ColorRole.WindowText if on else QPalette.ColorRole.PlaceholderText
        )

    @Slot(bool)
    def _on_dark_action_triggered(self, on: bool) -> None:
        self.set_dark_theme(on)

    def set_dark_theme(self, on: bool) -> None:
        """Switch the application's palette to dark (or back to light)."""
        self._dark = on
        self.dark_action.setChecked(on)
        theme.apply_theme(dark=on)

    @Slot()
    def _on_shortcuts_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        table = "".join(
            f"<tr><td><b>{html.escape(keys)}</b></td><td>&nbsp;&nbsp;{html.escape(what)}</td></tr>"
            for keys, what in shortcut_rows(len(self.pipeline.cards()))
        )
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    @Slot()
    def _on_about_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About SAGA Desktop",
            f"<h3>SAGA Desktop {__version__}</h3><p>Watch a flight-booking saga fail and heal "
            "itself: four local transactions, compensated newest first when one fails.</p>"
            + (
                f"<p>Running the saga file {html.escape(self.saga.source or self.saga.name)}: "
                f"{html.escape(self.saga.title)}, {len(self.saga.steps)} steps.</p>"
                if self.saga is not None
                else ""
            )
            + f"<p>Data directory: {html.escape(str(self.data_dir))}</p>",
        )

    @Slot()
    def _on_save_log_action_triggered(self) -> None:
        self.log.save_button.click()
