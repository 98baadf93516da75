"""Breakpoints: pause before a step runs, or before it is compensated.

The Run menu's check marks are the breakpoints (one pair per card); a card's
right-click menu and :meth:`Breakpoints.set` change them, and every change is
passed to the cards' markers and to the pacer the worker consults.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from saga_desktop.gui._qt import named
from saga_desktop.gui.pipeline import PipelineView, StepCard
from saga_desktop.gui.worker import Pacer

__all__ = ["Breakpoints"]


class Breakpoints(QObject):
    """The breakpoints of one window's pipeline.

    Parameters
    ----------
    window
        Owns the actions (their shortcuts and objectNames live there).
    pipeline
        Its cards show the markers and offer the right-click menu.
    pacer
        Pauses the worker where a breakpoint is.
    """

    def __init__(self, window: QWidget, pipeline: PipelineView, pacer: Pacer) -> None:
        super().__init__(window)
        self._window = window
        self._pipeline = pipeline
        self._pacer = pacer
        self.actions: dict[tuple[str, bool], QAction] = {}
        for name, card in pipeline.cards().items():
            for compensation, text in (
                (False, "before {} runs"),
                (True, "before {} is compensated"),
            ):
                action = named(
                    QAction(f"Pause {text.format(name)}", window, checkable=True),
                    f"breakpointAction_{name.lower()}_{'undo' if compensation else 'run'}",
                )
                action.setData((name, compensation))
                action.toggled.connect(self._on_action_toggled)
                self.actions[(name, compensation)] = action
            card.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            card.customContextMenuRequested.connect(self._on_card_context_menu_requested)
            card.setToolTip(card.toolTip() + "\nRight-click: breakpoints")

    def add_to(self, menu: QMenu) -> None:
        """Put the breakpoints in ``menu`` (the Run menu's submenu: Alt+R, B)."""
        for action in self.actions.values():
            menu.addAction(action)

    def set(self, step: str, *, before_run: bool, before_compensation: bool) -> None:
        """Pause the next runs before ``step`` runs and/or before it is compensated."""
        # The check marks are the breakpoints: a change there is applied
        # (see _on_action_toggled), an unchanged one needs nothing.
        self.actions[(step, False)].setChecked(before_run)
        self.actions[(step, True)].setChecked(before_compensation)

    def of(self, step: str) -> tuple[bool, bool]:
        """(before it runs, before it is compensated) for ``step``."""
        return self.actions[(step, False)].isChecked(), self.actions[(step, True)].isChecked()

    @Slot(QPoint)
    def _on_card_context_menu_requested(self, position: QPoint) -> None:
        card = self.sender()
        if not isinstance(card, StepCard):
            return
        name = card.info().name
        before_run, before_undo = self.of(name)
        menu = QMenu(self._window)
        run_bp = menu.addAction("Pause before this step runs")
        run_bp.setCheckable(True)
        run_bp.setChecked(before_run)
        undo_bp = menu.addAction("Pause before it is compensated")
        undo_bp.setCheckable(True)
        undo_bp.setChecked(before_undo)
        chosen = menu.exec(card.mapToGlobal(position))
        if chosen is run_bp:
            self.set(name, before_run=not before_run, before_compensation=before_undo)
        elif chosen is undo_bp:
            self.set(name, before_run=before_run, before_compensation=not before_undo)

    @Slot(bool)
    def _on_action_toggled(self, on: bool) -> None:
        action = self.sender()
        if not isinstance(action, QAction):
            return
        name, _ = action.data()
        self._pipeline.card(name).set_breakpoints(*self.of(name))
        checked = [key for key, known in self.actions.items() if known.isChecked()]
        self._pacer.set_breakpoints(
            [step for step, compensation in checked if not compensation],
            [step for step, compensation in checked if compensation],
        )
