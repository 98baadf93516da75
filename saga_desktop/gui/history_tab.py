"""The History tab: one row per run, the selected run's detail, and the replay controls.

The rows are drawn from :class:`~saga_desktop.gui.moment.RunRecord` (one row per
run, updated in place when the run ends, is recovered or is imported again).
The table and the detail are built after the window's first paint (see
:meth:`HistoryTab.build`); the replay buttons are there from the start.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from saga_desktop import booking
from saga_desktop.gui._qt import named

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTreeWidget

    from saga_desktop.engine import SagaEvent
    from saga_desktop.gui.moment import RunRecord

__all__ = ["HistoryTab", "history_texts"]

# The detail shows the log lines of at most this many events of a run.
_DETAIL_EVENTS = 2_000
_COLUMNS = ["Started", "Correlation id", "Outcome", "Failed step", "Duration", "Scenario"]
# (objectName, text, tooltip) of the replay row's buttons, in order.
_BUTTONS = (
    (
        "replayButton",
        "▶ Replay",
        "Replay the selected run in the pipeline (nothing is re-executed)",
    ),
    ("replayPauseButton", "⏸", "Pause the replay"),
    ("replayBackButton", "⏮ Back", "One event back"),
    ("replayForwardButton", "Forward ⏭", "One event forward"),
    ("liveButton", "● Live", "Show the live run again (the pipeline, banner and world of now)"),
)


def history_texts(record: RunRecord) -> list[str]:
    """The cells of a run's row: started, id, outcome (and where from), step, duration, scenario."""
    response = record.outcome()
    outcome = str(response["outcome"]) if response else record.source_outcome
    failed = (response or {}).get("failed_step") or record.source_failed_step or ""
    text = outcome.replace("_", " ").capitalize() + (f" ({record.source})" if record.source else "")
    seconds = record.seconds()
    stamp = "%m-%d %H:%M:%S" if record.source else "%H:%M:%S"
    return [
        time.strftime(stamp, time.localtime(record.started)),
        record.correlation_id,
        text,
        str(failed),
        "–" if seconds is None else f"{seconds:.2f} s",
        record.scenario or ("–" if record.source else "Custom (your switches)"),
    ]


def detail_text(response: dict[str, Any], events: Sequence[SagaEvent]) -> str:
    """The selected run's response fields, then its log lines (the first few thousand)."""
    shown = {key: value for key, value in response.items() if key != "saga_log"}
    summary = "\n".join(f"{key}: {value}" for key, value in shown.items())
    # An imported run may hold 100,000 events: the Timeline's list has them all.
    log = booking.export_log_text(events[:_DETAIL_EVENTS])
    if len(events) > _DETAIL_EVENTS:
        log += f"… and {len(events) - _DETAIL_EVENTS:,} more events (see the Timeline)\n"
    return summary + "\n\n" + log.removesuffix("\n")


class HistoryTab(QWidget):
    """The History page. Its requests go to the window, which owns the replay."""

    #: A row was picked: its run's correlation id.
    run_selected = Signal(str)
    replay_requested = Signal()
    pause_requested = Signal()
    back_requested = Signal()
    forward_requested = Signal()
    #: Show the live run again.
    live_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        signals = (
            self.replay_requested,
            self.pause_requested,
            self.back_requested,
            self.forward_requested,
            self.live_requested,
        )
        for (name, text, tip), signal in zip(_BUTTONS, signals, strict=True):
            button = named(QPushButton(text), name, tip, tip)
            button.clicked.connect(signal)
            row.addWidget(button)
            self.buttons[name] = button
        self.position = named(QLabel("No run selected"), "replayPosition", "Replay position")
        row.addWidget(self.position, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.splitter, 1)
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._tree: QTreeWidget | None = None
        self._detail: QPlainTextEdit | None = None

    def build(self) -> None:
        """Make the table and the detail (once; after the first paint, or when first asked)."""
        if self._tree is not None:
            return
        from PySide6.QtWidgets import QHeaderView, QTreeWidget

        tree = self._tree = named(QTreeWidget(), "historyList")
        tree.setHeaderLabels(_COLUMNS)
        tree.setRootIsDecorated(False)
        tree.setAccessibleName("History of runs")
        tree.setToolTip("Every run since the app started; select one to see its result and log")
        tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        detail = self._detail = named(QPlainTextEdit(readOnly=True), "historyDetail")
        detail.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        detail.setAccessibleName("Selected run")
        detail.setPlaceholderText("Select a run to see its result and log lines.")
        self.splitter.addWidget(tree)
        self.splitter.addWidget(detail)
        self.splitter.setSizes([520, 760])

    @property
    def tree(self) -> QTreeWidget:
        """The runs, newest first."""
        self.build()
        assert self._tree is not None
        return self._tree

    @property
    def detail(self) -> QPlainTextEdit:
        """The selected run's result and log."""
        self.build()
        assert self._detail is not None
        return self._detail

    # -- rows ---------------------------------------------------------------------

    def show_run(self, record: RunRecord, *, newest: bool = True) -> QTreeWidgetItem:
        """Add the run's row (at the top, or the bottom for older runs), or update it."""
        texts = history_texts(record)
        item = self._rows.get(record.correlation_id)
        tree = self.tree
        if item is not None and tree.indexOfTopLevelItem(item) >= 0:
            for column, text in enumerate(texts):
                item.setText(column, text)
            return item
        item = QTreeWidgetItem(texts)
        # The row's run, whatever its texts: selecting it finds the run by this.
        item.setData(0, Qt.ItemDataRole.UserRole, record.correlation_id)
        self._rows[record.correlation_id] = item
        if newest:
            tree.insertTopLevelItem(0, item)
        else:
            tree.addTopLevelItem(item)
        return item

    def forget(self, keep: set[str]) -> None:
        """Drop the rows of runs not in ``keep`` (the history limit, or an erased history)."""
        tree = self.tree
        for cid in [cid for cid in self._rows if cid not in keep]:
            item = self._rows.pop(cid)
            index = tree.indexOfTopLevelItem(item)
            if index >= 0:
                tree.takeTopLevelItem(index)

    def select(self, correlation_id: str | None) -> None:
        """Make the run's row current (None: no row), without asking for anything."""
        tree = self.tree
        item = self._rows.get(correlation_id or "")
        tree.blockSignals(True)
        try:
            if item is None:
                tree.setCurrentIndex(QModelIndex())
                tree.clearSelection()
            else:
                tree.setCurrentItem(item)
        finally:
            tree.blockSignals(False)

    def show_detail(self, text: str) -> None:
        """Show ``text`` in the detail pane."""
        self.detail.setPlainText(text)

    def set_position(self, position: int, length: int) -> None:
        """Say where the replay is."""
        self.position.setText(
            f"Replay: event {position} of {length}" if length else "No run selected"
        )

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_tree_current_item_changed(
        self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None
    ) -> None:
        if current is None:
            self.detail.clear()
            return
        self.run_selected.emit(str(current.data(0, Qt.ItemDataRole.UserRole)))
