"""How long the process lives after a person closes the window mid-run.

Run from the repository root::

    .venv/bin/python tests/benchmarks/quit_benchmark.py [--repeat 3] [--data-dir DIR]

Each case starts the real window (``run_app``, as ``saga-desktop`` does) in a child
process on a fresh data directory, starts something, and closes the window through
its title bar (``close()``) while it runs. Where the window asks first, the dialog is
answered "Quit" at once; the child prints the monotonic time of that answer (or of
the close, when nothing is asked), and the parent takes the time its child exits. The
figure is the difference: what a person waits between the answer and the process
being gone.

Cases: a saga at the default speed (0.54 s per event), a saga whose payment times out
(the late reply is a 3 s wait), and a batch of 1,000,000 sagas. ``--data-dir`` runs
them on a data directory of your own (one with a long history, made by
``saga-desktop batch --data-dir DIR --count 200000``) instead of a fresh one each time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ("paced saga", "payment times out", "batch")

# The child: the real run_app, with a timer that starts the case and closes the window.
_CHILD = r"""
import os, sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from saga_desktop.gui import app as gui_app

case, data_dir = sys.argv[1], Path(sys.argv[2])
answered = []

def answer(box):
    # Whatever the window asks before quitting, the person answers "Quit" at once.
    answered.append(time.monotonic())
    print(f"ANSWER {answered[-1]!r}", flush=True)
    accept = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole]
    (accept or box.buttons())[0].click()
    return 0

QMessageBox.exec = answer

def window():
    return next(w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow")

def start():
    w = window()
    if case == "batch":
        w.batch.count.setValue(1_000_000)
        w.batch.start_requested.emit(1_000_000, 0.3, 7)
    else:
        if case == "payment times out":
            w.pipeline.set_fault_specs({"process_payment": "timeout"})
        w.run_action.trigger()
    # Close while it runs: mid-saga (after the payment started, for the timeout case).
    QTimer.singleShot(3500 if case != "batch" else 2000, close)

def close():
    w = window()
    assert w.busy, "nothing was running when the window was closed"
    before, closed = len(answered), time.monotonic()
    w.close()
    if len(answered) == before:  # nothing was asked: the close is the answer
        print(f"ANSWER {closed!r}", flush=True)

original = gui_app.create_application

def create_application(argv=None):
    app = original(argv)
    QTimer.singleShot(1500, start)
    return app

gui_app.create_application = create_application
sys.exit(gui_app.run_app(data_dir))
"""


def measure(case: str, data_dir: Path | None) -> float:
    """Seconds from the answer to the child's exit, for one run of ``case``."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, case, str(data_dir or Path(tmp) / "data")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        answered: float | None = None
        for line in child.stdout:
            if line.startswith("ANSWER "):
                answered = float(line.split()[1])
        code = child.wait(timeout=120)
        exited = time.monotonic()
    if answered is None:
        raise SystemExit(f"{case}: the child ended (exit {code}) before the window was closed")
    return exited - answered


def main(argv: list[str] | None = None) -> int:
    """Print the quit time of each case (median of ``--repeat`` runs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--data-dir", type=Path, help="a data directory to run on (kept)")
    args = parser.parse_args(argv)
    for case in args.case or CASES:
        times = [measure(case, args.data_dir) for _ in range(args.repeat)]
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"{case:<18} answer → exit: median {statistics.median(times):.2f} s ({shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
