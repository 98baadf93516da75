"""The batch tab: many sagas with random failures, with live counters and a chart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
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


class BatchChart(QWidget):
    """Outcomes so far as stacked areas, and sagas per second as a line, over time."""

    _MAX_SAMPLES = 400

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "batchChart", "Batch chart", "Outcomes (areas) and sagas per second (line)")
        self._samples: list[dict[str, float]] = []
        self.setMinimumSize(320, 150)

    def sizeHint(self) -> QSize:
        return QSize(520, 190)

    def clear(self) -> None:
        """Forget every sample."""
        self._samples = []
        self.update()

    def add(self, progress: Mapping[str, Any]) -> None:
        """Take one progress report (``done``, outcome counts, ``sagas_per_second``)."""
        self._samples.append(
            {
                "done": float(progress["done"]),
                "confirmed": float(progress["confirmed"]),
                "compensated": float(progress["compensated"]),
                "dead_lettered": float(progress["dead_lettered"]),
                "rate": float(progress["sagas_per_second"]),
            }
        )
        if len(self._samples) > self._MAX_SAMPLES:
            # Keep the shape, halve the points: the chart stays cheap to paint.
            self._samples = self._samples[::2]
        self.update()

    def samples(self) -> list[dict[str, float]]:
        """The samples shown."""
        return list(self._samples)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        area = QRectF(self.rect()).adjusted(44, 10, -52, -22)
        painter.setPen(QPen(palette.color(palette.ColorRole.Mid), 1))
        painter.drawRect(area)
        text = palette.color(palette.ColorRole.WindowText)
        if len(self._samples) < 2:
            painter.setPen(text)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter, "Start a batch to see its outcomes here"
            )
            return
        total = max(s["done"] for s in self._samples) or 1.0
        top_rate = max(s["rate"] for s in self._samples) or 1.0
        count = len(self._samples)

        def x(i: int) -> float:
            return area.left() + area.width() * i / (count - 1)

        # Stacked areas, bottom up: confirmed, compensated, dead-lettered.
        below = [0.0] * count
        for key, colour in _SERIES:
            above = [below[i] + self._samples[i][key] for i in range(count)]
            path = QPainterPath(QPointF(x(0), area.bottom() - area.height() * below[0] / total))
            for i in range(count):
                path.lineTo(x(i), area.bottom() - area.height() * above[i] / total)
            for i in reversed(range(count)):
                path.lineTo(x(i), area.bottom() - area.height() * below[i] / total)
            fill = QColor(colour)
            fill.setAlpha(150)
            painter.fillPath(path, fill)
            below = above
        # Throughput.
        line = QPainterPath(
            QPointF(x(0), area.bottom() - area.height() * self._samples[0]["rate"] / top_rate)
        )
        for i in range(1, count):
            line.lineTo(x(i), area.bottom() - area.height() * self._samples[i]["rate"] / top_rate)
        painter.setPen(QPen(QColor(_THROUGHPUT), 2))
        painter.drawPath(line)
        painter.setPen(text)
        painter.drawText(
            QRectF(0, area.top() - 4, 40, 16), Qt.AlignmentFlag.AlignRight, f"{total:.0f}"
        )
        painter.drawText(QRectF(0, area.bottom() - 12, 40, 16), Qt.AlignmentFlag.AlignRight, "0")
        painter.setPen(theme.readable(QColor(_THROUGHPUT), palette.color(palette.ColorRole.Base)))
        painter.drawText(
            QRectF(area.right() + 4, area.top() - 4, 48, 16),
            Qt.AlignmentFlag.AlignLeft,
            f"{top_rate:.0f}/s",
        )
        painter.setPen(text)
        painter.drawText(
            QRectF(area.left(), area.bottom() + 4, area.width(), 16),
            Qt.AlignmentFlag.AlignCenter,
            "sagas done →",
        )


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
        for widget in (self.count, self.rate, self.seed, self.start_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)

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
        return (
            f"<b>Batch finished{stopped}</b>: {report['attempted']:,} sagas in "
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
