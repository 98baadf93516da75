"""The world panel: seats, points, money and bookings, with what each step changed."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from saga_desktop.gui._qt import named
from saga_desktop.gui._snapshot_panel import SnapshotPanel, change_text

__all__ = ["WorldPanel", "consistency"]


def _delta(now: float, then: float | None, money: bool = False) -> str:
    change = change_text(now, then, money)
    return f"  ({change})" if change else ""


class WorldPanel(SnapshotPanel):
    """Shows the world's figures for the booking's flight and user.

    The figures come from the worker as snapshots; the panel never reads a
    database. Each figure shows its change since the current run started.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Seats, loyalty points, money and bookings, and whether they add up after each saga",
            parent,
        )
        self._flight_id = 123
        self._user_id = 1
        self._build()

    def _build(self) -> None:
        """The title, a row per figure, and the consistency verdict under them."""
        title = self.title

        def value(name: str, tip: str) -> QLabel:
            label = named(QLabel("–"), name)
            label.setToolTip(tip)
            label.setAccessibleName(tip)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label

        self.flight_label = QLabel("Flight")
        self.seats = value("worldSeats", "Seats left on the booking's flight")
        self.user_label = QLabel("User")
        self.points = value("worldPoints", "Loyalty points of the booking's user")
        self.captured = value("worldCaptured", "Money captured by all payments")
        self.refunded = value("worldRefunded", "Money refunded by compensations")
        self.net = value("worldNet", "Money kept: captured minus refunded")
        self.bookings = value("worldBookings", "Confirmed and cancelled bookings")
        self.dead_letters = value(
            "worldDeadLetters", "Compensations waiting in the dead-letter queue"
        )
        self.consistency = named(QLabel(), "worldConsistency")
        self.consistency.setWordWrap(True)
        self.consistency.setAccessibleName("Consistency of the world")
        self.consistency.setTextFormat(Qt.TextFormat.RichText)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.addRow(self.flight_label, self.seats)
        form.addRow(self.user_label, self.points)
        form.addRow("Captured", self.captured)
        form.addRow("Refunded", self.refunded)
        form.addRow("Net", self.net)
        form.addRow("Bookings", self.bookings)
        form.addRow("Dead letters", self.dead_letters)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.consistency)
        layout.addStretch(1)

    # -- feeding ----------------------------------------------------------------

    def set_focus(self, flight_id: int, user_id: int) -> None:
        """Show figures for this flight and user (those of the booking form)."""
        self._flight_id, self._user_id = flight_id, user_id
        self._render()

    # -- internals --------------------------------------------------------------

    def _figures(self, state: Mapping[str, Any]) -> dict[str, float]:
        flight = next((f for f in state["flights"] if f["id"] == self._flight_id), None)
        user = next((u for u in state["users"] if u["id"] == self._user_id), None)
        payments = state["payments"]
        return {
            "seats_left": float(flight["seats_left"]) if flight else 0.0,
            "points": float(user["points"]) if user else 0.0,
            "captured": float(payments["captured"]),
            "refunded": float(payments["refunded"]),
            "net": float(payments["net"]),
            "confirmed": float(state["bookings"]["confirmed"]),
        }

    def _render(self) -> None:
        state, baseline = self._shown()
        if state is None:
            return
        now = self._figures(state)
        then = self._figures(baseline) if baseline is not None else {}
        flight = next((f for f in state["flights"] if f["id"] == self._flight_id), None)
        user = next((u for u in state["users"] if u["id"] == self._user_id), None)
        self.flight_label.setText(
            f"Flight {self._flight_id} {flight['route']}" if flight else f"Flight {self._flight_id}"
        )
        self.seats.setText(
            f"{flight['seats_left']} of {flight['capacity']} seats left"
            f"{_delta(now['seats_left'], then.get('seats_left'))}"
            if flight
            else "no such flight"
        )
        self.user_label.setText(
            f"User {self._user_id} {user['name']}" if user else f"User {self._user_id}"
        )
        self.points.setText(
            f"{user['points']:,} points{_delta(now['points'], then.get('points'))}"
            if user
            else "no such user"
        )
        self.captured.setText(
            f"{now['captured']:,.2f}{_delta(now['captured'], then.get('captured'), True)}"
        )
        self.refunded.setText(
            f"{now['refunded']:,.2f}{_delta(now['refunded'], then.get('refunded'), True)}"
        )
        self.net.setText(f"{now['net']:,.2f}{_delta(now['net'], then.get('net'), True)}")
        self.bookings.setText(
            f"{state['bookings']['confirmed']} confirmed"
            f"{_delta(now['confirmed'], then.get('confirmed'))}, "
            f"{state['bookings']['cancelled']} cancelled"
        )
        letters = state.get("dead_letters", [])
        self.dead_letters.setText(f"{len(letters)} open" if letters else "none")
        text, tip = consistency(state, self._in_flight(), self._colour)
        self.consistency.setText(text)
        self.consistency.setToolTip(tip)


def consistency(
    state: Mapping[str, Any],
    running: bool,
    colour: Callable[[str], str],
    what: str = "seats, points and money",
) -> tuple[str, str]:
    """The verdict's text (rich text) and tooltip for a snapshot.

    ``colour`` names an accent's readable text colour (``#rrggbb``) in the theme;
    ``what`` says what adds up.
    """
    violations = list(state["violations"])
    in_flight = len(state.get("in_flight", ()))
    interrupted = len(state.get("interrupted", ()))
    others = int(state.get("other_processes", 0))
    note = ""
    if others:
        note = (
            f"<br><small>⚠ {others} other process{'es' if others > 1 else ''} "
            "working in this data directory: their sagas are left to them</small>"
        )
    if violations and running:
        text = (
            f'<b style="color:{colour("blue")}; font-size:large">◌ Saga in flight</b>'
            "<br><small>checked again when the saga ends</small>"
        )
        return text + note, "\n".join(violations)
    if violations:
        # A few lines only: the full list is in the tooltip and in `saga-desktop state`.
        items = "".join(f"<li>{html.escape(v)}</li>" for v in violations[:3])
        more = len(violations) - 3
        text = f'<b style="color:{colour("vermillion")}; font-size:large">✖ Inconsistent</b>'
        if interrupted:  # first: it says what to do about it
            text += (
                f"<br><small>{interrupted} saga(s) interrupted (their process stopped): "
                "<b>Restart orchestrator</b> recovers them</small>"
            )
        text += (
            note
            + f'<ul style="margin-left:-20px">{items}</ul>'
            + (f"<small>and {more} more</small>" if more > 0 else "")
        )
        return text, "\n".join(violations)
    if in_flight:
        what = "Saga in flight" if in_flight == 1 else f"{in_flight} sagas in flight"
        text = (
            f'<b style="color:{colour("blue")}; font-size:large">◌ {what}</b>'
            "<br><small>every saga that ended adds up; judged again when "
            + ("it ends" if in_flight == 1 else "they end")
            + "</small>"
        )
        return text + note, "Sagas still running are not judged half-way."
    text = (
        f'<b style="color:{colour("green")}; font-size:large">✔ Consistent</b>'
        f"<br><small>{what} add up</small>"
    )
    ends = "its booking" if what == "seats, points and money" else "how it ended"
    return text + note, f"Every saga's {what} match {ends}."
