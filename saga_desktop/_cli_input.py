"""What the command line takes from a person, checked before anything runs.

Each check fails with :class:`UsageError` (one line on stderr, exit 2): a data
directory that is empty text, a booking file that is not a small regular file
of a JSON object, ``--fail`` and ``--fault`` asking for two different failures
of one step, a message fault of an unknown kind or with a chance outside 0..1, a
report path that cannot be written.
"""

from __future__ import annotations

import argparse
import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_desktop import booking

if TYPE_CHECKING:
    from saga_desktop.booking import Fault, MessageSetup

__all__ = [
    "BOOKING_FILE_LIMIT",
    "UsageError",
    "check_report_path",
    "data_dir_argument",
    "fault_plan",
    "message_setup",
    "read_booking",
]

#: The largest booking file ``run --booking`` reads (a booking is a few hundred bytes).
BOOKING_FILE_LIMIT = 1 << 20


class UsageError(Exception):
    """Bad command-line input, reported as one line and exit 2."""


def data_dir_argument(text: str) -> Path:
    """``--data-dir``'s type: a path that is not empty text."""
    # Path("") is the current directory: a world would be made wherever the command ran.
    if not text.strip():
        raise argparse.ArgumentTypeError("the data directory cannot be empty: name a folder")
    return Path(text)


def read_booking(path: Path | None, default: dict[str, Any] | None = None) -> dict[str, Any]:
    """The request data of ``run --booking FILE``; without one, ``default``.

    The default is the guide's example; a saga file's run passes ``{}`` (its
    own default request, with no field overridden).
    """
    if path is None:
        return dict(booking.DEFAULT_BOOKING if default is None else default)
    try:
        data = booking.read_json_file(path, limit=BOOKING_FILE_LIMIT)
    except booking.UnreadableFile as exc:
        raise UsageError(f"the booking file {exc}") from None
    if not isinstance(data, dict):
        kind = booking.json_type(data)
        raise UsageError(f"the booking file {path} must hold a JSON object, not a JSON {kind}")
    return data


def fault_plan(
    args: argparse.Namespace, keys: tuple[str, ...] = booking.STEP_KEYS
) -> dict[str, Fault]:
    """The fault plan of ``run``'s ``--fail`` and ``--fault`` options, one fault per step.

    ``keys`` are the saga's step keys; a step is named in either case.
    """
    plan: dict[str, Fault] = {}
    given: dict[str, str] = {}  # step key → the option that planned its fault, as typed
    asked = [(f"--fail {step}", step, None) for step in args.fail]
    asked += [(f"--fault {spec}", None, spec) for spec in args.fault]
    for option, step, spec in asked:
        if spec is not None:
            key, fault = booking.parse_fault(spec, keys)
        elif (key := step.strip().lower()) in keys:
            fault = booking.Fault(booking.FaultKind.FAIL)
        else:
            close = difflib.get_close_matches(step.strip().lower(), keys, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise UsageError(f"unknown step {step!r}{hint}: expected one of {', '.join(keys)}")
        if key in plan and plan[key] != fault:
            # One fault per step: the later option must not quietly win.
            raise UsageError(
                f"{given[key]} and {option} ask for two different failures of {key}: give one"
            )
        plan[key], given[key] = fault, option
    return plan


def check_report_path(path: Path) -> None:
    """Refuse a report path that cannot be written, before anything runs."""
    folder = path.parent
    if path.is_dir():
        raise UsageError(f"cannot write the report {path}: it is a directory")
    if not folder.is_dir():
        raise UsageError(f"cannot write the report {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write the report {path}: the folder {folder} is not writable")


def message_setup(args: argparse.Namespace, steps: tuple[str, ...]) -> MessageSetup | None:
    """How ``run`` and ``batch`` talk to the services: by messages, or None (direct calls).

    ``--message-fault`` (repeatable), ``--dual-write`` and ``--kill-after-write``
    imply ``--messages``; the faults are drawn from ``--seed``. ``steps`` are the
    saga's step names (for ``KIND@STEP`` and the kills).
    """
    texts: list[str] = getattr(args, "message_fault", [])
    dual_write: bool = getattr(args, "dual_write", False)
    kills: list[str] = getattr(args, "kill_after_write", [])
    if not (texts or dual_write or kills or getattr(args, "messages", False)):
        return None
    from saga_desktop.messaging import MAX_QUERIES, InvalidMessageFault, parse_message_fault

    try:
        faults = [parse_message_fault(text, steps) for text in texts]
    except InvalidMessageFault as exc:
        raise UsageError(f"--message-fault {exc}") from None
    names = {name.upper(): name for name in steps}
    for step in kills:
        if step.strip().upper() not in names:
            known = ", ".join(name.lower() for name in steps)
            raise UsageError(f"--kill-after-write: no step {step!r:.40} (steps: {known})")
    return booking.MessageSetup(
        faults,
        getattr(args, "seed", None),
        # The dual-write lesson's orchestrator trusts the reply to come: nothing asks.
        max_queries=0 if dual_write else MAX_QUERIES,
        dual_write=dual_write,
        kill_after_write=tuple(names[step.strip().upper()] for step in kills),
    )
