"""The world panel of a saga file: each service's stock, balances or records, and the verdict.

It takes the same calls as :class:`~saga_desktop.gui.world_panel.WorldPanel`
(snapshots from the worker, a baseline, another moment to show), so the
window drives either the same way; the snapshots are ``ServiceSnapshot``
dicts, with the dead letters.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from saga_desktop.gui._qt import named
from saga_desktop.gui._snapshot_panel import SnapshotPanel, change_text
from saga_desktop.gui.world_panel import consistency

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec

__all__ = ["ServicesPanel", "service_lines"]


def _change(now: float, then: float | None, money: bool = False) -> str:
    change = change_text(now, then, money)
    return f" <small>({change})</small>" if change else ""


def _by(entries: object, key: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(entries, list):
        return {}
    return {str(entry.get(key)): entry for entry in entries if isinstance(entry, Mapping)}


def service_lines(service: Mapping[str, Any], before: Mapping[str, Any] | None) -> list[str]:
    """One service's figures as lines of rich text, each with its change since ``before``."""
    was = before or {}
    lines = []
    old = _by(was.get("items"), "item")
    for item in service.get("items", []):
        then = old.get(str(item["item"]), {}).get("left")
        lines.append(
            f"{html.escape(str(item['item']))}: <b>{item['left']}</b> of {item['initial']} left"
            + _change(item["left"], then)
        )
    old = _by(was.get("accounts"), "account")
    for account in service.get("accounts", []):
        then = old.get(str(account["account"]), {}).get("balance")
        lines.append(
            f"{html.escape(str(account['account']))}: <b>{account['balance']:,.2f}</b>"
            + _change(account["balance"], then, money=True)
        )
    old = _by(was.get("kinds"), "kind")
    for kind in service.get("kinds", []):
        then = old.get(str(kind["kind"]), {}).get("created")
        lines.append(
            f"{html.escape(str(kind['kind']))}: <b>{kind['created'] - kind['cancelled']}</b> "
            f"kept, {kind['cancelled']} cancelled" + _change(kind["created"], then)
        )
    if service.get("keeps") == "records" and not service.get("kinds"):
        lines.append("no records yet")
    return lines


class ServicesPanel(SnapshotPanel):
    """Shows a saga file's services as their snapshots say (the panel reads no database).

    Parameters
    ----------
    spec
        The saga: one block per service, in file order, from the start.
    """

    def __init__(self, spec: SagaSpec, parent: QWidget | None = None) -> None:
        super().__init__(
            "Each service's stock, balances and records, and whether they add up", parent
        )
        title = self.title
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        #: One label per service, by name (``worldService_<name>``).
        self.services: dict[str, QLabel] = {}
        for name, service in spec.services.items():
            label = named(
                QLabel(f"<b>{html.escape(service.title)}</b><br>–"), f"worldService_{name}"
            )
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setAccessibleName(service.title)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)
            self.services[name] = label
        self.dead_letters = named(QLabel("Dead letters: –"), "worldDeadLetters")
        self.consistency = named(QLabel(), "worldConsistency")
        self.consistency.setWordWrap(True)
        self.consistency.setAccessibleName("Consistency of the world")
        self.consistency.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.dead_letters)
        layout.addSpacing(8)
        layout.addWidget(self.consistency)
        layout.addStretch(1)

    # -- feeding (as WorldPanel) --------------------------------------------------

    def set_focus(self, *_: object) -> None:
        """Every service is shown: there is nothing to focus on."""

    def _render(self) -> None:
        state, baseline = self._shown()
        if state is None or "services" not in state:
            return
        before = _by((baseline or {}).get("services"), "name")
        for service in state["services"]:
            label = self.services.get(str(service.get("name")))
            if label is None:
                continue
            lines = service_lines(service, before.get(str(service.get("name"))))
            label.setText(f"<b>{html.escape(str(service['title']))}</b><br>" + "<br>".join(lines))
        letters = state.get("dead_letters", [])
        self.dead_letters.setText(
            f"Dead letters: {len(letters)} open" if letters else "Dead letters: none"
        )

        text, tip = consistency(state, self._in_flight(), self._colour, "stock, money and records")
        self.consistency.setText(text)
        self.consistency.setToolTip(tip)
