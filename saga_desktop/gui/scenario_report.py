"""The dialog that shows "Run all scenarios"'s report: one row per scenario, pass or fail."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui._qt import named

__all__ = ["scenario_report_dialog"]


def scenario_report_dialog(parent: QWidget, report: Mapping[str, Any], path: str) -> QDialog:
    """A (not yet shown) dialog with the report's table and where it was written."""
    dialog = QDialog(parent)
    dialog.setObjectName("scenarioReportDialog")
    dialog.setWindowTitle("Scenario report")
    results = report["results"]
    table = named(QTableWidget(len(results), 4), "scenarioReportTable", "Scenario results")
    table.setHorizontalHeaderLabels(["Scenario", "Result", "Compensations", "Problems"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    for row, entry in enumerate(results):
        cells = [
            entry["title"],
            "✔ PASS" if entry["passed"] else "✖ FAIL",
            " → ".join(entry["compensations"]) or "none",
            "; ".join(entry["problems"]) or "",
        ]
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    verdict = QLabel(
        f"<b>{report['passed']} of {report['total']} scenarios passed.</b> "
        f"Report written to {html.escape(path)}"
    )
    verdict.setWordWrap(True)
    close = QPushButton("Close")
    close.clicked.connect(dialog.accept)
    layout = QVBoxLayout(dialog)
    layout.addWidget(verdict)
    layout.addWidget(table)
    layout.addWidget(close)
    dialog.resize(980, 320)
    return dialog
