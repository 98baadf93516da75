"""Metrics cost little: ``saga-desktop batch`` with ``--metrics-port`` against without.

Each round runs the same seeded batch twice on fresh data directories, through
the command's own ``main(argv)``: once plain, once with ``--metrics-port`` on a
free port and a scraper reading the endpoint every ``SCRAPE_SECONDS`` (a
Prometheus scrapes every 15 s; this scrapes far more often, to be harsh). The
two runs of a round are taken in alternating order, and the figure is the
median of the rounds' ratios of sagas per second (the report's own pace, the
sagas only), so that machine noise hits both sides alike.

Two paces are taken: the report's (wall time), and sagas per second of the
process' CPU time (``time.process_time``: every thread of the process, so the
endpoint's and the scraper's work count against the metrics side). On a machine
shared with other work the wall figures swing by 10 % from one run to the next
whatever runs; the CPU figures do not, and the budget is on them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from saga_desktop.cli import main

#: Seconds between two scrapes while the batch with metrics runs.
SCRAPE_SECONDS = 1.0


@dataclasses.dataclass(frozen=True)
class MetricsTiming:
    """Paired rounds: sagas per second without and with ``--metrics-port`` (medians)."""

    plain: float
    metrics: float
    ratio: float
    plain_cpu: float
    metrics_cpu: float
    cpu_ratio: float
    scrapes: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scraper(port: int, stop: threading.Event, count: list[int]) -> None:
    while not stop.wait(SCRAPE_SECONDS):
        with contextlib.suppress(OSError):
            url = f"http://127.0.0.1:{port}/metrics"
            with urllib.request.urlopen(url, timeout=2) as reply:
                reply.read()
                count[0] += 1


def _batch(data_dir: Path, sagas: int, seed: int, port: int | None) -> tuple[float, float]:
    argv = ["batch", "--data-dir", str(data_dir), "--count", str(sagas), "--seed", str(seed)]
    argv.append("--json")
    if port is not None:
        argv += ["--metrics-port", str(port)]
    out, err = io.StringIO(), io.StringIO()
    cpu = time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    cpu = time.process_time() - cpu
    if code != 0:
        raise RuntimeError(f"batch exited {code}: {err.getvalue()}")
    return float(json.loads(out.getvalue())["sagas_per_second"]), sagas / cpu


def measure(sagas: int, rounds: int, seed: int = 1) -> MetricsTiming:
    """Run ``rounds`` paired batches of ``sagas`` sagas; return the medians and the ratio."""
    paces: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    scrapes = [0]
    with tempfile.TemporaryDirectory(prefix="saga-metrics-bench-") as scratch:
        for round_number in range(rounds):
            pace: dict[bool, tuple[float, float]] = {}
            order = (False, True) if round_number % 2 == 0 else (True, False)
            for with_metrics in order:
                data_dir = Path(scratch) / f"{round_number}-{with_metrics}"
                if not with_metrics:
                    pace[False] = _batch(data_dir, sagas, seed, None)
                    continue
                port = _free_port()
                stop = threading.Event()
                scraper = threading.Thread(target=_scraper, args=(port, stop, scrapes))
                scraper.start()
                try:
                    pace[True] = _batch(data_dir, sagas, seed, port)
                finally:
                    stop.set()
                    scraper.join(5)
            paces[False].append(pace[False])
            paces[True].append(pace[True])
    pairs = list(zip(paces[False], paces[True], strict=True))
    return MetricsTiming(
        plain=statistics.median(wall for wall, _ in paces[False]),
        metrics=statistics.median(wall for wall, _ in paces[True]),
        ratio=statistics.median(with_[0] / without[0] for without, with_ in pairs),
        plain_cpu=statistics.median(cpu for _, cpu in paces[False]),
        metrics_cpu=statistics.median(cpu for _, cpu in paces[True]),
        cpu_ratio=statistics.median(with_[1] / without[1] for without, with_ in pairs),
        scrapes=scrapes[0],
    )
