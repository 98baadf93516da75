"""The pipeline as the editor previews it: the step cards in order, redrawn as you type.

Each card says the step's place, name, title, service and effect, and its role in
words and a symbol (never colour alone): compensatable steps are undone in reverse
order on a failure, the pivot is the point of no return, retriable steps are
retried until they go through and never undone. A step with a problem says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from saga_desktop.gui import theme
from saga_desktop.gui._qt import named
from saga_desktop.gui.saga_editor._draft import Draft, Issue

__all__ = ["CardInfo", "PipelinePreview", "preview_cards"]

#: What each role's card says about it, and its accent.
_ROLE_LOOKS = {
    "compensatable": ("↺", "compensatable — undone on a failure", "blue"),
    "pivot": ("⚑", "pivot — point of no return", "vermillion"),
    "retriable": ("↻", "retriable — retried until done, never undone", "green"),
}
_UNKNOWN_ROLE = ("?", "no role the saga knows", "orange")


@dataclasses.dataclass(frozen=True, slots=True)
class CardInfo:
    """What one preview card shows (built from a draft's row, valid or not)."""

    name: str
    title: str
    doing: str
    role: str
    undo: str
    problems: tuple[str, ...] = ()


def _doing(row: dict[str, str]) -> str:
    service = row.get("service", "").strip() or "?"
    verb = row.get("effect", "take")
    target = row.get("target", "").strip() or "?"
    amount = row.get("amount", "").strip()
    if verb == "take":
        what = f"take {amount or '1'} × {target}"
    elif verb == "record":
        what = f"record: {target}"
    else:
        what = f"{verb} {amount or '?'} {'from' if verb == 'debit' else 'to'} {target}"
    return f"{service} · {what}"


def preview_cards(draft: Draft, issues: Sequence[Issue]) -> list[CardInfo]:
    """The cards of ``draft``'s steps, each with the problems typed in its row."""
    cards = []
    for index, row in enumerate(draft.steps):
        problems = tuple(
            issue.message
            for issue in issues
            if issue.where.section == "steps" and issue.where.row == index
        )
        name = row.get("name", "").strip() or f"(step {index + 1})"
        title = row.get("title", "").strip() or name.replace("_", " ").capitalize()
        cards.append(
            CardInfo(
                name=name,
                title=title,
                doing=_doing(row),
                role=row.get("role", "compensatable"),
                undo=row.get("compensation", "").strip(),
                problems=problems,
            )
        )
    return cards


class _Card(QFrame):
    """One step's card."""

    def __init__(self, place: int, card: CardInfo, palette: QPalette) -> None:
        super().__init__()
        named(self, f"previewCard_{place}", f"Step {place}: {card.name}")
        symbol, words, accent = _ROLE_LOOKS.get(card.role, _UNKNOWN_ROLE)
        window = palette.color(QPalette.ColorRole.Window)
        base = palette.color(QPalette.ColorRole.Base)
        fill = theme.mix(base, QColor(theme.ACCENTS[accent]), 0.10)
        border = theme.readable(QColor(theme.ACCENTS[accent]), window, fill, ratio=theme.NON_TEXT)
        width = 3 if card.role == "pivot" else 2
        style = "dashed" if card.problems else "solid"
        self.setStyleSheet(
            f"#{self.objectName()} {{ background: {fill.name()};"
            f" border: {width}px {style} {border.name()}; border-radius: 8px; }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        head = QLabel(f"{place} · {card.name}")
        font = head.font()
        font.setBold(True)
        head.setFont(font)
        layout.addWidget(head)
        layout.addWidget(QLabel(card.title))
        layout.addWidget(QLabel(card.doing))
        role = named(QLabel(f"{symbol} {words}"), f"previewRole_{place}")
        role_colour = theme.readable(QColor(theme.ACCENTS[accent]), fill)
        role.setStyleSheet(f"color: {role_colour.name()}; font-weight: bold;")
        layout.addWidget(role)
        if card.role == "compensatable" and card.undo:
            layout.addWidget(QLabel(f"undo: {card.undo}"))
        if card.problems:
            count = len(card.problems)
            warning = QLabel(f"⚠ {count} problem{'s' if count > 1 else ''}: {card.problems[0]}")
            warning.setWordWrap(True)
            warning.setStyleSheet(
                f"color: {theme.readable(QColor(theme.ACCENTS['vermillion']), fill).name()};"
            )
            layout.addWidget(warning)
        for label in self.findChildren(QLabel):
            label.setWordWrap(True)
            if not label.styleSheet():
                label.setStyleSheet(f"color: {theme.on_fill(fill).name()};")


class PipelinePreview(QScrollArea):
    """The steps' cards from top to bottom, with the direction a saga runs in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "pipelinePreview", "Pipeline preview")
        self.setWidgetResizable(True)
        # The cards wrap their words to the width: never a sideways scroll.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(300)
        self._cards: list[CardInfo] = []
        self._drawn = False
        self._card_widgets: list[_Card] = []
        self._layout = QVBoxLayout()
        self._pending: list[CardInfo] | None = None
        #: How long typing must pause before the cards follow (0: at once).
        self.delay_ms = 120
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self.setWidget(QWidget())

    @property
    def cards(self) -> list[CardInfo]:
        """The cards shown, in order (not those still waiting for a pause in typing)."""
        return list(self._cards)

    def show_cards(self, cards: Sequence[CardInfo]) -> None:
        """Show ``cards`` once typing pauses for :attr:`delay_ms` (at once when it is 0).

        The check and the problems beside the fields follow every keystroke; the
        cards (word-wrapped labels, laid out again) follow a burst of them.
        """
        self._pending = list(cards)
        if self.delay_ms <= 0:
            self.flush()
        else:
            self._timer.start(self.delay_ms)

    @property
    def waiting(self) -> bool:
        """True while cards wait for a pause in typing."""
        return self._pending is not None

    @Slot()
    def flush(self) -> None:
        """Draw the cards asked for now, if any are waiting."""
        self._timer.stop()
        if self._pending is not None:
            cards, self._pending = self._pending, None
            self._apply(cards)

    def _apply(self, cards: list[CardInfo]) -> None:
        # Only the cards that changed are drawn again: a keystroke changes one.
        old = self._cards
        self._cards = cards
        same_shape = (
            self._drawn
            and len(cards) == len(old)
            and [c.role == "pivot" for c in cards] == [c.role == "pivot" for c in old]
        )
        if not same_shape:
            self._draw()
            return
        palette = self.palette()
        for place, (new, was) in enumerate(zip(cards, old, strict=True), start=1):
            if new != was:
                fresh = _Card(place, new, palette)
                stale = self._card_widgets[place - 1]
                self._layout.replaceWidget(stale, fresh)
                stale.hide()
                stale.deleteLater()
                self._card_widgets[place - 1] = fresh

    def _draw(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        self._layout = layout
        self._card_widgets = []
        if not self._cards:
            layout.addWidget(QLabel("No steps yet: add one with “Add step”."))
        palette = self.palette()
        pivot = next((n for n, card in enumerate(self._cards) if card.role == "pivot"), None)
        for place, card in enumerate(self._cards, start=1):
            if place > 1:
                arrow = QLabel("↓")
                arrow.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                layout.addWidget(arrow)
            widget = _Card(place, card, palette)
            self._card_widgets.append(widget)
            layout.addWidget(widget)
            if pivot is not None and place == pivot + 1 and place < len(self._cards):
                line = named(QLabel("point of no return: from here only forward"), "noReturn")
                line.setWordWrap(True)
                line.setAlignment(Qt.AlignmentFlag.AlignHCenter)
                theme.tint_text(line, "vermillion")
                layout.addWidget(line)
        if self._cards:
            note = QLabel("On a failure, the completed compensatable steps are undone bottom up.")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addStretch(1)
        self._drawn = True
        self.setWidget(page)  # the old page is deleted by the scroll area

    def changeEvent(self, event: QEvent) -> None:
        # The cards' colours come from the palette: a theme switch redraws them.
        if event.type() == QEvent.Type.PaletteChange and self._cards:
            self._draw()
        super().changeEvent(event)
