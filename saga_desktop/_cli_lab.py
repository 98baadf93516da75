"""``saga-desktop lab``: the isolation lab's lessons, runs and explorations, headless.

Exit codes: ``lab list`` 0; ``lab run`` 0 when the run behaved as the lesson says
(the anomaly appears without a countermeasure that prevents it, and does not
with one), 1 otherwise; ``lab explore`` 0 unless a countermeasure switched on
was beaten by an anomaly it claims to prevent (then 1); ``lab verdicts`` 0.
Bad input: one line, exit 2 (raised as :class:`UsageError`, reported by ``main``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from saga_desktop._cli_input import UsageError

__all__ = ["add_lab_parser", "cmd_lab"]

_MAX_SCHEDULES = 100_000
_MAX_SCHEDULE_LENGTH = 2000


def _count(low: int, high: int, what: str) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number, not {text!r:.40}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be {low} to {high:,}, not {value}")
        return value

    return parse


def add_lab_parser(commands: Any) -> None:
    """Add ``lab`` and its actions to the main parser's subcommands."""
    lab = commands.add_parser("lab", help="the isolation lab: concurrent sagas and anomalies")
    actions = lab.add_subparsers(dest="lab_action", metavar="ACTION", parser_class=type(lab))
    actions.required = True
    listing = actions.add_parser("list", help="the lessons and what cures each anomaly")
    listing.add_argument("--json", action="store_true", help="one object per lesson")
    run = actions.add_parser("run", help="run a lesson's interleaving and give a verdict")
    run.add_argument("lesson", metavar="LESSON", help="lost_update, dirty_read or fuzzy_read")
    explore = actions.add_parser("explore", help="search random interleavings for anomalies")
    explore.add_argument("--sagas", type=_count(1, 8, "--sagas"), default=3, metavar="K")
    explore.add_argument(
        "--schedules", type=_count(1, _MAX_SCHEDULES, "--schedules"), default=100, metavar="N"
    )
    explore.add_argument("--seed", type=_count(0, 2**31, "--seed"), default=0, metavar="S")
    run.add_argument(
        "--schedule", metavar="LABELS", help="turns to run instead of the lesson's (e.g. ABAB)"
    )
    for parser in (run, explore):
        parser.add_argument(
            "--countermeasure",
            action="append",
            default=[],
            metavar="NAME",
            help="switch a countermeasure on (repeatable)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
    actions.add_parser("verdicts", help="the README's table: every lesson with every cure")


def _countermeasures(names: Sequence[str]) -> list[str]:
    from saga_desktop.booking.lab import COUNTERMEASURES

    for name in names:
        if name not in COUNTERMEASURES:
            raise UsageError(
                f"unknown countermeasure {name!r:.40} (known: {', '.join(COUNTERMEASURES)})"
            )
    return list(dict.fromkeys(names))


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _cmd_list(args: argparse.Namespace) -> int:
    from saga_desktop.booking.lab import LESSONS

    if args.json:
        _print_json([lesson.to_dict() for lesson in LESSONS.values()])
        return 0
    for lesson in LESSONS.values():
        print(f"{lesson.name}  {lesson.title}")
        print(f"  {lesson.description}")
        print(f"  prevented by:     {', '.join(lesson.prevented_by)}")
        print(f"  not prevented by: {', '.join(lesson.not_prevented_by)}")
    return 0


def _schedule(text: str | None, labels: Sequence[str]) -> list[str] | None:
    if text is None:
        return None
    letters = [c for c in text.upper() if not c.isspace() and c not in ",-"]
    if not letters or len(letters) > _MAX_SCHEDULE_LENGTH:
        raise UsageError(f"--schedule needs 1 to {_MAX_SCHEDULE_LENGTH} saga labels")
    for letter in letters:
        if letter not in labels:
            raise UsageError(
                f"--schedule names saga {letter!r:.10}, which the lesson has not "
                f"(sagas: {', '.join(labels)})"
            )
    return letters


def _cmd_run(args: argparse.Namespace) -> int:
    from saga_desktop._cli_lab_output import print_lesson_run
    from saga_desktop.booking.lab import LESSONS, run_lesson

    lesson = LESSONS.get(args.lesson)
    if lesson is None:
        raise UsageError(f"unknown lesson {args.lesson!r:.40} (lessons: {', '.join(LESSONS)})")
    measures = _countermeasures(args.countermeasure)
    schedule = _schedule(args.schedule, [saga.label for saga in lesson.sagas])
    result = run_lesson(lesson, measures, schedule)
    if args.json:
        _print_json(result.to_dict())
    else:
        print_lesson_run(result)
    return 0 if result.as_taught else 1


def _cmd_explore(args: argparse.Namespace) -> int:
    from saga_desktop._cli_lab_output import print_explore
    from saga_desktop.booking.lab import LESSONS, explore

    measures = _countermeasures(args.countermeasure)
    report = explore(args.sagas, args.schedules, args.seed, measures)
    if args.json:
        _print_json(report.to_dict())
    else:
        print_explore(report)
    claimed = {
        lesson.anomaly for lesson in LESSONS.values() if set(measures) & set(lesson.prevented_by)
    }
    return 1 if any(report.anomalies[kind] for kind in claimed) else 0


def _cmd_verdicts(args: argparse.Namespace) -> int:
    from saga_desktop.booking.lab import verdict_table

    sys.stdout.write(verdict_table())
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """Run ``saga-desktop lab ACTION`` and return its exit code (see the module docstring)."""
    commands = {
        "list": _cmd_list,
        "run": _cmd_run,
        "explore": _cmd_explore,
        "verdicts": _cmd_verdicts,
    }
    return commands[args.lab_action](args)
