"""``saga-desktop --self-test``: the five scenarios through the real window and worker."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer

from saga_desktop.booking import SCENARIOS, STEP_KEYS, check_scenario
from saga_desktop.gui.app import create_application, quiet_offscreen_warnings
from saga_desktop.gui.closing import close_without_asking

__all__ = ["run_self_test"]

_TIMEOUT_MS = 20_000


def _wait_for(window: Any, signal: Any) -> Any:
    """Run the event loop until ``signal`` fires (or the timeout); return its argument."""
    loop = QEventLoop()
    received: list[Any] = []

    def on_signal(value: Any) -> None:
        received.append(value)
        loop.quit()

    signal.connect(on_signal)
    QTimer.singleShot(_TIMEOUT_MS, loop.quit)
    loop.exec()
    signal.disconnect(on_signal)
    return received[0] if received else None


def run_self_test(data_dir: Path | None = None) -> int:
    """Open the window, run the five scenarios at Instant speed, check the world.

    Parameters
    ----------
    data_dir
        Where the scratch world goes (a new temporary directory by default, so
        the user's world is never touched).

    Returns
    -------
    int
        0 when every scenario passed and the world adds up, else 1. One line
        is printed either way.
    """
    from saga_desktop.gui.main_window import SPEED_INSTANT, MainWindow

    started = time.perf_counter()
    quiet_offscreen_warnings()
    app = create_application()
    with tempfile.TemporaryDirectory(prefix="saga-self-test-") as scratch:
        window = MainWindow(data_dir=data_dir or Path(scratch) / "world")
        window.set_animations_enabled(False)
        window.speed_slider.setValue(SPEED_INSTANT)
        window.show()
        problems: list[str] = []
        passed = 0
        try:
            loop = QEventLoop()
            QTimer.singleShot(0, loop.quit)
            while window.world.state is None and time.perf_counter() - started < 20:
                loop.exec()
                QTimer.singleShot(10, loop.quit)
            for scenario in SCENARIOS:
                for key in STEP_KEYS:
                    window.pipeline.card(key.upper()).fail_toggle().setChecked(
                        bool(scenario.failure_scenarios.get(key))
                    )
                before = dict(window.world.state or {})
                window.run_button.click()
                response = _wait_for(window, window.saga_finished)
                if response is None:
                    problems.append(f"{scenario.name}: no result within {_TIMEOUT_MS / 1000:.0f} s")
                    continue
                found = check_scenario(scenario, response, before, dict(window.world.state or {}))
                problems.extend(f"{scenario.name}: {p}" for p in found)
                passed += not found
        finally:
            # A scenario that timed out may still run: nobody is there to be asked.
            close_without_asking(window)
            app.processEvents()
    seconds = time.perf_counter() - started
    if problems:
        print(
            f"self-test FAILED: {passed} of {len(SCENARIOS)} scenarios passed "
            f"({seconds:.1f} s); {problems[0]}"
        )
        return 1
    print(
        f"self-test passed: {passed} of {len(SCENARIOS)} scenarios through the window, "
        f"invariants hold ({seconds:.1f} s)"
    )
    return 0
