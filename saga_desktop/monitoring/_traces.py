"""OpenTelemetry traces of sagas: one span per saga, a child per step and compensation attempt.

The only module that imports ``opentelemetry``; loaded for ``--traces`` and
``--otlp-endpoint`` only. A :class:`SagaTracer` is a tap: it keeps a saga's
events until the saga ends, then builds its spans from the events' own times
(so a trace says what the saga log says, however fast the batch ran) and
exports them, a batch of spans at a time, with the SDK's OTLP JSON exporters
(a file of JSON lines, or OTLP over HTTP to a collector).

The trace id is the correlation id's 128 bits: the trace of a saga is found
from its log line (``corr=1b4e28ba-...`` is trace ``1b4e28ba...``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import Span, Status, StatusCode

from saga_desktop import __version__
from saga_desktop.engine import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    DeadLettered,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.monitoring._exceptions import TracesError

__all__ = ["EXPORT_SPANS", "SagaTracer", "otlp_traces_url", "trace_id_of"]

#: Spans exported together (one JSON line, or one POST): a few dozen sagas.
EXPORT_SPANS = 512
#: Seconds a POST to the collector may take before it counts as failed.
POST_TIMEOUT = 5.0

_ENDS = (SagaCompleted, SagaCompensated)
_ATTEMPT_ENDS = (
    StepSucceeded,
    StepRetried,
    StepFailed,
    CompensationSucceeded,
    CompensationRetried,
    CompensationFailed,
)
_RESULTS: dict[type[SagaEvent], str] = {
    StepSucceeded: "succeeded",
    StepRetried: "retried",
    StepFailed: "failed",
    CompensationSucceeded: "succeeded",
    CompensationRetried: "retried",
    CompensationFailed: "failed",
}


def trace_id_of(correlation_id: str) -> int:
    """The trace id of a saga: its correlation id's 128 bits (a hash for a non-UUID id)."""
    try:
        return uuid.UUID(correlation_id).int or 1
    except ValueError:
        digest = hashlib.sha256(correlation_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:16], "big") or 1


def _ns(at: float) -> int:
    return int(at * 1_000_000_000)


class _SagaIds(IdGenerator):
    """Random span ids; the trace id of the saga whose root span is being started."""

    def __init__(self) -> None:
        self._random = RandomIdGenerator()
        self.trace_id = 0

    def generate_span_id(self) -> int:
        return self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        return self.trace_id or self._random.generate_trace_id()


class _Batches(SpanProcessor):
    """Exports ended spans ``EXPORT_SPANS`` at a time, in the caller's thread.

    The SDK's batch processor drops spans once its queue is full, which a fast
    batch fills: here nothing is dropped, and the batch waits for the export.
    """

    def __init__(self, exporter: SpanExporter, on_failure: Callable[[], None]) -> None:
        self.exporter = exporter
        self.on_failure = on_failure
        self._spans: list[ReadableSpan] = []
        self._lock = threading.Lock()

    def on_end(self, span: ReadableSpan) -> None:
        self._spans.append(span)

    def export_if_full(self) -> None:
        if len(self._spans) >= EXPORT_SPANS:
            self.force_flush()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        with self._lock:
            spans, self._spans = self._spans, []
            if spans and self.exporter.export(spans) is not SpanExportResult.SUCCESS:
                self.on_failure()
                return False
        return True

    def shutdown(self) -> None:
        self.force_flush()
        self.exporter.shutdown()


def otlp_traces_url(url: str) -> str:
    """The OTLP/HTTP traces URL of ``url``: ``/v1/traces`` added to a bare collector URL.

    Raises
    ------
    TracesError
        When ``url`` is not an ``http`` or ``https`` URL with a host.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TracesError(
            f"the OTLP endpoint must be an http:// or https:// URL, such as "
            f"http://127.0.0.1:4318/v1/traces, not {url[:80]!r}"
        )
    try:
        parts.port  # noqa: B018 (it raises on a port that is no number)
    except ValueError:
        raise TracesError(f"the OTLP endpoint {url[:80]!r} has a bad port") from None
    if parts.path in ("", "/"):
        parts = parts._replace(path="/v1/traces")
    return urllib.parse.urlunsplit(parts)


class SagaTracer:
    """A tap that turns each ended saga into spans and exports them.

    Give exactly one of ``path`` or ``endpoint``. Call :meth:`close` at the end:
    it exports what is left.

    Parameters
    ----------
    path
        Write OTLP JSON here, one ``ExportTraceServiceRequest`` a line (the OTLP
        file exporter's JSON Lines); the file is replaced.
    endpoint
        Send OTLP/HTTP JSON to this collector URL (``/v1/traces`` is added to a
        bare ``http://host:4318``).
    on_problem
        Hears once, in one line, that an export failed.

    Raises
    ------
    TracesError
        When the file cannot be written or the URL is not one.
    """

    def __init__(
        self,
        path: Path | None = None,
        endpoint: str | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        if (path is None) == (endpoint is None):
            raise TracesError("give a traces file or an OTLP endpoint, one of them")
        self.on_problem = on_problem
        self._failed = False
        self._stream: IO[str] | None = None
        exporter: SpanExporter
        if path is not None:
            self.target = str(path)
            try:
                self._stream = path.open("w", encoding="utf-8")
            except OSError as exc:
                raise TracesError(
                    f"cannot write the traces file {path}: {exc.strerror or exc}"
                ) from None
            exporter = FileSpanExporter(stream=self._stream)
        else:
            assert endpoint is not None
            self.target = otlp_traces_url(endpoint)
            exporter = OTLPSpanExporter(endpoint=self.target, timeout=POST_TIMEOUT)
        # The SDK logs a failed export with a traceback: one line of ours instead.
        logging.getLogger("opentelemetry").setLevel(logging.CRITICAL)
        self._ids = _SagaIds()
        self._batches = _Batches(exporter, self._export_failed)
        resource = Resource.create({"service.name": "saga-desktop", "service.version": __version__})
        self._provider = TracerProvider(
            resource=resource, id_generator=self._ids, shutdown_on_exit=False
        )
        self._provider.add_span_processor(self._batches)
        self._tracer = self._provider.get_tracer("saga_desktop.monitoring", __version__)
        self._sagas: dict[str, list[SagaEvent]] = {}
        #: Sagas traced so far.
        self.sagas_traced = 0

    def _export_failed(self) -> None:
        if not self._failed:
            self._failed = True
            if self.on_problem is not None:
                self.on_problem(f"cannot export traces to {self.target}; sagas go on without")

    def __call__(self, event: SagaEvent) -> None:
        """Keep ``event``; at its saga's end, build and export the saga's spans."""
        cid = event.correlation_id
        events = self._sagas.get(cid)
        if events is None:
            if not isinstance(event, SagaStarted):
                return  # a dead letter settled later, a recovery: no saga to hang it on
            events = self._sagas[cid] = []
        events.append(event)
        if isinstance(event, _ENDS):
            del self._sagas[cid]
            self.trace(events)
            self._batches.export_if_full()

    def trace(self, events: Sequence[SagaEvent]) -> None:
        """Build one saga's spans from its events (its start first, its end last)."""
        started, end = events[0], events[-1]
        assert isinstance(started, SagaStarted)
        self._ids.trace_id = trace_id_of(started.correlation_id)
        common = {"saga.name": started.saga_name, "saga.correlation_id": started.correlation_id}
        root = self._tracer.start_span(
            f"saga {started.saga_name}",
            context=Context(),  # a root, whatever span is current
            start_time=_ns(started.at),
            attributes=common,
        )
        self._ids.trace_id = 0
        parent = trace.set_span_in_context(root)
        child: Span | None = None
        for event in events[1:-1]:
            if isinstance(event, StepStarted | CompensationStarted):
                name = event.compensation if isinstance(event, CompensationStarted) else event.step
                child = self._tracer.start_span(
                    name,
                    context=parent,
                    start_time=_ns(event.at),
                    attributes={**common, "saga.step": event.step, "saga.attempt": event.attempt},
                )
            elif isinstance(event, _ATTEMPT_ENDS) and child is not None:
                _end_attempt(child, event)
                child = None
            elif isinstance(event, DeadLettered):
                root.add_event(
                    "dead_lettered",
                    {"saga.step": event.step, "error": event.error},
                    timestamp=_ns(event.at),
                )
        _end_saga(root, end)
        self.sagas_traced += 1

    def close(self) -> None:
        """Export what is left and close the file; sagas still under way are not traced."""
        self._provider.shutdown()
        if self._stream is not None:
            self._stream.close()


def _end_attempt(span: Span, event: Any) -> None:
    result = _RESULTS[type(event)]
    if isinstance(event, StepFailed) and event.timed_out:
        result = "timed_out"
    span.set_attribute("saga.attempt.result", result)
    if result == "succeeded":
        span.set_status(Status(StatusCode.OK))
    else:
        span.set_status(Status(StatusCode.ERROR, event.error))
        span.add_event(
            "exception",
            {"exception.type": result, "exception.message": event.error},
            timestamp=_ns(event.at),
        )
    span.end(end_time=_ns(event.at))


def _end_saga(root: Span, end: SagaEvent) -> None:
    if isinstance(end, SagaCompleted):
        outcome = "completed"
        root.set_status(Status(StatusCode.OK))
    else:
        assert isinstance(end, SagaCompensated)
        outcome = "dead_lettered" if end.dead_letters else "compensated"
        root.set_status(Status(StatusCode.ERROR, end.error))
        if end.failed_step is not None:
            root.set_attribute("saga.failed_step", end.failed_step)
    root.set_attribute("saga.outcome", outcome)
    root.end(end_time=_ns(end.at))
