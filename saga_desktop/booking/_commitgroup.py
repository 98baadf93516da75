"""When a batch's grouped commits happen (``BookingSagaOrchestrator.commit_groups``)."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["GROUP_SAGAS", "GROUP_SECONDS", "CommitGroup", "commit_nothing"]


#: Most sagas whose commits a batch groups together (BookingSagaOrchestrator.commit_groups).
GROUP_SAGAS = 64
#: Most seconds a commit group lasts: other programs wait at most about this long for the world.
GROUP_SECONDS = 0.05


def commit_nothing() -> None:
    """Every saga committed its own work already."""


class CommitGroup:
    """When a batch's grouped commits happen (see ``commit_groups``).

    Parameters
    ----------
    commit
        Makes every saga run so far durable, in the safe order.
    """

    def __init__(self, commit: Callable[[], None]) -> None:
        self._commit = commit
        self._started = time.perf_counter()
        self._sagas = 0

    def __call__(self) -> None:
        """Commit now: every saga run so far is durable when this returns."""
        self._commit()
        self._started, self._sagas = time.perf_counter(), 0

    def saga_ended(self) -> None:
        """Count a saga; commit once the group holds ``GROUP_SAGAS`` or lasted ``GROUP_SECONDS``."""
        self._sagas += 1
        if self._sagas >= GROUP_SAGAS or time.perf_counter() - self._started >= GROUP_SECONDS:
            self()
