"""Engine benchmarks, in memory: the guide's failure mix against two references, and growth.

The workload is a four-step saga whose steps do nothing but fail when told to:
70 % of the sagas succeed and 10 % fail at each of steps 2, 3 and 4 (the
guide's mix), drawn once from a seeded ``random.Random`` so that every
contender runs the very same sequence. Four contenders share the steps' code:

``floor``
    a hand-written ``try``/``except`` loop with a compensation stack: what
    running four calls and undoing them costs in Python, with nothing else.
``saga-py``
    ``saga-py`` 1.1.0 (``SagaBuilder``): actions and compensations, no log,
    no ids, no retries. Installed by the ``bench`` extra; skipped when absent.
``engine lean``
    ``SagaOrchestrator(keep_events=False)`` with no listener and no sink, on
    steps that take no context (``SagaStep(takes_context=False)``): like the
    floor's and saga-py's, the steps are told nothing. Budget 1a.
``engine lean, steps take a context``
    The same with a :class:`StepContext` per call (the default, as the
    booking saga runs): shown, not budgeted.
``engine + saga log``
    The lean engine with a :class:`SagaLog` of the latest 10,000 events, as a
    log view keeps: every event of every saga is recorded (as its fields, built
    into an event when read). Budget 1b.
``engine + listener (event objects)``
    ``SagaOrchestrator(keep_events=True)`` (every result carries its saga's
    events) with a listener that keeps the latest 10,000 events: every event
    built as an object when it happens, as the window's worker needs them.
    Shown, not budgeted.
"""

from __future__ import annotations

import collections
import dataclasses
import gc
import random
import statistics
import time
import timeit
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from saga_desktop.engine import (
    SagaDefinition,
    SagaEvent,
    SagaLog,
    SagaOrchestrator,
    SagaStep,
    StepError,
)

#: Step (1-based) at which each saga of the guide's mix fails; 0 means it succeeds.
GUIDE_MIX: tuple[tuple[int, float], ...] = ((0, 0.70), (2, 0.10), (3, 0.10), (4, 0.10))

FLOOR = "floor (try/except + stack)"
SAGA_PY = "saga-py 1.1.0"
LEAN = "engine lean"
LEAN_CONTEXT = "engine lean, steps take a context"
FULL = "engine + saga log"
LISTENER = "engine + listener (event objects)"


def guide_mix(count: int, seed: int = 2024) -> list[int]:
    """The failing step of each of ``count`` sagas (0: none), drawn from ``seed``."""
    rng = random.Random(seed)
    steps = [step for step, _ in GUIDE_MIX]
    weights = [weight for _, weight in GUIDE_MIX]
    return rng.choices(steps, weights, k=count)


@dataclasses.dataclass
class _Script:
    """Which step the saga being run fails at: read by every contender's actions."""

    fail_at: int = 0


class _Refused(StepError):
    """The participant said no (a plain ``StepError`` for the engine)."""


def _steps(script: _Script, count: int) -> list[tuple[Callable[..., Any], Callable[..., Any]]]:
    """``count`` (action, compensation) pairs; action ``n`` fails when ``script.fail_at == n``.

    They take any arguments, so that the engine (a context), saga-py (keyword
    arguments) and the floor (nothing) call the very same functions.
    """

    def make(number: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
        def action(*args: Any, **kwargs: Any) -> None:
            if script.fail_at == number:
                raise _Refused(f"step {number} refused")

        def compensation(*args: Any, **kwargs: Any) -> None:
            return None

        return action, compensation

    return [make(number) for number in range(1, count + 1)]


def _definition(script: _Script, count: int, *, takes_context: bool = True) -> SagaDefinition:
    return SagaDefinition(
        f"bench-{count}",
        tuple(
            SagaStep(f"STEP_{number}", action, compensation, takes_context=takes_context)
            for number, (action, compensation) in enumerate(_steps(script, count), start=1)
        ),
    )


def _floor_runner(script: _Script, count: int) -> Callable[[], bool]:
    pairs = _steps(script, count)

    def run() -> bool:
        undo: list[Callable[..., Any]] = []
        try:
            for action, compensation in pairs:
                action()
                undo.append(compensation)
        except StepError:
            for compensation in reversed(undo):
                compensation()
            return False
        return True

    return run


def _saga_py_runner(script: _Script, count: int) -> Callable[[], bool] | None:
    try:
        import saga  # type: ignore[import-untyped]
    except ImportError:
        return None
    builder = saga.SagaBuilder.create()
    for action, compensation in _steps(script, count):
        builder = builder.action(action, compensation)
    built = builder.build()

    def run() -> bool:
        try:
            built.execute()
        except saga.SagaError:
            return False
        return True

    return run


def engine_orchestrator(
    script: _Script, count: int, *, log: str = "", takes_context: bool = False
) -> SagaOrchestrator:
    """The engine on ``count`` steps; ``log``: "" (none), "saga log" or "listener"."""
    definition = _definition(script, count, takes_context=takes_context)
    if log == "listener":
        # What a log view keeps: the latest events (a window's log pane is bounded too).
        kept: collections.deque[SagaEvent] = collections.deque(maxlen=10_000)
        return SagaOrchestrator(
            definition, keep_events=True, listeners=[kept.append], rng=random.Random(0)
        )
    # A saga log of the latest 1,000 entries: about 10,900 events of the guide's mix.
    return SagaOrchestrator(
        definition,
        keep_events=False,
        log=SagaLog(max_entries=1_000) if log == "saga log" else None,
        rng=random.Random(0),
    )


def _engine_runner(
    script: _Script, count: int, *, log: str = "", takes_context: bool = False
) -> Callable[[], bool]:
    orchestrator = engine_orchestrator(script, count, log=log, takes_context=takes_context)

    def run() -> bool:
        return orchestrator.run().success

    return run


def runners(script: _Script, steps: int = 4) -> dict[str, Callable[[], bool]]:
    """Every contender on ``steps`` steps, keyed by its name in the table."""
    found: dict[str, Callable[[], bool] | None] = {
        FLOOR: _floor_runner(script, steps),
        SAGA_PY: _saga_py_runner(script, steps),
        LEAN: _engine_runner(script, steps),
        LEAN_CONTEXT: _engine_runner(script, steps, takes_context=True),
        FULL: _engine_runner(script, steps, log="saga log"),
        LISTENER: _engine_runner(script, steps, log="listener"),
    }
    return {name: run for name, run in found.items() if run is not None}


def _timed(run: Callable[[], bool], script: _Script, plan: Sequence[int]) -> tuple[float, int]:
    """Seconds to run every saga of ``plan`` once, and how many succeeded."""
    gc.collect()
    succeeded = 0
    started = time.perf_counter()
    for fail_at in plan:
        script.fail_at = fail_at
        succeeded += run()
    return time.perf_counter() - started, succeeded


@dataclasses.dataclass(frozen=True)
class Timing:
    """Time per saga of one contender, and its ratio to saga-py, over paired rounds."""

    name: str
    per_saga: float  # seconds, the median over the rounds
    sagas: int
    succeeded: int
    #: Median over the rounds of this contender's time over saga-py's in the same
    #: round (None without saga-py).
    vs_saga_py: float | None = None

    @property
    def per_second(self) -> float:
        return 1.0 / self.per_saga


def compare(sagas: int, rounds: int) -> list[Timing]:
    """Run the guide's mix on every contender in ``rounds`` paired rounds.

    Each round runs every contender once on the same ``sagas`` sagas, one
    after the other, starting with a different contender each round. A ratio
    is taken within each round, then the median of the rounds': this machine
    is shared, and a busy moment slows every contender of a round alike,
    where best-of-N times taken apart moved the ratios by a third from one run
    to the next (median of paired ratios: within 3 %).
    """
    plan = guide_mix(sagas)
    script = _Script()
    contenders = runners(script)
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    succeeded = dict.fromkeys(names, 0)
    for run in contenders.values():  # warm up: first calls, caches, imports
        _timed(run, script, plan[: min(500, sagas)])
    for number in range(rounds):
        shift = number % len(names)
        elapsed: dict[str, float] = {}
        for name in names[shift:] + names[:shift]:
            elapsed[name], succeeded[name] = _timed(contenders[name], script, plan)
            times[name].append(elapsed[name] / sagas)
        if SAGA_PY in elapsed:
            for name in names:
                ratios[name].append(elapsed[name] / elapsed[SAGA_PY])
    return [
        Timing(
            name,
            statistics.median(times[name]),
            sagas,
            succeeded[name],
            statistics.median(ratios[name]) if ratios[name] else None,
        )
        for name in names
    ]


def growth_by_steps(
    step_counts: Sequence[int], total_steps: int, repeats: int
) -> list[tuple[int, float, float]]:
    """Time per saga at each step count, engine with the saga log recorded.

    Each saga fails at its last step three times in ten (the most compensation
    there can be), so a cost that grew with the saga's length per step would show.

    Returns
    -------
    list of (steps, seconds per saga, seconds per step)
    """
    rows = []
    for steps in step_counts:
        sagas = max(200, total_steps // steps)
        rng = random.Random(steps)
        plan = [steps if rng.random() < 0.3 else 0 for _ in range(sagas)]
        script = _Script()
        run = _engine_runner(script, steps, log="saga log")
        _timed(run, script, plan[: max(1, sagas // 10)])
        best = min(_timed(run, script, plan)[0] for _ in range(repeats)) / sagas
        rows.append((steps, best, best / steps))
    return rows


def unavoidable_costs(repeats: int = 5, number: int = 20_000) -> dict[str, float]:
    """Seconds per saga of what the engine builds, and saga-py does not.

    Every saga has a UUID4 correlation id and a :class:`SagaResult`; steps
    that take a context get a :class:`StepContext` per call; a listener gets
    every event as an object. How many steps and events a saga of the guide's
    mix has on average is counted here.
    """
    from saga_desktop.engine import SagaOutcome, SagaResult, StepContext, StepStarted

    try:
        from saga_desktop.engine._orchestrator import _new_correlation_id
    except ImportError:  # the code before the ids got fast (comparing with an old tree)

        def _new_correlation_id() -> str:
            return str(uuid.uuid4())

    def best(stmt: Callable[[], object]) -> float:
        return min(timeit.repeat(stmt, number=number, repeat=repeats)) / number

    plan = guide_mix(2_000)
    steps_run = sum(4 if fail_at == 0 else fail_at for fail_at in plan) / len(plan)
    script = _Script()
    seen: list[SagaEvent] = []
    orchestrator = SagaOrchestrator(_definition(script, 4), listeners=[seen.append])
    for fail_at in plan:
        script.fail_at = fail_at
        orchestrator.run()
    events = len(seen) / len(plan)
    kept: collections.deque[SagaEvent] = collections.deque(maxlen=10_000)
    payload: dict[str, Any] = {}
    # Built the way the engine builds them: a named tuple straight from C
    # (tuple.__new__), or by calling the class in the code before that.
    new_tuple: Callable[..., Any] = tuple.__new__

    def context() -> object:
        if issubclass(StepContext, tuple):
            return new_tuple(StepContext, ("cid", "STEP_1", 1, payload, payload))
        return StepContext("cid", "STEP_1", 1, payload, payload)

    def result() -> object:
        fields = ("cid", SagaOutcome.COMPLETED, 4, 4, payload, None, None, (), ())
        if issubclass(SagaResult, tuple):
            return new_tuple(SagaResult, fields)
        return SagaResult(*fields)

    return {
        "correlation id (UUID4)": best(_new_correlation_id),
        "result": best(result),
        f"step contexts (x {steps_run:.1f}), steps that take one": steps_run * best(context),
        f"events as objects (x {events:.1f}), for a listener": events
        * best(lambda: kept.append(StepStarted("cid", 1.0, "STEP_1", 1, 1))),
    }


def six_vs_four(sagas: int, rounds: int) -> tuple[float, float, float]:
    """Time per saga of a six-step and a four-step saga, engine + saga log, paired rounds.

    Both have the guide's shape: 70 % succeed, the rest fail evenly over steps
    2 to n (then every earlier step is undone). Returns (four, six, median of
    the rounds' six/four ratios).
    """
    rng = random.Random(6)
    plans: dict[int, list[int]] = {
        steps: [0 if rng.random() < 0.7 else rng.randint(2, steps) for _ in range(sagas)]
        for steps in (4, 6)
    }
    scripts = {steps: _Script() for steps in (4, 6)}
    runs = {steps: _engine_runner(scripts[steps], steps, log="saga log") for steps in (4, 6)}
    for steps in (4, 6):
        _timed(runs[steps], scripts[steps], plans[steps][: min(500, sagas)])
    times: dict[int, list[float]] = {4: [], 6: []}
    ratios = []
    for number in range(rounds):
        order = (4, 6) if number % 2 == 0 else (6, 4)
        elapsed = {}
        for steps in order:
            elapsed[steps] = _timed(runs[steps], scripts[steps], plans[steps])[0] / sagas
            times[steps].append(elapsed[steps])
        ratios.append(elapsed[6] / elapsed[4])
    return statistics.median(times[4]), statistics.median(times[6]), statistics.median(ratios)
