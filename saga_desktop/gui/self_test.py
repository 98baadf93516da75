"""``saga-desktop --self-test``: the scenarios through the real window and worker.

For the flight booking they are the guide's five; with ``--saga FILE`` they are
that saga's generated ones (the success, then one failure per step), checked as
``saga-desktop scenarios --saga FILE`` checks them.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QTimer

from saga_desktop import booking
from saga_desktop.gui.app import create_application, quiet_offscreen_warnings
from saga_desktop.gui.closing import close_without_asking

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec
    from saga_desktop.gui.main_window import MainWindow

__all__ = ["run_self_test"]

_TIMEOUT_MS = 20_000

#: What a scenario's run is judged by: response, world before, world after → problems.
_Check = Callable[[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]], list[str]]


@dataclasses.dataclass(frozen=True, slots=True)
class _Case:
    """One scenario as the self-test runs it: its switches and its check."""

    name: str
    #: Step key → True for the switches to turn on (their kind set from ``kinds``).
    kinds: Mapping[str, str]
    check: _Check


def _cases(saga: SagaSpec | None) -> list[_Case]:
    if saga is None:
        return [
            _Case(
                scenario.name,
                {key: "fail" for key, on in scenario.failure_scenarios.items() if on},
                functools.partial(booking.check_scenario, scenario),
            )
            for scenario in booking.SCENARIOS
        ]
    return [
        _Case(
            scenario.name,
            {key: str(fault) for key, fault in scenario.faults.items()},
            functools.partial(booking.check_saga_scenario, scenario),
        )
        for scenario in booking.generated_scenarios(saga)
    ]


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


def _wait_for_world(window: MainWindow, started: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    while window.world.state is None and time.perf_counter() - started < 20:
        loop.exec()
        QTimer.singleShot(10, loop.quit)


def _run_case(window: MainWindow, case: _Case) -> list[str]:
    """Set the switches as ``case`` says, press Run, and judge what the window got."""
    for name, card in window.pipeline.cards().items():
        kind = case.kinds.get(name.lower())
        # As a person does: the switch, then the kind when it is not a plain failure.
        card.fail_toggle().setChecked(kind is not None)
        if kind is not None and kind != "fail":
            card.set_fault_spec(kind)
    before = dict(window.world.state or {})
    window.run_button.click()
    response = _wait_for(window, window.saga_finished)
    if response is None:
        return [f"{case.name}: no result within {_TIMEOUT_MS / 1000:.0f} s"]
    after = dict(window.world.state or {})
    return [f"{case.name}: {p}" for p in case.check(response, before, after)]


def run_self_test(data_dir: Path | None = None, saga: SagaSpec | None = None) -> int:
    """Open the window, run the scenarios at Instant speed, check the world.

    Parameters
    ----------
    data_dir
        Where the scratch world goes (a new temporary directory by default, so
        the user's world is never touched).
    saga
        A saga file's saga: its generated scenarios run (the guide's five when None).

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
    cases = _cases(saga)
    with tempfile.TemporaryDirectory(prefix="saga-self-test-") as scratch:
        window = MainWindow(data_dir=data_dir or Path(scratch) / "world", saga=saga)
        window.set_animations_enabled(False)
        window.speed_slider.setValue(SPEED_INSTANT)
        window.show()
        problems: list[str] = []
        passed = 0
        try:
            _wait_for_world(window, started)
            for case in cases:
                found = _run_case(window, case)
                problems.extend(found)
                passed += not found
        finally:
            # A scenario that timed out may still run: nobody is there to be asked.
            close_without_asking(window)
            app.processEvents()
    seconds = time.perf_counter() - started
    what = "" if saga is None else f" of {saga.name}"
    if problems:
        print(
            f"self-test FAILED: {passed} of {len(cases)} scenarios{what} passed "
            f"({seconds:.1f} s); {problems[0]}"
        )
        return 1
    print(
        f"self-test passed: {passed} of {len(cases)} scenarios{what} through the window, "
        f"invariants hold ({seconds:.1f} s)"
    )
    return 0
