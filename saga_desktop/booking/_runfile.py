"""Run files: one saga run exported as JSON, to replay on another machine.

A run file holds the guide's response object, the saga's events (its saga
log), the booking, the fault plan and the world before and after. Reading one
checks everything a replay relies on, so a damaged or foreign file fails with
one :class:`InvalidRunFile` line instead of somewhere in the window later.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from saga_desktop import __version__
from saga_desktop.booking._exceptions import (
    InvalidFaultSpec,
    InvalidRunFile,
    InvalidSagaFile,
    UnreadableFile,
)
from saga_desktop.booking._faults import STEP_KEYS, Fault
from saga_desktop.booking._files import json_type, read_json_file, write_text_atomic
from saga_desktop.booking._loader import spec_from_data
from saga_desktop.booking._presets import parse_plan
from saga_desktop.booking._runshapes import RESPONSE, SERVICE_WORLD, WORLD, shape_problem
from saga_desktop.booking._sagadump import spec_to_data
from saga_desktop.booking._spec import SagaSpec
from saga_desktop.booking._steps import STEP_NAMES
from saga_desktop.engine import (
    EVENT_TYPES,
    SagaEvent,
    SagaStarted,
    event_from_dict,
)

__all__ = [
    "RUN_FILE_FORMAT",
    "RUN_FILE_LIMIT",
    "RUN_FILE_MAX_EVENTS",
    "RUN_FILE_VERSION",
    "RunFile",
    "export_run",
    "parse_run",
    "read_run",
    "write_run",
]

#: The ``format`` every run file names, so that other JSON is recognised as such.
RUN_FILE_FORMAT = "saga-desktop-run"
#: The newest layout this version writes and reads.
RUN_FILE_VERSION = 1
#: The largest run file read (bytes): a run of a few thousand events is well under 2 MB.
RUN_FILE_LIMIT = 20 << 20
#: The most events a run file may hold (a saga of four steps has about 20; one with many
#: retries a few hundred): the timeline and the replay stay quick at this size.
RUN_FILE_MAX_EVENTS = 100_000

#: Keys of the guide's response object that a replay needs.
_RESPONSE_KEYS = ("success", "correlation_id", "outcome", "steps_completed", "total_steps")
# Time stamps from 1970 to the year 3000: what every platform's localtime() can show.
_LATEST = 32503680000.0


@dataclasses.dataclass(frozen=True, slots=True)
class RunFile:
    """A run read back from a file.

    Attributes
    ----------
    response
        The guide's response object of the run (with its ``saga_log``).
    events
        The saga's events, oldest first, starting with ``SagaStarted``.
    booking
        The request data that was booked, if the file has it.
    faults
        Step key → kind spec (``{"process_payment": "fail"}``).
    world_before, world_after
        World snapshots (``WorldSnapshot.to_dict()``) around the run, if any.
    exported_at
        When the run was exported, as written (ISO 8601), if known.
    app_version
        The SAGA Desktop version that exported it, if known.
    """

    response: Mapping[str, Any]
    events: tuple[SagaEvent, ...]
    booking: Mapping[str, Any] | None
    faults: Mapping[str, str]
    world_before: Mapping[str, Any] | None
    world_after: Mapping[str, Any] | None
    exported_at: str | None = None
    app_version: str | None = None
    saga: SagaSpec | None = None

    @property
    def correlation_id(self) -> str:
        """The saga's correlation id."""
        return self.events[0].correlation_id

    def fault_plan(self) -> dict[str, Fault]:
        """Return the faults as a plan the orchestrator runs."""
        return parse_plan(self.faults, self.saga.step_keys if self.saga else STEP_KEYS)


def export_run(
    response: Mapping[str, Any],
    *,
    booking: Mapping[str, Any] | None,
    faults: Mapping[str, str],
    world_before: Mapping[str, Any] | None,
    world_after: Mapping[str, Any] | None,
    saga: SagaSpec | None = None,
) -> dict[str, Any]:
    """Return a run as the plain data of a run file.

    Parameters
    ----------
    response
        The guide's response object (``guide_response``), with its ``saga_log``.
    booking
        The request data that was booked.
    faults
        Step key → kind spec, as :func:`parse_kind` reads it.
    world_before, world_after
        World snapshots (``WorldSnapshot.to_dict()``) around the run.
    saga
        The saga file's saga the run ran (None for the flight booking): the file
        carries it whole, so that it replays where the saga file is not.

    Returns
    -------
    dict
        ``format``, ``version``, ``exported_at``, ``app_version``, ``response``,
        ``events`` (the response's ``saga_log``), ``booking``, ``faults``,
        ``world_before`` and ``world_after``: JSON-ready, and a copy of the input.

    Raises
    ------
    InvalidRunFile
        When the result could not be read back: a response without its
        ``saga_log``, events of several sagas, a fault that cannot be read, data
        that is not plain JSON.
    """
    data = {
        "format": RUN_FILE_FORMAT,
        "version": RUN_FILE_VERSION,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "app_version": __version__,
        "response": dict(response),
        "events": response.get("saga_log"),
        "booking": _plain(booking),
        "faults": dict(faults),
        "world_before": _plain(world_before),
        "world_after": _plain(world_after),
    }
    if saga is not None and saga.world is None:
        data["saga"] = spec_to_data(saga)
    try:
        # A JSON round trip copies the data and proves it is plain JSON.
        copied: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidRunFile(f"cannot export this run: {exc}") from None
    parse_run(copied, source="cannot export this run")
    return copied


def _plain(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if mapping is None else dict(mapping)


def write_run(path: Path | str, data: Mapping[str, Any]) -> None:
    """Write ``data`` (from :func:`export_run`) to ``path`` as indented JSON.

    The file is written next to its place and then moved there, so a crash
    never leaves half a run file behind.

    Raises
    ------
    OSError
        When the file cannot be written.
    ValueError
        When ``data`` is not plain JSON data.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_text_atomic(path, text)


def read_run(path: Path | str) -> RunFile:
    """Read a run file written by :func:`write_run`.

    Parameters
    ----------
    path
        The file: a regular file of at most ``RUN_FILE_LIMIT`` bytes.

    Returns
    -------
    RunFile
        The run, checked: its events rebuilt, of one saga, starting with
        ``SagaStarted``.

    Raises
    ------
    InvalidRunFile
        With one line that names the file and what is wrong with it.
    """
    try:
        data = read_json_file(path, limit=RUN_FILE_LIMIT)
    except UnreadableFile as exc:
        if exc.content:
            raise InvalidRunFile(f"{path}: not a SAGA Desktop run file ({exc.reason})") from None
        raise InvalidRunFile(str(exc)) from None
    return parse_run(data, source=str(path))


def parse_run(data: object, *, source: str = "run file") -> RunFile:
    """Check the parsed JSON of a run file and return the run.

    Parameters
    ----------
    data
        What ``json.loads`` returned for the file.
    source
        Names the file in error messages.

    Returns
    -------
    RunFile
        The run.

    Raises
    ------
    InvalidRunFile
        ``"<source>: <what is wrong>"``.
    """

    def invalid(reason: str) -> InvalidRunFile:
        return InvalidRunFile(f"{source}: {reason}")

    if not isinstance(data, dict):
        raise invalid(f"not a SAGA Desktop run file (a JSON {json_type(data)}, not an object)")
    if data.get("format") != RUN_FILE_FORMAT:
        raise invalid(f'not a SAGA Desktop run file (no "format": "{RUN_FILE_FORMAT}")')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise invalid(f"has no valid format version ({version!r}; this version reads 1)")
    if version > RUN_FILE_VERSION:
        raise invalid(
            f"written by a newer SAGA Desktop (format {version}; "
            f"this version reads {RUN_FILE_VERSION})"
        )
    saga = _saga(data.get("saga"), invalid)
    response = _response(data.get("response"), invalid)
    events = _events(data.get("events"), invalid, saga.step_names if saga else STEP_NAMES)
    if response["correlation_id"] != events[0].correlation_id:
        raise invalid(
            f"the response is of saga {str(response['correlation_id'])[:8]}, "
            f"the events of saga {events[0].correlation_id[:8]}"
        )
    faults = data.get("faults") or {}
    if not isinstance(faults, dict) or not all(isinstance(v, str) for v in faults.values()):
        raise invalid('"faults" must map step keys to fault kinds ("process_payment": "fail")')
    try:
        parse_plan(faults, saga.step_keys if saga else STEP_KEYS)
    except InvalidFaultSpec as exc:
        raise invalid(str(exc)) from None

    optional: dict[str, Any] = {}
    for key in ("booking", "world_before", "world_after"):
        value = data.get(key)
        if value is not None and not isinstance(value, dict):
            raise invalid(f'"{key}" must be an object or null, not a JSON {json_type(value)}')
        shape = WORLD if saga is None else SERVICE_WORLD
        if value is not None and key != "booking" and (problem := shape_problem(value, shape, key)):
            raise invalid(problem)
        optional[key] = value
    for key in ("exported_at", "app_version"):
        value = data.get(key)
        optional[key] = value if isinstance(value, str) else None
    return RunFile(response=response, events=events, faults=faults, saga=saga, **optional)


def _saga(data: object, invalid: Callable[[str], InvalidRunFile]) -> SagaSpec | None:
    """The saga file's saga a run file carries (None: the flight booking)."""
    if data is None:
        return None
    try:
        return spec_from_data(data, source="its saga")
    except InvalidSagaFile as exc:
        raise invalid(str(exc)) from None


def _response(response: object, invalid: Callable[[str], InvalidRunFile]) -> dict[str, Any]:
    """The run file's response object, every field the window reads of the right type."""
    if not isinstance(response, dict):
        raise invalid('has no "response" object')
    missing = [key for key in _RESPONSE_KEYS if key not in response]
    if missing:
        raise invalid(f"the response lacks {', '.join(missing)}")
    if not isinstance(response["success"], bool):
        raise invalid(f"the response's success is {response['success']!r}, not true or false")
    if problem := shape_problem(response, RESPONSE, "response"):
        raise invalid(problem)
    return response


def _events(
    raw_events: object, invalid: Callable[[str], InvalidRunFile], steps: tuple[str, ...]
) -> tuple[SagaEvent, ...]:
    """The run file's events: of one saga (of ``steps``), starting with ``SagaStarted``."""
    if not isinstance(raw_events, list) or not raw_events:
        raise invalid('has no "events" (a list of the saga\'s events)')
    if len(raw_events) > RUN_FILE_MAX_EVENTS:
        raise invalid(
            f"holds {len(raw_events):,} events, more than the {RUN_FILE_MAX_EVENTS:,} "
            "this app replays"
        )
    events = tuple(_event(index, raw, invalid) for index, raw in enumerate(raw_events, 1))
    ids = sorted({event.correlation_id for event in events})
    if len(ids) > 1:
        shown = ", ".join(cid[:8] for cid in ids[:3]) + (", …" if len(ids) > 3 else "")
        raise invalid(f"mixes the events of {len(ids)} sagas ({shown}); a run is one saga")
    if not isinstance(events[0], SagaStarted):
        raise invalid(f"the first event is {type(events[0]).__name__}, not SagaStarted")
    # The window draws the saga's cards: a run of other steps cannot be shown.
    saga = "the flight booking" if steps == STEP_NAMES else "its saga"
    for index, event in enumerate(events, 1):
        step: str | None = getattr(event, "step", None)
        names = event.steps if isinstance(event, SagaStarted) else (step,)
        unknown = next((name for name in names if name not in (*steps, None)), None)
        undo = f"COMPENSATE_{step}"
        if unknown is None and getattr(event, "compensation", undo) != undo:
            unknown = getattr(event, "compensation", None)
        if unknown is not None:
            raise invalid(
                f"event {index} names {str(unknown)[:40]!r}, not a step of {saga} "
                f"({', '.join(steps)[:200]})"
            )
    return events


# The engine's events annotate their fields as text (postponed annotations);
# resolve them once, to check the fields of events read from files.
_HINTS: Mapping[type[SagaEvent], Mapping[str, Any]] = {
    cls: typing.get_type_hints(cls) for cls in EVENT_TYPES.values()
}


def _event(index: int, raw: object, invalid: Callable[[str], InvalidRunFile]) -> SagaEvent:
    """Rebuild event number ``index`` (1-based), checking every field's type."""
    if not isinstance(raw, dict):
        raise invalid(f"event {index} is a JSON {json_type(raw)}, not an object")
    try:
        event = event_from_dict(raw)
    except ValueError as exc:
        raise invalid(f"event {index} cannot be read: {exc}") from None
    hints = _HINTS[type(event)]
    floats: dict[str, Any] = {}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if not _conforms(value, hints[field.name]):
            raise invalid(
                f"event {index} ({type(event).__name__}) has a bad {field.name}: {value!r:.60}"
            )
        if hints[field.name] is float and isinstance(value, int):
            floats[field.name] = float(value)
    if not 0 <= event.at < _LATEST:
        raise invalid(f"event {index} has a time stamp out of range: {event.at!r}")
    return dataclasses.replace(event, **floats) if floats else event


def _conforms(value: object, hint: Any) -> bool:
    """True when ``value`` (read from JSON) is of type ``hint``."""
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if hint is str:
        return isinstance(value, str)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_conforms(value, arg) for arg in args)
    if origin is tuple:
        return isinstance(value, tuple) and all(_conforms(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _conforms(k, args[0]) and _conforms(v, args[1]) for k, v in value.items()
        )
    return False
