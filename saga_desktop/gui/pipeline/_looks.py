"""What the pipeline's statuses look like, the fault choices a card offers, shared helpers."""

from __future__ import annotations

import dataclasses

from PySide6.QtGui import QColor, QFont, QPalette

from saga_desktop.booking import fault_choices
from saga_desktop.gui.theme import is_dark, mix

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

#: The fault kinds a card offers: (label, spec as ``booking.parse_kind`` reads it,
#: tooltip), from the registry of failure kinds.
FAULT_CHOICES: tuple[tuple[str, str, str], ...] = tuple(
    (choice.label, choice.spec, choice.tooltip) for choice in fault_choices(menu=True)
)

_COUNTED_KINDS = {"transient": "transient", "compensation_fail": "undo fails"}


@dataclasses.dataclass(frozen=True)
class StepInfo:
    """What a card shows about one step; the window builds it from the saga definition."""

    name: str
    title: str
    description: str
    compensation: str
    shortcut: str = ""
    #: ``pivot`` (the point of no return) or ``retriable`` (never undone); "" for a
    #: compensatable step.
    role: str = ""


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
    # Looks of a status that say more than the guide's word: a late reply is not a
    # refusal, a failed undo is not a failed step, a wait is not work.
    "TIMED_OUT": _Look("⌛", "Timed out", "#F0E442", 3.2, (6.0, 2.0)),
    "UNDO_FAILED": _Look("⛔", "Undo failed", "#882255", 3.6, (2.0, 1.5)),
    "WAITING": _Look("⏳", "Waiting", "#56B4E9", 2.6, (5.0, 3.0)),
    "UNDO_WAITING": _Look("⏳", "Waiting", "#56B4E9", 2.6, (5.0, 3.0)),
}
#: Each look beyond the guide's six is shown for one of its statuses.
LOOK_STATUS = {
    "TIMED_OUT": "FAILED",
    "UNDO_FAILED": "FAILED",
    "WAITING": "EXECUTING",
    "UNDO_WAITING": "COMPENSATING",
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
        return "undo never" if count == "forever" else f"{_COUNTED_KINDS[kind]} ×{count}"
    raise ValueError(
        f"unknown fault {spec!r}: expected one of "
        + ", ".join(choice[1] for choice in FAULT_CHOICES)
        + ", transient:N or compensation_fail:N"
    )


#: Presenter mode at 1920x1080: step titles this many pixels high (the back of a hall).
PRESENTER_TITLE_PX = 36


def presenter_scale(width: int, height: int, base: QFont) -> float:
    """The presenter scale for a window of ``width`` x ``height`` and the base font.

    Titles are ``PRESENTER_TITLE_PX`` pixels at 1920 x 1080 and follow the smaller of
    the two proportions at any other size, never smaller than at scale 1.
    """
    from PySide6.QtGui import QFontInfo

    pixels = QFontInfo(base).pixelSize() or 12
    screen = min(width / 1920, height / 1080)
    return max(1.0, min(4.0, screen * PRESENTER_TITLE_PX / pixels))


#: What a pivot's or a retriable step's card says instead of its undo: text, tooltip.
_ROLE_TEXTS = {
    "pivot": (
        "⚑ Point of no return",
        "The pivot: once it succeeds the saga only goes forward; if it fails, the steps "
        "before it are undone",
    ),
    "retriable": (
        "⟳ Retried until it succeeds",
        "A retriable step after the pivot: a failure is retried, it is never compensated",
    ),
}
