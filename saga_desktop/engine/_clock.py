"""A clock whose waits are simulated: ``sleep`` moves time on instead of waiting."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["VirtualClock"]


class VirtualClock:
    """Time that a simulation can move on at no cost.

    ``time()`` is the base clock plus every second ``sleep`` was asked for, so a
    retry's backoff or a late reply shows in the saga log's time stamps without
    anybody waiting for it.

    Parameters
    ----------
    base
        The clock underneath (wall time by default; a constant in tests).
    """

    def __init__(self, base: Callable[[], float] = time.time) -> None:
        self._base = base
        self.offset = 0.0

    def time(self) -> float:
        """Return the base time plus the simulated waits."""
        return self._base() + self.offset

    def sleep(self, seconds: float) -> None:
        """Move time on by ``seconds`` without waiting."""
        self.offset += max(0.0, seconds)
