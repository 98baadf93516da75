"""Saga files: TOML (or JSON of the same structure) read into a :class:`SagaSpec`.

A saga file is data and nothing else. Reading one checks every field and says
what is wrong where: the file, the line when one is known, and the field's path
(``steps[3].take.item: "compakt" is not in services.cars.stock (did you mean
"compact"?)``). :func:`saga_problems` lists every problem at once (the editor
shows each beside its field); :func:`load_saga` raises the first.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from saga_desktop.booking._exceptions import InvalidSagaFile, UnreadableFile
from saga_desktop.booking._files import read_user_file
from saga_desktop.booking._sagacheck import BUILT_IN_WORLDS, Problem, check_saga
from saga_desktop.booking._spec import (
    Credit,
    Debit,
    Effect,
    Record,
    SagaSpec,
    ServiceSpec,
    StepRole,
    StepSpec,
    Take,
    request_field,
)

__all__ = [
    "MAX_SAGA_FILE_BYTES",
    "Problem",
    "load_saga",
    "parse_saga",
    "saga_problems",
    "spec_from_data",
]

#: The largest saga file read (a saga of 40 steps is a few kilobytes).
MAX_SAGA_FILE_BYTES = 1 << 20

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def load_saga(path: Path | str) -> SagaSpec:
    """Read and check the saga file ``path`` (``.json`` is JSON, anything else TOML).

    Raises
    ------
    InvalidSagaFile
        With one line: the file, the line when known, the field's path and what
        is wrong.
    """
    source = str(path)
    try:
        raw = read_user_file(path, limit=MAX_SAGA_FILE_BYTES)
    except UnreadableFile as exc:
        raise InvalidSagaFile(source, "", exc.reason) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidSagaFile(
            source, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    return parse_saga(text, source=source, json_text=str(path).lower().endswith(".json"))


def parse_saga(text: str, *, source: str = "saga", json_text: bool = False) -> SagaSpec:
    """Read and check a saga file's text.

    Raises
    ------
    InvalidSagaFile
        For the first problem (see :func:`load_saga`).
    """
    data = _parse(text, source, json_text)
    problems = check_saga(data, text if not json_text else None)
    if problems:
        first = problems[0]
        raise InvalidSagaFile(source, first.path, first.message, first.line)
    return spec_from_data(data, source=source)


def saga_problems(text: str, *, json_text: bool = False) -> list[Problem]:
    """Every problem of a saga file's text, each with its field path (empty: it is fine)."""
    try:
        data = _parse(text, "saga", json_text)
    except InvalidSagaFile as exc:
        return [Problem("", exc.problem, exc.line)]
    return check_saga(data, text if not json_text else None)


def _parse(text: str, source: str, json_text: bool) -> object:
    if json_text:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidSagaFile(source, "", f"not JSON: {exc.msg}", exc.lineno) from None
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise InvalidSagaFile(source, "", f"not JSON: {reason}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        reason = _TOML_POSITION.sub("", message).strip()
        raise InvalidSagaFile(
            source, "", f"not TOML: {reason}", int(match.group(1)) if match else None
        ) from None
    except RecursionError:
        raise InvalidSagaFile(source, "", "not TOML: nested too deeply") from None


def _title(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def _effect(step: Mapping[str, Any]) -> Effect | None:
    if "take" in step:
        take = step["take"]
        return Take(str(take["item"]), take.get("amount", 1))
    if "debit" in step:
        debit = step["debit"]
        return Debit(str(debit["account"]), debit["amount"])
    if "credit" in step:
        credit = step["credit"]
        return Credit(str(credit["account"]), credit["amount"])
    if "record" in step:
        return Record(str(step["record"]["kind"]))
    return None  # a built-in world's step: its effect is the world's own


def _readable(value: str) -> str:
    field = request_field(value)
    return f"the {field.replace('_', ' ')}" if field is not None else value


def _undo_text(effect: Effect | None) -> str:
    # The undo is derived from the effect, unless the file says it in its own words.
    if isinstance(effect, Take):
        return f"Give {_readable(effect.item)} back"
    if isinstance(effect, Debit):
        return f"Credit {_readable(effect.account)} back"
    if isinstance(effect, Credit):
        return f"Debit {_readable(effect.account)} back"
    if isinstance(effect, Record):
        return f"Cancel the {effect.kind.replace('_', ' ')}"
    return "Undo the step"


def spec_from_data(data: object, *, source: str | None = None) -> SagaSpec:
    """Build the spec from a checked saga file's data (see :func:`check_saga`).

    Raises
    ------
    InvalidSagaFile
        When the data has a problem (it is checked again here).
    """
    problems = check_saga(data, None)
    if problems:
        first = problems[0]
        raise InvalidSagaFile(source or "saga", first.path, first.message)
    assert isinstance(data, Mapping)
    services = {
        name: ServiceSpec(
            name=name,
            title=str(service.get("title") or _title(name) + " service"),
            stock=dict(service["stock"]) if "stock" in service else None,
            accounts=(
                {k: float(v) for k, v in service["accounts"].items()}
                if "accounts" in service
                else None
            ),
            records=bool(service.get("records", False)),
        )
        for name, service in data.get("services", {}).items()
    }
    world = data.get("world")
    built_in = dict(BUILT_IN_WORLDS.get(world, ())) if world is not None else {}
    steps = []
    for step in data["steps"]:
        effect = _effect(step)
        title = str(step.get("title") or _title(step["name"]))
        steps.append(
            StepSpec(
                name=step["name"],
                title=title,
                description=str(step.get("description") or title),
                compensation=str(step.get("compensation") or _undo_text(effect)),
                service=step.get("service") or built_in[step["name"]],
                effect=effect,
                role=StepRole(step.get("role", StepRole.COMPENSATABLE.value)),
                retries=int(step.get("retries", 2)),
                timeout=float(step["timeout"]) if "timeout" in step else None,
                error=str(step.get("error") or f"{title} failed"),
            )
        )
    name = data["name"]
    return SagaSpec(
        name=name,
        title=str(data.get("title") or _title(name)),
        description=str(data.get("description", "")),
        request=dict(data.get("request", {})),
        services=services,
        steps=tuple(steps),
        notes=str(data.get("notes", "")),
        source=source,
        world=world,
    )


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A problem as plain data (for the editor and ``--json`` output)."""
    return dataclasses.asdict(problem)
