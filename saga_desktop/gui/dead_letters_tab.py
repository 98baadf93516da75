"""The Dead letters tab: the compensations waiting for a person, with Retry and Mark resolved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from saga_desktop.gui._qt import named

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableWidget

__all__ = ["DeadLettersTab"]


class DeadLettersTab(QWidget):
    """The open dead letters, as the worker's world snapshots list them.

    The table (and its classes' Python enums) is built after the window's first
    paint, see :meth:`build`.
    """

    #: Run the compensation again: correlation id, step.
    retry_requested = Signal(str, str)
    #: Record that a person settled it: correlation id, step.
    resolve_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table: QTableWidget | None = None
        self._letters: list[dict[str, Any]] | None = None
        self.retry_button = named(QPushButton("Retry compensation"), "retryDeadLetterButton")
        self.retry_button.setToolTip("Run the selected compensation again")
        self.retry_button.setAccessibleName("Retry the selected dead letter")
        self.resolve_button = named(QPushButton("Mark resolved"), "resolveDeadLetterButton")
        self.resolve_button.setToolTip("Record that the selected dead letter was settled by hand")
        self.resolve_button.setAccessibleName("Mark the selected dead letter resolved")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.resolve_button.clicked.connect(self._on_resolve_button_clicked)
        # Nothing to retry yet: set_enabled keeps them in step from now on.
        self.retry_button.setEnabled(False)
        self.resolve_button.setEnabled(False)

    def build(self) -> None:
        """Make the table (once)."""
        if self._table is not None:
            return
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget

        table = self._table = named(QTableWidget(0, 4), "deadLetterTable")
        table.setHorizontalHeaderLabels(["Correlation id", "Compensation", "Attempts", "Error"])
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAccessibleName("Dead letters")
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addLayout(buttons)

    @property
    def table(self) -> QTableWidget:
        """The open dead letters."""
        self.build()
        assert self._table is not None
        return self._table

    def show_letters(self, letters: Sequence[Mapping[str, Any]]) -> bool:
        """Show ``letters``; return True when they changed (an unchanged table costs nothing)."""
        from PySide6.QtWidgets import QTableWidgetItem

        shown = [dict(letter) for letter in letters]
        if shown == self._letters:
            return False
        self._letters = shown
        table = self.table
        table.setRowCount(len(shown))
        for row, letter in enumerate(shown):
            cells = [
                letter["correlation_id"],
                letter["compensation"],
                str(letter["attempts"]),
                letter["error"],
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setData(
                        Qt.ItemDataRole.UserRole, (letter["correlation_id"], letter["step"])
                    )
                table.setItem(row, column, item)
        return True

    def count(self) -> int:
        """How many dead letters are shown."""
        return self.table.rowCount() if self._table is not None else 0

    def set_enabled(self, idle: bool) -> None:
        """Retry and Mark resolved work while the worker is idle and a letter is there."""
        has_letters = self.count() > 0
        self.retry_button.setEnabled(idle and has_letters)
        self.resolve_button.setEnabled(idle and has_letters)

    def _selected(self) -> tuple[str, str] | None:
        table = self.table
        row = table.currentRow()
        if row < 0:
            row = 0 if table.rowCount() else -1
        if row < 0:
            return None
        item = table.item(row, 0)
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return (str(data[0]), str(data[1])) if data else None

    @Slot()
    def _on_retry_button_clicked(self) -> None:
        letter = self._selected()
        if letter is not None:
            self.retry_requested.emit(*letter)

    @Slot()
    def _on_resolve_button_clicked(self) -> None:
        letter = self._selected()
        if letter is not None:
            self.resolve_requested.emit(*letter)
