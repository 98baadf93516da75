"""Layout at 1280x800 and 1920x1080 (issue 13, item 11): nothing cut, nothing overlaps.

The geometry of the widgets is compared, not pixels: each one-line label's text fits
its width (QFontMetrics), the world panel grows no scrollbar, the children of a card
do not overlap, the cards do not move when "Still to run" wraps, and the booking
form's fields do not move when an error appears.
"""

from __future__ import annotations

import itertools

import pytest
from gui_helpers import RUN_TIMEOUT, arm, run_saga, widget
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiQt
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QWidget

from saga_desktop.gui.pipeline._parts import _ElidedLabel


def _one_line_labels(root: QWidget) -> list[QLabel]:
    return [
        label
        for label in root.findChildren(QLabel)
        if label.isVisible()
        and not label.wordWrap()
        and not isinstance(label, _ElidedLabel)  # elides by design
        and label.text()
        and not QtGuiQt.mightBeRichText(label.text())
    ]


def _cut_labels(root: QWidget) -> list[str]:
    cut = []
    for label in _one_line_labels(root):
        need = label.fontMetrics().horizontalAdvance(label.text())
        room = label.contentsRect().width() - 2 * label.margin()
        if need > room:
            cut.append(f"{label.objectName() or label.text()!r}: {need} px in {room} px")
    return cut


def _overlaps(card: QWidget) -> list[str]:
    parts = [
        child
        for child in card.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if child.isVisible() and child.width() > 0 and child.height() > 0
    ]
    return [
        f"{a.objectName()} overlaps {b.objectName()}"
        for a, b in itertools.combinations(parts, 2)
        if a.geometry().intersects(b.geometry())
    ]


def _escapes(card: QWidget) -> list[str]:
    """Parts drawn outside their card, and title words wider than the title's line."""
    wrong = [
        f"{child.objectName()} leaves the card"
        for child in card.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if child.isVisible() and not card.rect().contains(child.geometry())
    ]
    for title in card.findChildren(QLabel):
        if title.objectName().startswith("stepTitle_"):
            room = title.contentsRect().width()
            wrong += [
                f"{title.objectName()}: {word!r} is cut"
                for word in title.text().split()
                if title.fontMetrics().horizontalAdvance(word) > room
            ]
            lines = title.heightForWidth(room)
            if lines > title.height():
                wrong.append(f"{title.objectName()}: {lines} px of text in {title.height()} px")
    return wrong


def _settle(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width)
    qtbot.wait(50)
    QApplication.processEvents()


def _check(window) -> None:
    assert _cut_labels(window) == []
    scroll = window.world.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea)
    assert not scroll.horizontalScrollBar().isVisible(), "the world panel scrolls sideways"
    assert not scroll.verticalScrollBar().isVisible(), "the world panel grew a scrollbar"
    for card in window.pipeline.cards().values():
        assert _overlaps(card) == [], card.objectName()
        assert _escapes(card) == [], card.objectName()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_nothing_is_cut_or_overlaps_idle_and_after_a_run(qtbot, make_window, width, height):
    window = make_window()
    _settle(qtbot, window, width, height)
    _check(window)
    arm(qtbot, window, "reserve_seat", "compensation_fail:forever")
    arm(qtbot, window, "process_payment", "transient:5")
    run_saga(qtbot, window, timeout=RUN_TIMEOUT)
    qtbot.wait(50)
    _check(window)


def test_nothing_is_cut_or_overlaps_at_the_minimum_size(qtbot, make_window) -> None:
    window = make_window()
    smallest = window.minimumSizeHint()
    _settle(qtbot, window, smallest.width(), smallest.height())
    assert window.pipeline.card("RESERVE_SEAT").is_compact()
    _check(window)
    arm(qtbot, window, "process_payment", "transient:5")
    arm(qtbot, window, "confirm_booking")
    run_saga(qtbot, window, timeout=RUN_TIMEOUT)
    qtbot.wait(50)
    _check(window)


def test_presenter_mode_at_1920x1080_cuts_nothing(qtbot, make_window) -> None:
    window = make_window()
    window.presenter_action.trigger()
    qtbot.wait(100)
    _settle(qtbot, window, 1920, 1080)
    _check(window)
    # ⚡ and ⏸ beside "Process payment" took the room its last word needed.
    arm(qtbot, window, "process_payment")
    window.pipeline.card("PROCESS_PAYMENT").set_breakpoints(True, True)
    qtbot.wait(50)
    _check(window)


def test_the_cards_stay_put_when_still_to_run_wraps(qtbot, make_window) -> None:
    window = make_window()
    card = window.pipeline.card("RESERVE_SEAT")
    top = card.mapTo(window, card.rect().topLeft()).y()
    window.what_is_left.setText("Still to run: " + ", ".join(["CONFIRM_BOOKING"] * 12))
    qtbot.wait(50)
    QApplication.processEvents()
    assert window.what_is_left.heightForWidth(window.what_is_left.width()) > (
        window.what_is_left.fontMetrics().lineSpacing() + 8
    ), "the text does wrap"
    assert card.mapTo(window, card.rect().topLeft()).y() == top


def test_the_booking_fields_stay_put_when_an_error_appears(qtbot, make_window) -> None:
    window = make_window()
    window.tabs.setCurrentWidget(window.booking_tab)
    qtbot.wait(50)
    form = window.form
    fields = [
        child for child in form.findChildren(QWidget) if child.objectName().startswith("booking")
    ]
    fields = [f for f in fields if "Error" not in f.objectName() and f.isVisible()]
    assert fields
    before = {f.objectName(): f.geometry() for f in fields}
    form.show_error("user_id", "user 99 does not exist: the loyalty service refuses it")
    qtbot.wait(50)
    QApplication.processEvents()
    assert widget(window, "bookingError_user_id", QLabel).isVisible()
    assert {f.objectName(): f.geometry() for f in fields} == before


def test_the_lanes_are_redrawn_whole_when_the_cards_move(qtbot, make_window) -> None:
    """Lanes and arrows hang off the cards: a card that moves repaints all of them.

    Without it Qt repaints only the strips a card left and entered, and the old lanes
    stay on screen beside the new ones (the "ghost lanes" seen after a resize).
    """
    from PySide6.QtCore import QObject, QRect

    window = make_window()
    _settle(qtbot, window, 1280, 800)
    pipeline = window.pipeline
    painted: list[QRect] = []

    class Spy(QObject):
        def eventFilter(self, watched, event):
            if watched is pipeline and event.type() == event.Type.Paint:
                painted.append(event.region().boundingRect())
            return False

    spy = Spy()
    pipeline.installEventFilter(spy)
    qtbot.wait(50)
    card = pipeline.card("RESERVE_SEAT")
    before = card.geometry()
    painted.clear()
    # A long note makes one card taller: the row grows and every card moves up.
    card.set_note("waiting 0.4 s before attempt 2/3 " * 6)
    qtbot.waitUntil(lambda: card.geometry() != before)
    qtbot.wait(50)
    pipeline.removeEventFilter(spy)
    assert painted, "the pipeline was not repainted at all"
    assert any(rect.contains(pipeline.rect()) for rect in painted), painted
