"""Closing the window while something runs: ask first, then let it end quickly.

A person who closes the window mid-run is asked whether to quit (the saga in
progress finishes at full speed; a batch stops between two sagas). Ctrl-C and
``kill`` from a terminal, and the self-test, close without asking: nobody is
there to answer, and the same clean stop follows.
"""

from __future__ import annotations

import weakref

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

__all__ = ["ask_to_quit", "close_without_asking", "latest", "may_close", "question"]

# Windows told to close without asking (by a signal, by the self-test).
_UNASKED: weakref.WeakSet[QWidget] = weakref.WeakSet()


def question(*, busy: bool, batch: bool) -> str | None:
    """What to ask before closing now, or None when nothing runs."""
    if batch:
        return "A batch is running: stop it between two sagas and quit?"
    if busy:
        return "A saga is running: finish it at full speed and quit?"
    return None


def ask_to_quit(parent: QWidget, text: str) -> bool:
    """Ask ``text`` with Quit / Cancel (Cancel is the default); True to quit."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "Quit SAGA Desktop", text, parent=parent)
    box.setObjectName("quitQuestion")
    quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
    quit_button.setObjectName("quitButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is quit_button


def may_close(window: QWidget, event: QCloseEvent, *, busy: bool, batch: bool) -> bool:
    """Whether ``window`` closes now; when not, ``event`` is ignored (the person said no).

    ``busy`` is true while a saga (or recovery, or the scenarios) runs, ``batch``
    while a batch does.
    """
    if window in _UNASKED:
        return True
    text = question(busy=busy, batch=batch)
    if text is None or ask_to_quit(window, text):
        return True
    event.ignore()
    return False


def latest(window: QWidget) -> QWidget:
    """The window now in ``window``'s place: another saga opened replaces a window."""
    while (successor := getattr(window, "successor", None)) is not None:
        window = successor
    return window


def close_without_asking(window: QWidget) -> None:
    """Close ``window`` as its title bar would, but without the question."""
    _UNASKED.add(window)
    window.close()
