"""How a step card is drawn, how its title is fitted to its line, where its marks sit."""

from __future__ import annotations

import math

from PySide6.QtCore import QEasingCurve, QPropertyAnimation, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen
from PySide6.QtWidgets import QBoxLayout, QWidget

from saga_desktop.gui.pipeline._looks import _LOOKS, _card_fill, _with_alpha
from saga_desktop.gui.theme import is_dark


def longest_word(font: QFont, text: str) -> int:
    """Pixels the widest word of ``text`` needs in ``font`` (a wrapped label cuts it)."""
    metrics = QFontMetricsF(font)
    return math.ceil(max((metrics.horizontalAdvance(word) for word in text.split()), default=0))


def font_to_fit(font: QFont, text: str, room: int) -> QFont:
    """``font``, made smaller if the widest word of ``text`` is wider than ``room``."""
    fitted = QFont(font)
    need = longest_word(font, text) + 2
    if 0 < room < need:
        fitted.setPointSizeF(max(1.0, font.pointSizeF() * room / need))
    return fitted


def place_marks(row: QBoxLayout, rows: tuple[QBoxLayout, ...], marks: tuple[QWidget, ...]) -> None:
    """Put ⏸ and ⚡ (``marks``) at the end of ``row``, out of the other ``rows``.

    Beside the title they took the room of its last word; beside the status of a
    compact card, the room of the status. So: beside the status, or beside the fail
    switch of a compact card (whose fault box goes underneath). Each row keeps its
    first item (the status chip, the fail switch).
    """
    for each in rows:
        while each.count() > 1:
            each.takeAt(1)
    row.addStretch(1)
    for mark in marks:
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignVCenter)


def pulse_animation(card: QWidget, period_ms: int) -> QPropertyAnimation:
    """The endless breathing of an executing card's ``pulse`` property."""
    animation = QPropertyAnimation(card, b"pulse", card)
    animation.setDuration(period_ms)
    animation.setStartValue(0.0)
    animation.setKeyValueAt(0.5, 1.0)
    animation.setEndValue(0.0)
    animation.setEasingCurve(QEasingCurve.Type.InOutSine)
    animation.setLoopCount(-1)
    return animation


def paint_card(card: QWidget, shown: str, status: str, pulse: float, glow: int) -> None:
    """Draw the card's shadow, its pulse while executing, its fill and its border."""
    look = _LOOKS[shown]
    palette = card.palette()
    dark = is_dark(palette)
    accent = QColor(look.accent)
    painter = QPainter(card)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(card.rect()).adjusted(glow, glow, -glow, -glow)
    radius = 10.0

    # A soft drop shadow lifts the card off the window.
    for offset, alpha in ((3.0, 0.05), (1.5, 0.08)):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, round(255 * (alpha * (2.2 if dark else 1.0)))))
        painter.drawRoundedRect(rect.translated(0, offset), radius, radius)

    if status == "EXECUTING" and pulse > 0:
        for spread in (1.0, 0.55):
            grow = glow * spread * (0.5 + 0.5 * pulse)
            painter.setPen(QPen(_with_alpha(accent, (0.4 if dark else 0.25) * pulse * spread), 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(
                rect.adjusted(-grow, -grow, grow, grow), radius + grow, radius + grow
            )

    painter.setBrush(_card_fill(palette, shown))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(rect, radius, radius)

    if status == "PENDING":
        border = _with_alpha(palette.color(QPalette.ColorRole.WindowText), 0.28)
    else:
        border = accent
    width = look.border + (1.2 * pulse if status == "EXECUTING" else 0.0)
    pen = QPen(border, width)
    if look.dashes:
        pen.setDashPattern(list(look.dashes))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    inset = width / 2
    painter.drawRoundedRect(rect.adjusted(inset, inset, -inset, -inset), radius, radius)
