"""The result banner: shows a :class:`~saga_desktop.gui.moment.Banner`, never composes one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from saga_desktop.gui._qt import named
from saga_desktop.gui.moment import Banner

__all__ = ["ResultBanner"]

# Background and border of each look (Okabe–Ito hues, see the timeline's colours).
_LOOKS = {
    "idle": ("palette(base)", "palette(mid)"),
    "running": ("rgba(0,114,178,0.12)", "#0072B2"),
    "success": ("rgba(0,158,115,0.15)", "#009E73"),
    "failure": ("rgba(230,159,0,0.16)", "#E69F00"),
    "dead": ("rgba(213,94,0,0.16)", "#D55E00"),
    "crash": ("rgba(204,121,167,0.18)", "#CC79A7"),
}


class ResultBanner(QLabel):
    """The banner under the pipeline; its ``kind`` property is the look shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "resultBanner")
        self.setWordWrap(True)
        self.setAccessibleName("Result")
        self.setMargin(10)
        # Room for a result's four lines from the start: a banner that grew and shrank
        # with every run would re-lay out (and repaint) the whole pipeline each time.
        lines = 4 * self.fontMetrics().lineSpacing()
        self.setMinimumHeight(lines + 2 * self.margin() + 8)
        self.setTextFormat(Qt.TextFormat.RichText)
        self._shown: Banner | None = None

    def show_banner(self, banner: Banner) -> None:
        """Show ``banner`` (nothing is redone when it is the one shown)."""
        if banner == self._shown:
            return
        if self._shown is None or banner.kind != self._shown.kind:
            background, border = _LOOKS[banner.kind]
            self.setStyleSheet(
                f"QLabel#resultBanner {{ background: {background}; border: 2px solid {border};"
                " border-radius: 6px; }"
            )
            self.setProperty("kind", banner.kind)
        self._shown = banner
        self.setText(banner.html)

    def shown(self) -> Banner | None:
        """The banner shown."""
        return self._shown
