"""A table of the draft's rows (request fields, services, steps) and its cell editors.

One model for the three tables: each row is a dict of typed texts keyed by the
columns' keys. A cell with a problem is tinted, marked ⚠ and says the problem
in its tooltip. The steps table moves rows by drag and drop (a row dropped between two
others goes there) and by :meth:`RowsModel.move_row` for the buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from saga_desktop.gui import theme
from saga_desktop.gui.saga_editor._draft import Column

__all__ = ["ChoiceDelegate", "RowsModel"]

_ROW_MIME = "application/x-saga-editor-row"
_Index = QModelIndex | QPersistentModelIndex
_ROLE = Qt.ItemDataRole


class RowsModel(QAbstractTableModel):
    """Rows of typed texts, edited in a table view.

    Parameters
    ----------
    columns
        The columns shown, in order.
    movable
        True: rows can be dragged to another place.
    choices
        Choices of a column whose choices change (a step's service), by key.
    """

    #: Any row's text changed, or rows came, went or moved.
    rows_changed = Signal()

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        movable: bool = False,
        choices: dict[str, Callable[[], Sequence[str]]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.movable = movable
        self._choices = choices or {}
        self.rows: list[dict[str, str]] = []
        self._problems: dict[tuple[int, str], list[str]] = {}
        item = Qt.ItemFlag
        cell = item.ItemIsEnabled | item.ItemIsSelectable | item.ItemIsEditable
        # Between rows is where a dragged row may land.
        self._cell_flags = cell | item.ItemIsDragEnabled if movable else cell
        self._gap_flags = (
            item.ItemIsEnabled | item.ItemIsDropEnabled if movable else item.NoItemFlags
        )

    # -- what the view asks --------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def key(self, column: int) -> str:
        """The row key shown in ``column``."""
        return self.columns[column].key

    def column_of(self, key: str) -> int:
        """The column that shows the row key ``key``."""
        return next(n for n, column in enumerate(self.columns) if column.key == key)

    def choices(self, column: int) -> tuple[str, ...]:
        """What a cell of ``column`` offers (empty: free text)."""
        spec = self.columns[column]
        if spec.key in self._choices:
            return tuple(self._choices[spec.key]())
        return spec.choices

    def problems(self, row: int, key: str) -> list[str]:
        """The problems shown on a cell."""
        return self._problems.get((row, key), [])

    def data(self, index: _Index, role: int = _ROLE.DisplayRole) -> object:
        if not index.isValid():
            return None
        key = self.key(index.column())
        text = self.rows[index.row()].get(key, "")
        problems = self._problems.get((index.row(), key))
        if role == _ROLE.EditRole:
            return text
        if role == _ROLE.DisplayRole:
            # A symbol as well as the tint: it shows on a selected row and in greyscale.
            return f"⚠ {text}" if problems else text
        if role == _ROLE.ToolTipRole:
            tip = self.columns[index.column()].tip
            return "\n".join(f"⚠ {p}" for p in problems) if problems else tip
        if role == _ROLE.AccessibleDescriptionRole and problems:
            return "; ".join(problems)
        if problems and role == _ROLE.BackgroundRole:
            palette = QPalette()
            return theme.mix(
                palette.color(QPalette.ColorRole.Base), QColor(theme.ACCENTS["vermillion"]), 0.22
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = _ROLE.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal:
            if role == _ROLE.DisplayRole:
                return self.columns[section].header
            if role == _ROLE.ToolTipRole:
                return self.columns[section].tip
        elif role == _ROLE.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        # Combined once: the view asks at every paint, and enum arithmetic is slow.
        return self._cell_flags if index.isValid() else self._gap_flags

    def setData(self, index: _Index, value: object, role: int = _ROLE.EditRole) -> bool:
        if not index.isValid() or role != _ROLE.EditRole:
            return False
        key = self.key(index.column())
        text = str(value) if value is not None else ""
        row = self.rows[index.row()]
        if row.get(key, "") == text:
            return True
        row[key] = text
        self.dataChanged.emit(index, index)
        self.rows_changed.emit()
        return True

    # -- changes -----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[dict[str, str]]) -> None:
        """Show ``rows`` instead (copies) and forget the problems."""
        self.beginResetModel()
        self.rows = [dict(row) for row in rows]
        self._problems = {}
        self.endResetModel()
        self.rows_changed.emit()

    def set_value(self, row: int, key: str, text: str) -> None:
        """Set one cell, as if typed (the step details below the table use this)."""
        if self.rows[row].get(key, "") == text:
            return
        self.rows[row][key] = text
        if key in (column.key for column in self.columns):
            index = self.index(row, self.column_of(key))
            self.dataChanged.emit(index, index)
        self.rows_changed.emit()

    def insert_row(self, at: int, row: dict[str, str]) -> None:
        """Put ``row`` at ``at`` (the rows from there move down)."""
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, dict(row))
        self.endInsertRows()
        self.rows_changed.emit()

    def remove_row(self, row: int) -> None:
        """Take row ``row`` away."""
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rows[row]
        self.endRemoveRows()
        self.rows_changed.emit()

    def move_row(self, source: int, target: int) -> bool:
        """Move row ``source`` so that it comes before the row now at ``target``.

        ``target`` may be the row count (to the end). False when nothing moves.
        """
        if not 0 <= source < len(self.rows) or not 0 <= target <= len(self.rows):
            return False
        if target in (source, source + 1):
            return False
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), target)
        row = self.rows.pop(source)
        self.rows.insert(target - 1 if target > source else target, row)
        self.endMoveRows()
        self.rows_changed.emit()
        return True

    def set_problems(self, problems: dict[tuple[int, str], list[str]]) -> None:
        """Show ``problems``: (row, key) → messages; the rest of the cells have none."""
        if problems == self._problems:
            return
        old, self._problems = self._problems, problems
        # Only the cells whose problems changed are painted again.
        keys = {column.key for column in self.columns}
        for row, key in old.keys() | problems.keys():
            changed = old.get((row, key)) != problems.get((row, key))
            if changed and key in keys and row < len(self.rows):
                index = self.index(row, self.column_of(key))
                self.dataChanged.emit(index, index)

    # -- drag and drop -------------------------------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [_ROW_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = sorted({index.row() for index in indexes if index.isValid()})
        mime.setData(_ROW_MIME, QByteArray(str(rows[0] if rows else -1).encode()))
        return mime

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: _Index
    ) -> bool:
        return self.movable and data.hasFormat(_ROW_MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: _Index
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        try:
            source = int(bytes(data.data(_ROW_MIME).data()).decode())
        except ValueError:
            return False
        target = row if row != -1 else parent.row() if parent.isValid() else len(self.rows)
        self.move_row(source, target)
        # False: the move is done here; the view must not also remove the dragged row.
        return False


class ChoiceDelegate(QStyledItemDelegate):
    """Edits a cell of a column with choices in a combo box, any other in a line edit."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        model = index.model()
        assert isinstance(model, RowsModel)
        choices = model.choices(index.column())
        if not choices:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.setObjectName(f"cellChoice_{model.key(index.column())}")
        combo.addItems(list(choices))
        # A pick is written at once (checked, previewed); Return or leaving the cell
        # closes the editor, as it does a line edit's.
        combo.activated.connect(self._on_combo_activated)
        return combo

    def _on_combo_activated(self, _index: int) -> None:
        combo = self.sender()
        if isinstance(combo, QComboBox):
            self.commitData.emit(combo)

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            text = str(index.data(_ROLE.EditRole) or "")
            if editor.findText(text) < 0 and text:
                editor.addItem(text)  # a value no longer offered is kept, not lost
            editor.setCurrentText(text)
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: _Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), _ROLE.EditRole)
            return
        super().setModelData(editor, model, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 8, max(hint.height(), 26))
