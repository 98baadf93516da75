"""What the two world panels share: snapshots from the worker, a baseline, another moment.

:class:`~saga_desktop.gui.world_panel.WorldPanel` (the flight booking) and
:class:`~saga_desktop.gui.services_panel.ServicesPanel` (a saga file) take the
same calls, so the window drives either the same way; each draws its own
figures in ``_render``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from saga_desktop.gui import theme
from saga_desktop.gui._qt import named

__all__ = ["SnapshotPanel", "change_text"]


def change_text(now: float, then: float | None, money: bool = False) -> str:
    """``now`` against ``then`` as "+2" or "-1.50" with a true minus ("" when unchanged)."""
    if then is None or now == then:
        return ""
    text = f"{now - then:+,.2f}" if money else f"{now - then:+,.0f}"
    return text.replace("-", "−")


class SnapshotPanel(QFrame):
    """A panel of the world's figures, fed with the worker's snapshots (it reads no database).

    Parameters
    ----------
    tip
        Its tooltip: what the figures are.
    """

    def __init__(self, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("worldPanel")
        self.setAccessibleName("World")
        self.setToolTip(tip)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._state: dict[str, Any] | None = None
        # The snapshot changes are measured against (whole, so a change of focus
        # compares the new flight and user with themselves, not with the old ones).
        self._baseline: dict[str, Any] | None = None
        self._running = False
        # Figures of another moment than now (a replay, a selected run) and their baseline.
        self._moment: tuple[dict[str, Any], dict[str, Any] | None] | None = None
        self.title = named(QLabel("World"), "worldTitle")
        # Which moment the figures belong to ("World at event 2 of 13"): wrapped, never cut.
        self.title.setWordWrap(True)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)

    # -- feeding ----------------------------------------------------------------

    def mark_baseline(self) -> None:
        """Remember the current figures: changes are shown against them."""
        self._baseline = self._state
        self._render()

    def forget_baseline(self) -> None:
        """Show no changes; the next snapshot becomes the baseline (after a reset)."""
        self._baseline = None

    def update_state(self, state: Mapping[str, Any]) -> None:
        """Take a new snapshot from the worker (the world's ``to_dict()`` + dead letters)."""
        self._state = dict(state)
        if self._baseline is None:
            self._baseline = self._state
        self._render()

    def set_running(self, running: bool) -> None:
        """While a saga runs, an unbalanced world is expected and shown as "in flight"."""
        self._running = running
        self._render()

    def show_moment(
        self, state: Mapping[str, Any], baseline: Mapping[str, Any] | None, title: str
    ) -> None:
        """Show the figures of another moment (a replay, a selected run) against ``baseline``.

        The live snapshots keep coming in (:attr:`state`); they show again with
        :meth:`show_live`.
        """
        self._moment = (dict(state), dict(baseline) if baseline is not None else None)
        self.title.setText(title)
        self._render()

    def show_live(self, title: str = "World") -> None:
        """Show the live world again."""
        self._moment = None
        self.title.setText(title)
        self._render()

    @property
    def state(self) -> dict[str, Any] | None:
        """The last snapshot received (None before the first)."""
        return self._state

    @property
    def consistent(self) -> bool | None:
        """Whether the last snapshot adds up (None before the first)."""
        return None if self._state is None else bool(self._state["consistent"])

    def changeEvent(self, event: QEvent) -> None:
        """Recolour the verdict when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._render()

    # -- for the panels ---------------------------------------------------------------

    def _shown(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The snapshot to draw and its baseline: the moment shown, or the live ones."""
        return self._moment or (self._state, self._baseline)

    def _in_flight(self) -> bool:
        """An unbalanced world is expected: a saga runs, and the live world is shown."""
        return self._running and self._moment is None

    def _colour(self, accent: str) -> str:
        return theme.text_colour(accent, self.palette()).name()

    def _render(self) -> None:
        raise NotImplementedError
