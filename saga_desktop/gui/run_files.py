"""The File menu's run files: export a run (JSON, log, PNG, SVG, HTML), import one.

A run file comes from anywhere, so it is read and checked in the worker's thread
(``booking.read_run``: size and event caps, every field's type), never in the
GUI thread; the worker sends back the run or the reason it was refused, and a
refusal is a dialog. An export that fails, for whatever reason, is a dialog too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from saga_desktop import booking, engine
from saga_desktop.gui.actions import make_action
from saga_desktop.gui.moment import RunRecord, response_from_events

if TYPE_CHECKING:
    from saga_desktop.booking import RunFile
    from saga_desktop.engine import SagaEvent
    from saga_desktop.gui.main_window import MainWindow
    from saga_desktop.gui.worker import SagaWorker

__all__ = ["RunFiles"]

# (text, objectName, tip, the RunFiles method it triggers), in the File menu's order.
# "The run shown" is the moment's: the live run, the one replayed or the one selected.
_EXPORTS = (
    ("Export run as JSON…", "exportRunAction", "The run shown: response and every event"),
    ("Export log as text…", "exportLogAction", "The run shown: its log lines"),
    ("Export pipeline as PNG…", "exportPipelinePngAction", "The pipeline as shown"),
    ("Export pipeline as SVG…", "exportPipelineSvgAction", "The pipeline as shown, as SVG"),
    ("Export timeline as PNG…", "exportTimelinePngAction", "The run shown: its timeline"),
    (
        "Export timeline as SVG…",
        "exportTimelineSvgAction",
        "The run shown: its timeline, as SVG",
    ),
    ("Export HTML report…", "exportHtmlAction", "A self-contained page about the run shown"),
)


def _plain(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return dict(value) if value is not None else None


class RunFiles(QObject):
    """Exports of the selected run and imports of run files, for one window.

    Parameters
    ----------
    window
        The window whose runs, pipeline and timeline are exported.
    """

    #: Ask the worker to read and check a run file: its path.
    read_requested = Signal(str)
    #: An import ended: True when the run was added to the History, False when refused.
    import_finished = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        slots = (
            self._on_export_run_triggered,
            self._on_export_log_triggered,
            self._on_export_pipeline_png_triggered,
            self._on_export_pipeline_svg_triggered,
            self._on_export_timeline_png_triggered,
            self._on_export_timeline_svg_triggered,
            self._on_export_html_triggered,
        )
        self.export_actions = [
            make_action(window, text, name, "", tip, slot)
            for (text, name, tip), slot in zip(_EXPORTS, slots, strict=True)
        ]
        self.import_action = make_action(
            window,
            "Import run…",
            "importRunAction",
            "Ctrl+O",
            "Read a run exported on any machine, to replay it here",
            self._on_import_action_triggered,
        )

    def connect_worker(self, worker: SagaWorker) -> None:
        """Have ``worker`` read the run files (in its thread) and report here."""
        self.read_requested.connect(worker.read_run_file)
        worker.run_file_read.connect(self._on_worker_run_file_read)
        worker.run_file_refused.connect(self._on_worker_run_file_refused)

    # -- export -----------------------------------------------------------------------

    def _target(self) -> tuple[RunRecord, list[SagaEvent]] | None:
        """The run the window shows (live, replayed or selected) and its events."""
        from PySide6.QtWidgets import QMessageBox

        window = self._window
        run = window.state.shown_run()
        events = run.known_events() if run else None
        if run is None or not events:
            QMessageBox.information(
                window, "Nothing to export", "Run a saga, or select a run in the history, first."
            )
            return None
        return run, list(events)

    def _ask_path(self, title: str, name: str, filters: str) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        chosen, _ = QFileDialog.getSaveFileName(
            self._window, title, str(Path.home() / name), filters
        )
        return Path(chosen) if chosen else None

    def _export(self, path: Path, write: Callable[[], object]) -> None:
        """Run ``write`` (it makes and writes ``path``); any failure is a dialog."""
        from PySide6.QtWidgets import QMessageBox

        try:
            write()
        except OSError as exc:
            QMessageBox.warning(self._window, "Cannot export", f"{path}: {exc.strerror or exc}")
            return
        except booking.BookingError as exc:  # a run that cannot be read back once written
            QMessageBox.warning(self._window, "Cannot export", str(exc))
            return
        except Exception as exc:  # never a traceback: a person reads what went wrong
            QMessageBox.warning(
                self._window, "Cannot export", f"{path}: {type(exc).__name__}: {exc}"
            )
            return
        self._window.statusBar().showMessage(f"Exported {path}", 4000)

    def _write(self, path: Path, make: Callable[[], str | bytes]) -> None:
        def write() -> None:
            data = make()
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")

        self._export(path, write)

    def _response_of(self, run: RunRecord, events: list[SagaEvent]) -> dict[str, Any]:
        response = dict(run.response or response_from_events(events))
        response["saga_log"] = [engine.event_to_dict(event) for event in events]
        return response

    @Slot()
    def _on_export_run_triggered(self) -> None:
        target = self._target()
        if target is None:
            return
        run, events = target
        path = self._ask_path(
            "Export run", f"saga-run-{events[0].correlation_id[:8]}.json", "Run files (*.json)"
        )
        if path is None:
            return

        def write() -> None:
            data = booking.export_run(
                self._response_of(run, events),
                booking=run.booking,
                faults=run.faults,
                world_before=run.world_before,
                world_after=run.world_after,
                saga=self._window.saga,
            )
            booking.write_run(path, data)

        self._export(path, write)

    @Slot()
    def _on_export_log_triggered(self) -> None:
        target = self._target()
        if target is None:
            return
        events = target[1]
        name = f"saga-log-{events[0].correlation_id[:8]}.txt"
        path = self._ask_path("Export log", name, "Text (*.txt *.log)")
        if path is not None:
            self._write(path, lambda: booking.export_log_text(events))

    def _export_picture(self, widget: QWidget, kind: str, title: str) -> None:
        from saga_desktop.gui.report import widget_png, widget_svg

        path = self._ask_path(
            f"Export {title}", f"saga-{title}.{kind}", f"{kind.upper()} (*.{kind})"
        )
        if path is None:
            return
        self._write(
            path,
            lambda: widget_png(widget) if kind == "png" else widget_svg(widget, f"SAGA {title}"),
        )

    @Slot()
    def _on_export_pipeline_png_triggered(self) -> None:
        self._export_picture(self._window.pipeline, "png", "pipeline")

    @Slot()
    def _on_export_pipeline_svg_triggered(self) -> None:
        self._export_picture(self._window.pipeline, "svg", "pipeline")

    @Slot()
    def _on_export_timeline_png_triggered(self) -> None:
        if self._show_target_on_timeline():
            self._export_picture(self._window.timeline.view, "png", "timeline")

    @Slot()
    def _on_export_timeline_svg_triggered(self) -> None:
        if not self._show_target_on_timeline():
            return
        path = self._ask_path("Export timeline", "saga-timeline.svg", "SVG (*.svg)")
        if path is not None:
            self._write(path, self._window.timeline.view.to_svg)

    def _show_target_on_timeline(self) -> bool:
        """Put the run shown (the moment's: live, replayed or selected) in the timeline."""
        target = self._target()
        if target is None:
            return False
        # Unchanged, it keeps the bar a person selected to highlight it in the picture.
        timeline = self._window.timeline
        if timeline.view.events() != target[1]:
            timeline.set_events(target[1])
        return True

    @Slot()
    def _on_export_html_triggered(self) -> None:
        target = self._target()
        if target is None:
            return
        run, events = target
        path = self._ask_path(
            "Export HTML report",
            f"saga-report-{events[0].correlation_id[:8]}.html",
            "HTML (*.html)",
        )
        if path is not None:
            self._write(path, lambda: self.html_report(run, events))

    def html_report(self, run: RunRecord, events: list[SagaEvent]) -> str:
        """The self-contained HTML report of a run.

        Its pipeline is drawn apart from the window's, from the run's own faults
        and events (the window's switches and cards may show something else by
        now), and nothing on screen changes.
        """
        from saga_desktop.gui.report import html_report, run_pipeline_png, run_timeline_svg

        return html_report(
            response=self._response_of(run, events),
            events=events,
            pipeline_png=run_pipeline_png(events, run.faults),
            timeline_svg=run_timeline_svg(events),
            faults=run.faults if run.faults_known else None,
            world_before=run.world_before,
            world_after=run.world_after,
        )

    # -- import -----------------------------------------------------------------------

    @Slot()
    def _on_import_action_triggered(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        chosen, _ = QFileDialog.getOpenFileName(
            self._window, "Import run", str(Path.home()), "Run files (*.json);;All files (*)"
        )
        if chosen:
            self.import_run(Path(chosen))

    def import_run(self, path: Path) -> None:
        """Read the run file ``path`` in the worker; ``import_finished`` tells how it went."""
        self._window.statusBar().showMessage(f"Reading {path.name}…")
        self.read_requested.emit(str(path))

    @Slot(str, str)
    def _on_worker_run_file_refused(self, path: str, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._window.statusBar().clearMessage()
        QMessageBox.warning(self._window, "Cannot import", message)
        self.import_finished.emit(False)

    @Slot(str, object)
    def _on_worker_run_file_read(self, path: str, run_file: RunFile) -> None:
        """Add the run to the History, selected, ready to replay."""
        window = self._window
        record = RunRecord(
            run_file.correlation_id,
            run_file.events[0].at,
            response=dict(run_file.response),
            events=list(run_file.events),
            booking=dict(run_file.booking) if run_file.booking is not None else None,
            faults=dict(run_file.faults),
            world_before=_plain(run_file.world_before),
            world_after=_plain(run_file.world_after),
            source="imported",
        )
        # One row per run: importing a run the History has replaces its row.
        window.add_run(record)
        window.tabs.setCurrentIndex(1)
        window.select_run(record.correlation_id)
        window.statusBar().showMessage(f"Imported {Path(path).name}: press Replay", 4000)
        self.import_finished.emit(True)
