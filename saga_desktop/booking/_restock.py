"""Restocking a world, erasing its history, and the scratch worlds a batch may run on.

Restocking gives the demo back its seats and points without forgetting what
happened: the saga log stays (erasing it is a separate action). Sagas still
owed a compensation keep what they hold (see :meth:`FlightWorld.restock`), so
they can still be recovered or retried and every book still balances. A
scratch world is a world of its own in a folder of the data directory, made
afresh for each batch run on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from saga_desktop.booking._datadir import BATCH_WORLD, FOLDERS, checked_folder
from saga_desktop.booking._exceptions import WorldError
from saga_desktop.booking._world import FlightWorld
from saga_desktop.engine import live_owners

if TYPE_CHECKING:
    from saga_desktop.booking._api import BookingSagaOrchestrator
    from saga_desktop.engine import Listener
    from saga_desktop.engine._sqlite import BusyWait

__all__ = ["erase_history", "open_scratch_world", "restock_world"]


def restock_world(orchestrator: BookingSagaOrchestrator) -> tuple[str, ...]:
    """Restock ``orchestrator``'s world; the saga log stays. Return the sagas that keep their hold.

    The sagas kept are those still owed a compensation: interrupted ones
    (their owner died) and those with an open dead letter.

    Raises
    ------
    WorldError
        When a live process is running sagas in the data directory (restocking
        under them would take what they hold), or the world is a saga file's.
        Nothing is changed then.
    """
    store = orchestrator.store
    keep: set[str] = set()
    if store is not None:
        flight = store.in_flight()
        if flight.running:
            raise WorldError(
                f"{len(flight.running)} saga(s) are in flight in another process: restock "
                "once they have ended (nothing was changed)"
            )
        keep = set(flight.interrupted)
        keep |= {letter.correlation_id for letter in store.dead_letters()}
    world = orchestrator.world
    if not isinstance(world, FlightWorld):
        raise WorldError(
            "restocking is for the flight booking's world; a saga file's world starts again "
            "only with its history (erase it, or point --data-dir elsewhere)"
        )
    world.restock(keep)
    return tuple(sorted(keep))


def erase_history(orchestrator: BookingSagaOrchestrator) -> None:
    """Forget the saga log and start the world again from the default data.

    Raises
    ------
    WorldError
        When another live process has the data directory open: it would go on
        writing to the saga log taken from under it. Nothing is changed then.
    """
    store = orchestrator.store
    if store is not None:
        own = store.owner_id
        others = [owner for owner in live_owners(store.owners) if owner != own]
        if others:
            raise WorldError(
                f"{len(others)} other process(es) work in this data directory: close them "
                "before erasing its history (nothing was changed)"
            )
    orchestrator.reset_world()


def open_scratch_world(
    data_dir: Path,
    *,
    listeners: tuple[Listener, ...] = (),
    busy: BusyWait | None = None,
    on_log_problem: Callable[[str], None] | None = None,
) -> BookingSagaOrchestrator:
    """An orchestrator on ``<data_dir>/batch-world``, its world and saga log made afresh.

    The scratch world is a data directory of its own (five databases and the
    marker, as any); its log lines go to ``<data_dir>/logs``. The caller closes it.

    Raises
    ------
    WorldError
        When the folder is a symbolic link (resetting it would wipe what it
        points at) or a file, or the world cannot be made.
    """
    # Imported here: a window asks for a scratch world long after it started.
    from saga_desktop.booking._api import BookingSagaOrchestrator

    folder = checked_folder(data_dir / BATCH_WORLD, FOLDERS[BATCH_WORLD])
    orchestrator = BookingSagaOrchestrator(
        folder, listeners=listeners, busy=busy, log_dir=data_dir / "logs"
    )
    try:
        if orchestrator.logs is not None and on_log_problem is not None:
            orchestrator.logs.on_problem = on_log_problem
        # Each batch starts on a fresh world with no history: nothing of it is kept.
        orchestrator.reset_world()
    except BaseException:
        orchestrator.close()
        raise
    if not folder.is_dir():  # pragma: no cover - made by the orchestrator's world
        raise WorldError(f"cannot make the scratch world {folder}")
    return orchestrator
