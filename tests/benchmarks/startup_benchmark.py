"""Start-up to first paint: the app from source, the packaged app, and a bare PySide6 window.

Run from the repository root (after ``pyinstaller resources/saga-desktop.spec`` for
the packaged figure)::

    .venv/bin/python tests/benchmarks/startup_benchmark.py [--runs 7]

Each figure is the median wall time of a whole process that opens its window,
paints once and quits (``SAGA_DESKTOP_EXIT_AFTER_PAINT``), taken alternately in one
run so that machine noise hits all three alike.

Every start but the first runs from bytecode caches, as an installed program does
(pip compiles a wheel's modules; the bundle ships them compiled): the children get
a fresh ``PYTHONPYCACHEPREFIX`` and may write to it, whatever
``PYTHONDONTWRITEBYTECODE`` says here, so that neither side recompiles its
sources on every start. ``--no-cache`` measures every start compiling our sources
(and PySide6's Python parts) again.
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

ROOT = Path(__file__).resolve().parents[2]
BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class Quit(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, QApplication.quit)
        return False
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
quit_filter = Quit()
window.installEventFilter(quit_filter)
window.show()
app.exec()
"""


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--no-cache", action="store_true", help="compile the sources on every start"
    )
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="saga-startup-")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        SAGA_DESKTOP_DATA_DIR=data,
        SAGA_DESKTOP_EXIT_AFTER_PAINT="1",
    )
    if args.no_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="saga-startup-nocache-")
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="saga-startup-pycache-")
    commands = {
        "bare PySide6 window": [sys.executable, "-c", BARE],
        "SAGA Desktop from source": [sys.executable, "-m", "saga_desktop"],
    }
    bundle = ROOT / "dist" / "saga-desktop" / "saga-desktop"
    if bundle.exists():
        commands["SAGA Desktop one-folder"] = [str(bundle)]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache (and write the bytecode) once
        _time(command, env)
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(_time(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    bare = medians["bare PySide6 window"]
    source = medians["SAGA Desktop from source"]
    machine = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    cache = "compiling on every start" if args.no_cache else "bytecode cached"
    print(f"start-up to first paint, median of {args.runs} runs ({machine}, {cache})")
    for name, value in medians.items():
        ratios = f"{value / bare:4.2f}x bare   {value / source:4.2f}x source"
        print(f"  {name:<28} {value * 1000:7.0f} ms   {ratios}")
    verdicts = [("source <= 2x bare PySide6 window", source <= 2 * bare)]
    if "SAGA Desktop one-folder" in medians:
        verdicts.append(
            ("one-folder <= 1.5x source", medians["SAGA Desktop one-folder"] <= 1.5 * source)
        )
    for text, held in verdicts:
        print(f"  budget {text}: {'holds' if held else 'MISSED'}")
    return 0 if all(held for _, held in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
