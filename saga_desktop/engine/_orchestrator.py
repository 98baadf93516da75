"""The orchestrator: runs a saga's steps in order and compensates on failure."""

from __future__ import annotations

import collections
import itertools
import os
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from saga_desktop.engine._definition import (
    RetryPolicy,
    SagaDefinition,
    SagaStep,
    StepContext,
    StepRole,
)
from saga_desktop.engine._events import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    DeadLetterResolved,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.engine._exceptions import (
    ParticipantUnavailable,
    StepError,
    TransientStepError,
)
from saga_desktop.engine._log import SagaLog, lean_story
from saga_desktop.engine._status import SagaOutcome

__all__ = [
    "CompensationRecord",
    "EventSink",
    "Listener",
    "SagaOrchestrator",
    "SagaResult",
]

#: Called with every event, in order, after the event is stored.
Listener = Callable[[SagaEvent], None]

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


def _new_correlation_id() -> str:
    while True:
        try:
            return _ready_ids.popleft()
        except IndexError:
            _make_ids()


_draw_id_bits()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_draw_id_bits)


class EventSink(Protocol):
    """Where events are written before the orchestrator acts on them.

    A sink that also has ``stage(event)`` and ``commit()`` (as
    :class:`SqliteEventStore` does) lets a saga nobody listens to commit twice
    instead of once per event: its start before the first participant call,
    the rest when it ends (see :class:`SagaOrchestrator`).
    """

    def append(self, event: SagaEvent) -> None:
        """Store ``event`` durably (or not): it must be readable after this returns."""


@runtime_checkable
class _StagingSink(Protocol):
    def stage(self, event: SagaEvent) -> None: ...

    def commit(self) -> None: ...


class CompensationRecord(NamedTuple):
    """How one compensation ended: the guide's ``results`` entry.

    Attributes
    ----------
    step
        The step that was undone.
    compensation
        Its compensation's name (``COMPENSATE_<STEP>``).
    success
        Whether the compensation succeeded (``False``: dead-lettered).
    attempts
        How many attempts it took.
    error
        The last error, when it failed.
    """

    step: str
    compensation: str
    success: bool
    attempts: int
    error: str | None = None


class SagaResult(NamedTuple):
    """How a saga ended.

    A named tuple, built in C: the lean orchestrator makes one per saga, and a
    frozen dataclass cost as much as running a step.

    Attributes
    ----------
    correlation_id
        The saga's id.
    outcome
        Completed, compensated, or compensated with dead letters.
    total_steps
        How many steps the definition has.
    steps_completed
        How many steps completed before the saga ended (or failed).
    results
        Results of the completed steps, by name.
    failed_step
        The step that failed, or ``None``.
    error
        Why it failed, or ``None``.
    compensations
        Every compensation that ran, in the order it ran.
    events
        The saga's events, when the orchestrator keeps them (``keep_events``).
    """

    correlation_id: str
    outcome: SagaOutcome
    total_steps: int
    steps_completed: int
    results: Mapping[str, Mapping[str, Any]]
    failed_step: str | None = None
    error: str | None = None
    compensations: tuple[CompensationRecord, ...] = ()
    events: tuple[SagaEvent, ...] = ()

    @property
    def success(self) -> bool:
        """True when every step completed."""
        return self.outcome is SagaOutcome.COMPLETED

    @property
    def dead_letters(self) -> tuple[CompensationRecord, ...]:
        """The compensations that failed for good."""
        return tuple(record for record in self.compensations if not record.success)


# Builds a named tuple in C, skipping its Python ``__new__``: the hot path makes
# a context per call and a result per saga.
_new_tuple = tuple.__new__
_COMPLETED = SagaOutcome.COMPLETED
_COMPENSATED = SagaOutcome.COMPENSATED
_DEAD_LETTERED = SagaOutcome.DEAD_LETTERED


def _describe_error(error: BaseException) -> str:
    """How an error reads in results and logs: a refusal's own words, else its type too."""
    return str(error) if isinstance(error, StepError) else f"{type(error).__name__}: {error}"


def _call(
    function: Callable[..., Mapping[str, Any] | None],
    step: SagaStep,
    correlation_id: str,
    attempt: int,
    payload: Mapping[str, Any],
    results: Mapping[str, Mapping[str, Any]],
) -> Mapping[str, Any] | None:
    """Call ``step``'s action or compensation: with its context, or none if it takes none.

    Every call but a step's first attempt on the lean paths, which make that call
    in place (it is most of their time).
    """
    if not step.takes_context:
        return function()
    return function(_new_tuple(StepContext, (correlation_id, step.name, attempt, payload, results)))


class _Plan:
    """What the hot path reads of a definition, read once per definition.

    ``steps`` holds ``(name, action, step, takes_context, max_attempts)`` of
    every step, the action ``None`` when the step has a timeout or is retriable
    (it goes the general way): reading a slotted step's fields cost a tenth of
    a lean saga.
    ``by_name`` maps a step's name to the step and its compensation's name, so
    that a saga of a thousand steps undoes them in linear time.
    """

    __slots__ = ("by_name", "definition", "names", "steps")

    def __init__(self, definition: SagaDefinition) -> None:
        self.definition = definition
        self.names = definition.step_names
        self.steps: tuple[tuple[str, Callable[..., Any] | None, SagaStep, bool, int], ...] = tuple(
            (
                step.name,
                step.action
                if step.timeout is None and step.role is not StepRole.RETRIABLE
                else None,
                step,
                step.takes_context,
                step.retry.max_attempts,
            )
            for step in definition.steps
        )
        self.by_name = {step.name: (step, step.compensation_name) for step in definition.steps}


class _Run:
    """Mutable bookkeeping of one saga while it runs.

    Of the guide's memory queue the orchestrator needs only the completed steps
    (the keys of ``results``, in the order they completed) and the compensation
    stack (those steps, then the step that timed out, if one did: a timeout ends
    the saga's steps). The whole queue is a projection of the events, rebuilt by
    whoever shows it (:meth:`SagaMemoryQueue.from_events`), not kept here event
    by event.
    """

    __slots__ = (
        "attempt",
        "compensations",
        "correlation_id",
        "deferred",
        "events",
        "observed",
        "payload",
        "results",
        "staging",
        "timed_out",
    )

    def __init__(
        self,
        correlation_id: str,
        payload: Mapping[str, Any],
        events: list[SagaEvent] | None,
        results: dict[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.correlation_id = correlation_id
        self.payload = payload
        self.results: dict[str, Mapping[str, Any]] = {} if results is None else results
        self.events = events
        self.compensations: list[CompensationRecord] = []
        self.timed_out: str | None = None
        #: The attempt :meth:`SagaOrchestrator._execute` ended on.
        self.attempt = 0
        #: Whether anybody sees the events (a sink, a listener, the kept log):
        #: when nobody does, they are not even built.
        self.observed = False
        #: The sink, when it stages events to commit them before each act.
        self.staging: _StagingSink | None = None
        #: Whether the saga's start is committed and the rest waits for its end.
        self.deferred = False


class SagaOrchestrator:
    """Runs a :class:`SagaDefinition` one step after another.

    On the first step that fails for good, the steps that completed (and a
    step that timed out, whose effect is unknown) are compensated newest first.
    A compensation that fails for good is dead-lettered and the others still
    run. Every event is written to ``sink`` first, then passed to each listener
    in turn; a listener only ever sees stored events. When nobody sees the
    events at all (no sink, no listener, ``keep_events=False``) they are not
    even built.

    Without listeners, a sink that can stage events (see :class:`EventSink`)
    gets a saga written ahead of its start only: :class:`SagaStarted` is
    committed before the first participant call, and the saga's other events
    are committed together when it ends. A process killed in between leaves a
    log with :class:`SagaStarted` and no step event, which :meth:`recover`
    reads as "any step may have run" and compensates every step. Recovery and
    dead-letter retries still commit before each participant call, and a
    listener added while a saga runs gets every event committed before it.

    A :class:`SagaLog` (``log``) gets every event too. When it is the only one
    to see them, the saga stays on the lean path and the log gets the saga as
    one entry when it ends, its events built when read (see :class:`SagaLog`).

    Parameters
    ----------
    definition
        The saga's steps.
    listeners
        Called with every event, in order.
    sink
        Durable store written before the orchestrator acts (optional).
    clock
        Returns the time in seconds (injected, so tests need not wait).
    sleep
        Waits a number of seconds (the backoff between retries).
    timer
        What a step's timeout is measured on (``clock`` when omitted): a
        simulated clock's time with its waits, while ``clock`` stamps events.
    rng
        Source of retry jitter.
    keep_events
        Keep each saga's events in its :class:`SagaResult` (the saga log).
    log
        Record every event of every saga in this :class:`SagaLog`. Alone (no
        sink, no listener, ``keep_events=False``) it keeps the lean path: it
        gets each saga as one entry when the saga ends, its events built when
        they are read.
    """

    def __init__(
        self,
        definition: SagaDefinition,
        *,
        listeners: Iterable[Listener] = (),
        sink: EventSink | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        keep_events: bool = True,
        log: SagaLog | None = None,
        timer: Callable[[], float] | None = None,
    ) -> None:
        self.definition = definition
        self.listeners: list[Listener] = list(listeners)
        self.sink = sink
        self.clock = clock
        self.sleep = sleep
        self.timer = timer if timer is not None else clock
        self.rng = rng if rng is not None else random.Random()
        self.keep_events = keep_events
        self.log = log
        # What the hot path reads of the definition last run (see _plan_of).
        self._plan = _Plan(definition)
        # The sink last checked for stage() and commit(), and the answer.
        self._staging: tuple[EventSink | None, _StagingSink | None] = (None, None)

    # -- running a saga -------------------------------------------------------

    def run(
        self, payload: Mapping[str, Any] | None = None, *, correlation_id: str | None = None
    ) -> SagaResult:
        """Run the saga once.

        Parameters
        ----------
        payload
            Input handed to every step (plain data: it goes into the saga log).
        correlation_id
            The saga's id; a new UUID4 when omitted.

        Returns
        -------
        SagaResult
            How it ended. Step failures are results, not exceptions.
        """
        cid = correlation_id or _new_correlation_id()
        payload = dict(payload) if payload else {}
        if self.keep_events or self.listeners or self.sink is not None:
            return self._run_observed(cid, payload)
        plan = self._plan
        if plan.definition is not self.definition:
            plan = self._plan_of(self.definition)
        if self.log is not None:
            return self._run_logged(cid, payload, self.log, plan)
        # Nobody sees the events: the lean path. Each step's first attempt, a
        # plain refusal and the first attempt of each compensation run right here,
        # with no event and no bookkeeping object; a retry or a step with a timeout
        # goes the general way (_execute, _compensate), which gives the same results.
        results: dict[str, Mapping[str, Any]] = {}
        steps = plan.steps
        for name, action, step, takes_context, max_attempts in steps:
            if action is not None:
                try:
                    result = (
                        action(_new_tuple(StepContext, (cid, name, 1, payload, results)))
                        if takes_context
                        else action()
                    )
                except ParticipantUnavailable:
                    raise  # not a refusal: the saga stops here, left to recovery
                except Exception as exc:
                    if max_attempts > 1 and isinstance(exc, TransientStepError):
                        run = _Run(cid, payload, None, results)
                        failure = self._execute(run, step, refused=exc)
                        if failure is None:
                            continue
                        return self._failed(run, step, failure)
                    error = _describe_error(exc)
                    records, parked = self._undo_unobserved(
                        cid, payload, results, reversed(results)
                    )
                    return _new_tuple(
                        SagaResult,
                        (
                            cid,
                            _DEAD_LETTERED if parked else _COMPENSATED,
                            len(steps),
                            len(results),
                            results,
                            name,
                            error,
                            records,
                            (),
                        ),
                    )
                else:
                    results[name] = result or {}
            else:
                run = _Run(cid, payload, None, results)
                failure = self._execute(run, step)
                if failure is not None:
                    return self._failed(run, step, failure)
        return _new_tuple(
            SagaResult, (cid, _COMPLETED, len(steps), len(results), results, None, None, (), ())
        )

    def _run_observed(self, cid: str, payload: dict[str, Any]) -> SagaResult:
        """Run a saga whose events somebody sees (a sink, a listener, the kept log)."""
        run = self._new_run(cid, payload)
        definition = self.definition
        self._emit(
            run,
            SagaStarted(
                cid, self.clock(), definition.name, self._plan_of(definition).names, dict(payload)
            ),
        )
        if run.staging is not None:
            # Write-ahead of the start only: the rest is committed at the end.
            run.staging.commit()
            run.deferred = True
        return self._run_steps(run, definition.steps)

    def _run_steps(
        self, run: _Run, steps: Sequence[SagaStep], refused: Exception | None = None
    ) -> SagaResult:
        """Run ``steps`` (the saga's, or the rest of them) the general way, then end the saga.

        ``refused`` is the error of a first attempt at the first of ``steps``
        that was already made (see :meth:`_execute`).
        """
        for step in steps:
            failure = self._execute(run, step, refused=refused)
            refused = None
            if failure is not None:
                return self._failed(run, step, failure)
        if run.observed:
            self._emit(
                run,
                SagaCompleted(
                    run.correlation_id,
                    self.clock(),
                    len(self.definition.steps),
                    {name: dict(result) for name, result in run.results.items()},
                ),
            )
        return self._result(run, SagaOutcome.COMPLETED)

    def _run_logged(
        self, cid: str, payload: dict[str, Any], log: SagaLog, plan: _Plan
    ) -> SagaResult:
        """The lean path, for a saga that only a :class:`SagaLog` sees.

        The saga runs as on the lean path and the log gets it as one entry when
        it ends: a :func:`lean_story` told by the saga's results, why it failed,
        what its undos returned, and the clock's reading for each event, noted
        in ``times`` as the event happens. A saga that has to go the general
        way (a retry, a step with a timeout, an undo that fails) has its story
        so far told as events, then goes on event by event.
        """
        clock = self.clock
        results: dict[str, Mapping[str, Any]] = {}
        definition, steps = plan.definition, plan.steps
        # A list, not an array of doubles: array.append parses its argument as
        # PyArg_Parse does, a tenth of a saga for eleven events (callgrind).
        # Events with no participant call between them share one reading of the
        # clock (``now``), as far apart as the clock's resolution: reading it
        # for each took a sixth of the saga, on this machine's virtual clock.
        times: list[float] = []
        mark = times.append
        now = clock()
        mark(now)  # SagaStarted
        for name, action, _, takes_context, max_attempts in steps:
            if action is None:  # a timeout to watch: the general way from here
                self._flush(log, (lean_story, cid, definition, payload, results, times))
                return self._run_steps(
                    self._new_run(cid, payload, results), definition.steps[len(results) :]
                )
            mark(now)  # StepStarted
            try:
                result = (
                    action(_new_tuple(StepContext, (cid, name, 1, payload, results)))
                    if takes_context
                    else action()
                )
            except ParticipantUnavailable:
                raise  # not a refusal: the saga stops here, left to recovery
            except Exception as exc:
                if max_attempts > 1 and isinstance(exc, TransientStepError):
                    self._flush(log, (lean_story, cid, definition, payload, results, times))
                    run = self._new_run(cid, payload, results)
                    return self._run_steps(run, definition.steps[len(results) :], refused=exc)
                error = _describe_error(exc)
                injected = isinstance(exc, StepError) and exc.injected
                now = clock()
                mark(now)  # StepFailed
                mark(now)  # CompensationTriggered
                undo = tuple(reversed(results))
                return self._undo_logged(
                    log, plan, cid, payload, results, times, now, name, error, injected, undo
                )
            else:
                results[name] = result or {}
                now = clock()
                mark(now)  # StepSucceeded
        mark(now)  # SagaCompleted
        log.record((lean_story, cid, definition, payload, results, times))
        return _new_tuple(
            SagaResult, (cid, _COMPLETED, len(steps), len(results), results, None, None, (), ())
        )

    def _undo_logged(
        self,
        log: SagaLog,
        plan: _Plan,
        cid: str,
        payload: dict[str, Any],
        results: dict[str, Mapping[str, Any]],
        times: list[float],
        now: float,
        failed_step: str,
        error: str,
        injected: bool,
        undo: tuple[str, ...],
    ) -> SagaResult:
        """Compensate ``undo`` for :meth:`_run_logged`, and end the saga.

        ``now`` is the clock's reading at the failure (see :meth:`_run_logged`).
        """
        clock = self.clock
        mark = times.append
        by_name = plan.by_name
        undone: list[Mapping[str, Any]] = []
        story: tuple[Any, ...] = (
            lean_story,
            cid,
            plan.definition,
            payload,
            results,
            times,
            failed_step,
            error,
            injected,
            undo,
            undone,
        )
        records: list[CompensationRecord] = []
        for name in undo:
            step, undo_name = by_name[name]
            mark(now)  # CompensationStarted
            try:
                result = _call(step.compensation, step, cid, 1, payload, results)
            except ParticipantUnavailable:
                raise  # not a refusal: the saga stops here, left to recovery
            except Exception as exc:
                # An undo failed: its retries and dead letter go the general way.
                self._flush(log, story)
                run = self._new_run(cid, payload, results)
                run.compensations = records
                records.append(self._undo(run, step, undo_name, failed=exc))
                for later in undo[undo.index(name) + 1 :]:
                    later_step, later_name = by_name[later]
                    records.append(self._undo(run, later_step, later_name))
                return self._end_compensated(run, failed_step=failed_step, error=error)
            undone.append(result or {})
            now = clock()
            mark(now)  # CompensationSucceeded
            records.append(_new_tuple(CompensationRecord, (name, undo_name, True, 1, None)))
        mark(now)  # SagaCompensated
        log.record(story)
        return _new_tuple(
            SagaResult,
            (
                cid,
                _COMPENSATED,
                len(plan.steps),
                len(results),
                results,
                failed_step,
                error,
                tuple(records),
                (),
            ),
        )

    def _undo_unobserved(
        self,
        cid: str,
        payload: Mapping[str, Any],
        results: dict[str, Mapping[str, Any]],
        names: Iterable[str],
    ) -> tuple[tuple[CompensationRecord, ...], bool]:
        """Compensate the steps called ``names``, in that order, for nobody to see.

        Each compensation's first attempt runs right here; only a failing one
        takes the way through :meth:`_undo` (its retries, then a dead letter).

        Returns
        -------
        tuple
            The compensation records, and whether any was dead-lettered.
        """
        by_name = self._plan_of(self.definition).by_name
        records: list[CompensationRecord] = []
        parked = False
        for name in names:
            step, undo_name = by_name[name]
            try:
                _call(step.compensation, step, cid, 1, payload, results)
            except ParticipantUnavailable:
                raise  # not a refusal: the saga stops here, left to recovery
            except Exception as exc:
                record = self._undo(_Run(cid, payload, None, results), step, undo_name, failed=exc)
                parked = parked or not record.success
                records.append(record)
            else:
                records.append(_new_tuple(CompensationRecord, (name, undo_name, True, 1, None)))
        return tuple(records), parked

    def recover(self, history: Sequence[SagaEvent]) -> SagaResult:
        """Finish a saga that an earlier orchestrator left interrupted.

        Every step that may have run (it was started) and is not undone yet is
        compensated, newest first. A saga whose pivot had completed goes forward
        instead: its retriable steps that had not succeeded run (again: they are
        idempotent), and it completes. A history without any :class:`StepStarted`
        comes from a saga written ahead of its start only (see the class), of
        which any step may have run: then every step of the definition (that
        the saga's :class:`SagaStarted` lists) not undone yet is compensated.
        Compensations are idempotent, so undoing a step whose action never
        applied changes nothing (it leaves a tombstone, harmless once the saga
        is over).

        Parameters
        ----------
        history
            The interrupted saga's events, oldest first, starting with
            :class:`SagaStarted`.

        Returns
        -------
        SagaResult
            The saga's end: a compensation, or past the pivot a completion (or a
            dead letter). Its compensations include those the earlier
            orchestrator finished or dead-lettered.

        Raises
        ------
        ValueError
            When the history does not start with :class:`SagaStarted`, or the
            saga already ended (recovering it would undo a finished saga).
        """
        if not history or not isinstance(history[0], SagaStarted):
            raise ValueError("a saga history starts with SagaStarted")
        ended = next((e for e in history if isinstance(e, SagaCompleted | SagaCompensated)), None)
        if ended is not None:
            raise ValueError(
                f"saga {history[0].correlation_id} already ended ({type(ended).__name__}): "
                "there is nothing to recover"
            )
        started = history[0]
        run = self._new_run(started.correlation_id, started.payload)
        if run.events is not None:
            run.events.extend(history)
        for event in history:
            if isinstance(event, StepSucceeded):
                run.results[event.step] = event.result
            # Keep the earlier orchestrator's account, so that a dead letter it
            # parked still makes the outcome DEAD_LETTERED.
            elif isinstance(event, CompensationSucceeded):
                run.compensations.append(
                    CompensationRecord(event.step, event.compensation, True, event.attempt)
                )
            elif isinstance(event, DeadLettered):
                run.compensations.append(
                    CompensationRecord(
                        event.step, event.compensation, False, event.attempts, event.error
                    )
                )
        pivot = self.definition.pivot
        if pivot is not None and self.definition.steps[pivot].name in run.results:
            # Past the point of no return: the saga goes forward, never back.
            later = self.definition.steps[pivot + 1 :]
            return self._run_steps(run, [step for step in later if step.name not in run.results])
        failed = [e for e in history if isinstance(e, StepFailed)]
        undone = {e.step for e in history if isinstance(e, CompensationSucceeded | DeadLettered)}
        begun: list[str] = []
        for event in history:
            if isinstance(event, StepStarted) and event.step not in begun:
                begun.append(event.step)
        if not begun:
            # Written ahead of its start only: any step the saga had may have run.
            names = self._plan_of(self.definition).names
            begun = [name for name in names if name in started.steps]
        to_undo = tuple(name for name in reversed(begun) if name not in undone)
        failed_step = failed[-1].step if failed else None
        return self._compensate(
            run,
            failed_step=failed_step,
            error=failed[-1].error if failed else "the orchestrator stopped before the saga ended",
            steps=to_undo,
            recovery=True,
        )

    def retry_dead_letter(
        self,
        correlation_id: str,
        step_name: str,
        *,
        history: Sequence[SagaEvent] = (),
    ) -> CompensationRecord:
        """Try once more (with the step's compensation policy) to undo a dead letter.

        A retriable step's dead letter is its action, parked after its safety
        limit (see :meth:`_failed`): retrying it runs the action again, then the
        retriable steps after it, and the saga completes.

        Parameters
        ----------
        correlation_id
            The saga the dead letter belongs to.
        step_name
            The step whose compensation (or, if retriable, action) was dead-lettered.
        history
            The saga's events so far: their payload and results are what a
            retried action is given (a compensation needs neither).

        Returns
        -------
        CompensationRecord
            ``success`` tells whether the dead letter left the queue.
        """
        step = self.definition.step(step_name)
        if step.role is StepRole.RETRIABLE:
            return self._retry_forward(correlation_id, step, history)
        run = self._new_run(correlation_id, {})
        record = self._undo(run, step, step.compensation_name, dead_letter_on_failure=False)
        if record.success and run.observed:
            self._emit(
                run,
                DeadLetterResolved(
                    correlation_id, self.clock(), step.name, step.compensation_name, "retried"
                ),
            )
        self._commit(run)
        return record

    def _retry_forward(
        self, correlation_id: str, step: SagaStep, history: Sequence[SagaEvent]
    ) -> CompensationRecord:
        # A parked retriable step, and the retriable steps after it: the saga
        # goes forward from where it stopped, and completes.
        started = history[0] if history and isinstance(history[0], SagaStarted) else None
        run = self._new_run(correlation_id, started.payload if started is not None else {})
        for event in history:
            if isinstance(event, StepSucceeded):
                run.results[event.step] = event.result
        steps = self.definition.steps
        index = steps.index(step)
        error = self._execute(run, step)
        record = CompensationRecord(step.name, step.name, error is None, run.attempt, error)
        if error is None:
            if run.observed:
                self._emit(
                    run,
                    DeadLetterResolved(
                        correlation_id, self.clock(), step.name, step.name, "retried"
                    ),
                )
            self._run_steps(run, [s for s in steps[index + 1 :] if s.name not in run.results])
        self._commit(run)
        return record

    def resolve_dead_letter(self, correlation_id: str, step_name: str) -> None:
        """Record that a person settled a dead letter by hand (nothing is run)."""
        step = self.definition.step(step_name)
        run = self._new_run(correlation_id, {})
        if run.observed:
            self._emit(
                run,
                DeadLetterResolved(
                    correlation_id, self.clock(), step.name, step.compensation_name, "resolved"
                ),
            )
            self._commit(run)

    # -- internals ------------------------------------------------------------
    #
    # The hot path of a saga: every event is built only when somebody sees it
    # (``run.observed``), and the bookkeeping the orchestrator needs is kept in
    # ``_Run`` directly, so the lean configuration pays for the steps alone.

    def _plan_of(self, definition: SagaDefinition) -> _Plan:
        plan = self._plan
        if plan.definition is not definition:
            plan = self._plan = _Plan(definition)
        return plan

    @staticmethod
    def _flush(log: SagaLog, story: tuple[Any, ...]) -> None:
        """Tell a lean saga's story so far as events: the saga leaves the lean path."""
        for event in lean_story(*story[1:]):
            log.record(event)

    def _new_run(
        self,
        correlation_id: str,
        payload: Mapping[str, Any],
        results: dict[str, Mapping[str, Any]] | None = None,
    ) -> _Run:
        # ``results``: those of a saga that began on a lean path and goes on the general way.
        run = _Run(correlation_id, payload, [] if self.keep_events else None, results)
        run.observed = (
            self.keep_events
            or self.sink is not None
            or bool(self.listeners)
            or self.log is not None
        )
        # A listener is told only of stored events, so with listeners every event
        # is committed on its own; without, the commits wait for the next act.
        if self.sink is not None and not self.listeners:
            run.staging = self._staging_sink(self.sink)
        return run

    def _staging_sink(self, sink: EventSink) -> _StagingSink | None:
        # A protocol check is slow (it lists the protocol's members): once per sink.
        checked, staging = self._staging
        if checked is not sink:
            staging = sink if isinstance(sink, _StagingSink) else None
            self._staging = (sink, staging)
        return staging

    def _commit(self, run: _Run) -> None:
        # Write-ahead: called right before every participant call (skipped once the
        # saga's start is committed and the rest waits, see the class) and every end.
        if run.staging is not None and not run.deferred:
            run.staging.commit()

    def _emit(self, run: _Run, event: SagaEvent) -> None:
        # Write-ahead: the event is stored before anything acts on it (staged
        # events are committed before the next act, or for an unwatched saga at
        # its end, see the class), so a process killed at any moment can be
        # recovered from the log.
        if run.staging is not None:
            run.staging.stage(event)
            if self.listeners:  # one was added while the saga ran: it sees stored events only
                run.staging.commit()
        elif self.sink is not None:
            self.sink.append(event)
        if run.events is not None:
            run.events.append(event)
        if self.log is not None:
            self.log.record(event)
        for listener in self.listeners:
            listener(event)

    def _execute(self, run: _Run, step: SagaStep, refused: Exception | None = None) -> str | None:
        """Run ``step`` with its retry policy; return the error, or None on success.

        ``refused`` is the error of a first attempt that :meth:`run` already made.
        A retriable step is tried again after any error, and after a late reply
        (its effect is unknown, and its idempotency key makes a repeat safe),
        until it succeeds or reaches its safety limit (:attr:`SagaStep.max_attempts`).
        """
        cid, name, observed, timeout = run.correlation_id, step.name, run.observed, step.timeout
        retriable = step.role is StepRole.RETRIABLE
        max_attempts = step.max_attempts
        attempt, started_at = 1, 0.0
        while True:
            run.attempt = attempt
            late: str | None = None
            if refused is None:
                if observed:
                    self._emit(run, StepStarted(cid, self.clock(), name, attempt, max_attempts))
                    self._commit(run)
                if timeout is not None:
                    started_at = self.timer()
                try:
                    result = _call(step.action, step, cid, attempt, run.payload, run.results) or {}
                except ParticipantUnavailable:
                    raise  # not a refusal: the saga stops here, left to recovery
                except Exception as exc:
                    refused = exc
                else:
                    if timeout is None or self.timer() - started_at <= timeout:
                        self._succeeded(run, step, attempt, result)
                        return None
                    late = f"no reply within {timeout:g} s: effect unknown"
                    if not retriable or attempt >= max_attempts:
                        return self._timed_out(run, step, attempt, late)
            if late is not None:
                error, injected, retryable = late, False, True
            else:
                assert refused is not None
                error = _describe_error(refused)
                injected = isinstance(refused, StepError) and refused.injected
                retryable = retriable or isinstance(refused, TransientStepError)
            # Dropped, so that the error's traceback (which sees this frame) makes no cycle.
            refused = None
            if retryable and attempt < max_attempts:
                delay = step.retry.delay(attempt, self.rng)
                if observed:
                    self._emit(
                        run,
                        StepRetried(cid, self.clock(), name, attempt, max_attempts, delay, error),
                    )
                self.sleep(delay)
                attempt += 1
                continue
            if observed:
                self._emit(
                    run, StepFailed(cid, self.clock(), name, attempt, error, injected, False)
                )
            return error

    def _succeeded(
        self, run: _Run, step: SagaStep, attempt: int, result: Mapping[str, Any]
    ) -> None:
        run.results[step.name] = result
        if run.observed:
            self._emit(
                run,
                StepSucceeded(run.correlation_id, self.clock(), step.name, attempt, dict(result)),
            )
            if step.role is StepRole.PIVOT and run.staging is not None:
                # Past the point of no return: recovery must know it, or it would
                # undo a saga that may only go forward (see recover()).
                run.staging.commit()

    def _timed_out(self, run: _Run, step: SagaStep, attempt: int, error: str) -> str:
        # The effect may have happened: it is undone like a completed step's
        # (unless the step is retriable: then it is dead-lettered, see _failed).
        name, timeout = step.name, step.timeout
        if step.role is not StepRole.RETRIABLE:
            run.timed_out = name
        if run.observed:
            self._emit(
                run,
                StepFailed(
                    run.correlation_id, self.clock(), name, attempt, error, False, timed_out=True
                ),
            )
        return f"{name} timed out after {timeout:g} s"

    def _failed(self, run: _Run, step: SagaStep, error: str) -> SagaResult:
        """End a saga whose ``step`` failed for good: compensate, or park it if past the pivot.

        A retriable step fails only once its safety limit is spent. It comes after
        the pivot, so nothing is compensated: the step itself waits in the
        dead-letter queue (``compensation`` is the step's own name: its action, not
        an undo, is what a retry runs), and the saga ends dead-lettered.
        """
        if step.role is not StepRole.RETRIABLE:
            return self._compensate(run, failed_step=step.name, error=error)
        attempts = run.attempt
        run.compensations.append(
            _new_tuple(CompensationRecord, (step.name, step.name, False, attempts, error))
        )
        if run.observed:
            self._emit(
                run,
                DeadLettered(
                    run.correlation_id, self.clock(), step.name, step.name, attempts, error
                ),
            )
        return self._end_compensated(run, failed_step=step.name, error=error)

    def _compensate(
        self,
        run: _Run,
        *,
        failed_step: str | None,
        error: str,
        steps: tuple[str, ...] | None = None,
        recovery: bool = False,
    ) -> SagaResult:
        if steps is None:
            undo = list(run.results)
            if run.timed_out is not None:
                undo.append(run.timed_out)
            steps = tuple(reversed(undo))
        if run.observed:
            self._emit(
                run,
                CompensationTriggered(
                    run.correlation_id, self.clock(), failed_step, steps, recovery
                ),
            )
        records = run.compensations
        if run.observed:
            by_name = self._plan_of(self.definition).by_name
            for name in steps:
                step, undo_name = by_name[name]
                records.append(self._undo(run, step, undo_name))
        else:
            records.extend(
                self._undo_unobserved(run.correlation_id, run.payload, run.results, steps)[0]
            )
        return self._end_compensated(run, failed_step=failed_step, error=error, recovery=recovery)

    def _end_compensated(
        self, run: _Run, *, failed_step: str | None, error: str, recovery: bool = False
    ) -> SagaResult:
        # A compensated saga's last event and its result.
        parked = tuple(r.compensation for r in run.compensations if not r.success)
        if run.observed:
            self._emit(
                run,
                SagaCompensated(
                    run.correlation_id,
                    self.clock(),
                    failed_step,
                    error,
                    len(run.results),
                    tuple(r.compensation for r in run.compensations if r.success),
                    parked,
                    recovery,
                ),
            )
        outcome = SagaOutcome.DEAD_LETTERED if parked else SagaOutcome.COMPENSATED
        return self._result(run, outcome, failed_step=failed_step, error=error)

    def _undo(
        self,
        run: _Run,
        step: SagaStep,
        name: str,
        *,
        dead_letter_on_failure: bool = True,
        failed: Exception | None = None,
    ) -> CompensationRecord:
        """Run ``step``'s compensation (called ``name``) with its retry policy.

        ``failed`` is the error of a first attempt that :meth:`_compensate`
        already made.
        """
        policy: RetryPolicy = step.compensation_retry
        cid, observed = run.correlation_id, run.observed
        attempt = 1
        while True:
            if failed is None:
                if observed:
                    self._emit(
                        run,
                        CompensationStarted(
                            cid, self.clock(), step.name, name, attempt, policy.max_attempts
                        ),
                    )
                    self._commit(run)
                try:
                    result = (
                        _call(step.compensation, step, cid, attempt, run.payload, run.results) or {}
                    )
                except ParticipantUnavailable:
                    raise  # not a refusal: the saga stops here, left to recovery
                except Exception as exc:
                    failed = exc
                else:
                    if observed:
                        self._emit(
                            run,
                            CompensationSucceeded(
                                cid, self.clock(), step.name, name, attempt, dict(result)
                            ),
                        )
                    return _new_tuple(CompensationRecord, (step.name, name, True, attempt, None))
            # Any error of an undo is worth retrying: an undo has no other way out.
            injected = isinstance(failed, StepError) and failed.injected
            error = _describe_error(failed)
            failed = None  # its traceback sees this frame: dropped, so that it makes no cycle
            if attempt < policy.max_attempts:
                delay = policy.delay(attempt, self.rng)
                if observed:
                    self._emit(
                        run,
                        CompensationRetried(
                            cid,
                            self.clock(),
                            step.name,
                            name,
                            attempt,
                            policy.max_attempts,
                            delay,
                            error,
                        ),
                    )
                self.sleep(delay)
                attempt += 1
                continue
            if observed:
                self._emit(
                    run,
                    CompensationFailed(
                        cid, self.clock(), step.name, name, attempt, error, injected
                    ),
                )
                if dead_letter_on_failure:
                    self._emit(
                        run, DeadLettered(cid, self.clock(), step.name, name, attempt, error)
                    )
            return _new_tuple(CompensationRecord, (step.name, name, False, attempt, error))

    def _result(
        self,
        run: _Run,
        outcome: SagaOutcome,
        *,
        failed_step: str | None = None,
        error: str | None = None,
    ) -> SagaResult:
        if run.staging is not None:  # the saga's end is durable before anybody hears of it
            run.staging.commit()
        return _new_tuple(
            SagaResult,
            (
                run.correlation_id,
                outcome,
                len(self.definition.steps),
                len(run.results),
                # The saga is over: nothing writes to its results any more, no copy needed.
                run.results,
                failed_step,
                error,
                tuple(run.compensations),
                tuple(run.events) if run.events is not None else (),
            ),
        )
