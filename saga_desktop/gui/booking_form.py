"""The booking form: the guide's request data, with errors shown beside their field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    MAX_NAME_LENGTH,
    MAX_PASSENGERS,
    PAYMENT_METHODS,
)
from saga_desktop.gui import theme
from saga_desktop.gui._qt import named

if TYPE_CHECKING:
    from saga_desktop.booking import Preset

__all__ = ["FIELDS", "BookingForm", "parse_passengers"]

#: The request fields the form edits, each with an error label beside it.
FIELDS = (
    "flight_id",
    "user_id",
    "passengers",
    "total_fare",
    "loyalty_points_to_use",
    "payment_method",
)


def parse_passengers(text: str) -> list[dict[str, str]]:
    """``"John Doe; Jane Smith"`` → the guide's passenger objects.

    A name with one word gets an empty last name, so that the same validation
    as the command line's reports it ("passenger 1 has no last name").
    """
    passengers = []
    for chunk in text.replace(",", ";").split(";"):
        words = chunk.split()
        if not words:
            continue
        passengers.append({"first_name": words[0], "last_name": " ".join(words[1:])})
    return passengers


def _number(value: object, low: float, high: float, *, whole: bool) -> float | None:
    """``value`` when it is a number (a whole one if ``whole``) within [low, high], else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if whole and not isinstance(value, int):
        return None
    # The range first: math.isfinite() of an int beyond a float's range raises.
    return value if low <= value <= high and math.isfinite(value) else None


def _passenger_text(passengers: object) -> str | None:
    """The passengers field's text for the guide's passenger objects, or None if unusable."""
    if not isinstance(passengers, list) or len(passengers) > MAX_PASSENGERS:
        return None
    names = []
    for passenger in passengers:
        if not isinstance(passenger, dict):
            return None
        parts = [passenger.get("first_name", ""), passenger.get("last_name", "")]
        if not all(isinstance(p, str) and len(p) <= MAX_NAME_LENGTH for p in parts):
            return None
        names.append(" ".join(parts).strip())
    return "; ".join(names)


#: Each field's caption in the form.
_CAPTIONS = {
    "flight_id": "Flight",
    "user_id": "User",
    "passengers": "Passengers",
    "total_fare": "Fare",
    "loyalty_points_to_use": "Points to use",
    "payment_method": "Payment",
}


class BookingForm(QGroupBox):
    """Edits a booking request; the worker validates it as the CLI does."""

    #: The flight or the user changed: (flight id, user id).
    focus_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Booking", parent)
        self.setObjectName("bookingForm")
        self.setAccessibleName("Booking request")
        editors = self._build_editors(DEFAULT_BOOKING)
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for field in FIELDS:
            self.errors[field] = self._add_row(form, field, editors[field])
        # An error about the whole request (not one field) goes under the form.
        self.general_error = named(QLabel(), "bookingError_general")
        theme.tint_text(self.general_error, "vermillion")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)

        self.flight.valueChanged.connect(self._on_focus_edited)
        self.user.valueChanged.connect(self._on_focus_edited)
        for editor in editors.values():
            signal = getattr(editor, "valueChanged", None) or getattr(editor, "textChanged", None)
            if signal is None:
                signal = editor.currentTextChanged  # type: ignore[attr-defined]
            signal.connect(self.clear_errors)

    def _build_editors(self, booking: Mapping[str, Any]) -> dict[str, QWidget]:
        """One editor per field of the request, holding ``booking``'s values."""
        self.flight = named(QSpinBox(minimum=1, maximum=999_999), "bookingFlight")
        self.flight.setValue(int(booking["flight_id"]))
        self.flight.setToolTip("Flight id (default flights: 123, 456, 789)")
        self.user = named(QSpinBox(minimum=1, maximum=999_999), "bookingUser")
        self.user.setValue(int(booking["user_id"]))
        self.user.setToolTip("User id (default users: 1, 2, 3)")
        first = booking["passengers"][0]
        self.passengers = named(
            QLineEdit(f"{first['first_name']} {first['last_name']}"), "bookingPassengers"
        )
        self.passengers.setToolTip("Passengers as 'First Last', separated by ';'")
        self.fare = named(QDoubleSpinBox(minimum=0.0, maximum=1_000_000.0), "bookingFare")
        self.fare.setDecimals(2)
        self.fare.setValue(float(booking["total_fare"]))
        self.fare.setToolTip("Total fare (must be more than 0)")
        self.points = named(QSpinBox(minimum=0, maximum=10_000_000), "bookingPoints")
        self.points.setSingleStep(100)
        self.points.setValue(int(booking["loyalty_points_to_use"]))
        self.points.setToolTip("Loyalty points to use (100 points = 1.00 off)")
        self.method = named(QComboBox(), "bookingPaymentMethod")
        self.method.addItems(PAYMENT_METHODS)
        self.method.setToolTip("Payment method")
        return {
            "flight_id": self.flight,
            "user_id": self.user,
            "passengers": self.passengers,
            "total_fare": self.fare,
            "loyalty_points_to_use": self.points,
            "payment_method": self.method,
        }

    @staticmethod
    def _add_row(form: QFormLayout, field: str, editor: QWidget) -> QLabel:
        """The field's row: its caption, its editor and the room for its error."""
        caption = _CAPTIONS[field]
        editor.setAccessibleName(caption)
        error = named(QLabel(), f"bookingError_{field}")
        theme.tint_text(error, "vermillion")
        error.setWordWrap(True)
        error.setAccessibleName(f"{caption} error")
        error.hide()
        # Beside its field, not under it: an error that appears moves no field
        # (a field that moved under the pointer was clicked by mistake).
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(editor)
        row.addWidget(error, 1)
        error.setMinimumWidth(220)
        # Two lines of room from the start: a message that wraps grows no row.
        error.setMinimumHeight(2 * error.fontMetrics().lineSpacing())
        policy = error.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # its room is kept: nothing moves
        error.setSizePolicy(policy)
        form.addRow(caption, row)
        return error

    def booking(self) -> dict[str, Any]:
        """The request as the guide's request data."""
        return {
            "flight_id": self.flight.value(),
            "user_id": self.user.value(),
            "total_fare": round(self.fare.value(), 2),
            "loyalty_points_to_use": self.points.value(),
            "payment_method": self.method.currentText(),
            "passengers": parse_passengers(self.passengers.text()),
        }

    def set_booking(self, booking: Mapping[str, Any]) -> list[str]:
        """Fill the form from request data (for example the last booking used).

        A field the form cannot take (of the wrong type, out of its editor's
        range) is left as it was.

        Returns
        -------
        list of str
            The fields left as they were.
        """
        dropped = []
        for field, box in (
            ("flight_id", self.flight),
            ("user_id", self.user),
            ("loyalty_points_to_use", self.points),
        ):
            value = _number(booking.get(field), box.minimum(), box.maximum(), whole=True)
            if value is not None:
                box.setValue(int(value))
            elif field in booking:
                dropped.append(field)
        fare = _number(
            booking.get("total_fare"), self.fare.minimum(), self.fare.maximum(), whole=False
        )
        if fare is not None:
            self.fare.setValue(fare)
        elif "total_fare" in booking:
            dropped.append("total_fare")
        method = booking.get("payment_method")
        if method in PAYMENT_METHODS:
            self.method.setCurrentText(str(method))
        elif "payment_method" in booking:
            dropped.append("payment_method")
        text = _passenger_text(booking.get("passengers"))
        if text is not None:
            self.passengers.setText(text)
        elif "passengers" in booking:
            dropped.append("passengers")
        return dropped

    @Slot(object)
    def take_preset(self, preset: Preset) -> None:
        """Set the request fields a lesson preset sets (and put back those others set)."""
        self.set_booking(preset.request_data(self.booking()))

    def show_error(self, field: str, message: str) -> None:
        """Show ``message`` beside ``field`` (or under the form for a general error)."""
        label = self.errors.get(field, self.general_error)
        label.setText(message)
        label.setToolTip(message)
        label.show()

    def error_text(self, field: str) -> str:
        """The error shown beside ``field`` ("" when none)."""
        label = self.errors.get(field, self.general_error)
        return label.text() if label.isVisible() or not label.isHidden() else ""

    @Slot()
    def clear_errors(self) -> None:
        """Hide every error."""
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.hide()

    @Slot()
    def _on_focus_edited(self) -> None:
        self.focus_changed.emit(self.flight.value(), self.user.value())
