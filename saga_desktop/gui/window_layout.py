"""The window's layout: the stage (cards, banner, world panel), the bottom tabs, the status bar.

Each function builds one part on the window and keeps its widgets as the
window's attributes (tests and the other parts reach them there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui._qt import named
from saga_desktop.gui.banner import ResultBanner
from saga_desktop.gui.booking_form import BookingForm
from saga_desktop.gui.dead_letters_tab import DeadLettersTab
from saga_desktop.gui.history_tab import HistoryTab
from saga_desktop.gui.log_pane import LogPane
from saga_desktop.gui.notices import Notices
from saga_desktop.gui.pipeline import PipelineView
from saga_desktop.gui.request_form import RequestForm
from saga_desktop.gui.run_faults import RunFaults
from saga_desktop.gui.services_panel import ServicesPanel
from saga_desktop.gui.toolbar import ControlsToolbar
from saga_desktop.gui.window_base import DEFAULT_SPEED, step_infos
from saga_desktop.gui.world_panel import WorldPanel

if TYPE_CHECKING:
    from saga_desktop.gui.main_window import MainWindow

#: How often an idle window reads the world again (another process may be working in it).
POLL_MS = 3000


def build_widgets(window: MainWindow) -> None:
    """The tool bar and the stage, tabs and status bar under it."""
    toolbar = window._toolbar = ControlsToolbar(window.actions_by_key)
    window.addToolBar(toolbar)
    window.run_button = toolbar.run_button
    window.pause_button = toolbar.pause_button
    window.step_button = toolbar.step_button
    window.reset_button = toolbar.reset_button
    window.restart_button = toolbar.restart_button
    window.run_all_button = toolbar.run_all_button
    window.speed_slider = toolbar.speed_slider
    window.speed_label = toolbar.speed_label
    window.scenario_picker = toolbar.scenario_picker
    window.seed_spin = toolbar.seed_spin
    window.seed_spin.setValue(42)
    window.speed_slider.setValue(DEFAULT_SPEED)
    window.speed_slider.valueChanged.connect(window._on_speed_slider_value_changed)
    window._on_speed_slider_value_changed(window.speed_slider.value())

    build_stage(window)


def build_stage(window: MainWindow) -> None:
    """The pipeline with what is left above it, the caption and the banner below."""
    window.pipeline = PipelineView(step_infos(window.saga))
    window.pipeline.fault_plan_changed.connect(window._on_pipeline_fault_plan_changed)
    window.run_faults = RunFaults(window.pipeline, window._on_run_faults_applied)
    window.banner = ResultBanner()
    # Room for four lines (which run and moment, then the outcome's three): a
    # banner that grew and shrank would re-lay out the whole pipeline each time.
    window.banner.setMinimumHeight(4 * window.banner.fontMetrics().lineSpacing() + 28)
    window._shown_banner = None
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    window.what_is_left = named(
        QLabel(),
        "whatIsLeftLabel",
        "What is left",
        "Steps still to run, and what a failure would undo",
    )
    window.what_is_left.setWordWrap(True)
    window.what_is_left.setMargin(4)
    # Room for two lines from the start: the cards below do not jump when it wraps.
    window.what_is_left.setMinimumHeight(2 * window.what_is_left.fontMetrics().lineSpacing() + 8)
    # A palette role, not a style sheet: it follows a switch to the dark theme.
    window.what_is_left.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    window.caption = named(
        QLabel(), "captionLabel", "Caption", "What just happened, in plain words"
    )
    window.caption.setWordWrap(True)
    window.caption.setMargin(8)
    window.caption.hide()
    left_layout.addWidget(window.what_is_left)
    left_layout.addWidget(window.pipeline, 1)
    left_layout.addWidget(window.caption)
    left_layout.addWidget(window.banner)

    saga = window.saga
    # A saga file's world and request are its own: every service, every request field.
    window.world = WorldPanel() if saga is None else ServicesPanel(saga)
    window.form = BookingForm() if saga is None else RequestForm(saga)
    window.form.focus_changed.connect(window._on_form_focus_changed)
    right = QWidget()
    right_layout = QVBoxLayout(right)
    right_layout.setContentsMargins(0, 0, 0, 0)
    # The verdict can grow (violations); scroll rather than squash the figures.
    world_scroll = QScrollArea(widgetResizable=True)
    world_scroll.setFrameShape(QFrame.Shape.NoFrame)
    world_scroll.setWidget(window.world)
    # Its figures are never cut: the panel keeps the width they need (no sideways bar).
    world_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    world_scroll.setMinimumWidth(window.world.minimumSizeHint().width() + 16)
    right_layout.addWidget(world_scroll, 1)

    window.top_splitter = top = named(QSplitter(Qt.Orientation.Horizontal), "topSplitter")
    top.addWidget(left)
    top.addWidget(right)
    top.setStretchFactor(0, 4)
    top.setStretchFactor(1, 1)
    top.setSizes([970, 310])

    build_tabs(window)


def build_tabs(window: MainWindow) -> None:
    """The bottom tabs: log, History, Dead letters, booking form."""
    window.log = LogPane()
    # History and Dead letters are filled by the worker, which starts after the
    # first paint: their pages are here from the start, their tables (and those
    # classes' Python enums) are built then, see _build_run_tabs.
    window.history_tab = HistoryTab()
    window.dead_tab = DeadLettersTab()
    window.dead_tab.retry_requested.connect(window._on_dead_tab_retry_requested)
    window.dead_tab.resolve_requested.connect(window._on_dead_tab_resolve_requested)

    window.tabs = named(QTabWidget(), "bottomTabs")
    window.tabs.addTab(window.log, "Log")
    window.tabs.addTab(window.history_tab, "History")
    window.tabs.addTab(window.dead_tab, "Dead letters")
    # The form lives in a tab so the world panel keeps the whole right column.
    window.booking_tab = QWidget()
    booking_layout = QHBoxLayout(window.booking_tab)
    booking_layout.addWidget(window.form)
    booking_layout.addStretch(1)
    window.tabs.addTab(window.booking_tab, "Booking" if window.saga is None else "Request")

    main = named(QSplitter(Qt.Orientation.Vertical), "mainSplitter")
    main.addWidget(window.top_splitter)
    main.addWidget(window.tabs)
    main.setStretchFactor(0, 3)
    main.setStretchFactor(1, 2)
    main.setSizes([470, 300])
    window.setCentralWidget(main)

    build_status_bar(window)


def build_status_bar(window: MainWindow) -> None:
    """Step, elapsed time and correlation id of the moment shown; the timers."""
    window.step_label = named(QLabel("Step: –"), "currentStepLabel")
    window.elapsed_label = named(QLabel("Elapsed –"), "elapsedLabel")
    window.correlation_label = named(QLabel("Correlation –"), "correlationLabel")
    window.correlation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    window.copy_button = named(QToolButton(), "copyCorrelationButton")
    window.copy_button.setText("Copy id")
    window.copy_button.setToolTip("Copy the correlation id")
    window.copy_button.setAccessibleName("Copy the correlation id")
    window.copy_button.clicked.connect(window._on_copy_button_clicked)
    window._shown_cid = ""
    status = window.statusBar()
    status.addWidget(window.step_label, 2)
    status.addWidget(window.elapsed_label, 1)
    window.notices = Notices(status, window.log)
    status.addPermanentWidget(window.correlation_label)
    status.addPermanentWidget(window.copy_button)
    window._elapsed_timer = QTimer(window, interval=100)
    window._elapsed_timer.timeout.connect(window._on_elapsed_timer_timeout)
    # What the worker reported since the last frame (see _FRAME_MS).
    window._frame_events = []
    window._frame_lines = []
    window._frame_world = None
    window._frame_finished = []
    window._frame_clock = QElapsedTimer()
    window._frame_timer = QTimer(window, singleShot=True)
    window._frame_timer.timeout.connect(window._on_frame_timer_timeout)
    # Another process may change the world while this window idles: look again.
    window._poll_timer = QTimer(window, interval=POLL_MS)
    window._poll_timer.timeout.connect(window._on_poll_timer_timeout)
    add_step_shortcuts(window)


def add_step_shortcuts(window: MainWindow) -> None:
    """Ctrl+1 … Ctrl+9 flip the failure switches of the first nine steps."""
    for number, card in enumerate(list(window.pipeline.cards().values())[:9], start=1):
        toggle = QAction(f"Toggle failure of step {number}", window)
        toggle.setShortcut(QKeySequence(f"Ctrl+{number}"))
        toggle.setObjectName(f"toggleFailAction_{number}")
        # As a click: never while the switch is greyed out.
        toggle.triggered.connect(card.toggle_fault)
        window.addAction(toggle)


def build_run_tabs(window: MainWindow) -> None:
    """Fill the History and Dead letters pages (once; see _build_widgets)."""
    window.history_tab.build()
    window.dead_tab.build()
