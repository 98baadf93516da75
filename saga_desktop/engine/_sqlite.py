"""Opening an SQLite file the way every durable part of SAGA Desktop does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["WAL_AUTOCHECKPOINT_PAGES", "connect_checked", "use_wal"]

#: Pages the write-ahead log may hold before a commit copies them into the database.
#: SQLite's default is 1,000; a checkpoint syncs the disk twice, and a saga touches
#: the same few pages again and again, so fewer, larger checkpoints write and sync
#: much less. The log (at most ~40 MB a file) is removed when the last connection closes.
WAL_AUTOCHECKPOINT_PAGES = 10_000


def connect_checked(path: Path) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode and refuse it if it is damaged.

    The check runs before anything writes to the file, so a damaged database is
    reported and left as it was, rather than failing half-way through a saga.

    Raises
    ------
    sqlite3.DatabaseError
        ``"the database is damaged (<SQLite's report>); restore it …"`` (what a
        person can do about it is part of the message) or SQLite's own error.
    """
    # check_same_thread=False: the window's worker opens a database in one thread
    # and may hand it to another; calls are never concurrent.
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        (check,) = db.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.DatabaseError:
        db.close()
        raise
    if check != "ok":
        db.close()
        report = " ".join(str(check).split())  # SQLite's report spans lines
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
