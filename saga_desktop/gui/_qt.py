"""Small Qt helpers shared by the window's modules."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

__all__ = ["named"]

_Q = TypeVar("_Q", bound=QObject)


def named(obj: _Q, name: str, accessible: str | None = None, tip: str | None = None) -> _Q:
    """Give ``obj`` its stable objectName (and optionally an accessible name and tooltip).

    Qt's constructors take ``objectName=`` at run time, but the type stubs do
    not declare it; this keeps the code typed and the names in one place.
    """
    obj.setObjectName(name)
    if accessible is not None and hasattr(obj, "setAccessibleName"):
        obj.setAccessibleName(accessible)
    if tip is not None and hasattr(obj, "setToolTip"):
        obj.setToolTip(tip)
    return obj
