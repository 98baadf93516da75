"""Bad booking input: the error shows beside its field and nothing runs."""

from __future__ import annotations

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    click_run,
    history_rows,
    run_saga,
    show_tab,
    statuses,
    text_of,
    widget,
    world_state,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLabel, QLineEdit

from saga_desktop.gui.booking_form import FIELDS, parse_passengers


def type_into(qtbot, editor, text: str) -> None:
    """Replace the editor's text by typing, as a person does."""
    editor.setFocus()
    if isinstance(editor, QAbstractSpinBox):
        editor.selectAll()
        if not text:
            qtbot.keyClick(editor, Qt.Key.Key_Delete)
    else:
        editor.clear()
    qtbot.keyClicks(editor, text)


BAD_INPUT = [
    pytest.param(
        "bookingPoints",
        "999999",
        "loyalty_points_to_use",
        "exceed the fare (500.00)",
        id="points-over-fare",
    ),
    pytest.param("bookingFare", "0", "total_fare", "must be more than 0", id="zero-fare"),
    pytest.param("bookingPassengers", "", "passengers", "at least one passenger", id="none"),
    pytest.param("bookingPassengers", "Cher", "passengers", "has no last name", id="one-name"),
]


@pytest.mark.parametrize(("editor_name", "typed", "field", "message"), BAD_INPUT)
def test_bad_input_is_shown_beside_its_field_and_nothing_runs(
    qtbot, make_window, editor_name: str, typed: str, field: str, message: str
) -> None:
    window = make_window()
    before = world_state(window.data_dir)
    points_before = text_of(window, "worldPoints")
    show_tab(qtbot, window, "Booking")
    type_into(qtbot, widget(window, editor_name), typed)
    error = widget(window, f"bookingError_{field}", QLabel)
    assert not error.isVisible()

    with (
        qtbot.assertNotEmitted(window.saga_finished, wait=100),
        qtbot.assertNotEmitted(window.pipeline.card("RESERVE_SEAT").status_changed),
    ):
        click_run(qtbot, window)
        qtbot.waitUntil(error.isVisible, timeout=RUN_TIMEOUT)

    assert message in error.text()
    assert window.form.error_text(field) == error.text()
    # Only that field complains.
    others = [f for f in FIELDS if f != field]
    assert not any(widget(window, f"bookingError_{f}", QLabel).isVisible() for f in others)
    assert window.tabs.currentWidget() is window.booking_tab
    assert "Nothing was run" in window.banner.text()
    assert history_rows(window) == []
    assert window.log.all_lines() == []
    assert text_of(window, "worldPoints") == points_before
    assert world_state(window.data_dir) == before
    # The window is ready for the next try.
    assert not window.busy
    assert widget(window, "runButton").isEnabled()
    qtbot.waitUntil(widget(window, "bookingForm").isEnabled)  # with the next frame


@pytest.mark.parametrize(
    ("editor_name", "typed", "step", "error", "undone"),
    [
        pytest.param(
            "bookingPoints",
            "6000",
            "DEDUCT_LOYALTY_POINTS",
            "exceed the balance of user 1 (5000)",
            ["RESERVE_SEAT"],
            id="points-over-balance",
        ),
        pytest.param(
            "bookingUser",
            "42",
            "DEDUCT_LOYALTY_POINTS",
            "user 42 has no",
            ["RESERVE_SEAT"],
            id="user",
        ),
        pytest.param("bookingFlight", "999", "RESERVE_SEAT", "no flight 999", [], id="flight"),
    ],
)
def test_what_only_a_service_knows_is_refused_at_its_step(
    qtbot, make_window, editor_name: str, typed: str, step: str, error: str, undone: list[str]
) -> None:
    window = make_window()
    before = world_state(window.data_dir)
    show_tab(qtbot, window, "Booking")
    type_into(qtbot, widget(window, editor_name), typed)

    response = run_saga(qtbot, window)

    assert response["failed_step"] == step
    assert error in response["error"]
    assert not any(label.isVisible() for label in window.form.errors.values())
    expected = dict.fromkeys(statuses(window), "PENDING")
    expected.update(dict.fromkeys(undone, "COMPENSATED"), **{step: "FAILED"})
    assert statuses(window) == expected
    assert "Nothing was run" not in window.banner.text()
    assert f"Failed step: <b>{step}</b>" in window.banner.text()
    assert len(history_rows(window)) == 1
    assert world_state(window.data_dir) == before


def test_editing_the_field_clears_the_error_and_the_fixed_booking_runs(qtbot, make_window) -> None:
    window = make_window()
    show_tab(qtbot, window, "Booking")
    points = widget(window, "bookingPoints")
    type_into(qtbot, points, "999999")
    click_run(qtbot, window)
    error = widget(window, "bookingError_loyalty_points_to_use", QLabel)
    qtbot.waitUntil(error.isVisible, timeout=RUN_TIMEOUT)

    type_into(qtbot, points, "200")
    assert not error.isVisible()
    response = run_saga(qtbot, window)

    assert response["success"] is True
    assert text_of(window, "worldPoints").startswith("4,800 points")
    assert len(history_rows(window)) == 1


def test_several_passengers_book_several_seats(qtbot, make_window) -> None:
    window = make_window()
    show_tab(qtbot, window, "Booking")
    type_into(qtbot, widget(window, "bookingPassengers", QLineEdit), "Ada Lovelace; Alan Turing")

    response = run_saga(qtbot, window)

    assert response["success"] is True
    assert "40 of 42 seats left" in text_of(window, "worldSeats")


def test_parse_passengers_keeps_one_word_names_for_validation() -> None:
    assert parse_passengers("John Doe; Jane  Smith ,Cher") == [
        {"first_name": "John", "last_name": "Doe"},
        {"first_name": "Jane", "last_name": "Smith"},
        {"first_name": "Cher", "last_name": ""},
    ]
    assert parse_passengers(" ; ") == []
