"""The Lab window's lanes: one row per saga, its steps as chips coloured by state."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

__all__ = ["STATE_LOOKS", "LaneView"]

#: State → (symbol, background, text colour); the colours pass AA on their fill.
STATE_LOOKS = {
    "pending": ("○", "#e0e0e0", "#202020"),
    "running": ("…", "#1565c0", "#ffffff"),
    "done": ("✔", "#2e7d32", "#ffffff"),
    "failed": ("✖", "#b3261e", "#ffffff"),
    "compensated": ("↩", "#8d4e00", "#ffffff"),
}


class LaneView(QWidget):
    """Lanes of step chips, rebuilt from the worker's view after each turn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lab_lanes")
        self.setAccessibleName("The sagas as lanes")
        self._grid = QGridLayout(self)
        self.chips: dict[tuple[str, str], QLabel] = {}
        self.titles: dict[str, QLabel] = {}

    def show_lanes(self, lanes: list[dict[str, Any]]) -> None:
        """Draw ``lanes`` (label, saga, steps, states, outcome, error, waiting)."""
        # In order: the pessimistic view reorders the same steps.
        wanted = [(lane["label"], step) for lane in lanes for step in lane["steps"]]
        if wanted != list(self.chips):
            self._rebuild(lanes)
        for row, lane in enumerate(lanes):
            status = lane["outcome"].lower()
            if lane["waiting"]:
                status = "waiting for a lock"
            title = self.titles[lane["label"]]
            title.setText(f"<b>Saga {lane['label']}</b><br>{lane['saga']}<br><i>{status}</i>")
            title.setToolTip(lane["error"])
            for step, state in zip(lane["steps"], lane["states"], strict=True):
                symbol, fill, ink = STATE_LOOKS[state]
                chip = self.chips[(lane["label"], step)]
                chip.setText(f"{symbol} {step.replace('_', ' ')}")
                chip.setAccessibleName(f"Saga {lane['label']} {step}: {state}")
                chip.setProperty("state", state)
                chip.setStyleSheet(
                    f"QLabel {{ background: {fill}; color: {ink}; border-radius: 6px; "
                    "padding: 8px; }"
                )
            del row

    def _rebuild(self, lanes: list[dict[str, Any]]) -> None:
        for widget in [*self.chips.values(), *self.titles.values()]:
            self._grid.removeWidget(widget)
            widget.deleteLater()
        self.chips.clear()
        self.titles.clear()
        for row, lane in enumerate(lanes):
            title = QLabel()
            title.setObjectName(f"lab_lane_{lane['label']}")
            self.titles[lane["label"]] = title
            self._grid.addWidget(title, row, 0)
            for column, step in enumerate(lane["steps"], start=1):
                chip = QLabel()
                chip.setMaximumHeight(44)
                chip.setObjectName(f"lab_step_{lane['label']}_{step}")
                self.chips[(lane["label"], step)] = chip
                self._grid.addWidget(chip, row, column)
