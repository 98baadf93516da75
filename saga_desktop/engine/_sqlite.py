"""Opening an SQLite file the way every durable part of SAGA Desktop does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["connect_checked", "use_wal"]


def connect_checked(path: Path) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode and refuse it if it is damaged.

    The check runs before anything writes to the file, so a damaged database is
    reported and left as it was, rather than failing half-way through a saga.

    Raises
    ------
    sqlite3.DatabaseError
        ``"the database is damaged (<SQLite's report>)"`` or SQLite's own error.
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
        raise sqlite3.DatabaseError(f"the database is damaged ({report})")
    return db


def use_wal(db: sqlite3.Connection) -> None:
    """Write-ahead logging with ``synchronous=NORMAL``.

    A commit then survives the process being killed (the WAL is in the OS
    cache); only a power cut could lose the last commits.
    """
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
