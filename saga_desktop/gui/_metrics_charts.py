"""The Metrics tab's four charts, painted with QPainter from a metrics snapshot.

One function per chart, each given a rectangle to fill: the tab paints them on
screen, and the same calls paint the PNG and SVG exports. Sizes are multiplied
by the presenter scale, so the charts read from the back of a room too. The
colours are the pipeline's Okabe-Ito ones (completed green, compensated pink,
dead-lettered wine), which stay apart for the common colour-vision deficiencies.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen

from saga_desktop.monitoring import BUCKETS, OUTCOMES, Histogram, MetricsSnapshot

__all__ = [
    "OUTCOME_COLOURS",
    "Look",
    "draw_latency",
    "draw_outcomes",
    "draw_rate",
    "draw_retries",
    "step_rows",
]

OUTCOME_COLOURS = {"completed": "#009E73", "compensated": "#CC79A7", "dead_lettered": "#882255"}
_OUTCOME_WORDS = {
    "completed": "completed",
    "compensated": "compensated",
    "dead_lettered": "dead-lettered",
}
_RETRY_COLOURS = ("#E69F00", "#6A3D9A")  # a step's retries, an undo's
_LATENCY_COLOUR = "#0072B2"
#: Most columns of the outcomes chart: older seconds are merged into wider columns.
_MAX_COLUMNS = 60
#: Most rows of the per-step charts (a saga file may have many steps).
_MAX_ROWS = 10


@dataclasses.dataclass(frozen=True, slots=True)
class Look:
    """How the charts look: the palette's colours, the font and the presenter scale."""

    palette: QPalette
    font: QFont
    scale: float = 1.0

    @property
    def text(self) -> QColor:
        return self.palette.color(QPalette.ColorRole.Text)

    @property
    def muted(self) -> QColor:
        return self.palette.color(QPalette.ColorRole.PlaceholderText)

    @property
    def grid(self) -> QColor:
        return self.palette.color(QPalette.ColorRole.Mid)

    def px(self, value: float) -> float:
        """``value`` pixels at scale 1, scaled."""
        return value * self.scale

    def sized(self, times: float = 1.0, *, bold: bool = False) -> QFont:
        """The font at ``times`` its size (scaled), bold when asked."""
        font = QFont(self.font)
        font.setPointSizeF(max(1.0, self.font.pointSizeF() * times * self.scale))
        font.setBold(bold)
        return font


def _fitted(font: QFont, text: str, width: float) -> QFont:
    """``font``, smaller if ``text`` would be wider than ``width`` (a chart never cuts a word)."""
    need = QFontMetricsF(font).horizontalAdvance(text)
    if need <= width or width <= 0:
        return font
    smaller = QFont(font)
    smaller.setPointSizeF(max(1.0, font.pointSizeF() * width / need * 0.98))
    return smaller


def _title(painter: QPainter, rect: QRectF, text: str, look: Look) -> QRectF:
    """Draw a chart's title at the top of ``rect``; return the room left below it."""
    font = look.sized(1.15, bold=True)
    painter.setFont(_fitted(font, text, rect.width()))
    painter.setPen(look.text)
    height = QFontMetricsF(font).height() + look.px(6)
    painter.drawText(
        QRectF(rect.left(), rect.top(), rect.width(), height),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        text,
    )
    return rect.adjusted(0, height + look.px(4), 0, 0)


def _text(
    painter: QPainter,
    rect: QRectF,
    text: str,
    look: Look,
    *,
    colour: QColor | None = None,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    times: float = 1.0,
) -> None:
    painter.setFont(_fitted(look.sized(times), text, rect.width()))
    painter.setPen(colour if colour is not None else look.text)
    painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)


def _line_height(look: Look, times: float = 1.0) -> float:
    return QFontMetricsF(look.sized(times)).height()


def _empty(painter: QPainter, rect: QRectF, look: Look, text: str) -> None:
    _text(painter, rect, text, look, colour=look.muted, align=Qt.AlignmentFlag.AlignCenter)


def draw_rate(painter: QPainter, rect: QRectF, snapshot: MetricsSnapshot, look: Look) -> None:
    """The compensation success rate, large, with the counts it comes from."""
    area = _title(painter, rect, "Compensation success rate", look)
    results = snapshot.compensation_results()
    rate = snapshot.compensation_success_rate()
    big = _line_height(look, 2.6)
    line = _line_height(look)
    y = area.top()
    shown = "—" if rate is None else f"{rate * 100:.1f} %"
    _text(painter, QRectF(area.left(), y, area.width(), big), shown, look, times=2.6)
    y += big + look.px(4)
    succeeded, failed = results["succeeded"], results["failed"]
    bar = QRectF(area.left(), y, area.width(), look.px(14))
    if succeeded + failed:
        painter.setPen(Qt.PenStyle.NoPen)
        split = bar.width() * succeeded / (succeeded + failed)
        painter.fillRect(QRectF(bar.left(), bar.top(), split, bar.height()), QColor("#009E73"))
        painter.fillRect(
            QRectF(bar.left() + split, bar.top(), bar.width() - split, bar.height()),
            QColor("#882255"),
        )
    else:
        painter.setPen(QPen(look.grid, look.px(1)))
        painter.drawRect(bar)
    y += bar.height() + look.px(8)
    lines = (
        f"{succeeded:,} of {succeeded + failed:,} compensations succeeded"
        if succeeded + failed
        else "No compensation has run yet.",
        f"{failed:,} dead-lettered · {results['retried']:,} undo attempts retried",
        "Sagas: "
        + " · ".join(
            f"{snapshot.total_runs(outcome):,} {_OUTCOME_WORDS[outcome]}" for outcome in OUTCOMES
        ),
    )
    for text in lines:
        if y + line > area.bottom():
            return
        _text(painter, QRectF(area.left(), y, area.width(), line), text, look)
        y += line
    _rate_by_step(painter, QRectF(area.left(), y + look.px(8), area.width(), 0), snapshot, look)


def _rate_by_step(painter: QPainter, at: QRectF, snapshot: MetricsSnapshot, look: Look) -> None:
    """One line per step that was undone: its succeeded and dead-lettered undos."""
    ended: dict[tuple[str, str], list[int]] = {}
    for (saga, step, result), count in snapshot.compensations.items():
        if result in ("succeeded", "failed"):
            ended.setdefault((saga, step), [0, 0])[result == "failed"] += count
    rows = [row for row in step_rows(snapshot) if row in ended]
    line = _line_height(look)
    y = at.top()
    label = _label_width(rows, look)
    for row in rows[:_MAX_ROWS]:
        if y + line > at.top() + 10_000 or y + line > painter.clipBoundingRect().bottom():
            return
        good, bad = ended[row]
        _text(painter, QRectF(at.left(), y, label, line), _row_label(row, rows), look)
        text = f"undone {good:,} · dead-lettered {bad:,} · {good / (good + bad) * 100:.1f} %"
        _text(painter, QRectF(at.left() + label, y, at.width() - label, line), text, look)
        y += line


def _columns(timeline: Sequence[tuple[int, int, int, int]]) -> tuple[int, int, list[list[int]]]:
    """The timeline in at most ``_MAX_COLUMNS`` columns: (first second, seconds each, rows)."""
    first, last = timeline[0][0], timeline[-1][0]
    width = max(1, -(-(last - first + 1) // _MAX_COLUMNS))
    columns = [[0, 0, 0] for _ in range((last - first) // width + 1)]
    for second, *counts in timeline:
        column = columns[(second - first) // width]
        for index, count in enumerate(counts):
            column[index] += count
    return first, width, columns


def _legend(painter: QPainter, rect: QRectF, look: Look, items: Sequence[tuple[str, str]]) -> None:
    metrics = QFontMetricsF(look.sized())
    need = sum(look.px(28) + metrics.horizontalAdvance(word) for _, word in items)
    # The whole legend shrinks to its line rather than lose its last word.
    times = min(1.0, rect.width() / need) if need > 0 else 1.0
    x = rect.left()
    box = look.px(10) * times
    for colour, word in items:
        painter.fillRect(QRectF(x, rect.center().y() - box / 2, box, box), QColor(colour))
        x += box + look.px(4) * times
        room = QRectF(x, rect.top(), rect.right() - x, rect.height())
        _text(painter, room, word, look, times=times)
        x += metrics.horizontalAdvance(word) * times + look.px(14) * times


def draw_outcomes(painter: QPainter, rect: QRectF, snapshot: MetricsSnapshot, look: Look) -> None:
    """Sagas ended per second (or per wider column), stacked by outcome."""
    area = _title(painter, rect, "Outcomes over time", look)
    line = _line_height(look)
    _legend(
        painter,
        QRectF(area.left(), area.top(), area.width(), line),
        look,
        [(OUTCOME_COLOURS[o], _OUTCOME_WORDS[o]) for o in OUTCOMES],
    )
    plot = area.adjusted(look.px(44), line + look.px(8), 0, -(line + look.px(4)))
    if not snapshot.timeline:
        _empty(painter, plot, look, "No saga has ended yet.")
        return
    first, width, columns = _columns(snapshot.timeline)
    top = max(sum(column) for column in columns) or 1
    painter.setPen(QPen(look.grid, look.px(1)))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    _text(
        painter,
        QRectF(area.left(), plot.top() - line / 2, look.px(40), line),
        f"{top:,}",
        look,
        colour=look.muted,
        align=Qt.AlignmentFlag.AlignRight,
    )
    step = plot.width() / len(columns)
    gap = min(look.px(2), step * 0.2)
    for index, column in enumerate(columns):
        bottom = plot.bottom()
        for outcome, count in zip(OUTCOMES, column, strict=True):
            height = plot.height() * count / top
            painter.fillRect(
                QRectF(plot.left() + index * step + gap / 2, bottom - height, step - gap, height),
                QColor(OUTCOME_COLOURS[outcome]),
            )
            bottom -= height
    per = "per second" if width == 1 else f"per {width} s"
    labels = QRectF(plot.left(), plot.bottom() + look.px(4), plot.width(), line)
    _text(
        painter, labels, time.strftime("%H:%M:%S", time.localtime(first)), look, colour=look.muted
    )
    _text(painter, labels, per, look, colour=look.muted, align=Qt.AlignmentFlag.AlignHCenter)
    end = first + len(columns) * width - 1
    _text(
        painter,
        labels,
        time.strftime("%H:%M:%S", time.localtime(end)),
        look,
        colour=look.muted,
        align=Qt.AlignmentFlag.AlignRight,
    )


def step_rows(snapshot: MetricsSnapshot) -> list[tuple[str, str]]:
    """The ``(saga, step)`` rows of the per-step charts, in each saga's step order."""
    rows = [(saga, step) for saga, steps in sorted(snapshot.steps.items()) for step in steps]
    seen = set(rows)
    extra = {*snapshot.step_durations, *snapshot.retries}
    extra.update((saga, step) for saga, step, _ in snapshot.compensations)
    rows.extend(sorted(key for key in extra if key not in seen))
    return rows


def _row_label(row: tuple[str, str], rows: Sequence[tuple[str, str]]) -> str:
    several = len({saga for saga, _ in rows}) > 1
    return f"{row[0]} · {row[1]}" if several else row[1]


def _bound_text(bound: float) -> str:
    if bound < 0.001:
        return f"{bound * 1_000_000:.0f} µs"
    if bound < 1:
        return f"{bound * 1000:g} ms"
    return f"{bound:g} s"


def _median_text(histogram: Histogram) -> str:
    half, running = histogram.count / 2, 0
    for bound, count in zip((*BUCKETS, float("inf")), histogram.counts, strict=True):
        running += count
        if running >= half:
            return f"≤ {_bound_text(bound)}" if bound != float("inf") else f"> {BUCKETS[-1]:g} s"
    return "—"


def _label_width(rows: Sequence[tuple[str, str]], look: Look) -> float:
    metrics = QFontMetricsF(look.sized())
    widest = max((metrics.horizontalAdvance(_row_label(r, rows)) for r in rows), default=0.0)
    return min(widest + look.px(10), look.px(260))


def draw_latency(painter: QPainter, rect: QRectF, snapshot: MetricsSnapshot, look: Look) -> None:
    """A histogram of attempt durations per step, 100 µs to 10 s, with each median."""
    area = _title(painter, rect, "Step latency: attempts, median (height ∝ √count)", look)
    rows = [row for row in step_rows(snapshot) if row in snapshot.step_durations][:_MAX_ROWS]
    if not rows:
        _empty(painter, area, look, "No step has run yet.")
        return
    line = _line_height(look)
    label = _label_width(rows, look)
    median = QFontMetricsF(look.sized()).horizontalAdvance("≤ 250 ms") + look.px(12)
    plot = area.adjusted(label, 0, -median, -(line + look.px(4)))
    height = plot.height() / len(rows)
    buckets = len(BUCKETS) + 1
    step = plot.width() / buckets
    for index, row in enumerate(rows):
        histogram = snapshot.step_durations[row]
        top = plot.top() + index * height
        _text(painter, QRectF(area.left(), top, label, height), _row_label(row, rows), look)
        most = max(histogram.counts) or 1
        for bucket, count in enumerate(histogram.counts):
            # Square-root heights: a bucket of 5 next to one of 50,000 still shows.
            tall = (height - look.px(6)) * (count / most) ** 0.5
            painter.fillRect(
                QRectF(
                    plot.left() + bucket * step + 1,
                    top + height - look.px(3) - tall,
                    step - 2,
                    tall,
                ),
                QColor(_LATENCY_COLOUR),
            )
        _text(
            painter,
            QRectF(plot.right() + look.px(8), top, median, height),
            _median_text(histogram),
            look,
            colour=look.muted,
        )
    painter.setPen(QPen(look.grid, look.px(1)))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    # Decades only, and only those with room: presenter mode's big text would overlap.
    metrics = QFontMetricsF(look.sized())
    room_from = plot.left() - look.px(40)
    for bucket, bound in enumerate(BUCKETS):
        if bound not in (0.0001, 0.001, 0.01, 0.1, 1.0, 10.0):
            continue
        text = _bound_text(bound)
        x = plot.left() + (bucket + 1) * step
        half = metrics.horizontalAdvance(text) / 2 + look.px(4)
        if x - half < room_from:
            continue
        room_from = x + half
        _text(
            painter,
            QRectF(x - half, plot.bottom() + look.px(2), 2 * half, line),
            text,
            look,
            colour=look.muted,
            align=Qt.AlignmentFlag.AlignHCenter,
        )


def draw_retries(painter: QPainter, rect: QRectF, snapshot: MetricsSnapshot, look: Look) -> None:
    """Retries per step: of its action, and of its undo."""
    area = _title(painter, rect, "Retries per step", look)
    line = _line_height(look)
    _legend(
        painter,
        QRectF(area.left(), area.top(), area.width(), line),
        look,
        [(_RETRY_COLOURS[0], "step retried"), (_RETRY_COLOURS[1], "undo retried")],
    )
    area = area.adjusted(0, line + look.px(8), 0, 0)
    undo: dict[tuple[str, str], int] = {}
    for (saga, step, result), count in snapshot.compensations.items():
        if result == "retried":
            undo[(saga, step)] = undo.get((saga, step), 0) + count
    rows = step_rows(snapshot)[:_MAX_ROWS]
    if not rows:
        _empty(painter, area, look, "No step has run yet.")
        return
    label = _label_width(rows, look)
    counts = QFontMetricsF(look.sized()).horizontalAdvance("000,000") + look.px(8)
    plot = area.adjusted(label, 0, -counts, 0)
    most = max([*snapshot.retries.values(), *undo.values(), 1])
    height = min(plot.height() / len(rows), look.px(44))
    for index, row in enumerate(rows):
        top = plot.top() + index * height
        _text(painter, QRectF(area.left(), top, label, height), _row_label(row, rows), look)
        for half, value in enumerate((snapshot.retries.get(row, 0), undo.get(row, 0))):
            bar_top = top + look.px(3) + half * (height - look.px(6)) / 2
            bar_height = (height - look.px(6)) / 2 - look.px(1)
            width = plot.width() * value / most
            painter.fillRect(
                QRectF(plot.left(), bar_top, width, bar_height), QColor(_RETRY_COLOURS[half])
            )
            _text(
                painter,
                QRectF(plot.left() + width + look.px(4), bar_top, counts, bar_height),
                f"{value:,}",
                look,
                times=0.9,
            )
    painter.setPen(QPen(look.grid, look.px(1)))
    painter.drawLine(
        QPointF(plot.left(), plot.top()), QPointF(plot.left(), plot.top() + height * len(rows))
    )
