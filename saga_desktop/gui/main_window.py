"""The main window: pipeline, failure switches, log, world, history and dead letters."""

from __future__ import annotations

import html
import sys
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import (
    QElapsedTimer,
    QPoint,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFont,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
    QPalette,
    QShowEvent,
)

# Dialogs and table items are imported in the methods that use them: PySide6 builds
# a class's Python enums when the class is first imported, and none of them is
# needed before the window's first paint.
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from saga_desktop import __version__, booking, engine
from saga_desktop.booking import STEP_NAMES, STEP_TEXTS, default_data_dir
from saga_desktop.gui import closing, theme
from saga_desktop.gui._qt import LazyTab, named
from saga_desktop.gui.banner import ResultBanner
from saga_desktop.gui.booking_form import BookingForm
from saga_desktop.gui.log_pane import LogPane
from saga_desktop.gui.notices import Notices
from saga_desktop.gui.pipeline import PipelineView, StepCard, StepInfo
from saga_desktop.gui.replay import ReplayController, response_from_events, what_is_left
from saga_desktop.gui.run_files import RunFiles
from saga_desktop.gui.settings import WindowSettings, restore_settings, save_settings
from saga_desktop.gui.worker import Pacer, SagaWorker
from saga_desktop.gui.world_panel import WorldPanel

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QTableWidget, QTreeWidget

    from saga_desktop.engine import SagaEvent, SagaMemoryQueue
    from saga_desktop.gui.batch_panel import BatchPanel
    from saga_desktop.gui.timeline import TimelinePanel

__all__ = ["SPEED_INSTANT", "MainWindow", "delay_for_speed"]

#: The speed slider's maximum: Instant.
SPEED_INSTANT = 100
_DEFAULT_SPEED = 55
# History keeps this many runs before forgetting the oldest.
_HISTORY_LIMIT = 500
# The History's detail shows the log lines of at most this many events of a run.
_DETAIL_EVENTS = 2_000
_GIL_SWITCH_SECONDS = 0.001
# How often an idle window reads the world again (another process may be working in it).
_POLL_MS = 3000
# The scenario picker's entry for random failures drawn from the seed.
_RANDOM = "__random__"
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


def history_item(
    started: str,
    correlation_id: str,
    outcome: str,
    failed_step: str | None,
    duration: str,
    source: str = "",
) -> QTreeWidgetItem:
    """A History row; ``source`` says where a run not made here came from."""
    text = outcome.replace("_", " ").capitalize() + (f" ({source})" if source else "")
    item = QTreeWidgetItem([started, correlation_id, text, failed_step or "", duration])
    # The row's run, whatever its texts: selecting it finds the run by this.
    item.setData(0, Qt.ItemDataRole.UserRole, correlation_id)
    return item


class _Stage(Protocol):
    """What ``show_event`` moves: the pipeline itself, or a frame gathered for it."""

    def reset(self) -> None: ...
    def set_step_status(self, name: str, status: str) -> None: ...
    def set_attempt(self, name: str, attempt: int, max_attempts: int) -> None: ...
    def set_note(self, name: str, text: str) -> None: ...
    def set_compensating(self, active: bool) -> None: ...


class _PipelineFrame:
    """Where a frame's events leave the pipeline, applied to it in one go.

    Replaying a whole saga card by card costs a restyle per status; a frame sets
    each card once, to its last status, and leaves unchanged cards alone.
    """

    def __init__(self) -> None:
        self._reset = False
        # Insertion order is the order of the last change: the token ends where it should.
        self._statuses: dict[str, str] = {}
        self._attempts: dict[str, tuple[int, int]] = {}
        self._notes: dict[str, str] = {}
        self._compensating: bool | None = None

    def reset(self) -> None:
        self._reset = True
        self._statuses.clear()
        self._attempts.clear()
        self._notes.clear()
        self._compensating = False

    def set_step_status(self, name: str, status: str) -> None:
        self._statuses.pop(name, None)
        self._statuses[name] = status

    def set_attempt(self, name: str, attempt: int, max_attempts: int) -> None:
        self._attempts[name] = (attempt, max_attempts)

    def set_note(self, name: str, text: str) -> None:
        self._notes[name] = text

    def set_compensating(self, active: bool) -> None:
        self._compensating = active

    def apply(self, pipeline: PipelineView) -> None:
        cards = pipeline.cards()
        if self._reset:
            for name in cards:
                self._attempts.setdefault(name, (0, 0))
                self._notes.setdefault(name, "")
            untouched = {name: "PENDING" for name in cards if name not in self._statuses}
            self._statuses = untouched | self._statuses
        for name, status in self._statuses.items():
            if cards[name].property("status") != status:
                pipeline.set_step_status(name, status)
        for name, (attempt, max_attempts) in self._attempts.items():
            pipeline.set_attempt(name, attempt, max_attempts)
        for name, text in self._notes.items():
            if cards[name].note() != text:
                pipeline.set_note(name, text)
        if self._compensating is not None:
            pipeline.set_compensating(self._compensating)


def _show_attempt(pipeline: _Stage, step: str, attempt: int, max_attempts: int) -> None:
    # A first attempt needs no counter; a retry shows "attempt 2/3".
    pipeline.set_attempt(step, attempt, max_attempts if attempt > 1 else 1)


def show_event(pipeline: _Stage, event: SagaEvent) -> None:
    """Move the pipeline's cards to where ``event`` leaves them (view only)."""
    if isinstance(event, engine.SagaStarted):
        pipeline.reset()
    elif isinstance(event, engine.StepStarted):
        pipeline.set_step_status(event.step, "EXECUTING")
        _show_attempt(pipeline, event.step, event.attempt, event.max_attempts)
    elif isinstance(event, engine.StepRetried):
        pipeline.set_note(event.step, f"retry in {event.delay:.2f} s")
    elif isinstance(event, engine.StepSucceeded):
        pipeline.set_note(event.step, "")
        pipeline.set_step_status(event.step, "COMPLETED")
    elif isinstance(event, engine.StepFailed):
        pipeline.set_step_status(event.step, "FAILED")
        pipeline.set_note(event.step, "effect unknown (timed out)" if event.timed_out else "")
    elif isinstance(event, engine.CompensationTriggered):
        pipeline.set_compensating(bool(event.steps))
    elif isinstance(event, engine.CompensationStarted):
        pipeline.set_step_status(event.step, "COMPENSATING")
        _show_attempt(pipeline, event.step, event.attempt, event.max_attempts)
    elif isinstance(event, engine.CompensationRetried):
        pipeline.set_note(event.step, f"undo retry in {event.delay:.2f} s")
    elif isinstance(event, engine.CompensationSucceeded):
        pipeline.set_note(event.step, "")
        pipeline.set_step_status(event.step, "COMPENSATED")
    elif isinstance(event, engine.CompensationFailed):
        pipeline.set_step_status(event.step, "FAILED")
        pipeline.set_note(event.step, "undo failed")
    elif isinstance(event, engine.DeadLettered):
        pipeline.set_note(event.step, "dead-lettered")
    elif isinstance(event, engine.SagaCompleted | engine.SagaCompensated):
        pipeline.set_compensating(False)


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
    reset_requested = Signal()
    recover_requested = Signal()
    refresh_requested = Signal()
    dead_letter_retry_requested = Signal(str, str)
    dead_letter_resolve_requested = Signal(str, str)
    #: A batch ended: ``BatchReport.to_dict()``.
    batch_finished = Signal(object)
    history_requested = Signal()
    run_load_requested = Signal(str)
    scenarios_requested = Signal()
    batch_requested = Signal(int, float, int)

    def __init__(self, data_dir: Path | str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"SAGA Desktop {__version__} — flight booking saga")
        self.resize(1280, 800)
        self.pacer = Pacer(delay_for_speed(_DEFAULT_SPEED))
        self._busy = False
        self._crashed = False
        #: Sagas whose owner died are in the world (the last snapshot said so).
        self._interrupted = False
        self._run_timer = QElapsedTimer()
        self._runs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._current: str | None = None
        self._closed = False
        self._animations = True
        self._presenter = False
        self._dark = False
        #: True while a batch runs (the pipeline then waits for the batch's end).
        self.batch_running = False
        # Made with the first live event: the engine's event types then load after
        # the window's first paint, not before.
        self._live_queue: SagaMemoryQueue | None = None
        self._live_events: list[SagaEvent] = []
        self._run_context: dict[str, Any] = {}
        self._selected_run: str | None = None
        self.scenario_dialog: QDialog | None = None
        self.settings = WindowSettings(self.data_dir)

        self._build_actions()
        self._build_widgets()
        self._build_trainer_widgets()
        self._build_menus()
        self._start_worker()
        for problem in restore_settings(self, self.settings):
            self.notices.warn(problem)
        self._update_controls()
        self.history_requested.emit()

    # -- construction -------------------------------------------------------------

    def _action(
        self, text: str, name: str, shortcut: str, tip: str, slot: Any, checkable: bool = False
    ) -> QAction:
        action = named(QAction(text, self, checkable=checkable), name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            tip = (
                f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
            )
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.run_action = self._action(
            "▶ Run", "runAction", "Ctrl+R", "Run one booking saga", self._on_run_action_triggered
        )
        self.pause_action = self._action(
            "⏸ Pause",
            "pauseAction",
            "Ctrl+P",
            "Pause or resume the saga",
            self._on_pause_action_triggered,
            checkable=True,
        )
        self.step_action = self._action(
            "⏭ Step",
            "stepAction",
            "Ctrl+N",
            "Advance one event while paused",
            self._on_step_action_triggered,
        )
        self.reset_action = self._action(
            "⟲ Reset world",
            "resetAction",
            "Ctrl+Shift+R",
            "Back to the default flights, seats and users",
            self._on_reset_action_triggered,
        )
        self.restart_action = self._action(
            "⚡ Restart orchestrator",
            "restartAction",
            "Ctrl+Shift+O",
            "Start a new orchestrator, which recovers the interrupted saga",
            self._on_restart_action_triggered,
        )

    def _tool_button(self, action: QAction, name: str, accessible: str) -> QToolButton:
        button = named(QToolButton(), name)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setAccessibleName(accessible)
        return button

    def _build_widgets(self) -> None:
        toolbar = named(QToolBar("Controls", movable=False), "controlsToolbar")
        self.addToolBar(toolbar)
        self.run_button = self._tool_button(self.run_action, "runButton", "Run")
        self.pause_button = self._tool_button(self.pause_action, "pauseButton", "Pause")
        self.step_button = self._tool_button(self.step_action, "stepButton", "Step")
        self.reset_button = self._tool_button(self.reset_action, "resetButton", "Reset world")
        self.restart_button = self._tool_button(
            self.restart_action, "restartButton", "Restart orchestrator"
        )
        self.speed_slider = named(QSlider(Qt.Orientation.Horizontal), "speedSlider")
        self.speed_slider.setRange(0, SPEED_INSTANT)
        self.speed_slider.setValue(_DEFAULT_SPEED)
        self.speed_slider.setFixedWidth(180)
        self.speed_slider.setToolTip("Speed: slow for teaching, far right is Instant")
        self.speed_slider.setAccessibleName("Speed")
        self.speed_label = named(QLabel(), "speedLabel")
        self.speed_label.setMinimumWidth(90)
        for widget in (self.run_button, self.pause_button, self.step_button):
            toolbar.addWidget(widget)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Speed "))
        toolbar.addWidget(QLabel("slow"))
        toolbar.addWidget(self.speed_slider)
        toolbar.addWidget(QLabel("instant "))
        toolbar.addWidget(self.speed_label)
        toolbar.addSeparator()
        toolbar.addWidget(self.reset_button)
        # A widget in a tool bar is shown and hidden through the action that holds it.
        self._restart_slot = toolbar.addWidget(self.restart_button)
        self._toolbar = toolbar
        self.speed_slider.valueChanged.connect(self._on_speed_slider_value_changed)
        self._on_speed_slider_value_changed(self.speed_slider.value())

        self.pipeline = PipelineView(_step_infos())
        self.pipeline.fault_plan_changed.connect(self._on_pipeline_fault_plan_changed)
        self.banner = ResultBanner()
        self._set_banner("idle", "Flip a failure switch, then press <b>Run</b> (Ctrl+R).")
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
        right_layout.addWidget(world_scroll, 1)

        self.top_splitter = top = named(QSplitter(Qt.Orientation.Horizontal), "topSplitter")
        top.addWidget(left)
        top.addWidget(right)
        top.setStretchFactor(0, 4)
        top.setStretchFactor(1, 1)
        top.setSizes([970, 310])

        self.log = LogPane()
        # History and Dead letters are filled by the worker, which starts after the
        # first paint: their pages are here from the start, their tables (and those
        # classes' Python enums) are built then, see _build_run_tabs.
        self.history_tab = QSplitter(Qt.Orientation.Horizontal)
        self.dead_tab = QWidget()
        self._run_tabs_built = False

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
        main.addWidget(top)
        main.addWidget(self.tabs)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([470, 300])
        self.setCentralWidget(main)

        self.step_label = named(QLabel("Step: –"), "currentStepLabel")
        self.elapsed_label = named(QLabel("Elapsed –"), "elapsedLabel")
        self.correlation_label = named(QLabel("Correlation –"), "correlationLabel")
        self.correlation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = named(QToolButton(), "copyCorrelationButton")
        self.copy_button.setText("Copy id")
        self.copy_button.setToolTip("Copy the correlation id")
        self.copy_button.setAccessibleName("Copy the correlation id")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
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
        self._frame_finished: list[tuple[dict[str, Any], float]] = []
        self._frame_clock = QElapsedTimer()
        self._frame_timer = QTimer(self, singleShot=True)
        self._frame_timer.timeout.connect(self._on_frame_timer_timeout)
        # Another process may change the world while this window idles: look again.
        self._poll_timer = QTimer(self, interval=_POLL_MS)
        self._poll_timer.timeout.connect(self._on_poll_timer_timeout)
        self._letters: list[dict[str, Any]] | None = None
        self._announced = True  # the "running" banner of the current run was shown

        # Ctrl+1 … Ctrl+N flip the failure switches.
        for number, card in enumerate(self.pipeline.cards().values(), start=1):
            toggle = QAction(f"Toggle failure of step {number}", self)
            toggle.setShortcut(QKeySequence(f"Ctrl+{number}"))
            toggle.setObjectName(f"toggleFailAction_{number}")
            toggle.triggered.connect(card.fail_toggle().toggle)
            self.addAction(toggle)

    def _build_run_tabs(self) -> None:
        """Fill the History and Dead letters pages (once; see _build_widgets)."""
        if self._run_tabs_built:  # asked by every property below: first, before any import
            return
        self._run_tabs_built = True
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTreeWidget

        self._history = named(QTreeWidget(), "historyList")
        self._history.setHeaderLabels(
            ["Started", "Correlation id", "Outcome", "Failed step", "Duration"]
        )
        self._history.setRootIsDecorated(False)
        self._history.setAccessibleName("History of runs")
        self._history.setToolTip(
            "Every run since the app started; select one to see its result and log"
        )
        self._history.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._history.currentItemChanged.connect(self._on_history_current_item_changed)
        self._history_detail = named(QPlainTextEdit(readOnly=True), "historyDetail")
        self._history_detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._history_detail.setAccessibleName("Selected run")
        self.history_tab.addWidget(self._history)
        self.history_tab.addWidget(self._history_detail)
        self.history_tab.setSizes([520, 760])

        self._dead_letter_table = named(QTableWidget(0, 4), "deadLetterTable")
        self._dead_letter_table.setHorizontalHeaderLabels(
            ["Correlation id", "Compensation", "Attempts", "Error"]
        )
        header = self._dead_letter_table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._dead_letter_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._dead_letter_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._dead_letter_table.setAccessibleName("Dead letters")
        self._retry_button = named(QPushButton("Retry compensation"), "retryDeadLetterButton")
        self._retry_button.setToolTip("Run the selected compensation again")
        self._retry_button.setAccessibleName("Retry the selected dead letter")
        self._resolve_button = named(QPushButton("Mark resolved"), "resolveDeadLetterButton")
        self._resolve_button.setToolTip("Record that the selected dead letter was settled by hand")
        self._resolve_button.setAccessibleName("Mark the selected dead letter resolved")
        self._retry_button.clicked.connect(self._on_retry_button_clicked)
        self._resolve_button.clicked.connect(self._on_resolve_button_clicked)
        dead_layout = QVBoxLayout(self.dead_tab)
        buttons = QHBoxLayout()
        buttons.addWidget(self._retry_button)
        buttons.addWidget(self._resolve_button)
        buttons.addStretch(1)
        dead_layout.addWidget(self._dead_letter_table)
        dead_layout.addLayout(buttons)
        # Nothing to retry yet: _update_controls keeps them in step from now on.
        self._retry_button.setEnabled(False)
        self._resolve_button.setEnabled(False)

    @property
    def history(self) -> QTreeWidget:
        """The runs so far, newest first (built after the first paint, or when first asked for)."""
        self._build_run_tabs()
        return self._history

    @property
    def history_detail(self) -> QPlainTextEdit:
        """The selected run's result and log."""
        self._build_run_tabs()
        return self._history_detail

    @property
    def dead_letter_table(self) -> QTableWidget:
        """The open dead letters (built with the History tab, see :attr:`history`)."""
        self._build_run_tabs()
        return self._dead_letter_table

    @property
    def retry_button(self) -> QPushButton:
        """Runs the selected dead letter's compensation again."""
        self._build_run_tabs()
        return self._retry_button

    @property
    def resolve_button(self) -> QPushButton:
        """Records that the selected dead letter was settled by hand."""
        self._build_run_tabs()
        return self._resolve_button

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
        for action in (self.run_action, self.pause_action, self.step_action):
            run_menu.addAction(action)
        run_menu.addSeparator()
        run_menu.addAction(self.reset_action)
        run_menu.addAction(self.restart_action)
        run_menu.addSeparator()
        run_menu.addAction(self.run_all_action)
        # The cards' right-click menu, reachable from the keyboard too (Alt+R, B).
        breakpoints = run_menu.addMenu("&Breakpoints")
        self.breakpoint_actions: dict[tuple[str, bool], QAction] = {}
        for name in self.pipeline.cards():
            for compensation, text in (
                (False, "before {} runs"),
                (True, "before {} is compensated"),
            ):
                action = named(
                    QAction(f"Pause {text.format(name)}", self, checkable=True),
                    f"breakpointAction_{name.lower()}_{'undo' if compensation else 'run'}",
                )
                action.setData((name, compensation))
                action.toggled.connect(self._on_breakpoint_action_toggled)
                breakpoints.addAction(action)
                self.breakpoint_actions[(name, compensation)] = action
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.presenter_action)
        view_menu.addAction(self.dark_action)
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
        self.run_requested.connect(self._worker.run_saga)
        self.reset_requested.connect(self._worker.reset_world)
        self.recover_requested.connect(self._worker.recover)
        self.refresh_requested.connect(self._worker.refresh)
        self.dead_letter_retry_requested.connect(self._worker.retry_dead_letter)
        self.dead_letter_resolve_requested.connect(self._worker.resolve_dead_letter)
        self._worker.events_ready.connect(self._on_worker_events_ready)
        self._worker.world_changed.connect(self._on_worker_world_changed)
        self._worker.saga_finished.connect(self._on_worker_saga_finished)
        self._worker.crashed.connect(self._on_worker_crashed)
        self._worker.stopped.connect(self._on_worker_stopped)
        self._worker.lock_waited.connect(self._on_worker_lock_waited)
        self._worker.recovered.connect(self._on_worker_recovered)
        self._worker.booking_rejected.connect(self._on_worker_booking_rejected)
        self._worker.errored.connect(self._on_worker_errored)
        self._worker.busy_changed.connect(self._on_worker_busy_changed)
        self.history_requested.connect(self._worker.load_history)
        self.run_load_requested.connect(self._worker.load_run)
        self.scenarios_requested.connect(self._worker.run_all_scenarios)
        self._worker.history_loaded.connect(self._on_worker_history_loaded)
        self._worker.run_loaded.connect(self._on_worker_run_loaded)
        self._worker.scenarios_finished.connect(self._on_worker_scenarios_finished)
        self._worker.breakpoint_hit.connect(self._on_worker_breakpoint_hit)
        self.batch_requested.connect(self._worker.run_batch)
        self._worker.batch_progressed.connect(self._on_worker_batch_progressed)
        self._worker.batch_finished.connect(self._on_worker_batch_finished)
        self._worker.warned.connect(self.notices.warn)
        self.run_files.connect_worker(self._worker)
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
        self._add_scenario_presets()
        # The worker holds the GIL in long stretches while sagas run flat out; a
        # shorter switch interval (default 5 ms) lets the GUI thread in sooner.
        sys.setswitchinterval(_GIL_SWITCH_SECONDS)
        self._thread.start()
        self._poll_timer.start()

    def _add_scenario_presets(self) -> None:
        # The presets load the guide's scenarios and the fault plans: a few
        # milliseconds the first paint does without (the picker shows "Custom").
        if self.scenario_picker.count() > 1:
            return
        for entry in booking.PRESETS:
            self.scenario_picker.addItem(entry.title, entry.name)
        self.scenario_picker.addItem("Random failures (seed)", _RANDOM)

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

    # -- state of the controls -----------------------------------------------------

    def _update_controls(self) -> None:
        idle = not self._busy
        self.run_action.setEnabled(idle and not self._crashed)
        self.reset_action.setEnabled(idle)
        # Sagas whose process died (here or in another window) wait for a recovery too.
        recoverable = self._crashed or self._interrupted
        self.restart_action.setEnabled(idle and recoverable)
        self._restart_slot.setVisible(recoverable)
        self.step_action.setEnabled(self.pause_action.isChecked())
        # The panels follow with the next frame: a run shorter than a frame never
        # greys them out and back, which would repaint half the window for nothing.
        self._schedule_frame()

    def _update_panels(self) -> None:
        idle = not self._busy
        self.pipeline.set_controls_enabled(idle)
        self.form.setEnabled(idle)
        if self._run_tabs_built:
            has_letters = self._dead_letter_table.rowCount() > 0
            self._retry_button.setEnabled(idle and has_letters)
            self._resolve_button.setEnabled(idle and has_letters)

    def _set_banner(self, kind: str, html: str) -> None:
        self.banner.show_message(kind, html)

    # -- slots: controls ------------------------------------------------------------

    @Slot()
    def _on_run_action_triggered(self) -> None:
        if self._busy or self._crashed:
            return
        self.form.clear_errors()
        self._busy = True
        self._announced = False
        self._update_controls()
        self.world.mark_baseline()
        self._run_context = {
            "booking": self.form.booking(),
            "faults": self.fault_specs(),
            "world_before": self.world.state,
        }
        self._run_timer.start()
        self._elapsed_timer.start()
        # Instant speed: the token would lag behind, so the pipeline skips animation.
        self.run_requested.emit(self.form.booking(), self.fault_specs())

    @Slot(bool)
    def _on_pause_action_triggered(self, paused: bool) -> None:
        self.pacer.set_paused(paused)
        self.pause_action.setText("▶ Resume" if paused else "⏸ Pause")
        self._update_controls()

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

    @Slot()
    def _on_reset_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self._busy:
            return
        answer = QMessageBox.question(
            self,
            "Reset world",
            "Throw away every booking, payment and saga log entry, and go back to the "
            "default flights, seats and users?",
            QMessageBox.StandardButton.Reset | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Reset:
            return
        self.pipeline.reset()
        self._crashed = False
        self._set_banner("idle", "World reset to the default data.")
        # Changes since the last run mean nothing across a reset.
        self.world.forget_baseline()
        self.reset_requested.emit()
        self._update_controls()

    @Slot()
    def _on_restart_action_triggered(self) -> None:
        self._busy = True
        self._update_controls()
        self._set_banner("running", "Restarting the orchestrator: recovering the interrupted saga…")
        self.recover_requested.emit()

    @Slot()
    def _on_pipeline_fault_plan_changed(self) -> None:
        specs = self.fault_specs()
        self.statusBar().showMessage(
            "Failures: " + (", ".join(f"{k}={v}" for k, v in specs.items()) or "none"), 3000
        )

    @Slot(int, int)
    def _on_form_focus_changed(self, flight_id: int, user_id: int) -> None:
        self.world.set_focus(flight_id, user_id)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        if self._current:
            QGuiApplication.clipboard().setText(self._current)
            self.statusBar().showMessage("Correlation id copied", 2000)

    @Slot()
    def _on_elapsed_timer_timeout(self) -> None:
        if self._run_timer.isValid():
            self.elapsed_label.setText(f"Elapsed {self._run_timer.elapsed() / 1000:.1f} s")

    def _selected_dead_letter(self) -> tuple[str, str] | None:
        row = self.dead_letter_table.currentRow()
        if row < 0:
            row = 0 if self.dead_letter_table.rowCount() else -1
        if row < 0:
            return None
        item = self.dead_letter_table.item(row, 0)
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return (str(data[0]), str(data[1])) if data else None

    @Slot()
    def _on_retry_button_clicked(self) -> None:
        letter = self._selected_dead_letter()
        if letter is not None:
            self.dead_letter_retry_requested.emit(*letter)

    @Slot()
    def _on_resolve_button_clicked(self) -> None:
        letter = self._selected_dead_letter()
        if letter is not None:
            self.dead_letter_resolve_requested.emit(*letter)

    @Slot()
    def _on_shortcuts_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        rows = [
            ("Ctrl+R", "Run one saga"),
            ("Ctrl+P", "Pause / resume"),
            ("Ctrl+N", "Step one event while paused"),
            ("Ctrl+1 … Ctrl+4", "Flip the failure switch of step 1 … 4"),
            ("Ctrl+Shift+R", "Reset world"),
            ("Ctrl+Shift+O", "Restart orchestrator (after a crash)"),
            ("Ctrl+Shift+A", "Run all scenarios"),
            ("F11", "Presenter mode"),
            ("Ctrl+Shift+D", "Dark theme"),
            ("Ctrl+O", "Import a run"),
            ("Right-click a card", "Breakpoints: pause before it runs / is compensated"),
            ("Ctrl+S", "Save the log"),
            ("F1", "This list"),
        ]
        table = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in rows)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    @Slot()
    def _on_about_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About SAGA Desktop",
            f"<h3>SAGA Desktop {__version__}</h3><p>Watch a flight-booking saga fail and heal "
            "itself: four local transactions, compensated newest first when one fails.</p>"
            f"<p>Data directory: {self.data_dir}</p>",
        )

    # -- trainer and explorer tools -------------------------------------------------

    def _build_trainer_widgets(self) -> None:
        self.run_all_action = self._action(
            "Run all scenarios",
            "runAllScenariosAction",
            "Ctrl+Shift+A",
            "Run the guide's five test scenarios at Instant speed and show a pass/fail table",
            self._on_run_all_action_triggered,
        )
        self.presenter_action = self._action(
            "Presenter mode",
            "presenterAction",
            "F11",
            "Big cards and fonts for a projector, plain-language captions, no developer detail",
            self._on_presenter_action_triggered,
            checkable=True,
        )
        self.dark_action = self._action(
            "Dark theme",
            "darkThemeAction",
            "Ctrl+Shift+D",
            "Switch between the light and the dark palette",
            self._on_dark_action_triggered,
            checkable=True,
        )
        self.run_files = RunFiles(self)

        # Scenario picker: presets (the guide's five first), random failures from a seed.
        # Only "Custom" is there for the first paint, see _add_scenario_presets.
        self.scenario_picker = named(
            QComboBox(),
            "scenarioPicker",
            "Scenario",
            "Pick a scenario: it sets the failure switches",
        )
        self.scenario_picker.addItem("Custom (your switches)", "")
        self.scenario_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.scenario_picker.setMinimumContentsLength(24)
        self.seed_spin = named(
            QSpinBox(),
            "seedSpin",
            "Seed",
            "Seed of the random failures: type it back to repeat a run",
        )
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setValue(42)
        self.run_all_button = self._tool_button(
            self.run_all_action, "runAllScenariosButton", "Run all scenarios"
        )
        self._toolbar.addSeparator()
        self._toolbar.addWidget(QLabel(" Scenario "))
        self._toolbar.addWidget(self.scenario_picker)
        self._toolbar.addWidget(QLabel(" seed "))
        self._toolbar.addWidget(self.seed_spin)
        self._toolbar.addWidget(self.run_all_button)
        self.scenario_picker.currentIndexChanged.connect(
            self._on_scenario_picker_current_index_changed
        )
        self.seed_spin.valueChanged.connect(self._on_seed_spin_value_changed)

        # Batch and Timeline tabs: built when first shown or used (see LazyTab), since
        # most sessions never open them and the window starts sooner without them.
        self._batch_tab = named(LazyTab(self._build_batch_panel), "batchTab")
        self.tabs.addTab(self._batch_tab, "Batch")
        # The run the timeline shows, kept until the timeline exists.
        self._timeline_events: list[SagaEvent] = []
        self._timeline_tab = named(LazyTab(self._build_timeline_panel), "timelineTab")
        self.tabs.insertTab(2, self._timeline_tab, "Timeline")

        # Replay controls in the history tab.
        self.replay = ReplayController(self._replay_show, self._replay_reset, self)
        self.replay.position_changed.connect(self._on_replay_position_changed)
        buttons = QHBoxLayout()
        self.replay_buttons: dict[str, QPushButton] = {}
        for name, text, tip, slot in (
            (
                "replayButton",
                "▶ Replay",
                "Replay the selected run in the pipeline (nothing is re-executed)",
                self._on_replay_button_clicked,
            ),
            ("replayPauseButton", "⏸", "Pause the replay", self.replay.pause),
            ("replayBackButton", "⏮ Back", "One event back", self._on_replay_back_clicked),
            (
                "replayForwardButton",
                "Forward ⏭",
                "One event forward",
                self._on_replay_forward_clicked,
            ),
        ):
            button = named(QPushButton(text), name, tip, tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.replay_buttons[name] = button
        self.replay_position = named(QLabel("No run selected"), "replayPosition", "Replay position")
        buttons.addWidget(self.replay_position, 1)
        history_page = self.tabs.widget(1)
        assert history_page is not None
        self.tabs.removeTab(1)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(buttons)
        column.addWidget(history_page, 1)
        history_page.show()  # the tab widget hid it when it was taken out
        self.tabs.insertTab(1, page, "History")

        # Breakpoints: right-click a card.
        for card in self.pipeline.cards().values():
            card.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            card.customContextMenuRequested.connect(self._on_card_context_menu_requested)
            card.setToolTip(card.toolTip() + "\nRight-click: breakpoints")

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

    def _show_on_timeline(self, events: list[SagaEvent]) -> None:
        self._timeline_events = events
        if self._timeline_tab.built:
            self.timeline.set_events(events)

    def _run_events(self, run: dict[str, Any]) -> list[SagaEvent] | None:
        if run.get("events") is not None:
            return list(run["events"])
        log = (run.get("response") or {}).get("saga_log")
        if log:
            run["events"] = [engine.event_from_dict(entry) for entry in log]
            return list(run["events"])
        return None

    def _show_selected_run(self, run: dict[str, Any], events: list[SagaEvent]) -> None:
        response = dict(run.get("response") or response_from_events(events))
        response.pop("saga_log", None)
        summary = "\n".join(f"{key}: {value}" for key, value in response.items())
        # An imported run may hold 100,000 events: the Timeline's list has them all.
        log = booking.export_log_text(events[:_DETAIL_EVENTS])
        if len(events) > _DETAIL_EVENTS:
            log += f"… and {len(events) - _DETAIL_EVENTS:,} more events (see the Timeline)\n"
        self.history_detail.setPlainText(summary + "\n\n" + log.removesuffix("\n"))
        self._show_on_timeline(events)
        if not self._busy:
            # The pipeline shows where the selected run ended; Replay starts it over.
            self.replay.load(events, at_end=True)

    @Slot(object)
    def _on_worker_history_loaded(self, sagas: list[dict[str, Any]]) -> None:
        # Runs from before this start, read back from the durable saga log.
        for summary in sagas:
            cid = summary["correlation_id"]
            if cid in self._runs:
                continue
            self._runs[cid] = {
                "started": summary["started_at"],
                "response": None,
                "events": None,
            }
            self._runs.move_to_end(cid, last=False)
            started = time.strftime("%m-%d %H:%M:%S", time.localtime(summary["started_at"]))
            ended = summary["ended_at"]
            duration = f"{ended - summary['started_at']:.2f} s" if ended else "–"
            self.history.addTopLevelItem(
                history_item(
                    started, cid, summary["status"], summary["failed_step"], duration, "saga log"
                )
            )

    @Slot(str, object)
    def _on_worker_run_loaded(self, correlation_id: str, events: list[SagaEvent]) -> None:
        run = self._runs.get(correlation_id)
        if run is None or not events:
            self.history_detail.setPlainText("This run is not in the saga log any more.")
            return
        run["events"] = list(events)
        run["response"] = response_from_events(events)
        if correlation_id == self._selected_run:
            self._show_selected_run(run, list(events))

    def _replay_show(self, events: Sequence[SagaEvent]) -> None:
        # Captions, exports and the report load on first use, not at start-up.
        frame = _PipelineFrame()
        for event in events:
            show_event(frame, event)
        frame.apply(self.pipeline)
        queue = engine.SagaMemoryQueue()
        # The replay counts these events already: one step forward, or a seek.
        history = self.replay.shown
        for event in history:
            queue.apply(event)
        self.what_is_left.setText(what_is_left(queue))
        if history:
            self.caption.setText(booking.caption(history[-1], history[:-1]))

    def _replay_reset(self) -> None:
        self.pipeline.reset()
        self.what_is_left.setText("Replay: at the start, nothing has happened yet.")
        self.caption.setText("")

    @Slot(int, int)
    def _on_replay_position_changed(self, position: int, length: int) -> None:
        self.replay_position.setText(
            f"Replay: event {position} of {length}" if length else "No run selected"
        )

    @Slot()
    def _on_replay_button_clicked(self) -> None:
        if self._busy:
            return
        self.replay.set_interval(int(self.pacer.delay * 1000))
        self.replay.play()

    @Slot()
    def _on_replay_back_clicked(self) -> None:
        self.replay.pause()
        self.replay.step_back()

    @Slot()
    def _on_replay_forward_clicked(self) -> None:
        self.replay.pause()
        self.replay.step_forward()

    # -- scenarios -------------------------------------------------------------------

    def _apply_specs(self, specs: dict[str, str]) -> None:
        self.pipeline.set_fault_specs(specs)

    @Slot(int)
    def _on_scenario_picker_current_index_changed(self, index: int) -> None:
        name = self.scenario_picker.itemData(index)
        if not name:
            return
        if name == _RANDOM:
            self._apply_random_plan()
            return
        entry = booking.preset(name)
        self._apply_specs(dict(entry.faults))
        self.form.set_booking(entry.request_data(self.form.booking()))
        self._set_banner("idle", f"<b>{entry.title}</b><br>{entry.explanation}")

    def _apply_random_plan(self) -> None:
        plan = booking.random_fault_plan(self.seed_spin.value())
        self._apply_specs(plan)
        described = booking.describe_plan(plan)
        self._set_banner(
            "idle",
            f"<b>Random failures, seed {self.seed_spin.value()}</b>: {described}.<br>"
            "Type the same seed again to reproduce exactly this plan.",
        )

    @Slot(int)
    def _on_seed_spin_value_changed(self, value: int) -> None:
        if self.scenario_picker.currentData() == _RANDOM:
            self._apply_random_plan()

    @Slot()
    def _on_run_all_action_triggered(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._update_controls()
        self._set_banner("running", "Running the guide's five test scenarios on a scratch world…")
        self.scenarios_requested.emit()

    @Slot(object, str)
    def _on_worker_scenarios_finished(self, report: dict[str, Any], path: str) -> None:
        import html  # only this report needs it: not loaded at start-up

        from PySide6.QtWidgets import QAbstractItemView, QDialog, QTableWidget, QTableWidgetItem

        if self.scenario_dialog is not None:
            # One report at a time: a new run's replaces the last (open or closed).
            self.scenario_dialog.close()
            self.scenario_dialog.deleteLater()
        dialog = QDialog(self)
        dialog.setObjectName("scenarioReportDialog")
        dialog.setWindowTitle("Scenario report")
        table = named(
            QTableWidget(len(report["results"]), 4), "scenarioReportTable", "Scenario results"
        )
        table.setHorizontalHeaderLabels(["Scenario", "Result", "Compensations", "Problems"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, entry in enumerate(report["results"]):
            cells = [
                entry["title"],
                "✔ PASS" if entry["passed"] else "✖ FAIL",
                " → ".join(entry["compensations"]) or "none",
                "; ".join(entry["problems"]) or "",
            ]
            for column, text in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        verdict = QLabel(
            f"<b>{report['passed']} of {report['total']} scenarios passed.</b> "
            f"Report written to {html.escape(path)}"
        )
        verdict.setWordWrap(True)
        close = QPushButton("Close")
        close.clicked.connect(dialog.accept)
        layout = QVBoxLayout(dialog)
        layout.addWidget(verdict)
        layout.addWidget(table)
        layout.addWidget(close)
        dialog.resize(980, 320)
        self.scenario_dialog = dialog
        self._set_banner(
            "success" if report["all_passed"] else "failure",
            f"<b>Scenarios: {report['passed']} of {report['total']} passed</b> — "
            f"report in {html.escape(path)}",
        )
        dialog.show()

    # -- batch runs ----------------------------------------------------------------------

    @Slot(int, float, int)
    def _on_batch_start_requested(self, count: int, rate: float, seed: int) -> None:
        if self._busy or self._crashed:
            return
        self._busy = True
        self._update_controls()
        self.batch.set_running(True)
        self.batch_running = True
        self.world.mark_baseline()
        self._set_banner("running", f"Running a batch of {count:,} sagas at full speed…")
        self.batch_requested.emit(count, rate, seed)

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
        outcomes = report["outcomes"]
        self._set_banner(
            "success" if report["consistent"] else "dead",
            f"<b>Batch {'cancelled' if report['cancelled'] else 'finished'}</b>: "
            f"{report['attempted']:,} sagas, {outcomes['confirmed']:,} confirmed, "
            f"{outcomes['compensated']:,} compensated, "
            f"{outcomes['dead_lettered']:,} dead-lettered, "
            f"{report['sagas_per_second']:,.0f} sagas/s — "
            + ("the world adds up." if report["consistent"] else "the world does NOT add up."),
        )
        self.batch_finished.emit(report)

    # -- breakpoints -------------------------------------------------------------------

    @Slot(QPoint)
    def _on_card_context_menu_requested(self, position: QPoint) -> None:
        card = self.sender()
        if not isinstance(card, StepCard):
            return
        name = card.info().name
        before_run, before_undo = self._breakpoints_of(name)
        menu = QMenu(self)
        run_bp = menu.addAction("Pause before this step runs")
        run_bp.setCheckable(True)
        run_bp.setChecked(before_run)
        undo_bp = menu.addAction("Pause before it is compensated")
        undo_bp.setCheckable(True)
        undo_bp.setChecked(before_undo)
        chosen = menu.exec(card.mapToGlobal(position))
        if chosen is run_bp:
            self.set_breakpoint(name, before_run=not before_run, before_compensation=before_undo)
        elif chosen is undo_bp:
            self.set_breakpoint(name, before_run=before_run, before_compensation=not before_undo)

    def set_breakpoint(self, step: str, *, before_run: bool, before_compensation: bool) -> None:
        """Pause the next runs before ``step`` runs and/or before it is compensated."""
        # The Run menu's check marks are the breakpoints: a change there is applied
        # (see _on_breakpoint_action_toggled), an unchanged one needs nothing.
        self.breakpoint_actions[(step, False)].setChecked(before_run)
        self.breakpoint_actions[(step, True)].setChecked(before_compensation)

    def _breakpoints_of(self, step: str) -> tuple[bool, bool]:
        """(before it runs, before it is compensated) for ``step``."""
        actions = self.breakpoint_actions
        return actions[(step, False)].isChecked(), actions[(step, True)].isChecked()

    @Slot(bool)
    def _on_breakpoint_action_toggled(self, on: bool) -> None:
        action = self.sender()
        if not isinstance(action, QAction):
            return
        name, _ = action.data()
        self.pipeline.card(name).set_breakpoints(*self._breakpoints_of(name))
        checked = [key for key, known in self.breakpoint_actions.items() if known.isChecked()]
        self.pacer.set_breakpoints(
            [step for step, compensation in checked if not compensation],
            [step for step, compensation in checked if compensation],
        )

    @Slot(str)
    def _on_worker_breakpoint_hit(self, where: str) -> None:
        self._flush_frame()
        self.pause_action.setChecked(True)
        self.pause_action.setText("▶ Resume")
        self._set_banner(
            "running", f"<b>⏸ Breakpoint</b>: paused {where}. Press <b>Step</b> or <b>Resume</b>."
        )
        self._update_controls()

    # -- presenter mode and themes ---------------------------------------------------------

    @Slot(bool)
    def _on_presenter_action_triggered(self, on: bool) -> None:
        self.set_presenter_mode(on)

    def set_presenter_mode(self, on: bool) -> None:
        """Big cards and captions for a projector; the log and status details hide."""
        self._presenter = on
        self.presenter_action.setChecked(on)
        # As big as the width allows: a projector at 1920 px takes half as much again.
        scale = (1.55 if self.width() >= 1600 else 1.25) if on else 1.0
        self.pipeline.set_presenter_scale(scale)
        # Bigger figures need a wider world panel.
        width = self.top_splitter.width() or self.width()
        panel = int(340 * scale)
        self.top_splitter.setSizes([width - panel, panel])

        self.tabs.setVisible(not on)
        self.statusBar().setVisible(not on)
        self.caption.setVisible(on)
        font = QFont(self.font())
        base = QApplication.font().pointSizeF()
        font.setPointSizeF(base * (scale if on else 1.0))
        self.world.setFont(font)
        self.banner.setFont(font)
        big = QFont(font)
        big.setPointSizeF(base * (scale * 1.25 if on else 1.0))
        self.caption.setFont(big)
        if on and self._live_events:
            self.caption.setText(booking.caption(self._live_events[-1], self._live_events[:-1]))
        elif on:
            self.caption.setText(
                "Press Run: each step of the saga is explained here as it happens."
            )

    @Slot(bool)
    def _on_dark_action_triggered(self, on: bool) -> None:
        self.set_dark_theme(on)

    def set_dark_theme(self, on: bool) -> None:
        """Switch the application's palette to dark (or back to light)."""
        self._dark = on
        self.dark_action.setChecked(on)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, dark=on)

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
            # The dead-letter queue comes with every world snapshot.
            self._show_dead_letters(world.get("dead_letters", []))
            if self._interrupted != bool(world.get("interrupted")):
                self._interrupted = not self._interrupted
                self._update_controls()
                if self._interrupted and not self._crashed and not self._busy:
                    count = len(world["interrupted"])
                    self._set_banner(
                        "crash",
                        f"<b>⟲ {count} saga(s) interrupted</b> — a process working in this "
                        "data directory stopped before they ended. Press <b>Restart "
                        "orchestrator</b> to recover them.",
                    )
        self._update_panels()
        if self._busy and not self._announced:
            self._announced = True
            self._set_banner("running", "Running the booking saga…")
        if events:
            self._show_events(events, lines)
        if world is not None:
            self.world.update_state(world)
        self.world.set_running(self._busy)
        for response, duration in finished:
            self._add_history(response, duration)
        if finished:
            self._show_result(finished[-1][0])
        for response, _ in finished:
            self.saga_finished.emit(response)

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
        if self.replay.length:
            # A live run takes the pipeline back from a replay.
            self.replay.load([])
        frame = _PipelineFrame()
        if self._live_queue is None:
            self._live_queue = engine.SagaMemoryQueue()
        for event in events:
            if isinstance(event, engine.SagaStarted):
                self._remember(event.correlation_id, started=event.at)
                self._live_queue = engine.SagaMemoryQueue()
                self._live_events = []
                self._current = event.correlation_id
                self.correlation_label.setText(f"Correlation {event.correlation_id}")
            if event.correlation_id == self._current:
                show_event(frame, event)
                self._live_queue.apply(event)
                self._live_events.append(event)
        frame.apply(self.pipeline)
        self.what_is_left.setText(what_is_left(self._live_queue))
        if self._presenter and self._live_events:
            self.caption.setText(booking.caption(self._live_events[-1], self._live_events[:-1]))
        last = events[-1] if events else None
        if last is not None and self._current == last.correlation_id:
            step = getattr(last, "compensation", None) or getattr(last, "step", None) or "–"
            self.step_label.setText(f"Step: {step}")

    def _remember(self, correlation_id: str, started: float) -> None:
        self._runs[correlation_id] = {
            "started": started,
            "response": None,
            "events": None,
            **self._run_context,
        }
        while len(self._runs) > _HISTORY_LIMIT:
            self._runs.popitem(last=False)

    @Slot(object)
    def _on_worker_world_changed(self, state: dict[str, Any]) -> None:
        self._frame_world = state
        self._schedule_frame()

    def _show_dead_letters(self, letters: list[dict[str, Any]]) -> None:
        # Sent with every world snapshot: rebuilding an unchanged table costs a repaint.
        from PySide6.QtWidgets import QTableWidgetItem

        if letters == self._letters:
            return
        self._letters = letters
        table = self.dead_letter_table
        table.setRowCount(len(letters))
        for row, letter in enumerate(letters):
            cells = [
                letter["correlation_id"],
                letter["compensation"],
                str(letter["attempts"]),
                letter["error"],
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(
                        Qt.ItemDataRole.UserRole, (letter["correlation_id"], letter["step"])
                    )
                table.setItem(row, column, item)
        self.tabs.setTabText(
            self.tabs.indexOf(self.dead_tab),
            f"Dead letters ({len(letters)})" if letters else "Dead letters",
        )

    @Slot(object)
    def _on_worker_saga_finished(self, response: dict[str, Any]) -> None:
        self._elapsed_timer.stop()
        self._on_elapsed_timer_timeout()
        duration = self._run_timer.elapsed() / 1000 if self._run_timer.isValid() else 0.0
        # Emitted with the frame that shows it, so the window and the signal agree.
        self._frame_finished.append((response, duration))
        self._schedule_frame()

    def _show_result(self, response: dict[str, Any]) -> None:
        if response["success"]:
            self._set_banner(
                "success",
                f"<b>✔ Booking confirmed</b> — reference <b>{response['booking_reference']}</b>"
                f" &nbsp;·&nbsp; {response['steps_completed']}/{response['total_steps']} steps",
            )
            return
        results = response["compensation_result"]["results"]
        undone = " → ".join(
            f"{r['step']} {'✔' if r['success'] else '✖ dead-lettered'}" for r in results
        )
        kind = "dead" if response.get("dead_letters") else "failure"
        title = (
            "✖ Failed, and a compensation is stuck in the dead-letter queue"
            if kind == "dead"
            else "✖ Booking failed — all changes reversed"
        )
        self._set_banner(
            kind,
            f"<b>{title}</b><br>Failed step: <b>{response['failed_step']}</b> — "
            f"{response['error']}<br>Compensations: {undone or 'none needed'}",
        )

    def _add_history(self, response: dict[str, Any], duration: float) -> None:
        cid = response["correlation_id"]
        run = self._runs.get(cid)
        if run is None:
            self._remember(cid, started=time.time())
            run = self._runs[cid]
        run["response"] = response
        run["world_after"] = self.world.state
        started = time.strftime("%H:%M:%S", time.localtime(run["started"]))
        item = history_item(
            started, cid, response["outcome"], response.get("failed_step"), f"{duration:.2f} s"
        )
        self.history.insertTopLevelItem(0, item)
        while self.history.topLevelItemCount() > _HISTORY_LIMIT:
            self.history.takeTopLevelItem(self.history.topLevelItemCount() - 1)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_history_current_item_changed(
        self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None
    ) -> None:
        if current is None:
            self.history_detail.clear()
            return
        run = self._runs.get(current.data(0, Qt.ItemDataRole.UserRole))
        if run is None:
            self.history_detail.setPlainText("This run's log was forgotten (history limit).")
            return
        self._selected_run = current.data(0, Qt.ItemDataRole.UserRole)
        events = self._run_events(run)
        if events is None:
            # Read back from the saga log: ask the worker for its events.
            self.history_detail.setPlainText("Reading this run from the saga log…")
            self.run_load_requested.emit(self._selected_run)
            return
        self._show_selected_run(run, events)

    @Slot(str)
    def _on_worker_crashed(self, message: str) -> None:
        self._flush_frame()
        self._crashed = True
        self._elapsed_timer.stop()
        self.pipeline.set_compensating(False)
        self._set_banner(
            "crash",
            f"<b>💥 Orchestrator crashed</b> — {message}.<br>The saga is interrupted: press "
            "<b>Restart orchestrator</b> to recover it from the durable saga log.",
        )
        self.step_label.setText("Step: orchestrator crashed")
        self._update_controls()

    @Slot(str)
    def _on_worker_stopped(self, message: str) -> None:
        # Unrefused, uncompensated: left for recovery, like a crash, but said as it was.
        self._on_worker_crashed(message)
        self._set_banner(
            "crash",
            f"<b>⏸ The saga stopped unfinished</b> — {html.escape(message)}<br>Press "
            "<b>Restart orchestrator</b> once the data directory is free to recover it.",
        )
        self.step_label.setText("Step: stopped, data directory busy")

    @Slot(str)
    def _on_worker_lock_waited(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    @Slot(object)
    def _on_worker_recovered(self, responses: list[dict[str, Any]]) -> None:
        self._flush_frame()
        was_crashed = self._crashed
        self._crashed = False
        for response in responses:
            self._add_history(response, 0.0)
        if responses:
            self._set_banner(
                "failure",
                f"<b>⟲ Recovered {len(responses)} interrupted saga(s)</b> — every step that may "
                "have run was compensated, newest first.",
            )
            self.saga_finished.emit(responses[-1])
        elif was_crashed:
            self._set_banner("idle", "Orchestrator restarted: nothing to recover.")
        self._update_controls()

    @Slot(str, str)
    def _on_worker_booking_rejected(self, field: str, message: str) -> None:
        self._busy = False
        self._elapsed_timer.stop()
        self.world.set_running(False)
        self.form.show_error(field, message)
        self.tabs.setCurrentWidget(self.booking_tab)
        self._set_banner("idle", f"<b>Nothing was run:</b> {message}")
        self._update_controls()

    @Slot(str)
    def _on_worker_errored(self, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._busy = False
        self.world.set_running(False)
        if self.batch_running:  # a batch that failed never sends batch_finished
            self.batch_running = False
            self.batch.set_running(False)
        self._update_controls()
        QMessageBox.warning(self, "SAGA Desktop", message)

    @Slot(bool)
    def _on_worker_busy_changed(self, busy: bool) -> None:
        self._busy = busy
        # The world is judged "in flight" or not with the frame that shows its snapshot.
        self._update_controls()
