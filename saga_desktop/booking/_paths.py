"""Where the world lives on disk: the per-user data directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["DATA_DIR_ENV", "default_data_dir"]

#: Environment variable that overrides the data directory.
DATA_DIR_ENV = "SAGA_DESKTOP_DATA_DIR"

_APP_DIR = "saga-desktop"


def default_data_dir() -> Path:
    """Return the data directory: ``$SAGA_DESKTOP_DATA_DIR``, else the per-user one.

    The per-user directory follows each platform's custom: ``$XDG_DATA_HOME`` (or
    ``~/.local/share``) on Linux, ``~/Library/Application Support`` on macOS and
    ``%APPDATA%`` on Windows.

    Returns
    -------
    Path
        The directory (not created here).
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / _APP_DIR
