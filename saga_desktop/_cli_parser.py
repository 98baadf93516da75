"""The command line's parser: every command, its options and their help.

Errors are one line (``UsageError``), never argparse's usage block.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from saga_desktop import __version__, booking
from saga_desktop._cli_input import UsageError, data_dir_argument
from saga_desktop._cli_lab import add_lab_parser
from saga_desktop._cli_monitoring import add_metrics_port, add_trace_options

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    """A parser whose errors are one line."""

    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; one line is what we promise.
        raise UsageError(message)


if TYPE_CHECKING:
    #: What ``add_subparsers()`` gives.
    _Commands = argparse._SubParsersAction[_Parser]


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=data_dir_argument,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the world's directory (default: $SAGA_DESKTOP_DATA_DIR or the per-user data dir)",
    )
    parser.add_argument(
        "--saga",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="a saga file (TOML or JSON) to run instead of the flight booking",
    )


def _add_messages(parser: argparse.ArgumentParser, *, seed: bool) -> None:
    from saga_desktop.messaging import MESSAGE_FAULT_HELP

    parser.add_argument(
        "--messages",
        action="store_true",
        help="the services talk by messages (in-process channel) instead of direct calls",
    )
    parser.add_argument(
        "--message-fault",
        action="append",
        default=[],
        metavar="KIND=P",
        help="a message fault with chance P per message (repeatable; implies --messages; "
        "KIND[:ARG][@STEP]): " + "; ".join(MESSAGE_FAULT_HELP.values()),
    )
    if seed:
        parser.add_argument(
            "--seed", type=int, metavar="S", help="seed of the message faults (default: drawn)"
        )


def build_parser() -> argparse.ArgumentParser:
    """The command line: the window's options and every command's."""
    parser = _Parser(
        prog="saga-desktop",
        description="Watch a flight-booking saga fail and heal itself. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"saga-desktop {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window (offscreen when there is no display), run the five scenarios "
        "through it at Instant speed, check the invariants, print one line and exit 0 or 1",
    )
    _add_data_dir(parser)
    add_metrics_port(parser)  # the window's: its sagas, for Prometheus
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    _add_run(commands)
    _add_small_commands(commands)
    _add_batch(commands)
    metrics = commands.add_parser(
        "metrics", help="print Prometheus metrics counted from the saga log (saga_log.db)"
    )
    _add_data_dir(metrics)
    add_lab_parser(commands)
    return parser


def _add_run(commands: _Commands) -> None:
    run = commands.add_parser("run", help="run one booking saga")
    _add_data_dir(run)
    run.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="STEP",
        help=f"make STEP fail (repeatable): {', '.join(booking.STEP_KEYS)}",
    )
    run.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="STEP=KIND",
        help=f"inject a failure (repeatable): KIND is one of {booking.KIND_HELP}",
    )
    run.add_argument("--booking", type=Path, metavar="FILE", help="the guide's request JSON")
    run.add_argument("--json", action="store_true", help="print the guide's response object")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="print the saga log as it happens"
    )
    add_trace_options(run)
    _add_messages(run, seed=True)
    run.add_argument(
        "--dual-write",
        action="store_true",
        help="lesson: services write their state, then publish the reply, in two steps "
        "(no inbox, no outbox, no status queries; implies --messages)",
    )
    run.add_argument(
        "--kill-after-write",
        action="append",
        default=[],
        metavar="STEP",
        help="the step's service dies once between writing its state and sending its reply, "
        "then comes back (repeatable; implies --messages)",
    )


def _add_small_commands(commands: _Commands) -> None:
    scenarios = commands.add_parser("scenarios", help="run the guide's five test scenarios")
    _add_data_dir(scenarios)
    scenarios.add_argument(
        "--report", type=Path, metavar="PATH", help="write saga_test_report.json here"
    )
    scenarios.add_argument("--json", action="store_true", help="print the report as JSON")

    recover = commands.add_parser("recover", help="finish every saga a crash interrupted")
    _add_data_dir(recover)
    recover.add_argument("--json", action="store_true", help="print the recovered sagas as JSON")

    dlq = commands.add_parser("dlq", help="list, retry or resolve dead-lettered compensations")
    _add_data_dir(dlq)
    dlq.add_argument("--json", action="store_true", help="print the dead letters as JSON")
    dlq_actions = dlq.add_subparsers(dest="dlq_action", metavar="ACTION", parser_class=_Parser)
    for action, text in (
        ("retry", "run a dead letter's compensation again"),
        ("resolve", "mark a dead letter settled by hand (runs nothing)"),
    ):
        sub = dlq_actions.add_parser(action, help=text)
        _add_data_dir(sub)
        sub.add_argument("id", metavar="ID", help="correlation id (or its start), or ID:STEP")

    state = commands.add_parser("state", help="show seats, points, payments and bookings")
    _add_data_dir(state)
    state.add_argument("--json", action="store_true", help="print the state as JSON")
    state.add_argument(
        "--deep",
        action="store_true",
        help="check every database's integrity first, however large (small ones always are)",
    )


def _add_batch(commands: _Commands) -> None:
    batch = commands.add_parser(
        "batch", help="run many booking sagas with random failures, then check the world"
    )
    _add_data_dir(batch)
    batch.add_argument("--count", type=int, required=True, metavar="N", help="sagas to run")
    batch.add_argument(
        "--failure-rate",
        type=float,
        default=booking.DEFAULT_FAILURE_RATE,
        metavar="P",
        help="chance from 0 to 1 that a saga gets a fault"
        f" (default {booking.DEFAULT_FAILURE_RATE})",
    )
    batch.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="seed of the faults: the same seed draws the same faults (default: drawn, shown)",
    )
    batch.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="W",
        help="run W sagas at once, each on its own thread and connections (default 1)",
    )
    batch.add_argument("--json", action="store_true", help="print the report as JSON")
    add_metrics_port(batch, hold=True)
    add_trace_options(batch)
    _add_messages(batch, seed=False)
