"""Correlation ids: UUID4-shaped, unique within and across processes, cheap to make."""

from __future__ import annotations

import collections
import itertools
import os
import random

__all__ = ["new_correlation_id"]

# Correlation ids are UUID4-shaped and unique, not secret. ``str(uuid.uuid4())``
# costs more than a whole lean saga (a system call, then a slow format), and
# even formatting 122 fresh random bits costs a third of one. So each process
# draws 96 random bits once (again in a forked child, so that two processes
# never share them) for the last 24 digits, and the first 8 digits count up
# from a random start: ids never repeat within a process, differ across
# processes in the 96 random bits, and follow the order sagas start in. That
# order matters to the durable log: every index keyed by correlation id (the
# saga log's, each participant's operations) grows at its end instead of
# dirtying a random page per saga: grouped batches ran 2,020-2,970 sagas/s with
# these ids against 1,600-1,830 with ids scrambled over all 2**32 values
# (run_benchmarks.py --only durable, the two alternated).
#
# Formatting a number per id (``"%08x" % n``) still cost as much as running
# three steps, so ids are made 256 at a time: the top 6 digits are formatted
# once and joined to 256 precomputed endings (last 2 digits and the tail).
# They wait in a deque, whose popleft() is atomic: sagas run in several threads
# (the window's worker, a batch), and two threads refilling at once take
# different chunks from the counter, so no id is handed out twice (callgrind:
# about 1 k instructions per id against 3.5 k).
_ready_ids: collections.deque[str] = collections.deque()
_id_endings: list[str] = []
_id_chunks = itertools.count()
_id_first_chunk = 0


def _draw_id_bits() -> None:
    global _id_endings, _id_chunks, _id_first_chunk
    source = random.SystemRandom()
    # The last 96 bits of a UUID: version 4 and the RFC 4122 variant set.
    bits = source.getrandbits(96) & ~((0xF << 76) | (0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
    digits = f"{bits:024x}"
    tail = f"-{digits[:4]}-{digits[4:8]}-{digits[8:12]}-{digits[12:]}"
    _ready_ids.clear()
    _id_endings = [f"{low:02x}{tail}" for low in range(0x100)]
    _id_first_chunk = source.getrandbits(24)
    _id_chunks = itertools.count()


def _make_ids() -> None:
    chunk = next(_id_chunks)
    if chunk > 0xFFFFFF:  # all 2**32 ids used: new random bits, then start again
        _draw_id_bits()
        chunk = next(_id_chunks)
    prefix = f"{(_id_first_chunk + chunk) & 0xFFFFFF:06x}"
    _ready_ids.extend([prefix + ending for ending in _id_endings])


def new_correlation_id() -> str:
    """Return a new correlation id (a UUID4 string), never one handed out before."""
    while True:
        try:
            return _ready_ids.popleft()
        except IndexError:
            _make_ids()


_draw_id_bits()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_draw_id_bits)
