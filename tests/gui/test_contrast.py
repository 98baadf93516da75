"""Every text on screen reads at 4.5:1 or more (WCAG AA), in both themes, before and after a switch.

The window is brought into each state a trainer shows (a run's log lines of every
level, the banner of every kind, cards in every status, the world's three verdicts,
every bottom tab with its tables, presenter mode), then the walk in
``contrast_walk.py`` measures each text against the pixels behind it. The light
theme is walked, then the dark one *without* running anything new (what is already
on screen must be recoloured), then again after new runs, then light once more.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from contrast_walk import AA, Text, lowest, texts
from gui_helpers import arm, run_saga, show_tab
from PySide6.QtWidgets import QApplication

from saga_desktop.booking import STEP_NAMES, preset
from saga_desktop.gui.main_window import MainWindow
from saga_desktop.gui.pipeline import STATUSES

#: The banner's kinds, as the window's moments use them.
KINDS = ("idle", "running", "success", "failure", "dead", "crash")


@pytest.fixture(autouse=True)
def _keep_palette() -> Iterator[None]:
    """The themes change the application's palette: give the next test the old one."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    palette = app.palette()
    yield
    app.setPalette(palette)


def run_lessons(qtbot, window: MainWindow) -> None:
    """Runs whose log holds every level: DEBUG, INFO, WARNING (injected) and ERROR (refused)."""
    arm(qtbot, window, "process_payment")
    run_saga(qtbot, window)
    window.pipeline.set_fault_specs({})
    window.form.set_booking(preset("not_enough_points").request_data(window.form.booking()))
    run_saga(qtbot, window)
    window.form.set_booking(preset("payment_failure").request_data(window.form.booking()))
    # A compensation that fails for ever: a dead letter for its tab, and the dead banner.
    window.pipeline.set_fault_specs(
        {"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"}
    )
    run_saga(qtbot, window)
    window.pipeline.set_fault_specs({})
    levels = {line.split(" - ")[2] for line in window.log.all_lines()}
    assert levels == {"DEBUG", "INFO", "WARNING", "ERROR"}


def walk(qtbot, window: MainWindow, moment: str) -> list[Text]:
    """Measure every state of the window at this moment; return every text with its name."""
    found: list[Text] = []

    def measure(state: str, root: Any = None) -> None:
        qtbot.wait(1)  # let the frame and the recolouring land
        for text in texts(window, root):
            found.append(dataclasses.replace(text, where=f"{moment} / {state} / {text.where}"))

    measure("whole window, log tab")
    for kind in KINDS:
        window.banner.show_message(kind, f"<b>The {kind} banner</b> — what it says, its colours")
        measure(f"banner {kind}", window.banner)
    cards = list(window.pipeline.cards())
    for first in (0, len(cards)):
        for name, status in zip(
            STEP_NAMES, (STATUSES * 2)[first : first + len(cards)], strict=True
        ):
            window.pipeline.set_step_status(name, status)
        window.pipeline.set_attempt(cards[1], 2, 3)
        window.pipeline.set_note(cards[2], "waiting 0.4 s before attempt 2/3")
        window.pipeline.set_compensating(first == 0)  # the lane's words lit, then idle
        measure(f"cards {first}", window.pipeline)
    window.pipeline.set_fault_specs({"process_payment": "fail"})
    measure("a fault armed", window.pipeline)
    window.pipeline.set_fault_specs({})

    state = dict(window.world.state or {})
    window.world.update_state({**state, "consistent": False, "violations": ["a seat held"]})
    measure("world inconsistent", window.world)
    window.world.set_running(True)
    measure("world in flight", window.world)
    window.world.set_running(False)
    window.world.update_state(state)
    measure("world consistent", window.world)

    window.history.setCurrentItem(window.history.topLevelItem(0))
    window.dead_letter_table.selectRow(0)
    window.form.show_error("total_fare", "total_fare must be more than 0, not 0")
    window.form.show_error("", "the booking is a JSON object, not list")
    window.batch.show_progress(
        {
            "done": 40,
            "total": 100,
            "confirmed": 30,
            "compensated": 8,
            "dead_lettered": 2,
            "sagas_per_second": 900.0,
        }
    )
    for title in ("Log", "History", "Dead letters", "Booking", "Batch"):
        show_tab(qtbot, window, title)
        measure(f"{title} tab", window.tabs)
    show_tab(qtbot, window, "Log")
    window.form.clear_errors()

    window.set_presenter_mode(True)
    measure("presenter mode")
    window.set_presenter_mode(False)
    return found


def too_low(found: list[Text]) -> list[str]:
    return [str(text) for text in found if text.ratio < AA]


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280x800", "1920x1080"])
def test_every_text_reads_in_both_themes_before_and_after_a_switch(
    qtbot, make_window, size
) -> None:
    window = make_window()
    window.resize(*size)
    window.set_dark_theme(False)
    run_lessons(qtbot, window)

    light = walk(qtbot, window, "light")
    window.set_dark_theme(True)  # nothing new is run: what is on screen must change
    dark = walk(qtbot, window, "dark after the switch")
    run_lessons(qtbot, window)
    dark += walk(qtbot, window, "dark, new runs")
    window.set_dark_theme(False)
    light += walk(qtbot, window, "light again")

    print(f"\nlowest light: {lowest(light)}\nlowest dark:  {lowest(dark)}")
    assert len(light) > 150
    assert len(dark) > 150
    failing = too_low(light) + too_low(dark)
    assert failing == [], f"{len(failing)} texts below {AA}:1\n" + "\n".join(failing)


def test_the_banner_knows_the_kinds_the_window_uses() -> None:
    from saga_desktop.gui.banner import KINDS as BANNER_KINDS

    assert BANNER_KINDS == KINDS
