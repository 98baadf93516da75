"""The data directory: the files it holds, when they are made, and what counts as damage.

A data directory holds five databases: the four participants' and the saga log.
They are made together, once, when the directory is new (none of them exists),
and a marker file written last says the directory is complete. From then on a
member that is missing, empty or a symbolic link is damage: the directory is
refused with one line that names the file, and nothing is created or changed.
Rebuilding a lost ``seats.db`` from the defaults would sell its seats twice, and
a lost ``saga_log.db`` would hide the compensations still owed.

Directories made before the marker existed are adopted when all five members
are there (the saga log may be missing only while no saga ever ran). A
directory whose making was cut short (no marker, some members, none of them
ever used) is made again.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from saga_desktop.booking._exceptions import WorldError

if TYPE_CHECKING:
    from saga_desktop.booking._participants import Participant

__all__ = [
    "BATCH_WORLD",
    "FOLDERS",
    "MARKER",
    "MEMBERS",
    "OWNERS",
    "SAGA_LOG_DB",
    "SCENARIO_WORLD",
    "WORLD_DATABASES",
    "checked_folder",
    "prepare_data_dir",
    "remove_database",
    "write_marker",
]

#: The participants' databases, in step order.
WORLD_DATABASES: tuple[str, ...] = ("seats.db", "loyalty.db", "payments.db", "bookings.db")
#: The durable saga log's file in the data directory.
SAGA_LOG_DB = "saga_log.db"
#: Every database of a data directory.
MEMBERS: tuple[str, ...] = (*WORLD_DATABASES, SAGA_LOG_DB)
#: Written last when a data directory is made: the directory is complete.
MARKER = "saga-desktop.json"
#: The folder of the data directory where the scenarios get a world of their own.
SCENARIO_WORLD = "scenario-world"
#: The folder of the data directory where the window's batches get a world of their own.
BATCH_WORLD = "batch-world"
#: The folder of the saga log's owner leases (see engine._owners).
OWNERS = "saga_log.owners"
#: The folders of a data directory: the saga log's owners, the scratch worlds.
FOLDERS: dict[str, str] = {
    OWNERS: "who runs the sagas",
    SCENARIO_WORLD: "the scenarios' scratch world",
    BATCH_WORLD: "the batches' scratch world",
}
# SQLite's side files of a database: a symbolic link there would be followed too.
_SIDE_FILES = ("-wal", "-shm", "-journal")


def _kind(path: Path) -> str | None:
    """``"file"``, ``"link"``, ``"other"`` for what is at ``path``, None when nothing is."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WorldError(f"cannot look at {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(mode):
        return "link"
    return "file" if stat.S_ISREG(mode) else "other"


def _refuse_links(data_dir: Path, members: tuple[str, ...]) -> None:
    for name in (*members, MARKER):
        for suffix in ("", *_SIDE_FILES) if name != MARKER else ("",):
            path = data_dir / (name + suffix)
            kind = _kind(path)
            if kind == "link":
                raise WorldError(
                    f"{path} is a symbolic link; the data directory's files must be its own: "
                    "replace the link by the file, or point --data-dir elsewhere"
                )
            if kind == "other":
                raise WorldError(
                    f"{path} is not a regular file: move it away, or point --data-dir elsewhere"
                )


def checked_folder(path: Path, what: str) -> Path:
    """Return ``path``, a folder of the data directory; refuse it when it is a symbolic link.

    Raises
    ------
    WorldError
        When ``path`` is a symbolic link or not a folder.
    """
    kind = _kind(path)
    if kind == "link":
        raise WorldError(
            f"{path} ({what}) is a symbolic link; the data directory's folders must be its "
            "own: remove the link, or point --data-dir elsewhere"
        )
    if kind == "file":
        raise WorldError(f"{path} ({what}) is a file, not a folder: move it away")
    return path


def _booking_world() -> dict[str, type[Participant]]:
    # Imported when needed: only a directory whose making was cut short needs them.
    from saga_desktop.booking._flight import (
        BookingRegistry,
        LoyaltyAccounts,
        PaymentGateway,
        SeatInventory,
    )

    return dict(
        zip(
            WORLD_DATABASES,
            (SeatInventory, LoyaltyAccounts, PaymentGateway, BookingRegistry),
            strict=True,
        )
    )


def _used(data_dir: Path, name: str, world: Mapping[str, type[Participant]]) -> bool:
    """True when the member ``name`` was used by a saga; False when empty or never used.

    The member is opened as what it should be, so a damaged file, another
    program's database or a saga log of a newer version is refused with the
    words its own opening gives.
    """
    path = data_dir / name
    if path.stat().st_size == 0:
        return False
    from saga_desktop.engine import EventStoreError, SqliteEventStore

    if name == SAGA_LOG_DB:
        try:
            store = SqliteEventStore(path, create=False)
        except EventStoreError as exc:
            raise WorldError(str(exc)) from None
        try:
            return store.count() > 0
        finally:
            store.close()
    participant = world[name](path, create=False)
    try:
        return bool(participant.query("SELECT 1 FROM operations LIMIT 1"))
    finally:
        participant.close()


def _damage(data_dir: Path, name: str, problem: str) -> WorldError:
    return WorldError(
        f"{data_dir / name} is {problem}, but the data directory {data_dir} holds a world: "
        "restore the file from a backup, or point --data-dir at a new directory "
        "(nothing was changed)"
    )


def prepare_data_dir(
    data_dir: Path,
    world: Mapping[str, type[Participant]] | None = None,
    *,
    fingerprint: str | None = None,
) -> tuple[str, ...]:
    """Check ``data_dir`` before anything opens it; return the members to make.

    Makes the folder when missing. Refuses symbolic links and non-files among
    the members, and missing or empty members of a directory that holds a
    world. Removes what a cut-short making left (never a used database). The
    caller makes the members returned, then calls :func:`write_marker`.

    Parameters
    ----------
    data_dir
        The directory.
    world
        Each participant's database name and class (the flight booking's four
        when omitted); the saga log is a member too.
    fingerprint
        What the world was made from (a saga file's services): a directory whose
        marker names another is refused.

    Returns
    -------
    tuple of str
        Every member when the directory is new; the saga log alone for a
        flight-booking world of an earlier version that never had one; none
        when the directory is complete.

    Raises
    ------
    WorldError
        With one line that names the file at fault and what to do.
    """
    participants = dict(world) if world is not None else _booking_world()
    members = (*participants, SAGA_LOG_DB)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorldError(
            f"cannot create the data directory {data_dir}: {exc.strerror or exc}"
        ) from None
    if not data_dir.is_dir():
        raise WorldError(f"the data directory {data_dir} is not a directory")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise WorldError(f"the data directory {data_dir} is not writable")
    _refuse_links(data_dir, members)
    for name, what in FOLDERS.items():
        checked_folder(data_dir / name, what)
    sizes = {
        name: (data_dir / name).stat().st_size for name in members if (data_dir / name).exists()
    }
    if (data_dir / MARKER).exists():
        _check_fingerprint(data_dir, fingerprint)
        for name in members:
            if name not in sizes:
                raise _damage(data_dir, name, "missing")
            if sizes[name] == 0:
                raise _damage(data_dir, name, "empty (0 bytes)")
        return ()
    if world is None and len(sizes) == len(members) and all(sizes.values()):
        write_marker(data_dir)  # made before the marker existed: adopted as it is
        return ()
    if any(_used(data_dir, name, participants) for name in sizes):
        # Some members were used, so the others were lost rather than not yet made,
        # but for a world of an earlier version that never had a saga log.
        if world is None and set(sizes) == set(WORLD_DATABASES) and all(sizes.values()):
            return (SAGA_LOG_DB,)
        lost = next(name for name in members if not sizes.get(name))
        raise _damage(data_dir, lost, "missing" if lost not in sizes else "empty (0 bytes)")
    for name in sizes:  # what a making cut short left: made again, whole
        remove_database(data_dir / name)
    return members


def _check_fingerprint(data_dir: Path, fingerprint: str | None) -> None:
    if fingerprint is None:
        return
    try:
        made = json.loads((data_dir / MARKER).read_text(encoding="utf-8")[:4096])
    except (OSError, ValueError):
        made = {}
    recorded = made.get("made_from") if isinstance(made, dict) else None
    if recorded is not None and recorded != fingerprint:
        raise WorldError(
            f"the world in {data_dir} was made from another version of the saga file "
            "(its services or their items differ): move that folder away to start the "
            "saga's world afresh, or use the saga file it was made from"
        )


def remove_database(path: Path) -> None:
    """Delete a database file and its SQLite side files (a link itself, never its target)."""
    for suffix in ("", *_SIDE_FILES):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / (path.name + suffix)).unlink()


def write_marker(
    data_dir: Path, members: tuple[str, ...] = MEMBERS, fingerprint: str | None = None
) -> None:
    """Write the marker that says the data directory is complete (atomically)."""
    marker = data_dir / MARKER
    partial = data_dir / (MARKER + ".partial")
    made: dict[str, object] = {
        "format": "saga-desktop-data-dir",
        "version": 1,
        "members": list(members),
    }
    if fingerprint is not None:
        made["made_from"] = fingerprint
    text = json.dumps(made, indent=2)
    try:
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, marker)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise WorldError(f"cannot write {marker}: {exc.strerror or exc}") from None
