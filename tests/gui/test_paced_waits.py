"""Waits a room can see (issue 13, items 3 and 4): backoff and a late reply count down.

A paced run holds the saga while the engine waits, for a time scaled with the speed;
the card says "Waiting" (not "Executing") and counts down; behind a timeout the world
panel shows the effect that really happened before it is undone.
"""

from __future__ import annotations

import re

from gui_helpers import RUN_TIMEOUT, arm, click_run, text_of, widget
from PySide6.QtWidgets import QWidget

from saga_desktop.gui.paced_waits import held_seconds

#: A slider value that paces the run at about 0.25 s per event.
_PACED = 70


def _chip(window, key: str) -> str:
    return str(widget(window, f"stepStatus_{key}", QWidget).text())


def test_a_paced_waits_scales_with_the_speed() -> None:
    assert held_seconds(0.2, 0.0) == 0.0  # Instant: never held
    assert held_seconds(0.2, 0.25) > 0.2  # slower than real time, so a room sees it
    assert held_seconds(0.4, 0.25) > held_seconds(0.2, 0.25)
    assert held_seconds(30.0, 0.5) <= 3.0  # however long, a few events at most


def test_a_backoff_wait_counts_down_on_the_card(qtbot, make_window) -> None:
    window = make_window(speed=_PACED)
    arm(qtbot, window, "process_payment", "transient:2")
    card = window.pipeline.card("PROCESS_PAYMENT")
    with qtbot.waitSignal(window.saga_finished, timeout=4 * RUN_TIMEOUT) as blocker:
        click_run(qtbot, window)
        qtbot.waitUntil(card.waiting, timeout=RUN_TIMEOUT)
        note = card.note()
        assert re.fullmatch(r"waiting 0\.\d s before attempt 2/3 — 0\.\d s left", note), note
        assert "Waiting" in _chip(window, "process_payment")
        assert "Executing" not in _chip(window, "process_payment")
        assert card.property("status") == "EXECUTING"  # the guide's status stays
        first = float(note.rsplit("—", 1)[1].split()[0])
        qtbot.waitUntil(
            lambda: not card.waiting() or float(card.note().rsplit("—", 1)[1].split()[0]) < first,
            timeout=RUN_TIMEOUT,
        )
    assert blocker.args[0]["success"] is True


def test_behind_a_timeout_the_world_shows_the_effect_then_its_undo(qtbot, make_window) -> None:
    window = make_window(speed=_PACED)
    before = dict(window.world.state["bookings"])
    arm(qtbot, window, "confirm_booking", "timeout")
    card = window.pipeline.card("CONFIRM_BOOKING")
    with qtbot.waitSignal(window.saga_finished, timeout=4 * RUN_TIMEOUT) as blocker:
        click_run(qtbot, window)
        qtbot.waitUntil(card.waiting, timeout=RUN_TIMEOUT)
        assert "no reply yet" in card.note()
        assert re.search(r"— \d\.\d s left$", card.note())
        # The booking really was created behind the late reply: the panel shows it.
        qtbot.waitUntil(
            lambda: window.world.state["bookings"]["confirmed"] == before["confirmed"] + 1
        )
        assert "(+1)" in text_of(window, "worldBookings")
        # A late reply looks like itself, not like a refusal.
        qtbot.waitUntil(lambda: card.shown_look() == "TIMED_OUT", timeout=RUN_TIMEOUT)
        assert "Timed out" in _chip(window, "confirm_booking")
    assert blocker.args[0]["success"] is False
    after = window.world.state["bookings"]
    assert after["confirmed"] == before["confirmed"]
    assert after["cancelled"] == before["cancelled"] + 1
    assert card.property("status") == "COMPENSATED"
