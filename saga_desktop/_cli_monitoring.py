"""The command line's monitoring: ``--metrics-port``, ``--traces``, ``--otlp-endpoint``, metrics.

Cheap to import: the options are plain argparse, and ``saga_desktop.monitoring``
(with ``prometheus_client`` and ``opentelemetry`` behind it) is imported only by
a command that was asked for metrics or traces.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from saga_desktop._cli_input import UsageError

if TYPE_CHECKING:
    from saga_desktop import engine
    from saga_desktop.booking import BookingSagaOrchestrator, SagaSpec
    from saga_desktop.engine import SagaEvent

__all__ = [
    "add_metrics_port",
    "add_trace_options",
    "metrics_port_argument",
    "monitored",
    "print_metrics",
]

#: The longest a batch's endpoint keeps serving after the batch (an hour).
MAX_HOLD = 3600.0


def metrics_port_argument(text: str) -> int:
    """``--metrics-port``: a TCP port from 1 to 65535 (argparse's ``type``)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise UsageError(f"--metrics-port must be a port from 1 to 65535, not {text[:20]!r}")
    return port


def _hold_argument(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_HOLD:
        raise UsageError(
            f"--metrics-hold must be from 0 to {MAX_HOLD:.0f} seconds, not {text[:20]!r}"
        )
    return seconds


def add_metrics_port(parser: argparse.ArgumentParser, *, hold: bool = False) -> None:
    """Add ``--metrics-port`` (and, for a batch, ``--metrics-hold``) to ``parser``."""
    parser.add_argument(
        "--metrics-port",
        type=metrics_port_argument,
        metavar="N",
        help="serve Prometheus metrics on http://127.0.0.1:N/metrics (127.0.0.1 only)",
    )
    if hold:
        parser.add_argument(
            "--metrics-hold",
            type=_hold_argument,
            default=0.0,
            metavar="SECONDS",
            help="keep serving the final metrics this long after the batch (default 0)",
        )


def add_trace_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--traces FILE`` and ``--otlp-endpoint URL`` to ``parser``."""
    traces = parser.add_mutually_exclusive_group()
    traces.add_argument(
        "--traces",
        type=Path,
        metavar="FILE",
        help="write OpenTelemetry traces here (replaced) as OTLP JSON lines: a span per saga, "
        "a child per step and compensation attempt",
    )
    traces.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="send the traces over OTLP/HTTP to a collector (http://127.0.0.1:4318)",
    )


def _check_traces_path(path: Path) -> None:
    # Before anything runs, so that a bad path changes nothing anywhere.
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"cannot write the traces file {path}: it is a directory")
    if not folder.is_dir():
        raise UsageError(f"cannot write the traces file {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"cannot write the traces file {path}: the folder {folder} is not writable"
        )
    if path.is_symlink():
        raise UsageError(f"the traces file {path} is a symbolic link; it is not followed")


def _saga_name(spec: SagaSpec | None) -> str:
    from saga_desktop import booking

    return spec.name if spec is not None else booking.SAGA_NAME


def _say(message: str) -> None:
    print(f"saga-desktop: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def monitored(
    args: argparse.Namespace,
    open_orchestrator: Callable[[], contextlib.AbstractContextManager[BookingSagaOrchestrator]],
    spec: SagaSpec | None,
    stop: threading.Event | None = None,
) -> Iterator[BookingSagaOrchestrator]:
    """The orchestrator ``open_orchestrator`` opens, with the metrics and traces asked for.

    Bad options are refused before the orchestrator opens: a port in use, a
    traces path that cannot be written, a URL that is no URL (one line, exit 2).
    The endpoint serves until the block ends, then ``--metrics-hold`` seconds
    more (``stop`` cuts that short); the traces are exported when it ends.
    """
    port = getattr(args, "metrics_port", None)
    traces: Path | None = getattr(args, "traces", None)
    endpoint: str | None = getattr(args, "otlp_endpoint", None)
    if port is None and traces is None and endpoint is None:
        with open_orchestrator() as orchestrator:
            yield orchestrator
        return
    from saga_desktop import monitoring

    if traces is not None:
        _check_traces_path(traces)
    with contextlib.ExitStack() as stack:
        try:
            if endpoint is not None:
                endpoint = monitoring.otlp_traces_url(endpoint)
            recorder = monitoring.MetricsRecorder(_saga_name(spec))
            server = None
            if port is not None:
                server = stack.enter_context(monitoring.MetricsServer(recorder, port))
                _say(f"serving metrics on {server.url}")
            orchestrator = stack.enter_context(open_orchestrator())
            taps: list[Callable[[SagaEvent], None]] = [recorder] if server is not None else []
            if traces is not None or endpoint is not None:
                tracer = monitoring.SagaTracer(traces, endpoint, on_problem=_warn)
                stack.callback(tracer.close)
                taps.append(tracer)
        except monitoring.MonitoringError as exc:
            raise UsageError(str(exc)) from None
        orchestrator.tap = taps[0] if len(taps) == 1 else _both(*taps)
        yield orchestrator
        hold = getattr(args, "metrics_hold", 0.0)
        if server is not None and hold > 0:
            (stop or threading.Event()).wait(hold)


def _both(*taps: Callable[[SagaEvent], None]) -> Callable[[SagaEvent], None]:
    def tap(event: SagaEvent) -> None:
        for each in taps:
            each(event)

    return tap


def _warn(message: str) -> None:
    print(f"saga-desktop: warning: {message}", file=sys.stderr, flush=True)


def print_metrics(log: Path, saga: SagaSpec | None, busy: engine.BusyWait) -> None:
    """Print the exposition of the saga log ``log`` (of no saga when it does not exist yet)."""
    from saga_desktop import engine, monitoring

    recorder = monitoring.MetricsRecorder(_saga_name(saga))
    if log.exists():
        store = engine.SqliteEventStore(log, create=False, busy=busy)
        try:
            monitoring.record_history(store, recorder)
        finally:
            store.close()
    sys.stdout.write(monitoring.exposition(recorder))
