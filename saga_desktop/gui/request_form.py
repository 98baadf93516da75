"""The request form of a saga file: one editor per field of its ``[request]``.

It takes the same calls as :class:`~saga_desktop.gui.booking_form.BookingForm`
(the request, an error beside a field, a preset), so the window drives either
the same way. A number field gets a number editor, text a line, a flag a box;
the worker checks the request (``ServiceWorld.validate``), not the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui._qt import named

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec

__all__ = ["RequestForm"]

# The range a number field's editor takes (the worker refuses beyond a billion).
_LIMIT = 1_000_000_000
_MAX_TEXT = 200

_Editor = QSpinBox | QDoubleSpinBox | QLineEdit | QCheckBox


def _editor(field: str, default: object) -> _Editor:
    editor: _Editor
    if isinstance(default, bool):
        editor = QCheckBox()
        editor.setChecked(default)
    elif isinstance(default, int):
        editor = QSpinBox()
        editor.setRange(-_LIMIT, _LIMIT)
        editor.setValue(default)
    elif isinstance(default, float):
        editor = QDoubleSpinBox()
        editor.setRange(-_LIMIT, _LIMIT)
        editor.setDecimals(2)
        editor.setValue(default)
    else:
        editor = QLineEdit(str(default))
        editor.setMaxLength(_MAX_TEXT)
    return named(editor, f"requestField_{field}", field.replace("_", " "))


class RequestForm(QWidget):
    """The saga's request, field by field, with an error label beside each.

    Parameters
    ----------
    spec
        The saga whose ``[request]`` the form edits (its defaults fill it).
    """

    #: As BookingForm's; a saga's world panel shows every service, so it is never emitted.
    focus_changed = Signal(int, int)

    def __init__(self, spec: SagaSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("requestForm")
        self.setAccessibleName(f"{spec.title} request")
        self._defaults = dict(spec.request)
        self.editors: dict[str, _Editor] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        for field, default in self._defaults.items():
            editor = self.editors[field] = _editor(field, default)
            error = self.errors[field] = named(QLabel(), f"requestError_{field}")
            error.setWordWrap(True)
            error.hide()
            row = QVBoxLayout()
            row.addWidget(editor)
            row.addWidget(error)
            form.addRow(field.replace("_", " ").capitalize(), row)
            self._on_change(editor)
        if not self._defaults:
            layout.addWidget(QLabel("This saga's request has no fields."))
        self.general_error = named(QLabel(), "requestError")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        layout.addWidget(self.general_error)
        layout.addStretch(1)

    def _on_change(self, editor: _Editor) -> None:
        if isinstance(editor, QCheckBox):
            editor.toggled.connect(self.clear_errors)
        elif isinstance(editor, QLineEdit):
            editor.textChanged.connect(self.clear_errors)
        else:
            editor.valueChanged.connect(self.clear_errors)

    def booking(self) -> dict[str, Any]:
        """The request: each field's value, of its default's type."""
        values: dict[str, Any] = {}
        for field, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[field] = editor.isChecked()
            elif isinstance(editor, QLineEdit):
                values[field] = editor.text()
            elif isinstance(editor, QDoubleSpinBox):
                values[field] = round(editor.value(), 2)
            else:
                values[field] = editor.value()
        return values

    def set_booking(self, request: Mapping[str, Any]) -> list[str]:
        """Fill the form from request data; return the fields it could not take."""
        dropped = []
        for field, value in request.items():
            editor = self.editors.get(field)
            if editor is None:
                dropped.append(field)
            elif isinstance(editor, QCheckBox) and isinstance(value, bool):
                editor.setChecked(value)
            elif isinstance(editor, QLineEdit) and isinstance(value, str):
                editor.setText(value[:_MAX_TEXT])
            elif (
                isinstance(editor, QSpinBox | QDoubleSpinBox)
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and abs(value) <= _LIMIT
            ):
                if isinstance(editor, QSpinBox):
                    editor.setValue(int(value))
                else:
                    editor.setValue(float(value))
            else:
                dropped.append(field)
        return dropped

    @Slot(object)
    def take_preset(self, preset: object) -> None:
        """A saga file's scenarios set no request fields."""

    def show_error(self, field: str, message: str) -> None:
        """Show ``message`` beside ``field`` (or under the form for a general error)."""
        label = self.errors.get(field, self.general_error)
        label.setText(message)
        label.setToolTip(message)
        label.show()

    def error_text(self, field: str) -> str:
        """The error shown beside ``field`` ("" when none)."""
        label = self.errors.get(field, self.general_error)
        return label.text() if not label.isHidden() else ""

    @Slot()
    def clear_errors(self) -> None:
        """Hide every error."""
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.hide()
