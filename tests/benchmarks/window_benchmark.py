"""The window under load: GUI-thread stalls during a batch, and memory of a long log.

Run from the repository root::

    .venv/bin/python tests/benchmarks/window_benchmark.py [--sagas 10000] [--lines 100000]

1. A batch of ``--sagas`` sagas streams into the log pane at Instant speed while a
   1 ms timer on the GUI thread records the gaps between its ticks: a gap longer
   than the tick is a stall. Budget: p99 <= 16 ms and max <= 50 ms.
2. ``--lines`` log lines are appended to the log pane (bounded: it keeps
   ``max_lines`` and the log file keeps the rest); resident memory is read before
   and after. Budget: at most 150 MB more than at start.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

from saga_desktop.gui.app import create_application, quiet_offscreen_warnings
from saga_desktop.gui.main_window import SPEED_INSTANT, MainWindow


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pump(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def stalls_during_batch(sagas: int) -> dict[str, float]:
    """Run a batch through the window; return stall figures of the GUI thread."""
    with tempfile.TemporaryDirectory() as data:
        window = MainWindow(data_dir=data)
        window.resize(1280, 800)
        window.speed_slider.setValue(SPEED_INSTANT)
        window.show()
        _pump(300)
        gaps: list[float] = []
        clock = QElapsedTimer()
        ticker = QTimer(interval=1)

        def tick() -> None:
            gaps.append(clock.nsecsElapsed() / 1e6)
            clock.restart()

        ticker.timeout.connect(tick)
        done: list[dict[str, object]] = []
        window.batch_finished.connect(done.append)
        window.tabs.setCurrentWidget(window.log)
        window.batch.count.setValue(sagas)
        window.batch.rate.setValue(0.3)
        clock.start()
        ticker.start()
        started = time.perf_counter()
        window.batch.start_button.click()
        loop = QEventLoop()
        window.batch_finished.connect(loop.quit)
        loop.exec()
        elapsed = time.perf_counter() - started
        ticker.stop()
        report = done[0]
        window.close()
    gaps = sorted(gaps[1:])
    return {
        "sagas": float(sagas),
        "seconds": elapsed,
        "sagas_per_second": float(report["sagas_per_second"]),  # type: ignore[arg-type]
        "ticks": float(len(gaps)),
        "p50_ms": statistics.median(gaps),
        "p99_ms": gaps[int(len(gaps) * 0.99)],
        "max_ms": gaps[-1],
        "consistent": float(bool(report["consistent"])),
    }


def memory_of_log(lines: int) -> dict[str, float]:
    """Append ``lines`` log lines to a log pane; return resident memory growth."""
    from saga_desktop.gui.log_pane import LogPane

    pane = LogPane()
    pane.resize(1200, 400)
    pane.show()
    _pump(50)
    before = _rss_mb()
    text = "2026-01-20 10:30:45,123 - [saga_desktop.engine.orchestrator] - INFO - [QUEUE] "
    batch = 500
    for start in range(0, lines, batch):
        pane.append_lines(
            ("INFO", f"{text}Executing step: RESERVE_SEAT #{n} (correlation_id=…)")
            for n in range(start, start + batch)
        )
        if start % 5000 == 0:
            _pump(0)
    _pump(50)
    after = _rss_mb()
    kept = len(pane.all_lines())
    pane.close()
    return {"lines": float(lines), "kept": float(kept), "before_mb": before, "after_mb": after}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sagas", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    quiet_offscreen_warnings()
    create_application()
    print(f"window benchmark ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    stall = stalls_during_batch(args.sagas)
    print(
        f"  batch of {args.sagas:,} sagas through the window: {stall['seconds']:.1f} s, "
        f"{stall['sagas_per_second']:.0f} sagas/s; GUI-thread gaps p50 {stall['p50_ms']:.1f} ms, "
        f"p99 {stall['p99_ms']:.1f} ms, max {stall['max_ms']:.1f} ms "
        f"({stall['ticks']:.0f} ticks); world consistent: {bool(stall['consistent'])}"
    )
    memory = memory_of_log(args.lines)
    grown = memory["after_mb"] - memory["before_mb"]
    print(
        f"  {args.lines:,} log lines: pane keeps {memory['kept']:,.0f}; resident memory "
        f"{memory['before_mb']:.0f} MB -> {memory['after_mb']:.0f} MB (+{grown:.0f} MB)"
    )
    verdicts = [
        ("p99 stall <= 16 ms", stall["p99_ms"] <= 16),
        ("max stall <= 50 ms", stall["max_ms"] <= 50),
        ("memory after the log <= +150 MB", grown <= 150),
    ]
    for text, held in verdicts:
        print(f"  budget {text}: {'holds' if held else 'MISSED'}")
    return 0 if all(held for _, held in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
