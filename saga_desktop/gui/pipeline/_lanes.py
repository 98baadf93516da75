"""Painting the pipeline's lanes: the arrows between cards and the compensation lane."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from saga_desktop.gui.pipeline._card import StepCard
from saga_desktop.gui.pipeline._looks import _COMPENSATION_ACCENT, COMPENSATION_STATUSES
from saga_desktop.gui.theme import mix, readable


@dataclasses.dataclass(frozen=True)
class LanePaint:
    """What painting the compensation lane needs to know of the view."""

    cards: Sequence[StepCard]
    lane: float
    scale: float
    compensating: bool
    font: QFont
    ink: QColor
    background: QColor
    muted: QColor
    centre_x: Callable[[StepCard], float]


def _lane_colours(p: LanePaint) -> tuple[QColor, QColor, QColor]:
    """(strong line, running text, idle text) on the view's background."""
    accent = QColor(_COMPENSATION_ACCENT)
    # The idle word is quieter than the lane's when it runs, and still reads well
    # (thin italic strokes lose a little contrast to anti-aliasing: some margin).
    return (
        readable(accent, p.background, ratio=3.0),
        readable(accent, p.background),
        mix(p.background, p.ink, 0.65),
    )


def paint_compensation_lane(painter: QPainter, p: LanePaint) -> None:
    """The lane under the cards: a stub from each card, arrows right to left, labels."""
    cards, s = p.cards, p.scale
    glow = cards[0]._glow_margin()
    bottom = max(card.geometry().bottom() + 1 - glow for card in cards)
    trouble = [
        index
        for index, card in enumerate(cards)
        if card._status in ("FAILED", *COMPENSATION_STATUSES)
    ]
    reach = max(trouble) if trouble else len(cards) - 1
    strong, text_color, quiet = _lane_colours(p)
    for index, card in enumerate(cards):
        active = p.compensating and index <= reach
        x = p.centre_x(card)
        # A stub joins each card to the lane; a failing card's stub turns the corner.
        pen = QPen(strong if active else p.muted, (2.6 if active else 1.4) * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if not active:
            pen.setDashPattern([3.0, 3.0])
        painter.setPen(pen)
        painter.drawLine(QPointF(x, bottom + 2 * s), QPointF(x, p.lane))
    _paint_segments(painter, p, reach, strong, text_color, quiet)


def _paint_segments(
    painter: QPainter, p: LanePaint, reach: int, strong: QColor, text: QColor, quiet: QColor
) -> None:
    cards, s, lane = p.cards, p.scale, p.lane
    painter.setFont(p.font)
    metrics = QFontMetricsF(p.font)
    label = "compensate"
    for index in range(len(cards) - 1, 0, -1):
        right, left = cards[index], cards[index - 1]
        active = p.compensating and index <= reach
        color = strong if active else p.muted
        x1, x2 = p.centre_x(right), p.centre_x(left)
        mid = (x1 + x2) / 2
        gap = metrics.horizontalAdvance(label) / 2 + 8 * s
        draw_line(painter, QPointF(x1, lane), QPointF(mid + gap, lane), color, active, s)
        draw_arrow(
            painter,
            QPointF(mid - gap, lane),
            QPointF(x2 + 5 * s, lane),
            color,
            (2.6 if active else 1.4) * s,
            dashed=not active,
        )
        painter.setPen(text if active else quiet)
        painter.drawText(
            QRectF(mid - gap, lane - metrics.height() / 2, 2 * gap, metrics.height()),
            Qt.AlignmentFlag.AlignCenter,
            label,
        )
    if len(cards) == 1:
        painter.setPen(text if p.compensating else quiet)
        x = p.centre_x(cards[0])
        width = metrics.horizontalAdvance(label) + 4
        painter.drawText(
            QRectF(x + 8 * s, lane - metrics.height() / 2, width, metrics.height()),
            Qt.AlignmentFlag.AlignVCenter,
            label,
        )


def draw_line(
    painter: QPainter, start: QPointF, end: QPointF, color: QColor, active: bool, s: float
) -> None:
    """A lane segment: solid while the lane runs, dashed when idle."""
    pen = QPen(color, (2.6 if active else 1.4) * s)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if not active:
        pen.setDashPattern([3.0, 3.0])
    painter.setPen(pen)
    painter.drawLine(start, end)


def draw_arrow(
    painter: QPainter,
    start: QPointF,
    end: QPointF,
    color: QColor,
    width: float,
    *,
    dashed: bool = False,
) -> None:
    """An arrow from ``start`` to ``end`` with a filled head."""
    length = math.hypot(end.x() - start.x(), end.y() - start.y())
    if length < 1:
        return
    ux, uy = (end.x() - start.x()) / length, (end.y() - start.y()) / length
    head = 4.0 * width + 4
    neck = QPointF(end.x() - ux * head * 0.8, end.y() - uy * head * 0.8)
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    if dashed:
        pen.setDashPattern([3.0, 3.0])
    painter.setPen(pen)
    if length > head:
        painter.drawLine(start, neck)
    left = QPointF(end.x() - ux * head - uy * head * 0.5, end.y() - uy * head + ux * head * 0.5)
    right = QPointF(end.x() - ux * head + uy * head * 0.5, end.y() - uy * head - ux * head * 0.5)
    path = QPainterPath()
    path.addPolygon(QPolygonF([end, left, right, end]))
    painter.setPen(Qt.PenStyle.NoPen)
    # The colour itself, not QBrush(color): resolving QBrush's constructors builds
    # QGradient's and QImage's Python enums (7 ms of the first paint); fillPath
    # makes the same solid brush from a QColor.
    painter.fillPath(path, color)
