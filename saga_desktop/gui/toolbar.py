"""The Controls tool bar: Run and Restart, Pause and Step, speed, Reset, scenario and seed.

Laid out so that everything stays visible at the default 1280 px whatever
appears: Restart sits next to Run and keeps its place while hidden (its
appearing after a crash once pushed the seed and "Run all scenarios" into the
overflow menu), and the texts are short (the tooltips say the rest).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QSlider, QSpinBox, QToolBar, QWidget

from saga_desktop.gui._qt import named
from saga_desktop.gui.actions import place_keeper, spec, tool_button

__all__ = ["SPEED_INSTANT", "ControlsToolbar"]

#: The speed slider's maximum: Instant.
SPEED_INSTANT = 100


class ControlsToolbar(QToolBar):
    """The window's one tool bar, built from its actions (see :mod:`saga_desktop.gui.actions`)."""

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__("Controls", parent)
        named(self, "controlsToolbar")
        self.setMovable(False)
        self.run_button = tool_button(actions["run"], spec("run"))
        self.restart_button = tool_button(actions["restart"], spec("restart"))
        self.pause_button = tool_button(actions["pause"], spec("pause"))
        self.step_button = tool_button(actions["step"], spec("step"))
        self.reset_button = tool_button(actions["reset"], spec("reset"))
        self.run_all_button = tool_button(actions["run_all"], spec("run_all"))
        self.speed_slider = named(
            QSlider(Qt.Orientation.Horizontal),
            "speedSlider",
            "Speed",
            "Speed: slow for teaching, far right is Instant",
        )
        self.speed_slider.setRange(0, SPEED_INSTANT)
        self.speed_slider.setFixedWidth(150)
        self.speed_label = named(QLabel(), "speedLabel")
        # As wide as its widest text ("2.53 s/event"): the bar does not move as it changes.
        self.speed_label.setMinimumWidth(
            self.speed_label.fontMetrics().horizontalAdvance("8.88 s/event") + 4
        )
        self.scenario_picker = named(
            QComboBox(),
            "scenarioPicker",
            "Scenario",
            "Pick a scenario: it sets the failure switches",
        )
        self.scenario_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.scenario_picker.setMinimumContentsLength(22)
        self.seed_spin = named(
            QSpinBox(),
            "seedSpin",
            "Seed",
            "Seed of the random failures: type it back to repeat a run",
        )
        self.seed_spin.setRange(0, 999_999)

        self.addWidget(self.run_button)
        self.addWidget(place_keeper(self.restart_button))
        self.addWidget(self.pause_button)
        self.addWidget(self.step_button)
        self.addSeparator()
        self.addWidget(QLabel(" Speed "))
        self.addWidget(self.speed_slider)
        self.addWidget(self.speed_label)
        self.addSeparator()
        self.addWidget(QLabel(" Scenario "))
        self.addWidget(self.scenario_picker)
        self.addWidget(QLabel(" seed "))
        self.addWidget(self.seed_spin)
        self.addWidget(self.run_all_button)
        self.addSeparator()
        self.addWidget(self.reset_button)

    def set_restart_shown(self, shown: bool) -> None:
        """Show Restart (sagas wait for a recovery) or hide it; its place stays either way."""
        self.restart_button.setVisible(shown)
