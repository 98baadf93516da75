"""Opening an SQLite file the way every durable part of SAGA Desktop does."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

_T = TypeVar("_T")

__all__ = [
    "LOCK_SLICE",
    "QUICK_CHECK_MAX_BYTES",
    "WAL_AUTOCHECKPOINT_PAGES",
    "BusyWait",
    "LockTimeout",
    "connect_checked",
    "is_busy",
    "use_wal",
]

#: Pages the write-ahead log may hold before a commit copies them into the database.
#: SQLite's default is 1,000; a checkpoint syncs the disk twice, and a saga touches
#: the same few pages again and again, so fewer, larger checkpoints write and sync
#: much less. The log (at most ~40 MB a file) is removed when the last connection closes.
WAL_AUTOCHECKPOINT_PAGES = 10_000

#: Files up to this size get SQLite's quick integrity check whenever they are opened (it
#: reads the whole file: about 2 ms per MiB here). Larger ones are checked when asked
#: (``check=True``: after an unclean shutdown, ``state --deep``); otherwise SQLite's own
#: checks stop the first statement that meets a damaged page.
QUICK_CHECK_MAX_BYTES = 8 * 1024 * 1024

#: Seconds SQLite itself waits for another connection's lock before it reports the
#: database busy. Short on purpose: a longer wait is BusyWait's, which says so.
LOCK_SLICE = 0.2


def is_busy(error: sqlite3.Error) -> bool:
    """True when ``error`` says another connection holds a lock (SQLITE_BUSY or LOCKED)."""
    name = getattr(error, "sqlite_errorname", "")
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    return "locked" in str(error) or "busy" in str(error)


class LockTimeout(Exception):
    """Another connection held the lock for longer than :attr:`BusyWait.limit`.

    Parameters
    ----------
    waited
        Seconds waited in all.
    """

    def __init__(self, waited: float) -> None:
        super().__init__(f"the lock was held for more than {waited:.0f} s")
        self.waited = waited


@dataclasses.dataclass(frozen=True, slots=True)
class BusyWait:
    """How long to wait for a database another process holds, and who hears of it.

    A busy database is not a refusal: the wait is told to ``on_wait`` (about
    once every ``notify_every`` seconds), and after ``limit`` seconds the caller
    gets a :class:`LockTimeout` to report as its own error.

    Attributes
    ----------
    limit
        Most seconds to wait in all.
    on_wait
        Called with the file's name and the seconds waited so far, when the
        wait begins and then about every ``notify_every`` seconds.
    notify_every
        Seconds between two calls of ``on_wait``.
    """

    limit: float = 30.0
    on_wait: Callable[[str, float], None] | None = None
    notify_every: float = 5.0

    def begin_immediate(self, cursor: sqlite3.Cursor, name: str) -> None:
        """``BEGIN IMMEDIATE`` on ``cursor``, waiting for another writer up to :attr:`limit`.

        Raises
        ------
        LockTimeout
            When the write lock stayed taken for :attr:`limit` seconds.
        """
        self.retry(lambda: cursor.execute("BEGIN IMMEDIATE"), name)

    def retry(self, operation: Callable[[], _T], name: str) -> _T:
        """Run ``operation``, again and again while SQLite says the file ``name`` is busy.

        Readers wait too, if rarely: SQLite locks a file whole for an instant
        when the last connection to it closes (and folds its write-ahead log in).

        Raises
        ------
        LockTimeout
            When the file stayed busy for :attr:`limit` seconds.
        """
        try:
            return operation()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        # Each attempt already waited LOCK_SLICE inside SQLite (its busy handler).
        started = time.monotonic() - LOCK_SLICE
        told = -self.notify_every
        while True:
            waited = time.monotonic() - started
            if waited >= self.limit:
                raise LockTimeout(waited)
            if self.on_wait is not None and waited - told >= self.notify_every:
                told = waited
                self.on_wait(name, waited)
            try:
                return operation()
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise


def connect_checked(
    path: Path, *, create: bool = True, check: bool | None = None, busy: BusyWait | None = None
) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode and refuse it if it is damaged.

    The check runs before anything writes to the file, so a damaged database is
    reported and left as it was, rather than failing half-way through a saga.

    Parameters
    ----------
    path
        The database file.
    create
        Create the file when it is missing; when False, a missing file is an
        error and is never created (SQLite's ``mode=rw``).
    check
        Run SQLite's quick integrity check: always (True), never (False), or
        when the file is at most :data:`QUICK_CHECK_MAX_BYTES` (None): opening
        stays as fast with a long history as on a fresh data directory.
    busy
        How long to wait when another connection holds the file whole.

    Raises
    ------
    sqlite3.DatabaseError
        ``"the database is damaged (<SQLite's report>); restore it …"`` (what a
        person can do about it is part of the message) or SQLite's own error.
    LockTimeout
        When another connection held the file for longer than ``busy`` waits.
    """
    # check_same_thread=False: the window's worker opens a database in one thread
    # and may hand it to another; calls are never concurrent.
    if create:
        db = sqlite3.connect(
            path, timeout=LOCK_SLICE, isolation_level=None, check_same_thread=False
        )
    else:
        uri = f"file:{quote(str(path.absolute()))}?mode=rw"
        db = sqlite3.connect(
            uri, timeout=LOCK_SLICE, isolation_level=None, check_same_thread=False, uri=True
        )
    if check is None:
        try:
            check = path.stat().st_size <= QUICK_CHECK_MAX_BYTES
        except OSError:
            check = True
    try:
        # Even unchecked, the schema is read: a file that is no database at all fails here.
        sql = "PRAGMA quick_check(1)" if check else "PRAGMA schema_version"
        (result,) = (busy or BusyWait()).retry(lambda: db.execute(sql).fetchone(), path.name)
    except (sqlite3.DatabaseError, LockTimeout):
        db.close()
        raise
    if check and result != "ok":
        db.close()
        report = " ".join(str(result).split())  # SQLite's report spans lines
        raise sqlite3.DatabaseError(
            f"the database is damaged ({report}); "
            "restore it from a backup, or point --data-dir elsewhere"
        )
    return db


def use_wal(db: sqlite3.Connection) -> None:
    """Write-ahead logging with ``synchronous=NORMAL``.

    A commit then survives the process being killed (the WAL is in the OS
    cache); only a power cut could lose the last commits. The WAL is copied
    into the database every :data:`WAL_AUTOCHECKPOINT_PAGES` pages.
    """
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
