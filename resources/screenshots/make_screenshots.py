"""Regenerate the README's screenshots.

Run ``.venv/bin/python resources/screenshots/make_screenshots.py`` from the repository root;
``--saga-only`` makes only the six-step trip saga's shots (``trip_saga.png``, and its
1920x1080 and dark variants in ``--out DIR`` when given, to look at).

Drives the real window (worker thread, SQLite world) offscreen on a scratch data
directory and saves PNGs beside this script.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer

from saga_desktop.gui.app import create_application, quiet_offscreen_warnings
from saga_desktop.gui.main_window import SPEED_INSTANT, MainWindow

HERE = Path(__file__).resolve().parent


def pump(ms: int = 30) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        pump()


def status(window: MainWindow, step: str) -> str:
    return str(window.pipeline.card(step).property("status"))


def shoot(window: MainWindow, name: str) -> None:
    pump(400)  # let animations settle
    window.grab().save(str(HERE / f"{name}.png"))
    print("saved", HERE / f"{name}.png")


def paused_mid_compensation(window: MainWindow) -> None:
    """Run, stepping while paused, until the points are being given back."""
    window.speed_slider.setValue(60)
    window.pause_button.click()
    window.run_button.click()
    while status(window, "DEDUCT_LOYALTY_POINTS") != "COMPENSATING":
        window.step_button.click()
        pump(120)


def finish(window: MainWindow) -> None:
    """Let the paused run end at full speed."""
    window.speed_slider.setValue(SPEED_INSTANT)
    window.pause_button.click()
    wait_until(lambda: not window.busy)


def main() -> int:
    quiet_offscreen_warnings()
    create_application()
    with tempfile.TemporaryDirectory() as scratch:
        window = MainWindow(data_dir=Path(scratch) / "world")
        window.resize(1280, 800)
        window.show()
        wait_until(lambda w=window: w.world.state is not None)
        shoot(window, "idle")

        # Mid-compensation: payment fails; pause once the points are being given back.
        window.speed_slider.setValue(60)
        window.pipeline.card("PROCESS_PAYMENT").fail_toggle().setChecked(True)
        window.pause_button.click()
        window.run_button.click()
        while status(window, "DEDUCT_LOYALTY_POINTS") != "COMPENSATING":
            window.step_button.click()
            pump(120)
        shoot(window, "compensating")
        window.speed_slider.setValue(SPEED_INSTANT)
        window.pause_button.click()
        wait_until(lambda: not window.busy and status(window, "RESERVE_SEAT") == "COMPENSATED")

        # Success.
        window.pipeline.card("PROCESS_PAYMENT").fail_toggle().setChecked(False)
        window.run_button.click()
        wait_until(lambda: status(window, "CONFIRM_BOOKING") == "COMPLETED" and not window.busy)
        shoot(window, "success")

        # Crash after payment, then recovery.
        window.pipeline.card("PROCESS_PAYMENT").set_fault_spec("crash")
        window.run_button.click()
        wait_until(lambda: window.restart_button.isVisible())
        shoot(window, "crash")
        window.pipeline.card("PROCESS_PAYMENT").set_fault_spec(None)
        window.restart_button.click()
        wait_until(lambda: not window.restart_button.isVisible() and not window.busy)
        shoot(window, "recovered")

        # A dead letter: the seat cannot be given back.
        window.pipeline.card("RESERVE_SEAT").set_fault_spec("compensation_fail:forever")
        window.pipeline.card("CONFIRM_BOOKING").set_fault_spec("fail")
        window.run_button.click()
        wait_until(lambda: window.dead_letter_table.rowCount() > 0 and not window.busy)
        window.tabs.setCurrentWidget(window.dead_tab)
        shoot(window, "dead_letters")

        # The timeline of a run with retries, a timeout and a compensation retried.
        window.pipeline.set_fault_specs(
            {
                "deduct_loyalty_points": "transient:2",
                "reserve_seat": "compensation_fail:1",
                "confirm_booking": "timeout",
            }
        )
        window.run_button.click()
        wait_until(lambda: status(window, "RESERVE_SEAT") == "COMPENSATED" and not window.busy)
        window.tabs.setCurrentWidget(window._timeline_tab)
        run = window.state.live_run()
        assert run is not None
        window.show_on_timeline(run.known_events() or [])
        wait_until(lambda: bool(window.timeline.view.bars()))
        shoot(window, "timeline")
        report = window.run_files.html_report(run, run.known_events() or [])
        (HERE / "report.html").write_text(report, encoding="utf-8")
        print("saved", HERE / "report.html")
        window.tabs.setCurrentWidget(window.log)

        # Dark theme, mid-compensation, at the default size.
        window.set_dark_theme(True)
        window.pipeline.set_fault_specs({"process_payment": "fail"})
        paused_mid_compensation(window)
        shoot(window, "dark")
        finish(window)
        window.set_dark_theme(False)

        # Presenter mode, F11 first (at the default size), paused mid-compensation,
        # with its caption; the "window manager" then gives it the 1920x1080 screen.
        window.pipeline.set_fault_specs({"process_payment": "fail"})
        window.presenter_action.trigger()
        pump(200)
        window.resize(1920, 1080)
        pump(200)
        paused_mid_compensation(window)
        shoot(window, "presenter")
        finish(window)
        window.presenter_action.trigger()
        window.close()
    return 0


TRIP = HERE.parent / "sagas" / "trip_booking.saga.toml"


def trip_saga(out: Path | None) -> int:
    """The six-step trip saga: its pivot (the card payment) fails; paused while undoing."""
    quiet_offscreen_warnings()
    create_application()
    shots = [("trip_saga", (1280, 800), False, HERE)]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        shots += [
            ("trip_saga_1920", (1920, 1080), False, out),
            ("trip_saga_dark", (1280, 800), True, out),
            ("trip_saga_dark_1920", (1920, 1080), True, out),
        ]
    for name, (width, height), dark, folder in shots:
        with tempfile.TemporaryDirectory() as scratch:
            window = MainWindow(data_dir=Path(scratch) / "world", saga=TRIP)
            window.resize(width, height)
            window.set_dark_theme(dark)
            window.show()
            wait_until(lambda w=window: w.world.state is not None)
            # One trip booked first: the world panel shows what a saga takes and gives back.
            window.speed_slider.setValue(SPEED_INSTANT)
            window.run_button.click()
            wait_until(lambda w=window: status(w, "EMAIL_TRAVELLER") == "COMPLETED")
            wait_until(lambda w=window: not w.busy)
            window.pipeline.set_fault_specs({"charge_card": "fail"})
            window.speed_slider.setValue(60)
            window.pause_button.click()
            window.run_button.click()
            while status(window, "BOOK_HOTEL") != "COMPENSATING":
                window.step_button.click()
                pump(120)
            pump(400)
            target = folder / f"{name}.png"
            window.grab().save(str(target))
            print("saved", target)
            finish(window)
            window.set_dark_theme(False)
            window.close()
    return 0


if __name__ == "__main__":
    if "--saga-only" in sys.argv:
        out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
        sys.exit(trip_saga(Path(out) if out else None))
    sys.exit(main())
