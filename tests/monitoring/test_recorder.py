"""The metrics recorder: live (a tap of the saga log) and read back, the same figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from saga_desktop import booking, engine, monitoring
from saga_desktop.booking import BatchPlan, BookingSagaOrchestrator, Fault, FaultKind, run_batch


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(values: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str):
    return sum(
        value
        for (sample, keys), value in values.items()
        if sample == name and all((k, v) in keys for k, v in labels.items())
    )


def _batch(data_dir: Path, count: int, seed: int, rate: float = 0.6):
    recorder = monitoring.MetricsRecorder()
    with BookingSagaOrchestrator(
        data_dir, write_logs=False, keep_events=False, tap=recorder
    ) as orchestrator:
        report = run_batch(orchestrator, BatchPlan(count, rate, seed))
    return recorder, report


def _history(data_dir: Path) -> monitoring.MetricsRecorder:
    store = engine.SqliteEventStore(data_dir / booking.SAGA_LOG_DB, create=False)
    try:
        recorder, _ = monitoring.record_history(store)
    finally:
        store.close()
    return recorder


def test_a_batch_counted_live_equals_its_report_and_its_saga_log(tmp_path: Path) -> None:
    recorder, report = _batch(tmp_path, 300, seed=11)
    live = recorder.snapshot()
    assert live.total_runs("completed") == report.confirmed
    assert live.total_runs("compensated") == report.compensated
    assert live.total_runs("dead_lettered") == report.dead_lettered
    results = live.compensation_results()
    assert results["succeeded"] == report.compensations["succeeded"]
    assert results["failed"] == report.compensations["dead_lettered"]
    assert results["retried"] == report.compensations["retried"]
    assert live.retries_by_step() == dict(report.retries)
    assert live.compensation_success_rate() == report.compensation_success_rate
    # Some of everything was drawn, or the comparison proves little.
    assert report.compensations["succeeded"]
    assert report.compensations["retried"]
    assert sum(report.retries.values()) > 0
    # The saga log read back says the same, sample for sample.
    assert samples(monitoring.exposition(_history(tmp_path))) == samples(
        monitoring.exposition(recorder)
    )


def test_the_exposition_parses_and_names_follow_the_conventions(tmp_path: Path) -> None:
    recorder, report = _batch(tmp_path, 60, seed=3)
    text = monitoring.exposition(recorder)
    families = {family.name: family.type for family in text_string_to_metric_families(text)}
    assert families == {
        "saga_runs": "counter",
        "saga_step_attempts": "counter",
        "saga_compensations": "counter",
        "saga_retries": "counter",
        "saga_timeouts": "counter",
        "saga_dead_letters": "gauge",
        "saga_duration_seconds": "histogram",
        "saga_step_duration_seconds": "histogram",
    }
    values = samples(text)
    assert total(values, "saga_duration_seconds_count") == report.started
    assert total(values, "saga_duration_seconds_bucket", le="+Inf") == report.started
    # No correlation id is ever a label.
    labels = {key for (_, keys) in values for key, _ in keys}
    assert labels <= {"saga", "outcome", "step", "result", "le"}


def test_open_dead_letters_go_down_when_one_is_resolved(tmp_path: Path) -> None:
    recorder = monitoring.MetricsRecorder()
    with BookingSagaOrchestrator(tmp_path, write_logs=False, tap=recorder) as orchestrator:
        plan = {
            "reserve_seat": Fault(FaultKind.COMPENSATION_FAIL, times=None),
            "process_payment": Fault(FaultKind.FAIL),
        }
        request = orchestrator.validate(
            {
                "flight_id": 123,
                "user_id": 1,
                "total_fare": 500,
                "passengers": [{"first_name": "A", "last_name": "B"}],
            }
        )
        result = orchestrator.run(request, plan)
        assert result.dead_letters
        assert sum(recorder.snapshot().dead_letters.values()) == 1
        orchestrator.resolve_dead_letter(orchestrator.dead_letters()[0])
    assert sum(recorder.snapshot().dead_letters.values()) == 0
    assert sum(_history(tmp_path).snapshot().dead_letters.values()) == 0


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**16), rate=st.floats(0, 1))
def test_live_and_read_back_agree_for_any_batch(tmp_path_factory, seed: int, rate: float) -> None:
    data_dir = tmp_path_factory.mktemp("world")
    recorder, _ = _batch(data_dir, 12, seed, rate)
    assert samples(monitoring.exposition(_history(data_dir))) == samples(
        monitoring.exposition(recorder)
    )


@pytest.mark.parametrize(
    "code",
    [
        "import saga_desktop.cli as c\ntry:\n    c.main(['--help'])\nexcept SystemExit:\n    pass",
        "import saga_desktop.monitoring as m\nm.MetricsRecorder()(None)",
        "import saga_desktop.cli as c\nc._build_parser().parse_args(['batch', '--count', '1'])",
    ],
    ids=["help", "recorder", "parser"],
)
def test_the_monitoring_libraries_load_only_when_asked_for(code: str) -> None:
    check = (
        f"{code}\nimport sys\n"
        "print(sorted(m for m in sys.modules if m.startswith(('prometheus', 'opentelemetry'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
