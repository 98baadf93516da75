"""Files a person hands us or asks for: read with a size limit, written whole.

Every such file is read here and nowhere else: only a regular file is read
(a FIFO or a device would block or never end), at most ``limit`` bytes of it,
and every way its text can fail to be JSON (bad UTF-8, nesting deeper than the
parser goes, a number of more digits than Python converts, NaN) is one
:class:`UnreadableFile` with a one-line reason. A file we write for a person
(a run file, the scenarios' report) is written next to its place and moved
there, so it is never half written and a symbolic link in its place is
replaced, not followed.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from saga_desktop.booking._exceptions import UnreadableFile

__all__ = ["json_type", "read_json_file", "read_user_file", "write_text_atomic"]

# O_NONBLOCK: opening a FIFO nobody writes to returns at once instead of waiting for
# a writer; on a regular file it changes nothing. Windows has neither flag.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _size(limit: int) -> str:
    return f"{limit // (1 << 20)} MB" if limit >= 1 << 20 else f"{limit:,} bytes"


def read_user_file(path: Path | str, *, limit: int) -> bytes:
    """Return the bytes of the regular file ``path``, refusing more than ``limit`` of them.

    Parameters
    ----------
    path
        The file (a symbolic link to a regular file is read like the file).
    limit
        The most bytes the file may hold.

    Returns
    -------
    bytes
        The whole file.

    Raises
    ------
    UnreadableFile
        When it cannot be opened, is not a regular file, or holds more than
        ``limit`` bytes (only ``limit + 1`` of them are ever read).
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((text for test, text in _KINDS if test(mode)), "not a regular file")
            raise UnreadableFile(path, f"is {kind}, not a regular file")
        chunks: list[bytes] = []
        read = 0
        while read <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - read))
            if not chunk:
                break
            chunks.append(chunk)
            read += len(chunk)
    except OSError as exc:
        raise UnreadableFile(path, f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if read > limit:
        raise UnreadableFile(path, f"is larger than {_size(limit)}, the most this app reads")
    return b"".join(chunks)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed (JSON has no such number)")


def read_json_file(path: Path | str, *, limit: int) -> object:
    """Return the JSON value the file ``path`` holds (UTF-8, a byte-order mark allowed).

    Parameters
    ----------
    path
        The file, read by :func:`read_user_file`.
    limit
        The most bytes the file may hold.

    Returns
    -------
    object
        What ``json.loads`` made of it (any JSON value: callers check its shape).

    Raises
    ------
    UnreadableFile
        When the file cannot be read (see :func:`read_user_file`), or is not
        UTF-8 JSON; ``content`` is true for the latter.
    """
    data = read_user_file(path, limit=limit)
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors add, is not damage.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            path, f"not UTF-8 text: {exc.reason} at byte {exc.start}", content=True
        ) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    except RecursionError:
        reason = "nested too deeply"
    except ValueError as exc:
        # NaN or Infinity; a number of more digits than Python converts (its message
        # runs on about sys.set_int_max_str_digits: the first sentence says it all).
        reason = str(exc).split(":")[0]
    raise UnreadableFile(path, f"not JSON: {reason}", content=True)


def json_type(value: object) -> str:
    """The JSON name of ``value``'s type: ``object``, ``array``, ``string``, ``number``, ...

    For messages about a JSON value of the wrong kind ("a JSON array, not an object").
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``, whole or not at all.

    It goes to ``<path>.partial`` first and is then moved over ``path``, so a
    crash or a full device never leaves half a file, and a symbolic link at
    ``path`` is replaced rather than written through.

    Raises
    ------
    OSError
        When the file cannot be written (nothing is left behind then).
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # a link left there is not written through
        with partial.open("x", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
