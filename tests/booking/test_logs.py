"""The guide's log files: ``saga_orchestrator.log`` lines and ``saga_bookings.log`` JSON lines."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from saga_desktop.booking import (
    BOOKINGS_LOG,
    ORCHESTRATOR_LOG,
    SCENARIOS,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
    SagaLogFiles,
)
from saga_desktop.booking._logs import LoggedEventStore
from saga_desktop.engine import (
    EventStoreError,
    SagaStarted,
    SimulatedCrash,
    SqliteEventStore,
    StepStarted,
    VirtualClock,
)

CID = "00000000-0000-4000-8000-00000000000a"


def line_pattern(cid: str) -> re.Pattern[str]:
    """The guide's log line format, ending with the saga's correlation id."""
    return re.compile(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - \[saga_desktop\.engine\.orchestrator\] - "
        r"(DEBUG|INFO|WARNING|ERROR) - \[(SAGA|QUEUE|COMPENSATION|DLQ|RECOVERY)\] "
        r".*correlation_id=" + re.escape(cid) + r"\)$"
    )


def log_lines(data_dir: Path) -> list[str]:
    text = (data_dir / "logs" / ORCHESTRATOR_LOG).read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")


def bookings_log(data_dir: Path) -> list[dict]:
    text = (data_dir / "logs" / BOOKINGS_LOG).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def messages(lines: list[str]) -> list[tuple[str, str]]:
    """(level, message without the correlation id) of each line."""
    found = []
    for line in lines:
        level, message = line.split(" - ", 3)[2:]
        found.append((level, message.rsplit(" (correlation_id=", 1)[0]))
    return found


def assert_in_order(wanted: list[tuple[str, str]], lines: list[tuple[str, str]]) -> None:
    position = 0
    for item in wanted:
        if item not in lines[position:]:
            pytest.fail(f"{item} missing after line {position} of {lines}")
        position = lines.index(item, position) + 1


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_every_line_has_the_guides_format_and_the_sagas_id(
    orchestrator, booking, data_dir, scenario
):
    response = orchestrator.start_booking_saga(booking, scenario.failure_scenarios)

    pattern = line_pattern(response["correlation_id"])
    lines = log_lines(data_dir)
    assert len(lines) > 10
    for line in lines:
        assert pattern.match(line), line


def test_success_log_has_the_guides_lines_and_queue_operations(orchestrator, booking, data_dir):
    orchestrator.start_booking_saga(booking)

    lines = messages(log_lines(data_dir))
    assert lines[0] == ("INFO", "[SAGA] Starting booking SAGA with 4 steps")
    wanted = []
    for step in ("RESERVE_SEAT", "DEDUCT_LOYALTY_POINTS", "PROCESS_PAYMENT", "CONFIRM_BOOKING"):
        assert ("DEBUG", f"[QUEUE] Enqueued step: {step}") in lines[1:5]
        wanted += [
            ("DEBUG", f"[QUEUE] Dequeued step: {step}"),
            ("INFO", f"[QUEUE] Executing step: {step}"),
            ("INFO", f"[SAGA] ✅ Step {step} completed successfully"),
            ("DEBUG", f"[QUEUE] Compensation pushed: COMPENSATE_{step}"),
        ]
    assert_in_order(wanted, lines)
    assert lines[-1] == ("INFO", "[SAGA] SAGA completed: all 4 steps succeeded")
    assert not [line for line in lines if line[0] in ("WARNING", "ERROR")]


def test_injected_failure_is_a_warning_and_compensations_are_popped(
    orchestrator, booking, data_dir
):
    orchestrator.start_booking_saga(booking, {"process_payment": True})

    lines = messages(log_lines(data_dir))
    warnings = [message for level, message in lines if level == "WARNING"]
    assert warnings == [
        "[SAGA] ❌ Step PROCESS_PAYMENT failed: Payment authorization failed (injected)"
    ]
    assert_in_order(
        [
            (
                "INFO",
                "[SAGA] COMPENSATION TRIGGERED by PROCESS_PAYMENT: "
                "COMPENSATE_DEDUCT_LOYALTY_POINTS → COMPENSATE_RESERVE_SEAT",
            ),
            ("DEBUG", "[QUEUE] Compensation popped: COMPENSATE_DEDUCT_LOYALTY_POINTS"),
            ("INFO", "[COMPENSATION] Executing COMPENSATE_DEDUCT_LOYALTY_POINTS"),
            ("INFO", "[COMPENSATION] ✅ COMPENSATE_DEDUCT_LOYALTY_POINTS completed successfully"),
            ("DEBUG", "[QUEUE] Compensation popped: COMPENSATE_RESERVE_SEAT"),
            ("INFO", "[COMPENSATION] ✅ COMPENSATE_RESERVE_SEAT completed successfully"),
            (
                "INFO",
                "[SAGA] SAGA failed at PROCESS_PAYMENT; all changes reversed (2 compensation(s))",
            ),
        ],
        lines,
    )


def test_a_real_failure_is_an_error(orchestrator, data_dir):
    big = {
        "flight_id": 456,
        "user_id": 3,
        "total_fare": 100.0,
        "passengers": [{"first_name": f"P{i}", "last_name": "X"} for i in range(9)],
    }
    for _ in range(4):
        orchestrator.start_booking_saga(big)

    errors = [m for level, m in messages(log_lines(data_dir)) if level == "ERROR"]
    assert errors == ["[SAGA] ❌ Step RESERVE_SEAT failed: flight 456 has 3 free seat(s), 9 needed"]


def test_retries_timeouts_and_dead_letters_are_logged(orchestrator, booking, data_dir):
    faults = {
        "deduct_loyalty_points": Fault(FaultKind.TRANSIENT, 1),
        "reserve_seat": Fault(FaultKind.COMPENSATION_FAIL, None),
        "process_payment": Fault(FaultKind.TIMEOUT),
    }
    response = orchestrator.start_booking_saga(booking, faults=faults)

    pattern = line_pattern(response["correlation_id"])
    raw = log_lines(data_dir)
    assert all(pattern.match(line) for line in raw)
    lines = messages(raw)
    assert any(
        level == "WARNING"
        and m.startswith("[SAGA] Step DEDUCT_LOYALTY_POINTS failed on attempt 1/3")
        for level, m in lines
    )
    assert any(m.startswith("[SAGA] ⏱ Step PROCESS_PAYMENT timed out") for _, m in lines)
    assert (
        "DEBUG",
        "[QUEUE] Compensation pushed: COMPENSATE_PROCESS_PAYMENT (effect unknown)",
    ) in (lines)
    dlq = [m for level, m in lines if level == "ERROR" and m.startswith("[DLQ]")]
    assert dlq == [
        "[DLQ] COMPENSATE_RESERVE_SEAT moved to the dead-letter queue: COMPENSATE_RESERVE_SEAT "
        "failed (injected failure for ever)"
    ]


def test_recovery_is_logged(orchestrator, booking, data_dir):
    with pytest.raises(SimulatedCrash):
        orchestrator.start_booking_saga(booking, faults={"reserve_seat": Fault(FaultKind.CRASH)})
    (result,) = orchestrator.recover()

    pattern = line_pattern(result.correlation_id)
    raw = log_lines(data_dir)
    assert all(pattern.match(line) for line in raw)
    assert (
        "WARNING",
        "[RECOVERY] Resuming interrupted SAGA; compensating: COMPENSATE_RESERVE_SEAT",
    ) in messages(raw)


def test_bookings_log_has_one_json_object_per_saga(orchestrator, booking, data_dir):
    ids = [
        orchestrator.start_booking_saga(booking, scenario.failure_scenarios)["correlation_id"]
        for scenario in SCENARIOS
    ]

    entries = bookings_log(data_dir)
    assert [entry["correlation_id"] for entry in entries] == ids
    assert [entry["success"] for entry in entries] == [True, False, False, False, False]
    assert entries[3]["failed_step"] == "PROCESS_PAYMENT"
    assert entries[0]["booking_reference"]


def test_logs_append_across_orchestrators(tmp_path, booking):
    for _ in range(2):
        with BookingSagaOrchestrator(tmp_path) as orchestrator:
            orchestrator.start_booking_saga(booking)

    assert len(bookings_log(tmp_path)) == 2
    starts = [m for _, m in messages(log_lines(tmp_path)) if "Starting booking SAGA" in m]
    assert len(starts) == 2


def test_the_log_file_is_the_same_whether_or_not_somebody_listens(tmp_path, booking):
    plan = {"process_payment": Fault(FaultKind.COMPENSATION_FAIL, 1)}
    texts = []
    for listeners in ([], [lambda event: None]):
        data_dir = tmp_path / f"listeners-{len(listeners)}"
        with BookingSagaOrchestrator(
            data_dir,
            listeners=listeners,
            clock=VirtualClock(lambda: 1_700_000_000.0),
            rng=random.Random(0),
        ) as orchestrator:
            request = orchestrator.validate(booking)
            plan["confirm_booking"] = Fault(FaultKind.FAIL)
            orchestrator.run(request, plan, correlation_id=CID)
        texts.append((data_dir / "logs" / ORCHESTRATOR_LOG).read_text(encoding="utf-8"))

    assert texts[0] == texts[1]
    assert len(texts[0].splitlines()) > 20


def test_lines_are_written_once_their_events_are_committed(tmp_path):
    store = SqliteEventStore(tmp_path / "saga_log.db")
    logs = SagaLogFiles(tmp_path / "logs")
    sink = LoggedEventStore(store, logs)
    log_file = tmp_path / "logs" / ORCHESTRATOR_LOG
    try:
        sink.stage(SagaStarted(CID, 1.0, "booking", ("RESERVE_SEAT",), {}))
        sink.stage(StepStarted(CID, 2.0, "RESERVE_SEAT", 1, 3))
        assert log_file.read_text(encoding="utf-8") == ""

        sink.commit()

        text = log_file.read_text(encoding="utf-8")
        assert "Starting booking SAGA" in text
        assert "RESERVE_SEAT" in text
        assert [type(e).__name__ for e in store.history(CID)] == ["SagaStarted", "StepStarted"]
        # A commit with nothing staged writes nothing.
        sink.commit()
        assert log_file.read_text(encoding="utf-8") == text
    finally:
        logs.close()
        store.close()


def test_lines_of_events_a_failed_commit_lost_are_never_written(tmp_path):
    store = SqliteEventStore(tmp_path / "saga_log.db")
    logs = SagaLogFiles(tmp_path / "logs")
    sink = LoggedEventStore(store, logs)
    try:
        # A trigger stands in for a disk error at the commit.
        store._db.execute(
            "CREATE TRIGGER fail BEFORE INSERT ON sagas BEGIN SELECT RAISE(ABORT, 'disk'); END"
        )
        sink.stage(SagaStarted(CID, 1.0, "booking", ("RESERVE_SEAT",), {}))
        with pytest.raises(EventStoreError, match="disk"):
            sink.commit()
        store._db.execute("DROP TRIGGER fail")
        sink.stage(StepStarted(CID, 2.0, "RESERVE_SEAT", 1, 3))
        sink.commit()
    finally:
        logs.close()
        store.close()

    text = (tmp_path / "logs" / ORCHESTRATOR_LOG).read_text(encoding="utf-8")
    assert "Starting booking SAGA" not in text
    assert "RESERVE_SEAT" in text
