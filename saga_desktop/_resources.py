"""Where ``resources/`` is: the one place that knows (source, wheel or bundle).

From a source checkout (or an editable install) it is the repository's
``resources/``; from a wheel it is installed as the package
``saga_desktop.resources``; in a PyInstaller bundle it sits in the bundle's
folder. Nothing else looks at ``sys.frozen`` or ``sys._MEIPASS``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

__all__ = ["icon_path", "is_frozen", "resource_path", "resources_dir"]


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_dir() -> Path:
    """Return the folder holding the icons, the ``.desktop`` entry and the examples."""
    if is_frozen():
        return Path(sys._MEIPASS) / "resources"  # type: ignore[attr-defined]
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec("saga_desktop.resources")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise FileNotFoundError("SAGA Desktop's resources folder is missing from this installation")


def resource_path(*parts: str) -> Path:
    """Return the path of a file under ``resources/`` (``resource_path("icons", "x.svg")``)."""
    return resources_dir().joinpath(*parts)


def icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG, or the PNG of ``size`` pixels."""
    if size is None:
        return resource_path("icons", "saga-desktop.svg")
    return resource_path("icons", f"saga-desktop-{size}.png")
