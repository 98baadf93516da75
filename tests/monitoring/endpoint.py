"""A free 127.0.0.1 port, and one scrape of a metrics endpoint on it (for the tests)."""

from __future__ import annotations

import socket
import urllib.request


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> str | None:
    """The text of http://127.0.0.1:``port``/metrics, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
            return reply.read().decode("utf-8")
    except OSError:
        return None
