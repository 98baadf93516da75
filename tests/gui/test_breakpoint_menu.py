"""Breakpoints are reachable from the Run menu (the keyboard), not only by right-click."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from saga_desktop.engine import CompensationStarted, StepStarted


def test_menu_actions_set_and_clear_breakpoints(make_window) -> None:
    window = make_window()
    action = window.findChild(QAction, "breakpointAction_process_payment_run")
    assert action is not None
    marker = window.findChild(QLabel, "breakpoint_process_payment")

    action.trigger()

    assert window.pipeline.card("PROCESS_PAYMENT").breakpoints() == (True, False)
    assert not marker.isHidden()
    started = StepStarted("c", 0.0, "PROCESS_PAYMENT", 1, 3)
    assert window.pacer.breakpoint_for(started) == "before PROCESS_PAYMENT runs"

    action.trigger()

    assert window.pipeline.card("PROCESS_PAYMENT").breakpoints() == (False, False)
    assert marker.isHidden()
    assert window.pacer.breakpoint_for(started) is None


def test_set_breakpoint_keeps_the_menu_in_step(make_window) -> None:
    window = make_window()
    window.set_breakpoint("RESERVE_SEAT", before_run=False, before_compensation=True)

    undo = window.findChild(QAction, "breakpointAction_reserve_seat_undo")
    run = window.findChild(QAction, "breakpointAction_reserve_seat_run")
    assert undo.isChecked()
    assert not run.isChecked()
    undo_started = CompensationStarted("c", 0.0, "RESERVE_SEAT", "COMPENSATE_RESERVE_SEAT", 1, 3)
    assert window.pacer.breakpoint_for(undo_started) == "before RESERVE_SEAT is compensated"
