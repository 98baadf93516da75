"""Prometheus: the recorder's figures as metric families, the exposition text, the endpoint.

The only module that imports ``prometheus_client``; it is loaded when metrics are
asked for (``--metrics-port``, ``saga-desktop metrics``), never at start-up.
Names follow Prometheus' conventions and Temporal's SDK metrics where they meet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest, start_http_server
from prometheus_client.registry import Collector

from saga_desktop.monitoring._exceptions import MetricsPortError
from saga_desktop.monitoring._recorder import MetricsRecorder, MetricsSnapshot

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

__all__ = [
    "LOCALHOST",
    "METRIC_NAMES",
    "MetricsServer",
    "SagaCollector",
    "check_port",
    "exposition",
    "registry_of",
]

#: The only interface the endpoint listens on: metrics are nobody else's business.
LOCALHOST = "127.0.0.1"

#: Every metric served, with what it says (the README lists the same).
METRIC_NAMES: dict[str, str] = {
    "saga_runs_total": "Sagas ended, by saga and outcome (completed, compensated, dead_lettered).",
    "saga_step_attempts_total": (
        "Step attempts, by saga, step and result (succeeded, retried, failed, timed_out)."
    ),
    "saga_compensations_total": (
        "Compensation attempts, by saga, step and result (succeeded, retried, failed)."
    ),
    "saga_retries_total": "Step attempts after the first, by saga and step.",
    "saga_timeouts_total": "Steps whose reply came too late, by saga and step.",
    "saga_dead_letters": "Compensations waiting in the dead-letter queue, by saga and step.",
    "saga_duration_seconds": "Time from a saga's start to its end, by saga.",
    "saga_step_duration_seconds": "Time of one step attempt, by saga and step.",
}


class SagaCollector(Collector):
    """A custom collector: a snapshot of ``recorder`` turned into families at each scrape.

    Parameters
    ----------
    recorder
        Where the figures are counted.
    """

    def __init__(self, recorder: MetricsRecorder) -> None:
        self.recorder = recorder

    def collect(self) -> Iterator[Metric]:
        """Yield every family (called by the registry at each scrape)."""
        yield from families(self.recorder.snapshot())


def _counter(name: str, labels: list[str], values: Mapping[Any, int]) -> Metric:
    # CounterMetricFamily adds the _total suffix itself.
    family = CounterMetricFamily(name.removesuffix("_total"), METRIC_NAMES[name], labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


def families(snapshot: MetricsSnapshot) -> Iterator[Metric]:
    """The metric families of ``snapshot``, in :data:`METRIC_NAMES` order.

    Parameters
    ----------
    snapshot
        The recorder's figures.

    Yields
    ------
    Metric
        One family per metric name.
    """
    step = ["saga", "step"]
    yield _counter("saga_runs_total", ["saga", "outcome"], snapshot.runs)
    yield _counter("saga_step_attempts_total", [*step, "result"], snapshot.step_attempts)
    yield _counter("saga_compensations_total", [*step, "result"], snapshot.compensations)
    yield _counter("saga_retries_total", step, snapshot.retries)
    yield _counter("saga_timeouts_total", step, snapshot.timeouts)
    dead = GaugeMetricFamily("saga_dead_letters", METRIC_NAMES["saga_dead_letters"], labels=step)
    for key, value in sorted(snapshot.dead_letters.items()):
        dead.add_metric(list(key), value)
    yield dead
    sagas = HistogramMetricFamily(
        "saga_duration_seconds", METRIC_NAMES["saga_duration_seconds"], labels=["saga"]
    )
    for name, histogram in sorted(snapshot.saga_durations.items()):
        sagas.add_metric([name], histogram.cumulative(), histogram.total)
    yield sagas
    steps = HistogramMetricFamily(
        "saga_step_duration_seconds", METRIC_NAMES["saga_step_duration_seconds"], labels=step
    )
    for key, histogram in sorted(snapshot.step_durations.items()):
        steps.add_metric(list(key), histogram.cumulative(), histogram.total)
    yield steps


def registry_of(recorder: MetricsRecorder) -> CollectorRegistry:
    """A registry of its own holding ``recorder``'s collector (not the global one).

    The global registry would serve the process' own metrics too, and two
    recorders in one process (tests) would clash in it.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SagaCollector(recorder))
    return registry


def exposition(recorder: MetricsRecorder) -> str:
    """The text exposition format of ``recorder``'s figures (what a scrape gets)."""
    return generate_latest(registry_of(recorder)).decode("utf-8")


def check_port(port: object) -> int:
    """Return ``port`` when it is a TCP port number (1 to 65535).

    Raises
    ------
    MetricsPortError
        Otherwise, saying so.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise MetricsPortError(f"the metrics port must be from 1 to 65535, not {port!r}")
    return port


class MetricsServer:
    """The endpoint ``http://127.0.0.1:<port>/metrics`` serving ``recorder``, in a thread.

    Use it as a context manager, or call :meth:`close`.

    Parameters
    ----------
    recorder
        What is served.
    port
        The TCP port, from 1 to 65535.

    Raises
    ------
    MetricsPortError
        When the port is out of range or cannot be listened on (in use).
    """

    def __init__(self, recorder: MetricsRecorder, port: int) -> None:
        self.port = check_port(port)
        self.recorder = recorder
        try:
            server, thread = start_http_server(
                self.port, addr=LOCALHOST, registry=registry_of(recorder)
            )
        except OSError as exc:
            raise MetricsPortError(
                f"cannot serve metrics on {LOCALHOST}:{self.port}: {exc.strerror or exc}"
            ) from None
        self._server: WSGIServer = server
        self._thread: threading.Thread = thread

    @property
    def url(self) -> str:
        """Where the metrics are: ``http://127.0.0.1:<port>/metrics``."""
        return f"http://{LOCALHOST}:{self.port}/metrics"

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving and close the socket (waits at most ``timeout`` seconds)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
