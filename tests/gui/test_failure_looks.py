"""Failure kinds look alike no more (issue 13, item 5).

A failed compensation is not a failed step, a late reply is not a refusal; the fault
kind box shows its whole label; the timeline gives each kind its colour and legend.
"""

from __future__ import annotations

from gui_helpers import arm, run_saga, widget
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QWidget

from saga_desktop.gui.pipeline import FAULT_CHOICES, STATUSES
from saga_desktop.gui.pipeline._looks import _LOOKS
from saga_desktop.gui.timeline import _KIND_LABELS, KIND_COLOURS


def _chip(window, key: str) -> str:
    return str(widget(window, f"stepStatus_{key}", QWidget).text())


def test_a_failed_undo_looks_unlike_a_failed_step(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "reserve_seat", "compensation_fail:forever")
    arm(qtbot, window, "process_payment", "fail")

    response = run_saga(qtbot, window)

    assert response["outcome"] == "DEAD_LETTERED"
    seat = window.pipeline.card("RESERVE_SEAT")
    payment = window.pipeline.card("PROCESS_PAYMENT")
    assert seat.property("status") == payment.property("status") == "FAILED"
    assert seat.shown_look() == "UNDO_FAILED"
    assert payment.shown_look() == "FAILED"
    assert "Undo failed" in _chip(window, "reserve_seat")
    assert "Failed" in _chip(window, "process_payment")
    assert "Undo" not in _chip(window, "process_payment")
    assert _LOOKS["UNDO_FAILED"].accent != _LOOKS["FAILED"].accent
    assert _LOOKS["TIMED_OUT"].accent != _LOOKS["FAILED"].accent


def test_each_look_has_its_own_symbol_word_and_colour() -> None:
    looks = [*STATUSES, "TIMED_OUT", "UNDO_FAILED"]
    assert len({_LOOKS[key].label for key in looks}) == len(looks)
    assert len({_LOOKS[key].symbol for key in looks}) == len(looks)
    assert len({_LOOKS[key].accent for key in looks}) == len(looks)


def _text_room(combo: QComboBox) -> int:
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    return field.width()


def test_every_fault_kind_shows_whole_in_its_box_at_1280x800(qtbot, make_window) -> None:
    window = make_window()  # 1280×800
    qtbot.waitUntil(lambda: window.pipeline.card("RESERVE_SEAT").width() > 0)
    for card in window.pipeline.cards().values():
        combo = card.fault_kind_combo()
        metrics = combo.fontMetrics()
        for label, _spec, _tip in FAULT_CHOICES:
            assert metrics.horizontalAdvance(label) <= _text_room(combo), (
                f"{card.info().name}: {label!r} is cut in a {combo.width()} px box"
            )


def test_the_timeline_gives_each_kind_its_colour_and_a_legend_entry(qtbot, make_window) -> None:
    assert len(set(KIND_COLOURS.values())) == len(KIND_COLOURS)
    forward = {KIND_COLOURS[k] for k in ("attempt", "attempt_failed", "attempt_retried")}
    for kind in ("compensation", "compensation_retried", "compensation_failed", "timeout"):
        assert KIND_COLOURS[kind] not in forward, kind
    window = make_window()
    legend = window.timeline.findChild(QWidget, "timelineLegend")
    assert legend is not None
    for label in _KIND_LABELS.values():
        assert label in legend.text(), label
