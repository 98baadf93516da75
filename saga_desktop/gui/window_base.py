"""The window's base: its signals, its parts (as typed attributes), and how it renders a moment.

The window is built in layers, each in its own module: this base (what every
part may call: the moment shown, the controls' state, the frame clock),
:mod:`~saga_desktop.gui.window_live` (the worker's reports),
:mod:`~saga_desktop.gui.window_controls` (what a person's clicks do),
:mod:`~saga_desktop.gui.window_looks` (presenter mode, themes, help), and
:mod:`~saga_desktop.gui.main_window`, which assembles the panels, tabs and
actions (:mod:`~saga_desktop.gui.window_layout`, :mod:`~saga_desktop.gui.actions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QElapsedTimer, Qt, QThread, QTimer, Signal
from PySide6.QtGui import (
    QAction,
)

# Dialogs and table items are imported in the methods that use them: PySide6 builds
# a class's Python enums when the class is first imported, and none of them is
# needed before the window's first paint.
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QTabWidget,
    QToolButton,
    QWidget,
)

from saga_desktop import engine
from saga_desktop.booking import STEP_NAMES, STEP_TEXTS
from saga_desktop.gui import moment_text
from saga_desktop.gui._qt import LazyTab
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
from saga_desktop.gui.pipeline import PipelineView, StepInfo, show_event
from saga_desktop.gui.recorded_runs import RecordedRuns
from saga_desktop.gui.replay import ReplayController, what_is_left
from saga_desktop.gui.request_form import RequestForm
from saga_desktop.gui.run_faults import RunFaults
from saga_desktop.gui.run_files import RunFiles
from saga_desktop.gui.scenario_picker import ScenarioPicker
from saga_desktop.gui.services_panel import ServicesPanel
from saga_desktop.gui.settings import WindowSettings
from saga_desktop.gui.toolbar import SPEED_INSTANT, ControlsToolbar
from saga_desktop.gui.worker import Pacer, SagaWorker
from saga_desktop.gui.world_panel import WorldPanel

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QComboBox,
        QDialog,
        QPlainTextEdit,
        QPushButton,
        QSlider,
        QSpinBox,
        QTableWidget,
        QTreeWidget,
    )

    from saga_desktop.booking import SagaSpec
    from saga_desktop.engine import SagaEvent, SagaMemoryQueue
    from saga_desktop.gui.batch_panel import BatchPanel
    from saga_desktop.gui.timeline import TimelinePanel
    from saga_desktop.gui.window_tools import WindowTools
    from saga_desktop.gui.worker import SagaWorker

__all__ = [
    "DEFAULT_SPEED",
    "FRAME_MS",
    "SPEED_INSTANT",
    "WindowBase",
    "delay_for_speed",
    "step_infos",
]

#: Runs back to back at Instant speed would repaint the whole window for every saga
#: and starve the event loop; the view follows the worker at most this often instead
#: (nothing is dropped: the log and the history get every event).
FRAME_MS = 40
#: Where the speed slider starts.
DEFAULT_SPEED = 55


def delay_for_speed(value: int) -> float:
    """Seconds between two events for a speed slider value (0 slow … 100 Instant)."""
    if value >= SPEED_INSTANT:
        return 0.0
    # Quadratic: the slow half of the slider gives a room time to follow.
    return round(0.03 + 2.5 * (1 - value / SPEED_INSTANT) ** 2, 3)


def step_infos(spec: SagaSpec | None = None) -> list[StepInfo]:
    """The cards' texts: the flight booking's steps, or those of the saga file ``spec``."""
    if spec is None:
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
    return [
        StepInfo(
            name=step.name,
            title=step.title,
            description=step.description,
            compensation=step.compensation,
            shortcut=f"Ctrl+{number}" if number <= 9 else "",
            role="" if step.role.value == "compensatable" else step.role.value,
        )
        for number, step in enumerate(spec.steps, start=1)
    ]


class WindowBase(QMainWindow):
    """The window's signals and parts, and the rendering every part shares."""

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

    # -- the parts (made by MainWindow and window_layout) ------------------------------
    data_dir: Path
    #: The saga file's saga the window runs; None for the built-in flight booking.
    saga: SagaSpec | None
    pacer: Pacer
    state: WindowState
    settings: WindowSettings
    actions_by_key: dict[str, QAction]
    run_action: QAction
    restart_action: QAction
    pause_action: QAction
    step_action: QAction
    reset_action: QAction
    erase_action: QAction
    run_all_action: QAction
    presenter_action: QAction
    dark_action: QAction
    _toolbar: ControlsToolbar
    run_button: QToolButton
    pause_button: QToolButton
    step_button: QToolButton
    reset_button: QToolButton
    restart_button: QToolButton
    run_all_button: QToolButton
    speed_slider: QSlider
    speed_label: QLabel
    scenario_picker: QComboBox
    seed_spin: QSpinBox
    pipeline: PipelineView
    run_faults: RunFaults
    banner: ResultBanner
    _shown_banner: Banner | None
    what_is_left: QLabel
    caption: QLabel
    world: WorldPanel | ServicesPanel
    form: BookingForm | RequestForm
    top_splitter: QSplitter
    log: LogPane
    history_tab: HistoryTab
    dead_tab: DeadLettersTab
    tabs: QTabWidget
    tools: WindowTools
    booking_tab: QWidget
    step_label: QLabel
    elapsed_label: QLabel
    correlation_label: QLabel
    copy_button: QToolButton
    _shown_cid: str
    notices: Notices
    _elapsed_timer: QTimer
    _frame_events: list[SagaEvent]
    _frame_lines: list[tuple[str, str]]
    _frame_world: dict[str, Any] | None
    _frame_finished: list[dict[str, Any]]
    _frame_clock: QElapsedTimer
    _frame_timer: QTimer
    _poll_timer: QTimer
    run_files: RunFiles
    scenarios: ScenarioPicker
    _batch_tab: LazyTab
    _timeline_events: list[SagaEvent]
    _timeline_tab: LazyTab
    recorded: RecordedRuns
    replay: ReplayController
    replay_position: QLabel
    breakpoints: Breakpoints
    _thread: QThread
    _worker: SagaWorker
    _worker_thread_started: bool
    _busy: bool
    _interrupted: bool
    _run_timer: QElapsedTimer
    _closed: bool
    _animations: bool
    _presenter: bool
    _dark: bool
    _before_presenter: Qt.WindowState
    _world_width: int
    batch_running: bool
    _live_queue: SagaMemoryQueue | None
    pipeline_live: bool
    _shown_world: moment_text.WorldView | None
    scenario_dialog: QDialog | None

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

    @property
    def busy(self) -> bool:
        """True while the worker runs something for the window."""
        return self._busy

    @property
    def batch(self) -> BatchPanel:
        """The Batch tab's panel (built on first use)."""
        return cast("BatchPanel", self._batch_tab.content())

    @property
    def timeline(self) -> TimelinePanel:
        """The Timeline tab's panel (built on first use)."""
        return cast("TimelinePanel", self._timeline_tab.content())

    def fault_specs(self) -> dict[str, str]:
        """The failure switches as ``{step key: kind spec}``."""
        return self.pipeline.fault_specs()

    def _update_controls(self) -> None:
        idle = not self._busy
        crashed = self._crashed
        self.run_action.setEnabled(idle and not crashed)
        # A saga file's world starts again only with its history (Erase): the restock
        # of seats and points is the flight booking's.
        self.reset_action.setEnabled(idle and self.saga is None)
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

    def show_on_timeline(self, events: list[SagaEvent]) -> None:
        self._timeline_events = events
        if self._timeline_tab.built:
            self.timeline.set_events(events)

    def _schedule_frame(self) -> None:
        if self._frame_timer.isActive():
            return
        since = self._frame_clock.elapsed() if self._frame_clock.isValid() else FRAME_MS
        # A zero delay still gathers whatever else the worker posted meanwhile.
        self._frame_timer.start(max(0, FRAME_MS - since))

    def _set_paused(self, paused: bool) -> None:
        self.pacer.set_paused(paused)
        self.pause_action.setChecked(paused)
        self.pause_action.setText("▶ Resume" if paused else "⏸ Pause")
        self.state.paused = paused
        self._update_controls()
        self.show_moment()

    def add_run(self, record: RunRecord, *, newest: bool = True) -> None:
        """Keep ``record`` and show its History row (a run read back, imported or made)."""
        self.recorded.add(record, newest=newest)

    def select_run(self, correlation_id: str) -> None:
        """Show the run ``correlation_id`` (its row becomes current): the selected moment."""
        self.recorded.select(correlation_id)

    def set_breakpoint(self, step: str, *, before_run: bool, before_compensation: bool) -> None:
        """Pause the next runs before ``step`` runs and/or before it is compensated."""
        self.breakpoints.set(step, before_run=before_run, before_compensation=before_compensation)
