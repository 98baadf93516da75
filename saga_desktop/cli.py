"""The ``saga-desktop`` command: the window by default, headless subcommands otherwise.

Exit codes: ``run`` 0 booking confirmed, 1 saga failed and fully compensated,
2 bad input, 3 saga ended with dead letters; ``lab`` (see ``_cli_lab``) 0 when a
lesson behaved as it teaches, 1 when not; ``state`` 0 when the world adds
up, 1 when not; ``scenarios`` 0 iff all five pass; ``batch`` 0 when the world
adds up after the batch, 1 when not, 130 when Ctrl-C stopped it (between two
sagas); the window 2 when there is no display to open it on (``--self-test``
runs offscreen then). Errors are one line on stderr, never a traceback.
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
from typing import TYPE_CHECKING, Any

# Only the error handling's exceptions, all cheap: the window's start must not pay
# for the sagas, the batch, the scenarios or the fault kinds. The parser and each
# command reach the rest through the lazy booking package, or import what they run.
from saga_desktop import booking, engine
from saga_desktop._cli_input import (
    UsageError,
    check_report_path,
    fault_plan,
    message_setup,
    read_booking,
)
from saga_desktop._cli_monitoring import monitored, print_metrics
from saga_desktop._cli_output import (
    ProgressBar,
    message_report,
    print_batch,
    print_messages,
    print_result,
    print_saga_state,
    print_state,
)
from saga_desktop._cli_parser import build_parser as _build_parser
from saga_desktop.booking import BookingError, InvalidBooking, default_data_dir
from saga_desktop.engine import EventStoreError

if TYPE_CHECKING:
    from saga_desktop.booking import (
        BookingSagaOrchestrator,
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


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data_dir", None) or default_data_dir())


def _saga(args: argparse.Namespace) -> booking.SagaSpec | None:
    """The saga file's saga given with ``--saga`` (read once), or None for the booking."""
    path = getattr(args, "saga", None)
    if path is None:
        return None
    spec = getattr(args, "_saga_spec", None)
    if spec is None:
        spec = args._saga_spec = booking.load_saga(path)
    # The flight booking's own file (``world = "flight_booking"``) is the built-in
    # booking, with its world where it always is, as the window opens it.
    return None if spec.world is not None else spec


def _step_names(args: argparse.Namespace) -> tuple[str, ...]:
    spec = _saga(args)
    return spec.step_names if spec is not None else booking.STEP_NAMES


def _step_keys(args: argparse.Namespace) -> tuple[str, ...]:
    spec = _saga(args)
    return spec.step_keys if spec is not None else booking.STEP_KEYS


#: Seconds a command waits for a database another process holds (a running or paused batch).
LOCK_WAIT_ENV = "SAGA_DESKTOP_LOCK_WAIT"
_LOCK_WAIT = 30.0


def _say_waiting(name: str, waited: float) -> None:
    limit = _lock_wait()
    if waited < 1:
        text = f"waiting for {name}: another process holds it (waiting up to {limit:.0f} s)"
    else:
        text = f"still waiting for {name} ({waited:.0f} s of {limit:.0f} s)"
    sys.stderr.write(f"saga-desktop: {text}\n")
    sys.stderr.flush()


def _lock_wait() -> float:
    text = os.environ.get(LOCK_WAIT_ENV, "")
    try:
        seconds = float(text) if text else _LOCK_WAIT
    except ValueError:
        raise UsageError(
            f"{LOCK_WAIT_ENV} must be a number of seconds, not {text[:20]!r}"
        ) from None
    if not 0 <= seconds <= 3600:
        raise UsageError(f"{LOCK_WAIT_ENV} must be between 0 and 3600 seconds, not {seconds:g}")
    return seconds


def _busy() -> engine.BusyWait:
    """How a command waits for a busy data directory: visibly, up to its limit."""
    return engine.BusyWait(limit=_lock_wait(), on_wait=_say_waiting)


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
    options.setdefault("saga", _saga(args))
    with booking.BookingSagaOrchestrator(_data_dir(args), **options) as orchestrator:
        if orchestrator.logs is not None:
            orchestrator.logs.on_problem = _warn
        yield orchestrator


def _cmd_run(args: argparse.Namespace) -> int:
    spec = _saga(args)
    data = read_booking(args.booking, default={} if spec is not None else None)
    plan = fault_plan(args, _step_keys(args))
    messages = message_setup(args, _step_names(args))
    listeners = [_print_event] if args.verbose and not args.json else []
    with monitored(
        args,
        lambda: _orchestrator(
            args, listeners=listeners, on_crash=_crash_now, busy=_busy(), messages=messages
        ),
        spec,
    ) as orchestrator:
        request = orchestrator.validate(data)
        result = orchestrator.run(request, plan)
        response = orchestrator.world.response(result)
    report = message_report(orchestrator.messages)
    if args.json:
        print(json.dumps({**response, **report}, indent=2, ensure_ascii=False))
    else:
        print_result(result, response, spec.name if spec is not None else None, report)
    if result.success:
        return EXIT_OK
    return EXIT_DEAD_LETTERS if result.dead_letters else EXIT_FAILED


def _cmd_scenarios(args: argparse.Namespace) -> int:
    if args.report is not None:
        check_report_path(args.report)
    report = booking.run_scenarios_on_scratch_world(
        _data_dir(args), on_log_problem=_warn, saga=_saga(args)
    )
    if args.report is not None:
        try:
            booking.write_report(report, args.report)
        except OSError as exc:
            raise UsageError(
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
    with _orchestrator(args, busy=_busy()) as orchestrator:
        results = orchestrator.recover()
        consistent = orchestrator.world.snapshot(orchestrator.store).consistent
    if args.json:
        responses = [orchestrator.world.response(r) for r in results]
        print(json.dumps(responses, indent=2, ensure_ascii=False))
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
    with _orchestrator(args, busy=_busy()) as orchestrator:
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


def _cmd_state(args: argparse.Namespace) -> int:
    spec = _saga(args)
    data_dir = _data_dir(args)
    world: booking.FlightWorld | booking.ServiceWorld
    if spec is None:
        world = booking.FlightWorld(data_dir, busy=_busy(), deep=args.deep)
    else:
        data_dir = booking.saga_world_dir(data_dir, spec)
        world = booking.ServiceWorld(spec, data_dir, busy=_busy(), deep=args.deep)
    with world:
        # The saga log says which sagas are still in flight (another process's):
        # those are reported as such, not judged half-way.
        try:
            store = engine.SqliteEventStore(
                data_dir / booking.SAGA_LOG_DB, create=False, check=world.check
            )
        except EventStoreError as exc:
            # The world can still be shown: without its log, every saga is judged.
            _warn(f"{exc}; sagas in flight are judged as if they had ended")
            snapshot = world.snapshot()
        else:
            try:
                snapshot = world.snapshot(store)
            finally:
                store.close()
    if args.json:
        print(json.dumps(snapshot.to_dict(), indent=2, ensure_ascii=False))
    elif isinstance(snapshot, booking.ServiceSnapshot):
        print_saga_state(snapshot)
    else:
        print_state(snapshot)
    return EXIT_OK if snapshot.consistent else EXIT_FAILED


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


def _batch_exit(report: booking.BatchReport, args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_batch(report, **({"noun": "every service"} if _saga(args) is not None else {}))
    if not report.consistent:
        return EXIT_FAILED
    return EXIT_INTERRUPTED if report.cancelled else EXIT_OK


def _cmd_batch_workers(
    args: argparse.Namespace, plan: booking.BatchPlan, stop: threading.Event
) -> int:
    # W orchestrators on one data directory, one per thread: no progress bar (the
    # workers' counts are summed when they are all done).
    def open_orchestrator() -> BookingSagaOrchestrator:
        return booking.BookingSagaOrchestrator(
            _data_dir(args), write_logs=False, keep_events=False, busy=_busy(), saga=_saga(args)
        )

    with _stop_on_interrupt(stop):
        report = booking.run_batch_workers(open_orchestrator, plan, args.workers, cancelled=stop)
    return _batch_exit(report, args)


def _cmd_batch(args: argparse.Namespace) -> int:
    plan = booking.BatchPlan(args.count, args.failure_rate, args.seed)
    messages = message_setup(args, _step_names(args))
    # A bar only for a person at a terminal; a pipe or a log gets the report alone.
    bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    stop = threading.Event()

    # No text logs in a batch (a dozen lines per saga); every saga is in saga_log.db.
    if args.workers != 1:
        return _cmd_batch_workers(args, plan, stop)

    def open_orchestrator() -> BookingSagaOrchestrator:
        return booking.BookingSagaOrchestrator(
            _data_dir(args),
            write_logs=False,
            keep_events=False,
            busy=_busy(),
            saga=_saga(args),
            messages=messages,
        )

    with (
        _stop_on_interrupt(stop),
        monitored(args, open_orchestrator, _saga(args), stop) as orchestrator,
    ):
        try:
            report = booking.run_batch(
                orchestrator, plan, on_progress=bar, cancelled=stop, progress_interval=0.1
            )
        finally:
            if bar is not None:
                bar.close()
    traffic = message_report(orchestrator.messages)
    if args.json:
        print(json.dumps({**report.to_dict(), **traffic}, indent=2, ensure_ascii=False))
    else:
        print_batch(report, **({"noun": "every service"} if _saga(args) is not None else {}))
        print_messages(traffic)
    if not report.consistent:
        return EXIT_FAILED
    return EXIT_INTERRUPTED if report.cancelled else EXIT_OK


def _cmd_metrics(args: argparse.Namespace) -> int:
    spec = _saga(args)
    data_dir = _data_dir(args)
    if spec is not None:
        data_dir = booking.saga_world_dir(data_dir, spec)
    print_metrics(data_dir / booking.SAGA_LOG_DB, spec, _busy())
    return EXIT_OK


#: Said instead of Qt's abort (exit 134), which blames a missing xcb-cursor0.
_NO_DISPLAY = (
    "saga-desktop: error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY "
    "are unset): run `xvfb-run saga-desktop`, or set QT_QPA_PLATFORM=offscreen"
)


def _has_display() -> bool:
    # Windows and macOS always have one; elsewhere Qt needs an X or Wayland server,
    # unless QT_QPA_PLATFORM names a platform (offscreen, vnc, ...) that needs none.
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _cmd_window(args: argparse.Namespace) -> int:
    # Qt is imported only here: every other command runs without a display.
    if not _has_display():
        if not args.self_test:
            print(_NO_DISPLAY, file=sys.stderr)
            return EXIT_BAD_INPUT
        # Nobody needs to watch the self-test: offscreen runs the same window.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # Read before Qt starts: a bad saga file is one line and exit 2, with no window.
    saga = _saga(args) if getattr(args, "saga", None) is not None else None
    if args.self_test:
        from saga_desktop.gui.self_test import run_self_test

        data_dir = getattr(args, "data_dir", None)
        return run_self_test(Path(data_dir) if data_dir else None, saga)
    from saga_desktop.gui.app import run_app

    return run_app(_data_dir(args), saga, metrics_port=getattr(args, "metrics_port", None))


def _cmd_lab(args: argparse.Namespace) -> int:
    # The lab's modules load only for ``lab`` (the window's start must not pay for them).
    from saga_desktop._cli_lab import cmd_lab

    return cmd_lab(args)


_COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _cmd_window,
    "run": _cmd_run,
    "scenarios": _cmd_scenarios,
    "state": _cmd_state,
    "recover": _cmd_recover,
    "dlq": _cmd_dlq,
    "batch": _cmd_batch,
    "metrics": _cmd_metrics,
    "lab": _cmd_lab,
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
    except (UsageError, BookingError, EventStoreError) as exc:
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
