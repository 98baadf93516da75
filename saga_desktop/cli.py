"""The ``saga-desktop`` command: the window by default, headless subcommands otherwise.

Exit codes: ``run`` 0 booking confirmed, 1 saga failed and fully compensated,
2 bad input, 3 saga ended with dead letters; ``state`` 0 when the world adds
up, 1 when not; ``scenarios`` 0 iff all five pass; ``batch`` 0 when the world
adds up after the batch, 1 when not, 130 when Ctrl-C stopped it (between two
sagas). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, NoReturn

# Only the error handling's exceptions, all cheap: the window's start must not pay
# for the sagas, the batch, the scenarios or the fault kinds. The parser and each
# command reach the rest through the lazy booking package, or import what they run.
from saga_desktop import __version__, booking, engine
from saga_desktop.booking import BookingError, InvalidBooking, default_data_dir
from saga_desktop.engine import EventStoreError

if TYPE_CHECKING:
    from saga_desktop.booking import (
        BatchProgress,
        BatchReport,
        BookingSagaOrchestrator,
        Fault,
        WorldSnapshot,
    )
__all__ = ["EXIT_BAD_INPUT", "EXIT_CRASHED", "EXIT_DEAD_LETTERS", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_DEAD_LETTERS = 3
#: Ctrl-C: a batch stopped between two sagas, or any command interrupted.
EXIT_INTERRUPTED = 130
#: An error nobody planned for (a bug); still reported as one line.
EXIT_INTERNAL = 4
#: A ``crash`` fault ends the process with this code, with no cleanup at all.
EXIT_CRASHED = 70
#: The largest booking file ``run --booking`` reads (a booking is a few hundred bytes).
BOOKING_FILE_LIMIT = 1 << 20


class _UsageError(Exception):
    """Bad command-line input, reported as one line and exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; one line is what we promise.
        raise _UsageError(message)


def _data_dir_argument(text: str) -> Path:
    # Path("") is the current directory: a world would be made wherever the command ran.
    if not text.strip():
        raise argparse.ArgumentTypeError("the data directory cannot be empty: name a folder")
    return Path(text)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=_data_dir_argument,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the world's directory (default: $SAGA_DESKTOP_DATA_DIR or the per-user data dir)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="saga-desktop",
        description="Watch a flight-booking saga fail and heal itself. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"saga-desktop {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the window, run the five scenarios through it at Instant speed, "
        "check the invariants, print one line and exit 0 or 1",
    )
    _add_data_dir(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
        help="inject a failure (repeatable): KIND is fail, transient:N, timeout, "
        "compensation_fail:N|forever or crash",
    )
    run.add_argument("--booking", type=Path, metavar="FILE", help="the guide's request JSON")
    run.add_argument("--json", action="store_true", help="print the guide's response object")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="print the saga log as it happens"
    )

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
    batch.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data_dir", None) or default_data_dir())


def _read_booking(path: Path | None) -> dict[str, Any]:
    if path is None:
        return dict(booking.DEFAULT_BOOKING)
    try:
        data = booking.read_json_file(path, limit=BOOKING_FILE_LIMIT)
    except booking.UnreadableFile as exc:
        raise _UsageError(f"the booking file {exc}") from None
    if not isinstance(data, dict):
        kind = booking.json_type(data)
        raise _UsageError(f"the booking file {path} must hold a JSON object, not a JSON {kind}")
    return data


def _fault_plan(args: argparse.Namespace) -> dict[str, Fault]:
    plan: dict[str, Fault] = {}
    given: dict[str, str] = {}  # step key → the option that planned its fault, as typed
    asked = [(f"--fail {step}", step, None) for step in args.fail]
    asked += [(f"--fault {spec}", None, spec) for spec in args.fault]
    for option, step, spec in asked:
        if spec is not None:
            key, fault = booking.parse_fault(spec)
        elif (key := step.lower()) in booking.STEP_KEYS:
            fault = booking.Fault(booking.FaultKind.FAIL)
        else:
            keys = ", ".join(booking.STEP_KEYS)
            raise _UsageError(f"unknown step {step!r}: expected one of {keys}")
        if key in plan and plan[key] != fault:
            # One fault per step: the later option must not quietly win.
            raise _UsageError(
                f"{given[key]} and {option} ask for two different failures of {key}: give one"
            )
        plan[key], given[key] = fault, option
    return plan


def _crash_now(step: str) -> None:
    # A real death: no cleanup, no flush, no compensation. Recovery finishes the saga.
    sys.stderr.write(f"saga-desktop: the orchestrator crashed right after {step}\n")
    sys.stderr.flush()
    os._exit(EXIT_CRASHED)


def _print_event(event: engine.SagaEvent) -> None:
    for line in engine.describe(event):
        print(f"{line.level:<7} {line.message}")


def _warn(message: str) -> None:
    """Say what went wrong that changes nothing of the outcome (one line on stderr)."""
    print(f"saga-desktop: warning: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _orchestrator(args: argparse.Namespace, **options: Any) -> Iterator[BookingSagaOrchestrator]:
    """The data directory's orchestrator; a log file it cannot write is a warning."""
    with booking.BookingSagaOrchestrator(_data_dir(args), **options) as orchestrator:
        if orchestrator.logs is not None:
            orchestrator.logs.on_problem = _warn
        yield orchestrator


def _cmd_run(args: argparse.Namespace) -> int:
    data = _read_booking(args.booking)
    plan = _fault_plan(args)
    listeners = [_print_event] if args.verbose and not args.json else []
    with _orchestrator(args, listeners=listeners, on_crash=_crash_now) as orchestrator:
        request = orchestrator.validate(data)
        result = orchestrator.run(request, plan)
        response = booking.guide_response(result)
    if args.json:
        print(json.dumps(response, indent=2, ensure_ascii=False))
    elif result.success:
        print(
            f"Booking confirmed: reference {response['booking_reference']} "
            f"(correlation id {result.correlation_id})"
        )
    else:
        print(f"Saga failed at {result.failed_step}: {result.error}")
        for record in result.compensations:
            mark = "done" if record.success else f"DEAD-LETTERED ({record.error})"
            print(f"  {record.compensation}: {mark}")
        print(f"correlation id {result.correlation_id}")
    if result.success:
        return EXIT_OK
    return EXIT_DEAD_LETTERS if result.dead_letters else EXIT_FAILED


def _check_report_path(path: Path) -> None:
    """Refuse a report path that cannot be written, before anything runs."""
    folder = path.parent
    if path.is_dir():
        raise _UsageError(f"cannot write the report {path}: it is a directory")
    if not folder.is_dir():
        raise _UsageError(f"cannot write the report {path}: there is no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _UsageError(f"cannot write the report {path}: the folder {folder} is not writable")


def _cmd_scenarios(args: argparse.Namespace) -> int:
    if args.report is not None:
        _check_report_path(args.report)
    report = booking.run_scenarios_on_scratch_world(_data_dir(args), on_log_problem=_warn)
    if args.report is not None:
        try:
            booking.write_report(report, args.report)
        except OSError as exc:
            raise _UsageError(
                f"cannot write the report {args.report}: {exc.strerror or exc}"
            ) from None
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for entry in report["results"]:
            mark = "PASS" if entry["passed"] else "FAIL"
            print(f"{mark}  {entry['title']}")
            for problem in entry["problems"]:
                print(f"      {problem}")
        print(f"{report['passed']} passed, {report['failed']} failed")
    return EXIT_OK if report["all_passed"] else EXIT_FAILED


def _cmd_recover(args: argparse.Namespace) -> int:
    with _orchestrator(args) as orchestrator:
        results = orchestrator.recover()
        consistent = orchestrator.world.snapshot().consistent
    if args.json:
        print(
            json.dumps([booking.guide_response(r) for r in results], indent=2, ensure_ascii=False)
        )
    elif not results:
        print("Nothing to recover: no saga was interrupted.")
    else:
        for result in results:
            undone = ", ".join(r.compensation for r in result.compensations if r.success)
            parked = ", ".join(r.compensation for r in result.dead_letters)
            print(
                f"Recovered {result.correlation_id}: compensated {undone or 'nothing'}"
                + (f"; dead-lettered {parked}" if parked else "")
            )
    return EXIT_OK if consistent or any(r.dead_letters for r in results) else EXIT_FAILED


def _cmd_dlq(args: argparse.Namespace) -> int:
    with _orchestrator(args) as orchestrator:
        if args.dlq_action is None:
            letters = orchestrator.dead_letters()
            if args.json:
                print(json.dumps([letter.to_dict() for letter in letters], indent=2))
            elif not letters:
                print("The dead-letter queue is empty.")
            for letter in [] if args.json else letters:
                print(
                    f"{letter.correlation_id}  {letter.compensation}  "
                    f"{letter.attempts} attempt(s): {letter.error}"
                )
            return EXIT_OK
        letter = orchestrator.find_dead_letter(args.id)
        if args.dlq_action == "resolve":
            orchestrator.resolve_dead_letter(letter)
            print(f"{letter.compensation} of {letter.correlation_id} marked resolved.")
            return EXIT_OK
        if orchestrator.retry_dead_letter(letter):
            print(
                f"{letter.compensation} of {letter.correlation_id} succeeded: dead letter cleared."
            )
            return EXIT_OK
        print(
            f"{letter.compensation} of {letter.correlation_id} failed again; still dead-lettered."
        )
        return EXIT_DEAD_LETTERS


def _print_state(snapshot: WorldSnapshot) -> None:
    for flight in snapshot.flights:
        print(
            f"Flight {flight['id']} {flight['route']} {flight['date']}: "
            f"{flight['seats_left']} of {flight['capacity']} seats left"
        )
    for user in snapshot.users:
        spent = user["opening_points"] - user["points"]
        print(f"User {user['id']} {user['name']}: {user['points']} points ({spent} spent)")
    payments = snapshot.payments
    print(
        f"Payments: {payments['count']}, captured {payments['captured']:.2f}, "
        f"refunded {payments['refunded']:.2f}, net {payments['net']:.2f}"
    )
    print(
        f"Bookings: {snapshot.bookings['confirmed']} confirmed, "
        f"{snapshot.bookings['cancelled']} cancelled"
    )
    _print_consistency(snapshot.violations)


def _print_consistency(violations: Sequence[str], limit: int | None = None) -> None:
    """Say whether the world adds up; list the violations (the first ``limit`` of them)."""
    if not violations:
        print("Consistent: seats, points and money add up.")
        return
    print("INCONSISTENT:")
    for violation in violations[:limit]:
        print(f"  - {violation}")
    if limit is not None and len(violations) > limit:
        print(f"  ... and {len(violations) - limit:,} more")


def _cmd_state(args: argparse.Namespace) -> int:
    with booking.FlightWorld(_data_dir(args)) as world:
        snapshot = world.snapshot()
    if args.json:
        print(json.dumps(snapshot.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_state(snapshot)
    return EXIT_OK if snapshot.consistent else EXIT_FAILED


class _ProgressBar:
    """A one-line progress bar on a terminal, redrawn in place."""

    WIDTH = 28

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, progress: BatchProgress) -> None:
        filled = self.WIDTH * progress.done // max(1, progress.total)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(
            f"\r[{bar}] {progress.done:,}/{progress.total:,} "
            f"{progress.sagas_per_second:,.0f} sagas/s  confirmed {progress.confirmed:,}  "
            f"compensated {progress.compensated:,}\x1b[K"
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line, so that what follows starts on a line of its own."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def _stop_on_interrupt(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C stops the batch between two sagas; a second one interrupts it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # installed outside Python: put Python's own back
        previous = signal.default_int_handler

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        stop.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_batch(report: BatchReport) -> None:
    print(
        f"Batch of {report.count:,} sagas, failure rate {report.failure_rate:g}, seed {report.seed}"
    )
    sold_out = f"  ({report.sold_out:,} refused: flights full)" if report.sold_out else ""
    width = len(f"{report.attempted:,}")
    for label, count, note in (
        ("confirmed", report.confirmed, ""),
        ("compensated", report.compensated, sold_out),
        ("dead-lettered", report.dead_lettered, ""),
        ("invalid", report.invalid, ""),
    ):
        print(f"  {label:<14}{count:>{width},}{note}")
    faults = ", ".join(f"{kind} {count:,}" for kind, count in report.faults.items())
    print(f"Faults injected: {faults}")
    if report.cancelled:
        print(f"Cancelled after {report.attempted:,} of {report.count:,} sagas.")
    print(
        f"{report.attempted:,} sagas in {report.elapsed:.2f} s: "
        f"{report.sagas_per_second:,.0f} sagas/s"
    )
    _print_consistency(report.violations, limit=20)


def _cmd_batch(args: argparse.Namespace) -> int:
    plan = booking.BatchPlan(args.count, args.failure_rate, args.seed)
    # A bar only for a person at a terminal; a pipe or a log gets the report alone.
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    stop = threading.Event()
    # No text logs in a batch (a dozen lines per saga); every saga is in saga_log.db.
    with (
        booking.BookingSagaOrchestrator(
            _data_dir(args), write_logs=False, keep_events=False
        ) as orchestrator,
        _stop_on_interrupt(stop),
    ):
        try:
            report = booking.run_batch(
                orchestrator, plan, on_progress=bar, cancelled=stop, progress_interval=0.1
            )
        finally:
            if bar is not None:
                bar.close()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_batch(report)
    if not report.consistent:
        return EXIT_FAILED
    return EXIT_INTERRUPTED if report.cancelled else EXIT_OK


def _cmd_window(args: argparse.Namespace) -> int:
    # Qt is imported only here: every other command runs without a display.
    if args.self_test:
        from saga_desktop.gui.self_test import run_self_test

        data_dir = getattr(args, "data_dir", None)
        return run_self_test(Path(data_dir) if data_dir else None)
    from saga_desktop.gui.app import run_app

    return run_app(_data_dir(args))


_COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _cmd_window,
    "run": _cmd_run,
    "scenarios": _cmd_scenarios,
    "state": _cmd_state,
    "recover": _cmd_recover,
    "dlq": _cmd_dlq,
    "batch": _cmd_batch,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Parameters
    ----------
    argv
        The arguments, without the program name (``sys.argv[1:]`` by default).

    Returns
    -------
    int
        The exit code (see the module docstring).
    """
    try:
        if argv is None:
            argv = sys.argv[1:]
        if not argv:
            # The window with no options (a double-click): building the whole parser
            # with every subcommand would only slow its start down.
            return _cmd_window(argparse.Namespace(self_test=False, command=None))
        args = _build_parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except (_UsageError, BookingError, EventStoreError) as exc:
        where = f"{exc.field}: " if isinstance(exc, InvalidBooking) and exc.field else ""
        print(f"saga-desktop: error: {where}{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("saga-desktop: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`saga-desktop run --json | head`): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        # Still one line, never a traceback: a person can report it as it is.
        print(f"saga-desktop: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
