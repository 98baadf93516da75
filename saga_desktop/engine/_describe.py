"""Log lines for events, in the guide's words — the one place they are written.

The log file, the window's log pane and the command line all print what
:func:`describe` returns, so they never disagree.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable

from saga_desktop.engine._events import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    DeadLetterResolved,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
)

__all__ = [
    "LOGGER_NAME",
    "LogLine",
    "describe",
    "format_log_line",
    "format_timestamp",
]

#: The logger name the guide's format shows between brackets.
LOGGER_NAME = "saga_desktop.engine.orchestrator"

DEBUG, INFO, WARNING, ERROR = "DEBUG", "INFO", "WARNING", "ERROR"


@dataclasses.dataclass(frozen=True, slots=True)
class LogLine:
    """One log line of an event: a level name and a message."""

    level: str
    message: str


def _saga_started(e: SagaStarted) -> tuple[LogLine, ...]:
    return (
        LogLine(INFO, f"[SAGA] Starting {e.saga_name} SAGA with {len(e.steps)} steps"),
        *(LogLine(DEBUG, f"[QUEUE] Enqueued step: {name}") for name in e.steps),
    )


def _step_started(e: StepStarted) -> tuple[LogLine, ...]:
    if e.attempt == 1:
        return (
            LogLine(DEBUG, f"[QUEUE] Dequeued step: {e.step}"),
            LogLine(INFO, f"[QUEUE] Executing step: {e.step}"),
        )
    return (
        LogLine(INFO, f"[QUEUE] Executing step: {e.step} (attempt {e.attempt}/{e.max_attempts})"),
    )


def _step_succeeded(e: StepSucceeded) -> tuple[LogLine, ...]:
    return (
        LogLine(INFO, f"[SAGA] ✅ Step {e.step} completed successfully"),
        LogLine(DEBUG, f"[QUEUE] Step completed: {e.step}"),
        LogLine(DEBUG, f"[QUEUE] Compensation pushed: COMPENSATE_{e.step}"),
    )


def _step_retried(e: StepRetried) -> tuple[LogLine, ...]:
    return (
        LogLine(
            WARNING,
            f"[SAGA] Step {e.step} failed on attempt {e.attempt}/{e.max_attempts}: {e.error}; "
            f"retrying in {e.delay:.2f} s",
        ),
    )


def _step_failed(e: StepFailed) -> tuple[LogLine, ...]:
    if e.timed_out:
        return (
            LogLine(WARNING, f"[SAGA] ⏱ Step {e.step} timed out: {e.error}"),
            LogLine(DEBUG, f"[QUEUE] Step failed: {e.step}"),
            LogLine(DEBUG, f"[QUEUE] Compensation pushed: COMPENSATE_{e.step} (effect unknown)"),
        )
    level = WARNING if e.injected else ERROR
    return (
        LogLine(level, f"[SAGA] ❌ Step {e.step} failed: {e.error}"),
        LogLine(DEBUG, f"[QUEUE] Step failed: {e.step}"),
    )


def _compensation_triggered(e: CompensationTriggered) -> tuple[LogLine, ...]:
    order = " → ".join(f"COMPENSATE_{name}" for name in e.steps) or "nothing to undo"
    if e.recovery:
        return (LogLine(WARNING, f"[RECOVERY] Resuming interrupted SAGA; compensating: {order}"),)
    return (LogLine(INFO, f"[SAGA] COMPENSATION TRIGGERED by {e.failed_step}: {order}"),)


def _compensation_started(e: CompensationStarted) -> tuple[LogLine, ...]:
    if e.attempt == 1:
        return (
            LogLine(DEBUG, f"[QUEUE] Compensation popped: {e.compensation}"),
            LogLine(INFO, f"[COMPENSATION] Executing {e.compensation}"),
        )
    return (
        LogLine(
            INFO,
            f"[COMPENSATION] Executing {e.compensation} (attempt {e.attempt}/{e.max_attempts})",
        ),
    )


def _compensation_succeeded(e: CompensationSucceeded) -> tuple[LogLine, ...]:
    return (LogLine(INFO, f"[COMPENSATION] ✅ {e.compensation} completed successfully"),)


def _compensation_retried(e: CompensationRetried) -> tuple[LogLine, ...]:
    return (
        LogLine(
            WARNING,
            f"[COMPENSATION] {e.compensation} failed on attempt {e.attempt}/{e.max_attempts}: "
            f"{e.error}; retrying in {e.delay:.2f} s",
        ),
    )


def _compensation_failed(e: CompensationFailed) -> tuple[LogLine, ...]:
    return (
        LogLine(
            WARNING if e.injected else ERROR,
            f"[COMPENSATION] ❌ {e.compensation} failed after {e.attempt} attempt(s): {e.error}",
        ),
    )


def _dead_lettered(e: DeadLettered) -> tuple[LogLine, ...]:
    return (LogLine(ERROR, f"[DLQ] {e.compensation} moved to the dead-letter queue: {e.error}"),)


def _dead_letter_resolved(e: DeadLetterResolved) -> tuple[LogLine, ...]:
    how = "retried successfully" if e.resolution == "retried" else "marked resolved by hand"
    return (LogLine(INFO, f"[DLQ] {e.compensation} left the dead-letter queue: {how}"),)


def _saga_completed(e: SagaCompleted) -> tuple[LogLine, ...]:
    return (
        LogLine(
            INFO,
            f"[SAGA] SAGA completed: all {e.steps_completed} steps succeeded",
        ),
    )


def _saga_compensated(e: SagaCompensated) -> tuple[LogLine, ...]:
    where = f"at {e.failed_step}" if e.failed_step else "(interrupted)"
    if e.dead_letters:
        return (
            LogLine(
                ERROR,
                f"[SAGA] SAGA failed {where}; {len(e.compensated)} compensation(s) done, "
                f"{len(e.dead_letters)} dead-lettered: {', '.join(e.dead_letters)}",
            ),
        )
    return (
        LogLine(
            INFO,
            f"[SAGA] SAGA failed {where}; all changes reversed "
            f"({len(e.compensated)} compensation(s))",
        ),
    )


_DESCRIBERS: dict[type[SagaEvent], Callable[[SagaEvent], tuple[LogLine, ...]]] = {
    SagaStarted: _saga_started,  # type: ignore[dict-item]
    StepStarted: _step_started,  # type: ignore[dict-item]
    StepSucceeded: _step_succeeded,  # type: ignore[dict-item]
    StepRetried: _step_retried,  # type: ignore[dict-item]
    StepFailed: _step_failed,  # type: ignore[dict-item]
    CompensationTriggered: _compensation_triggered,  # type: ignore[dict-item]
    CompensationStarted: _compensation_started,  # type: ignore[dict-item]
    CompensationSucceeded: _compensation_succeeded,  # type: ignore[dict-item]
    CompensationRetried: _compensation_retried,  # type: ignore[dict-item]
    CompensationFailed: _compensation_failed,  # type: ignore[dict-item]
    DeadLettered: _dead_lettered,  # type: ignore[dict-item]
    DeadLetterResolved: _dead_letter_resolved,  # type: ignore[dict-item]
    SagaCompleted: _saga_completed,  # type: ignore[dict-item]
    SagaCompensated: _saga_compensated,  # type: ignore[dict-item]
}


def describe(event: SagaEvent) -> tuple[LogLine, ...]:
    """Return the log lines of ``event`` (without time stamp or correlation id).

    Parameters
    ----------
    event
        Any saga event.

    Returns
    -------
    tuple of LogLine
        One or more lines, in the order they are logged.
    """
    return _DESCRIBERS[type(event)](event)


def format_timestamp(at: float) -> str:
    """Format seconds since the epoch as the guide does: ``2024-01-20 10:30:45,123``.

    The time is rounded to the nearest millisecond.
    """
    # Rounding the whole count of milliseconds, not truncating the fraction:
    # ``(at - int(at)) * 1000`` turns 1700000000.123 into 122.99... and so ",122".
    whole, millis = divmod(round(at * 1000), 1000)
    return f"{_second_text(whole)},{millis:03d}"


# A log file gets a line per event and a saga's events share their second, so
# localtime() and strftime() (most of a line's cost) run once per second.
@functools.lru_cache(maxsize=64)
def _second_text(whole: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(whole))


def format_log_line(event: SagaEvent, line: LogLine) -> str:
    """Return ``line`` of ``event`` in the guide's log format, with the correlation id.

    Example: ``2024-01-20 10:30:45,123 - [saga_desktop.engine.orchestrator] - INFO -
    [SAGA] Starting booking SAGA with 4 steps (correlation_id=a1b2…)``.
    """
    return (
        f"{format_timestamp(event.at)} - [{LOGGER_NAME}] - {line.level} - "
        f"{line.message} (correlation_id={event.correlation_id})"
    )
