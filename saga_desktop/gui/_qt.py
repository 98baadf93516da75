"""Small Qt helpers shared by the window's modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

__all__ = ["LazyTab", "bring_to_front", "named"]

_Q = TypeVar("_Q", bound=QObject)


def named(obj: _Q, name: str, accessible: str | None = None, tip: str | None = None) -> _Q:
    """Give ``obj`` its stable objectName (and optionally an accessible name and tooltip).

    Qt's constructors take ``objectName=`` at run time, but the type stubs do
    not declare it; this keeps the code typed and the names in one place.
    """
    obj.setObjectName(name)
    if accessible is not None and hasattr(obj, "setAccessibleName"):
        obj.setAccessibleName(accessible)
    if tip is not None and hasattr(obj, "setToolTip"):
        obj.setToolTip(tip)
    return obj


class LazyTab(QWidget):
    """A tab page whose content is built the first time it is shown or asked for.

    The tab and its title are there from the start; a page nobody opens costs the
    window's start nothing (its module is not even imported until ``build`` runs).

    Parameters
    ----------
    build
        Makes the page's content; called at most once.
    """

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build: Callable[[], QWidget] | None = build
        self._content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        """True once the content exists."""
        return self._content is not None

    def content(self) -> QWidget:
        """The page's content, built now if it was not yet."""
        if self._content is None:
            build, self._build = self._build, None
            assert build is not None, "LazyTab.build re-entered itself"
            self._content = build()
            self._layout.addWidget(self._content)
        return self._content

    def showEvent(self, event: QShowEvent) -> None:
        """Build the content just before the page first appears."""
        self.content()
        super().showEvent(event)


def bring_to_front(widget: QWidget) -> None:
    """Show ``widget``'s window on top of the others and give it the keyboard."""
    from PySide6.QtGui import QGuiApplication

    widget.show()
    # Offscreen (tests, --self-test) has no stacking order, and says so as a warning.
    if QGuiApplication.platformName() != "offscreen":
        widget.raise_()
    widget.activateWindow()
