"""The sagas a window can open: the gallery's files in ``resources/sagas/``, or any file (no Qt).

A saga file runs in a world of its own services; the flight booking's file
names the built-in world instead (``world = "flight_booking"``), so opening it
gives the built-in booking's window, the one that opens by default.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from saga_desktop import booking
from saga_desktop._resources import resource_path

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec

__all__ = ["GalleryEntry", "gallery", "open_saga"]

#: The world a file names when it describes the built-in flight booking.
_BUILT_IN = "flight_booking"


@dataclasses.dataclass(frozen=True, slots=True)
class GalleryEntry:
    """One saga of the gallery: its file and what the menu says of it."""

    path: Path
    title: str
    description: str
    steps: int
    #: True for the built-in flight booking's file.
    built_in: bool


def gallery() -> list[GalleryEntry]:
    """The gallery's sagas, the flight booking first, then by title.

    A file of the gallery that does not load is left out (it is the app's own:
    a test checks every one loads).
    """
    try:
        folder = resource_path("sagas")
    except FileNotFoundError:
        return []
    entries = []
    for path in sorted(folder.glob("*.saga.toml")) + sorted(folder.glob("*.saga.json")):
        try:
            spec = booking.load_saga(path)
        except booking.BookingError:
            continue
        entries.append(
            GalleryEntry(
                path, spec.title, spec.description, len(spec.steps), spec.world == _BUILT_IN
            )
        )
    return sorted(entries, key=lambda entry: (not entry.built_in, entry.title.lower()))


def open_saga(path: Path | str) -> SagaSpec | None:
    """Read and check the saga file ``path``; None when it is the built-in flight booking.

    Raises
    ------
    saga_desktop.booking.InvalidSagaFile
        With the one line the command line prints for it.
    """
    spec = booking.load_saga(path)
    return None if spec.world == _BUILT_IN else spec
