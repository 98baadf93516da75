"""The world panel: figures, changes during a run, focus on the form's flight and user."""

from __future__ import annotations

from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    click_run,
    flight,
    run_saga,
    show_tab,
    statuses,
    text_of,
    user,
    widget,
    world_state,
)
from PySide6.QtWidgets import QAbstractButton, QSlider

from saga_desktop.gui.world_panel import WorldPanel


def test_defaults_are_shown_on_start(make_window) -> None:
    window = make_window()
    assert text_of(window, "worldSeats") == "42 of 42 seats left"
    assert text_of(window, "worldPoints") == "5,000 points"
    assert text_of(window, "worldCaptured") == "0.00"
    assert text_of(window, "worldBookings") == "0 confirmed, 0 cancelled"
    assert text_of(window, "worldDeadLetters") == "none"
    assert "Consistent" in text_of(window, "worldConsistency")
    assert window.world.consistent is True


def test_figures_show_the_change_of_the_last_run(qtbot, make_window) -> None:
    window = make_window()
    assert run_saga(qtbot, window)["success"]

    state = world_state(window.data_dir)
    assert text_of(window, "worldSeats") == "41 of 42 seats left  (−1)"
    assert text_of(window, "worldPoints") == "4,000 points  (−1,000)"
    assert text_of(window, "worldCaptured") == f"{state['payments']['captured']:,.2f}  (+490.00)"
    assert text_of(window, "worldNet").startswith("490.00")
    assert text_of(window, "worldBookings") == "1 confirmed  (+1), 0 cancelled"
    assert flight(state)["seats_left"] == 41
    assert user(state)["points"] == 4000

    # The next run measures from where this one ended.
    arm(qtbot, window, "confirm_booking")
    assert not run_saga(qtbot, window)["success"]
    assert text_of(window, "worldSeats") == "41 of 42 seats left"
    assert text_of(window, "worldRefunded") == "490.00  (+490.00)"
    assert text_of(window, "worldBookings") == "1 confirmed, 0 cancelled"


def test_an_unbalanced_world_mid_run_shows_saga_in_flight(qtbot, make_window) -> None:
    window = make_window(speed=0)
    click(qtbot, widget(window, "pauseButton", QAbstractButton))
    click_run(qtbot, window)
    step = widget(window, "stepButton", QAbstractButton)
    click(qtbot, step)  # RESERVE_SEAT starts
    click(qtbot, step)  # RESERVE_SEAT completes: a seat is held, no booking yet
    qtbot.waitUntil(lambda: "41 of 42" in text_of(window, "worldSeats"), timeout=RUN_TIMEOUT)

    assert statuses(window)["RESERVE_SEAT"] == "COMPLETED"
    assert text_of(window, "worldSeats").endswith("(−1)")
    assert "Saga in flight" in text_of(window, "worldConsistency")
    assert "Inconsistent" not in text_of(window, "worldConsistency")

    slider = widget(window, "speedSlider", QSlider)
    slider.setValue(slider.maximum())
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT):
        click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert "Consistent" in text_of(window, "worldConsistency")


def test_panel_follows_the_forms_flight_and_user(qtbot, make_window) -> None:
    window = make_window()
    show_tab(qtbot, window, "Booking")
    window.form.flight.setValue(456)
    window.form.user.setValue(3)
    assert text_of(window, "worldSeats") == "30 of 30 seats left"
    assert text_of(window, "worldPoints") == "20,000 points"
    assert window.world.flight_label.text().startswith("Flight 456 LHR")
    assert window.world.user_label.text() == "User 3 Ada Lovelace"

    window.form.flight.setValue(999)
    assert text_of(window, "worldSeats") == "no such flight"


def test_panel_before_any_snapshot_shows_placeholders(qtbot) -> None:
    panel = WorldPanel()
    qtbot.addWidget(panel)
    assert panel.consistent is None
    assert panel.seats.text() == "–"
    panel.set_running(True)  # no snapshot yet: nothing to draw, nothing breaks
    panel.mark_baseline()
    assert panel.seats.text() == "–"
