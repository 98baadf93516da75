"""Ctrl-C in the terminal and ``kill`` close the window as its title bar does.

A real ``saga-desktop`` process opens its window (offscreen), then gets SIGINT
or SIGTERM: it must close cleanly (the worker thread stopped, no traceback, no
Qt abort) with the shell's exit code, 128 + the signal's number.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXE = Path(sys.executable).parent / "saga-desktop"


@pytest.mark.parametrize(
    ("number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_signal_closes_the_window_cleanly(tmp_path: Path, number: int, code: int) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [str(EXE), "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The worker opens the saga log once the window has painted: then it is up.
        deadline = time.monotonic() + 60
        while not (data / "saga_log.db").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the window never came up"
            time.sleep(0.1)
        time.sleep(0.5)
        process.send_signal(number)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == code, stderr
    lines = [line for line in stderr.splitlines() if "propagateSizeHints" not in line]
    assert lines == []
    # Closed the usual way: the window saved its settings on the way out, and the
    # worker closed its databases (SQLite removes a WAL file with its last connection).
    assert (data / "settings.ini").is_file()
    assert sorted(path.name for path in data.glob("*.db-wal")) == []
