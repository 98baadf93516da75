"""A window on a data directory another process is working in: it never undoes that work.

A real ``saga-desktop batch`` runs while the window opens on the same data
directory (its start recovers interrupted sagas) and then recovers again and
again: not one of the batch's sagas is taken over, and the books balance after.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from gui_helpers import RUN_TIMEOUT, arm, click, click_run, text_of, widget, world_state
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QAbstractButton

from saga_desktop.booking import BookingSagaOrchestrator, FlightWorld
from saga_desktop.engine import SqliteEventStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


class Relay(QObject):
    """Re-emits the worker's ``recovered`` in the GUI thread (qtbot waits there)."""

    recovered = Signal(object)

    @Slot(object)
    def on_recovered(self, responses: object) -> None:
        self.recovered.emit(responses)


def start_batch(data_dir: Path) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "saga_desktop",
            "--data-dir",
            str(data_dir),
            "batch",
            "--count",
            "1000000",
            "--failure-rate",
            "0.4",
            "--seed",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = SqliteEventStore(data_dir / "saga_log.db", create=False)
    try:
        deadline = time.monotonic() + 60
        while not store.in_flight().running and len(store.sagas(limit=100)) < 100:
            assert child.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        store.close()
    return child


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_window_opened_during_a_batch_recovers_none_of_its_sagas(
    qtbot, make_window, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    FlightWorld(data_dir).close()
    child = start_batch(data_dir)
    try:
        window = make_window(data_dir)
        assert window.banner.property("kind") != "failure"  # no "Recovered N sagas"
        relay = Relay()
        window._worker.recovered.connect(relay.on_recovered)
        responses: list[list[object]] = []
        for _ in range(100):
            with qtbot.waitSignal(relay.recovered, timeout=20_000) as blocker:
                window.recover_requested.emit()
            responses.append(blocker.args[0])
        assert child.poll() is None, "the batch ended before the recoveries did"
    finally:
        child.send_signal(signal.SIGINT)  # stops between two sagas
        child.wait(timeout=60)
    window.shutdown()

    assert responses == [[]] * 100
    with BookingSagaOrchestrator(data_dir, write_logs=False) as booking:
        assert booking.store is not None
        assert booking.store.incomplete() == []
        completed = {
            s.correlation_id for s in booking.store.sagas(limit=10**9) if s.status == "COMPLETED"
        }
        assert completed == set(booking.world.bookings.confirmed_by_saga())
        assert booking.world.violations() == []
        ends = Counter(
            cid
            for (cid,) in booking.store._read(
                "SELECT correlation_id FROM events "
                "WHERE type IN ('SagaCompleted', 'SagaCompensated')"
            )
        )
    assert max(ends.values()) == 1


def test_two_windows_see_each_other_and_either_recovers_an_orphan(
    qtbot, make_window, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = make_window(data_dir)
    second = make_window(data_dir)
    # Each sees the other working in the directory (polled while idle).
    for window in (first, second):
        qtbot.waitUntil(
            lambda w=window: "1 other process" in text_of(w, "worldConsistency"), timeout=10_000
        )

    arm(qtbot, first, "process_payment", "crash")
    restart_first = widget(first, "restartButton", QAbstractButton)
    click_run(qtbot, first)
    qtbot.waitUntil(lambda: restart_first.isEnabled(), timeout=RUN_TIMEOUT)

    # The second window sees the first one's interrupted saga, says what it is, and can
    # recover it: its own Restart orchestrator takes the orphan over.
    restart_second = widget(second, "restartButton", QAbstractButton)
    qtbot.waitUntil(lambda: restart_second.isEnabled(), timeout=10_000)
    assert "interrupted" in text_of(second, "worldConsistency")
    with qtbot.waitSignal(second.saga_finished, timeout=RUN_TIMEOUT) as blocker:
        click(qtbot, restart_second)
    assert blocker.args[0]["outcome"] == "COMPENSATED"
    qtbot.waitUntil(lambda: "Consistent" in text_of(second, "worldConsistency"), timeout=10_000)

    # The first window's restart then finds nothing left: each saga is recovered once.
    click(qtbot, restart_first)
    qtbot.waitUntil(lambda: "nothing to recover" in first.banner.text(), timeout=RUN_TIMEOUT)
    assert world_state(data_dir)["consistent"]
