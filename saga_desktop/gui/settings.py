"""The window's settings in ``<data dir>/settings.ini``: layout, speed, theme, seed, booking.

Settings are a convenience: whatever the file holds (a hand edit, a 20-digit
speed, a flight id of 1e400, JSON nested thousands deep, a symbolic link), the
window starts. A value that cannot be used is dropped with a warning, and the
default stays; a file that is not a small regular file of our own is neither
read nor written.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from saga_desktop.gui.main_window import MainWindow

__all__ = ["SETTINGS_FILE", "WindowSettings", "restore_settings", "save_settings"]

SETTINGS_FILE = "settings.ini"
# Geometry, state and a booking are a few kilobytes: anything bigger is not ours.
_MAX_BYTES = 1 << 20
_TRUE_FALSE = {"true": True, "false": False}


def _unusable(path: Path) -> str | None:
    """Why ``path`` must be neither read nor written, or None (missing is fine)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if info.st_size > _MAX_BYTES:
        return f"{path} is larger than 1 MB"
    return None


class WindowSettings:
    """``settings.ini`` of one data directory, or nothing when it cannot be used.

    Parameters
    ----------
    data_dir
        The directory of ``settings.ini``.
    """

    def __init__(self, data_dir: Path) -> None:
        path = data_dir / SETTINGS_FILE
        #: Why settings were dropped, one line each, for the window to show.
        self.problems: list[str] = []
        problem = _unusable(path)
        self._settings: QSettings | None = None
        if problem is not None:
            self.problems.append(
                f"{problem}: it is neither read nor written; the window uses its defaults"
            )
        else:
            self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def value(self, key: str) -> object:
        """The stored value of ``key`` (None when missing or unusable)."""
        return None if self._settings is None else self._settings.value(key)

    def save(self, values: dict[str, object]) -> None:
        """Store ``values``; the file is rewritten only when one of them changed."""
        settings = self._settings
        if settings is None:
            return
        # Any setValue makes sync() rewrite the whole file and flush it to disk, even
        # when the value is the one already there: a close that changed nothing
        # writes nothing.
        changed = {
            key: value
            for key, value in values.items()
            if not _same_setting(settings.value(key), value)
        }
        for key, value in changed.items():
            settings.setValue(key, value)
        if changed:
            settings.sync()

    def drop(self, key: str, value: object, why: str) -> None:
        """Record that ``key`` was not used."""
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
        self.problems.append(f"{SETTINGS_FILE}: {key} = {shown} dropped ({why})")


def _same_setting(stored: object, value: object) -> bool:
    """Whether ``stored`` (read back from the settings) is already ``value``."""
    if stored == value:
        return True
    # An INI file gives plain values back as text, as QSettings wrote them.
    if isinstance(value, bool):
        return stored == ("true" if value else "false")
    return isinstance(value, int) and stored == str(value)


def _whole(text: object, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``, or None."""
    digits = str(text).strip()
    if not digits.isascii() or not digits.lstrip("-").isdigit() or len(digits) > 12:
        return None
    number = int(digits)
    return number if low <= number <= high else None


def save_settings(window: MainWindow, settings: WindowSettings) -> None:
    """Store the window's layout, speed, theme, presenter mode, seed and booking."""
    settings.save(
        {
            "window/geometry": window.saveGeometry(),
            "window/state": window.saveState(),
            "run/speed": window.speed_slider.value(),
            "view/presenter": window.presenter_action.isChecked(),
            "view/dark": window.dark_action.isChecked(),
            _request_key(window): json.dumps(window.form.booking()),
            "run/seed": window.seed_spin.value(),
        }
    )


def restore_settings(window: MainWindow, settings: WindowSettings) -> list[str]:
    """Apply the stored settings to ``window``; return why any were dropped."""
    for key, restore in (
        ("window/geometry", window.restoreGeometry),
        ("window/state", window.restoreState),
    ):
        value = settings.value(key)
        if value is not None and not (isinstance(value, QByteArray) and restore(value)):
            settings.drop(key, value, "not a window layout")
    for key, box in (("run/speed", window.speed_slider), ("run/seed", window.seed_spin)):
        value = settings.value(key)
        number = None if value is None else _whole(value, box.minimum(), box.maximum())
        if number is not None:
            box.setValue(number)
        elif value is not None:
            settings.drop(key, value, f"not a whole number from {box.minimum()} to {box.maximum()}")
    _restore_booking(window, settings)
    switches: tuple[tuple[str, Callable[[bool], None]], ...] = (
        ("view/dark", window.set_dark_theme),
        ("view/presenter", window.set_presenter_mode),
    )
    for key, switch in switches:
        value = settings.value(key)
        if value is None:
            continue
        on = _TRUE_FALSE.get(str(value).strip().lower())
        if on is None:
            settings.drop(key, value, "not true or false")
        elif on:
            switch(True)
    return settings.problems


def _request_key(window: MainWindow) -> str:
    """Where the request is kept: the booking's, or each saga file's own."""
    return "run/booking" if window.saga is None else f"run/request_{window.saga.name}"


def _restore_booking(window: MainWindow, settings: WindowSettings) -> None:
    key = _request_key(window)
    value = settings.value(key)
    if value is None:
        return
    try:
        booking = json.loads(str(value))
    except RecursionError:
        settings.drop(key, value, "nested too deeply")
        return
    except ValueError as exc:  # not JSON, or a number of thousands of digits
        settings.drop(key, value, f"not JSON: {str(exc).split(':')[0]}")
        return
    if not isinstance(booking, dict):
        settings.drop(key, value, "not a JSON object")
        return
    for field in window.form.set_booking(booking):
        settings.drop(f"{key}'s {field}", booking[field], "not a value the form takes")
