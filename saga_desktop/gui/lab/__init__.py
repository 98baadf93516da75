"""The Lab window: two or more sagas as lanes over one world, advanced by hand.

Open it as its own window (``LabPanel()``) or wire it to View > Isolation lab.
"""

from __future__ import annotations

from saga_desktop.gui.lab.panel import LabPanel

__all__ = ["LabPanel"]
