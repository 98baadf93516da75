"""The orchestrator: the saga engine's public face over its one interpreter.

:class:`SagaOrchestrator` picks how a run is watched (a recorder, see
:mod:`~saga_desktop.engine._recorders`) and hands it to the interpreter
(:class:`~saga_desktop.engine._machine.SagaMachine`); it also recovers
interrupted sagas and retries or settles dead letters.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from saga_desktop.engine._definition import SagaDefinition, SagaStep, StepRole
from saga_desktop.engine._events import (
    CompensationSucceeded,
    DeadLettered,
    DeadLetterResolved,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.engine._handlers import EventHandler
from saga_desktop.engine._ids import new_correlation_id as _new_correlation_id
from saga_desktop.engine._log import SagaLog
from saga_desktop.engine._machine import SagaMachine, _Plan, _Run
from saga_desktop.engine._recorders import (
    Emit,
    EventRecorder,
    EventSink,
    Listener,
    StagingSink,
    compact_recorder,
)
from saga_desktop.engine._results import CompensationRecord, SagaResult

__all__ = [
    "CompensationRecord",
    "EventSink",
    "Listener",
    "SagaOrchestrator",
    "SagaResult",
]


class _History(EventHandler):
    """What recovery reads of an interrupted saga's events."""

    __slots__ = ("begun", "compensations", "failed", "results", "undone")

    def __init__(self) -> None:
        self.results: dict[str, Mapping[str, Any]] = {}
        # The earlier orchestrator's account, so that a dead letter it parked
        # still makes the outcome DEAD_LETTERED.
        self.compensations: list[CompensationRecord] = []
        self.failed: list[StepFailed] = []
        self.undone: set[str] = set()
        self.begun: list[str] = []

    def on_step_started(self, event: StepStarted) -> None:
        if event.step not in self.begun:
            self.begun.append(event.step)

    def on_step_succeeded(self, event: StepSucceeded) -> None:
        self.results[event.step] = event.result

    def on_step_failed(self, event: StepFailed) -> None:
        self.failed.append(event)

    def on_compensation_succeeded(self, event: CompensationSucceeded) -> None:
        self.undone.add(event.step)
        self.compensations.append(
            CompensationRecord(event.step, event.compensation, True, event.attempt)
        )

    def on_dead_lettered(self, event: DeadLettered) -> None:
        self.undone.add(event.step)
        self.compensations.append(
            CompensationRecord(event.step, event.compensation, False, event.attempts, event.error)
        )

    def on_saga_completed(self, event: SagaCompleted) -> None:
        raise ValueError(
            f"saga {event.correlation_id} already ended (SagaCompleted): "
            "there is nothing to recover"
        )

    def on_saga_compensated(self, event: SagaCompensated) -> None:
        raise ValueError(
            f"saga {event.correlation_id} already ended (SagaCompensated): "
            "there is nothing to recover"
        )


class SagaOrchestrator(SagaMachine):
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
    to see them, it gets each saga as one entry from its start, each event kept
    as its fields and built when read (see :class:`SagaLog`).

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
        sink, no listener, ``keep_events=False``) it gets each saga as one
        entry, its events kept as their fields and built when they are read.
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
        self._staging: tuple[EventSink | None, StagingSink | None] = (None, None)

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
        plan = self._plan
        if plan.definition is not self.definition:
            plan = self._plan_of(self.definition)
        # _new_run's choice, inline on this hot path: a saga for a log alone
        # costs a third less without the calls.
        rec: EventRecorder | None = None
        emit: Emit
        if self.keep_events or self.listeners or self.sink is not None:
            rec = self._recorder(cid)
            emit = rec.emit
        elif self.log is not None:
            emit = compact_recorder(cid, self.log)
        else:  # nobody watches: the specialised loop
            return self._run_unwatched(cid, payload, plan)
        emit((SagaStarted, self.clock(), plan.definition.name, plan.names, payload))
        return self._run_steps(_Run(cid, payload, {}, rec, emit), 0)

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
        started = history[0]
        seen = _History()
        seen.handle_all(history)
        run = self._new_run(started.correlation_id, started.payload, list(history))
        run.results.update(seen.results)
        run.compensations.extend(seen.compensations)
        definition = self.definition
        pivot = definition.pivot
        if pivot is not None and definition.steps[pivot].name in run.results:
            # Past the point of no return: the saga goes forward, never back (the
            # steps that succeeded are the first ones: it goes on after them).
            return self._run_steps(run, len(run.results))
        begun = seen.begun
        if not begun:
            # Written ahead of its start only: any step the saga had may have run.
            begun = [name for name in definition.step_names if name in started.steps]
        failed = seen.failed
        return self._compensate(
            run,
            failed_step=failed[-1].step if failed else None,
            error=failed[-1].error if failed else "the orchestrator stopped before the saga ended",
            steps=tuple(name for name in reversed(begun) if name not in seen.undone),
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
        if record.success and run.emit is not None:
            run.emit(
                (DeadLetterResolved, self.clock(), step.name, step.compensation_name, "retried")
            )
        if run.rec is not None:
            run.rec.finish()
        return record

    def _retry_forward(
        self, correlation_id: str, step: SagaStep, history: Sequence[SagaEvent]
    ) -> CompensationRecord:
        # A parked retriable step, and the retriable steps after it: the saga
        # goes forward from where it stopped, and completes.
        started = history[0] if history and isinstance(history[0], SagaStarted) else None
        run = self._new_run(correlation_id, started.payload if started is not None else {})
        seen = _History()
        seen.handle_all(event for event in history if isinstance(event, StepSucceeded))
        run.results.update(seen.results)
        index = self.definition.steps.index(step)
        error = self._execute(run, step)
        record = CompensationRecord(step.name, step.name, error is None, run.attempt, error)
        if error is None:
            if run.emit is not None:
                run.emit((DeadLetterResolved, self.clock(), step.name, step.name, "retried"))
            self._run_steps(run, index + 1)
        elif run.rec is not None:
            run.rec.finish()
        return record

    def resolve_dead_letter(self, correlation_id: str, step_name: str) -> None:
        """Record that a person settled a dead letter by hand (nothing is run)."""
        step = self.definition.step(step_name)
        run = self._new_run(correlation_id, {})
        if run.emit is not None:
            run.emit(
                (DeadLetterResolved, self.clock(), step.name, step.compensation_name, "resolved")
            )
        if run.rec is not None:
            run.rec.finish()

    # -- how a run is watched -------------------------------------------------

    def _recorder(self, cid: str, kept: list[SagaEvent] | None = None) -> EventRecorder:
        """The recorder of a run whose events a sink, listeners or kept events need."""
        sink, listeners = self.sink, self.listeners
        # A listener is told only of stored events, so with listeners every event
        # is committed on its own; without, the commits wait for the next act.
        staging = self._staging_sink(sink) if sink is not None and not listeners else None
        events = (kept if kept is not None else []) if self.keep_events else None
        return EventRecorder(
            cid,
            sink=sink,
            staging=staging,
            events=events,
            log=self.log,
            listeners=listeners,
        )

    def _new_run(
        self, cid: str, payload: Mapping[str, Any], kept: list[SagaEvent] | None = None
    ) -> _Run:
        """A run watched as this orchestrator is: by events, by its log alone, or by nobody.

        ``kept``: the events a recovered saga's result starts with.
        """
        if self.keep_events or self.listeners or self.sink is not None:
            rec = self._recorder(cid, kept)
            return _Run(cid, payload, {}, rec, rec.emit)
        emit = compact_recorder(cid, self.log) if self.log is not None else None
        return _Run(cid, payload, {}, None, emit)

    def _staging_sink(self, sink: EventSink) -> StagingSink | None:
        # A protocol check is slow (it lists the protocol's members): once per sink.
        checked, staging = self._staging
        if checked is not sink:
            staging = sink if isinstance(sink, StagingSink) else None
            self._staging = (sink, staging)
        return staging
