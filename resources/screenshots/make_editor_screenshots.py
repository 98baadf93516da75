"""Regenerate the saga editor's screenshot for the README (and look at it in both themes).

Run ``.venv/bin/python resources/screenshots/make_editor_screenshots.py`` from the
repository root. Opens File > New saga...'s editor offscreen on the gallery's trip
booking with one typo typed in (the problem shows beside its cell) and saves
``saga_editor.png`` (light, 1280x800) beside this script; with ``--all`` also the
light and dark shots at 1280x800 and 1920x1080 into a temporary folder, to look at.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer

from saga_desktop._resources import resource_path
from saga_desktop.gui import theme
from saga_desktop.gui.app import create_application, quiet_offscreen_warnings
from saga_desktop.gui.saga_editor import SagaEditorDialog

HERE = Path(__file__).resolve().parent


def pump(ms: int = 50) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(path: Path, size: tuple[int, int], *, dark: bool) -> None:
    theme.apply_theme(dark=dark)
    with tempfile.TemporaryDirectory() as scratch:
        editor = SagaEditorDialog(
            start=resource_path("sagas", "trip_booking.saga.toml"), save_dir=scratch
        )
        editor.resize(*size)
        editor.steps_model.set_value(2, "target", "compakt")
        editor.show()
        editor.steps.select_row(2)
        editor.preview.flush()  # the cards follow a pause in typing: no need to wait here
        pump()
        editor.grab().save(str(path))
        print("saved", path)
        editor.setParent(None)
        editor.done(0)  # unsaved on purpose: no question asked
        editor.deleteLater()


def main() -> int:
    quiet_offscreen_warnings()
    create_application()
    shoot(HERE / "saga_editor.png", (1280, 800), dark=False)
    if "--all" in sys.argv:
        folder = Path(tempfile.mkdtemp(prefix="saga-editor-shots-"))
        for dark in (False, True):
            for size in ((1280, 800), (1920, 1080)):
                name = f"saga_editor_{'dark' if dark else 'light'}_{size[0]}x{size[1]}.png"
                shoot(folder / name, size, dark=dark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
