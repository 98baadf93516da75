"""The dark palette (the light one is the style's standard palette)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

__all__ = ["dark_palette"]


def dark_palette() -> QPalette:
    """A dark palette for Fusion, readable on a projector as on a screen."""
    palette = QPalette()
    role = QPalette.ColorRole
    colours = {
        role.Window: "#23262b",
        role.WindowText: "#e8e8e8",
        role.Base: "#1b1d21",
        role.AlternateBase: "#2a2d33",
        role.ToolTipBase: "#2f3238",
        role.ToolTipText: "#f0f0f0",
        role.Text: "#e8e8e8",
        role.Button: "#2f3238",
        role.ButtonText: "#e8e8e8",
        role.BrightText: "#ffffff",
        role.Highlight: "#0072B2",
        role.HighlightedText: "#ffffff",
        role.Link: "#56B4E9",
        role.PlaceholderText: "#8c9099",
        role.Mid: "#3a3e45",
        role.Dark: "#15171a",
        role.Light: "#3f434a",
    }
    for key, value in colours.items():
        palette.setColor(key, QColor(value))
    for key in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, key, QColor("#6f737a"))
    return palette
