"""The result banner under the pipeline: what the run came to, in the run's colour."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QLabel, QWidget

from saga_desktop.gui import theme

__all__ = ["KINDS", "ResultBanner"]

#: The banner's kinds: idle (a hint or a message) and how a run went.
KINDS = ("idle", "running", "success", "failure", "dead", "crash")


class ResultBanner(QLabel):
    """A rounded box with a rich-text message; its colours follow the theme.

    It paints its own fill and border from :func:`theme.banner_colours` (no style
    sheet: a style sheet keeps the colours of the palette it was set with), and
    its text colour is the palette's, chosen again on every palette change.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultBanner")
        self.setAccessibleName("Result")
        self.setWordWrap(True)
        self.setMargin(10)
        self.setTextFormat(Qt.TextFormat.RichText)
        # Room for a result's three lines from the start: a banner that grew and shrank
        # with every run would re-lay out (and repaint) the whole pipeline each time.
        lines = 3 * self.fontMetrics().lineSpacing()
        self.setMinimumHeight(lines + 2 * self.margin() + 8)
        self._kind = "idle"
        self.setProperty("kind", self._kind)

    def show_message(self, kind: str, html: str) -> None:
        """Show ``html`` in the look of ``kind`` (one of :data:`KINDS`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown banner kind {kind!r}: expected one of {', '.join(KINDS)}")
        self._kind = kind
        self.setProperty("kind", kind)
        self.setText(html)
        self._recolour()

    def kind(self) -> str:
        """The kind shown."""
        return self._kind

    def colours(self) -> tuple[str, str, str]:
        """``(fill, border, text)`` as ``#rrggbb``, as painted now."""
        fill, border, text = theme.banner_colours(self._kind, self.palette())
        return fill.name(), border.name(), text.name()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._recolour()

    def paintEvent(self, event: QPaintEvent) -> None:
        fill, border, _ = theme.banner_colours(self._kind, self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 2.0))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        painter.end()
        super().paintEvent(event)

    def _recolour(self) -> None:
        _, _, text = theme.banner_colours(self._kind, self.palette())
        palette = self.palette()
        # Setting the palette sends another PaletteChange: only when it differs.
        if palette.color(QPalette.ColorRole.WindowText) != text:
            palette.setColor(QPalette.ColorRole.WindowText, text)
            self.setPalette(palette)
        self.update()
