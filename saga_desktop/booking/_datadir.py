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
from pathlib import Path

from saga_desktop.booking._exceptions import WorldError

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


def _refuse_links(data_dir: Path) -> None:
    for name in (*MEMBERS, MARKER):
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


def _used(data_dir: Path, name: str) -> bool:
    """True when the member ``name`` was used by a saga; False when empty or never used.

    The member is opened as what it should be, so a damaged file, another
    program's database or a saga log of a newer version is refused with the
    words its own opening gives.
    """
    path = data_dir / name
    if path.stat().st_size == 0:
        return False
    # Imported here: only a directory whose making was cut short gets this far.
    from saga_desktop.booking._participants import (
        BookingRegistry,
        LoyaltyAccounts,
        PaymentGateway,
        SeatInventory,
    )
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
    kinds = dict(
        zip(
            WORLD_DATABASES,
            (SeatInventory, LoyaltyAccounts, PaymentGateway, BookingRegistry),
            strict=True,
        )
    )
    participant = kinds[name](path, create=False)
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


def prepare_data_dir(data_dir: Path) -> tuple[str, ...]:
    """Check ``data_dir`` before anything opens it; return the members to make.

    Makes the folder when missing. Refuses symbolic links and non-files among
    the members, and missing or empty members of a directory that holds a
    world. Removes what a cut-short making left (never a used database). The
    caller makes the members returned, then calls :func:`write_marker`.

    Returns
    -------
    tuple of str
        Every member (:data:`MEMBERS`) when the directory is new; the saga log
        alone for a world of an earlier version that never had one; none when
        the directory is complete.

    Raises
    ------
    WorldError
        With one line that names the file at fault and what to do.
    """
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
    _refuse_links(data_dir)
    for name, what in FOLDERS.items():
        checked_folder(data_dir / name, what)
    sizes = {
        name: (data_dir / name).stat().st_size for name in MEMBERS if (data_dir / name).exists()
    }
    if (data_dir / MARKER).exists():
        for name in MEMBERS:
            if name not in sizes:
                raise _damage(data_dir, name, "missing")
            if sizes[name] == 0:
                raise _damage(data_dir, name, "empty (0 bytes)")
        return ()
    if len(sizes) == len(MEMBERS) and all(sizes.values()):
        write_marker(data_dir)  # made before the marker existed: adopted as it is
        return ()
    if any(_used(data_dir, name) for name in sizes):
        # Some members were used, so the others were lost rather than not yet made,
        # but for a world of an earlier version that never had a saga log.
        if set(sizes) == set(WORLD_DATABASES) and all(sizes.values()):
            return (SAGA_LOG_DB,)
        lost = next(name for name in MEMBERS if not sizes.get(name))
        raise _damage(data_dir, lost, "missing" if lost not in sizes else "empty (0 bytes)")
    for name in sizes:  # what a making cut short left: made again, whole
        remove_database(data_dir / name)
    return MEMBERS


def remove_database(path: Path) -> None:
    """Delete a database file and its SQLite side files (a link itself, never its target)."""
    for suffix in ("", *_SIDE_FILES):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / (path.name + suffix)).unlink()


def write_marker(data_dir: Path) -> None:
    """Write the marker that says the data directory is complete (atomically)."""
    marker = data_dir / MARKER
    partial = data_dir / (MARKER + ".partial")
    text = json.dumps(
        {"format": "saga-desktop-data-dir", "version": 1, "members": list(MEMBERS)}, indent=2
    )
    try:
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, marker)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise WorldError(f"cannot write {marker}: {exc.strerror or exc}") from None
