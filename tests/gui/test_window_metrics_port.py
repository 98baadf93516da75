"""`saga-desktop --metrics-port N`: the window's sagas, served for Prometheus on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.monitoring.endpoint import free_port, scrape


def _window(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "saga_desktop", "--data-dir", str(data_dir)]
    command += ["--metrics-port", str(port)]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def test_the_window_serves_its_metrics_and_stops_serving_when_it_closes(tmp_path: Path) -> None:
    from saga_desktop.cli import main

    data_dir = tmp_path / "data"
    # History the window's metrics count from the saga log.
    assert main(["batch", "--data-dir", str(data_dir), "--count", "12", "--seed", "3"]) == 0
    port = free_port()
    window = _window(data_dir, port)
    try:
        runs = 0.0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and runs < 12:
            text = scrape(port)
            if text is not None:
                runs = sum(
                    sample.value
                    for family in text_string_to_metric_families(text)
                    for sample in family.samples
                    if sample.name == "saga_runs_total"
                )
            time.sleep(0.1)
        assert runs == 12
        window.send_signal(signal.SIGTERM)
        _, err = window.communicate(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
            window.wait(10)
    assert window.returncode == 128 + signal.SIGTERM
    assert f"serving metrics on http://127.0.0.1:{port}/metrics" in err
    assert "Traceback" not in err
    assert scrape(port) is None


def test_a_port_in_use_is_one_line_and_no_window(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        window = _window(tmp_path / "data", port)
        _, err = window.communicate(timeout=30)
    assert window.returncode == 2
    assert err.strip().splitlines() == [
        next(line for line in err.splitlines() if "cannot serve metrics" in line)
    ]
    assert not (tmp_path / "data").exists()
