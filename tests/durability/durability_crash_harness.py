"""Crash harness: SIGKILL a process running booking sagas, recover, check nothing is lost.

Each round starts ``durability_crash_child.py`` (sagas in a loop with random
faults; every other round in the ``batch`` configuration, without log files) on
a data directory, waits until it says ``ready``, sleeps a random
5-80 ms, and kills it with SIGKILL. Then it notes where the interrupted saga
was (the last event of its saga log), recovers (in process, or with the real
``saga-desktop recover`` every ``--cli-every`` rounds) and checks the points
below. Every ``--kill-recovery-every`` rounds, a recovery process is started and
killed 0-4 ms after it is ready before the real recovery: recovery must survive
its own crash too. The checks:

* no saga is left unfinished (``store.incomplete()`` is empty) and no dead letter
  is waiting (the harness plans no ``compensation_fail:forever``);
* the world adds up (``world.snapshot().consistent``);
* the saga log and the world agree: the sagas the log calls COMPLETED are exactly
  those with a confirmed booking.

A data directory is used for several rounds and replaced when its seats run low.

Full run (about 200 kills, a minute or two)::

    .venv/bin/python tests/durability/durability_crash_harness.py --kills 200

Exit code 0 when every check held, 1 otherwise; the report goes to stdout.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from saga_desktop.booking import STEP_NAMES, BookingSagaOrchestrator, FlightWorld
from saga_desktop.booking._api import SAGA_LOG_DB
from saga_desktop.engine import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    SagaEvent,
    SqliteEventStore,
    StepStarted,
)

CHILD = Path(__file__).with_name("durability_crash_child.py")
#: Fewer free seats than this (over all flights) and the next round gets a new data dir.
MIN_FREE_SEATS = 40
BETWEEN_SAGAS = "(between sagas)"

_COMPENSATION_EVENTS = (
    CompensationTriggered,
    CompensationStarted,
    CompensationSucceeded,
    CompensationRetried,
    CompensationFailed,
    DeadLettered,
)


@dataclasses.dataclass
class HarnessReport:
    """What the harness saw, over every round."""

    kills: int = 0
    sagas_run: int = 0
    sagas_recovered: int = 0
    cli_recoveries: int = 0
    data_dirs: int = 0
    violations: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    last_event: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    phase: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    window: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    outcomes: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    delays_ms: list[float] = dataclasses.field(default_factory=list)
    #: Recoveries run while a child ran sagas, and the sagas they took from it (must be 0).
    racing_recoveries: int = 0
    taken_from_live: int = 0
    #: Recoveries killed in turn: whether the kill landed, and where.
    recovery_kills: int = 0
    recovery_finished_first: int = 0
    recovery_last_event: collections.Counter[str] = dataclasses.field(
        default_factory=collections.Counter
    )
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every check of every round held."""
        return not self.violations and not self.problems


def _phase(event: SagaEvent | None) -> str:
    if event is None:
        return "between sagas"
    return "compensation" if isinstance(event, _COMPENSATION_EVENTS) else "forward step"


def _operation_state(world: FlightWorld, correlation_id: str, step: str) -> str | None:
    participant = world.participants[STEP_NAMES.index(step)]
    rows = participant.query(
        "SELECT state FROM operations WHERE key = ?", (f"{correlation_id}:{step}",)
    )
    return str(rows[0][0]) if rows else None


def _window(world: FlightWorld, event: SagaEvent) -> str | None:
    """Whether the kill fell between a participant's commit and the saga log's record of it."""
    if isinstance(event, StepStarted):
        state = _operation_state(world, event.correlation_id, event.step)
        if state == "applied":
            return "action committed, its success not logged"
        return "action not committed"
    if isinstance(event, CompensationStarted):
        state = _operation_state(world, event.correlation_id, event.step)
        if state in ("compensated", "tombstone"):
            return "undo committed, its success not logged"
        return "undo not committed"
    return None


def _console_script() -> list[str]:
    script = Path(sys.executable).parent / "saga-desktop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "saga_desktop"]


def _kill_one(
    data_dir: Path,
    seed: int,
    delay: float,
    stderr_path: Path,
    *,
    recover: bool = False,
    batch: bool = False,
    racer: Callable[[], None] | None = None,
) -> tuple[bool, str | None]:
    """Start the child, SIGKILL it ``delay`` s after it is ready.

    ``racer`` is called again and again while the child lives (a recovery
    racing it). Returns whether the kill landed (a recovering child may finish
    first) and a problem, or None.
    """
    command = [sys.executable, str(CHILD), str(data_dir), str(seed)]
    with open(stderr_path, "wb") as stderr:
        child = subprocess.Popen(
            [*command, "--recover"] if recover else [*command, "--batch"] if batch else command,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            assert child.stdout is not None
            ready = child.stdout.readline()
            if ready.strip() != b"ready":
                child.wait(timeout=30)
                return False, (
                    f"child (seed {seed}) never got ready: exit {child.returncode}: "
                    + stderr_path.read_text(errors="replace")[-2000:]
                )
            deadline = time.monotonic() + delay
            while racer is not None and time.monotonic() < deadline:
                racer()
            time.sleep(max(0.0, deadline - time.monotonic()))
            alive = child.poll() is None
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()
    if recover and not alive and child.returncode == 0:
        return False, None
    if not alive or child.returncode != -signal.SIGKILL:
        return False, (
            f"child (seed {seed}) ended on its own with exit {child.returncode}: "
            + stderr_path.read_text(errors="replace")[-2000:]
        )
    return True, None


def _unfinished(data_dir: Path) -> list[SagaEvent]:
    """The last event of every unfinished saga."""
    store = SqliteEventStore(data_dir / SAGA_LOG_DB)
    try:
        return [store.history(cid)[-1] for cid in store.incomplete()]
    finally:
        store.close()


def _where_it_stopped(data_dir: Path, report: HarnessReport) -> int:
    """Record where the interrupted saga was; return how many sagas are unfinished."""
    unfinished = _unfinished(data_dir)
    world = FlightWorld(data_dir)
    try:
        if len(unfinished) > 1:
            report.problems.append(f"{len(unfinished)} sagas unfinished at once in {data_dir}")
        if not unfinished:
            report.last_event[BETWEEN_SAGAS] += 1
            report.phase[_phase(None)] += 1
        for last in unfinished:
            report.last_event[type(last).__name__] += 1
            report.phase[_phase(last)] += 1
            window = _window(world, last)
            if window is not None:
                report.window[window] += 1
        return len(unfinished)
    finally:
        world.close()


def _recover(data_dir: Path, use_cli: bool, report: HarnessReport) -> int:
    """Recover the interrupted sagas; return how many were recovered."""
    if use_cli:
        done = subprocess.run(
            [*_console_script(), "recover", "--data-dir", str(data_dir), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        report.cli_recoveries += 1
        if done.returncode != 0:
            report.problems.append(
                f"saga-desktop recover exited {done.returncode}: {done.stderr.strip()}"
            )
            return 0
        responses = json.loads(done.stdout)
        outcomes = [response["outcome"] for response in responses]
    else:
        with BookingSagaOrchestrator(data_dir) as orchestrator:
            outcomes = [result.outcome.value for result in orchestrator.recover()]
    for outcome in outcomes:
        if outcome != "COMPENSATED":
            report.problems.append(f"a recovered saga in {data_dir} ended {outcome}")
    return len(outcomes)


def _check(data_dir: Path, round_no: int, report: HarnessReport) -> int:
    """Check the invariants after recovery; return the free seats left."""
    with BookingSagaOrchestrator(data_dir, write_logs=False) as orchestrator:
        store = orchestrator.store
        assert store is not None
        unfinished = store.incomplete()
        if unfinished:
            report.problems.append(f"round {round_no}: {len(unfinished)} saga(s) still unfinished")
        letters = orchestrator.dead_letters()
        if letters:
            report.problems.append(f"round {round_no}: {len(letters)} dead letter(s)")
        snapshot = orchestrator.world.snapshot()
        report.violations.extend(f"round {round_no}: {v}" for v in snapshot.violations)
        completed = {s.correlation_id for s in store.sagas(limit=10**9) if s.status == "COMPLETED"}
        confirmed = set(orchestrator.world.bookings.confirmed_by_saga())
        if completed != confirmed:
            report.problems.append(
                f"round {round_no}: the log's completed sagas and the confirmed bookings differ "
                f"({len(completed - confirmed)} only in the log, "
                f"{len(confirmed - completed)} only in the world)"
            )
        return sum(int(flight["seats_left"]) for flight in snapshot.flights)


def _tally(data_dir: Path, report: HarnessReport) -> None:
    store = SqliteEventStore(data_dir / SAGA_LOG_DB)
    try:
        sagas = store.sagas(limit=10**9)
    finally:
        store.close()
    report.sagas_run += len(sagas)
    report.outcomes.update(s.status for s in sagas)


def _racer(orchestrator: BookingSagaOrchestrator, report: HarnessReport) -> Callable[[], None]:
    """A recovery to run while the child lives: it must take nothing of the child's."""

    def race() -> None:
        taken = orchestrator.recover()
        report.racing_recoveries += 1
        report.taken_from_live += len(taken)
        for result in taken:
            report.problems.append(
                f"a recovery racing a live child took its saga {result.correlation_id}"
            )

    return race


def _kill_recovery(
    data_dir: Path, rng: random.Random, workdir: Path, report: HarnessReport, round_no: int
) -> None:
    """Start a recovery and SIGKILL it too: recovery must survive its own crash."""
    landed, problem = _kill_one(
        data_dir,
        rng.randrange(2**31),
        rng.uniform(0.0, 0.004),
        workdir / "recovery-stderr.txt",
        recover=True,
    )
    if problem is not None:
        report.problems.append(f"round {round_no}: recovery: {problem}")
        return
    if not landed:
        report.recovery_finished_first += 1
        return
    report.recovery_kills += 1
    unfinished = _unfinished(data_dir)
    if not unfinished:
        report.recovery_last_event["(recovery had finished)"] += 1
    for last in unfinished:
        report.recovery_last_event[type(last).__name__] += 1


def run_harness(
    kills: int,
    workdir: Path,
    *,
    seed: int = 0,
    min_ms: float = 5.0,
    max_ms: float = 80.0,
    cli_every: int = 4,
    kill_recovery_every: int = 3,
    race_every: int = 1,
    progress: Callable[[str], None] | None = None,
) -> HarnessReport:
    """Kill the saga process ``kills`` times, recovering and checking after each kill.

    Parameters
    ----------
    kills
        How many SIGKILLs to deliver.
    workdir
        Where the data directories go.
    seed
        Seeds the kill delays and every child's bookings and faults.
    min_ms, max_ms
        The kill comes a uniform random time in this range after the child is ready.
    cli_every
        Recover with the real ``saga-desktop recover`` every this many rounds (0: never).
    kill_recovery_every
        On every this-many-th round that left a saga unfinished, first start a
        recovery process and SIGKILL it 0-4 ms after it is ready (0: never).
    race_every
        On every this-many-th round, recover in a loop while the child runs its
        sagas: not one of them may be taken over (0: never).
    progress
        Called with a line after every round (for a person watching).
    """
    rng = random.Random(seed)
    report = HarnessReport()
    started = time.perf_counter()
    data_dir: Path | None = None
    for round_no in range(1, kills + 1):
        if data_dir is None:
            report.data_dirs += 1
            data_dir = workdir / f"world-{report.data_dirs:03d}"
        delay_ms = rng.uniform(min_ms, max_ms)
        report.delays_ms.append(delay_ms)
        racing = None
        if race_every and round_no % race_every == 0 and (data_dir / SAGA_LOG_DB).exists():
            racing = BookingSagaOrchestrator(data_dir, write_logs=False)
        try:
            _, problem = _kill_one(
                data_dir,
                rng.randrange(2**31),
                delay_ms / 1000,
                workdir / "child-stderr.txt",
                batch=round_no % 2 == 0,
                racer=_racer(racing, report) if racing is not None else None,
            )
        finally:
            if racing is not None:
                racing.close()
        if problem is not None:
            report.problems.append(f"round {round_no}: {problem}")
            break
        report.kills += 1
        unfinished = _where_it_stopped(data_dir, report)
        if unfinished and kill_recovery_every and round_no % kill_recovery_every == 0:
            _kill_recovery(data_dir, rng, workdir, report, round_no)
        still = len(_unfinished(data_dir))
        recovered = _recover(data_dir, bool(cli_every) and round_no % cli_every == 0, report)
        if recovered != still:
            report.problems.append(
                f"round {round_no}: {still} saga(s) unfinished but {recovered} recovered"
            )
        report.sagas_recovered += unfinished
        free_seats = _check(data_dir, round_no, report)
        if progress is not None:
            progress(
                f"round {round_no:4d}: killed after {delay_ms:5.1f} ms, recovered {recovered}, "
                f"{free_seats} seats left in {data_dir.name}"
            )
        if free_seats < MIN_FREE_SEATS or round_no == kills:
            _tally(data_dir, report)
            data_dir = None
    report.elapsed = time.perf_counter() - started
    return report


def format_report(report: HarnessReport) -> str:
    """The report a person reads: figures, the kill histogram, any violation."""
    lines = [
        f"kills (SIGKILL delivered):       {report.kills}",
        f"data directories:                {report.data_dirs}",
        f"sagas run in total:              {report.sagas_run} "
        + json.dumps(dict(sorted(report.outcomes.items()))),
        f"sagas recovered after a kill:    {report.sagas_recovered} "
        f"({report.cli_recoveries} recoveries via `saga-desktop recover`)",
        f"recoveries racing a live child:  {report.racing_recoveries} "
        f"(sagas they took from it: {report.taken_from_live})",
        f"invariant violations:            {len(report.violations)}",
        f"other problems:                  {len(report.problems)}",
    ]
    if report.delays_ms:
        lines.append(
            f"kill delay after ready:          {min(report.delays_ms):.1f}"
            f"-{max(report.delays_ms):.1f} ms"
        )
    lines.append(f"elapsed:                         {report.elapsed:.1f} s")
    lines.append("where the kills landed (phase):")
    lines.extend(f"  {name:<40} {count:5d}" for name, count in report.phase.most_common())
    lines.append("where the kills landed (last event of the interrupted saga in its log):")
    lines.extend(f"  {name:<40} {count:5d}" for name, count in report.last_event.most_common())
    lines.append("kills inside a participant call (StepStarted / CompensationStarted last):")
    lines.extend(f"  {name:<40} {count:5d}" for name, count in report.window.most_common())
    lines.append(
        f"recoveries killed in turn:       {report.recovery_kills} "
        f"(and {report.recovery_finished_first} that ended before their kill); "
        "last event of the saga in its log:"
    )
    lines.extend(
        f"  {name:<40} {count:5d}" for name, count in report.recovery_last_event.most_common()
    )
    lines.extend(f"VIOLATION {v}" for v in report.violations[:50])
    lines.extend(f"PROBLEM {p}" for p in report.problems[:50])
    lines.append("RESULT: " + ("OK, nothing lost" if report.ok else "FAILED"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None, help="default: random (printed)")
    parser.add_argument("--min-ms", type=float, default=5.0)
    parser.add_argument("--max-ms", type=float, default=80.0)
    parser.add_argument("--cli-every", type=int, default=4, help="0: always recover in process")
    parser.add_argument(
        "--kill-recovery-every", type=int, default=3, help="0: never kill a recovery"
    )
    parser.add_argument(
        "--race-every", type=int, default=1, help="0: no recovery races a live child"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary dir")
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per round")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="saga-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"seed {seed}, workdir {workdir}", flush=True)
    report = run_harness(
        args.kills,
        workdir,
        seed=seed,
        min_ms=args.min_ms,
        max_ms=args.max_ms,
        cli_every=args.cli_every,
        kill_recovery_every=args.kill_recovery_every,
        race_every=args.race_every,
        progress=(lambda line: print(line, flush=True)) if args.verbose else None,
    )
    print(format_report(report))
    if report.ok and not args.keep and args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    elif not report.ok:
        print(f"data directories kept in {workdir}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
