"""Shared test set-up: Qt draws offscreen, and no test touches the user's data."""

import os

# Before anything imports Qt: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A test that forgets its tmp data dir must not write into the user's real one.
os.environ["SAGA_DESKTOP_DATA_DIR"] = os.path.join(
    os.environ.get("TMPDIR", "/tmp"), f"saga-desktop-tests-{os.getpid()}"
)
