"""A clock whose waits are simulated: ``sleep`` moves time on instead of waiting."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["VirtualClock"]


class VirtualClock:
    """Time that a simulation can move on at no cost, stamped never ahead of the wall clock.

    ``simulated()`` is the base clock plus every second ``sleep`` was asked for:
    what a step's timeout is measured on, so a late reply times out without
    anybody waiting for it. ``time()`` is what the saga log and the log files
    are stamped with: the simulated time, but never later than the wall clock.
    Waits that were only simulated therefore never push the stamps into the
    future (a batch of 36,000 sagas once put them four minutes ahead, and the
    next start's lines sorted before the last ones); on a base clock in the
    past (tests) the stamps show every simulated wait.

    Parameters
    ----------
    base
        The clock underneath (wall time by default; a constant in tests).
    wall
        The wall clock the stamps never pass.
    """

    def __init__(
        self, base: Callable[[], float] = time.time, *, wall: Callable[[], float] = time.time
    ) -> None:
        self._base = base
        self._wall = wall
        self.offset = 0.0

    def simulated(self) -> float:
        """Return the base time plus the simulated waits (for timeouts)."""
        return self._base() + self.offset

    def time(self) -> float:
        """Return the simulated time, but never later than the wall clock (for stamps)."""
        return min(self._base() + self.offset, self._wall())

    def sleep(self, seconds: float) -> None:
        """Move time on by ``seconds`` without waiting."""
        self.offset += max(0.0, seconds)
