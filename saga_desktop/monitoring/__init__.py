"""Monitoring: sagas' metrics for Prometheus and their traces for OpenTelemetry.

Sits between the commands and the window above and ``booking`` below. A
:class:`MetricsRecorder` (standard library only) counts the events it is given
as a tap of the saga log; ``prometheus_client`` and ``opentelemetry`` are
imported only when a name that needs them is first used, so that neither the
window's start nor ``saga-desktop --help`` pays for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_desktop._lazy import lazy_exports

if TYPE_CHECKING:
    from saga_desktop.monitoring._exceptions import MetricsPortError, MonitoringError, TracesError
    from saga_desktop.monitoring._history import record_history
    from saga_desktop.monitoring._prometheus import (
        LOCALHOST,
        METRIC_NAMES,
        MetricsServer,
        SagaCollector,
        check_port,
        exposition,
        registry_of,
    )
    from saga_desktop.monitoring._recorder import (
        BUCKETS,
        OUTCOMES,
        Histogram,
        MetricsRecorder,
        MetricsSnapshot,
    )
    from saga_desktop.monitoring._traces import SagaTracer, otlp_traces_url, trace_id_of

__all__ = [
    "BUCKETS",
    "LOCALHOST",
    "METRIC_NAMES",
    "OUTCOMES",
    "Histogram",
    "MetricsPortError",
    "MetricsRecorder",
    "MetricsServer",
    "MetricsSnapshot",
    "MonitoringError",
    "SagaCollector",
    "SagaTracer",
    "TracesError",
    "check_port",
    "exposition",
    "otlp_traces_url",
    "record_history",
    "registry_of",
    "trace_id_of",
]

# Where each public name lives: _prometheus and _traces load their libraries.
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "_exceptions": ("MetricsPortError", "MonitoringError", "TracesError"),
    "_history": ("record_history",),
    "_prometheus": (
        "LOCALHOST",
        "METRIC_NAMES",
        "MetricsServer",
        "SagaCollector",
        "check_port",
        "exposition",
        "registry_of",
    ),
    "_recorder": ("BUCKETS", "OUTCOMES", "Histogram", "MetricsRecorder", "MetricsSnapshot"),
    "_traces": ("SagaTracer", "otlp_traces_url", "trace_id_of"),
}
__getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, globals(), __all__)
