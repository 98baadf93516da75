"""The batch tab: many sagas with random failures, with live counters and a chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui import theme
from saga_desktop.gui._qt import named

__all__ = ["BatchChart", "BatchPanel"]

# Okabe–Ito: confirmed, compensated, dead-lettered; throughput in blue.
_SERIES = (("confirmed", "#009E73"), ("compensated", "#E69F00"), ("dead_lettered", "#D55E00"))
_THROUGHPUT = "#0072B2"
_LABELS = {"confirmed": "confirmed", "compensated": "compensated", "dead_lettered": "dead-lettered"}


class BatchChart(QWidget):
    """Outcomes so far as stacked areas, and sagas per second as a line, over sagas done.

    A legend names the series; the left axis counts sagas, the right one the
    pace, the bottom one the sagas done. The series starts at zero, so a batch
    of two sagas (one progress report) still draws, and at most
    ``_MAX_SAMPLES`` points are kept, so twenty thousand stay cheap to paint.
    """

    _MAX_SAMPLES = 400

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "batchChart", "Batch chart", "Outcomes (areas) and sagas per second (line)")
        self._samples: list[dict[str, float]] = []
        self.setMinimumSize(320, 170)

    def sizeHint(self) -> QSize:
        return QSize(520, 220)

    def clear(self) -> None:
        """Forget every sample."""
        self._samples = []
        self.update()

    def add(self, progress: Mapping[str, Any]) -> None:
        """Take one progress report (``done``, outcome counts, ``sagas_per_second``)."""
        sample = {
            "done": float(progress["done"]),
            "confirmed": float(progress["confirmed"]),
            "compensated": float(progress["compensated"]),
            "dead_lettered": float(progress["dead_lettered"]),
            "rate": float(progress["sagas_per_second"]),
        }
        if not self._samples:
            # Every batch starts at nothing done: one report is a line, not a dot.
            self._samples.append(dict.fromkeys(sample, 0.0) | {"rate": sample["rate"]})
        self._samples.append(sample)
        if len(self._samples) > self._MAX_SAMPLES:
            # Keep the shape (and the last point), halve the points: cheap to paint.
            self._samples = [*self._samples[:-1:2], self._samples[-1]]
        self.update()

    def samples(self) -> list[dict[str, float]]:
        """The samples shown (the first is the batch's start)."""
        return list(self._samples)

    def legend(self) -> list[tuple[str, str]]:
        """(text, colour) of each series, as the legend shows them."""
        return [*((_LABELS[key], colour) for key, colour in _SERIES), ("sagas/s", _THROUGHPUT)]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        text = palette.color(palette.ColorRole.WindowText)
        metrics = painter.fontMetrics()
        line = metrics.height()
        samples = self._samples
        total = max((s["done"] for s in samples), default=0.0)
        top_rate = max((s["rate"] for s in samples), default=0.0) or 1.0
        left = metrics.horizontalAdvance(f"{max(total, 1000):,.0f}") + 10
        right = metrics.horizontalAdvance(f"{top_rate:,.0f}/s") + 10
        area = QRectF(self.rect()).adjusted(left, line + 12, -right, -(line + 10))
        self._paint_legend(painter, line)
        painter.setPen(QPen(palette.color(palette.ColorRole.Mid), 1))
        painter.drawRect(area)
        if len(samples) < 2:
            painter.setPen(text)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter, "Start a batch to see its outcomes here"
            )
            return
        self._paint_series(painter, area, total or 1.0, top_rate)
        self._paint_axes(painter, area, total, top_rate, text)

    def _paint_legend(self, painter: QPainter, line: int) -> None:
        x = 8.0
        metrics = painter.fontMetrics()
        for label, colour in self.legend():
            swatch = QColor(colour)
            if label != "sagas/s":
                swatch.setAlpha(150)
                painter.fillRect(QRectF(x, 6, 14, line - 4), swatch)
            else:
                painter.setPen(QPen(swatch, 2))
                painter.drawLine(QPointF(x, 4 + line / 2), QPointF(x + 14, 4 + line / 2))
            painter.setPen(self.palette().color(self.palette().ColorRole.WindowText))
            painter.drawText(QPointF(x + 18, 2 + metrics.ascent()), label)
            x += 18 + metrics.horizontalAdvance(label) + 16

    def _paint_series(self, painter: QPainter, area: QRectF, total: float, top_rate: float) -> None:
        samples = self._samples
        count = len(samples)

        def x(i: int) -> float:
            return area.left() + area.width() * samples[i]["done"] / total

        def y(value: float, scale: float) -> float:
            return area.bottom() - area.height() * value / scale

        # Stacked areas, bottom up: confirmed, compensated, dead-lettered.
        below = [0.0] * count
        for key, colour in _SERIES:
            above = [below[i] + samples[i][key] for i in range(count)]
            path = QPainterPath(QPointF(x(0), y(below[0], total)))
            for i in range(count):
                path.lineTo(x(i), y(above[i], total))
            for i in reversed(range(count)):
                path.lineTo(x(i), y(below[i], total))
            fill = QColor(colour)
            fill.setAlpha(150)
            painter.fillPath(path, fill)
            below = above
        # Throughput (from the first report: the start has no pace of its own).
        pace = QPainterPath(QPointF(x(0), y(samples[min(1, count - 1)]["rate"], top_rate)))
        for i in range(1, count):
            pace.lineTo(x(i), y(samples[i]["rate"], top_rate))
        painter.setPen(QPen(QColor(_THROUGHPUT), 2))
        painter.drawPath(pace)

    def _paint_axes(
        self, painter: QPainter, area: QRectF, total: float, top_rate: float, text: QColor
    ) -> None:
        metrics = painter.fontMetrics()
        line = metrics.height()
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        leftward = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setPen(text)
        for fraction in (0.0, 0.5, 1.0):
            level = area.bottom() - area.height() * fraction
            painter.drawText(
                QRectF(0, level - line / 2, area.left() - 6, line),
                right,
                f"{total * fraction:,.0f}",
            )
        base = self.palette().color(QPalette.ColorRole.Base)
        painter.setPen(theme.readable(QColor(_THROUGHPUT), base))
        for fraction in (0.0, 1.0):
            level = area.bottom() - area.height() * fraction
            painter.drawText(
                QRectF(area.right() + 6, level - line / 2, 200, line),
                leftward,
                f"{top_rate * fraction:,.0f}/s",
            )
        painter.setPen(text)
        below = QRectF(area.left(), area.bottom() + 4, area.width(), line)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, "0")
        painter.drawText(below, Qt.AlignmentFlag.AlignHCenter, "sagas done →")
        painter.drawText(below, Qt.AlignmentFlag.AlignRight, f"{total:,.0f}")


def _world_choice() -> QComboBox:
    """Where the batch runs: a scratch world (the default) or this world."""
    choice = named(
        QComboBox(),
        "batchWorld",
        "Which world",
        "A scratch world of its own (made afresh, this world keeps its seats and points), "
        "or this world (the batch spends its seats and points, as the command line does)",
    )
    choice.addItem("on a scratch world", True)
    choice.addItem("on this world", False)
    return choice


class BatchPanel(QWidget):
    """Options, start and cancel, a progress bar, live counters and the chart."""

    #: Start a batch: count, failure rate (0–1), seed (-1: draw one).
    start_requested = Signal(int, float, int)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "batchPanel", "Batch runs")
        self.count = named(QSpinBox(), "batchCount", "Sagas in the batch", "How many sagas to run")
        self.count.setRange(1, 1_000_000)
        self.count.setValue(1000)
        self.count.setSingleStep(100)
        self.rate = named(
            QDoubleSpinBox(), "batchFailureRate", "Failure rate", "Chance that a saga gets a fault"
        )
        self.rate.setRange(0.0, 1.0)
        self.rate.setSingleStep(0.05)
        self.rate.setValue(0.3)
        self.seed = named(
            QSpinBox(),
            "batchSeed",
            "Seed",
            "Seed of the faults (the same seed, the same batch); -1 draws one",
        )
        self.seed.setRange(-1, 2_000_000_000)
        self.seed.setValue(7)
        self.world = _world_choice()
        self.start_button = named(
            QPushButton("▶ Start batch"), "batchStartButton", "Start the batch"
        )
        self.start_button.setToolTip("Run the batch at full speed; the window stays responsive")
        self.cancel_button = named(QPushButton("■ Cancel"), "batchCancelButton", "Cancel the batch")
        self.cancel_button.setToolTip("Stop after the saga in progress: the world stays consistent")
        self.cancel_button.setEnabled(False)
        self.progress = named(QProgressBar(), "batchProgress", "Batch progress")
        self.counters = named(QLabel("No batch yet."), "batchCounters", "Batch counters")
        self.counters.setWordWrap(True)
        self.counters.setTextFormat(Qt.TextFormat.RichText)
        # What the counters show (a way to write it, and the figures), for a recolour.
        self._shown: tuple[Callable[[Mapping[str, Any]], str], Mapping[str, Any]] | None = None
        self.chart = BatchChart()

        form = QFormLayout()
        form.addRow("Sagas", self.count)
        form.addRow("Failure rate", self.rate)
        form.addRow("Seed", self.seed)
        form.addRow("World", self.world)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.counters)
        left.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(self.chart, 2)

        self.start_button.clicked.connect(self._on_start_button_clicked)
        self.cancel_button.clicked.connect(self.cancel_requested)

    def set_running(self, running: bool) -> None:
        """Lock the options while a batch runs."""
        for widget in (self.count, self.rate, self.seed, self.world, self.start_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def on_scratch_world(self) -> bool:
        """True when the batch is to run on a scratch world (the default)."""
        return bool(self.world.currentData())

    def show_progress(self, progress: Mapping[str, Any]) -> None:
        """Show a progress report from the worker."""
        self.progress.setMaximum(int(progress["total"]))
        self.progress.setValue(int(progress["done"]))
        self._shown = (self._progress_text, progress)
        self._render()
        self.chart.add(progress)

    def show_report(self, report: Mapping[str, Any]) -> None:
        """Show how the batch ended."""
        self._shown = (self._report_text, report)
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        """Recolour the counters when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._render()

    def _render(self) -> None:
        if self._shown is not None:
            text, data = self._shown
            self.counters.setText(text(data))

    def _span(self, accent: str, text: str, tag: str = "span") -> str:
        colour = theme.text_colour(accent, self.palette()).name()
        return f'<{tag} style="color:{colour}">{text}</{tag}>'

    def _progress_text(self, progress: Mapping[str, Any]) -> str:
        return (
            f"<b>{progress['done']:,}</b> of {progress['total']:,} · "
            + self._span("green", f"{progress['confirmed']:,} confirmed")
            + " · "
            + self._span("orange", f"{progress['compensated']:,} compensated")
            + " · "
            + self._span("vermillion", f"{progress['dead_lettered']:,} dead-lettered")
            + f" · {progress['sagas_per_second']:,.0f} sagas/s"
        )

    def _report_text(self, report: Mapping[str, Any]) -> str:
        outcomes = report["outcomes"]
        verdict = (
            self._span("green", "✔ the world adds up", "b")
            if report["consistent"]
            else self._span("vermillion", f"✖ {len(report['violations'])} violation(s)", "b")
        )
        stopped = " (cancelled)" if report["cancelled"] else ""
        where = " on a scratch world" if report.get("scratch") else " on this world"
        return (
            f"<b>Batch finished{stopped}</b>{where}: {report['attempted']:,} sagas in "
            f"{report['elapsed_seconds']:.2f} s, {report['sagas_per_second']:,.0f} sagas/s, seed "
            f"{report['seed']}<br>{outcomes['confirmed']:,} confirmed · "
            f"{outcomes['compensated']:,} compensated ({report['sold_out']:,} sold out) · "
            f"{outcomes['dead_lettered']:,} dead-lettered · {verdict}"
        )

    @Slot()
    def _on_start_button_clicked(self) -> None:
        self.chart.clear()
        self.progress.setValue(0)
        self.start_requested.emit(self.count.value(), self.rate.value(), self.seed.value())
