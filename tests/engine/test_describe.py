"""Log lines: every event described, at the right level, in the guide's format."""

from __future__ import annotations

import re
import time

import pytest

from saga_desktop.engine import (
    LOGGER_NAME,
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    DeadLetterResolved,
    LogLine,
    SagaCompensated,
    SagaCompleted,
    SagaStarted,
    StepError,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
    describe,
    format_log_line,
    format_timestamp,
)

CID = "0a1b2c3d-0000-4000-8000-000000000008"
AT = 1_700_000_000.123
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \[saga_desktop\.engine\.orchestrator\] - "
    r"(DEBUG|INFO|WARNING|ERROR) - .* \(correlation_id=[0-9a-f-]{36}\)$"
)

CASES = [
    (
        SagaStarted(CID, AT, "booking", ("SEAT", "PAY"), {}),
        [
            ("INFO", "[SAGA] Starting booking SAGA with 2 steps"),
            ("DEBUG", "[QUEUE] Enqueued step: SEAT"),
            ("DEBUG", "[QUEUE] Enqueued step: PAY"),
        ],
    ),
    (
        StepStarted(CID, AT, "SEAT", 1, 3),
        [("DEBUG", "[QUEUE] Dequeued step: SEAT"), ("INFO", "[QUEUE] Executing step: SEAT")],
    ),
    (
        StepStarted(CID, AT, "SEAT", 2, 3),
        [("INFO", "[QUEUE] Executing step: SEAT (attempt 2/3)")],
    ),
    (
        StepSucceeded(CID, AT, "SEAT", 1, {"seat": "12A"}),
        [
            ("INFO", "[SAGA] ✅ Step SEAT completed successfully"),
            ("DEBUG", "[QUEUE] Step completed: SEAT"),
            ("DEBUG", "[QUEUE] Compensation pushed: COMPENSATE_SEAT"),
        ],
    ),
    (
        StepRetried(CID, AT, "PAY", 1, 3, 0.5, "gateway busy"),
        [("WARNING", "[SAGA] Step PAY failed on attempt 1/3: gateway busy; retrying in 0.50 s")],
    ),
    (
        StepFailed(CID, AT, "PAY", 1, "card declined", True, False),
        [
            ("WARNING", "[SAGA] ❌ Step PAY failed: card declined"),
            ("DEBUG", "[QUEUE] Step failed: PAY"),
        ],
    ),
    (
        StepFailed(CID, AT, "PAY", 1, "ZeroDivisionError: division by zero", False, False),
        [
            ("ERROR", "[SAGA] ❌ Step PAY failed: ZeroDivisionError: division by zero"),
            ("DEBUG", "[QUEUE] Step failed: PAY"),
        ],
    ),
    (
        StepFailed(CID, AT, "PAY", 1, "no reply within 2 s: effect unknown", False, True),
        [
            ("WARNING", "[SAGA] ⏱ Step PAY timed out: no reply within 2 s: effect unknown"),
            ("DEBUG", "[QUEUE] Step failed: PAY"),
            ("DEBUG", "[QUEUE] Compensation pushed: COMPENSATE_PAY (effect unknown)"),
        ],
    ),
    (
        CompensationTriggered(CID, AT, "PAY", ("PAY", "SEAT"), False),
        [("INFO", "[SAGA] COMPENSATION TRIGGERED by PAY: COMPENSATE_PAY → COMPENSATE_SEAT")],
    ),
    (
        CompensationTriggered(CID, AT, "SEAT", (), False),
        [("INFO", "[SAGA] COMPENSATION TRIGGERED by SEAT: nothing to undo")],
    ),
    (
        CompensationTriggered(CID, AT, None, ("SEAT",), True),
        [("WARNING", "[RECOVERY] Resuming interrupted SAGA; compensating: COMPENSATE_SEAT")],
    ),
    (
        CompensationStarted(CID, AT, "SEAT", "COMPENSATE_SEAT", 1, 2),
        [
            ("DEBUG", "[QUEUE] Compensation popped: COMPENSATE_SEAT"),
            ("INFO", "[COMPENSATION] Executing COMPENSATE_SEAT"),
        ],
    ),
    (
        CompensationStarted(CID, AT, "SEAT", "COMPENSATE_SEAT", 2, 2),
        [("INFO", "[COMPENSATION] Executing COMPENSATE_SEAT (attempt 2/2)")],
    ),
    (
        CompensationSucceeded(CID, AT, "SEAT", "COMPENSATE_SEAT", 1, {}),
        [("INFO", "[COMPENSATION] ✅ COMPENSATE_SEAT completed successfully")],
    ),
    (
        CompensationRetried(CID, AT, "SEAT", "COMPENSATE_SEAT", 1, 2, 1.25, "locked"),
        [
            (
                "WARNING",
                "[COMPENSATION] COMPENSATE_SEAT failed on attempt 1/2: locked; retrying in 1.25 s",
            )
        ],
    ),
    (
        CompensationFailed(CID, AT, "SEAT", "COMPENSATE_SEAT", 2, "locked", True),
        [("WARNING", "[COMPENSATION] ❌ COMPENSATE_SEAT failed after 2 attempt(s): locked")],
    ),
    (
        CompensationFailed(CID, AT, "SEAT", "COMPENSATE_SEAT", 1, "OSError: disk", False),
        [("ERROR", "[COMPENSATION] ❌ COMPENSATE_SEAT failed after 1 attempt(s): OSError: disk")],
    ),
    (
        DeadLettered(CID, AT, "SEAT", "COMPENSATE_SEAT", 2, "locked"),
        [("ERROR", "[DLQ] COMPENSATE_SEAT moved to the dead-letter queue: locked")],
    ),
    (
        DeadLetterResolved(CID, AT, "SEAT", "COMPENSATE_SEAT", "retried"),
        [("INFO", "[DLQ] COMPENSATE_SEAT left the dead-letter queue: retried successfully")],
    ),
    (
        DeadLetterResolved(CID, AT, "SEAT", "COMPENSATE_SEAT", "resolved"),
        [("INFO", "[DLQ] COMPENSATE_SEAT left the dead-letter queue: marked resolved by hand")],
    ),
    (
        SagaCompleted(CID, AT, 2, {"SEAT": {}, "PAY": {}}),
        [("INFO", "[SAGA] SAGA completed: all 2 steps succeeded")],
    ),
    (
        SagaCompensated(CID, AT, "PAY", "declined", 1, ("COMPENSATE_SEAT",), (), False),
        [("INFO", "[SAGA] SAGA failed at PAY; all changes reversed (1 compensation(s))")],
    ),
    (
        SagaCompensated(CID, AT, None, "stopped", 0, (), (), True),
        [("INFO", "[SAGA] SAGA failed (interrupted); all changes reversed (0 compensation(s))")],
    ),
    (
        SagaCompensated(
            CID,
            AT,
            "PAY",
            "declined",
            2,
            ("COMPENSATE_A",),
            ("COMPENSATE_B", "COMPENSATE_C"),
            False,
        ),
        [
            (
                "ERROR",
                "[SAGA] SAGA failed at PAY; 1 compensation(s) done, 2 dead-lettered: "
                "COMPENSATE_B, COMPENSATE_C",
            )
        ],
    ),
]


@pytest.mark.parametrize(("event", "expected"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_describe_gives_exact_lines(event, expected):
    assert describe(event) == tuple(LogLine(level, message) for level, message in expected)


def test_every_event_of_real_runs_is_described(sample_events):
    for event in sample_events:
        lines = describe(event)

        assert lines, event
        for line in lines:
            assert line.level in {"DEBUG", "INFO", "WARNING", "ERROR"}
            assert LINE.match(format_log_line(event, line)), format_log_line(event, line)


def test_levels_of_real_failures(participant, orchestrator_for):
    injected = orchestrator_for(
        participant.step("A", errors=[StepError("sold out", injected=True)])
    ).run()
    real = orchestrator_for(
        participant.step("B", errors=[ZeroDivisionError("division by zero")])
    ).run()

    def failure_lines(result):
        return [line for e in result.events if isinstance(e, StepFailed) for line in describe(e)]

    assert failure_lines(injected)[0] == LogLine("WARNING", "[SAGA] ❌ Step A failed: sold out")
    assert failure_lines(real)[0] == LogLine(
        "ERROR", "[SAGA] ❌ Step B failed: ZeroDivisionError: division by zero"
    )


def test_format_log_line_exactly():
    event = SagaCompleted(CID, AT, 2, {})
    line = LogLine("INFO", "[SAGA] SAGA completed: all 2 steps succeeded")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1_700_000_000))

    text = format_log_line(event, line)

    assert text == (
        f"{stamp},123 - [saga_desktop.engine.orchestrator] - INFO - "
        f"[SAGA] SAGA completed: all 2 steps succeeded (correlation_id={CID})"
    )
    assert LINE.match(text)
    assert LOGGER_NAME == "saga_desktop.engine.orchestrator"


@pytest.mark.parametrize(
    ("at", "whole", "millis"),
    [
        (1_700_000_000.0, 1_700_000_000, "000"),
        (1_700_000_000.001, 1_700_000_000, "001"),
        (1_700_000_000.123, 1_700_000_000, "123"),
        (1_700_000_000.5, 1_700_000_000, "500"),
        (1_700_000_000.999, 1_700_000_000, "999"),
        (1_700_000_000.9996, 1_700_000_001, "000"),  # rounds up into the next second
        (1.005, 1, "005"),
    ],
)
def test_format_timestamp_milliseconds(at, whole, millis):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(whole))

    assert format_timestamp(at) == f"{stamp},{millis}"
