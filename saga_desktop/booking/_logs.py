"""The guide's log files in ``<data dir>/logs/``.

``saga_orchestrator.log`` gets every event's lines in the guide's format;
``saga_bookings.log`` gets one JSON object per finished saga (its response).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from saga_desktop.booking._exceptions import WorldError
from saga_desktop.engine import SagaEvent, describe, format_log_line

__all__ = ["BOOKINGS_LOG", "ORCHESTRATOR_LOG", "SagaLogFiles"]

ORCHESTRATOR_LOG = "saga_orchestrator.log"
BOOKINGS_LOG = "saga_bookings.log"


class SagaLogFiles:
    """A listener that appends each event's log lines to ``saga_orchestrator.log``.

    Parameters
    ----------
    log_dir
        The folder of the two log files; created when missing.
    """

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            # Line-buffered: a killed process loses at most the line being written.
            self._orchestrator: IO[str] = open(  # noqa: SIM115 - closed in close()
                log_dir / ORCHESTRATOR_LOG, "a", encoding="utf-8", buffering=1
            )
            self._bookings: IO[str] = open(  # noqa: SIM115
                log_dir / BOOKINGS_LOG, "a", encoding="utf-8", buffering=1
            )
        except OSError as exc:
            raise WorldError(f"cannot write the logs in {log_dir}: {exc}") from None

    def __call__(self, event: SagaEvent) -> None:
        """Write ``event``'s lines."""
        self._orchestrator.write(
            "".join(format_log_line(event, line) + "\n" for line in describe(event))
        )

    def write_booking(self, response: dict[str, Any]) -> None:
        """Append one saga's response to ``saga_bookings.log`` (one JSON object a line)."""
        self._bookings.write(json.dumps(response, ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Close both files."""
        self._orchestrator.close()
        self._bookings.close()
