"""A long run in the Timeline: reading its file, showing it, painting it, hovering it.

Run from the repository root::

    .venv/bin/python tests/benchmarks/timeline_benchmark.py [--events 66000]

Builds a run file of one saga with ``--events`` events (a step retried over and
over, as a hostile or a very unlucky run has it; about 16 MB for 66,000), then
prints, in seconds: reading and checking the file (``read_run``), giving it to
the Timeline tab (``TimelinePanel.set_events``), one paint of the tab at
1280x800, one mouse move over the bars (the tooltip's look-up), and the SVG
export. The window used to freeze for minutes on such a file; the budget is
that each figure stays under a second and that painting costs the same
whatever the length of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from saga_desktop import booking, engine
from saga_desktop.gui.timeline import TimelinePanel

CID = "00000000-0000-4000-8000-000000000066"
STEPS = ("RESERVE_SEAT", "DEDUCT_LOYALTY_POINTS", "PROCESS_PAYMENT", "CONFIRM_BOOKING")


def long_run(count: int) -> list[dict[str, Any]]:
    """One saga of ``count`` events: a payment retried until the last attempt succeeds."""
    at = 1_700_000_000.0
    events: list[engine.SagaEvent] = [engine.SagaStarted(CID, at, "booking", STEPS, {})]
    attempts = (count - 2) // 2  # SagaStarted, the attempts (two events each), the end
    for attempt in range(1, attempts + 1):
        at += 0.001
        events.append(engine.StepStarted(CID, at, "PROCESS_PAYMENT", attempt, attempts))
        at += 0.002
        if attempt < attempts:
            events.append(
                engine.StepRetried(
                    CID, at, "PROCESS_PAYMENT", attempt, attempts, 0.001, "card declined"
                )
            )
        else:
            events.append(engine.StepSucceeded(CID, at, "PROCESS_PAYMENT", attempt, {}))
    events.append(engine.SagaCompleted(CID, at + 0.01, 1, {}))
    return [engine.event_to_dict(event) for event in events]


def write_run_file(path: Path, count: int) -> None:
    events = long_run(count)
    data = {
        "format": booking.RUN_FILE_FORMAT,
        "version": booking.RUN_FILE_VERSION,
        "response": {
            "success": True,
            "correlation_id": CID,
            "outcome": "COMPLETED",
            "booking_reference": "0123ABCD",
            "steps_completed": 1,
            "total_steps": 4,
        },
        "events": events,
        "faults": {},
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def timed(what: Callable[[], object]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = what()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=66_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long-run.json"
        write_run_file(path, args.events)
        size = path.stat().st_size
        read_s, run = timed(lambda: booking.read_run(path))
    panel = TimelinePanel()
    panel.resize(1280, 800)
    panel.show()
    app.processEvents()
    show_s, _ = timed(lambda: panel.set_events(run.events))
    paint_s, _ = timed(panel.view.grab)
    view = panel.view
    point = QPointF(view.width() * 0.6, 28 + 34 * 2 + 17)  # over the PROCESS_PAYMENT lane
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        point,
        view.mapToGlobal(point),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    hover_s, _ = timed(lambda: view.mouseMoveEvent(move))
    svg_s, svg = timed(view.to_svg)
    print(f"run file: {len(run.events):,} events, {size / 1e6:.1f} MB")
    for label, seconds in (
        ("read_run (read and check the file)", read_s),
        ("TimelinePanel.set_events", show_s),
        ("first paint at 1280x800", paint_s),
        ("one mouse move over the bars", hover_s),
        (f"to_svg ({len(svg) / 1e6:.1f} MB)", svg_s),
    ):
        print(f"  {label:<40} {seconds:8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
