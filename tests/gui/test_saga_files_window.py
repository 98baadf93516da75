"""Any saga file in the window: the gallery's sagas run by clicks, as the flight booking does.

Each saga of ``resources/sagas/`` gets its cards (``stepNode_<STEP>``), switches
(``failToggle_<step>``), world panel and request form from its file; a run by a
click ends as the saga's roles say, and the world (read from its databases
after the run) adds up. Crash and recovery, dead letters, a batch, Open saga
and the gallery work on a saga file's window too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
)

from saga_desktop import booking
from saga_desktop._resources import resource_path
from saga_desktop.cli import main
from saga_desktop.gui.main_window import SPEED_INSTANT, MainWindow
from saga_desktop.gui.saga_gallery import gallery
from tests.gui.gui_helpers import (
    RUN_TIMEOUT,
    arm,
    click,
    click_run,
    run_saga,
    show_tab,
    text_of,
    widget,
)

SAGAS = resource_path("sagas")
TRIP = SAGAS / "trip_booking.saga.toml"
#: The gallery's sagas that run in a world of their own services.
OWN_WORLDS = [entry.path for entry in gallery() if not entry.built_in]


@pytest.fixture
def saga_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., MainWindow]]:
    """A shown window on a saga file (fresh data dir, Instant, no animations)."""
    windows: list[MainWindow] = []

    def make(path: Path = TRIP, data_dir: Path | None = None) -> MainWindow:
        window = MainWindow(data_dir=data_dir or tmp_path / "data", saga=path)
        qtbot.addWidget(window)
        windows.append(window)
        window.set_animations_enabled(False)
        window.speed_slider.setValue(SPEED_INSTANT)
        window.resize(1280, 800)
        window.show()
        qtbot.waitUntil(lambda: window.world.consistent is not None, timeout=10_000)
        return window

    yield make
    for window in windows:
        while window is not None:
            window.shutdown()
            window = window.successor


def _statuses(window: MainWindow, spec: booking.SagaSpec) -> dict[str, str]:
    return {name: widget(window, f"stepNode_{name}").property("status") for name in spec.step_names}


def _world(window: MainWindow, spec: booking.SagaSpec) -> dict[str, Any]:
    """The saga's world as its databases hold it (read after the run ended)."""
    with booking.BookingSagaOrchestrator(window.data_dir, saga=spec, write_logs=False) as orch:
        return orch.world.snapshot(orch.store).to_dict()


def test_the_gallery_has_every_saga_of_the_issue() -> None:
    names = {entry.path.name for entry in gallery()}
    assert {
        "trip_booking.saga.toml",
        "online_order.saga.toml",
        "bank_transfer.saga.toml",
        "flight_booking.saga.toml",
    } <= names
    assert gallery()[0].built_in  # the flight booking first


@pytest.mark.parametrize("path", OWN_WORLDS, ids=lambda path: path.name.split(".")[0])
def test_a_gallery_saga_runs_by_clicks_and_its_world_adds_up(qtbot, saga_window, path) -> None:
    spec = booking.load_saga(path)
    window = saga_window(path)
    assert spec.title in window.windowTitle()
    assert window.tabs.tabText(window.tabs.indexOf(window.booking_tab)) == "Request"
    for name in spec.services:
        widget(window, f"worldService_{name}")
    for step in spec.steps:
        assert widget(window, f"failToggle_{step.key}", QCheckBox).isEnabled()

    response = run_saga(qtbot, window)
    assert response["success"] is True, response
    assert set(_statuses(window, spec).values()) == {"COMPLETED"}
    assert "completed" in window.banner.text()

    # The last step before the saga only goes forward fails: the ones before are undone.
    at = spec.pivot or next(s for s in reversed(spec.steps) if s.role.value == "compensatable")
    arm(qtbot, window, at.key)
    response = run_saga(qtbot, window)
    undone = [
        s.compensation_name
        for s in reversed(spec.steps[: spec.steps.index(at)])
        if s.role.value == "compensatable"
    ]
    assert response["success"] is False
    assert response["failed_step"] == at.name
    assert [r["step"] for r in response["compensation_result"]["results"]] == undone
    assert _statuses(window, spec)[at.name] == "FAILED"
    qtbot.waitUntil(
        lambda: "Consistent" in text_of(window, "worldConsistency"), timeout=RUN_TIMEOUT
    )
    state = _world(window, spec)
    assert state["consistent"], state["violations"]
    # The panel shows what the databases hold.
    assert window.world.state is not None
    assert window.world.state["services"] == state["services"]
    assert len([row for row in window.state.runs.values() if row.response]) == 2


def test_the_pivot_and_the_retriable_steps_are_marked_on_their_cards(saga_window) -> None:
    window = saga_window(TRIP)
    assert text_of(window, "stepCompensation_charge_card") == "⚑ Point of no return"
    for key in ("issue_itinerary", "email_traveller"):
        assert text_of(window, f"stepCompensation_{key}") == "⟳ Retried until it succeeds"
    assert text_of(window, "stepCompensation_book_flight") == "↩ Give the seat back"


def test_ctrl_n_flips_the_switch_of_step_n_of_six(qtbot, saga_window) -> None:
    window = saga_window(TRIP)
    toggle = widget(window, "failToggle_email_traveller", QCheckBox)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(toggle.isChecked)
    assert window.fault_specs() == {"email_traveller": "fail"}


def test_a_retriable_step_is_retried_and_the_saga_completes(qtbot, saga_window) -> None:
    window = saga_window(TRIP)
    arm(qtbot, window, "issue_itinerary", "transient:2")
    response = run_saga(qtbot, window)
    assert response["success"] is True
    assert (
        response.get("compensation_result") is None
        or not response["compensation_result"]["results"]
    )


def test_crash_and_restart_recover_a_saga_files_saga(qtbot, saga_window) -> None:
    spec = booking.load_saga(TRIP)
    window = saga_window(TRIP)
    arm(qtbot, window, "rent_car", "crash")
    restart = widget(window, "restartButton", QAbstractButton)
    with qtbot.assertNotEmitted(window.saga_finished):
        click_run(qtbot, window)
        qtbot.waitUntil(lambda: restart.isVisible() and restart.isEnabled(), timeout=RUN_TIMEOUT)
    assert window.banner.property("kind") == "crash"
    with qtbot.waitSignal(window.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, restart)
    response = blocker.args[0]
    assert [r["step"] for r in response["compensation_result"]["results"]] == [
        "COMPENSATE_RENT_CAR",
        "COMPENSATE_BOOK_HOTEL",
        "COMPENSATE_BOOK_FLIGHT",
    ]
    assert _world(window, spec)["consistent"]


def test_a_dead_letter_of_a_saga_file_is_retried_from_its_tab(qtbot, saga_window) -> None:
    spec = booking.load_saga(TRIP)
    window = saga_window(TRIP)
    arm(qtbot, window, "book_hotel", "compensation_fail:forever")
    arm(qtbot, window, "charge_card")
    response = run_saga(qtbot, window)
    assert response["outcome"] == "DEAD_LETTERED"
    assert response["dead_letters"] == ["COMPENSATE_BOOK_HOTEL"]
    assert text_of(window, "worldDeadLetters") == "Dead letters: 1 open"
    show_tab(qtbot, window, "Dead letters")
    table = widget(window, "deadLetterTable", QTableWidget)
    assert table.rowCount() == 1
    # The switch is off now: the retry runs the real compensation.
    click(qtbot, widget(window, "failToggle_book_hotel", QCheckBox))
    click(qtbot, widget(window, "retryDeadLetterButton", QPushButton))
    qtbot.waitUntil(lambda: table.rowCount() == 0, timeout=RUN_TIMEOUT)
    qtbot.waitUntil(
        lambda: "Consistent" in text_of(window, "worldConsistency"), timeout=RUN_TIMEOUT
    )
    assert _world(window, spec)["consistent"]


def test_a_batch_of_a_saga_file_runs_on_a_scratch_world(qtbot, saga_window) -> None:
    spec = booking.load_saga(TRIP)
    window = saga_window(TRIP)
    before = _world(window, spec)
    show_tab(qtbot, window, "Batch")
    start = widget(window, "batchStartButton", QAbstractButton)
    qtbot.waitUntil(start.isVisible, timeout=RUN_TIMEOUT)
    widget(window, "batchCount", QSpinBox).setValue(40)
    with qtbot.waitSignal(window.batch_finished, timeout=60_000) as finished:
        click(qtbot, start)
    report = finished.args[0]
    assert report["consistent"] is True
    assert report["scratch"] is True
    assert report["attempted"] > 0
    assert _world(window, spec)["services"] == before["services"]  # this world unchanged


def test_run_all_scenarios_runs_the_generated_ones(qtbot, saga_window) -> None:
    window = saga_window(TRIP)
    click(qtbot, widget(window, "runAllScenariosButton", QAbstractButton))
    qtbot.waitUntil(lambda: window.scenario_dialog is not None, timeout=30_000)
    assert "Scenarios: 7 of 7 passed" in window.banner.text()
    window.scenario_dialog.close()


def test_the_scenario_picker_offers_the_generated_scenarios(qtbot, saga_window) -> None:
    window = saga_window(TRIP)
    picker = window.scenario_picker
    qtbot.waitUntil(lambda: picker.count() > 1, timeout=RUN_TIMEOUT)
    titles = [picker.itemText(i) for i in range(picker.count())]
    assert "Test 5: Charge card fails" in titles
    picker.setCurrentIndex(titles.index("Test 5: Charge card fails"))
    assert window.fault_specs() == {"charge_card": "fail"}


def test_self_test_runs_the_trip_sagas_scenarios_through_the_window(capsys, tmp_path) -> None:
    code = main(["--saga", str(TRIP), "--self-test", "--data-dir", str(tmp_path / "d")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("self-test passed: 7 of 7 scenarios of trip_booking through the window")


class _Dialogs:
    """QFileDialog and QMessageBox, answered by the test (nothing blocks)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, chosen: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        self.chosen = chosen
        self.warnings: list[tuple[str, str]] = []
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _open(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
        return self.chosen, ""

    def _warning(self, parent: Any, title: str, text: str, *args: Any) -> Any:
        self.warnings.append((title, text))
        return QMessageBox.StandardButton.Ok


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file of the data directory but the window's own settings (its geometry)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b""
        for p in sorted(folder.rglob("*"))
        if "owners" not in p.name
        and p.name != "settings.ini"
        and not p.name.endswith(("-wal", "-shm"))
    }


def test_a_bad_saga_file_through_open_saga_is_a_dialog_and_changes_nothing(
    qtbot, saga_window, tmp_path, monkeypatch
) -> None:
    bad = tmp_path / "trip.saga.toml"
    text = TRIP.read_text(encoding="utf-8").replace('item = "compact"', 'item = "compakt"')
    bad.write_text(text, encoding="utf-8")
    window = saga_window(TRIP)
    run_saga(qtbot, window)
    window.shutdown()  # the databases hold still: byte for byte comparable
    before = _tree(window.data_dir)
    window = saga_window(TRIP, data_dir=window.data_dir)
    dialogs = _Dialogs(monkeypatch, str(bad))

    window.actions_by_key["open_saga"].trigger()

    assert len(dialogs.warnings) == 1
    title, said = dialogs.warnings[0]
    assert title == "Cannot open the saga"
    assert "\n" not in said
    assert str(bad) in said
    assert (
        'steps[2].take.item: "compakt" is not in services.cars.stock (did you mean "compact"?)'
        in said
    )
    assert window.successor is None
    assert window.isVisible()
    assert len(window.pipeline.cards()) == 6
    window.shutdown()
    assert _tree(window.data_dir) == before


def test_the_gallery_opens_a_saga_in_the_windows_place(qtbot, make_window) -> None:
    window = make_window()
    assert len(window.pipeline.cards()) == 4
    menu = widget(window, "sagaGalleryMenu", QMenu)
    action = next(a for a in menu.actions() if a.objectName() == "galleryAction_trip_booking")
    action.trigger()
    successor = window.successor
    assert successor is not None
    qtbot.addWidget(successor)
    try:
        assert not window.isVisible()
        assert successor.isVisible()
        assert list(successor.pipeline.cards()) == list(booking.load_saga(TRIP).step_names)
        qtbot.waitUntil(lambda: successor.world.consistent is not None, timeout=10_000)
        back = successor.actions_by_key["flight_booking"]
        back.trigger()
        booking_again = successor.successor
        assert booking_again is not None
        qtbot.addWidget(booking_again)
        assert len(booking_again.pipeline.cards()) == 4
        assert booking_again.saga is None
        booking_again.shutdown()
    finally:
        successor.shutdown()
