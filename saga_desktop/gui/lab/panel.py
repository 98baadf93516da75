"""The Lab window: a lesson's sagas as lanes over one world, advanced by hand or by script.

Every database call happens in :class:`~saga_desktop.gui.lab.worker.LabWorker`'s
thread; the panel sends requests through queued signals and draws the plain
view the worker sends back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMetaObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.booking.lab import COUNTERMEASURES, LESSONS
from saga_desktop.gui.lab.lanes import LaneView
from saga_desktop.gui.lab.worker import LabWorker

__all__ = ["PLAY_SPEEDS", "LabPanel"]

#: Label → milliseconds between two turns of the scripted interleaving.
PLAY_SPEEDS = {"Slow": 900, "Normal": 450, "Fast": 150, "Instant": 0}


def _named(widget: QWidget, name: str, accessible: str) -> None:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)


class LabPanel(QWidget):
    """The isolation lab: pick a lesson, switch cures on, advance saga A or B."""

    start_requested = Signal(str, list)
    advance_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SAGA Desktop — Isolation lab")
        self._view: dict[str, Any] = {}
        self._busy = False
        self._closed = False
        self._play = QTimer(self)
        self._play.timeout.connect(self._on_play_timeout)
        self._build()
        self._thread = QThread(self)
        self._worker = LabWorker()
        self._worker.moveToThread(self._thread)
        self.start_requested.connect(self._worker.start)
        self.advance_requested.connect(self._worker.advance)
        self._worker.changed.connect(self._on_worker_changed)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()
        self._on_lesson_changed()

    # -- building -------------------------------------------------------------

    def _build(self) -> None:
        self.lesson_box = QComboBox()
        for lesson in LESSONS.values():
            self.lesson_box.addItem(lesson.title, lesson.name)
        _named(self.lesson_box, "lab_lesson", "Lesson")
        self.lesson_box.currentIndexChanged.connect(self._on_lesson_changed)
        self.description = QLabel(wordWrap=True)
        _named(self.description, "lab_description", "What the lesson shows")
        self.switches: dict[str, QCheckBox] = {}
        cures = QGroupBox("Countermeasures")
        grid = QGridLayout(cures)
        for i, measure in enumerate(COUNTERMEASURES.values()):
            box = QCheckBox(measure.title)
            box.setToolTip(f"<p>{measure.how}</p><p><b>Cost:</b> {measure.cost}</p>")
            _named(box, f"lab_cure_{measure.name}", f"Countermeasure: {measure.title}")
            box.toggled.connect(self._on_cure_toggled)
            self.switches[measure.name] = box
            grid.addWidget(box, i // 3, i % 3)
        controls = QHBoxLayout()
        self.advance_buttons: dict[str, QPushButton] = {}
        for label in "ABC":
            button = QPushButton(f"Advance {label}")
            button.setToolTip(f"Saga {label} runs to its next pause point (key {label})")
            _named(button, f"lab_advance_{label}", f"Advance saga {label}")
            button.clicked.connect(self._on_advance_clicked)
            button.setProperty("lab_label", label)
            self.advance_buttons[label] = button
            controls.addWidget(button)
            QShortcut(QKeySequence(label), self).activated.connect(button.click)
        self.play_button = QPushButton("▶ Play script")
        _named(self.play_button, "lab_play", "Play the lesson's interleaving")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_play_toggled)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self).activated.connect(self.play_button.toggle)
        self.reset_button = QPushButton("↺ Reset")
        _named(self.reset_button, "lab_reset", "Start the lesson again")
        self.reset_button.clicked.connect(self._on_lesson_changed)
        self.speed_box = QComboBox()
        self.speed_box.addItems(list(PLAY_SPEEDS))
        self.speed_box.setCurrentText("Normal")
        _named(self.speed_box, "lab_speed", "Play speed")
        for widget in (self.play_button, self.reset_button, QLabel("Speed"), self.speed_box):
            controls.addWidget(widget)
        controls.addStretch(1)
        self.schedule_bar = QLabel()
        _named(self.schedule_bar, "lab_schedule", "Schedule: whose turn it is")
        self.schedule_bar.setTextFormat(Qt.TextFormat.RichText)
        self.caption = QLabel(wordWrap=True)
        _named(self.caption, "lab_caption", "What happened")
        self.caption.setFrameShape(QFrame.Shape.StyledPanel)
        self.caption.setMinimumHeight(56)
        self.lanes = LaneView()
        self.shared = QPlainTextEdit(readOnly=True)
        _named(self.shared, "lab_shared", "Shared records and who wrote each value")
        self.turn_list = QListWidget()
        _named(self.turn_list, "lab_turns", "Turns taken")
        self.world = QLabel(wordWrap=True)
        self.world.setAlignment(Qt.AlignmentFlag.AlignTop)
        _named(self.world, "lab_world", "The world")
        self._layout(cures, controls)

    def _layout(self, cures: QGroupBox, controls: QHBoxLayout) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Lesson"))
        top.addWidget(self.lesson_box)
        top.addWidget(self.description, 1)
        bottom = QSplitter()
        for title, widget in (
            ("Shared records", self.shared),
            ("Turns", self.turn_list),
            ("World", self.world),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(widget)
            bottom.addWidget(box)
        self.world.setMinimumWidth(240)
        bottom.setStretchFactor(0, 2)
        bottom.setStretchFactor(1, 3)
        bottom.setStretchFactor(2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(cures)
        layout.addLayout(controls)
        layout.addWidget(self.schedule_bar)
        layout.addWidget(self.caption)
        layout.addWidget(self.lanes)
        layout.addWidget(bottom, 1)

    # -- requests -------------------------------------------------------------

    @property
    def lesson(self) -> str:
        """The lesson shown."""
        return str(self.lesson_box.currentData())

    def countermeasures(self) -> list[str]:
        """The countermeasures switched on."""
        return [name for name, box in self.switches.items() if box.isChecked()]

    @Slot()
    def _on_lesson_changed(self) -> None:
        lesson = LESSONS[self.lesson]
        self.description.setText(lesson.description)
        self.play_button.setChecked(False)
        self._script = list(lesson.schedule)
        self._busy = True
        self.start_requested.emit(lesson.name, self.countermeasures())

    @Slot(bool)
    def _on_cure_toggled(self, _on: bool) -> None:
        # The same interleaving again, with the participants' new behaviour.
        self._on_lesson_changed()

    @Slot()
    def _on_advance_clicked(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.advance(str(button.property("lab_label")))

    def advance(self, label: str) -> None:
        """Ask for saga ``label``'s next turn (ignored while one is under way)."""
        if self._busy or self._closed:
            return
        self._busy = True
        self.advance_requested.emit(label)

    @Slot(bool)
    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText("⏸ Pause" if on else "▶ Play script")
        if on:
            self._play.start(PLAY_SPEEDS[self.speed_box.currentText()])
        else:
            self._play.stop()

    def next_label(self) -> str | None:
        """Whose turn the script gives next (then each running saga in turn)."""
        live = [
            lane["label"] for lane in self._view.get("lanes", ()) if lane["outcome"] == "RUNNING"
        ]
        if not live:
            return None
        taken = len(self._view.get("schedule", ()))
        if taken < len(self._script):
            return str(self._script[taken])
        return str(live[(taken - len(self._script)) % len(live)])

    @Slot()
    def _on_play_timeout(self) -> None:
        label = self.next_label()
        if label is None:
            self.play_button.setChecked(False)
            return
        self.advance(label)

    # -- what the worker saw ----------------------------------------------------

    @Slot(dict)
    def _on_worker_changed(self, view: dict[str, Any]) -> None:
        self._busy = False
        self._view = view
        self._show(view)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._busy = False
        self.play_button.setChecked(False)
        self.caption.setText(f"The lab stopped: {message}")

    def _show(self, view: dict[str, Any]) -> None:
        self.lanes.show_lanes(view["lanes"])
        for label, button in self.advance_buttons.items():
            lane = next((x for x in view["lanes"] if x["label"] == label), None)
            button.setVisible(lane is not None)
            button.setEnabled(lane is not None and lane["outcome"] == "RUNNING")
        taken = " ".join(view["schedule"]) or "—"
        upcoming = self.next_label()
        self.schedule_bar.setText(
            f"<b>Script</b> {' '.join(self._script)} &nbsp;·&nbsp; <b>Taken</b> {taken}"
            + (f" &nbsp;·&nbsp; <b>Next</b> saga {upcoming}" if upcoming else " &nbsp;·&nbsp; done")
        )
        self.caption.setText(self._caption(view))
        anomaly = bool(view["anomalies"]) or bool(view["violations"])
        self.caption.setProperty("anomaly", anomaly)
        self.caption.setStyleSheet(
            "QLabel { padding: 6px; font-weight: bold; "
            + ("background: #b3261e; color: white; }" if anomaly else "}")
        )
        self.shared.setPlainText(
            "\n".join(
                f"{r['service']} {r['record']}: " + " → ".join(r["values"] or ["unchanged"])
                for r in view["shared"]
            )
            or "No record touched by two sagas yet."
        )
        self.turn_list.clear()
        self.turn_list.addItems(view["turns"])
        self.turn_list.scrollToBottom()
        self.world.setText(self._world_text(view))

    @staticmethod
    def _caption(view: dict[str, Any]) -> str:
        if view["anomalies"]:
            return "\n".join(a["caption"] for a in view["anomalies"])
        cures = ", ".join(view["countermeasures"]) or "no countermeasure"
        if view["finished"]:
            if view["violations"]:
                return "The books do not balance: " + "; ".join(view["violations"])
            return f"Every saga has ended: no anomaly, the books balance ({cures})."
        return f"No anomaly so far ({cures}). Advance a saga."

    @staticmethod
    def _world_text(view: dict[str, Any]) -> str:
        world = view["world"]
        lines = [f"Flight {k}: {v:g} free" for k, v in world["flights"].items()]
        lines += [f"User {k}: {v:g} points" for k, v in world["points"].items()]
        lines += [f"{k}: {v}" for k, v in world["bookings"].items()]
        lines.append(f"Money held: {world['money']:.2f}")
        if view["finished"]:
            lines.append(
                "✖ " + "\n✖ ".join(view["violations"])
                if view["violations"]
                else "✔ the books balance"
            )
        return "\n".join(lines)

    # -- closing ----------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the play, end the session in the worker's thread, and stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._play.stop()
        if self._thread.isRunning():
            # In the worker's thread (it owns the databases), and waited for.
            QMetaObject.invokeMethod(
                self._worker, "stop", Qt.ConnectionType.BlockingQueuedConnection
            )
            self._thread.quit()
            self._thread.wait(10_000)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the worker before the window goes."""
        self.shutdown()
        super().closeEvent(event)
