"""Walk a window's widgets and measure the WCAG contrast of every text on screen.

For each text the walk takes the colour the text is drawn in (the widget's palette
role, the colours of its rich text, a log line's format) and the background it is
drawn on, read from the pixels of a grab of the whole window: the most common
colour of the text's rectangle, whatever painted it (a card, the banner, a table
row, a selection). Painted status chips and step numbers have no palette colour:
their ink is the pixel of highest contrast in the pill. The contrast formula is
written here again, independently of the code under test.

Disabled widgets are skipped: WCAG 1.4.3 asks nothing of the text of an inactive
control. So are widgets that are hidden or have no text.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Iterator

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTableWidget,
    QTreeWidget,
    QWidget,
)

#: WCAG 2 level AA for normal text.
AA = 4.5

_COLOUR = re.compile(r"color\s*:\s*(#[0-9a-fA-F]{6})")


def luminance(color: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.red())
        + 0.7152 * channel(color.green())
        + 0.0722 * channel(color.blue())
    )


def wcag(a: QColor, b: QColor) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@dataclasses.dataclass(frozen=True)
class Text:
    """One text on screen, its colours and their contrast."""

    where: str
    text: str
    ink: str
    background: str
    ratio: float

    def __str__(self) -> str:
        colours = f"{self.ink} on {self.background}"
        return f"{self.ratio:5.2f}:1  {colours}  {self.where}: {self.text[:60]!r}"


class Screen:
    """A grab of the window, and the colours found in its rectangles."""

    def __init__(self, window: QWidget) -> None:
        self.window = window
        image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        self.image = image
        self.ratio = image.devicePixelRatio()
        self._bytes = bytes(image.constBits())
        self._stride = image.bytesPerLine()

    def rect_of(self, widget: QWidget, rect: QRect | None = None) -> QRect:
        """``rect`` (default: the whole widget) in the window's pixels, clipped to what shows."""
        local = rect if rect is not None else widget.rect()
        visible = widget.visibleRegion().boundingRect()
        local = local.intersected(visible)
        top_left = widget.mapTo(self.window, local.topLeft())
        mapped = QRect(top_left, local.size())
        return mapped.intersected(self.window.rect())

    def _pixels(self, rect: QRect, step: int) -> Iterator[bytes]:
        data, stride = self._bytes, self._stride
        for y in range(rect.top(), rect.bottom() + 1, step):
            row = y * stride
            for x in range(rect.left(), rect.right() + 1, step):
                yield data[row + 4 * x : row + 4 * x + 3]

    @staticmethod
    def _colour(pixel: bytes) -> QColor:
        blue, green, red = pixel
        return QColor(red, green, blue)

    def background(self, rect: QRect) -> QColor:
        """The most common colour in ``rect`` (window pixels)."""
        step = 2 if rect.width() * rect.height() > 4000 else 1
        (pixel, _), *_ = Counter(self._pixels(rect, step)).most_common(1)
        return self._colour(pixel)

    def ink(self, rect: QRect, background: QColor) -> QColor:
        """The colour in ``rect`` that stands out most from ``background``."""
        colours = {self._colour(p).rgb(): self._colour(p) for p in set(self._pixels(rect, 1))}
        return max(colours.values(), key=lambda c: wcag(c, background))


def _group(widget: QWidget) -> QPalette.ColorGroup:
    if not widget.isEnabled():
        return QPalette.ColorGroup.Disabled
    if widget.isActiveWindow():
        return QPalette.ColorGroup.Active
    return QPalette.ColorGroup.Inactive


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.isEnabled() and not widget.visibleRegion().isEmpty()


def _name(widget: QWidget) -> str:
    return widget.objectName() or type(widget).__name__


def _inside(rect: QRect) -> QRect:
    """``rect`` without its frame: a bevel's border is not what the text is drawn on."""
    return rect.adjusted(3, 3, -3, -3)


def _measure(screen: Screen, where: str, text: str, ink: QColor, rect: QRect) -> Text | None:
    if rect.width() < 2 or rect.height() < 2:
        return None
    background = screen.background(rect)
    if ink.alpha() < 255:  # a see-through ink shows mixed with what is behind it
        t = ink.alphaF()
        pairs = zip(ink.getRgbF()[:3], background.getRgbF()[:3], strict=True)
        ink = QColor.fromRgbF(*(c * t + b * (1 - t) for c, b in pairs))
    return Text(where, text, ink.name(), background.name(), round(wcag(ink, background), 2))


def _label(screen: Screen, label: QLabel) -> Iterator[Text | None]:
    text = label.text()
    if not text.strip():
        return
    palette = label.palette()
    inks = [palette.color(_group(label), label.foregroundRole())]
    inks += [QColor(found) for found in _COLOUR.findall(text + label.styleSheet())]
    rect = screen.rect_of(label, label.contentsRect())
    plain = re.sub(r"<[^>]+>", "", text)
    for ink in inks:
        yield _measure(screen, f"label {_name(label)}", plain, ink, rect)


def _button(screen: Screen, button: QAbstractButton) -> Iterator[Text | None]:
    if not button.text().strip():
        return
    role = (
        QPalette.ColorRole.WindowText
        if isinstance(button, QCheckBox)
        else QPalette.ColorRole.ButtonText
    )
    ink = button.palette().color(_group(button), role)
    rect = _inside(screen.rect_of(button))
    if isinstance(button, QCheckBox):  # the text, not the indicator's white box
        rect.setLeft(rect.left() + rect.height())
    yield _measure(screen, f"button {_name(button)}", button.text(), ink, rect)


def _combo(screen: Screen, combo: QComboBox) -> Iterator[Text | None]:
    if combo.isEditable() or not combo.currentText():
        return
    ink = combo.palette().color(_group(combo), QPalette.ColorRole.ButtonText)
    rect = _inside(screen.rect_of(combo))
    rect.setWidth(rect.width() - rect.height())  # not the arrow
    yield _measure(screen, f"combo {_name(combo)}", combo.currentText(), ink, rect)


def _line_edit(screen: Screen, edit: QLineEdit) -> Iterator[Text | None]:
    palette = edit.palette()
    text, role = edit.text(), QPalette.ColorRole.Text
    if not text:
        text, role = edit.placeholderText(), QPalette.ColorRole.PlaceholderText
    if text:
        ink = palette.color(_group(edit), role)
        yield _measure(screen, f"field {_name(edit)}", text, ink, _inside(screen.rect_of(edit)))


def _tabs(screen: Screen, bar: QTabBar) -> Iterator[Text | None]:
    for index in range(bar.count()):
        colour = bar.tabTextColor(index)
        ink = (
            colour
            if colour.isValid()
            else bar.palette().color(_group(bar), QPalette.ColorRole.WindowText)
        )
        rect = screen.rect_of(bar, bar.tabRect(index))
        yield _measure(screen, f"tab of {_name(bar.parentWidget())}", bar.tabText(index), ink, rect)


def _header(screen: Screen, header: QHeaderView, titles: list[str]) -> Iterator[Text | None]:
    ink = header.palette().color(_group(header), QPalette.ColorRole.ButtonText)
    for section, title in enumerate(titles):
        if header.isSectionHidden(section):
            continue
        x = header.sectionViewportPosition(section)
        rect = QRect(x, 0, header.sectionSize(section), header.height())
        yield _measure(
            screen,
            f"header of {_name(header.parentWidget())}",
            title,
            ink,
            screen.rect_of(header.viewport(), rect),
        )


def _brush(brush: QBrush) -> QColor | None:
    """A brush's colour, or None for no brush (the palette's colour then)."""
    return brush.color() if brush.style() != Qt.BrushStyle.NoBrush else None


def _item_ink(view: QWidget, selected: bool, brush_colour: QColor | None) -> QColor:
    palette = view.palette()
    if selected:
        return palette.color(_group(view), QPalette.ColorRole.HighlightedText)
    if brush_colour is not None:
        return brush_colour
    return palette.color(_group(view), QPalette.ColorRole.Text)


def _tree(screen: Screen, tree: QTreeWidget) -> Iterator[Text | None]:
    header = tree.headerItem()
    yield from _header(screen, tree.header(), [header.text(c) for c in range(tree.columnCount())])
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        for column in range(tree.columnCount()):
            rect = tree.visualItemRect(item)
            rect.setLeft(tree.header().sectionViewportPosition(column))
            rect.setWidth(tree.header().sectionSize(column))
            if not item.text(column) or not rect.intersects(tree.viewport().rect()):
                continue
            ink = _item_ink(tree, item.isSelected(), _brush(item.foreground(column)))
            yield _measure(
                screen,
                f"row of {_name(tree)}",
                item.text(column),
                ink,
                screen.rect_of(tree.viewport(), rect),
            )


def _table(screen: Screen, table: QTableWidget) -> Iterator[Text | None]:
    titles = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    yield from _header(screen, table.horizontalHeader(), titles)
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            item = table.item(row, column)
            if item is None or not item.text():
                continue
            rect = table.visualItemRect(item)
            if not rect.intersects(table.viewport().rect()):
                continue
            ink = _item_ink(table, item.isSelected(), _brush(item.foreground()))
            yield _measure(
                screen,
                f"cell of {_name(table)}",
                item.text(),
                ink,
                screen.rect_of(table.viewport(), rect),
            )


def _text_edit(screen: Screen, edit: QPlainTextEdit) -> Iterator[Text | None]:
    view = edit.viewport()
    default = edit.palette().color(_group(edit), QPalette.ColorRole.Text)
    block = edit.firstVisibleBlock()
    offset = edit.contentOffset()
    while block.isValid():
        geometry = edit.blockBoundingGeometry(block).translated(offset).toRect()
        if geometry.top() > view.height():
            break
        if block.text():
            fragment = block.begin().fragment()
            brush = fragment.charFormat().foreground()
            ink = brush.color() if brush.style() != Qt.BrushStyle.NoBrush else default
            width = edit.fontMetrics().horizontalAdvance(block.text())
            rect = QRect(geometry.left(), geometry.top(), width, geometry.height())
            yield _measure(
                screen, f"line of {_name(edit)}", block.text(), ink, screen.rect_of(view, rect)
            )
        block = block.next()


def _pill(screen: Screen, widget: QWidget, kind: str, text: str) -> Iterator[Text | None]:
    rect = screen.rect_of(widget)
    # The pill's left part: its fill, then the first letters of the text.
    height = rect.height()
    sample = QRect(rect.left() + height // 3, rect.top() + 2, max(4, height // 3), height - 4)
    background = screen.background(sample)
    area = QRect(rect.left() + 2, rect.top() + 2, min(rect.width(), 6 * height) - 4, height - 4)
    ink = screen.ink(area, background)
    yield Text(
        f"{kind} {_name(widget)}",
        text,
        ink.name(),
        background.name(),
        round(wcag(ink, background), 2),
    )


def _lane_labels(screen: Screen, view: QWidget) -> Iterator[Text | None]:
    """The "compensate" words the pipeline paints between its cards."""
    from PySide6.QtGui import QFontMetrics

    from saga_desktop.gui.pipeline import _scaled

    cards = list(view.cards().values())  # type: ignore[attr-defined]
    metrics = QFontMetrics(_scaled(view.font(), view._scale * 0.9, italic=True))  # type: ignore[attr-defined]
    width, height = metrics.horizontalAdvance("compensate"), metrics.height()
    lane = round(view._lane_y("compensation"))  # type: ignore[attr-defined]
    for left, right in itertools.pairwise(cards):
        mid = round((view._centre_x(left) + view._centre_x(right)) / 2)  # type: ignore[attr-defined]
        rect = screen.rect_of(view, QRect(mid - width // 2, lane - height // 2, width, height))
        background = screen.background(rect)
        ink = screen.ink(rect, background)
        yield Text(
            f"lane label of {_name(view)}",
            "compensate",
            ink.name(),
            background.name(),
            round(wcag(ink, background), 2),
        )


def texts(window: QWidget, root: QWidget | None = None) -> list[Text]:
    """Every text shown under ``root`` (default: the whole window), measured on screen."""
    from saga_desktop.gui.pipeline import PipelineView, StepCard

    screen = Screen(window)
    root = root or window
    found: list[Text | None] = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not _shown(widget):
            continue
        if isinstance(widget, QLabel):
            found += _label(screen, widget)
        elif isinstance(widget, QAbstractButton):
            found += _button(screen, widget)
        elif isinstance(widget, QComboBox):
            found += _combo(screen, widget)
        elif isinstance(widget, QLineEdit):
            found += _line_edit(screen, widget)
        elif isinstance(widget, QTabBar):
            found += _tabs(screen, widget)
        elif isinstance(widget, QTreeWidget):
            found += _tree(screen, widget)
        elif isinstance(widget, QTableWidget):
            found += _table(screen, widget)
        elif isinstance(widget, QPlainTextEdit):
            found += _text_edit(screen, widget)
        elif isinstance(widget, PipelineView):
            found += _lane_labels(screen, widget)
        elif isinstance(widget, StepCard):
            chip = widget.findChild(QWidget, f"stepStatus_{widget.info().name.lower()}")
            if chip is not None and _shown(chip):
                found += _pill(screen, chip, "status chip", widget.property("status"))
            badge = next((c for c in widget.children() if type(c).__name__ == "_NumberBadge"), None)
            if isinstance(badge, QWidget) and _shown(badge):
                found += _pill(screen, badge, "step number", str(widget.number()))
    return [text for text in found if text is not None]


def lowest(found: list[Text]) -> Text:
    return min(found, key=lambda text: text.ratio)


def point(widget: QWidget) -> QPoint:
    return widget.rect().center()
