"""OpenTelemetry traces: one root span per saga, a child per attempt, as the saga log says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saga_desktop import booking, engine, monitoring
from saga_desktop.booking import BookingSagaOrchestrator, Fault, FaultKind

REQUEST = {
    "flight_id": 123,
    "user_id": 1,
    "total_fare": 500,
    "passengers": [{"first_name": "Ada", "last_name": "Lovelace"}],
}

FAULTS = st.sampled_from(
    [
        Fault(FaultKind.FAIL),
        Fault(FaultKind.TRANSIENT, times=1),
        Fault(FaultKind.TRANSIENT, times=5),
        Fault(FaultKind.TIMEOUT),
        Fault(FaultKind.COMPENSATION_FAIL, times=1),
        Fault(FaultKind.COMPENSATION_FAIL, times=None),
    ]
)
PLANS = st.dictionaries(st.sampled_from(booking.STEP_KEYS), FAULTS, max_size=3)


def read_spans(path: Path) -> list[dict[str, Any]]:
    """Every span of an OTLP JSON lines file, in the order written."""
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                spans.extend(scope["spans"])
    return spans


def attributes(span: dict[str, Any]) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}


def check_trace(spans: list[dict[str, Any]], history: list[engine.SagaEvent]) -> None:
    """The spans of one saga against its events in the saga log."""
    cid = history[0].correlation_id
    roots = [span for span in spans if not span.get("parentSpanId")]
    assert len(roots) == 1
    root = roots[0]
    assert root["traceId"] == cid.replace("-", "")
    assert {span["traceId"] for span in spans} == {root["traceId"]}
    children = [span for span in spans if span is not root]
    assert all(span["parentSpanId"] == root["spanId"] for span in children)
    expected = [
        (
            event.compensation if isinstance(event, engine.CompensationStarted) else event.step,
            event.attempt,
        )
        for event in history
        if isinstance(event, engine.StepStarted | engine.CompensationStarted)
    ]
    assert [(s["name"], int(attributes(s)["saga.attempt"])) for s in children] == expected
    starts = [int(span["startTimeUnixNano"]) for span in children]
    assert starts == sorted(starts)
    end = history[-1]
    outcome = attributes(root)["saga.outcome"]
    if isinstance(end, engine.SagaCompleted):
        assert outcome == "completed"
    else:
        assert isinstance(end, engine.SagaCompensated)
        assert outcome == ("dead_lettered" if end.dead_letters else "compensated")
        assert root["status"]["code"] == 2  # ERROR
        assert root["status"]["message"] == end.error
    failures = [e for e in history if isinstance(e, engine.StepFailed | engine.StepRetried)]
    failed_spans = [s for s in children if s.get("status", {}).get("code") == 2]
    assert len(failed_spans) >= len(failures)
    for span in failed_spans:
        assert [event["name"] for event in span["events"]] == ["exception"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("traced")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=PLANS)
def test_each_saga_is_one_trace_shaped_as_its_saga_log(world: Path, plan: dict) -> None:
    path = world / "traces.jsonl"
    tracer = monitoring.SagaTracer(path)
    with BookingSagaOrchestrator(world, write_logs=False, tap=tracer) as orchestrator:
        request = orchestrator.validate(REQUEST)
        result = orchestrator.run(request, plan)
        assert orchestrator.store is not None
        history = orchestrator.store.history(result.correlation_id)
        for letter in orchestrator.dead_letters():  # the next example starts clean
            orchestrator.resolve_dead_letter(letter)
    tracer.close()
    check_trace(read_spans(path), history)


def test_trace_ids_come_from_correlation_ids() -> None:
    cid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    assert monitoring.trace_id_of(cid) == 0x1B4E28BA2FA111D2883F0016D3CCA427
    # An id that is no UUID still gets a stable, non-zero trace id.
    assert monitoring.trace_id_of("order-7") == monitoring.trace_id_of("order-7") != 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://otel.example/v1/traces", "https://otel.example/v1/traces"),
    ],
)
def test_a_bare_collector_url_gets_the_traces_path(url: str, expected: str) -> None:
    assert monitoring.otlp_traces_url(url) == expected


@pytest.mark.parametrize("url", ["127.0.0.1:4318", "ftp://x/v1/traces", "http://", "http://h:x/"])
def test_an_endpoint_that_is_no_url_is_refused(url: str) -> None:
    with pytest.raises(monitoring.TracesError):
        monitoring.otlp_traces_url(url)
