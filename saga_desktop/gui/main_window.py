"""The main window: assembled from its panels, tabs and actions; it shows one moment at a time.

The window's state (its runs, which moment is shown, what the live side does)
is :class:`~saga_desktop.gui.moment.WindowState`, which knows no Qt; the banner,
status bar and world panel are derived from it (:mod:`saga_desktop.gui.moment_text`)
each time a fact comes in, and the cards follow the same moment: the live run,
a replayed event, or the run selected in the History.

:class:`MainWindow` only assembles: the layout comes from
:mod:`~saga_desktop.gui.window_layout`, the actions and menus from
:mod:`~saga_desktop.gui.actions`, and what the parts do from the layers it
inherits (:mod:`~saga_desktop.gui.window_base` and the modules it names).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QPaintEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from saga_desktop import __version__, booking
from saga_desktop.booking import default_data_dir
from saga_desktop.gui import closing, moment_text, window_layout
from saga_desktop.gui._qt import LazyTab, named
from saga_desktop.gui.actions import MENUS, make_actions
from saga_desktop.gui.breakpoints import Breakpoints
from saga_desktop.gui.moment import WindowState
from saga_desktop.gui.recorded_runs import RecordedRuns
from saga_desktop.gui.run_files import RunFiles
from saga_desktop.gui.saga_gallery import open_saga
from saga_desktop.gui.saga_menu import SagaMenu
from saga_desktop.gui.scenario_picker import ScenarioPicker
from saga_desktop.gui.settings import WindowSettings, restore_settings, save_settings
from saga_desktop.gui.toolbar import SPEED_INSTANT
from saga_desktop.gui.window_base import DEFAULT_SPEED, delay_for_speed, step_infos
from saga_desktop.gui.window_looks import WindowLooks
from saga_desktop.gui.window_tools import WindowTools
from saga_desktop.gui.worker import Pacer, SagaWorker

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec
    from saga_desktop.engine import SagaEvent, SagaMemoryQueue
    from saga_desktop.gui.batch_panel import BatchPanel
    from saga_desktop.gui.timeline import TimelinePanel
    from saga_desktop.monitoring import MetricsRecorder

__all__ = ["SPEED_INSTANT", "MainWindow", "delay_for_speed"]

_GIL_SWITCH_SECONDS = 0.001
#: Milliseconds after showing at which the worker starts if no paint has come by then
#: (it normally starts right after the first paint).
WORKER_START_FALLBACK_MS = 250

# The cards of the flight booking (kept under its old name: the report and tests use it).
_step_infos = step_infos


class MainWindow(WindowLooks):
    """SAGA Desktop's window.

    Parameters
    ----------
    data_dir
        The world's directory (default: the per-user data directory).
    saga
        A saga file (its path, or its :class:`~saga_desktop.booking.SagaSpec`) to
        run instead of the flight booking; its world is a folder of ``data_dir``.

    Raises
    ------
    saga_desktop.booking.InvalidSagaFile
        When ``saga`` is a path to a file that does not load.
    """

    #: The worker counts the saga log's earlier sagas into the metrics (once).
    metrics_history_requested = Signal()

    def __init__(
        self,
        data_dir: Path | str | None = None,
        parent: QWidget | None = None,
        *,
        saga: SagaSpec | Path | str | None = None,
        metrics: MetricsRecorder | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.saga = open_saga(saga) if isinstance(saga, Path | str) else saga
        self.setObjectName("mainWindow")
        what = "flight booking" if self.saga is None else self.saga.title
        self.setWindowTitle(f"SAGA Desktop {__version__} — {what} saga")
        self.resize(1280, 800)
        self.pacer = Pacer(delay_for_speed(DEFAULT_SPEED))
        #: What the window shows and knows, without Qt (see saga_desktop.gui.moment).
        self.state = WindowState(saga=self.saga)
        self._busy = False
        #: Sagas whose owner died are in the world (the last snapshot said so).
        self._interrupted = False
        self._run_timer = QElapsedTimer()
        self._closed = False
        self._animations = True
        self._presenter = False
        self._dark = False
        #: True while a batch runs (the pipeline then waits for the batch's end).
        self.batch_running = False
        # Made with the first live event: the engine's event types then load after
        # the window's first paint, not before.
        self._live_queue: SagaMemoryQueue | None = None
        #: The pipeline shows the live run (False while a replay or a selection holds it).
        self.pipeline_live = True
        self._shown_world: moment_text.WorldView | None = None
        self.scenario_dialog: QDialog | None = None
        self.settings = WindowSettings(self.data_dir)
        self.saga_menu = SagaMenu(self)
        # Made after the first paint (its module loads the engine's event types).
        self._metrics = metrics
        self.tools = WindowTools(self)
        self._make_actions()
        window_layout.build_widgets(self)
        self._build_trainer_widgets()
        self._build_menus()
        self._start_worker()
        for problem in restore_settings(self, self.settings):
            self.notices.warn(problem)
        self._update_controls()
        self.show_moment()
        self.history_requested.emit()
        self.metrics_history_requested.emit()

    @property
    def metrics(self) -> MetricsRecorder:
        """What the Metrics tab shows and ``--metrics-port`` serves (made when first asked)."""
        if self._metrics is None:
            from saga_desktop.monitoring import MetricsRecorder

            name = self.saga.name if self.saga is not None else booking.SAGA_NAME
            self._metrics = MetricsRecorder(name)
        return self._metrics

    def _make_actions(self) -> None:
        """The actions of :data:`~saga_desktop.gui.actions.ACTIONS`, and their names here."""
        actions = self.actions_by_key = make_actions(self)
        self.run_action = actions["run"]
        self.restart_action = actions["restart"]
        self.pause_action = actions["pause"]
        self.step_action = actions["step"]
        self.reset_action = actions["reset"]
        self.erase_action = actions["erase"]
        self.run_all_action = actions["run_all"]
        self.presenter_action = actions["presenter"]
        self.dark_action = actions["dark"]

    def _build_menus(self) -> None:
        """The menu bar, from :data:`~saga_desktop.gui.actions.MENUS`."""
        groups: dict[str, Callable[[QMenu], object]] = {
            "@exports": lambda menu: menu.addActions(self.run_files.export_actions),
            "@import": lambda menu: menu.addAction(self.run_files.import_action),
            "@gallery": self.saga_menu.fill_gallery,
            # The cards' right-click menu, reachable from the keyboard too (Alt+R, B).
            "@breakpoints": lambda menu: self.breakpoints.add_to(menu.addMenu("&Breakpoints")),
        }
        for title, entries in MENUS:
            menu = self.menuBar().addMenu(title)
            for key in entries:
                if key is None:
                    menu.addSeparator()
                elif key in groups:
                    groups[key](menu)
                else:
                    menu.addAction(self.actions_by_key[key])

    def _start_worker(self) -> None:
        self._thread = named(QThread(), "sagaWorkerThread")
        self._worker = SagaWorker(self.data_dir, self.pacer, self.saga)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.start)
        worker = self._worker
        for signal, slot in (
            (self.run_requested, worker.run_saga),
            (self.reset_requested, worker.reset_world),
            (self.erase_requested, worker.erase_history),
            (self.recover_requested, worker.recover),
            (self.refresh_requested, worker.refresh),
            (self.dead_letter_retry_requested, worker.retry_dead_letter),
            (self.dead_letter_resolve_requested, worker.resolve_dead_letter),
            (self.history_requested, worker.load_history),
            (self.metrics_history_requested, worker.count_history),
            (self.run_load_requested, worker.load_run),
            (self.scenarios_requested, worker.run_all_scenarios),
            (self.batch_requested, worker.run_batch),
            (worker.events_ready, self._on_worker_events_ready),
            (worker.world_changed, self._on_worker_world_changed),
            (worker.saga_finished, self._on_worker_saga_finished),
            (worker.crashed, self._on_worker_crashed),
            (worker.stopped, self._on_worker_stopped),
            (worker.lock_waited, self._on_worker_lock_waited),
            (worker.recovered, self._on_worker_recovered),
            (worker.booking_rejected, self._on_worker_booking_rejected),
            (worker.errored, self._on_worker_errored),
            (worker.busy_changed, self._on_worker_busy_changed),
            (worker.history_loaded, self.recorded.on_history_loaded),
            (worker.run_loaded, self.recorded.on_run_loaded),
            (worker.scenarios_finished, self._on_worker_scenarios_finished),
            (worker.breakpoint_hit, self._on_worker_breakpoint_hit),
            (worker.batch_progressed, self._on_worker_batch_progressed),
            (worker.batch_finished, self._on_worker_batch_finished),
            (worker.world_reset, self._on_worker_world_reset),
            (worker.warned, self.notices.warn),
            (worker.wait_started, self._on_worker_wait_started),
        ):
            signal.connect(slot)
        self.run_files.connect_worker(worker)
        # The thread starts once the window has painted (see paintEvent): opening
        # the world and recovering interrupted sagas would otherwise hold the GIL
        # while the window builds and paints, a fifth of its start-up. Requests
        # sent before then wait in the worker's queue, behind its start().
        self._worker_thread_started = False

    def _start_worker_thread(self) -> None:
        # Never after shutdown(): a thread started then would outlive the window.
        if self._worker_thread_started or self._closed:
            return
        self._worker_thread_started = True
        # The rest of the window, which the first paint did not need: the tabs the
        # worker fills first (ready before its first report comes in), the presets.
        window_layout.build_run_tabs(self)
        self.scenarios.add_presets()
        # The worker holds the GIL in long stretches while sagas run flat out; a
        # shorter switch interval (default 5 ms) lets the GUI thread in sooner.
        sys.setswitchinterval(_GIL_SWITCH_SECONDS)
        self._worker.metrics = self.metrics  # before its thread runs: then it is the worker's
        self._thread.start()
        self._poll_timer.start()

    def shutdown(self) -> None:
        """Stop the worker thread cleanly (idempotent)."""
        if self._closed:
            return
        self._closed = True
        save_settings(self, self.settings)
        self.replay.pause()
        self._elapsed_timer.stop()
        self._frame_timer.stop()
        self._poll_timer.stop()
        # Let the saga in progress finish at full speed: nothing is left half-done.
        self.pacer.cancel()
        self._thread.quit()
        self._thread.wait()
        self._worker.close()
        self.tools.shutdown()

    def showEvent(self, event: QShowEvent) -> None:
        """Start the worker a moment after showing, should the first paint not come."""
        super().showEvent(event)
        if not self._worker_thread_started:
            QTimer.singleShot(WORKER_START_FALLBACK_MS, self._start_worker_thread)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Start the worker right after the window's first paint."""
        super().paintEvent(event)
        if not self._worker_thread_started:
            QTimer.singleShot(0, self._start_worker_thread)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask first while something runs; stop the worker before the window goes."""
        if not closing.may_close(self, event, busy=self._busy, batch=self.batch_running):
            return
        self.shutdown()
        super().closeEvent(event)

    def _build_trainer_widgets(self) -> None:
        self.run_files = RunFiles(self)
        # Scenario picker: presets (the guide's five first), random failures from a seed.
        # Only "Custom" is there for the first paint, see ScenarioPicker.add_presets.
        self.scenarios = ScenarioPicker(
            self.scenario_picker,
            self.seed_spin,
            self.fault_specs,
            self.pipeline.set_fault_specs,
            self.saga,
        )
        self.scenarios.chosen.connect(self._on_scenarios_chosen)
        self.scenarios.preset_picked.connect(self.form.take_preset)

        # Batch and Timeline tabs: built when first shown or used (see LazyTab), since
        # most sessions never open them and the window starts sooner without them.
        self._batch_tab = named(LazyTab(self._build_batch_panel), "batchTab")
        self.tabs.addTab(self._batch_tab, "Batch")
        # The run the timeline shows, kept until the timeline exists.
        self._timeline_events: list[SagaEvent] = []
        self._timeline_tab = named(LazyTab(self._build_timeline_panel), "timelineTab")
        self.tabs.insertTab(2, self._timeline_tab, "Timeline")
        self.tabs.addTab(self.tools.metrics_page, "Metrics")

        # The History: selecting and replaying recorded runs.
        self.recorded = RecordedRuns(self)
        self.replay = self.recorded.replay
        self.replay_position = self.history_tab.position

        # Breakpoints: right-click a card, or the Run menu.
        self.breakpoints = Breakpoints(self, self.pipeline, self.pacer)

    def _build_batch_panel(self) -> BatchPanel:
        from saga_desktop.gui.batch_panel import BatchPanel

        panel = BatchPanel()
        panel.start_requested.connect(self._on_batch_start_requested)
        panel.cancel_requested.connect(self._on_batch_cancel_requested)
        return panel

    def _build_timeline_panel(self) -> TimelinePanel:
        from saga_desktop.gui.timeline import TimelinePanel

        panel = TimelinePanel()
        if self._timeline_events:
            panel.set_events(self._timeline_events)
        return panel

    # -- sagas: the gallery, a file, a new one --------------------------------------------

    @property
    def successor(self) -> MainWindow | None:
        """The window that took this one's place (another saga opened), if any."""
        return self.saga_menu.successor

    def open_saga_file(self, path: Path | str) -> MainWindow | None:
        """Open the saga file ``path`` in this window's place; None (and a dialog) if refused."""
        return self.saga_menu.open_file(path)

    @Slot()
    def _on_open_saga_action_triggered(self) -> None:
        self.saga_menu.ask_and_open()

    @Slot()
    def _on_new_saga_action_triggered(self) -> None:
        self.tools.open_editor()

    @Slot()
    def _on_lab_action_triggered(self) -> None:
        self.tools.open_lab()

    @Slot()
    def _on_flight_booking_action_triggered(self) -> None:
        if self.saga is not None:
            self.saga_menu.replace(None)
