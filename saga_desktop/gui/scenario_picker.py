"""The scenario picker's behaviour: presets and seeded random plans set the switches.

The picker names what the switches are: a preset's title, "Random failures
(seed)", or "Custom (your switches)". A switch changed by hand afterwards makes
the switches differ from what the picker names, so it goes back to Custom
(it said "Test 4: Payment Failure" with the payment switch off).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QComboBox, QSpinBox

from saga_desktop import booking
from saga_desktop.gui.moment import Banner

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec

__all__ = ["CUSTOM", "ScenarioPicker"]

#: The picker's first entry, and the scenario of switches set by hand.
CUSTOM = "Custom (your switches)"
# The picker's entry for random failures drawn from the seed.
_RANDOM = "__random__"


def _same(specs: Mapping[str, str], others: Mapping[str, str], keys: Sequence[str]) -> bool:
    try:
        return booking.parse_plan(specs, keys) == booking.parse_plan(others, keys)
    except booking.BookingError:
        return False


class ScenarioPicker(QObject):
    """Keeps the picker, the seed and the switches in step.

    Parameters
    ----------
    picker, seed
        The tool bar's combo box and seed field.
    specs
        Reads the switches (``{step key: kind spec}``).
    apply
        Sets the switches.
    saga
        A saga file's saga: its generated scenarios are the presets (the
        flight booking's lessons when None).
    """

    #: The picker set the switches: what the banner says about them.
    chosen = Signal(object)
    #: A preset was picked (a :class:`~saga_desktop.booking.Preset`): some set request
    #: fields too (see ``BookingForm.take_preset``).
    preset_picked = Signal(object)

    def __init__(
        self,
        picker: QComboBox,
        seed: QSpinBox,
        specs: Callable[[], dict[str, str]],
        apply: Callable[[dict[str, str]], None],
        saga: SagaSpec | None = None,
    ) -> None:
        super().__init__(picker)
        self._saga = saga
        self._keys = booking.STEP_KEYS if saga is None else saga.step_keys
        self._picker = picker
        self._seed = seed
        self._specs = specs
        self._apply = apply
        self._applying = False
        picker.addItem(CUSTOM, "")
        picker.currentIndexChanged.connect(self._on_picker_current_index_changed)
        seed.valueChanged.connect(self._on_seed_value_changed)

    def add_presets(self) -> None:
        """Add the presets and the random entry (once; after the window's first paint)."""
        if self._picker.count() > 1:
            return
        for name, title, _, _ in self._entries():
            self._picker.addItem(title, name)
        self._picker.addItem("Random failures (seed)", _RANDOM)

    def _entries(self) -> list[tuple[str, str, str, dict[str, str]]]:
        """(name, title, explanation, plan) of each preset."""
        if self._saga is None:
            return [
                (entry.name, entry.title, entry.explanation, dict(entry.faults))
                for entry in booking.PRESETS
            ]
        return [
            (
                scenario.name,
                scenario.title,
                scenario.description,
                {key: str(fault) for key, fault in scenario.faults.items()},
            )
            for scenario in booking.generated_scenarios(self._saga)
        ]

    def _random(self) -> dict[str, str]:
        return booking.random_fault_plan(self._seed.value(), keys=self._keys)

    def title(self) -> str:
        """What the switches are: the picked preset's title, the random plan's seed, or Custom."""
        if self._picker.currentData() == _RANDOM:
            return f"Random failures, seed {self._seed.value()}"
        return self._picker.currentText() or CUSTOM

    def _named_plan(self) -> dict[str, str] | None:
        name = self._picker.currentData()
        if not name:
            return None
        if name == _RANDOM:
            return self._random()
        return next(plan for entry, _, _, plan in self._entries() if entry == name)

    def switches_changed(self) -> None:
        """The switches changed: back to Custom when they are not what the picker names."""
        if self._applying:
            return
        plan = self._named_plan()
        if plan is None or _same(plan, self._specs(), self._keys):
            return
        self._picker.blockSignals(True)
        try:
            self._picker.setCurrentIndex(0)
        finally:
            self._picker.blockSignals(False)
        described = booking.describe_plan(self._specs()) if self._specs() else "no failures"
        self.chosen.emit(
            Banner("idle", f"<b>{CUSTOM}</b>: {html.escape(described)}. Press <b>Run</b>.")
        )

    def _set(self, plan: dict[str, str], banner: Banner) -> None:
        self._applying = True
        try:
            self._apply(plan)
        finally:
            self._applying = False
        self.chosen.emit(banner)

    @Slot(int)
    def _on_picker_current_index_changed(self, index: int) -> None:
        name = self._picker.itemData(index)
        if not name:
            return
        if name == _RANDOM:
            self._apply_random()
            return
        _, title, explanation, plan = next(e for e in self._entries() if e[0] == name)
        if self._saga is None:
            # Some of the lessons set request fields too (see BookingForm.take_preset).
            self.preset_picked.emit(booking.preset(name))
        self._set(
            plan,
            Banner("idle", f"<b>{html.escape(title)}</b><br>{html.escape(explanation)}"),
        )

    def _apply_random(self) -> None:
        seed = self._seed.value()
        plan = self._random()
        described = html.escape(booking.describe_plan(plan))
        self._set(
            plan,
            Banner(
                "idle",
                f"<b>Random failures, seed {seed}</b>: {described}.<br>"
                "Type the same seed again to reproduce exactly this plan.",
            ),
        )

    @Slot(int)
    def _on_seed_value_changed(self, value: int) -> None:
        if self._picker.currentData() == _RANDOM:
            self._apply_random()
