"""The light and dark palettes, and every colour the window derives from them.

Text is readable in both themes: each text colour is chosen here for a contrast of
at least :data:`AA` (4.5:1, WCAG 2 level AA) against the background it is drawn on,
by darkening or lightening an accent just enough. Widgets ask again when their
palette changes, so a theme switch recolours what is already on screen too.

The accents are the Okabe-Ito colours, which stay distinct for the common
colour-vision deficiencies; symbols and words tell states apart as well.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

__all__ = [
    "AA",
    "ACCENTS",
    "apply_theme",
    "banner_colours",
    "contrast",
    "dark_palette",
    "is_dark",
    "level_colour",
    "light_palette",
    "luminance",
    "mix",
    "on_fill",
    "readable",
    "text_colour",
    "tint_text",
]

#: Least contrast of text against its background (WCAG 2, level AA, normal text).
AA = 4.5
#: Least contrast of a line or a border against its background (WCAG 2, non-text).
NON_TEXT = 3.0

#: The Okabe–Ito accents by meaning.
ACCENTS: dict[str, str] = {
    "blue": "#0072B2",  # running, in flight, the forward token
    "green": "#009E73",  # succeeded, consistent
    "orange": "#E69F00",  # compensating, a warning
    "vermillion": "#D55E00",  # failed, an error
    "purple": "#CC79A7",  # compensated, a crash
}

#: The banner's accent per kind (see :func:`banner_colours`).
_BANNER_ACCENTS = {
    "running": "blue",
    "success": "green",
    "failure": "orange",
    "dead": "vermillion",
    "crash": "purple",
}
_LEVEL_ACCENTS = {"WARNING": "orange", "ERROR": "vermillion"}

_ROLE = QPalette.ColorRole
# The light palette as the style gave it at start, made readable (see light_palette).
_light: QPalette | None = None


# -- contrast ---------------------------------------------------------------------------


def luminance(color: QColor) -> float:
    """The WCAG relative luminance of ``color`` (0 black … 1 white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two opaque colours (1 … 21)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b`` (opaque)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def readable(accent: QColor, *backgrounds: QColor, ratio: float = AA) -> QColor:
    """``accent``, darkened or lightened just enough to be read on every background."""
    rgb = _readable_rgb(accent.rgb(), tuple(background.rgb() for background in backgrounds), ratio)
    return QColor.fromRgb(rgb)


# Cards and lanes ask for the same few colours at every paint: remember them.
@functools.lru_cache(maxsize=1024)
def _readable_rgb(accent: int, backgrounds: tuple[int, ...], ratio: float) -> int:
    fills = [QColor.fromRgb(rgb) for rgb in backgrounds]
    start = QColor.fromRgb(accent)
    target = QColor("black") if luminance(fills[0]) > 0.18 else QColor("white")
    for step in range(21):
        color = mix(start, target, step / 20)
        if all(contrast(color, fill) >= ratio for fill in fills):
            return color.rgb()
    return target.rgb()


def on_fill(fill: QColor) -> QColor:
    """Near-black or white, whichever reads better on a solid ``fill``."""
    black, white = QColor("#111111"), QColor("white")
    return black if contrast(black, fill) >= contrast(white, fill) else white


def is_dark(palette: QPalette) -> bool:
    """True for a dark theme (light text on a dark window)."""
    return palette.color(_ROLE.Window).lightnessF() < 0.5


# -- the two palettes --------------------------------------------------------------------


def light_palette(standard: QPalette | None = None) -> QPalette:
    """The style's light palette, with its grey texts and selections made readable.

    Fusion's placeholder text is the text colour at half opacity (about 3.9:1 on
    white) and its selection blue takes white text at 3.6:1; both become opaque
    colours of at least 4.5:1. ``standard`` is the palette to start from the first
    time (the application's at start-up); later calls return the same palette.
    """
    global _light
    if _light is None:
        if standard is None:
            app = QApplication.instance()
            assert isinstance(app, QApplication)
            standard = app.style().standardPalette()
        palette = QPalette(standard)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, _ROLE.PlaceholderText, QColor("#595d63"))
            palette.setColor(group, _ROLE.Highlight, QColor(ACCENTS["blue"]))
            palette.setColor(group, _ROLE.HighlightedText, QColor("#ffffff"))
        _light = palette
    return QPalette(_light)


def dark_palette() -> QPalette:
    """A dark palette for Fusion, readable on a projector as on a screen."""
    palette = QPalette()
    colours = {
        _ROLE.Window: "#23262b",
        _ROLE.WindowText: "#e8e8e8",
        _ROLE.Base: "#1b1d21",
        _ROLE.AlternateBase: "#2a2d33",
        _ROLE.ToolTipBase: "#2f3238",
        _ROLE.ToolTipText: "#f0f0f0",
        _ROLE.Text: "#e8e8e8",
        _ROLE.Button: "#2f3238",
        _ROLE.ButtonText: "#e8e8e8",
        _ROLE.BrightText: "#ffffff",
        _ROLE.Highlight: ACCENTS["blue"],
        _ROLE.HighlightedText: "#ffffff",
        _ROLE.Link: "#56B4E9",
        _ROLE.PlaceholderText: "#b4b8bf",
        _ROLE.Mid: "#3a3e45",
        _ROLE.Dark: "#15171a",
        _ROLE.Light: "#3f434a",
    }
    for key, value in colours.items():
        palette.setColor(key, QColor(value))
    for key in (_ROLE.WindowText, _ROLE.Text, _ROLE.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, key, QColor("#6f737a"))
    return palette


def apply_theme(*, dark: bool) -> None:
    """Give the running application the dark or the light palette."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setPalette(dark_palette() if dark else light_palette())


# -- colours of the window's texts ---------------------------------------------------------


def text_colour(accent: str, palette: QPalette) -> QColor:
    """The ``accent`` (a key of :data:`ACCENTS`) as text on any of the window's fills.

    A label cannot know what is painted behind it: the window, a text field, or a
    tab page (which the style fills with a lighter colour in the dark theme), so the
    colour reads on all of them.
    """
    fills = (_ROLE.Window, _ROLE.Base, _ROLE.Button, _ROLE.Light)
    return readable(QColor(ACCENTS[accent]), *(palette.color(role) for role in fills))


def level_colour(level: str, palette: QPalette) -> QColor:
    """The colour of a log line of ``level`` on the log's background."""
    base = palette.color(_ROLE.Base)
    if level in _LEVEL_ACCENTS:
        return readable(QColor(ACCENTS[_LEVEL_ACCENTS[level]]), base)
    if level == "DEBUG":
        return readable(palette.color(_ROLE.PlaceholderText), base)
    return palette.color(_ROLE.Text)


def banner_colours(kind: str, palette: QPalette) -> tuple[QColor, QColor, QColor]:
    """The result banner's ``(fill, border, text)`` for ``kind`` in ``palette``.

    ``kind`` is ``idle`` or one of running, success, failure, dead and crash. The
    fill is opaque (the accent mixed into the field colour), so the text colour's
    contrast is the one a person sees.
    """
    base, window = palette.color(_ROLE.Base), palette.color(_ROLE.Window)
    if kind == "idle":
        fill, border = base, palette.color(_ROLE.Mid)
    else:
        accent = QColor(ACCENTS[_BANNER_ACCENTS[kind]])
        fill = mix(base, accent, 0.22 if is_dark(palette) else 0.14)
        border = readable(accent, window, fill, ratio=NON_TEXT)
    text = palette.color(_ROLE.Text)
    if contrast(text, fill) < AA:
        text = on_fill(fill)
    return fill, border, text


class _TextTint(QObject):
    """Keeps a label's text in a colour derived from its palette, across theme switches."""

    def __init__(self, label: QWidget, colour: Callable[[QPalette], QColor]) -> None:
        super().__init__(label)
        self._label = label
        self._colour = colour
        label.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        palette = self._label.palette()
        wanted = self._colour(palette)
        # Setting the palette sends another PaletteChange: only when it differs.
        if palette.color(_ROLE.WindowText) != wanted:
            palette.setColor(_ROLE.WindowText, wanted)
            self._label.setPalette(palette)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange:
            self.apply()
        return False


def tint_text(label: QWidget, accent: str) -> None:
    """Draw ``label``'s text in ``accent`` made readable, in this theme and the next."""
    _TextTint(label, lambda palette: text_colour(accent, palette))
