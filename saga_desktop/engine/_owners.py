"""Who runs a saga: a lease per orchestrator, held as an OS file lock while it lives.

A saga belongs to the process running it. Recovery must undo the sagas whose
owner died, and never those another live process is still running. A process id
alone cannot tell (ids are reused, and a process of another machine's namespace
has none here), so an owner holds an exclusive ``flock`` on a file of its own
for as long as it lives: the operating system drops the lock the moment the
process dies, however it dies (a SIGKILL included), and anybody can test the
lock without disturbing it.

The files live in one folder beside the saga log, one per owner,
``<owner id>.lock``. A lease file is made under a temporary name, locked, and
only then renamed into place, so a file with an owner's name is locked from the
first moment anybody can see it: a missing file, or one whose lock can be
taken, means the owner is gone.

``flock`` locks belong to an open file, not to a process: a second ``open`` of
the same file in the same process conflicts with the first, so a process testing
its own lease sees it held. A child made with ``fork`` shares the parent's open
files and so keeps its leases alive; the files are opened close-on-exec, so a
program the process starts does not.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from pathlib import Path

__all__ = ["OwnerLease", "dead_owners", "live_owners", "owner_alive", "sweep_owners"]

_SUFFIX = ".lock"
# Seconds after which a half-made lease file is surely left by a dead maker.
_PARTIAL_AGE = 60.0
# O_NOFOLLOW: a lease file planted as a symbolic link is never followed.
_OPEN_FLAGS = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)

if sys.platform == "win32":  # pragma: no cover - built and run on Linux only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _checked_folder(folder: Path) -> None:
    """Make ``folder`` if need be; refuse it when it is a symbolic link."""
    if folder.is_symlink():
        raise OSError(f"{folder} is a symbolic link; the owners' folder must be a real folder")
    folder.mkdir(exist_ok=True)


class OwnerLease:
    """One orchestrator's claim on the sagas it runs, alive while the lock is held.

    Parameters
    ----------
    folder
        The owners' folder (made when missing).

    Attributes
    ----------
    owner_id
        The owner's id, recorded with each saga it starts or claims.

    Raises
    ------
    OSError
        When the folder or the lease file cannot be made.
    """

    def __init__(self, folder: Path) -> None:
        _checked_folder(folder)
        self.owner_id = uuid.uuid4().hex
        self.path = folder / f"{self.owner_id}{_SUFFIX}"
        partial = folder / f".{self.owner_id}.partial"
        fd = os.open(partial, _OPEN_FLAGS | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            if not _try_lock(fd):  # a brand-new file nobody else has opened
                raise OSError(f"cannot lock {partial}")
            os.write(fd, f"{os.getpid()}\n".encode())  # for a person who looks; never trusted
            os.replace(partial, self.path)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        """True until :meth:`release`."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lease up: every saga it still owns counts as its owner's death."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Removed while still locked: nobody can take the name for a live owner.
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            _unlock(fd)
        os.close(fd)


def owner_alive(folder: Path, owner_id: str) -> bool:
    """True while the owner ``owner_id`` holds its lease (in any process, this one too).

    The test takes the lock for an instant when it is free, so a dead owner's
    file is never mistaken for a live one, and releases it at once.
    """
    if not owner_id or "/" in owner_id or owner_id.startswith("."):
        return False
    try:
        fd = os.open(folder / f"{owner_id}{_SUFFIX}", _OPEN_FLAGS)
    except OSError:
        return False  # no file (or not one we may open): nobody holds it
    try:
        if _try_lock(fd):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


def live_owners(folder: Path) -> list[str]:
    """The ids of the owners whose lease files in ``folder`` are held now."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError:
        return []
    return [
        name[: -len(_SUFFIX)]
        for name in names
        if name.endswith(_SUFFIX) and owner_alive(folder, name[: -len(_SUFFIX)])
    ]


def dead_owners(folder: Path) -> list[str]:
    """The ids of the owners whose lease files in ``folder`` nobody holds: they died."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError:
        return []
    return [
        name[: -len(_SUFFIX)]
        for name in names
        if name.endswith(_SUFFIX) and not owner_alive(folder, name[: -len(_SUFFIX)])
    ]


def sweep_owners(folder: Path) -> int:
    """Remove the lease files of dead owners; return how many were removed.

    A file is removed only while this call holds its lock, so a live owner's
    file is never touched; a lease file left half made (its owner killed
    between making and naming it) goes too, once it is a minute old.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        if entry.name.endswith(".partial"):
            # Its maker opens it, then locks it: a young one may be unlocked for an
            # instant yet be a live owner's in the making.
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < _PARTIAL_AGE:
                    continue
            except OSError:
                continue
        elif not entry.name.endswith(_SUFFIX):
            continue
        try:
            fd = os.open(entry.path, _OPEN_FLAGS)
        except OSError:
            continue
        try:
            if _try_lock(fd):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
                _unlock(fd)
        finally:
            os.close(fd)
    return removed
