"""The editor's sections: the saga's fields, and a table with its buttons and problems.

Every field and every table has a problem label right below it: the problems typed
there, in the words of the saga file's checker, with the path a saga file would
name. A table's cells with problems are tinted and say them in their tooltips too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui import theme
from saga_desktop.gui._qt import named
from saga_desktop.gui.saga_editor._draft import SAGA_FIELDS, STEP_DETAILS, Column, Issue
from saga_desktop.gui.saga_editor._rows import ChoiceDelegate, RowsModel

__all__ = ["ProblemLabel", "SagaFields", "StepDetails", "TableSection"]

# A section's label lists this many problems; the rest are counted.
_SHOWN = 4


class ProblemLabel(QLabel):
    """The problems of one field or table, in vermillion.

    Parameters
    ----------
    name
        Its object name.
    reserve
        True: it keeps its line when there is no problem (below a table, so the
        table does not jump while a typo comes and goes); False: it hides.
    """

    def __init__(self, name: str, *, reserve: bool = False) -> None:
        super().__init__()
        named(self, name, "Problems")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.tint_text(self, "vermillion")
        self._reserve = reserve
        #: The problems shown, one line each.
        self.lines: list[str] = []
        self.setText(" " if reserve else "")
        self.setVisible(reserve)

    def show_problems(self, lines: Sequence[str]) -> None:
        """Show ``lines`` (one problem each); none hides the label or leaves its line empty."""
        if list(lines) == self.lines:
            return
        self.lines = list(lines)
        shown = [f"⚠ {line}" for line in lines[:_SHOWN]]
        if len(lines) > _SHOWN:
            shown.append(f"… and {len(lines) - _SHOWN} more (see the cells' tooltips)")
        self.setText("\n".join(shown) or (" " if self._reserve else ""))
        self.setAccessibleDescription("\n".join(shown))
        self.setVisible(self._reserve or bool(lines))


class SagaFields(QGroupBox):
    """The saga's name, title, description and notes, each with its problems."""

    #: A field was edited.
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Saga", parent)
        named(self, "sagaFields")
        grid = QGridLayout(self)
        grid.setVerticalSpacing(2)
        self.edits: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.labels: dict[str, ProblemLabel] = {}
        hints = {
            "name": "trip_booking (names its world)",
            "title": "Trip booking",
            "description": "one sentence: what the saga does",
            "notes": "a paragraph for the trainer: what to break, what to watch",
        }
        # Name and title share the first row; the longer texts get a row each.
        places = {
            "name": (0, 0, 1),
            "title": (0, 2, 1),
            "description": (2, 0, 3),
            "notes": (4, 0, 3),
        }
        for key, label in SAGA_FIELDS:
            edit: QLineEdit | QPlainTextEdit
            if key == "notes":
                edit = QPlainTextEdit()
                edit.setTabChangesFocus(True)
                edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
                edit.textChanged.connect(self._on_edit_changed)
            else:
                edit = QLineEdit()
                edit.textChanged.connect(self._on_edit_changed)
            edit.setPlaceholderText(hints[key])
            named(edit, f"sagaField_{key}", label)
            problems = ProblemLabel(f"sagaProblem_{key}")
            row, column, span = places[key]
            caption = QLabel(f"{label}:")
            caption.setBuddy(edit)
            align = Qt.AlignmentFlag.AlignTop if key == "notes" else Qt.AlignmentFlag.AlignVCenter
            grid.addWidget(caption, row, column, align)
            grid.addWidget(edit, row, column + 1, 1, span)
            grid.addWidget(problems, row + 1, column + 1, 1, span)
            self.edits[key], self.labels[key] = edit, problems
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(6, 1)  # extra height goes below the fields, not between them

    @Slot()
    def _on_edit_changed(self) -> None:
        self.edited.emit()

    def values(self) -> dict[str, str]:
        """The fields' texts by key."""
        return {
            key: edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()
            for key, edit in self.edits.items()
        }

    def set_values(self, values: dict[str, str]) -> None:
        """Show ``values`` (a key not given is emptied)."""
        for key, edit in self.edits.items():
            text = values.get(key, "")
            if isinstance(edit, QPlainTextEdit):
                if edit.toPlainText() != text:
                    edit.setPlainText(text)
            elif edit.text() != text:
                edit.setText(text)

    def show_problems(self, issues: Sequence[Issue]) -> None:
        """Show each saga-level issue below its field (one without a field below the name)."""
        by_key: dict[str, list[str]] = {key: [] for key in self.edits}
        for issue in issues:
            key = issue.where.column if issue.where.column in by_key else "name"
            by_key[key].append(issue.message)
        for key, lines in by_key.items():
            self.labels[key].show_problems(lines)


class TableSection(QGroupBox):
    """A table of rows with Add / Remove (and Up / Down) buttons and its problems.

    Parameters
    ----------
    title
        The group's title ("Steps").
    name
        The stem of the object names (``stepsTable``, ``addStepsButton``, ...).
    model
        The rows.
    new_row
        Makes the row that Add puts after the current one.
    samples
        A typical text of each column, which its starting width fits (and its
        header); the last column stretches.
    """

    def __init__(
        self,
        title: str,
        name: str,
        model: RowsModel,
        new_row: Callable[[], dict[str, str]],
        samples: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        named(self, f"{name}Section")
        self.model = model
        self._new_row = new_row
        self.view = named(QTableView(), f"{name}Table", title)
        self.view.setModel(model)
        self.view.setItemDelegate(ChoiceDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, sample in enumerate(samples):
            words = (sample, model.columns[column].header)
            header.resizeSection(column, max(metrics.horizontalAdvance(w) for w in words) + 20)
        if model.movable:
            self.view.setDragEnabled(True)
            self.view.setAcceptDrops(True)
            self.view.setDropIndicatorShown(True)
            self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
            self.view.setDragDropOverwriteMode(False)
        self.problems = ProblemLabel(f"{name}Problems", reserve=True)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        singular = title[:-1] if title.endswith("s") else title
        actions = [("add", f"Add {singular.lower()}"), ("remove", "Remove")]
        if model.movable:
            actions += [("up", "Move up"), ("down", "Move down")]
        for key, text in actions:
            button = named(QPushButton(text), f"{key}{name[0].upper()}{name[1:]}Button", text)
            # Return in a cell ends the edit; it must not also press the last button used.
            button.setAutoDefault(False)
            button.clicked.connect(getattr(self, f"_on_{key}_clicked"))
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(bar)
        self._layout.addWidget(self.view, 1)
        self._layout.addWidget(self.problems)

    def add_below(self, widget: QWidget) -> None:
        """Put ``widget`` below the table and its problems."""
        self._layout.addWidget(widget)

    def current_row(self) -> int:
        """The selected row, or -1."""
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        """Make ``row`` the current one (its first cell)."""
        if 0 <= row < self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(row, 0))

    @Slot()
    def _on_add_clicked(self) -> None:
        at = self.current_row() + 1 if self.current_row() >= 0 else self.model.rowCount()
        self.model.insert_row(at, self._new_row())
        self.select_row(at)
        self.view.setFocus()

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = self.current_row()
        if row >= 0:
            self.model.remove_row(row)
            self.select_row(min(row, self.model.rowCount() - 1))

    @Slot()
    def _on_up_clicked(self) -> None:
        row = self.current_row()
        if row > 0 and self.model.move_row(row, row - 1):
            self.select_row(row - 1)

    @Slot()
    def _on_down_clicked(self) -> None:
        row = self.current_row()
        if 0 <= row < self.model.rowCount() - 1 and self.model.move_row(row, row + 2):
            self.select_row(row + 1)

    def show_problems(self, issues: Sequence[Issue], columns: Sequence[Column]) -> None:
        """Tint the cells of ``issues`` and list them below the table."""
        headers = {column.key: column.header for column in columns}
        cells: dict[tuple[int, str], list[str]] = {}
        lines = []
        for issue in issues:
            where = issue.where
            if where.row is not None:
                key = where.column or columns[0].key
                cells.setdefault((where.row, key), []).append(issue.message)
                first = self.model.rows[where.row].get(columns[0].key, "").strip()
                place = f"row {where.row + 1}" + (f" ({first})" if first else "")
                lines.append(f"{place} · {headers.get(key, key)}: {issue.message}")
            else:
                lines.append(issue.text)
        self.model.set_problems(cells)
        self.problems.show_problems(lines)


class StepDetails(QWidget):
    """The selected step's longer texts: description, compensation, error."""

    #: A text was edited: (key, text).
    edited = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.edits: dict[str, QLineEdit] = {}
        hints = {
            "description": "empty: the title",
            "compensation": "empty: derived from the effect (Give the seat back)",
            "error": "empty: “<title> failed”",
        }
        self.labels: dict[str, ProblemLabel] = {}
        for key, label in STEP_DETAILS:
            edit = named(QLineEdit(), f"stepDetail_{key}", label)
            edit.setPlaceholderText(hints[key])
            edit.textEdited.connect(self._on_edit_edited)
            problems = ProblemLabel(f"stepDetailProblem_{key}")
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(edit)
            box.addWidget(problems)
            form.addRow(f"{label}:", box)
            self.edits[key], self.labels[key] = edit, problems
        self.setEnabled(False)

    def show_problems(self, issues: Sequence[Issue]) -> None:
        """Show the selected step's problems of these texts below each of them."""
        for key, label in self.labels.items():
            label.show_problems([issue.message for issue in issues if issue.where.column == key])

    @Slot(str)
    def _on_edit_edited(self, text: str) -> None:
        sender = self.sender()
        for key, edit in self.edits.items():
            if edit is sender:
                self.edited.emit(key, text)

    def show_row(self, row: dict[str, str] | None) -> None:
        """Show the texts of ``row`` (None: no step is selected)."""
        self.setEnabled(row is not None)
        for key, edit in self.edits.items():
            text = row.get(key, "") if row is not None else ""
            if edit.text() != text:
                edit.setText(text)
