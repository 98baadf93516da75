"""The Metrics tab: what an operations team watches, drawn from the metrics recorder.

Compensation success rate, outcomes over time, step latency and retries per
step, from the same :class:`~saga_desktop.monitoring.MetricsRecorder` that
``--metrics-port`` serves: the worker's sagas reach it as a tap of the saga log,
and the log's history once (``SagaWorker.count_history``). The tab reads a
snapshot (memory only, never a database) a few times a second while it is
shown, and repaints only when the figures changed, so a batch's pace is not
the GUI thread's. Exports PNG and SVG of the same painting.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, QTimer, Slot
from PySide6.QtGui import QFontInfo, QHideEvent, QPainter, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui._metrics_charts import (
    Look,
    draw_latency,
    draw_outcomes,
    draw_rate,
    draw_retries,
)
from saga_desktop.gui._qt import named
from saga_desktop.monitoring import MetricsRecorder, MetricsSnapshot

__all__ = ["REFRESH_MS", "MetricsTab", "MetricsView"]

#: How often the shown tab reads the recorder (milliseconds).
REFRESH_MS = 500


class MetricsView(QWidget):
    """The four charts of a snapshot, in a two-by-two grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot = MetricsRecorder().snapshot()
        self._scale = 1.0
        self.setObjectName("metricsView")
        self.setAccessibleName("Metrics charts")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(False)

    def snapshot(self) -> MetricsSnapshot:
        return self._snapshot

    def set_snapshot(self, snapshot: MetricsSnapshot) -> bool:
        """Show ``snapshot``; return True when it differs from the one shown."""
        if snapshot == self._snapshot:
            return False
        self._snapshot = snapshot
        self.update()
        return True

    def presenter_scale(self) -> float:
        return self._scale

    def set_presenter_scale(self, scale: float) -> None:
        """Scale every text, line and gap (presenter mode); 1 is the normal size."""
        self._scale = max(1.0, scale)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(int(760 * self._scale), int(420 * self._scale))

    def minimumSizeHint(self) -> QSize:
        return QSize(int(480 * self._scale), int(300 * self._scale))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.render_to(painter, self.width(), self.height())
        painter.end()

    def render_to(self, painter: QPainter, width: float, height: float) -> None:
        """Draw the charts with ``painter`` (screen, PNG or SVG alike)."""
        palette = self.palette()
        painter.fillRect(QRectF(0, 0, width, height), palette.color(QPalette.ColorRole.Base))
        look = Look(palette, self.font(), self._scale)
        gap = look.px(18)
        half_w, half_h = (width - 3 * gap) / 2, (height - 3 * gap) / 2
        cells = [
            QRectF(gap + column * (half_w + gap), gap + row * (half_h + gap), half_w, half_h)
            for row in range(2)
            for column in range(2)
        ]
        snapshot = self._snapshot
        for draw, cell in zip(
            (draw_rate, draw_outcomes, draw_latency, draw_retries), cells, strict=True
        ):
            painter.save()
            painter.setClipRect(cell)
            draw(painter, cell, snapshot, look)
            painter.restore()


class MetricsTab(QWidget):
    """The Metrics tab: the charts, where they come from, and their exports.

    Parameters
    ----------
    recorder
        The recorder the worker's saga log taps (the one ``--metrics-port`` serves).
    """

    def __init__(self, recorder: MetricsRecorder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorder = recorder
        self.view = MetricsView()
        self.source = named(
            QLabel(
                "Counted from this window's sagas and batches, and the saga log's history. "
                "The same figures as --metrics-port serves to Prometheus."
            ),
            "metricsSourceLabel",
        )
        self.source.setWordWrap(True)
        self.source.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.png_button = named(QPushButton("Export PNG…"), "metricsExportPngButton")
        self.png_button.setAccessibleName("Export the metrics as PNG")
        self.svg_button = named(QPushButton("Export SVG…"), "metricsExportSvgButton")
        self.svg_button.setAccessibleName("Export the metrics as SVG")
        self.png_button.clicked.connect(self._on_png_button_clicked)
        self.svg_button.clicked.connect(self._on_svg_button_clicked)
        top = QHBoxLayout()
        top.addWidget(self.source, 1)
        top.addWidget(self.png_button)
        top.addWidget(self.svg_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.setObjectName("metricsTab")
        self.setAccessibleName("Metrics")
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def refresh(self) -> bool:
        """Read the recorder now; return True when the charts changed."""
        return self.view.set_snapshot(self.recorder.snapshot())

    def set_presenter_scale(self, scale: float) -> None:
        """Presenter mode's scale for the charts and the labels above them."""
        self.view.set_presenter_scale(scale)
        font = self.font()
        # The application font may be set in pixels (its point size is -1 then).
        base = QFontInfo(QApplication.font()).pointSizeF()
        font.setPointSizeF(base * max(1.0, scale) ** 0.5)
        for widget in (self.source, self.png_button, self.svg_button):
            widget.setFont(font)

    def showEvent(self, event: QShowEvent) -> None:
        # Only a tab someone sees reads the recorder; it catches up at once.
        self.refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.refresh()

    # -- exports --------------------------------------------------------------------

    def png(self) -> bytes:
        """The charts as they look now, as PNG bytes."""
        from saga_desktop.gui.report import widget_png

        return widget_png(self.view)

    def svg(self) -> str:
        """The charts as an SVG document (vector shapes and text)."""
        from saga_desktop.gui.report import widget_svg

        return widget_svg(self.view, "SAGA metrics")

    def export(self, kind: str) -> None:
        """Ask where, then write the charts as ``kind`` (png or svg); a failure is a dialog."""
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            f"Export metrics {kind.upper()}",
            str(Path.home() / f"saga-metrics.{kind}"),
            f"{kind.upper()} (*.{kind})",
        )
        if not chosen:
            return
        path = Path(chosen)
        try:
            if kind == "png":
                path.write_bytes(self.png())
            else:
                path.write_text(self.svg(), encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "Cannot export", f"{path}: {exc.strerror or exc}")

    @Slot()
    def _on_png_button_clicked(self) -> None:
        self.export("png")

    @Slot()
    def _on_svg_button_clicked(self) -> None:
        self.export("svg")
