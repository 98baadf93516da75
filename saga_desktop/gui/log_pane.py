"""The log pane: every event's lines in the guide's format, filtered, searched, saved."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui import theme
from saga_desktop.gui._qt import named

if TYPE_CHECKING:
    from PySide6.QtGui import QTextCharFormat

__all__ = ["LEVELS", "LogPane"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


class LogPane(QWidget):
    """Streams log lines; keeps at most ``max_lines`` (the log file keeps them all).

    Parameters
    ----------
    max_lines
        Lines kept in memory and on screen; older ones drop off the top.
    """

    #: The number of lines shown changed (after a filter, a search or new lines).
    lines_changed = Signal(int)

    def __init__(self, max_lines: int = 20_000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logPane")
        self.setAccessibleName("Saga log")
        self.setToolTip("Every saga event in the guide's log format, newest at the bottom")
        self._entries: deque[tuple[str, str]] = deque(maxlen=max_lines)
        self._min_rank = _RANK["DEBUG"]
        self._needle = ""
        self._shown = 0
        #: Most lines put on screen in one update (see :meth:`append_lines`).
        self.frame_cap = 100

        self.level_filter = named(QComboBox(), "logLevelFilter")
        self.level_filter.addItems(LEVELS)
        self.level_filter.setToolTip("Show lines of this level and above")
        self.level_filter.setAccessibleName("Minimum log level")
        self.search = named(QLineEdit(placeholderText="Search the log…"), "logSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Show only lines containing this text (Ctrl+F)")
        self.search.setAccessibleName("Search the log")
        self.clear_button = named(QPushButton("Clear"), "logClearButton")
        self.clear_button.setToolTip("Clear the log pane (the log file keeps everything)")
        self.clear_button.setAccessibleName("Clear the log")
        self.save_button = named(QPushButton("Save…"), "logSaveButton")
        self.save_button.setToolTip("Save the lines in the pane to a text file")
        self.save_button.setAccessibleName("Save the log")
        self.count_label = named(QLabel(), "logCount")

        self.text = named(QPlainTextEdit(readOnly=True), "logText")
        self.text.setAccessibleName("Log lines")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMaximumBlockCount(max_lines)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setUndoRedoEnabled(False)
        # Whether new lines scroll into view. Decided by the person's scrolling only:
        # the view's own moves (lines dropping off the top, a smaller pane, a wider
        # line bringing the horizontal bar) must never make it stop following.
        self._following = True
        self._moving = False
        scroll = self.text.verticalScrollBar()
        scroll.valueChanged.connect(self._on_scroll_bar_value_changed)
        scroll.rangeChanged.connect(self._on_scroll_bar_range_changed)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Level"))
        bar.addWidget(self.level_filter)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.clear_button)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.text)

        self.level_filter.currentTextChanged.connect(self._on_level_filter_changed)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.clear_button.clicked.connect(self.clear)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self._update_count()

    # -- feeding ------------------------------------------------------------------

    def append_lines(self, lines: Iterable[tuple[str, str]]) -> None:
        """Add ``(level, text)`` lines."""
        shown: list[tuple[str, str]] = []
        for level, text in lines:
            self._entries.append((level, text))
            if self._visible(level, text):
                shown.append((level, text))
        if len(shown) > self.frame_cap:
            # More lines than anybody can read in one frame (a batch at full speed):
            # show the newest; every line is kept for filters, search and saving.
            self._shown += len(shown) - self.frame_cap
            shown = shown[-self.frame_cap :]
        if shown:
            self._show(shown)
            self._shown += len(shown)
        self._update_count()

    def clear(self) -> None:
        """Forget every line in the pane."""
        self._entries.clear()
        self.text.clear()
        self._following = True
        self._shown = 0
        self._update_count()

    # -- reading ------------------------------------------------------------------

    def visible_lines(self) -> list[str]:
        """The lines currently shown (after filter and search)."""
        return [text for level, text in self._entries if self._visible(level, text)]

    def all_lines(self) -> list[str]:
        """Every line kept, whatever the filter."""
        return [text for _, text in self._entries]

    def save(self, path: Path) -> None:
        """Write the shown lines to ``path`` (UTF-8, one per line)."""
        path.write_text("".join(line + "\n" for line in self.visible_lines()), encoding="utf-8")

    # -- internals ----------------------------------------------------------------

    def _visible(self, level: str, text: str) -> bool:
        return _RANK.get(level, 0) >= self._min_rank and (
            not self._needle or self._needle in text.lower()
        )

    def _format(self, level: str) -> QTextCharFormat:
        from PySide6.QtGui import QTextCharFormat

        fmt = QTextCharFormat()
        # INFO keeps the text colour, and follows the theme by itself; the others
        # are recoloured when the palette changes (see changeEvent).
        if level != "INFO":
            fmt.setForeground(theme.level_colour(level, self.palette()))
        return fmt

    def _show(self, lines: list[tuple[str, str]]) -> None:
        # Imported here, like the dialogs below: creating a Qt class's Python enums
        # costs start-up time, and no line is shown before the window's first paint.
        from PySide6.QtGui import QTextCursor

        bar = self.text.verticalScrollBar()
        keep = bar.value()
        document = self.text.document()
        before = 0 if document.isEmpty() else document.blockCount()
        cursor = QTextCursor(document)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._moving = True
        try:
            # One edit block per batch: one layout pass, however many lines arrive.
            cursor.beginEditBlock()
            formats = {level: self._format(level) for level in LEVELS}
            for level, text in lines:
                if not document.isEmpty():
                    cursor.insertBlock()
                cursor.insertText(text, formats.get(level, formats["INFO"]))
                # The block remembers its level, for a recolour (see changeEvent).
                cursor.block().setUserState(_RANK.get(level, _RANK["INFO"]))
            cursor.endEditBlock()
            # A full pane drops as many lines from the top as it took in: the lines
            # the person reads moved up by that much, and the view moves with them.
            dropped = before + len(lines) - document.blockCount()
            bar.setValue(bar.maximum() if self._following else max(0, keep - dropped))
        finally:
            self._moving = False

    def _rerender(self) -> None:
        self.text.clear()
        # Other lines than before: start again at the newest.
        self._following = True
        self._shown = 0
        lines = [(level, text) for level, text in self._entries if self._visible(level, text)]
        if lines:
            self._show(lines)
        self._shown = len(lines)
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:
        """Recolour the lines already shown when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self.text.document().isEmpty():
            self._recolour()

    def _recolour(self) -> None:
        from PySide6.QtGui import QTextCursor

        document = self.text.document()
        formats = {_RANK[level]: self._format(level) for level in LEVELS if level != "INFO"}
        cursor = QTextCursor(document)
        keep = QTextCursor.MoveMode.KeepAnchor
        bar = self.text.verticalScrollBar()
        value = bar.value()
        self._moving = True
        try:
            # In place, block by block: the view, the selection and the place stay.
            cursor.beginEditBlock()
            block = document.firstBlock()
            while block.isValid():
                fmt = formats.get(block.userState())
                if fmt is not None:
                    cursor.setPosition(block.position())
                    cursor.setPosition(block.position() + block.length() - 1, keep)
                    cursor.setCharFormat(fmt)
                block = block.next()
            cursor.endEditBlock()
            bar.setValue(bar.maximum() if self._following else value)
        finally:
            self._moving = False

    def _update_count(self) -> None:
        self._shown = min(self._shown, self._entries.maxlen or self._shown)
        self.count_label.setText(f"{self._shown} lines")
        self.lines_changed.emit(self._shown)

    @Slot(int)
    def _on_scroll_bar_value_changed(self, value: int) -> None:
        if not self._moving:
            # The person scrolled (or the view shrank under them): at the bottom is
            # following, anywhere above is reading.
            self._following = value >= self.text.verticalScrollBar().maximum()

    @Slot(int, int)
    def _on_scroll_bar_range_changed(self, minimum: int, maximum: int) -> None:
        # The pane got smaller, or the horizontal bar came: the bottom moved down.
        if self._following and not self._moving:
            self._moving = True
            try:
                self.text.verticalScrollBar().setValue(maximum)
            finally:
                self._moving = False

    @Slot(str)
    def _on_level_filter_changed(self, level: str) -> None:
        self._min_rank = _RANK[level]
        self._rerender()

    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        self._needle = text.strip().lower()
        self._rerender()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        name, _ = QFileDialog.getSaveFileName(
            self, "Save the log", "saga_log.txt", "Text files (*.txt *.log);;All files (*)"
        )
        if not name:
            return
        try:
            self.save(Path(name))
        except OSError as exc:
            QMessageBox.warning(self, "Cannot save the log", f"{name}: {exc.strerror or exc}")
