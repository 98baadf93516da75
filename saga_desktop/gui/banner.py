"""The result banner under the pipeline: what the moment shown came to, in its colour.

It shows what it is given (see :mod:`saga_desktop.gui.moment_text`, which words it);
it never composes a message itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["KINDS", "ResultBanner"]

#: The banner's kinds: idle (a hint or a message) and how a run went.
KINDS = ("idle", "running", "success", "failure", "dead", "crash")

# Background and border of each kind (Okabe–Ito hues, as the pipeline's).
_LOOKS = {
    "idle": ("palette(base)", "palette(mid)"),
    "running": ("rgba(0,114,178,0.12)", "#0072B2"),
    "success": ("rgba(0,158,115,0.15)", "#009E73"),
    "failure": ("rgba(230,159,0,0.16)", "#E69F00"),
    "dead": ("rgba(213,94,0,0.16)", "#D55E00"),
    "crash": ("rgba(204,121,167,0.18)", "#CC79A7"),
}


class ResultBanner(QLabel):
    """A rounded box with a rich-text message in the look of its kind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultBanner")
        self.setAccessibleName("Result")
        self.setWordWrap(True)
        self.setMargin(10)
        self.setTextFormat(Qt.TextFormat.RichText)
        # Room for a result's three lines from the start: a banner that grew and shrank
        # with every run would re-lay out (and repaint) the whole pipeline each time.
        lines = 3 * self.fontMetrics().lineSpacing()
        self.setMinimumHeight(lines + 2 * self.margin() + 8)
        self._kind = ""

    def show_message(self, kind: str, html: str) -> None:
        """Show ``html`` in the look of ``kind`` (one of :data:`KINDS`)."""
        if kind not in KINDS:
            raise ValueError(f"unknown banner kind {kind!r}: expected one of {', '.join(KINDS)}")
        if kind != self._kind:
            background, border = _LOOKS[kind]
            self.setStyleSheet(
                f"QLabel#resultBanner {{ background: {background}; border: 2px solid {border};"
                " border-radius: 6px; }"
            )
            self._kind = kind
            self.setProperty("kind", kind)
        self.setText(html)

    def kind(self) -> str:
        """The kind shown."""
        return self._kind
