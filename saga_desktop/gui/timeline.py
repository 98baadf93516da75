"""The timeline of one run: a lane per step, bars for attempts, waits and compensations.

The bars are computed once from the run's events (:func:`build_bars`), then
painted by Qt or exported as SVG from the same geometry, so the picture on
screen and the exported file never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.engine import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    DeadLettered,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.gui._markup import Markup, join, markup
from saga_desktop.gui._qt import named
from saga_desktop.gui._run_lines import RunLinesModel
from saga_desktop.gui._timeline_lanes import LaneIndex

__all__ = ["KIND_COLOURS", "Bar", "TimelinePanel", "TimelineView", "build_bars"]

#: One colour per bar kind, as the pipeline's looks: a late reply (yellow) is not a
#: refusal (vermillion), and the undo's kinds (purples, wine) are not the forward ones.
KIND_COLOURS: dict[str, str] = {
    "attempt": "#009E73",
    "attempt_failed": "#D55E00",
    "attempt_retried": "#E69F00",
    "timeout": "#F0E442",
    "backoff": "#999999",
    "compensation": "#CC79A7",
    "compensation_retried": "#6A3D9A",
    "compensation_failed": "#882255",
    "dead_letter": "#000000",
}
_KIND_LABELS = {
    "attempt": "attempt",
    "attempt_failed": "failed",
    "attempt_retried": "failed, retried",
    "timeout": "timed out",
    "backoff": "backoff wait",
    "compensation": "compensation",
    "compensation_failed": "undo failed",
    "compensation_retried": "undo retried",
    "dead_letter": "dead letter",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the timeline.

    ``start`` and ``end`` are positions on the axis (seconds from the saga's
    start, or event numbers when evenly spaced); ``events`` are the indices of
    the events the bar stands for (to select their log lines).
    """

    lane: str
    start: float
    end: float
    kind: str
    label: str
    events: tuple[int, ...]


def build_bars(events: Sequence[SagaEvent], *, even: bool = False) -> tuple[list[str], list[Bar]]:
    """Turn a run's events into lanes and bars.

    Parameters
    ----------
    events
        One saga's events, oldest first.
    even
        Space events evenly (event number as the axis) instead of by time,
        which reads better when most events happen within a millisecond.

    Returns
    -------
    tuple
        The lane names (steps, in the order they appear) and the bars.
    """
    if not events:
        return [], []
    lanes: list[str] = []
    if isinstance(events[0], SagaStarted):
        lanes.extend(events[0].steps)
    t0 = events[0].at

    def x(index: int) -> float:
        return float(index) if even else events[index].at - t0

    bars: list[Bar] = []
    open_at: dict[str, int] = {}  # step → index of the event that opened its current bar
    waiting: dict[str, int] = {}  # step → index of the retry that started a backoff wait
    for i, event in enumerate(events):
        step: str | None = getattr(event, "step", None)
        if step is None:
            continue
        if step not in lanes:
            lanes.append(step)
        if isinstance(event, StepStarted | CompensationStarted):
            if step in waiting:
                w = waiting.pop(step)
                bars.append(Bar(step, x(w), x(i), "backoff", "backoff wait", (w, i)))
            open_at[step] = i
        elif isinstance(
            event,
            StepSucceeded
            | StepFailed
            | StepRetried
            | CompensationSucceeded
            | CompensationFailed
            | CompensationRetried,
        ):
            start = open_at.pop(step, i)
            kind, label = _kind_of(event)
            bars.append(Bar(step, x(start), x(i), kind, label, (start, i)))
            if isinstance(event, StepRetried | CompensationRetried):
                waiting[step] = i
        elif isinstance(event, DeadLettered):
            bars.append(Bar(step, x(i), x(i), "dead_letter", "dead letter", (i,)))
    return lanes, bars


def _kind_of(event: SagaEvent) -> tuple[str, str]:
    if isinstance(event, StepSucceeded):
        return "attempt", f"attempt {event.attempt} ✔"
    if isinstance(event, StepRetried):
        return "attempt_retried", f"attempt {event.attempt} ✖, retry in {event.delay:.2f} s"
    if isinstance(event, StepFailed):
        if event.timed_out:
            return "timeout", "timed out: effect unknown"
        return "attempt_failed", f"attempt {event.attempt} ✖"
    if isinstance(event, CompensationSucceeded):
        return "compensation", f"{event.compensation} ✔"
    if isinstance(event, CompensationRetried):
        return "compensation_retried", f"undo attempt {event.attempt} ✖"
    if isinstance(event, CompensationFailed):
        return "compensation_failed", f"undo attempt {event.attempt} ✖"
    return "attempt", ""


class TimelineView(QWidget):
    """Paints the bars of one run; a click on a bar emits its event indices."""

    bar_clicked = Signal(object)

    _LABEL_WIDTH = 190
    _AXIS_HEIGHT = 28
    _LANE_HEIGHT = 34
    _MIN_BAR = 8.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "timelineView", "Timeline of the selected run")
        self.setToolTip("One lane per step; click a bar to select its log lines")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._events: list[SagaEvent] = []
        self._even = True
        self._lanes: list[str] = []
        self._bars: list[Bar] = []
        self._selected: Bar | None = None
        # Worked out once per run (see _rebuild): a paint must not go through every bar.
        self._rows: dict[str, int] = {}
        self._index: dict[str, LaneIndex[Bar]] = {}
        self._span_value = 1.0

    # -- data -----------------------------------------------------------------

    def set_events(self, events: Sequence[SagaEvent]) -> None:
        """Show the run made of ``events``."""
        self._events = list(events)
        self._selected = None
        self._rebuild()

    def set_even_spacing(self, even: bool) -> None:
        """Axis by event number (True) or by time (False)."""
        self._even = even
        self._rebuild()

    def bars(self) -> list[Bar]:
        """The bars shown."""
        return list(self._bars)

    def lanes(self) -> list[str]:
        """The lanes shown."""
        return list(self._lanes)

    def events(self) -> list[SagaEvent]:
        """The events of the run shown."""
        return list(self._events)

    def _rebuild(self) -> None:
        self._selected = None  # a bar of the old geometry
        self._lanes, self._bars = build_bars(self._events, even=self._even)
        self._rows = {lane: row for row, lane in enumerate(self._lanes)}
        by_lane: dict[str, list[Bar]] = {lane: [] for lane in self._lanes}
        for bar in self._bars:
            by_lane[bar.lane].append(bar)
        self._index = {lane: LaneIndex(bars) for lane, bars in by_lane.items()}
        self._span_value = max(max((bar.end for bar in self._bars), default=1.0), 1e-9)
        self.updateGeometry()
        self.update()

    # -- geometry ---------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(900, self._AXIS_HEIGHT + self._LANE_HEIGHT * max(4, len(self._lanes)) + 16)

    def minimumSizeHint(self) -> QSize:
        return QSize(400, self._AXIS_HEIGHT + self._LANE_HEIGHT * max(1, len(self._lanes)))

    def _span(self) -> float:
        return self._span_value

    def _scale(self, width: float) -> float:
        """Pixels per unit of the axis at ``width``."""
        return max(50.0, width - self._LABEL_WIDTH - 16) / self._span_value

    def _rect(self, bar: Bar, width: float) -> QRectF:
        scale = self._scale(width)
        left = self._LABEL_WIDTH + bar.start * scale
        right = self._LABEL_WIDTH + bar.end * scale
        if right - left < self._MIN_BAR:
            right = left + self._MIN_BAR
        top = self._AXIS_HEIGHT + self._rows[bar.lane] * self._LANE_HEIGHT + 6
        return QRectF(left, top, right - left, self._LANE_HEIGHT - 12)

    def visible_bars(self, width: float, left: float, right: float) -> Iterator[Bar]:
        """The bars a picture ``width`` wide shows between pixels ``left`` and ``right``.

        Bars hidden under others (hundreds to a pixel in a long run) are left
        out, so drawing takes time in proportion to the width, not the run.
        """
        scale = self._scale(width)
        low = (left - self._LABEL_WIDTH) / scale
        high = (right - self._LABEL_WIDTH) / scale
        for lane in self._lanes:
            yield from self._index[lane].visible(low, high, self._MIN_BAR / scale, 0.5 / scale)

    def bar_at(self, point: QPointF) -> Bar | None:
        """The bar under ``point`` (widget coordinates, 2 pixels of slack), if any."""
        row = int((point.y() - self._AXIS_HEIGHT) // self._LANE_HEIGHT)
        if point.y() < self._AXIS_HEIGHT or not 0 <= row < len(self._lanes):
            return None
        top = self._AXIS_HEIGHT + row * self._LANE_HEIGHT + 6
        if not top - 2 <= point.y() <= top + self._LANE_HEIGHT - 12 + 2:
            return None
        scale = self._scale(self.width())
        x = (point.x() - self._LABEL_WIDTH) / scale
        slack = 2 / scale
        return self._index[self._lanes[row]].at(x - slack, x + slack, self._MIN_BAR / scale)

    # -- painting -----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = event.rect()
        self.render_to(
            painter, self.width(), self.height(), (float(area.left()), float(area.right() + 1))
        )
        painter.end()

    def render_to(
        self,
        painter: QPainter,
        width: float,
        height: float,
        clip: tuple[float, float] | None = None,
    ) -> None:
        """Draw the timeline with ``painter`` (screen, PNG or SVG alike).

        ``clip`` is the range of x to draw the bars of (a paint event's rectangle).
        """
        palette = self.palette()
        text = palette.color(palette.ColorRole.WindowText)
        muted = palette.color(palette.ColorRole.PlaceholderText)
        painter.fillRect(QRectF(0, 0, width, height), palette.color(palette.ColorRole.Base))
        if not self._lanes:
            painter.setPen(muted)
            painter.drawText(
                QRectF(0, 0, width, height),
                Qt.AlignmentFlag.AlignCenter,
                "Select a run in the history to see its timeline.",
            )
            return
        font = QFont(self.font())
        painter.setFont(font)
        self._draw_axis(painter, width, muted)
        self._draw_lanes(painter, width, text)
        # Bars: those that show between the clip's edges (all of them when clip is None),
        # and the selected one on top.
        left, right = clip if clip is not None else (0.0, width)
        shown = list(self.visible_bars(width, left, right))
        if self._selected is not None:
            shown.append(self._selected)
        for bar in shown:
            self._draw_bar(painter, bar, width, text)

    def _draw_axis(self, painter: QPainter, width: float, muted: QColor) -> None:
        plot = max(50.0, width - self._LABEL_WIDTH - 16)
        painter.setPen(QPen(muted, 1))
        painter.drawLine(
            QPointF(self._LABEL_WIDTH, self._AXIS_HEIGHT - 4),
            QPointF(self._LABEL_WIDTH + plot, self._AXIS_HEIGHT - 4),
        )
        span = self._span()
        for tick in range(6):
            value = span * tick / 5
            x = self._LABEL_WIDTH + plot * tick / 5
            painter.drawLine(QPointF(x, self._AXIS_HEIGHT - 8), QPointF(x, self._AXIS_HEIGHT - 4))
            label = f"#{value:.0f}" if self._even else f"{value * 1000:.0f} ms"
            # The last label ends at the axis' end instead of running off the widget.
            box = QRectF(x - (80 if tick == 5 else 40), 0, 80, self._AXIS_HEIGHT - 10)
            align = Qt.AlignmentFlag.AlignRight if tick == 5 else Qt.AlignmentFlag.AlignHCenter
            painter.drawText(box, int(align | Qt.AlignmentFlag.AlignVCenter), label)

    def _draw_lanes(self, painter: QPainter, width: float, text: QColor) -> None:
        palette = self.palette()
        for row, lane in enumerate(self._lanes):
            top = self._AXIS_HEIGHT + row * self._LANE_HEIGHT
            if row % 2:
                painter.fillRect(
                    QRectF(0, top, width, self._LANE_HEIGHT),
                    palette.color(palette.ColorRole.AlternateBase),
                )
            painter.setPen(text)
            painter.drawText(
                QRectF(8, top, self._LABEL_WIDTH - 14, self._LANE_HEIGHT),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                lane,
            )

    def _draw_bar(self, painter: QPainter, bar: Bar, width: float, text: QColor) -> None:
        rect = self._rect(bar, width)
        colour = QColor(KIND_COLOURS[bar.kind])
        if bar.kind == "dead_letter":
            painter.setPen(QPen(text, 3))
            painter.drawLine(rect.topLeft(), rect.bottomRight())
            painter.drawLine(rect.bottomLeft(), rect.topRight())
            return
        fill = QColor(colour)
        fill.setAlpha(90 if bar.kind == "backoff" else 210)
        brush = QBrush(
            fill,
            Qt.BrushStyle.BDiagPattern if bar.kind == "backoff" else Qt.BrushStyle.SolidPattern,
        )
        painter.setBrush(brush)
        selected = bar is self._selected
        painter.setPen(QPen(text if selected else colour.darker(130), 2.5 if selected else 1))
        painter.drawRoundedRect(rect, 4, 4)
        if rect.width() > 60:
            painter.setPen(QColor("white") if bar.kind != "backoff" else text)
            painter.drawText(rect.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, bar.label)

    def to_svg(self, width: int = 1000) -> Markup:
        """The timeline as a standalone SVG document (same geometry as on screen).

        Step names and labels come from the run (an imported file, perhaps): every
        value is escaped as it goes in (:func:`markup`).
        """
        height = self._AXIS_HEIGHT + self._LANE_HEIGHT * max(1, len(self._lanes)) + 8
        parts = [
            markup(
                '<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" '
                'font-family="DejaVu Sans, sans-serif" font-size="12">'
                '<rect width="{0}" height="{1}" fill="white"/>',
                width,
                height,
            )
        ]
        for row, lane in enumerate(self._lanes):
            y = self._AXIS_HEIGHT + row * self._LANE_HEIGHT
            if row % 2:
                parts.append(
                    markup(
                        '<rect y="{}" width="{}" height="{}" fill="#f4f4f4"/>',
                        y,
                        width,
                        self._LANE_HEIGHT,
                    )
                )
            parts.append(
                markup('<text x="8" y="{}">{}</text>', y + self._LANE_HEIGHT / 2 + 4, lane)
            )
        parts.extend(self._svg_bar(bar, width) for bar in self.visible_bars(width, 0, width))
        parts.append(Markup("</svg>"))
        return join(parts, "\n")

    def _svg_bar(self, bar: Bar, width: int) -> Markup:
        r = self._rect(bar, width)
        colour = KIND_COLOURS[bar.kind]
        title = markup("<title>{}: {}</title>", bar.lane, bar.label or _KIND_LABELS[bar.kind])
        if bar.kind == "dead_letter":
            return markup(
                '<g stroke="black" stroke-width="3">{}<line x1="{left}" y1="{top}" '
                'x2="{right}" y2="{bottom}"/><line x1="{left}" y1="{bottom}" x2="{right}" '
                'y2="{top}"/></g>',
                title,
                left=r.left(),
                top=r.top(),
                right=r.right(),
                bottom=r.bottom(),
            )
        shape = markup(
            '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" rx="4" fill="{}" '
            'fill-opacity="{}" stroke="{}">{}</rect>',
            r.left(),
            r.top(),
            r.width(),
            r.height(),
            colour,
            0.35 if bar.kind == "backoff" else 0.85,
            colour,
            title,
        )
        if r.width() <= 60:
            return shape
        text = markup(
            '<text x="{:.1f}" y="{:.1f}" fill="white">{}</text>',
            r.left() + 4,
            r.center().y() + 4,
            bar.label,
        )
        return join((shape, text), "\n")

    # -- interaction --------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        bar = self.bar_at(event.position())
        self._selected = bar
        self.update()
        if bar is not None:
            self.bar_clicked.emit(bar.events)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        bar = self.bar_at(event.position())
        self.setToolTip(
            f"{bar.lane}: {bar.label or _KIND_LABELS[bar.kind]}"
            if bar is not None
            else "One lane per step; click a bar to select its log lines"
        )
        super().mouseMoveEvent(event)


class TimelinePanel(QWidget):
    """The timeline and, beside it, the run's log lines; a bar selects its lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "timelinePanel", "Timeline")
        self.view = TimelineView()
        self.even = named(QCheckBox("Even spacing"), "timelineEvenSpacing", "Space events evenly")
        self.even.setChecked(True)
        self.even.setToolTip(
            "Space events evenly (most happen within a millisecond); off: real time"
        )
        self.lines = named(QListView(), "timelineLines", "Events of the selected run")
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Every row is one line of text: the view need not measure 66,000 of them.
        self.lines.setUniformItemSizes(True)
        self._model = RunLinesModel()
        self.lines.setModel(self._model)
        legend = QLabel(
            " ".join(
                f'<span style="color:{KIND_COLOURS[k]}">■</span> {_KIND_LABELS[k]}'
                for k in KIND_COLOURS  # every kind its own entry
            )
        )
        legend.setObjectName("timelineLegend")
        legend.setWordWrap(True)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(legend, 1)
        top.addWidget(self.even)
        column.addLayout(top)
        column.addWidget(self.view, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.lines)
        splitter.setSizes([760, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.view.set_even_spacing(True)
        self.even.toggled.connect(self.view.set_even_spacing)
        self.view.bar_clicked.connect(self._on_view_bar_clicked)

    def set_events(self, events: Sequence[SagaEvent]) -> None:
        """Show ``events`` (one run) in the timeline and the list."""
        self.view.set_events(events)
        self._model.set_events(events)

    def selected_lines(self) -> list[str]:
        """The log lines currently selected, in the run's order."""
        rows = sorted(index.row() for index in self.lines.selectionModel().selectedRows())
        return [str(self._model.data(self._model.index(row))) for row in rows]

    @Slot(object)
    def _on_view_bar_clicked(self, indices: tuple[int, ...]) -> None:
        selection = QItemSelection()
        for index in indices:
            rows = self._model.rows_of(index)
            if rows:
                selection.select(self._model.index(rows[0]), self._model.index(rows[-1]))
        selected = self.lines.selectionModel()
        selected.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if not selection.isEmpty():
            self.lines.scrollTo(selection.indexes()[0])
