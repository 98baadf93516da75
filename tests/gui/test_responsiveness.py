"""The window never blocks: 200 sagas in a row while a 5 ms timer measures the GUI thread."""

from __future__ import annotations

import statistics
import time

from gui_helpers import arm, click_run, flight, history_rows, text_of, world_state
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

RUNS = 200
TICK_MS = 5
# Machines here are shared and noisy: one scheduler hiccup (253 ms was seen once on
# CI, with p99 at 25 ms) must not fail the test, while a GUI thread that does real
# work per event (a database read, a repaint per event instead of per frame) shows
# up in the 99th percentile at once, and one that blocks per saga shows up as many
# long stalls. So: a few long stalls are tolerated, none beyond a second.
LONG_STALL_MS = 150
MAX_LONG_STALLS = 3
MAX_STALL_MS = 1000
# The 50 ms budget itself is checked by tests/benchmarks/window_benchmark.py (a figure
# on a quiet machine); this test only catches a GUI thread that really does work it
# should not, with room for a loaded CI machine (41 ms p99 was seen under load 2).
P99_STALL_MS = 80


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def test_two_hundred_sagas_in_a_row_keep_the_window_responsive(qtbot, make_window) -> None:
    window = make_window()
    # Every saga runs all four steps and undoes them: the world never runs out of seats.
    arm(qtbot, window, "confirm_booking")
    responses: list[dict] = []
    gaps_ms: list[float] = []
    clock = QElapsedTimer()
    last = [0]

    def on_tick() -> None:
        now = clock.nsecsElapsed()
        gaps_ms.append((now - last[0]) / 1e6)
        last[0] = now

    def run_again() -> None:
        click_run(qtbot, window)

    def on_finished(response: dict) -> None:
        responses.append(response)
        if len(responses) < RUNS:
            QTimer.singleShot(0, run_again)

    ticker = QTimer(interval=TICK_MS)
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(on_tick)
    window.saga_finished.connect(on_finished)
    started = time.perf_counter()
    clock.start()
    ticker.start()
    try:
        # waitSignal runs a real event loop; waitUntil sleeps between its polls, and
        # the sleeps would count as stalls.
        with qtbot.waitSignal(
            window.saga_finished, timeout=60_000, check_params_cb=lambda _: len(responses) == RUNS
        ):
            click_run(qtbot, window)
    finally:
        ticker.stop()
        window.saga_finished.disconnect(on_finished)
    elapsed = time.perf_counter() - started

    worst = max(gaps_ms)
    p99 = percentile(gaps_ms, 0.99)
    print(
        f"\n{RUNS} sagas in {elapsed:.2f} s ({RUNS / elapsed:.0f}/s); GUI timer gaps over "
        f"{len(gaps_ms)} ticks of {TICK_MS} ms: max {worst:.1f} ms, p99 {p99:.1f} ms, "
        f"median {statistics.median(gaps_ms):.1f} ms"
    )
    assert worst < MAX_STALL_MS
    assert sum(gap > LONG_STALL_MS for gap in gaps_ms) <= MAX_LONG_STALLS
    assert p99 < P99_STALL_MS

    assert len({r["correlation_id"] for r in responses}) == RUNS
    assert all(r["failed_step"] == "CONFIRM_BOOKING" for r in responses)
    assert all(r["compensation_result"]["successful_compensations"] == 3 for r in responses)
    assert len(history_rows(window)) == RUNS
    assert history_rows(window)[0][1] == responses[-1]["correlation_id"]
    assert responses[-1]["correlation_id"] in text_of(window, "correlationLabel")
    assert "Consistent" in text_of(window, "worldConsistency")
    # Nothing was dropped on the way: every saga's lines reached the log pane.
    assert sum("SAGA failed at CONFIRM_BOOKING" in line for line in window.log.all_lines()) == RUNS
    state = world_state(window.data_dir)
    assert state["consistent"]
    assert flight(state)["seats_left"] == 42
