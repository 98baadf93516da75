"""What can go wrong when metrics or traces are asked for.

::

    MonitoringError (ValueError)
    ├── MetricsPortError    the port is out of range or cannot be listened on
    └── TracesError         the traces file cannot be written, or the endpoint is no URL
"""

from __future__ import annotations

__all__ = ["MetricsPortError", "MonitoringError", "TracesError"]


class MonitoringError(ValueError):
    """Metrics or traces cannot be given as asked; the message says why."""


class MetricsPortError(MonitoringError):
    """The metrics port is out of range, or another program listens on it."""


class TracesError(MonitoringError):
    """The traces file cannot be written, or the collector's URL is not one."""
