"""The metrics benchmark runs both sides of its comparison (not how fast: the benchmark says)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_metrics


def test_both_sides_run_and_the_endpoint_is_scraped(monkeypatch) -> None:
    monkeypatch.setattr(bench_metrics, "SCRAPE_SECONDS", 0.01)
    timing = bench_metrics.measure(sagas=150, rounds=2)
    assert timing.plain > 0
    assert timing.metrics > 0
    assert timing.cpu_ratio > 0
    assert timing.scrapes > 0
