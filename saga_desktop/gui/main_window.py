"""The main window: assembled from its panels, tabs and actions; it shows one moment at a time.

The window's state (its runs, which moment is shown, what the live side does)
is :class:`~saga_desktop.gui.moment.WindowState`, which knows no Qt; the banner,
status bar and world panel are derived from it (:mod:`saga_desktop.gui.moment_text`)
each time a fact comes in, and the cards follow the same moment: the live run,
a replayed event, or the run selected in the History.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QElapsedTimer, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
)

# Dialogs and table items are imported in the methods that use them: PySide6 builds
# a class's Python enums when the class is first imported, and none of them is
# needed before the window's first paint.
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from saga_desktop import __version__, booking, engine
from saga_desktop.booking import STEP_NAMES, STEP_TEXTS, default_data_dir
from saga_desktop.gui import closing, moment_text, theme
from saga_desktop.gui._qt import LazyTab, named
from saga_desktop.gui.actions import make_actions, shortcut_rows
from saga_desktop.gui.banner import ResultBanner
from saga_desktop.gui.booking_form import BookingForm
from saga_desktop.gui.breakpoints import Breakpoints
from saga_desktop.gui.dead_letters_tab import DeadLettersTab
from saga_desktop.gui.history_tab import HistoryTab
from saga_desktop.gui.log_pane import LogPane
from saga_desktop.gui.moment import (
    LIVE,
    Activity,
    Banner,
    RunRecord,
    WindowState,
)
from saga_desktop.gui.notices import Notices
from saga_desktop.gui.pipeline import PipelineFrame as _PipelineFrame
from saga_desktop.gui.pipeline import PipelineView, StepInfo, presenter_scale, show_event
from saga_desktop.gui.recorded_runs import RecordedRuns
from saga_desktop.gui.replay import what_is_left
from saga_desktop.gui.run_faults import RunFaults
from saga_desktop.gui.run_files import RunFiles
from saga_desktop.gui.scenario_picker import ScenarioPicker
from saga_desktop.gui.settings import WindowSettings, restore_settings, save_settings
from saga_desktop.gui.toolbar import SPEED_INSTANT, ControlsToolbar
from saga_desktop.gui.worker import Pacer, SagaWorker
from saga_desktop.gui.world_panel import WorldPanel

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QPlainTextEdit, QPushButton, QTableWidget, QTreeWidget

    from saga_desktop.engine import SagaEvent, SagaMemoryQueue
    from saga_desktop.gui.batch_panel import BatchPanel
    from saga_desktop.gui.paced_waits import PacedWait
    from saga_desktop.gui.timeline import TimelinePanel

__all__ = ["SPEED_INSTANT", "MainWindow", "delay_for_speed"]

_DEFAULT_SPEED = 55
_GIL_SWITCH_SECONDS = 0.001
# How often an idle window reads the world again (another process may be working in it).
_POLL_MS = 3000
# Runs back to back at Instant speed would repaint the whole window for every saga
# and starve the event loop; the view follows the worker at most this often instead
# (nothing is dropped: the log and the history get every event).
_FRAME_MS = 40
#: Milliseconds after showing at which the worker starts if no paint has come by then
#: (it normally starts right after the first paint).
WORKER_START_FALLBACK_MS = 250


def delay_for_speed(value: int) -> float:
    """Seconds between two events for a speed slider value (0 slow … 100 Instant)."""
    if value >= SPEED_INSTANT:
        return 0.0
    # Quadratic: the slow half of the slider gives a room time to follow.
    return round(0.03 + 2.5 * (1 - value / SPEED_INSTANT) ** 2, 3)


def _step_infos() -> list[StepInfo]:
    return [
        StepInfo(
            name=name,
            title=STEP_TEXTS[name].title,
            description=STEP_TEXTS[name].description,
            compensation=STEP_TEXTS[name].compensation,
            shortcut=f"Ctrl+{number}",
        )
        for number, name in enumerate(STEP_NAMES, start=1)
    ]


class MainWindow(QMainWindow):
    """SAGA Desktop's window.

    Parameters
    ----------
    data_dir
        The world's directory (default: the per-user data directory).
    """

    #: A saga finished: the same response object as ``saga-desktop run --json``.
    saga_finished = Signal(object)
    #: Ask the worker to run a saga: booking data, fault specs by step key.
    run_requested = Signal(object, object)
    #: Restock the world (the saga log stays).
    reset_requested = Signal()
    #: Forget the saga log and start the world again.
    erase_requested = Signal()
    recover_requested = Signal()
    refresh_requested = Signal()
    dead_letter_retry_requested = Signal(str, str)
    dead_letter_resolve_requested = Signal(str, str)
    #: A batch ended: ``BatchReport.to_dict()``.
    batch_finished = Signal(object)
    history_requested = Signal()
    run_load_requested = Signal(str)
    scenarios_requested = Signal()
    #: count, failure rate, seed, on a scratch world
    batch_requested = Signal(int, float, int, bool)

    def __init__(self, data_dir: Path | str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"SAGA Desktop {__version__} — flight booking saga")
        self.resize(1280, 800)
        self.pacer = Pacer(delay_for_speed(_DEFAULT_SPEED))
        #: What the window shows and knows, without Qt (see saga_desktop.gui.moment).
        self.state = WindowState()
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
        self._build_widgets()
        self._build_trainer_widgets()
        self._build_menus()
        self._start_worker()
        for problem in restore_settings(self, self.settings):
            self.notices.warn(problem)
        self._update_controls()
        self.show_moment()
        self.history_requested.emit()

    # -- construction -------------------------------------------------------------

    def _action(
        self, text: str, name: str, shortcut: str, tip: str, slot: Any, checkable: bool = False
    ) -> QAction:
        from saga_desktop.gui.actions import make_action

        return make_action(self, text, name, shortcut, tip, slot, checkable)

    def _build_widgets(self) -> None:
        toolbar = self._toolbar = ControlsToolbar(self.actions_by_key)
        self.addToolBar(toolbar)
        self.run_button = toolbar.run_button
        self.pause_button = toolbar.pause_button
        self.step_button = toolbar.step_button
        self.reset_button = toolbar.reset_button
        self.restart_button = toolbar.restart_button
        self.run_all_button = toolbar.run_all_button
        self.speed_slider = toolbar.speed_slider
        self.speed_label = toolbar.speed_label
        self.scenario_picker = toolbar.scenario_picker
        self.seed_spin = toolbar.seed_spin
        self.seed_spin.setValue(42)
        self.speed_slider.setValue(_DEFAULT_SPEED)
        self.speed_slider.valueChanged.connect(self._on_speed_slider_value_changed)
        self._on_speed_slider_value_changed(self.speed_slider.value())

        self._build_stage()

    def _build_stage(self) -> None:
        """The pipeline with what is left above it, the caption and the banner below."""
        self.pipeline = PipelineView(_step_infos())
        self.pipeline.fault_plan_changed.connect(self._on_pipeline_fault_plan_changed)
        self.run_faults = RunFaults(self.pipeline, self._on_run_faults_applied)
        self.banner = ResultBanner()
        # Room for four lines (which run and moment, then the outcome's three): a
        # banner that grew and shrank would re-lay out the whole pipeline each time.
        self.banner.setMinimumHeight(4 * self.banner.fontMetrics().lineSpacing() + 28)
        self._shown_banner: Banner | None = None
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.what_is_left = named(
            QLabel(),
            "whatIsLeftLabel",
            "What is left",
            "Steps still to run, and what a failure would undo",
        )
        self.what_is_left.setWordWrap(True)
        self.what_is_left.setMargin(4)
        # Room for two lines from the start: the cards below do not jump when it wraps.
        self.what_is_left.setMinimumHeight(2 * self.what_is_left.fontMetrics().lineSpacing() + 8)
        # A palette role, not a style sheet: it follows a switch to the dark theme.
        self.what_is_left.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.caption = named(
            QLabel(), "captionLabel", "Caption", "What just happened, in plain words"
        )
        self.caption.setWordWrap(True)
        self.caption.setMargin(8)
        self.caption.hide()
        left_layout.addWidget(self.what_is_left)
        left_layout.addWidget(self.pipeline, 1)
        left_layout.addWidget(self.caption)
        left_layout.addWidget(self.banner)

        self.world = WorldPanel()
        self.form = BookingForm()
        self.form.focus_changed.connect(self._on_form_focus_changed)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        # The verdict can grow (violations); scroll rather than squash the figures.
        world_scroll = QScrollArea(widgetResizable=True)
        world_scroll.setFrameShape(QFrame.Shape.NoFrame)
        world_scroll.setWidget(self.world)
        # Its figures are never cut: the panel keeps the width they need (no sideways bar).
        world_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        world_scroll.setMinimumWidth(self.world.minimumSizeHint().width() + 16)
        right_layout.addWidget(world_scroll, 1)

        self.top_splitter = top = named(QSplitter(Qt.Orientation.Horizontal), "topSplitter")
        top.addWidget(left)
        top.addWidget(right)
        top.setStretchFactor(0, 4)
        top.setStretchFactor(1, 1)
        top.setSizes([970, 310])

        self._build_tabs()

    def _build_tabs(self) -> None:
        """The bottom tabs: log, History, Dead letters, booking form."""
        self.log = LogPane()
        # History and Dead letters are filled by the worker, which starts after the
        # first paint: their pages are here from the start, their tables (and those
        # classes' Python enums) are built then, see _build_run_tabs.
        self.history_tab = HistoryTab()
        self.dead_tab = DeadLettersTab()
        self.dead_tab.retry_requested.connect(self._on_dead_tab_retry_requested)
        self.dead_tab.resolve_requested.connect(self._on_dead_tab_resolve_requested)

        self.tabs = named(QTabWidget(), "bottomTabs")
        self.tabs.addTab(self.log, "Log")
        self.tabs.addTab(self.history_tab, "History")
        self.tabs.addTab(self.dead_tab, "Dead letters")
        # The form lives in a tab so the world panel keeps the whole right column.
        self.booking_tab = QWidget()
        booking_layout = QHBoxLayout(self.booking_tab)
        booking_layout.addWidget(self.form)
        booking_layout.addStretch(1)
        self.tabs.addTab(self.booking_tab, "Booking")

        main = named(QSplitter(Qt.Orientation.Vertical), "mainSplitter")
        main.addWidget(self.top_splitter)
        main.addWidget(self.tabs)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([470, 300])
        self.setCentralWidget(main)

        self._build_status_bar()

    def _build_status_bar(self) -> None:
        """Step, elapsed time and correlation id of the moment shown; the timers."""
        self.step_label = named(QLabel("Step: –"), "currentStepLabel")
        self.elapsed_label = named(QLabel("Elapsed –"), "elapsedLabel")
        self.correlation_label = named(QLabel("Correlation –"), "correlationLabel")
        self.correlation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = named(QToolButton(), "copyCorrelationButton")
        self.copy_button.setText("Copy id")
        self.copy_button.setToolTip("Copy the correlation id")
        self.copy_button.setAccessibleName("Copy the correlation id")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self._shown_cid = ""
        status = self.statusBar()
        status.addWidget(self.step_label, 2)
        status.addWidget(self.elapsed_label, 1)
        self.notices = Notices(status, self.log)
        status.addPermanentWidget(self.correlation_label)
        status.addPermanentWidget(self.copy_button)
        self._elapsed_timer = QTimer(self, interval=100)
        self._elapsed_timer.timeout.connect(self._on_elapsed_timer_timeout)
        # What the worker reported since the last frame (see _FRAME_MS).
        self._frame_events: list[SagaEvent] = []
        self._frame_lines: list[tuple[str, str]] = []
        self._frame_world: dict[str, Any] | None = None
        self._frame_finished: list[dict[str, Any]] = []
        self._frame_clock = QElapsedTimer()
        self._frame_timer = QTimer(self, singleShot=True)
        self._frame_timer.timeout.connect(self._on_frame_timer_timeout)
        # Another process may change the world while this window idles: look again.
        self._poll_timer = QTimer(self, interval=_POLL_MS)
        self._poll_timer.timeout.connect(self._on_poll_timer_timeout)

        # Ctrl+1 … Ctrl+N flip the failure switches.
        for number, card in enumerate(self.pipeline.cards().values(), start=1):
            toggle = QAction(f"Toggle failure of step {number}", self)
            toggle.setShortcut(QKeySequence(f"Ctrl+{number}"))
            toggle.setObjectName(f"toggleFailAction_{number}")
            # As a click: never while the switch is greyed out.
            toggle.triggered.connect(card.toggle_fault)
            self.addAction(toggle)

    def _build_run_tabs(self) -> None:
        """Fill the History and Dead letters pages (once; see _build_widgets)."""
        self.history_tab.build()
        self.dead_tab.build()

    @property
    def history(self) -> QTreeWidget:
        """The runs so far, newest first (built after the first paint, or when first asked for)."""
        return self.history_tab.tree

    @property
    def history_detail(self) -> QPlainTextEdit:
        """The selected run's result and log."""
        return self.history_tab.detail

    @property
    def dead_letter_table(self) -> QTableWidget:
        """The open dead letters (built with the History tab, see :attr:`history`)."""
        return self.dead_tab.table

    @property
    def retry_button(self) -> QPushButton:
        """Runs the selected dead letter's compensation again."""
        return self.dead_tab.retry_button

    @property
    def resolve_button(self) -> QPushButton:
        """Records that the selected dead letter was settled by hand."""
        return self.dead_tab.resolve_button

    @property
    def replay_buttons(self) -> dict[str, QPushButton]:
        """The History's replay controls, by objectName."""
        return self.history_tab.buttons

    @property
    def _current(self) -> str | None:
        """The correlation id of the live run."""
        return self.state.live

    @property
    def _live_events(self) -> list[SagaEvent]:
        """The live run's events the window has shown, oldest first."""
        record = self.state.live_run()
        return list(record.events or []) if record is not None else []

    @property
    def _crashed(self) -> bool:
        return self.state.crash is not None and self.state.activity is Activity.IDLE

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        save = QAction("Save log…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Save))
        save.triggered.connect(self.log.save_button.click)
        file_menu.addAction(save)
        file_menu.addSeparator()
        for action in self.run_files.export_actions:
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.run_files.import_action)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        run_menu = menu.addMenu("&Run")
        actions = self.actions_by_key
        for key in ("run", "pause", "step", None, "reset", "erase", "restart", None, "run_all"):
            if key is None:
                run_menu.addSeparator()
            else:
                run_menu.addAction(actions[key])
        # The cards' right-click menu, reachable from the keyboard too (Alt+R, B).
        self.breakpoints.add_to(run_menu.addMenu("&Breakpoints"))
        view_menu = menu.addMenu("&View")
        view_menu.addAction(actions["presenter"])
        view_menu.addAction(actions["dark"])
        help_menu = menu.addMenu("&Help")
        shortcuts = named(QAction("Keyboard shortcuts", self), "shortcutsAction")
        shortcuts.setShortcut(QKeySequence("F1"))
        shortcuts.triggered.connect(self._on_shortcuts_action_triggered)
        help_menu.addAction(shortcuts)
        about = named(QAction("About SAGA Desktop", self), "aboutAction")
        about.triggered.connect(self._on_about_action_triggered)
        help_menu.addAction(about)

    def _start_worker(self) -> None:
        self._thread = named(QThread(), "sagaWorkerThread")
        self._worker = SagaWorker(self.data_dir, self.pacer)
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
        self._build_run_tabs()
        self.scenarios.add_presets()
        # The worker holds the GIL in long stretches while sagas run flat out; a
        # shorter switch interval (default 5 ms) lets the GUI thread in sooner.
        sys.setswitchinterval(_GIL_SWITCH_SECONDS)
        self._thread.start()
        self._poll_timer.start()

    # -- public helpers (also used by tests and the self-test) -------------------

    @property
    def busy(self) -> bool:
        """True while the worker runs something for the window."""
        return self._busy

    def fault_specs(self) -> dict[str, str]:
        """The failure switches as ``{step key: kind spec}``."""
        return self.pipeline.fault_specs()

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

    # -- state of the controls, and the moment shown ------------------------------------

    def _update_controls(self) -> None:
        idle = not self._busy
        crashed = self._crashed
        self.run_action.setEnabled(idle and not crashed)
        self.reset_action.setEnabled(idle)
        self.erase_action.setEnabled(idle)
        self.run_all_action.setEnabled(idle)
        # Sagas whose process died (here or in another window) wait for a recovery too.
        recoverable = crashed or self._interrupted
        self.restart_action.setEnabled(idle and recoverable)
        self._toolbar.set_restart_shown(recoverable)
        # A batch or the scenarios run flat out: pausing or stepping them would be a lie.
        paceable = self.state.activity not in (Activity.BATCH, Activity.SCENARIOS)
        self.pause_action.setEnabled(paceable)
        self.step_action.setEnabled(paceable and self.pause_action.isChecked())
        # The panels follow with the next frame: a run shorter than a frame never
        # greys them out and back, which would repaint half the window for nothing.
        self._schedule_frame()

    def _update_panels(self) -> None:
        idle = not self._busy
        if idle:
            self.run_faults.end()
        self.pipeline.set_controls_enabled(idle)
        live = self.run_faults.running and self.pipeline_live
        self.pipeline.set_live_run(live and self.state.activity is Activity.SAGA)
        self.form.setEnabled(idle)
        self.dead_tab.set_enabled(idle)

    def show_moment(self) -> None:
        """Show the moment: the banner, the status bar and the world panel follow it."""
        state = self.state
        said = moment_text.banner(state)
        if said != self._shown_banner:  # an unchanged banner costs nothing
            self._shown_banner = said
            self.banner.show_message(said.kind, said.html)
        elapsed = self._run_timer.elapsed() / 1000 if self._run_timer.isValid() else None
        texts = moment_text.status(state, elapsed)
        self.step_label.setText(texts.step)
        self.elapsed_label.setText(texts.elapsed)
        self.correlation_label.setText(texts.correlation)
        self._shown_cid = texts.correlation_id
        view = moment_text.world_view(state)
        shown, self._shown_world = self._shown_world, view
        if view.live:
            # The live figures reach the panel by themselves (update_state).
            if shown is None or not shown.live or shown.title != view.title:
                self.world.show_live(view.title)
        elif view == shown:
            return
        elif view.state is not None:
            record = state.shown_run()
            self.world.show_moment(view.state, record.world_before if record else None, view.title)

    def _say(self, kind: str, text: str) -> None:
        """The live side's word (no run's outcome): shown on the live moment."""
        self.state.notice = Banner(kind, text)
        self.show_moment()

    def show_live(self, *, render: bool = True) -> None:
        """Give the pipeline, banner and world back to the live run."""
        self.state.moment = LIVE
        if self.replay.length:
            self.replay.load([])
        self.history_tab.select(None)
        self.history_tab.show_detail("")
        if not self.pipeline_live:
            self.pipeline_live = True
            record = self.state.live_run()
            self.rebuild_live(record.events if record and record.events else [])
        if render:
            self.show_moment()

    def rebuild_live(self, events: Sequence[SagaEvent]) -> None:
        """Show a live run's events from its start (after a replay held the pipeline)."""
        frame = _PipelineFrame()
        frame.reset()
        self._live_queue = engine.SagaMemoryQueue()
        for event in events:
            show_event(frame, event)
            self._live_queue.apply(event)
        frame.apply(self.pipeline)
        self.what_is_left.setText(what_is_left(self._live_queue))

    # -- slots: controls ------------------------------------------------------------

    @Slot()
    def _on_run_action_triggered(self) -> None:
        if self._busy or self._crashed:
            return
        self.form.clear_errors()
        self._busy = True
        self.world.mark_baseline()
        self.state.start(
            Activity.SAGA,
            {
                "booking": self.form.booking(),
                "faults": self.fault_specs(),
                "scenario": self.scenarios.title(),
                "world_before": self.state.world,
            },
        )
        # Shown with the next frame: a run shorter than a frame shows only its outcome.
        self.show_live(render=False)
        self._update_controls()
        self._run_timer.start()
        self._elapsed_timer.start()
        # The plan stays the window's: switches of steps still to come change it.
        self.run_requested.emit(self.form.booking(), self.run_faults.start(self.fault_specs()))

    @Slot(bool)
    def _on_pause_action_triggered(self, paused: bool) -> None:
        self._set_paused(paused)

    def _set_paused(self, paused: bool) -> None:
        self.pacer.set_paused(paused)
        self.pause_action.setChecked(paused)
        self.pause_action.setText("▶ Resume" if paused else "⏸ Pause")
        self.state.paused = paused
        self._update_controls()
        self.show_moment()

    @Slot()
    def _on_step_action_triggered(self) -> None:
        self.pacer.step()

    @Slot(int)
    def _on_speed_slider_value_changed(self, value: int) -> None:
        delay = delay_for_speed(value)
        self.pacer.set_delay(delay)
        self.speed_label.setText("Instant" if delay == 0 else f"{delay:.2f} s/event")
        if hasattr(self, "pipeline"):
            self.pipeline.set_animation_duration(self._animation_ms())

    def _animation_ms(self) -> int:
        delay = self.pacer.delay
        if not self._animations or delay == 0:
            return 0
        # The token must arrive before the next event does.
        return int(min(350, delay * 600))

    def set_animations_enabled(self, enabled: bool) -> None:
        """Turn the pipeline's animations on or off (view only; tests turn them off)."""
        self._animations = enabled
        self.pipeline.set_animation_duration(self._animation_ms())

    def _ask(self, title: str, text: str, button: Any) -> bool:
        from PySide6.QtWidgets import QMessageBox

        cancel = QMessageBox.StandardButton.Cancel
        return bool(QMessageBox.question(self, title, text, button | cancel, cancel) == button)

    @Slot()
    def _on_reset_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self._busy:
            return
        held = self._still_held()
        text = (
            "Restock the world: every flight's seats, every user's points, the payments and "
            "the bookings back to the default data? The saga log and the History stay."
            + (f"\n\n{held} stay held until their compensation runs." if held else "")
        )
        if not self._ask("Reset world", text, QMessageBox.StandardButton.Reset):
            return
        self.pipeline.reset()
        self.pipeline_live = True
        self.state.start(Activity.IDLE)
        self._say("idle", "Restocking the world…")
        # Changes since the last run mean nothing across a restock.
        self.world.forget_baseline()
        self.reset_requested.emit()
        self._update_controls()

    def _still_held(self) -> str:
        """What a restock leaves held, in words ("" for nothing): sagas owed a compensation."""
        world = self.state.world or {}
        letters = len({letter["correlation_id"] for letter in world.get("dead_letters", [])})
        interrupted = len(world.get("interrupted", []))
        parts = [
            *([f"{letters} dead-lettered saga(s)"] if letters else []),
            *([f"{interrupted} interrupted saga(s)"] if interrupted else []),
        ]
        return ("What " + " and ".join(parts) + " hold") if parts else ""

    @Slot()
    def _on_erase_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self._busy:
            return
        text = (
            "Forget every saga in the saga log (the History, the dead letters, what "
            "interrupted sagas would recover) and start the world again from the default "
            "data? This cannot be undone. The log files stay."
        )
        if not self._ask("Erase history and world", text, QMessageBox.StandardButton.Discard):
            return
        self.pipeline.reset()
        self.pipeline_live = True
        self.replay.load([])
        self.state.start(Activity.IDLE)
        self.state.runs.clear()
        self.state.live = None
        self.state.crash = None
        self.history_tab.forget(set())
        self.show_on_timeline([])
        self._say("idle", "Erasing the history and the world…")
        self.world.forget_baseline()
        self.erase_requested.emit()
        self._update_controls()

    @Slot(str)
    def _on_worker_world_reset(self, message: str) -> None:
        self._flush_frame()
        kind = "idle" if not message.startswith("Refused") else "failure"
        self._say(kind, message)

    @Slot()
    def _on_restart_action_triggered(self) -> None:
        self._busy = True
        self.state.start(Activity.RECOVERY)
        self._say("running", "Restarting the orchestrator: recovering the interrupted saga…")
        self._update_controls()
        self.recover_requested.emit()

    @Slot()
    def _on_pipeline_fault_plan_changed(self) -> None:
        self.run_faults.switches_changed()
        specs = self.fault_specs()
        self.statusBar().showMessage(
            "Failures: " + (", ".join(f"{k}={v}" for k, v in specs.items()) or "none"), 3000
        )
        self.scenarios.switches_changed()

    def _on_run_faults_applied(self, specs: dict[str, str]) -> None:
        # The run goes by the switches as they are now: so does its record.
        self.state.context["faults"] = specs
        record = self.state.live_run()
        if record is not None and record.response is None:
            record.faults = dict(specs)

    @Slot(object)
    def _on_scenarios_chosen(self, banner: Banner) -> None:
        # Choosing what to run next is about the live side.
        self.show_live()
        self.state.notice = banner
        self.show_moment()

    @Slot(int, int)
    def _on_form_focus_changed(self, flight_id: int, user_id: int) -> None:
        self.world.set_focus(flight_id, user_id)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        if self._shown_cid:
            QGuiApplication.clipboard().setText(self._shown_cid)
            self.statusBar().showMessage("Correlation id copied", 2000)

    @Slot()
    def _on_elapsed_timer_timeout(self) -> None:
        if self._run_timer.isValid() and self.state.moment.kind == "live":
            self.elapsed_label.setText(f"Elapsed {self._run_timer.elapsed() / 1000:.1f} s")

    def _dead_letter_action(self, correlation_id: str) -> None:
        # The run the letter belongs to becomes the live one: the banner then says
        # how its stuck compensation ended (read from the saga log if not at hand).
        state = self.state
        record = state.runs.get(correlation_id)
        if record is None:
            record = state.remember(
                RunRecord(correlation_id, time.time(), source="saga log", faults_known=False)
            )
        state.start(Activity.IDLE)
        if state.live != correlation_id:
            state.live = correlation_id
            self.pipeline_live = False
        self.show_live()
        if record.known_events() is None:
            self.run_load_requested.emit(correlation_id)

    @Slot(str, str)
    def _on_dead_tab_retry_requested(self, correlation_id: str, step: str) -> None:
        self._dead_letter_action(correlation_id)
        self.dead_letter_retry_requested.emit(correlation_id, step)

    @Slot(str, str)
    def _on_dead_tab_resolve_requested(self, correlation_id: str, step: str) -> None:
        self._dead_letter_action(correlation_id)
        self.dead_letter_resolve_requested.emit(correlation_id, step)

    @Slot()
    def _on_shortcuts_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        table = "".join(
            f"<tr><td><b>{html.escape(keys)}</b></td><td>&nbsp;&nbsp;{html.escape(what)}</td></tr>"
            for keys, what in shortcut_rows()
        )
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    @Slot()
    def _on_about_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About SAGA Desktop",
            f"<h3>SAGA Desktop {__version__}</h3><p>Watch a flight-booking saga fail and heal "
            "itself: four local transactions, compensated newest first when one fails.</p>"
            f"<p>Data directory: {html.escape(str(self.data_dir))}</p>",
        )

    # -- trainer and explorer tools -------------------------------------------------

    def _build_trainer_widgets(self) -> None:
        self.run_files = RunFiles(self)
        # Scenario picker: presets (the guide's five first), random failures from a seed.
        # Only "Custom" is there for the first paint, see ScenarioPicker.add_presets.
        self.scenarios = ScenarioPicker(
            self.scenario_picker, self.seed_spin, self.fault_specs, self.pipeline.set_fault_specs
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

    @property
    def batch(self) -> BatchPanel:
        """The Batch tab's panel (built on first use)."""
        return cast("BatchPanel", self._batch_tab.content())

    @property
    def timeline(self) -> TimelinePanel:
        """The Timeline tab's panel (built on first use)."""
        return cast("TimelinePanel", self._timeline_tab.content())

    def show_on_timeline(self, events: list[SagaEvent]) -> None:
        self._timeline_events = events
        if self._timeline_tab.built:
            self.timeline.set_events(events)

    # -- the History ---------------------------------------------------------------------

    def add_run(self, record: RunRecord, *, newest: bool = True) -> None:
        """Keep ``record`` and show its History row (a run read back, imported or made)."""
        self.recorded.add(record, newest=newest)

    def select_run(self, correlation_id: str) -> None:
        """Show the run ``correlation_id`` (its row becomes current): the selected moment."""
        self.recorded.select(correlation_id)

    # -- scenarios -------------------------------------------------------------------

    @Slot()
    def _on_run_all_action_triggered(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._set_paused(False)  # the scenarios run flat out: nothing to pause
        self.state.start(Activity.SCENARIOS)
        self._say("running", "Running the guide's five test scenarios on a scratch world…")
        self._update_controls()
        self.scenarios_requested.emit()

    @Slot(object, str)
    def _on_worker_scenarios_finished(self, report: dict[str, Any], path: str) -> None:
        from saga_desktop.gui.scenario_report import scenario_report_dialog

        if self.scenario_dialog is not None:
            # One report at a time: a new run's replaces the last (open or closed).
            self.scenario_dialog.close()
            self.scenario_dialog.deleteLater()
        self.scenario_dialog = dialog = scenario_report_dialog(self, report, path)
        self.state.activity = Activity.IDLE
        self._say(
            "success" if report["all_passed"] else "failure",
            f"<b>Scenarios: {report['passed']} of {report['total']} passed</b> — "
            f"report in {html.escape(path)}",
        )
        self._update_controls()
        dialog.show()

    # -- batch runs ----------------------------------------------------------------------

    @Slot(int, float, int)
    def _on_batch_start_requested(self, count: int, rate: float, seed: int) -> None:
        if self._busy or self._crashed:
            return
        self._busy = True
        self.batch_running = True
        scratch = self.batch.on_scratch_world()
        self._set_paused(False)  # a batch runs flat out: nothing to pause or step
        self.state.start(Activity.BATCH)
        where = "on a scratch world" if scratch else "on this world"
        self._say("running", f"Running a batch of {count:,} sagas at full speed {where}…")
        self._update_controls()
        self.batch.set_running(True)
        if not scratch:
            self.world.mark_baseline()
        self.batch_requested.emit(count, rate, seed, scratch)

    @Slot()
    def _on_batch_cancel_requested(self) -> None:
        # Thread-safe: the worker checks it between two sagas.
        self.pacer.batch_cancelled.set()

    @Slot(object)
    def _on_worker_batch_progressed(self, progress: dict[str, Any]) -> None:
        self.batch.show_progress(progress)

    @Slot(object)
    def _on_worker_batch_finished(self, report: dict[str, Any]) -> None:
        self._flush_frame()
        self.batch_running = False
        self.batch.set_running(False)
        self.batch.show_report(report)
        self.state.activity = Activity.IDLE
        outcomes = report["outcomes"]
        where = (
            "on a scratch world (this world is unchanged)"
            if report.get("scratch")
            else "on this world"
        )
        self._say(
            "success" if report["consistent"] else "dead",
            f"<b>Batch {'cancelled' if report['cancelled'] else 'finished'}</b> {where}: "
            f"{report['attempted']:,} sagas, {outcomes['confirmed']:,} confirmed, "
            f"{outcomes['compensated']:,} compensated, "
            f"{outcomes['dead_lettered']:,} dead-lettered, "
            f"{report['sagas_per_second']:,.0f} sagas/s — "
            + ("the world adds up." if report["consistent"] else "the world does NOT add up."),
        )
        self._update_controls()
        self.batch_finished.emit(report)

    # -- breakpoints -------------------------------------------------------------------

    def set_breakpoint(self, step: str, *, before_run: bool, before_compensation: bool) -> None:
        """Pause the next runs before ``step`` runs and/or before it is compensated."""
        self.breakpoints.set(step, before_run=before_run, before_compensation=before_compensation)

    @Slot(str)
    def _on_worker_breakpoint_hit(self, where: str) -> None:
        self._flush_frame()
        record = self.state.live_run()
        self.state.breakpoint = (where, len(record.events or []) if record else 0)
        self._set_paused(True)

    # -- presenter mode and themes ---------------------------------------------------------

    @Slot(bool)
    def _on_presenter_action_triggered(self, on: bool) -> None:
        self.set_presenter_mode(on)

    def set_presenter_mode(self, on: bool) -> None:
        """Full screen, big cards and captions for a projector; the log and status hide."""
        was = self._presenter
        self._presenter = on
        self.presenter_action.setChecked(on)
        self.tabs.setVisible(not on)
        self.statusBar().setVisible(not on)
        self.caption.setVisible(on)
        if on and not was:
            # Whatever the order of F11 and maximise, presenter mode is the full screen.
            self._before_presenter = self.windowState()
            self.showFullScreen()
        elif was and not on:
            self.setWindowState(getattr(self, "_before_presenter", Qt.WindowState.WindowNoState))
        self._apply_presenter_scale()
        if on and self._live_events:
            self.caption.setText(booking.caption(self._live_events[-1], self._live_events[:-1]))
        elif on:
            self.caption.setText(
                "Press Run: each step of the saga is explained here as it happens."
            )

    def resizeEvent(self, event: QResizeEvent) -> None:
        """In presenter mode everything follows the screen's size (full screen comes late)."""
        super().resizeEvent(event)
        if self._presenter:
            self._apply_presenter_scale()

    def _size_world_panel(self) -> None:
        width = self.top_splitter.width()
        self.top_splitter.setSizes([width - self._world_width, self._world_width])

    def _apply_presenter_scale(self) -> None:
        on = self._presenter
        scale = presenter_scale(self.width(), self.height(), QApplication.font()) if on else 1.0
        self.pipeline.set_presenter_scale(scale)
        # The figures need room, but the cards are the show: the panel grows less.
        side = 1.0 + (scale - 1.0) * 0.15
        self._world_width = int(320 * side)
        # Once the splitter has its new width (it lags the window's during a resize).
        QTimer.singleShot(0, self._size_world_panel)
        base = QApplication.font().pointSizeF()
        font = QFont(self.font())
        font.setPointSizeF(base * side)
        self.world.setFont(font)
        self.banner.setFont(font)
        big = QFont(font)
        big.setPointSizeF(base * (scale * 0.95 if on else 1.0))
        self.caption.setFont(big)
        left = QFont(font)
        left.setPointSizeF(base * (scale * 0.7 if on else 1.0))
        self.what_is_left.setFont(left)
        lines = QFontMetrics(left).lineSpacing()
        self.what_is_left.setMinimumHeight(2 * lines + 8)
        # Read from the back of a hall: full ink, not the placeholder's grey.
        self.what_is_left.setForegroundRole(
            QPalette.ColorRole.WindowText if on else QPalette.ColorRole.PlaceholderText
        )

    @Slot(bool)
    def _on_dark_action_triggered(self, on: bool) -> None:
        self.set_dark_theme(on)

    def set_dark_theme(self, on: bool) -> None:
        """Switch the application's palette to dark (or back to light)."""
        self._dark = on
        self.dark_action.setChecked(on)
        theme.apply_theme(dark=on)

    # -- slots: the worker ------------------------------------------------------------

    def _schedule_frame(self) -> None:
        if self._frame_timer.isActive():
            return
        since = self._frame_clock.elapsed() if self._frame_clock.isValid() else _FRAME_MS
        # A zero delay still gathers whatever else the worker posted meanwhile.
        self._frame_timer.start(max(0, _FRAME_MS - since))

    @Slot()
    def _on_poll_timer_timeout(self) -> None:
        if not self._busy and not self._closed:
            self.refresh_requested.emit()

    @Slot()
    def _on_frame_timer_timeout(self) -> None:
        self._flush_frame()

    def _flush_frame(self) -> None:
        """Show everything the worker reported since the last frame, in order."""
        self._frame_timer.stop()
        self._frame_clock.start()
        events, self._frame_events = self._frame_events, []
        lines, self._frame_lines = self._frame_lines, []
        world, self._frame_world = self._frame_world, None
        finished, self._frame_finished = self._frame_finished, []
        if world is not None:
            self._take_world(world)
        self._update_panels()
        if events:
            self._show_events(events, lines)
        if world is not None:
            self.world.update_state(world)
        self.world.set_running(self._busy)
        for response in finished:
            self._add_history(response)
        self.show_moment()
        for response in finished:
            self.saga_finished.emit(response)

    def _take_world(self, world: dict[str, Any]) -> None:
        self.state.world = world
        # The dead-letter queue comes with every world snapshot.
        letters = world.get("dead_letters", [])
        if self.dead_tab.show_letters(letters):
            self.tabs.setTabText(
                self.tabs.indexOf(self.dead_tab),
                f"Dead letters ({len(letters)})" if letters else "Dead letters",
            )
        if self._interrupted != bool(world.get("interrupted")):
            self._interrupted = not self._interrupted
            self._update_controls()
            if self._interrupted and not self._crashed and not self._busy:
                count = len(world["interrupted"])
                self.state.notice = Banner(
                    "crash",
                    f"<b>⟲ {count} saga(s) interrupted</b> — a process working in this "
                    "data directory stopped before they ended. Press <b>Restart "
                    "orchestrator</b> to recover them.",
                )

    @Slot(object)
    def _on_worker_events_ready(
        self, payload: tuple[list[SagaEvent], list[tuple[str, str]]]
    ) -> None:
        events, lines = payload
        self._frame_events.extend(events)
        self._frame_lines.extend(lines)
        self._schedule_frame()

    def _show_events(self, events: list[SagaEvent], lines: list[tuple[str, str]]) -> None:
        # The lines were formatted in the worker thread: the GUI thread only shows them.
        self.log.append_lines(lines)
        if self.batch_running:
            # Hundreds of sagas a second: the log streams; the pipeline waits for the
            # end, and the History keeps the runs made one by one.
            return
        state = self.state
        before = state.live
        switched = state.take_events(events)
        record = state.live_run()
        if record is None or record.events is None:
            return
        if not self.pipeline_live or switched:
            # A live run takes the pipeline back from a replay, and shows from its start.
            if self.replay.length:
                self.replay.load([])
            self.history_tab.select(None)
            self.pipeline_live = True
            self.rebuild_live(record.events)
        else:
            frame = _PipelineFrame()
            if self._live_queue is None or state.live != before:
                self._live_queue = engine.SagaMemoryQueue()
            for event in events:
                if event.correlation_id == state.live:
                    show_event(frame, event)
                    self._live_queue.apply(event)
            frame.apply(self.pipeline)
            self.what_is_left.setText(what_is_left(self._live_queue))
        shown = record.events
        if self._presenter and shown:
            self.caption.setText(booking.caption(shown[-1], shown[:-1]))

    @Slot(object)
    def _on_worker_wait_started(self, wait: PacedWait) -> None:
        # After what came before it (the retry, the late effect in the world).
        self._flush_frame()
        if self.pipeline_live:
            self.pipeline.show_wait(wait.step, wait.text, wait.seconds, wait.held)

    @Slot(object)
    def _on_worker_world_changed(self, state: dict[str, Any]) -> None:
        self._frame_world = state
        self._schedule_frame()

    @Slot(object)
    def _on_worker_saga_finished(self, response: dict[str, Any]) -> None:
        self._elapsed_timer.stop()
        self._on_elapsed_timer_timeout()
        # Emitted with the frame that shows it, so the window and the signal agree.
        self._frame_finished.append(response)
        self._schedule_frame()

    def _add_history(self, response: dict[str, Any], source: str = "") -> RunRecord:
        state = self.state
        record = state.finish(response, state.world, time.time())
        if source:
            record.source = source
        if state.activity is Activity.SAGA and response["correlation_id"] == state.live:
            state.activity = Activity.IDLE
            state.paused = self.pause_action.isChecked()
        self.history_tab.show_run(record)
        self.history_tab.forget(set(state.runs))
        if state.moment.kind == "live" and self._timeline_tab.built:
            # The Timeline shows the moment's run too: the one that just ended.
            self.show_on_timeline(record.known_events() or [])
        return record

    @Slot(str)
    def _on_worker_crashed(self, message: str) -> None:
        self._stopped(
            f"<b>💥 Orchestrator crashed</b> — {html.escape(message)}.<br>The saga is "
            "interrupted: press <b>Restart orchestrator</b> to recover it from the durable "
            "saga log."
        )

    def _stopped(self, text: str) -> None:
        self._flush_frame()
        self._elapsed_timer.stop()
        self.pipeline.set_compensating(False)
        self.state.activity = Activity.IDLE
        self.state.crash = Banner("crash", text)
        self._update_controls()
        self.show_moment()

    @Slot(str)
    def _on_worker_stopped(self, message: str) -> None:
        # Unrefused, uncompensated: left for recovery, like a crash, but said as it was.
        self._stopped(
            f"<b>⏸ The saga stopped unfinished</b> — {html.escape(message)}<br>Press "
            "<b>Restart orchestrator</b> once the data directory is free to recover it."
        )

    @Slot(str)
    def _on_worker_lock_waited(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    @Slot(object)
    def _on_worker_recovered(self, responses: list[dict[str, Any]]) -> None:
        self._flush_frame()
        state = self.state
        was_crashed = state.crash is not None
        state.crash = None
        state.activity = Activity.IDLE
        for response in responses:
            self._add_history(response, "recovered")
        if responses:
            state.notice = Banner(
                "failure",
                f"<b>⟲ Recovered {len(responses)} interrupted saga(s)</b> — every step that may "
                "have run was compensated, newest first.",
            )
        elif was_crashed:
            state.notice = Banner("idle", "Orchestrator restarted: nothing to recover.")
        self._update_controls()
        self.show_moment()
        if responses:
            self.saga_finished.emit(responses[-1])

    @Slot(str, str)
    def _on_worker_booking_rejected(self, field: str, message: str) -> None:
        self._busy = False
        self._elapsed_timer.stop()
        self._run_timer.invalidate()
        self.world.set_running(False)
        self.form.show_error(field, message)
        self.tabs.setCurrentWidget(self.booking_tab)
        self.state.activity = Activity.IDLE
        self._say("idle", f"<b>Nothing was run:</b> {html.escape(message)}")
        self._update_controls()

    @Slot(str)
    def _on_worker_errored(self, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._busy = False
        self.world.set_running(False)
        if self.batch_running:  # a batch that failed never sends batch_finished
            self.batch_running = False
            self.batch.set_running(False)
        self.state.activity = Activity.IDLE
        self._update_controls()
        self.show_moment()
        QMessageBox.warning(self, "SAGA Desktop", message)

    @Slot(bool)
    def _on_worker_busy_changed(self, busy: bool) -> None:
        self._busy = busy
        # The world is judged "in flight" or not with the frame that shows its snapshot.
        self._update_controls()
