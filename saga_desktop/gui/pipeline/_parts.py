"""The small painted parts of a card and of the pipeline: status chip, number badge, token."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from saga_desktop.gui.pipeline._looks import _FORWARD_TOKEN, _LOOKS, _Look, _with_alpha
from saga_desktop.gui.theme import on_fill


class _StatusChip(QWidget):
    """A pill with the status symbol and word on a solid accent fill."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._look = _LOOKS["PENDING"]
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_look(self, look: _Look) -> None:
        self._look = look
        self.update()

    def text(self) -> str:
        return f"{self._look.symbol}  {self._look.label}"

    def _padding(self) -> float:
        return QFontMetricsF(self.font()).height() * 0.6

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        # Sized for the longest word, so nothing moves as the status changes.
        widest = max(
            metrics.horizontalAdvance(f"{look.symbol}  {look.label}") for look in _LOOKS.values()
        )
        return QSize(math.ceil(widest + 2 * self._padding()), math.ceil(metrics.height() * 1.5))

    def minimumSizeHint(self) -> QSize:
        # A narrow card keeps the symbol and elides the word.
        metrics = QFontMetricsF(self.font())
        return QSize(
            math.ceil(metrics.horizontalAdvance("▶ …") + 2 * self._padding()),
            math.ceil(metrics.height() * 1.5),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        radius = rect.height() / 2
        padding = self._padding()
        accent = QColor(self._look.accent)
        metrics = QFontMetricsF(self.font())
        text = metrics.elidedText(
            self.text(), Qt.TextElideMode.ElideRight, rect.width() - 2 * padding
        )
        if self._look is _LOOKS["PENDING"]:
            # Pending is an outline: nothing has happened yet.
            ink = self.palette().color(QPalette.ColorRole.WindowText)
            painter.setPen(QPen(_with_alpha(ink, 0.45), 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            ink = _with_alpha(ink, 0.8)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(accent)
            ink = on_fill(accent)
        width = min(rect.width(), metrics.horizontalAdvance(text) + 2 * padding)
        pill = QRectF(rect.left(), rect.top(), width, rect.height())
        painter.drawRoundedRect(pill, radius, radius)
        painter.setPen(ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


class _NumberBadge(QWidget):
    """The step number in a disc of the status colour."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._number = number
        self._look = _LOOKS["PENDING"]
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_look(self, look: _Look) -> None:
        self._look = look
        self.update()

    def sizeHint(self) -> QSize:
        side = math.ceil(QFontMetricsF(self.font()).height() * 1.45)
        return QSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self._look is _LOOKS["PENDING"]:
            fill = _with_alpha(self.palette().color(QPalette.ColorRole.WindowText), 0.14)
            ink = self.palette().color(QPalette.ColorRole.WindowText)
        else:
            fill = QColor(self._look.accent)
            ink = on_fill(fill)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawEllipse(rect)
        painter.setPen(ink)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(self._number))


class _ElidedLabel(QLabel):
    """One line of text that elides instead of widening its card."""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(0, super().sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )
        painter.drawText(self.contentsRect(), int(self.alignment()), text)


class _Token(QWidget):
    """The travelling token: a small filled disc with a soft shadow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = QColor(_FORWARD_TOKEN)
        self._radius = 8.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._resize()

    def set_radius(self, radius: float) -> None:
        self._radius = radius
        self._resize()

    def radius(self) -> float:
        return self._radius

    def set_color(self, color: QColor) -> None:
        self._color = QColor(color)
        self.update()

    def _resize(self) -> None:
        side = math.ceil(self._radius * 2 + 8)
        self.setFixedSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre = QPointF(self.width() / 2, self.height() / 2 - 1)
        painter.setPen(Qt.PenStyle.NoPen)
        for grow, alpha in ((3.0, 0.06), (1.8, 0.10), (0.8, 0.16)):
            painter.setBrush(QColor(0, 0, 0, round(255 * alpha)))
            painter.drawEllipse(centre + QPointF(0, 1.5), self._radius + grow, self._radius + grow)
        painter.setBrush(self._color)
        painter.setPen(QPen(QColor("white"), 2.0))
        painter.drawEllipse(centre, self._radius, self._radius)
        # A highlight makes it read as a physical marble rather than a dot.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 90))
        painter.drawEllipse(
            centre + QPointF(-self._radius * 0.3, -self._radius * 0.3),
            self._radius * 0.35,
            self._radius * 0.35,
        )
