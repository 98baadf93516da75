"""The log lines of one run as a list model, for the Timeline's list beside the bars.

A list widget makes an item (and its tooltip) per line up front: for a run of
66,000 events that took seconds on the GUI thread. The model only describes the
events once; a line's text and tooltip are made when the view shows them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from saga_desktop.engine import LogLine, SagaEvent, describe, format_log_line

__all__ = ["RunLinesModel"]

_Index = QModelIndex | QPersistentModelIndex


class RunLinesModel(QAbstractListModel):
    """One row per log line of a run; ``rows_of(i)`` are the rows of event ``i``."""

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[tuple[SagaEvent, LogLine]] = []
        self._rows: list[range] = []

    def set_events(self, events: Sequence[SagaEvent]) -> None:
        """Show the lines of ``events`` (one run)."""
        self.beginResetModel()
        self._lines = []
        self._rows = []
        for event in events:
            first = len(self._lines)
            self._lines.extend((event, line) for line in describe(event))
            self._rows.append(range(first, len(self._lines)))
        self.endResetModel()

    def rows_of(self, event_index: int) -> range:
        """The rows of the lines of event number ``event_index`` (empty if none)."""
        return self._rows[event_index] if 0 <= event_index < len(self._rows) else range(0)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._lines)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        event, line = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{line.level:<7} {line.message}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return format_log_line(event, line)
        return None
