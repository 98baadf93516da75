"""The saga editor (File > New saga...), driven by typing and clicks.

The trip booking of issue 14 is typed in from nothing and saved; the file loads
with the booking loader and describes the same saga as the gallery's. Problems
show beside the field or cell they were typed in, a saga with problems is never
written, the preview follows every reorder, and unsaved changes are asked about.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QMessageBox, QWidget

from saga_desktop._resources import resource_path
from saga_desktop.booking import SagaSpec, load_saga
from saga_desktop.gui.saga_editor import SagaEditorDialog, gallery_sagas
from saga_desktop.gui.saga_editor._sections import TableSection

TRIP = resource_path("sagas", "trip_booking.saga.toml")


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every message box shown, answered: warnings noted, questions as ``answer`` says."""
    seen: dict[str, list[Any]] = {"warning": [], "question": [], "answer": []}

    def warning(parent: QWidget, title: str, text: str, *args: object) -> object:
        seen["warning"].append((title, text))
        return QMessageBox.StandardButton.Ok

    def question(parent: QWidget, title: str, text: str, *args: object) -> object:
        seen["question"].append((title, text))
        answers = seen["answer"]
        return answers.pop(0) if answers else QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(QMessageBox, "question", question)
    return seen


@pytest.fixture
def make_editor(qtbot: Any, tmp_path: Path, dialogs: dict[str, list[Any]]) -> Any:
    def make(start: Path | None = None) -> SagaEditorDialog:
        editor = SagaEditorDialog(start=start, save_dir=tmp_path)
        qtbot.addWidget(editor)
        editor.resize(1280, 800)
        editor.show()
        qtbot.waitExposed(editor)
        return editor

    return make


def save_to(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[str]:
    """Answer the save dialog with ``path`` (None: cancelled); returns the calls."""
    calls: list[str] = []

    def ask(parent: QWidget, caption: str, folder: str, *args: object) -> tuple[str, str]:
        calls.append(folder)
        return (str(path) if path is not None else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    return calls


# -- typing, as a person does it -------------------------------------------------------------


def type_line(qtbot: Any, edit: QWidget, text: str) -> None:
    edit.setFocus()
    if isinstance(edit, QLineEdit):
        edit.selectAll()
    for number, line in enumerate(text.split("\n")):
        if number:
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, line)


def type_cell(qtbot: Any, section: TableSection, row: int, key: str, text: str) -> None:
    """Open the cell's editor, type ``text`` (or pick it), press Return."""
    model, view = section.model, section.view
    index = model.index(row, model.column_of(key))
    view.setCurrentIndex(index)
    view.edit(index)
    editors = [
        w
        for w in view.viewport().findChildren(QWidget)
        if isinstance(w, QLineEdit | QComboBox) and w.isVisible()
    ]
    assert len(editors) == 1, f"no editor opened on {key} of row {row}"
    editor = editors[0]
    if isinstance(editor, QLineEdit):
        editor.selectAll()
        qtbot.keyClicks(editor, text)
    else:
        assert editor.findText(text) >= 0, f"{text!r} is not offered for {key}"
        qtbot.keyClicks(editor, text)  # a combo box picks the item typed
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits it and closes, queued
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor) or not editor.isVisible(), timeout=2000)
    assert model.rows[row][key] == text


def add_row(qtbot: Any, section: TableSection, **cells: str) -> None:
    qtbot.mouseClick(next(iter(section.buttons.values())), Qt.MouseButton.LeftButton)
    row = section.current_row()
    for key, text in cells.items():
        type_cell(qtbot, section, row, key, text)


def cards(qtbot: Any, editor: SagaEditorDialog) -> list[Any]:
    """The preview's cards, once it has caught up with the typing."""
    qtbot.waitUntil(lambda: not editor.preview.waiting, timeout=2000)
    return editor.preview.cards


def comparable(spec: SagaSpec) -> SagaSpec:
    # Where it was read from is not the saga; nor is the layout newline a TOML
    # multi-line string ends with.
    return dataclasses.replace(spec, source=None, notes=spec.notes.strip())


# -- the tests ---------------------------------------------------------------------------------


def test_the_trip_booking_typed_in_saves_the_gallerys_saga(
    qtbot: Any, make_editor: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dialogs: Any
) -> None:
    gallery = load_saga(TRIP)
    editor = make_editor()
    fields = editor.fields.edits
    type_line(qtbot, fields["name"], "trip_booking")
    type_line(qtbot, fields["title"], "Trip booking")
    type_line(qtbot, fields["description"], gallery.description)
    type_line(qtbot, fields["notes"], gallery.notes.strip())
    add_row(qtbot, editor.request, field="traveller", value="traveller_1")
    add_row(qtbot, editor.request, field="price", value="640.0")
    services = editor.services
    add_row(qtbot, services, name="flights", title="Flight service")
    type_cell(qtbot, services, 0, "entries", "LH400 = 40, BA117 = 12")
    add_row(qtbot, services, name="hotels", entries="berlin_mitte = 8")
    add_row(qtbot, services, name="cars", entries="compact = 5")
    add_row(qtbot, services, name="payments", keeps="accounts", entries="traveller_1 = 2000.0")
    add_row(qtbot, services, name="itineraries", keeps="records")
    steps = editor.steps
    add_row(qtbot, steps, name="BOOK_FLIGHT", title="Book the flight", service="flights")
    type_cell(qtbot, steps, 0, "target", "LH400")
    type_cell(qtbot, steps, 0, "amount", "1")
    type_line(qtbot, editor.details.edits["compensation"], "Give the seat back")
    add_row(qtbot, steps, name="BOOK_HOTEL", service="hotels", target="berlin_mitte")
    add_row(qtbot, steps, name="RENT_CAR", service="cars", target="compact")
    add_row(qtbot, steps, name="CHARGE_CARD", service="payments", effect="debit")
    type_cell(qtbot, steps, 3, "target", "{traveller}")
    type_cell(qtbot, steps, 3, "amount", "{price}")
    type_cell(qtbot, steps, 3, "role", "pivot")
    type_cell(qtbot, steps, 3, "retries", "3")
    type_cell(qtbot, steps, 3, "timeout", "2.0")
    for name, kind in (("ISSUE_ITINERARY", "itinerary"), ("EMAIL_TRAVELLER", "email")):
        add_row(qtbot, steps, name=name, service="itineraries", effect="record")
        type_cell(qtbot, steps, steps.current_row(), "target", kind)
        type_cell(qtbot, steps, steps.current_row(), "role", "retriable")
    assert editor.issues == []
    assert editor.status.text().startswith("✔")
    path = tmp_path / "my_trip.saga.toml"
    asked = save_to(monkeypatch, path)
    with qtbot.waitSignal(editor.saga_saved, timeout=5000) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert saved.args == [path]
    assert asked == [str(tmp_path / "trip_booking.saga.toml")]  # proposed in save_dir
    assert comparable(load_saga(path)) == comparable(gallery)
    assert not editor.is_dirty
    assert dialogs["warning"] == []
    names = [card.name for card in cards(qtbot, editor)]
    assert names == list(gallery.step_names)
    assert [card.role for card in cards(qtbot, editor)][3] == "pivot"


def test_a_typo_shows_beside_the_cell_and_the_saga_is_not_saved(
    qtbot: Any, make_editor: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dialogs: Any
) -> None:
    editor = make_editor(TRIP)
    assert editor.issues == []
    type_cell(qtbot, editor.steps, 2, "target", "compakt")
    problems = editor.steps.problems
    assert problems.isVisible()
    assert len(problems.lines) == 1
    assert "row 3 (RENT_CAR)" in problems.text()
    assert '"compakt" is not in services.cars.stock (did you mean "compact"?)' in problems.text()
    model = editor.steps_model
    tip = model.index(2, model.column_of("target")).data(Qt.ItemDataRole.ToolTipRole)
    assert "did you mean" in tip
    assert cards(qtbot, editor)[2].problems
    assert editor.status.text().startswith("✖ 1 problem")
    asked = save_to(monkeypatch, tmp_path / "never.saga.toml")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert asked == []
    assert not (tmp_path / "never.saga.toml").exists()
    [(title, text)] = dialogs["warning"]
    assert title == "Cannot save the saga"
    assert "steps[2].take.item" in text
    assert "compakt" in text
    type_cell(qtbot, editor.steps, 2, "target", "compact")
    assert editor.issues == []
    assert problems.lines == []
    assert problems.text().strip() == ""


def test_a_problem_of_a_saga_field_shows_below_that_field(qtbot: Any, make_editor: Any) -> None:
    editor = make_editor(TRIP)
    type_line(qtbot, editor.fields.edits["name"], "Trip booking")
    label = editor.fields.labels["name"]
    assert label.isVisible()
    assert "lower-case letters" in label.text()
    assert not editor.fields.labels["title"].isVisible()
    type_line(qtbot, editor.fields.edits["name"], "trip_booking")
    assert not label.isVisible()


def test_reordering_changes_the_preview_and_the_checks(qtbot: Any, make_editor: Any) -> None:
    editor = make_editor(TRIP)

    def order() -> list[str]:
        return [card.name for card in cards(qtbot, editor)]

    start = order()
    editor.steps.select_row(1)
    qtbot.mouseClick(editor.steps.buttons["up"], Qt.MouseButton.LeftButton)
    assert order() == [start[1], start[0], *start[2:]]
    assert editor.steps.current_row() == 0
    # A drop, as the view hands it to the model: RENT_CAR dragged to the top.
    model = editor.steps_model
    mime = model.mimeData([model.index(2, 0)])
    model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert order() == [start[2], start[1], start[0], *start[3:]]
    assert editor.issues == []
    # A compensatable step moved after the pivot: the structure is refused.
    editor.steps.select_row(0)
    for _ in range(3):
        qtbot.mouseClick(editor.steps.buttons["down"], Qt.MouseButton.LeftButton)
    assert order()[3] == start[2]
    assert "cannot follow the pivot" in editor.steps.problems.text()
    assert cards(qtbot, editor)[3].problems


def test_an_empty_saga_is_refused_with_the_reason(
    qtbot: Any, make_editor: Any, monkeypatch: pytest.MonkeyPatch, dialogs: Any
) -> None:
    editor = make_editor()
    assert editor.issues
    asked = save_to(monkeypatch, Path("/nonexistent/x.saga.toml"))
    qtbot.mouseClick(editor.save_as_button, Qt.MouseButton.LeftButton)
    assert asked == []
    [(title, text)] = dialogs["warning"]
    assert title == "Cannot save the saga"
    assert "problem" in text
    assert "at least one service" in editor.services.problems.text()


def test_closing_with_unsaved_changes_asks(
    qtbot: Any, make_editor: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dialogs: Any
) -> None:
    editor = make_editor(TRIP)
    assert not editor.is_dirty
    type_line(qtbot, editor.fields.edits["title"], "My trip")
    assert editor.is_dirty
    assert editor.isWindowModified()
    dialogs["answer"].append(QMessageBox.StandardButton.Cancel)
    editor.close()
    assert editor.isVisible()
    # Save: a gallery saga has no file of its own, so Save asks where.
    path = tmp_path / "mine.saga.toml"
    save_to(monkeypatch, path)
    dialogs["answer"].append(QMessageBox.StandardButton.Save)
    editor.close()
    assert not editor.isVisible()
    assert load_saga(path).title == "My trip"
    assert len(dialogs["question"]) == 2


def test_closing_unchanged_asks_nothing(qtbot: Any, make_editor: Any, dialogs: Any) -> None:
    editor = make_editor(TRIP)
    type_line(qtbot, editor.fields.edits["title"], "Other")
    type_line(qtbot, editor.fields.edits["title"], "Trip booking")  # back as it was
    editor.close()
    assert not editor.isVisible()
    assert dialogs["question"] == []


def test_start_from_the_gallery_and_from_a_file(
    qtbot: Any, make_editor: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, dialogs: Any
) -> None:
    titles = [title for title, _ in gallery_sagas()]
    assert "Trip booking" in titles
    assert "Flight booking" not in " ".join(titles)  # its steps are the built-in world's
    editor = make_editor()
    combo = editor.start_combo
    combo.activated.emit(combo.findText("Gallery: Online order"))
    assert editor.fields.values()["name"] == "online_order"
    assert editor.path is None  # Save must not write over the gallery
    bad = tmp_path / "bad.saga.toml"
    bad.write_text(
        TRIP.read_text().replace('item = "compact"', 'item = "compakt"'), encoding="utf-8"
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(bad), ""))
    combo.activated.emit(combo.findText("A saga file…"))
    [(title, text)] = dialogs["warning"]
    assert title == "Cannot open the saga"
    assert "bad.saga.toml" in text
    assert 'did you mean "compact"' in text
    assert editor.fields.values()["name"] == "online_order"  # nothing changed
    good = tmp_path / "good.saga.toml"
    good.write_text(TRIP.read_text(), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(good), ""))
    combo.activated.emit(combo.findText("A saga file…"))
    assert editor.path == good
    type_line(qtbot, editor.fields.edits["title"], "Trip, edited")
    with qtbot.waitSignal(editor.saga_saved, timeout=5000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert load_saga(good).title == "Trip, edited"


def test_save_as_json_writes_a_json_saga(
    qtbot: Any, make_editor: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    editor = make_editor(TRIP)
    path = tmp_path / "trip.json"
    save_to(monkeypatch, path)
    with qtbot.waitSignal(editor.saga_saved, timeout=5000):
        qtbot.mouseClick(editor.save_as_button, Qt.MouseButton.LeftButton)
    assert path.read_text(encoding="utf-8").lstrip().startswith("{")
    assert comparable(load_saga(path)) == comparable(load_saga(TRIP))


def test_starting_afresh_with_unsaved_changes_asks_first(
    qtbot: Any, make_editor: Any, dialogs: Any
) -> None:
    editor = make_editor(TRIP)
    type_line(qtbot, editor.fields.edits["title"], "Kept")
    combo = editor.start_combo
    dialogs["answer"].append(QMessageBox.StandardButton.Cancel)
    combo.activated.emit(combo.findText("An empty saga"))
    assert editor.fields.values()["title"] == "Kept"
    dialogs["answer"].append(QMessageBox.StandardButton.Discard)
    combo.activated.emit(combo.findText("An empty saga"))
    assert editor.fields.values()["title"] == ""
    assert cards(qtbot, editor) == []
    assert not editor.is_dirty
    assert len(dialogs["question"]) == 2


def test_a_problem_of_a_steps_details_shows_below_that_detail(qtbot: Any, make_editor: Any) -> None:
    editor = make_editor(TRIP)
    editor.steps.select_row(1)
    type_line(qtbot, editor.details.edits["error"], "x" * 501)
    label = editor.details.labels["error"]
    assert label.isVisible()
    assert "at most 500" in label.text()
    assert editor.steps_model.rows[1]["error"] == "x" * 501
    editor.steps.select_row(0)  # another step: its details have no problem
    assert not label.isVisible()
