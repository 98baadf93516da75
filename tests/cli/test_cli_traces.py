"""`--traces FILE` and `--otlp-endpoint URL` on `run` and `batch`."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def spans_of(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        span
        for document in documents
        for resource in document["resourceSpans"]
        for scope in resource["scopeSpans"]
        for span in scope["spans"]
    ]


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_run_writes_the_sagas_trace(cli: Callable, tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    result = cli("run", "--fault", "process_payment=fail", "--traces", str(path), "--json")
    assert result.code == 1, result.err
    cid = result.json()["correlation_id"]
    spans = spans_of(lines_of(path))
    assert [span["name"] for span in spans] == [
        "RESERVE_SEAT",
        "DEDUCT_LOYALTY_POINTS",
        "PROCESS_PAYMENT",
        "COMPENSATE_DEDUCT_LOYALTY_POINTS",
        "COMPENSATE_RESERVE_SEAT",
        "saga booking",
    ]
    assert {span["traceId"] for span in spans} == {cid.replace("-", "")}


def test_a_batch_writes_one_root_span_per_saga(cli: Callable, tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    report = cli("batch", "--count", "120", "--seed", "4", "--traces", str(path), "--json")
    assert report.code == 0, report.err
    spans = spans_of(lines_of(path))
    roots = [span for span in spans if not span.get("parentSpanId")]
    assert len(roots) == 120 == len({span["traceId"] for span in spans})
    outcomes = [
        next(a["value"]["stringValue"] for a in root["attributes"] if a["key"] == "saga.outcome")
        for root in roots
    ]
    assert outcomes.count("completed") == report.json()["outcomes"]["confirmed"]


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """A real OTLP/HTTP receiver on a free 127.0.0.1 port: its URL and what it received."""
    received: list[tuple[str, str, bytes]] = []
    handler = type("Handler", (_Collector,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_run_sends_its_trace_to_a_collector(cli: Callable, collector) -> None:
    url, received = collector
    result = cli("run", "--otlp-endpoint", url, "--json")
    assert result.code == 0, result.err
    assert result.err == ""
    cid = result.json()["correlation_id"]
    assert [(path, kind) for path, kind, _ in received] == [("/v1/traces", "application/json")]
    spans = spans_of([json.loads(received[0][2])])
    assert len(spans) == 5
    assert {span["traceId"] for span in spans} == {cid.replace("-", "")}
    root = next(span for span in spans if not span.get("parentSpanId"))
    assert root["name"] == "saga booking"


def test_a_batch_sends_every_saga(cli: Callable, collector) -> None:
    url, received = collector
    result = cli("batch", "--count", "200", "--seed", "1", "--otlp-endpoint", url + "/v1/traces")
    assert result.code == 0, result.err
    spans = spans_of([json.loads(body) for _, _, body in received])
    assert len([span for span in spans if not span.get("parentSpanId")]) == 200
    assert len(received) > 1  # sent a batch of spans at a time, not all at the end


def test_a_collector_that_is_not_there_is_a_warning(cli: Callable) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("run", "--otlp-endpoint", f"http://127.0.0.1:{port}")
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines == [
        f"saga-desktop: warning: cannot export traces to http://127.0.0.1:{port}/v1/traces; "
        "sagas go on without"
    ]


@pytest.mark.parametrize("command", ["run", "batch"])
def test_an_unwritable_traces_path_is_one_line(
    cli: Callable, data_dir: Path, tmp_path: Path, command: str
) -> None:
    extra = ["--count", "2"] if command == "batch" else []
    result = cli(command, *extra, "--traces", str(tmp_path / "missing" / "t.jsonl"))
    result.assert_bad_input("cannot write the traces file", "there is no folder")
    result = cli(command, *extra, "--traces", str(tmp_path))
    result.assert_bad_input("it is a directory")
    assert not data_dir.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_one_line(cli: Callable, data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = cli("run", "--traces", str(folder / "t.jsonl"))
    finally:
        folder.chmod(0o700)
    result.assert_bad_input("cannot write the traces file")


def test_an_endpoint_that_is_no_url_is_one_line(cli: Callable, data_dir: Path) -> None:
    result = cli("batch", "--count", "2", "--otlp-endpoint", "localhost:4318")
    result.assert_bad_input("the OTLP endpoint must be an http:// or https:// URL")
    assert not data_dir.exists()
