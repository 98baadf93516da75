"""Trainer and explorer tools: replay, seeds, breakpoints, captions, timeline, scenarios.

Runs are driven at Instant speed; where a test must see every single event it pauses
first and clicks Step once per event (the worker then holds after each one), so no
test waits on a clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    click_run,
    history_rows,
    run_saga,
    show_tab,
    statuses,
    text_of,
    widget,
    world_state,
)
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTreeWidget,
)

from saga_desktop.booking import SCENARIOS, STEP_NAMES, caption, random_fault_plan
from saga_desktop.engine import EVENT_TYPES, SagaEvent, describe, event_from_dict
from saga_desktop.gui.main_window import SPEED_INSTANT, MainWindow


@pytest.fixture(autouse=True)
def _keep_palette() -> Iterator[None]:
    """The dark theme changes the application's palette: give the next test the old one."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    palette = app.palette()
    yield
    app.setPalette(palette)


# -- helpers ------------------------------------------------------------------------------


def shown(window: MainWindow) -> list[SagaEvent]:
    """The current saga's events the window has shown so far (oldest first)."""
    return list(window._live_events)


def events_of(response: dict[str, Any]) -> list[SagaEvent]:
    return [event_from_dict(entry) for entry in response["saga_log"]]


def compensations(response: dict[str, Any]) -> list[str]:
    return [r["step"] for r in response["compensation_result"]["results"]]


def pause(qtbot, window: MainWindow) -> None:
    button = widget(window, "pauseButton", QAbstractButton)
    if not window.pause_action.isChecked():
        click(qtbot, button)
    assert window.pacer.paused


def resume(qtbot, window: MainWindow) -> None:
    if window.pause_action.isChecked():
        click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert not window.pacer.paused


def start_paused(qtbot, window: MainWindow) -> None:
    """Pause, then Run: the worker holds right after SagaStarted."""
    before = window._current
    pause(qtbot, window)
    click_run(qtbot, window)
    qtbot.waitUntil(
        lambda: window._current not in (None, before) and len(shown(window)) == 1,
        timeout=RUN_TIMEOUT,
    )


def act(qtbot, window: MainWindow, action: Callable[[], None]) -> None:
    """Do ``action`` while paused and wait for the one event it lets through."""
    count = len(shown(window))
    action()
    qtbot.waitUntil(lambda: len(shown(window)) == count + 1, timeout=RUN_TIMEOUT)


def step_until(
    qtbot,
    window: MainWindow,
    done: Callable[[], bool],
    after_event: Callable[[SagaEvent], None] = lambda event: None,
) -> None:
    """Click Step, one event at a time, until ``done()``; call ``after_event`` for each."""
    step = widget(window, "stepButton", QAbstractButton)
    for _ in range(200):
        if done():
            return
        count = len(shown(window))
        click(qtbot, step)
        qtbot.waitUntil(lambda n=count: len(shown(window)) > n or done(), timeout=RUN_TIMEOUT)
        assert len(shown(window)) <= count + 1, "one Step let more than one event through"
        if len(shown(window)) > count:
            after_event(shown(window)[-1])
    raise AssertionError("the saga did not end within 200 steps")


def finished_flag(window: MainWindow) -> list[dict[str, Any]]:
    """A list that receives every response ``saga_finished`` carries."""
    responses: list[dict[str, Any]] = []
    window.saga_finished.connect(responses.append)
    return responses


def select_run(qtbot, window: MainWindow, correlation_id: str) -> None:
    """Click the history row of ``correlation_id``."""
    show_tab(qtbot, window, "History")
    tree = widget(window, "historyList", QTreeWidget)
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item.text(1) == correlation_id:
            tree.scrollToItem(item)
            click(qtbot, tree.viewport(), tree.visualItemRect(item).center())
            assert tree.currentItem() is item
            return
    raise AssertionError(f"no history row for {correlation_id}")


def disarm(qtbot, window: MainWindow, key: str) -> None:
    """Click the fail switch of step ``key`` off (on its box: the switch may be wide)."""
    toggle = widget(window, f"failToggle_{key}", QCheckBox)
    if toggle.isChecked():
        click(qtbot, toggle, QPoint(toggle.height() // 2, toggle.height() // 2))
    assert not toggle.isChecked()
    assert key not in window.fault_specs()


def replay_button(window: MainWindow, name: str) -> QPushButton:
    return widget(window, name, QPushButton)


def answer_reset(monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Reset)


def reset_world(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.reset_requested, timeout=1_000):
        click(qtbot, widget(window, "resetButton", QAbstractButton))
    qtbot.waitUntil(lambda: "42 of 42 seats left" in text_of(window, "worldSeats"))


# -- replay ---------------------------------------------------------------------------------


def test_replay_reproduces_the_recorded_card_states_forwards_and_backwards(
    qtbot, make_window
) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment", "transient:1")
    arm(qtbot, window, "reserve_seat", "compensation_fail:1")
    arm(qtbot, window, "confirm_booking")
    finished = finished_flag(window)

    # Live: one event per Step, and what the window showed after each one.
    start_paused(qtbot, window)
    recorded = [(statuses(window), text_of(window, "whatIsLeftLabel"))]

    def record(event: SagaEvent) -> None:
        recorded.append((statuses(window), text_of(window, "whatIsLeftLabel")))

    step_until(qtbot, window, lambda: bool(finished), record)
    resume(qtbot, window)
    response = finished[0]
    events = events_of(response)
    assert shown(window) == events
    assert len(recorded) == len(events)
    assert response["outcome"] == "COMPENSATED"
    assert recorded[-1][0] == {
        "RESERVE_SEAT": "COMPENSATED",
        "DEDUCT_LOYALTY_POINTS": "COMPENSATED",
        "PROCESS_PAYMENT": "COMPENSATED",
        "CONFIRM_BOOKING": "FAILED",
    }
    # Every status a card went through was seen, in order.
    assert [s["PROCESS_PAYMENT"] for s, _ in recorded].count("EXECUTING") >= 2

    world_before = world_state(window.data_dir)
    rows_before = history_rows(window)
    panel_before = window.world.state
    with (
        qtbot.assertNotEmitted(window.saga_finished),
        qtbot.assertNotEmitted(window.run_requested),
    ):
        select_run(qtbot, window, response["correlation_id"])
        # Selecting a run shows where it ended.
        assert window.replay.length == window.replay.position == len(events)
        assert text_of(window, "replayPosition") == f"Replay: event {len(events)} of {len(events)}"
        assert statuses(window) == recorded[-1][0]
        assert text_of(window, "whatIsLeftLabel") == recorded[-1][1]

        back = replay_button(window, "replayBackButton")
        for position in range(len(events) - 1, 0, -1):
            click(qtbot, back)
            assert window.replay.position == position
            expected, left = recorded[position - 1]
            assert statuses(window) == expected, f"back to event {position}"
            assert text_of(window, "whatIsLeftLabel") == left, f"back to event {position}"
        click(qtbot, back)
        assert window.replay.position == 0
        assert text_of(window, "replayPosition") == f"Replay: event 0 of {len(events)}"
        assert set(statuses(window).values()) == {"PENDING"}

        forward = replay_button(window, "replayForwardButton")
        for position, (expected, left) in enumerate(recorded, start=1):
            click(qtbot, forward)
            assert window.replay.position == position
            assert statuses(window) == expected, f"after event {position}"
            assert text_of(window, "whatIsLeftLabel") == left, f"after event {position}"
        click(qtbot, forward)  # at the end: stays there
        assert window.replay.position == len(events)

    # A replay only moves the view: the world, its panel and the history stay as they were.
    assert world_state(window.data_dir) == world_before
    assert history_rows(window) == rows_before
    assert window.world.state == panel_before


def test_replay_plays_to_the_end_by_itself_and_a_new_run_takes_the_pipeline_back(
    qtbot, make_window
) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment")
    failed = run_saga(qtbot, window)
    final = statuses(window)
    disarm(qtbot, window, "process_payment")
    select_run(qtbot, window, failed["correlation_id"])
    assert statuses(window) == final  # where the run ended

    with qtbot.waitSignal(window.replay.finished, timeout=RUN_TIMEOUT):
        click(qtbot, replay_button(window, "replayButton"))  # from the start, to the end
    assert statuses(window) == final
    click(qtbot, replay_button(window, "replayBackButton"))
    assert window.replay.position == window.replay.length - 1

    ok = run_saga(qtbot, window)
    assert ok["success"]
    assert window.replay.length == 0
    assert set(statuses(window).values()) == {"COMPLETED"}


# -- seeds ------------------------------------------------------------------------------------


def pick(qtbot, window: MainWindow, title: str) -> None:
    picker = widget(window, "scenarioPicker", QComboBox)
    index = picker.findText(title)
    assert index >= 0, f"no scenario {title!r}"
    picker.setCurrentIndex(index)


def test_the_same_seed_gives_the_same_plan_and_the_same_run(
    qtbot, make_window, monkeypatch
) -> None:
    window = make_window()
    seed = widget(window, "seedSpin", QSpinBox)
    pick(qtbot, window, "Random failures (seed)")
    seed.setValue(9)
    plan = window.fault_specs()
    assert plan == random_fault_plan(9)
    assert plan  # this seed fails something
    assert "seed 9" in window.banner.text()
    seed.setValue(10)
    assert window.fault_specs() == random_fault_plan(10) != plan
    seed.setValue(9)
    assert window.fault_specs() == plan

    first = run_saga(qtbot, window)
    answer_reset(monkeypatch)
    reset_world(qtbot, window)
    second = run_saga(qtbot, window)
    assert first["correlation_id"] != second["correlation_id"]
    for key in ("outcome", "failed_step", "error", "dead_letters"):
        assert first.get(key) == second.get(key), key
    assert compensations(first) == compensations(second)
    assert [type(e).__name__ for e in events_of(first)] == [
        type(e).__name__ for e in events_of(second)
    ]


def test_a_preset_sets_the_switches_and_the_seed_leaves_them_alone(qtbot, make_window) -> None:
    window = make_window()
    pick(qtbot, window, "Payment succeeds on the third try")
    assert window.fault_specs() == {"process_payment": "transient:2"}
    assert "third try" in window.banner.text()
    widget(window, "seedSpin", QSpinBox).setValue(9)
    assert window.fault_specs() == {"process_payment": "transient:2"}
    response = run_saga(qtbot, window)
    assert response["success"]


def test_not_enough_points_is_the_loyalty_services_refusal(qtbot, make_window) -> None:
    window = make_window()
    pick(qtbot, window, "Not enough points")
    assert window.fault_specs() == {}
    assert window.form.booking()["loyalty_points_to_use"] == 25_000
    assert "loyalty service refuses the points" in window.banner.text()

    response = run_saga(qtbot, window)

    assert response["failed_step"] == "DEDUCT_LOYALTY_POINTS"
    assert "exceed the balance of user 1 (5000)" in response["error"]
    assert list(statuses(window).values()) == ["COMPENSATED", "FAILED", "PENDING", "PENDING"]
    assert text_of(window, "worldPoints") == "5,000 points"
    assert text_of(window, "worldSeats").startswith("42 of 42 seats left")
    # The next lesson asks for the guide's points again, and fails where it says.
    pick(qtbot, window, "Test 4: Payment Failure")
    assert window.form.booking()["loyalty_points_to_use"] == 1000
    assert run_saga(qtbot, window)["failed_step"] == "PROCESS_PAYMENT"


# -- what is left ---------------------------------------------------------------------------------


def test_what_is_left_lists_steps_to_run_and_compensations_to_come(qtbot, make_window) -> None:
    window = make_window()
    arm(qtbot, window, "confirm_booking")
    finished = finished_flag(window)
    start_paused(qtbot, window)
    left = widget(window, "whatIsLeftLabel", QLabel)
    assert left.isVisible()
    assert left.text().startswith(
        "Still to run: RESERVE_SEAT → DEDUCT_LOYALTY_POINTS → PROCESS_PAYMENT → CONFIRM_BOOKING"
    )
    assert left.text().endswith("If the next step fails, undo: nothing")

    step_until(qtbot, window, lambda: statuses(window)["DEDUCT_LOYALTY_POINTS"] == "COMPLETED")
    assert left.text() == (
        "Still to run: PROCESS_PAYMENT → CONFIRM_BOOKING   ·   If the next step fails, undo: "
        "COMPENSATE_DEDUCT_LOYALTY_POINTS → COMPENSATE_RESERVE_SEAT"
    )

    step_until(qtbot, window, lambda: statuses(window)["PROCESS_PAYMENT"] == "COMPENSATED")
    assert left.text() == (
        "Compensating. Still to undo: COMPENSATE_DEDUCT_LOYALTY_POINTS → COMPENSATE_RESERVE_SEAT"
    )
    step_until(qtbot, window, lambda: bool(finished))
    resume(qtbot, window)
    assert left.text() == "Saga ended: compensated."


# -- breakpoints ----------------------------------------------------------------------------------


def test_a_breakpoint_before_a_step_pauses_before_it_runs(qtbot, make_window) -> None:
    window = make_window()
    marker = window.pipeline.card("PROCESS_PAYMENT").findChild(QLabel, "breakpoint_process_payment")
    assert marker is not None
    assert not marker.isVisible()
    window.set_breakpoint("PROCESS_PAYMENT", before_run=True, before_compensation=False)
    assert marker.isVisible()
    assert "before this step runs" in marker.toolTip()
    assert window.pipeline.card("PROCESS_PAYMENT").breakpoints() == (True, False)
    pause_button = widget(window, "pauseButton", QAbstractButton)

    with qtbot.assertNotEmitted(window.saga_finished):
        click_run(qtbot, window)
        qtbot.waitUntil(window.pause_action.isChecked, timeout=RUN_TIMEOUT)
    assert window.pacer.paused
    assert "Resume" in pause_button.text()
    assert widget(window, "stepButton", QAbstractButton).isEnabled()
    assert "before PROCESS_PAYMENT runs" in window.banner.text()
    assert statuses(window) == {
        "RESERVE_SEAT": "COMPLETED",
        "DEDUCT_LOYALTY_POINTS": "COMPLETED",
        "PROCESS_PAYMENT": "EXECUTING",
        "CONFIRM_BOOKING": "PENDING",
    }
    # The points are gone, the fare is not charged yet.
    assert "seats left  (−1)" in text_of(window, "worldSeats")
    assert "points  (−" in text_of(window, "worldPoints")
    assert text_of(window, "worldCaptured") == "0.00"
    assert window.world.state["payments"]["captured"] == 0

    # Step: exactly one more event, the payment's result.
    click(qtbot, widget(window, "stepButton", QAbstractButton))
    qtbot.waitUntil(lambda: statuses(window)["PROCESS_PAYMENT"] == "COMPLETED")
    assert statuses(window)["CONFIRM_BOOKING"] == "PENDING"
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, pause_button)  # resume
    assert blocker.args[0]["success"]
    assert set(statuses(window).values()) == {"COMPLETED"}
    charged = window.world.state["payments"]["captured"]
    assert 0 < charged <= window.form.booking()["total_fare"]  # less the points' discount
    assert text_of(window, "worldCaptured") == f"{charged:,.2f}  (+{charged:,.2f})"

    # A breakpoint holds for every run until it is cleared.
    with qtbot.assertNotEmitted(window.saga_finished):
        click_run(qtbot, window)
        qtbot.waitUntil(window.pause_action.isChecked, timeout=RUN_TIMEOUT)
    window.set_breakpoint("PROCESS_PAYMENT", before_run=False, before_compensation=False)
    assert not marker.isVisible()
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT):
        click(qtbot, pause_button)
    run_saga(qtbot, window)  # no breakpoint left: straight through


def test_a_breakpoint_before_a_compensation_pauses_before_the_undo(qtbot, make_window) -> None:
    window = make_window()
    window.set_breakpoint("RESERVE_SEAT", before_run=False, before_compensation=True)
    marker = window.pipeline.card("RESERVE_SEAT").findChild(QLabel, "breakpoint_reserve_seat")
    assert marker.isVisible()
    assert marker.toolTip().endswith("before this step is compensated")
    arm(qtbot, window, "confirm_booking")

    with qtbot.assertNotEmitted(window.saga_finished):
        click_run(qtbot, window)
        qtbot.waitUntil(window.pause_action.isChecked, timeout=RUN_TIMEOUT)
    assert "before RESERVE_SEAT is compensated" in window.banner.text()
    # The undo has started (the card says so) but not run: the seat is still held.
    assert statuses(window) == {
        "RESERVE_SEAT": "COMPENSATING",
        "DEDUCT_LOYALTY_POINTS": "COMPENSATED",
        "PROCESS_PAYMENT": "COMPENSATED",
        "CONFIRM_BOOKING": "FAILED",
    }
    assert "seats left  (−1)" in text_of(window, "worldSeats")
    assert window.world.state["payments"]["refunded"] > 0

    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, widget(window, "pauseButton", QAbstractButton))
    assert compensations(blocker.args[0])[-1] == "COMPENSATE_RESERVE_SEAT"
    assert statuses(window)["RESERVE_SEAT"] == "COMPENSATED"
    qtbot.waitUntil(lambda: "42 of 42 seats left" in text_of(window, "worldSeats"))


# The offscreen platform cannot raise a popup or grab the keyboard for it.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
def test_a_cards_context_menu_sets_and_clears_breakpoints(qtbot, make_window) -> None:
    window = make_window()
    card = window.pipeline.card("DEDUCT_LOYALTY_POINTS")
    marker = card.findChild(QLabel, "breakpoint_deduct_loyalty_points")

    def choose(text: str) -> None:
        # The menu is modal: pick its entry by keyboard once it is open.
        def pick() -> None:
            menu = QApplication.activePopupWidget()
            assert isinstance(menu, QMenu)
            menu.setActiveAction(next(a for a in menu.actions() if a.text() == text))
            qtbot.keyClick(menu, Qt.Key.Key_Return)

        QTimer.singleShot(0, pick)
        card.customContextMenuRequested.emit(card.rect().center())

    for text, expected in (
        ("Pause before this step runs", (True, False)),
        ("Pause before it is compensated", (True, True)),
        ("Pause before this step runs", (False, True)),
    ):
        choose(text)
        assert card.breakpoints() == expected
        assert marker.isVisible()
    assert marker.toolTip() == "Breakpoint: the run pauses before this step is compensated"
    choose("Pause before it is compensated")
    assert card.breakpoints() == (False, False)
    assert not marker.isVisible()


# -- presenter mode -------------------------------------------------------------------------------


def test_presenter_captions_come_from_booking_caption_for_every_event_kind(
    qtbot, make_window
) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
    label = widget(window, "captionLabel", QLabel)
    assert not label.isVisible()
    assert window.tabs.isVisible()

    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.presenter_action.isChecked()
    assert label.isVisible()
    assert not window.tabs.isVisible()
    assert not window.statusBar().isVisible()
    assert label.text().startswith("Press Run")

    told: dict[str, list[str]] = {}

    def check_caption(event: SagaEvent) -> None:
        events = shown(window)
        expected = caption(event, events[:-1])
        assert label.text() == expected, type(event).__name__
        assert expected.strip()
        told.setdefault(type(event).__name__, []).append(expected)

    def run_stepped(scenario: str) -> dict[str, Any] | None:
        # A presenter picks a scenario from the tool bar (the cards' switches follow).
        pick(qtbot, window, scenario)
        finished = finished_flag(window)
        start_paused(qtbot, window)
        check_caption(shown(window)[0])
        step_until(qtbot, window, lambda: bool(finished) or window._crashed, check_caption)
        return finished[0] if finished else None

    ok = run_stepped("Payment succeeds on the third try")
    assert ok is not None
    assert ok["success"]
    assert (run_stepped("Confirm times out") or {}).get("outcome") == "COMPENSATED"
    retried = run_stepped("Seat compensation fails twice, then succeeds")
    assert (retried or {}).get("outcome") == "COMPENSATED"
    # A crash, then the restart's recovery.
    assert run_stepped("Orchestrator crashes after payment") is None
    restart = widget(window, "restartButton", QAbstractButton)
    qtbot.waitUntil(restart.isVisible)
    finished = finished_flag(window)
    act(qtbot, window, lambda: click(qtbot, restart))
    check_caption(shown(window)[-1])
    step_until(qtbot, window, lambda: bool(finished), check_caption)
    assert finished[0]["outcome"] == "COMPENSATED"

    dead = run_stepped("Seat compensation fails for ever")
    assert (dead or {}).get("outcome") == "DEAD_LETTERED"
    # Retried by hand (its tab is hidden in presenter mode, the button still works).
    qtbot.waitUntil(window.retry_button.isEnabled)
    act(qtbot, window, window.retry_button.click)
    check_caption(shown(window)[-1])
    step_until(qtbot, window, lambda: "DeadLetterResolved" in told, check_caption)
    qtbot.waitUntil(lambda: text_of(window, "worldDeadLetters") == "none", timeout=RUN_TIMEOUT)
    resume(qtbot, window)  # the retry's last event holds the worker

    assert set(told) == set(EVENT_TYPES)
    assert any("try" in text for text in told["StepRetried"])

    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert not window.presenter_action.isChecked()
    assert not label.isVisible()
    assert window.tabs.isVisible()
    assert window.statusBar().isVisible()


# -- timeline -------------------------------------------------------------------------------------


def test_timeline_shows_the_selected_run_and_a_bar_selects_its_log_lines(
    qtbot, make_window
) -> None:
    window = make_window()
    arm(qtbot, window, "process_payment", "transient:1")
    arm(qtbot, window, "reserve_seat", "compensation_fail:forever")
    arm(qtbot, window, "confirm_booking")
    response = run_saga(qtbot, window)
    events = events_of(response)
    view = window.timeline.view
    assert view.bars() == []

    select_run(qtbot, window, response["correlation_id"])
    show_tab(qtbot, window, "Timeline")
    assert view.lanes() == list(STEP_NAMES)
    kinds = {(bar.lane, bar.kind) for bar in view.bars()}
    assert {
        ("RESERVE_SEAT", "attempt"),
        ("PROCESS_PAYMENT", "attempt_retried"),
        ("PROCESS_PAYMENT", "backoff"),
        ("PROCESS_PAYMENT", "attempt"),
        ("CONFIRM_BOOKING", "attempt_failed"),
        ("PROCESS_PAYMENT", "compensation"),
        ("RESERVE_SEAT", "compensation_retried"),
        ("RESERVE_SEAT", "compensation_failed"),
        ("RESERVE_SEAT", "dead_letter"),
    } <= kinds
    lines = window.timeline.lines
    assert lines.model().rowCount() == sum(len(describe(event)) for event in events)

    clicked = 0
    for bar in view.bars():
        centre = view._rect(bar, view.width()).center()
        if view.bar_at(centre) is not bar:
            continue  # covered by a later bar
        clicked += 1
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=centre.toPoint())
        expected = [
            f"{line.level:<7} {line.message}" for i in bar.events for line in describe(events[i])
        ]
        assert window.timeline.selected_lines() == expected, bar
    assert clicked >= len(view.bars()) // 2
    retried = next(b for b in view.bars() if b.kind == "attempt_retried")
    qtbot.mouseClick(
        view, Qt.MouseButton.LeftButton, pos=view._rect(retried, view.width()).center().toPoint()
    )
    assert any("PROCESS_PAYMENT" in line for line in window.timeline.selected_lines())

    svg = view.to_svg()
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "dead letter" in svg


# -- run all scenarios ---------------------------------------------------------------------------


def test_run_all_scenarios_shows_five_passes_and_leaves_the_world_alone(qtbot, make_window) -> None:
    window = make_window()
    assert run_saga(qtbot, window)["success"]
    before = world_state(window.data_dir)
    rows = history_rows(window)

    click(qtbot, widget(window, "runAllScenariosButton", QAbstractButton))
    qtbot.waitUntil(
        lambda: window.scenario_dialog is not None and window.scenario_dialog.isVisible(),
        timeout=30_000,
    )
    dialog = window.scenario_dialog
    assert dialog.objectName() == "scenarioReportDialog"
    table = dialog.findChild(QTableWidget, "scenarioReportTable")
    assert table.rowCount() == len(SCENARIOS) == 5
    assert [table.item(row, 1).text() for row in range(5)] == ["✔ PASS"] * 5
    assert [table.item(row, 0).text() for row in range(5)] == [s.title for s in SCENARIOS]
    assert "5 of 5" in window.banner.text()
    report = json.loads((window.data_dir / "logs" / "saga_test_report.json").read_text("utf-8"))
    assert report["passed"] == 5
    assert report["total"] == 5

    qtbot.waitUntil(lambda: window.run_action.isEnabled())
    assert world_state(window.data_dir) == before
    assert history_rows(window) == rows

    # Again: the new report replaces the one still open.
    click(qtbot, widget(window, "runAllScenariosButton", QAbstractButton))
    qtbot.waitUntil(lambda: window.scenario_dialog is not dialog, timeout=30_000)
    qtbot.waitUntil(lambda: len(window.findChildren(QDialog, "scenarioReportDialog")) == 1)
    assert window.scenario_dialog.isVisible()
    window.scenario_dialog.close()
    assert world_state(window.data_dir) == before


# -- history from an earlier start ---------------------------------------------------------------


def test_runs_of_an_earlier_start_come_back_from_the_saga_log(qtbot, make_window) -> None:
    first = make_window()
    arm(qtbot, first, "process_payment", "transient:1")
    arm(qtbot, first, "confirm_booking")
    response = run_saga(qtbot, first)
    final = statuses(first)
    data_dir = first.data_dir
    first.close()

    window = make_window(data_dir=data_dir)
    qtbot.waitUntil(lambda: len(history_rows(window)) == 1, timeout=RUN_TIMEOUT)
    row = history_rows(window)[0]
    assert row[1] == response["correlation_id"]
    assert row[2] == "Compensated (saga log)"
    assert row[3] == "CONFIRM_BOOKING"

    select_run(qtbot, window, response["correlation_id"])
    qtbot.waitUntil(lambda: window.replay.length == len(response["saga_log"]), timeout=RUN_TIMEOUT)
    assert "Reading" not in window.history_detail.toPlainText()
    assert "failed_step: CONFIRM_BOOKING" in window.history_detail.toPlainText()
    assert {bar.lane for bar in window.timeline.view.bars()} == set(STEP_NAMES)

    with qtbot.waitSignal(window.replay.finished, timeout=RUN_TIMEOUT):
        click(qtbot, replay_button(window, "replayButton"))
    assert statuses(window) == final


# -- settings -------------------------------------------------------------------------------------


def test_settings_are_remembered_between_starts(qtbot, make_window, tmp_path) -> None:
    data_dir = tmp_path / "remembered"
    window = make_window(data_dir=data_dir, speed=30)
    window.set_dark_theme(True)
    window.set_presenter_mode(True)
    widget(window, "seedSpin", QSpinBox).setValue(1234)
    passengers = widget(window, "bookingPassengers")
    passengers.setText("Ada Lovelace; Alan Turing")
    expected_booking = window.form.booking()
    window.close()
    assert (data_dir / "settings.ini").is_file()

    again = MainWindow(data_dir=data_dir)
    qtbot.addWidget(again)
    try:
        assert again.speed_slider.value() == 30
        assert again.dark_action.isChecked()
        palette = QApplication.palette()
        assert palette.color(palette.ColorRole.Window).lightness() < 100
        assert again.presenter_action.isChecked()
        assert again.tabs.isHidden()
        assert widget(again, "seedSpin", QSpinBox).value() == 1234
        assert again.form.booking() == expected_booking
        assert again.form.booking()["passengers"][1]["last_name"] == "Turing"
        again.set_dark_theme(False)
        again.set_presenter_mode(False)
        again.speed_slider.setValue(SPEED_INSTANT)
    finally:
        again.shutdown()
    third = MainWindow(data_dir=data_dir)
    qtbot.addWidget(third)
    try:
        assert not third.dark_action.isChecked()
        assert not third.presenter_action.isChecked()
        assert third.speed_slider.value() == SPEED_INSTANT
    finally:
        third.shutdown()


def test_a_damaged_settings_file_is_ignored(qtbot, tmp_path) -> None:
    data_dir = tmp_path / "damaged"
    data_dir.mkdir()
    (data_dir / "settings.ini").write_text(
        "[run]\nspeed=fast\nseed=lots\nbooking=42\n[view]\ndark=maybe\npresenter=1\n",
        encoding="utf-8",
    )
    window = MainWindow(data_dir=data_dir)
    qtbot.addWidget(window)
    try:
        assert window.speed_slider.value() == 55
        assert widget(window, "seedSpin", QSpinBox).value() == 42
        assert window.form.booking()["flight_id"] == 123
        assert not window.dark_action.isChecked()
    finally:
        window.shutdown()
