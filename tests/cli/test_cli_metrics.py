"""`saga-desktop metrics` and `batch --metrics-port`: the exposition and the batch totals agree."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from saga_desktop.cli import main
from tests.monitoring.endpoint import free_port, scrape


def totals(text: str) -> dict[str, dict[str, float]]:
    """Sample name → label value (outcome, result or step) → summed value."""
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            key = labels.get("outcome") or labels.get("result") or labels.get("step", "")
            if sample.name == "saga_retries_total":
                key = labels["step"]
            bucket = found.setdefault(sample.name, {})
            bucket[key] = bucket.get(key, 0) + sample.value
    return found


def assert_equal_to_report(text: str, report: dict) -> None:
    found = totals(text)
    outcomes = report["outcomes"]
    assert found["saga_runs_total"] == {
        "completed": outcomes["confirmed"],
        "compensated": outcomes["compensated"],
        "dead_lettered": outcomes["dead_lettered"],
    }
    compensations = found.get("saga_compensations_total", {})
    assert compensations.get("succeeded", 0) == report["compensations"]["succeeded"]
    assert compensations.get("failed", 0) == report["compensations"]["dead_lettered"]
    assert compensations.get("retried", 0) == report["compensations"]["retried"]
    assert found.get("saga_retries_total", {}) == report["retries"]
    assert sum(report["retries"].values()) == report["retries_total"]


def test_metrics_after_a_batch_prints_the_batch_totals(cli: Callable) -> None:
    report = cli("batch", "--count", "150", "--seed", "21", "--failure-rate", "0.7", "--json")
    assert report.code == 0, report.err
    data = report.json()
    assert data["compensations"]["succeeded"] > 0
    assert data["retries_total"] > 0
    result = cli("metrics")
    assert result.code == 0, result.err
    assert_equal_to_report(result.out, data)
    rate = data["compensation_success_rate"]
    found = totals(result.out)["saga_compensations_total"]
    assert found["succeeded"] / (found["succeeded"] + found.get("failed", 0)) == rate


def test_metrics_of_a_world_that_never_ran_a_saga_is_empty(cli: Callable) -> None:
    result = cli("metrics")
    assert result.code == 0, result.err
    assert "# TYPE saga_runs_total counter" in result.out
    assert not [line for line in result.out.splitlines() if not line.startswith("#")]


def test_scraped_during_and_after_a_seeded_batch(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    count = 1500
    argv = ["batch", "--data-dir", str(data_dir), "--count", str(count), "--seed", "5"]
    argv += ["--failure-rate", "0.5", "--json", "--metrics-port", str(port)]
    argv += ["--metrics-hold", "4"]
    codes: list[int] = []
    batch = threading.Thread(target=lambda: codes.append(main(argv)))
    batch.start()
    seen: list[float] = []
    final = None
    deadline = time.monotonic() + 100
    while time.monotonic() < deadline and batch.is_alive():
        text = scrape(port)
        if text is not None:
            ended = sum(totals(text).get("saga_runs_total", {}).values())
            seen.append(ended)
            if ended == count:
                final = text
                break
        time.sleep(0.02)
    batch.join(30)
    assert codes == [0]
    out, err = capsys.readouterr()
    assert f"serving metrics on http://127.0.0.1:{port}/metrics" in err
    # Scraped while the batch ran (counts below the total, growing), then at its end.
    assert any(0 < n < count for n in seen), seen
    assert seen == sorted(seen)
    assert final is not None
    assert_equal_to_report(final, __import__("json").loads(out))
    # Once the hold is over, nothing listens any more.
    assert scrape(port) is None


def test_the_endpoint_listens_on_127_0_0_1_only(data_dir: Path) -> None:
    from saga_desktop import monitoring

    port = free_port()
    with monitoring.MetricsServer(monitoring.MetricsRecorder(), port) as server:
        assert server.url == f"http://127.0.0.1:{port}/metrics"
        assert server._server.server_address[0] == "127.0.0.1"
        assert scrape(port) is not None


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http", "99999999999999999999"])
def test_a_port_out_of_range_is_one_line(cli: Callable, data_dir: Path, port: str) -> None:
    result = cli("batch", "--count", "3", "--metrics-port", port)
    result.assert_bad_input("--metrics-port must be a port from 1 to 65535")
    assert not data_dir.exists()


def test_a_port_in_use_is_one_line_and_runs_nothing(cli: Callable, data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("batch", "--count", "3", "--metrics-port", str(port))
    result.assert_bad_input(f"cannot serve metrics on 127.0.0.1:{port}")
    assert not data_dir.exists()
