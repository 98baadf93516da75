"""The main window: pipeline, failure switches, log, world, history and dead letters."""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QElapsedTimer, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from saga_desktop import __version__
from saga_desktop.booking import STEP_NAMES, STEP_TEXTS, default_data_dir
from saga_desktop.engine import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
    describe,
    format_log_line,
)
from saga_desktop.gui._qt import named
from saga_desktop.gui.booking_form import BookingForm
from saga_desktop.gui.log_pane import LogPane
from saga_desktop.gui.pipeline import PipelineView, StepInfo
from saga_desktop.gui.worker import Pacer, SagaWorker
from saga_desktop.gui.world_panel import WorldPanel

__all__ = ["SPEED_INSTANT", "MainWindow", "delay_for_speed"]

#: The speed slider's maximum: Instant.
SPEED_INSTANT = 100
_DEFAULT_SPEED = 55
# History keeps this many runs (with their log lines) before forgetting the oldest.
_HISTORY_LIMIT = 500
# Runs back to back at Instant speed would repaint the whole window for every saga
# and starve the event loop; the view follows the worker at most this often instead
# (nothing is dropped: the log and the history get every event).
_FRAME_MS = 40


def delay_for_speed(value: int) -> float:
    """Seconds between two events for a speed slider value (0 slow … 100 Instant)."""
    if value >= SPEED_INSTANT:
        return 0.0
    # Quadratic: the slow half of the slider gives a room time to follow.
    return round(0.03 + 2.5 * (1 - value / SPEED_INSTANT) ** 2, 3)


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
    if isinstance(event, SagaStarted):
        pipeline.reset()
    elif isinstance(event, StepStarted):
        pipeline.set_step_status(event.step, "EXECUTING")
        _show_attempt(pipeline, event.step, event.attempt, event.max_attempts)
    elif isinstance(event, StepRetried):
        pipeline.set_note(event.step, f"retry in {event.delay:.2f} s")
    elif isinstance(event, StepSucceeded):
        pipeline.set_note(event.step, "")
        pipeline.set_step_status(event.step, "COMPLETED")
    elif isinstance(event, StepFailed):
        pipeline.set_step_status(event.step, "FAILED")
        pipeline.set_note(event.step, "effect unknown (timed out)" if event.timed_out else "")
    elif isinstance(event, CompensationTriggered):
        pipeline.set_compensating(bool(event.steps))
    elif isinstance(event, CompensationStarted):
        pipeline.set_step_status(event.step, "COMPENSATING")
        _show_attempt(pipeline, event.step, event.attempt, event.max_attempts)
    elif isinstance(event, CompensationRetried):
        pipeline.set_note(event.step, f"undo retry in {event.delay:.2f} s")
    elif isinstance(event, CompensationSucceeded):
        pipeline.set_note(event.step, "")
        pipeline.set_step_status(event.step, "COMPENSATED")
    elif isinstance(event, CompensationFailed):
        pipeline.set_step_status(event.step, "FAILED")
        pipeline.set_note(event.step, "undo failed")
    elif isinstance(event, DeadLettered):
        pipeline.set_note(event.step, "dead-lettered")
    elif isinstance(event, SagaCompleted | SagaCompensated):
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

    def __init__(self, data_dir: Path | str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"SAGA Desktop {__version__} — flight booking saga")
        self.resize(1280, 800)
        self.pacer = Pacer(delay_for_speed(_DEFAULT_SPEED))
        self._busy = False
        self._crashed = False
        self._run_timer = QElapsedTimer()
        self._runs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._current: str | None = None
        self._closed = False
        self._animations = True

        self._build_actions()
        self._build_widgets()
        self._build_menus()
        self._start_worker()
        self._update_controls()

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
        self.speed_slider.valueChanged.connect(self._on_speed_slider_value_changed)
        self._on_speed_slider_value_changed(self.speed_slider.value())

        self.pipeline = PipelineView(_step_infos())
        self.pipeline.fault_plan_changed.connect(self._on_pipeline_fault_plan_changed)
        self.banner = named(QLabel(), "resultBanner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Result")
        self.banner.setMargin(10)
        # Room for a result's three lines from the start: a banner that grew and shrank
        # with every run would re-lay out (and repaint) the whole pipeline each time.
        lines = 3 * self.banner.fontMetrics().lineSpacing()
        self.banner.setMinimumHeight(lines + 2 * self.banner.margin() + 8)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self._set_banner("idle", "Flip a failure switch, then press <b>Run</b> (Ctrl+R).")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.pipeline, 1)
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

        top = named(QSplitter(Qt.Orientation.Horizontal), "topSplitter")
        top.addWidget(left)
        top.addWidget(right)
        top.setStretchFactor(0, 4)
        top.setStretchFactor(1, 1)
        top.setSizes([970, 310])

        self.log = LogPane()
        self.history = named(QTreeWidget(), "historyList")
        self.history.setHeaderLabels(
            ["Started", "Correlation id", "Outcome", "Failed step", "Duration"]
        )
        self.history.setRootIsDecorated(False)
        self.history.setAccessibleName("History of runs")
        self.history.setToolTip(
            "Every run since the app started; select one to see its result and log"
        )
        self.history.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.currentItemChanged.connect(self._on_history_current_item_changed)
        self.history_detail = named(QPlainTextEdit(readOnly=True), "historyDetail")
        self.history_detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.history_detail.setAccessibleName("Selected run")
        history_tab = QSplitter(Qt.Orientation.Horizontal)
        history_tab.addWidget(self.history)
        history_tab.addWidget(self.history_detail)
        history_tab.setSizes([520, 760])

        self.dead_letter_table = named(QTableWidget(0, 4), "deadLetterTable")
        self.dead_letter_table.setHorizontalHeaderLabels(
            ["Correlation id", "Compensation", "Attempts", "Error"]
        )
        header = self.dead_letter_table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.dead_letter_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.dead_letter_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.dead_letter_table.setAccessibleName("Dead letters")
        self.retry_button = named(QPushButton("Retry compensation"), "retryDeadLetterButton")
        self.retry_button.setToolTip("Run the selected compensation again")
        self.retry_button.setAccessibleName("Retry the selected dead letter")
        self.resolve_button = named(QPushButton("Mark resolved"), "resolveDeadLetterButton")
        self.resolve_button.setToolTip("Record that the selected dead letter was settled by hand")
        self.resolve_button.setAccessibleName("Mark the selected dead letter resolved")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.resolve_button.clicked.connect(self._on_resolve_button_clicked)
        dead_tab = QWidget()
        dead_layout = QVBoxLayout(dead_tab)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        dead_layout.addWidget(self.dead_letter_table)
        dead_layout.addLayout(buttons)

        self.tabs = named(QTabWidget(), "bottomTabs")
        self.tabs.addTab(self.log, "Log")
        self.tabs.addTab(history_tab, "History")
        self.tabs.addTab(dead_tab, "Dead letters")
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
        status.addPermanentWidget(self.correlation_label)
        status.addPermanentWidget(self.copy_button)
        self._elapsed_timer = QTimer(self, interval=100)
        self._elapsed_timer.timeout.connect(self._on_elapsed_timer_timeout)
        # What the worker reported since the last frame (see _FRAME_MS).
        self._frame_events: list[SagaEvent] = []
        self._frame_world: dict[str, Any] | None = None
        self._frame_finished: list[tuple[dict[str, Any], float]] = []
        self._frame_clock = QElapsedTimer()
        self._frame_timer = QTimer(self, singleShot=True)
        self._frame_timer.timeout.connect(self._on_frame_timer_timeout)
        self._frame_letters: list[dict[str, Any]] | None = None
        self._letters: list[dict[str, Any]] | None = None
        self._announced = True  # the "running" banner of the current run was shown

        # Ctrl+1 … Ctrl+N flip the failure switches.
        for number, card in enumerate(self.pipeline.cards().values(), start=1):
            toggle = QAction(f"Toggle failure of step {number}", self)
            toggle.setShortcut(QKeySequence(f"Ctrl+{number}"))
            toggle.setObjectName(f"toggleFailAction_{number}")
            toggle.triggered.connect(card.fail_toggle().toggle)
            self.addAction(toggle)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        save = QAction("Save log…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Save))
        save.triggered.connect(self.log.save_button.click)
        file_menu.addAction(save)
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
        self._worker.recovered.connect(self._on_worker_recovered)
        self._worker.booking_rejected.connect(self._on_worker_booking_rejected)
        self._worker.errored.connect(self._on_worker_errored)
        self._worker.busy_changed.connect(self._on_worker_busy_changed)
        self._worker.dead_letters_changed.connect(self._on_worker_dead_letters_changed)
        self._thread.start()

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
        self._elapsed_timer.stop()
        self._frame_timer.stop()
        # Let the saga in progress finish at full speed: nothing is left half-done.
        self.pacer.cancel()
        self._thread.quit()
        self._thread.wait()
        self._worker.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the worker before the window goes."""
        self.shutdown()
        super().closeEvent(event)

    # -- state of the controls -----------------------------------------------------

    def _update_controls(self) -> None:
        idle = not self._busy
        self.run_action.setEnabled(idle and not self._crashed)
        self.reset_action.setEnabled(idle)
        self.restart_action.setEnabled(idle and self._crashed)
        self._restart_slot.setVisible(self._crashed)
        self.step_action.setEnabled(self.pause_action.isChecked())
        # The panels follow with the next frame: a run shorter than a frame never
        # greys them out and back, which would repaint half the window for nothing.
        self._schedule_frame()

    def _update_panels(self) -> None:
        idle = not self._busy
        self.pipeline.set_controls_enabled(idle)
        self.form.setEnabled(idle)
        has_letters = self.dead_letter_table.rowCount() > 0
        self.retry_button.setEnabled(idle and has_letters)
        self.resolve_button.setEnabled(idle and has_letters)

    def _set_banner(self, kind: str, html: str) -> None:
        colours = {
            "idle": ("palette(base)", "palette(mid)"),
            "running": ("rgba(0,114,178,0.12)", "#0072B2"),
            "success": ("rgba(0,158,115,0.15)", "#009E73"),
            "failure": ("rgba(230,159,0,0.16)", "#E69F00"),
            "dead": ("rgba(213,94,0,0.16)", "#D55E00"),
            "crash": ("rgba(204,121,167,0.18)", "#CC79A7"),
        }
        background, border = colours[kind]
        self.banner.setStyleSheet(
            f"QLabel#resultBanner {{ background: {background}; border: 2px solid {border};"
            " border-radius: 6px; }"
        )
        self.banner.setProperty("kind", kind)
        self.banner.setText(html)

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
        rows = [
            ("Ctrl+R", "Run one saga"),
            ("Ctrl+P", "Pause / resume"),
            ("Ctrl+N", "Step one event while paused"),
            ("Ctrl+1 … Ctrl+4", "Flip the failure switch of step 1 … 4"),
            ("Ctrl+Shift+R", "Reset world"),
            ("Ctrl+Shift+O", "Restart orchestrator (after a crash)"),
            ("Ctrl+S", "Save the log"),
            ("F1", "This list"),
        ]
        table = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in rows)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{table}</table>")

    @Slot()
    def _on_about_action_triggered(self) -> None:
        QMessageBox.about(
            self,
            "About SAGA Desktop",
            f"<h3>SAGA Desktop {__version__}</h3><p>Watch a flight-booking saga fail and heal "
            "itself: four local transactions, compensated newest first when one fails.</p>"
            f"<p>Data directory: {self.data_dir}</p>",
        )

    # -- slots: the worker ------------------------------------------------------------

    def _schedule_frame(self) -> None:
        if self._frame_timer.isActive():
            return
        since = self._frame_clock.elapsed() if self._frame_clock.isValid() else _FRAME_MS
        # A zero delay still gathers whatever else the worker posted meanwhile.
        self._frame_timer.start(max(0, _FRAME_MS - since))

    @Slot()
    def _on_frame_timer_timeout(self) -> None:
        self._flush_frame()

    def _flush_frame(self) -> None:
        """Show everything the worker reported since the last frame, in order."""
        self._frame_timer.stop()
        self._frame_clock.start()
        events, self._frame_events = self._frame_events, []
        world, self._frame_world = self._frame_world, None
        finished, self._frame_finished = self._frame_finished, []
        letters, self._frame_letters = self._frame_letters, None
        if letters is not None:
            self._show_dead_letters(letters)
        self._update_panels()
        if self._busy and not self._announced:
            self._announced = True
            self._set_banner("running", "Running the booking saga…")
        if events:
            self._show_events(events)
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
    def _on_worker_events_ready(self, events: list[SagaEvent]) -> None:
        self._frame_events.extend(events)
        self._schedule_frame()

    def _show_events(self, events: list[SagaEvent]) -> None:
        self.log.append_events(events)
        frame = _PipelineFrame()
        for event in events:
            if isinstance(event, SagaStarted):
                self._current = event.correlation_id
                self._remember(event.correlation_id, started=event.at)
                self.correlation_label.setText(f"Correlation {event.correlation_id}")
            run = self._runs.get(event.correlation_id)
            if run is not None:
                run["lines"].extend(format_log_line(event, line) for line in describe(event))
            if event.correlation_id == self._current:
                show_event(frame, event)
        frame.apply(self.pipeline)
        last = events[-1] if events else None
        if last is not None and self._current == last.correlation_id:
            step = getattr(last, "compensation", None) or getattr(last, "step", None) or "–"
            self.step_label.setText(f"Step: {step}")

    def _remember(self, correlation_id: str, started: float) -> None:
        self._runs[correlation_id] = {"started": started, "lines": [], "response": None}
        while len(self._runs) > _HISTORY_LIMIT:
            self._runs.popitem(last=False)

    @Slot(object)
    def _on_worker_world_changed(self, state: dict[str, Any]) -> None:
        self._frame_world = state
        self._schedule_frame()

    @Slot(object)
    def _on_worker_dead_letters_changed(self, letters: list[dict[str, Any]]) -> None:
        # Shown with the world snapshot it came with, in the same frame.
        self._frame_letters = letters
        self._schedule_frame()

    def _show_dead_letters(self, letters: list[dict[str, Any]]) -> None:
        # Sent with every world snapshot: rebuilding an unchanged table costs a repaint.
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
        self.tabs.setTabText(2, f"Dead letters ({len(letters)})" if letters else "Dead letters")

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
        started = time.strftime("%H:%M:%S", time.localtime(run["started"]))
        outcome = response["outcome"].replace("_", " ").capitalize()
        item = QTreeWidgetItem(
            [started, cid, outcome, response.get("failed_step") or "", f"{duration:.2f} s"]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, cid)
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
        response = dict(run["response"] or {})
        response.pop("saga_log", None)
        summary = "\n".join(f"{key}: {value}" for key, value in response.items())
        self.history_detail.setPlainText(summary + "\n\n" + "\n".join(run["lines"]))

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
        self._busy = False
        self.world.set_running(False)
        self._update_controls()
        QMessageBox.warning(self, "SAGA Desktop", message)

    @Slot(bool)
    def _on_worker_busy_changed(self, busy: bool) -> None:
        self._busy = busy
        # The world is judged "in flight" or not with the frame that shows its snapshot.
        self._update_controls()
