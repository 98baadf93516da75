"""The saga pipeline: one card per step, arrows between them, a compensation lane under them.

The view knows nothing of flights or of the engine: the window builds a ``StepInfo``
per step of the saga definition and reports statuses as the run goes. Everything
animated here (the pulse of the executing card, the travelling token) is view-only,
and ``set_animation_duration(0)`` turns all of it off for tests.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    Property,
    QEvent,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui.theme import is_dark, mix, on_fill, readable

if TYPE_CHECKING:
    from PySide6.QtCore import QPropertyAnimation

__all__ = [
    "COMPENSATION_STATUSES",
    "FAULT_CHOICES",
    "FORWARD_STATUSES",
    "STATUSES",
    "PipelineView",
    "StepCard",
    "StepInfo",
]

#: The six step statuses, as the guide spells them.
STATUSES: tuple[str, ...] = (
    "PENDING",
    "EXECUTING",
    "COMPLETED",
    "FAILED",
    "COMPENSATING",
    "COMPENSATED",
)
#: Statuses shown on the forward lane (above the cards) and on the compensation lane.
FORWARD_STATUSES = frozenset({"EXECUTING", "COMPLETED", "FAILED"})
COMPENSATION_STATUSES = frozenset({"COMPENSATING", "COMPENSATED"})

#: The fault kinds a card offers: (label, spec as ``booking.parse_kind`` reads it, tooltip).
FAULT_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("fail", "fail", "The participant rejects the step; nothing happens."),
    ("transient ×1", "transient:1", "Fails once, then succeeds on the retry."),
    ("transient ×2", "transient:2", "Fails twice, then succeeds on the third attempt."),
    (
        "transient ×5 (gives up)",
        "transient:5",
        "Fails more times than the retry policy allows: the saga gives up and compensates.",
    ),
    (
        "timeout",
        "timeout",
        "The effect is applied but the reply comes too late, so the step is compensated too.",
    ),
    ("compensation fails ×1", "compensation_fail:1", "The undo fails once, then succeeds."),
    ("compensation fails ×2", "compensation_fail:2", "The undo fails twice, then succeeds."),
    (
        "compensation fails for ever",
        "compensation_fail:forever",
        "The undo never succeeds: the step ends in the dead-letter queue.",
    ),
    (
        "crash after step",
        "crash",
        "The orchestrator dies right after this step; recovery finishes the saga.",
    ),
)

_COUNTED_KINDS = {"transient": "transient", "compensation_fail": "compensation fails"}


@dataclasses.dataclass(frozen=True)
class StepInfo:
    """What a card shows about one step; the window builds it from the saga definition."""

    name: str
    title: str
    description: str
    compensation: str
    shortcut: str = ""


@dataclasses.dataclass(frozen=True)
class _Look:
    """How one status looks: symbol and word (never colour alone), accent, border."""

    symbol: str
    label: str
    accent: str
    border: float
    dashes: tuple[float, ...] = ()


# Okabe–Ito colours, which stay distinct for the common colour-vision deficiencies;
# the border style and the symbol tell the statuses apart even in greyscale.
_LOOKS: dict[str, _Look] = {
    "PENDING": _Look("○", "Pending", "#999999", 1.2),
    "EXECUTING": _Look("▶", "Executing", "#0072B2", 2.6),
    "COMPLETED": _Look("✔", "Completed", "#009E73", 2.2),
    "FAILED": _Look("✖", "Failed", "#D55E00", 3.2),
    "COMPENSATING": _Look("↺", "Compensating", "#E69F00", 2.6, (4.0, 2.5)),
    "COMPENSATED": _Look("⟲", "Compensated", "#CC79A7", 2.2, (1.0, 2.0)),
}
_FORWARD_TOKEN = "#0072B2"
_COMPENSATION_ACCENT = "#E69F00"
_FAULT_ACCENT = "#D55E00"

_DEFAULT_DURATION_MS = 350
_PULSE_PERIOD_MS = 1300
#: Cards narrower than this (at presenter scale 1) drop their secondary lines.
_COMPACT_BELOW = 190


def _card_background(palette: QPalette) -> QColor:
    if is_dark(palette):
        return palette.color(QPalette.ColorRole.Window).lighter(125)
    return palette.color(QPalette.ColorRole.Base)


def _card_fill(palette: QPalette, status: str) -> QColor:
    """A card's background as painted: its field, tinted with the status's accent."""
    background = _card_background(palette)
    if status == "PENDING":
        return background
    return mix(background, QColor(_LOOKS[status].accent), 0.16 if is_dark(palette) else 0.09)


def _with_alpha(color: QColor, alpha: float) -> QColor:
    result = QColor(color)
    result.setAlphaF(max(0.0, min(1.0, alpha)))
    return result


def _scaled(base: QFont, factor: float, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont(base)
    if base.pointSizeF() > 0:
        font.setPointSizeF(base.pointSizeF() * factor)
    else:
        font.setPixelSize(max(1, round(base.pixelSize() * factor)))
    font.setBold(bold)
    font.setItalic(italic)
    return font


def _fault_label(spec: str) -> str:
    """The combo label of a spec that is not one of the preset choices."""
    kind, _, count = spec.partition(":")
    if kind in _COUNTED_KINDS and (count.isdigit() or count == "forever"):
        return f"{_COUNTED_KINDS[kind]} {'for ever' if count == 'forever' else f'×{count}'}"
    raise ValueError(
        f"unknown fault {spec!r}: expected one of "
        + ", ".join(choice[1] for choice in FAULT_CHOICES)
        + ", transient:N or compensation_fail:N"
    )


class _StatusChip(QWidget):
    """A pill with the status symbol and word on a solid accent fill."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._look = _LOOKS["PENDING"]
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_look(self, look: _Look) -> None:
        self._look = look
        self.update()

    def text(self) -> str:
        return f"{self._look.symbol}  {self._look.label}"

    def _padding(self) -> float:
        return QFontMetricsF(self.font()).height() * 0.6

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        # Sized for the longest word, so nothing moves as the status changes.
        widest = max(
            metrics.horizontalAdvance(f"{look.symbol}  {look.label}") for look in _LOOKS.values()
        )
        return QSize(math.ceil(widest + 2 * self._padding()), math.ceil(metrics.height() * 1.5))

    def minimumSizeHint(self) -> QSize:
        # A narrow card keeps the symbol and elides the word.
        metrics = QFontMetricsF(self.font())
        return QSize(
            math.ceil(metrics.horizontalAdvance("▶ …") + 2 * self._padding()),
            math.ceil(metrics.height() * 1.5),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        radius = rect.height() / 2
        padding = self._padding()
        accent = QColor(self._look.accent)
        metrics = QFontMetricsF(self.font())
        text = metrics.elidedText(
            self.text(), Qt.TextElideMode.ElideRight, rect.width() - 2 * padding
        )
        if self._look is _LOOKS["PENDING"]:
            # Pending is an outline: nothing has happened yet.
            ink = self.palette().color(QPalette.ColorRole.WindowText)
            painter.setPen(QPen(_with_alpha(ink, 0.45), 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            ink = _with_alpha(ink, 0.8)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(accent)
            ink = on_fill(accent)
        width = min(rect.width(), metrics.horizontalAdvance(text) + 2 * padding)
        pill = QRectF(rect.left(), rect.top(), width, rect.height())
        painter.drawRoundedRect(pill, radius, radius)
        painter.setPen(ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


class _NumberBadge(QWidget):
    """The step number in a disc of the status colour."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._number = number
        self._look = _LOOKS["PENDING"]
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_look(self, look: _Look) -> None:
        self._look = look
        self.update()

    def sizeHint(self) -> QSize:
        side = math.ceil(QFontMetricsF(self.font()).height() * 1.45)
        return QSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self._look is _LOOKS["PENDING"]:
            fill = _with_alpha(self.palette().color(QPalette.ColorRole.WindowText), 0.14)
            ink = self.palette().color(QPalette.ColorRole.WindowText)
        else:
            fill = QColor(self._look.accent)
            ink = on_fill(fill)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawEllipse(rect)
        painter.setPen(ink)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(self._number))


class _ElidedLabel(QLabel):
    """One line of text that elides instead of widening its card."""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(0, super().sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )
        painter.drawText(self.contentsRect(), int(self.alignment()), text)


class StepCard(QFrame):
    """One step of the saga: what it does, how it is undone, its status and its fault switch."""

    status_changed = Signal(str)
    fault_spec_changed = Signal()

    def __init__(self, info: StepInfo, number: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = info
        self._number = number
        self._status = "PENDING"
        self._pulse = 0.0
        self._duration = _DEFAULT_DURATION_MS
        self._controls_enabled = True
        self._attempt_text = ""
        self._last_spec: str | None = None
        key = info.name.lower()
        self.setObjectName(f"stepNode_{info.name}")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._compact = False
        self._base_font = QFont(self.font())
        self._factor = 1.0
        # The fonts last set, as (base font's key, factor, compact): setting the same
        # again restyles every label for nothing (three times per card at start-up).
        self._fonts_set: tuple[str, float, bool] | None = None

        self._badge = _NumberBadge(number, self)
        self._title = QLabel(info.title, self)
        self._title.setObjectName(f"stepTitle_{key}")
        self._title.setWordWrap(True)
        self._armed = QLabel("⚡", self)
        self._armed.setObjectName(f"faultArmed_{key}")
        self._armed.setVisible(False)
        self._breakpoint = QLabel("⏸", self)
        self._breakpoint.setObjectName(f"breakpoint_{key}")
        self._breakpoint.setVisible(False)
        self._breakpoints = (False, False)
        self._fault_style = ""
        self._name = _ElidedLabel(info.name, self)
        self._name.setObjectName(f"stepName_{key}")
        self._name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._description = QLabel(info.description, self)
        self._description.setObjectName(f"stepDescription_{key}")
        self._description.setWordWrap(True)
        self._compensation = QLabel(f"↩ {info.compensation}", self)
        self._compensation.setObjectName(f"stepCompensation_{key}")
        self._compensation.setWordWrap(True)
        self._compensation.setToolTip(f"Compensation (COMPENSATE_{info.name}): {info.compensation}")
        self._chip = _StatusChip(self)
        self._chip.setObjectName(f"stepStatus_{key}")
        self._attempt = QLabel(self)
        self._attempt.setObjectName(f"stepAttempt_{key}")
        self._attempt.setVisible(False)
        self._note = QLabel(self)
        self._note.setObjectName(f"stepNote_{key}")
        self._note.setWordWrap(True)

        self._fail = QCheckBox("Fail", self)
        self._fail.setObjectName(f"failToggle_{key}")
        shortcut = f" ({info.shortcut})" if info.shortcut else ""
        self._fail.setToolTip(
            f"Inject a failure into step {number}, {info.title}, on the next run{shortcut}"
        )
        self._fail.setAccessibleName(f"Fail step {number} {info.title}{shortcut}")
        self._kind = QComboBox(self)
        self._kind.setObjectName(f"faultKind_{key}")
        self._kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._kind.setMinimumContentsLength(6)
        self._kind.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._kind.setToolTip(f"What goes wrong in {info.title} when its fail switch is on")
        self._kind.setAccessibleName(f"Fault kind for step {number} {info.title}")
        for label, spec, tip in FAULT_CHOICES:
            self._add_choice(label, spec, tip)
        self._kind.setEnabled(False)

        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self._badge, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self._title, 1)
        header.addWidget(self._breakpoint, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self._armed, 0, Qt.AlignmentFlag.AlignTop)
        details = QHBoxLayout()
        details.setSpacing(6)
        details.addWidget(self._attempt, 0, Qt.AlignmentFlag.AlignTop)
        details.addWidget(self._note, 1)
        self._controls = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._controls.setSpacing(6)
        self._controls.addWidget(self._fail)
        self._controls.addWidget(self._kind, 1)
        layout = self._layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self._name)
        layout.addSpacing(2)
        layout.addWidget(self._description)
        layout.addWidget(self._compensation)
        # The stretch sits above the status, so chips and switches line up across cards.
        layout.addStretch(1)
        layout.addSpacing(4)
        layout.addWidget(self._chip)
        layout.addLayout(details)
        layout.addLayout(self._controls)

        # Made when the card first executes: no animation is needed before the first
        # paint, and leaving them (and their classes) out shortens the window's start.
        self._pulse_animation: QPropertyAnimation | None = None

        self._fail.toggled.connect(self._on_fail_toggled)
        self._kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.apply_fonts(self.font(), 1.0)
        self._refresh()

    # -- Qt properties ---------------------------------------------------------------

    def _get_status(self) -> str:
        return self._status

    def _set_status(self, status: str) -> None:
        self.set_status(status)

    status = Property(str, _get_status, _set_status, notify=status_changed)

    def _get_pulse(self) -> float:
        return self._pulse

    def _set_pulse(self, value: float) -> None:
        self._pulse = float(value)
        self.update()

    pulse = Property(float, _get_pulse, _set_pulse)

    # -- public API ------------------------------------------------------------------

    def info(self) -> StepInfo:
        return self._info

    def number(self) -> int:
        return self._number

    @Slot(str)
    def set_status(self, status: str) -> None:
        if status not in _LOOKS:
            raise ValueError(f"unknown status {status!r}: expected one of {', '.join(STATUSES)}")
        if status == self._status:
            return
        self._status = status
        # The card paints its own look; no style sheet keys on the status, so no
        # re-polish (it cost a full restyle per status change in fast runs).
        self._refresh()
        self.status_changed.emit(status)

    @Slot(int, int)
    def set_attempt(self, attempt: int, max_attempts: int) -> None:
        self._attempt_text = f"attempt {attempt}/{max_attempts}" if max_attempts > 1 else ""
        self._attempt.setText(self._attempt_text)
        self._attempt.setVisible(bool(self._attempt_text))
        self._refresh_accessibility()

    def attempt_text(self) -> str:
        return self._attempt_text

    @Slot(str)
    def set_note(self, text: str) -> None:
        self._note.setText(text)
        self._refresh_accessibility()

    def note(self) -> str:
        return self._note.text()

    def fault_spec(self) -> str | None:
        if not self._fail.isChecked():
            return None
        spec = self._kind.currentData()
        return str(spec) if spec is not None else None

    def set_fault_spec(self, spec: str | None) -> None:
        if spec is None:
            self._fail.setChecked(False)
            return
        spec = spec.strip().lower()
        if spec in _COUNTED_KINDS:
            spec = f"{spec}:1"
        index = self._kind.findData(spec)
        if index < 0:
            self._add_choice(_fault_label(spec), spec, "")
            index = self._kind.count() - 1
        self._kind.setCurrentIndex(index)
        self._fail.setChecked(True)
        self._emit_if_spec_changed()

    @Slot(bool)
    def set_controls_enabled(self, enabled: bool) -> None:
        self._controls_enabled = enabled
        self._fail.setEnabled(enabled)
        self._kind.setEnabled(enabled and self._fail.isChecked())

    def fail_toggle(self) -> QCheckBox:
        return self._fail

    def fault_kind_combo(self) -> QComboBox:
        return self._kind

    def set_animation_duration(self, ms: int) -> None:
        self._duration = max(0, ms)
        self._update_pulse()

    def set_compact(self, compact: bool) -> None:
        """Drop the secondary lines and stack the fault controls, for narrow cards."""
        if compact == self._compact:
            return
        self._compact = compact
        self._name.setVisible(not compact)
        self._description.setVisible(not compact)
        self._controls.setDirection(
            QBoxLayout.Direction.TopToBottom if compact else QBoxLayout.Direction.LeftToRight
        )
        self.apply_fonts(self._base_font, self._factor)

    def is_compact(self) -> bool:
        return self._compact

    def apply_fonts(self, base: QFont, factor: float) -> None:
        """Set every font from ``base`` scaled by ``factor`` (presenter mode)."""
        wanted = (base.key(), factor, self._compact)
        if wanted == self._fonts_set:
            return
        self._fonts_set = wanted
        self._base_font = QFont(base)
        self._factor = factor
        self.setFont(_scaled(base, factor))
        self._title.setFont(_scaled(base, factor * (1.0 if self._compact else 1.15), bold=True))
        self._badge.setFont(_scaled(base, factor, bold=True))
        self._armed.setFont(_scaled(base, factor * 1.4, bold=True))
        self._breakpoint.setFont(_scaled(base, factor * 1.2, bold=True))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(1.0, _scaled(base, factor * 0.82).pointSizeF()))
        self._name.setFont(mono)
        self._description.setFont(_scaled(base, factor))
        self._compensation.setFont(_scaled(base, factor * 0.95, italic=True))
        self._chip.setFont(_scaled(base, factor, bold=True))
        self._attempt.setFont(_scaled(base, factor * 0.88, bold=True))
        self._note.setFont(_scaled(base, factor * 0.88, italic=True))
        self._fail.setFont(_scaled(base, factor))
        self._kind.setFont(_scaled(base, factor))
        metrics = QFontMetricsF(self._note.font())
        # Room for one detail line is kept, so cards do not jump when a note appears.
        self._note.setMinimumHeight(math.ceil(metrics.height()))
        margin = round((8 if self._compact else 12) * factor) + self._glow_margin()
        self._layout.setContentsMargins(margin + 2, margin, margin + 2, margin)
        self.setMinimumWidth(round(110 * factor))
        self._chip.updateGeometry()
        self._badge.updateGeometry()

    # -- slots -------------------------------------------------------------------------

    @Slot(bool)
    def _on_fail_toggled(self, checked: bool) -> None:
        self._kind.setEnabled(checked and self._controls_enabled)
        self._refresh_fault()
        self._emit_if_spec_changed()

    @Slot(int)
    def _on_kind_current_index_changed(self, index: int) -> None:
        self._refresh_fault()
        self._emit_if_spec_changed()

    # -- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        look = _LOOKS[self._status]
        palette = self.palette()
        dark = is_dark(palette)
        accent = QColor(look.accent)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        glow = self._glow_margin()
        rect = QRectF(self.rect()).adjusted(glow, glow, -glow, -glow)
        radius = 10.0

        # A soft drop shadow lifts the card off the window.
        for offset, alpha in ((3.0, 0.05), (1.5, 0.08)):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, round(255 * (alpha * (2.2 if dark else 1.0)))))
            painter.drawRoundedRect(rect.translated(0, offset), radius, radius)

        if self._status == "EXECUTING" and self._pulse > 0:
            for spread in (1.0, 0.55):
                grow = glow * spread * (0.5 + 0.5 * self._pulse)
                painter.setPen(
                    QPen(_with_alpha(accent, (0.4 if dark else 0.25) * self._pulse * spread), 2.0)
                )
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(
                    rect.adjusted(-grow, -grow, grow, grow), radius + grow, radius + grow
                )

        painter.setBrush(_card_fill(palette, self._status))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(rect, radius, radius)

        if self._status == "PENDING":
            border = _with_alpha(palette.color(QPalette.ColorRole.WindowText), 0.28)
        else:
            border = accent
        width = look.border + (1.2 * self._pulse if self._status == "EXECUTING" else 0.0)
        pen = QPen(border, width)
        if look.dashes:
            pen.setDashPattern(list(look.dashes))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inset = width / 2
        painter.drawRoundedRect(rect.adjusted(inset, inset, -inset, -inset), radius, radius)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh()

    # -- helpers -----------------------------------------------------------------------

    def _glow_margin(self) -> int:
        return 6

    def _add_choice(self, label: str, spec: str, tip: str) -> None:
        self._kind.addItem(label, spec)
        if tip:
            self._kind.setItemData(self._kind.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)

    def _emit_if_spec_changed(self) -> None:
        spec = self.fault_spec()
        if spec != self._last_spec:
            self._last_spec = spec
            self.fault_spec_changed.emit()

    def _refresh(self) -> None:
        look = _LOOKS[self._status]
        self._chip.set_look(look)
        self._badge.set_look(look)
        self._refresh_fault()
        self._update_pulse()
        self._refresh_accessibility()
        self.update()

    def set_breakpoints(self, before_run: bool, before_compensation: bool) -> None:
        """Mark the card: the run pauses before this step runs / is compensated."""
        self._breakpoints = (before_run, before_compensation)
        where = [
            w for w, on in zip(("runs", "is compensated"), self._breakpoints, strict=True) if on
        ]
        self._breakpoint.setVisible(bool(where))
        text = f"Breakpoint: the run pauses before this step {' and before it '.join(where)}"
        self._breakpoint.setToolTip(text if where else "")
        self._breakpoint.setAccessibleName(text if where else "")

    def breakpoints(self) -> tuple[bool, bool]:
        """(pause before it runs, pause before it is compensated)."""
        return self._breakpoints

    def _refresh_fault(self) -> None:
        armed = self._fail.isChecked()
        self._armed.setVisible(armed)
        # Against the tinted fill it is drawn on, not the plain card.
        background = _card_fill(self.palette(), self._status)
        color = readable(QColor(_FAULT_ACCENT), background)
        style = f"color: {color.name()};"
        # A style sheet change restyles the label: only when the colour really changed.
        if style != self._fault_style:
            self._fault_style = style
            self._armed.setStyleSheet(style)
        spec = self._kind.currentText()
        self._armed.setToolTip(f"A fault is injected here: {spec}" if armed else "")
        self._armed.setAccessibleName(f"Fault injected: {spec}" if armed else "")
        self.update()

    def _refresh_accessibility(self) -> None:
        look = _LOOKS[self._status]
        info = self._info
        self.setAccessibleName(f"Step {self._number} {info.title}: {look.label}")
        extra = [part for part in (self._attempt_text, self._note.text()) if part]
        self.setAccessibleDescription(
            f"{info.description}. Undo: {info.compensation}."
            + (f" {', '.join(extra)}." if extra else "")
        )
        self._chip.setAccessibleName(f"Status: {look.label}")
        self.setToolTip(
            f"{info.name} — {info.description}\n"
            f"Compensation: {info.compensation}\n"
            f"Status: {look.symbol} {look.label}" + (f" ({', '.join(extra)})" if extra else "")
        )

    def _update_pulse(self) -> None:
        animation = self._pulse_animation
        if animation is None and self._status == "EXECUTING":
            animation = self._pulse_animation = self._make_pulse_animation()
        running = animation is not None and animation.state() == animation.State.Running
        wanted = self._status == "EXECUTING" and self._duration > 0
        if wanted and not running and animation is not None:
            animation.start()
        elif not wanted:
            if running and animation is not None:
                animation.stop()
            self._set_pulse(0.0)

    def _make_pulse_animation(self) -> QPropertyAnimation:
        from PySide6.QtCore import QEasingCurve, QPropertyAnimation

        animation = QPropertyAnimation(self, b"pulse", self)
        animation.setDuration(_PULSE_PERIOD_MS)
        animation.setStartValue(0.0)
        animation.setKeyValueAt(0.5, 1.0)
        animation.setEndValue(0.0)
        animation.setEasingCurve(QEasingCurve.Type.InOutSine)
        animation.setLoopCount(-1)
        return animation


class _Token(QWidget):
    """The travelling token: a small filled disc with a soft shadow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = QColor(_FORWARD_TOKEN)
        self._radius = 8.0
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._resize()

    def set_radius(self, radius: float) -> None:
        self._radius = radius
        self._resize()

    def radius(self) -> float:
        return self._radius

    def set_color(self, color: QColor) -> None:
        self._color = QColor(color)
        self.update()

    def _resize(self) -> None:
        side = math.ceil(self._radius * 2 + 8)
        self.setFixedSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre = QPointF(self.width() / 2, self.height() / 2 - 1)
        painter.setPen(Qt.PenStyle.NoPen)
        for grow, alpha in ((3.0, 0.06), (1.8, 0.10), (0.8, 0.16)):
            painter.setBrush(QColor(0, 0, 0, round(255 * alpha)))
            painter.drawEllipse(centre + QPointF(0, 1.5), self._radius + grow, self._radius + grow)
        painter.setBrush(self._color)
        painter.setPen(QPen(QColor("white"), 2.0))
        painter.drawEllipse(centre, self._radius, self._radius)
        # A highlight makes it read as a physical marble rather than a dot.
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 90))
        painter.drawEllipse(
            centre + QPointF(-self._radius * 0.3, -self._radius * 0.3),
            self._radius * 0.35,
            self._radius * 0.35,
        )


class PipelineView(QWidget):
    """The saga drawn left to right: step cards, arrows, a token and the compensation lane."""

    fault_plan_changed = Signal()

    def __init__(self, steps: Sequence[StepInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not steps:
            raise ValueError("a pipeline needs at least one step")
        self.setObjectName("pipeline")
        self.setAccessibleName("Saga pipeline")
        self.setAccessibleDescription(
            "The saga's steps from left to right; compensations run right to left underneath."
        )
        self._steps = tuple(steps)
        self._scale = 1.0
        self._duration = _DEFAULT_DURATION_MS
        self._compensating = False
        self._token_pos = QPointF()
        self._token_at: tuple[str, str] | None = None

        self._cards: dict[str, StepCard] = {}
        self._row = QHBoxLayout()
        for number, info in enumerate(self._steps, start=1):
            card = StepCard(info, number, self)
            card.fault_spec_changed.connect(self._on_card_fault_spec_changed)
            card.status_changed.connect(self._on_card_status_changed)
            self._cards[info.name] = card
            self._row.addWidget(card, 1)
        layout = self._outer = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(self._row)
        layout.addStretch(1)

        self._token = _Token(self)
        self._token.hide()
        # Made on the token's first move (see _token_motion), after the first paint.
        self._token_animation: QPropertyAnimation | None = None
        self._apply_scale()

    # -- Qt properties ---------------------------------------------------------------

    def _get_token_pos(self) -> QPointF:
        return QPointF(self._token_pos)

    def _set_token_pos(self, pos: QPointF) -> None:
        self._token_pos = QPointF(pos)
        self._token.move(
            round(pos.x() - self._token.width() / 2), round(pos.y() - self._token.height() / 2)
        )

    token_pos = Property(QPointF, _get_token_pos, _set_token_pos)

    # -- public API ------------------------------------------------------------------

    def cards(self) -> dict[str, StepCard]:
        return dict(self._cards)

    def card(self, name: str) -> StepCard:
        try:
            return self._cards[name]
        except KeyError:
            raise KeyError(f"no step {name!r} in this pipeline: {', '.join(self._cards)}") from None

    def steps(self) -> tuple[StepInfo, ...]:
        return self._steps

    def fault_specs(self) -> dict[str, str]:
        specs: dict[str, str] = {}
        for name, card in self._cards.items():
            spec = card.fault_spec()
            if spec is not None:
                specs[name.lower()] = spec
        return specs

    def set_fault_specs(self, specs: dict[str, str]) -> None:
        """Switch on exactly the steps in ``specs`` (keys as in ``fault_specs``)."""
        keys = {name.lower(): name for name in self._cards}
        unknown = set(specs) - set(keys)
        if unknown:
            raise KeyError(f"unknown steps {sorted(unknown)}: expected some of {sorted(keys)}")
        for key, name in keys.items():
            self._cards[name].set_fault_spec(specs.get(key))

    def token_visible(self) -> bool:
        return self._token.isVisibleTo(self)

    def token_lane(self) -> str | None:
        """``"forward"``, ``"compensation"`` or ``None`` when the token is hidden."""
        return self._token_at[1] if self._token_at is not None else None

    def token_step(self) -> str | None:
        return self._token_at[0] if self._token_at is not None else None

    @Slot(str, str)
    def set_step_status(self, name: str, status: str) -> None:
        self.card(name).set_status(status)
        if status in FORWARD_STATUSES:
            self._move_token(name, "forward")
        elif status in COMPENSATION_STATUSES:
            self._move_token(name, "compensation")

    @Slot(str, int, int)
    def set_attempt(self, name: str, attempt: int, max_attempts: int) -> None:
        self.card(name).set_attempt(attempt, max_attempts)

    @Slot(str, str)
    def set_note(self, name: str, text: str) -> None:
        self.card(name).set_note(text)

    @Slot(bool)
    def set_compensating(self, active: bool) -> None:
        self._compensating = active
        self.update()

    def is_compensating(self) -> bool:
        return self._compensating

    @Slot()
    def reset(self) -> None:
        self._stop_token()
        for card in self._cards.values():
            card.set_status("PENDING")
            card.set_attempt(0, 0)
            card.set_note("")
        self._token.hide()
        self._token_at = None
        self._compensating = False
        self.update()

    @Slot(int)
    def set_animation_duration(self, ms: int) -> None:
        self._duration = max(0, ms)
        for card in self._cards.values():
            card.set_animation_duration(self._duration)
        animation = self._token_animation
        if (
            self._duration == 0
            and animation is not None
            and animation.state() != animation.State.Stopped
        ):
            animation.stop()
            self._snap_token()

    def animation_duration(self) -> int:
        return self._duration

    @Slot(bool)
    def set_controls_enabled(self, enabled: bool) -> None:
        for card in self._cards.values():
            card.set_controls_enabled(enabled)

    @Slot(float)
    def set_presenter_scale(self, factor: float) -> None:
        if not 0.5 <= factor <= 4.0:
            raise ValueError(f"presenter scale {factor} is out of range: use 0.5 to 4.0")
        self._scale = factor
        self._apply_scale()

    def presenter_scale(self) -> float:
        return self._scale

    # -- slots -------------------------------------------------------------------------

    @Slot()
    def _on_card_fault_spec_changed(self) -> None:
        self.update()
        self.fault_plan_changed.emit()

    @Slot(str)
    def _on_card_status_changed(self, status: str) -> None:
        # Lit arrows and lane segments follow the statuses.
        self.update()

    # -- events ------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_compact()
        self._stop_token()
        self._snap_token()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._snap_token()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_scale()

    def event(self, event: QEvent) -> bool:
        result = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._snap_token()
        return result

    def paintEvent(self, event: QPaintEvent) -> None:
        cards = list(self._cards.values())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        ink = palette.color(QPalette.ColorRole.WindowText)
        background = palette.color(QPalette.ColorRole.Window)
        muted = _with_alpha(ink, 0.35)
        s = self._scale
        glow = cards[0]._glow_margin()

        # The forward lane: a faint dotted track the token rides on.
        top = self._lane_y("forward")
        if len(cards) > 1:
            pen = QPen(_with_alpha(ink, 0.22), 1.5 * s)
            pen.setDashPattern([1.0, 3.0])
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(
                QPointF(self._centre_x(cards[0]), top), QPointF(self._centre_x(cards[-1]), top)
            )
        for card in cards:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_with_alpha(ink, 0.22))
            painter.drawEllipse(QPointF(self._centre_x(card), top), 2.5 * s, 2.5 * s)

        # Forward arrows between the cards, lit once the saga has gone past them.
        lit = QColor(_LOOKS["COMPLETED"].accent)
        for left, right in itertools.pairwise(cards):
            x1 = left.geometry().right() + 1 - glow + 4 * s
            x2 = right.geometry().left() + glow - 4 * s
            y = left.geometry().center().y()
            passed = right._status != "PENDING"
            color = readable(lit, background, ratio=3.0) if passed else muted
            self._arrow(
                painter, QPointF(x1, y), QPointF(x2, y), color, (3.0 if passed else 2.0) * s
            )

        self._paint_compensation_lane(painter, cards, ink, background, muted)

    # -- helpers -----------------------------------------------------------------------

    def _paint_compensation_lane(
        self,
        painter: QPainter,
        cards: list[StepCard],
        ink: QColor,
        background: QColor,
        muted: QColor,
    ) -> None:
        s = self._scale
        glow = cards[0]._glow_margin()
        lane = self._lane_y("compensation")
        bottom = max(card.geometry().bottom() + 1 - glow for card in cards)
        trouble = [
            index
            for index, card in enumerate(cards)
            if card._status in ("FAILED", *COMPENSATION_STATUSES)
        ]
        reach = max(trouble) if trouble else len(cards) - 1
        accent = QColor(_COMPENSATION_ACCENT)
        strong = readable(accent, background, ratio=3.0)
        text_color = readable(accent, background)
        # The idle word is quieter than the lane's when it runs, and still reads well
        # (thin italic strokes lose a little contrast to anti-aliasing: some margin).
        quiet = mix(background, ink, 0.65)
        font = _scaled(self.font(), s * 0.9, italic=True)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        label = "compensate"

        for index, card in enumerate(cards):
            active = self._compensating and index <= reach
            x = self._centre_x(card)
            # A stub joins each card to the lane; a failing card's stub turns the corner.
            pen = QPen(strong if active else muted, (2.6 if active else 1.4) * s)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            if not active:
                pen.setDashPattern([3.0, 3.0])
            painter.setPen(pen)
            painter.drawLine(QPointF(x, bottom + 2 * s), QPointF(x, lane))
        for index in range(len(cards) - 1, 0, -1):
            right, left = cards[index], cards[index - 1]
            active = self._compensating and index <= reach
            color = strong if active else muted
            x1 = self._centre_x(right)
            x2 = self._centre_x(left)
            width = metrics.horizontalAdvance(label)
            mid = (x1 + x2) / 2
            gap = width / 2 + 8 * s
            self._line(painter, QPointF(x1, lane), QPointF(mid + gap, lane), color, active, s)
            self._arrow(
                painter,
                QPointF(mid - gap, lane),
                QPointF(x2 + 5 * s, lane),
                color,
                (2.6 if active else 1.4) * s,
                dashed=not active,
            )
            painter.setPen(text_color if active else quiet)
            painter.drawText(
                QRectF(mid - gap, lane - metrics.height() / 2, 2 * gap, metrics.height()),
                Qt.AlignmentFlag.AlignCenter,
                label,
            )
        if len(cards) == 1:
            painter.setPen(text_color if self._compensating else quiet)
            x = self._centre_x(cards[0])
            painter.drawText(
                QRectF(
                    x + 8 * s,
                    lane - metrics.height() / 2,
                    metrics.horizontalAdvance(label) + 4,
                    metrics.height(),
                ),
                Qt.AlignmentFlag.AlignVCenter,
                label,
            )

    def _line(
        self, painter: QPainter, start: QPointF, end: QPointF, color: QColor, active: bool, s: float
    ) -> None:
        pen = QPen(color, (2.6 if active else 1.4) * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if not active:
            pen.setDashPattern([3.0, 3.0])
        painter.setPen(pen)
        painter.drawLine(start, end)

    def _arrow(
        self,
        painter: QPainter,
        start: QPointF,
        end: QPointF,
        color: QColor,
        width: float,
        *,
        dashed: bool = False,
    ) -> None:
        length = math.hypot(end.x() - start.x(), end.y() - start.y())
        if length < 1:
            return
        ux, uy = (end.x() - start.x()) / length, (end.y() - start.y()) / length
        head = 4.0 * width + 4
        neck = QPointF(end.x() - ux * head * 0.8, end.y() - uy * head * 0.8)
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if dashed:
            pen.setDashPattern([3.0, 3.0])
        painter.setPen(pen)
        if length > head:
            painter.drawLine(start, neck)
        left = QPointF(end.x() - ux * head - uy * head * 0.5, end.y() - uy * head + ux * head * 0.5)
        right = QPointF(
            end.x() - ux * head + uy * head * 0.5, end.y() - uy * head - ux * head * 0.5
        )
        path = QPainterPath()
        path.addPolygon(QPolygonF([end, left, right, end]))
        painter.setPen(Qt.PenStyle.NoPen)
        # The colour itself, not QBrush(color): resolving QBrush's constructors builds
        # QGradient's and QImage's Python enums (7 ms of the first paint); fillPath
        # makes the same solid brush from a QColor.
        painter.fillPath(path, color)

    def _apply_scale(self) -> None:
        s = self._scale
        base = self.font()
        for card in self._cards.values():
            card.apply_fonts(base, s)
        glow = next(iter(self._cards.values()))._glow_margin()
        self._token.set_radius(8.0 * s)
        label_height = QFontMetricsF(_scaled(base, s * 0.9)).height()
        top = round(self._token.height() + 6 * s) - glow
        bottom = round(14 * s + label_height + 10 * s) - glow
        side = round(14 * s) - glow + 2
        self._outer.setContentsMargins(side, top, side, bottom)
        self._outer.setSpacing(0)
        self._row.setSpacing(round(40 * s) - 2 * glow)
        self._update_compact()
        self.updateGeometry()
        self.update()

    def _update_compact(self) -> None:
        margins = self._outer.contentsMargins()
        count = len(self._cards)
        room = self.width() - margins.left() - margins.right() - self._row.spacing() * (count - 1)
        compact = room / count < _COMPACT_BELOW * self._scale
        for card in self._cards.values():
            card.set_compact(compact)

    def _centre_x(self, card: QWidget) -> float:
        return card.geometry().x() + card.geometry().width() / 2

    def _lane_y(self, lane: str) -> float:
        cards = list(self._cards.values())
        glow = cards[0]._glow_margin()
        if lane == "forward":
            top = min(card.geometry().top() for card in cards) + glow
            return top - self._token.height() / 2 - 2 * self._scale
        bottom = max(card.geometry().bottom() + 1 for card in cards) - glow
        label_height = QFontMetricsF(_scaled(self.font(), self._scale * 0.9)).height()
        return bottom + 12 * self._scale + label_height / 2

    def _token_point(self, name: str, lane: str) -> QPointF:
        return QPointF(self._centre_x(self._cards[name]), self._lane_y(lane))

    def _snap_token(self) -> None:
        if self._token_at is None:
            return
        animation = self._token_animation
        if animation is not None and animation.state() == animation.State.Running:
            return
        self._set_token_pos(self._token_point(*self._token_at))

    def _stop_token(self) -> None:
        if self._token_animation is not None:
            self._token_animation.stop()

    def _token_motion(self) -> QPropertyAnimation:
        if self._token_animation is None:
            from PySide6.QtCore import QEasingCurve, QPropertyAnimation

            self._token_animation = QPropertyAnimation(self, b"token_pos", self)
            self._token_animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        return self._token_animation

    def _move_token(self, name: str, lane: str) -> None:
        previous = self._token_at
        if previous == (name, lane):
            return
        self._token_at = (name, lane)
        color = QColor(_FORWARD_TOKEN if lane == "forward" else _COMPENSATION_ACCENT)
        self._token.set_color(color)
        target = self._token_point(name, lane)
        self._stop_token()
        if previous is None or self._duration == 0 or not self.isVisible():
            self._set_token_pos(target)
            self._token.show()
            self._token.raise_()
            return
        self._token.show()
        self._token.raise_()
        start = QPointF(self._token_pos)
        points = [start]
        if previous[1] != lane:
            # Change lanes in the gap beside the card, not across its text.
            card = self._cards[previous[0]].geometry()
            gap = self._row.spacing() / 2
            x = card.right() + 1 + gap if lane == "compensation" else card.left() - gap
            points += [QPointF(x, start.y()), QPointF(x, target.y())]
        points.append(target)
        lengths = [math.hypot(b.x() - a.x(), b.y() - a.y()) for a, b in itertools.pairwise(points)]
        total = sum(lengths) or 1.0
        hop = max(1.0, self._cards[name].width() + self._row.spacing())
        animation = self._token_motion()
        animation.setDuration(round(self._duration * min(2.2, max(1.0, total / hop))))
        # All key values at once: setKeyValueAt would keep the corners of an earlier path.
        keys: list[tuple[float, object]] = [(0.0, start)]
        travelled = 0.0
        for point, length in zip(points[1:-1], lengths, strict=False):
            travelled += length
            keys.append((travelled / total, point))
        keys.append((1.0, target))
        animation.setKeyValues(keys)
        animation.start()
