"""The orchestrator: runs a saga's steps in order and compensates on failure."""

from __future__ import annotations

import dataclasses
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from saga_desktop.engine._definition import RetryPolicy, SagaDefinition, SagaStep, StepContext
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
from saga_desktop.engine._exceptions import StepError, TransientStepError
from saga_desktop.engine._queue import SagaMemoryQueue
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


class EventSink(Protocol):
    """Where events are written before the orchestrator acts on them."""

    def append(self, event: SagaEvent) -> None:
        """Store ``event`` durably (or not): it must be readable after this returns."""


@dataclasses.dataclass(frozen=True, slots=True)
class CompensationRecord:
    """How one compensation ended: the guide's ``results`` entry."""

    step: str
    compensation: str
    success: bool
    attempts: int
    error: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SagaResult:
    """How a saga ended.

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


@dataclasses.dataclass(slots=True)
class _Run:
    """Mutable bookkeeping of one saga while it runs."""

    correlation_id: str
    payload: Mapping[str, Any]
    queue: SagaMemoryQueue
    results: dict[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    events: list[SagaEvent] | None = None
    compensations: list[CompensationRecord] = dataclasses.field(default_factory=list)


class SagaOrchestrator:
    """Runs a :class:`SagaDefinition` one step after another.

    On the first step that fails for good, the steps that completed (and a
    step that timed out, whose effect is unknown) are compensated newest first.
    A compensation that fails for good is dead-lettered and the others still
    run. Every event is written to ``sink`` first, applied to the memory queue,
    then passed to each listener in turn.

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
    rng
        Source of retry jitter.
    keep_events
        Keep each saga's events in its :class:`SagaResult` (the saga log).
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
    ) -> None:
        self.definition = definition
        self.listeners: list[Listener] = list(listeners)
        self.sink = sink
        self.clock = clock
        self.sleep = sleep
        self.rng = rng if rng is not None else random.Random()
        self.keep_events = keep_events

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
        run = self._new_run(correlation_id or str(uuid.uuid4()), dict(payload or {}))
        steps = self.definition.steps
        self._emit(
            run,
            SagaStarted(
                run.correlation_id,
                self.clock(),
                self.definition.name,
                self.definition.step_names,
                dict(run.payload),
            ),
        )
        for step in steps:
            failure = self._execute(run, step)
            if failure is not None:
                return self._compensate(run, failed_step=step.name, error=failure)
        self._emit(
            run,
            SagaCompleted(
                run.correlation_id,
                self.clock(),
                len(steps),
                {name: dict(result) for name, result in run.results.items()},
            ),
        )
        return self._result(run, SagaOutcome.COMPLETED)

    def recover(self, history: Sequence[SagaEvent]) -> SagaResult:
        """Finish a saga that an earlier orchestrator left interrupted.

        Every step that may have run (it was started) and is not undone yet is
        compensated, newest first. Compensations are idempotent, so undoing a
        step whose action never applied changes nothing.

        Parameters
        ----------
        history
            The interrupted saga's events, oldest first, starting with
            :class:`SagaStarted`.

        Returns
        -------
        SagaResult
            The saga's end, always a compensation. Its compensations include
            those the earlier orchestrator finished or dead-lettered.

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
        for event in history:
            run.queue.apply(event)
            if run.events is not None:
                run.events.append(event)
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
        failed = [e for e in history if isinstance(e, StepFailed)]
        undone = {e.step for e in history if isinstance(e, CompensationSucceeded | DeadLettered)}
        begun: list[str] = []
        for event in history:
            if isinstance(event, StepStarted) and event.step not in begun:
                begun.append(event.step)
        to_undo = tuple(name for name in reversed(begun) if name not in undone)
        failed_step = failed[-1].step if failed else None
        return self._compensate(
            run,
            failed_step=failed_step,
            error=failed[-1].error if failed else "the orchestrator stopped before the saga ended",
            steps=to_undo,
            recovery=True,
        )

    def retry_dead_letter(self, correlation_id: str, step_name: str) -> CompensationRecord:
        """Try once more (with the step's compensation policy) to undo a dead letter.

        Parameters
        ----------
        correlation_id
            The saga the dead letter belongs to.
        step_name
            The step whose compensation was dead-lettered.

        Returns
        -------
        CompensationRecord
            ``success`` tells whether the dead letter left the queue.
        """
        step = self.definition.step(step_name)
        run = self._new_run(correlation_id, {})
        record = self._undo(run, step, dead_letter_on_failure=False)
        if record.success:
            self._emit(
                run,
                DeadLetterResolved(
                    correlation_id, self.clock(), step.name, step.compensation_name, "retried"
                ),
            )
        return record

    def resolve_dead_letter(self, correlation_id: str, step_name: str) -> None:
        """Record that a person settled a dead letter by hand (nothing is run)."""
        step = self.definition.step(step_name)
        run = self._new_run(correlation_id, {})
        self._emit(
            run,
            DeadLetterResolved(
                correlation_id, self.clock(), step.name, step.compensation_name, "resolved"
            ),
        )

    # -- internals ------------------------------------------------------------

    def _new_run(self, correlation_id: str, payload: Mapping[str, Any]) -> _Run:
        return _Run(
            correlation_id=correlation_id,
            payload=payload,
            queue=SagaMemoryQueue(),
            events=[] if self.keep_events else None,
        )

    def _emit(self, run: _Run, event: SagaEvent) -> None:
        # Write-ahead: the event is stored before anything acts on it, so a
        # process killed right after this line can be recovered from the log.
        if self.sink is not None:
            self.sink.append(event)
        run.queue.apply(event)
        if run.events is not None:
            run.events.append(event)
        for listener in self.listeners:
            listener(event)

    def _context(self, run: _Run, step: SagaStep, attempt: int) -> StepContext:
        return StepContext(run.correlation_id, step.name, attempt, run.payload, run.results)

    def _execute(self, run: _Run, step: SagaStep) -> str | None:
        """Run ``step`` with its retry policy; return the error, or None on success."""
        policy = step.retry
        cid = run.correlation_id
        attempt = 1
        while True:
            self._emit(run, StepStarted(cid, self.clock(), step.name, attempt, policy.max_attempts))
            started_at = self.clock()
            try:
                result = step.action(self._context(run, step, attempt)) or {}
            except StepError as exc:
                error, injected = str(exc), exc.injected
                retryable = isinstance(exc, TransientStepError)
            except Exception as exc:
                error, injected, retryable = f"{type(exc).__name__}: {exc}", False, False
            else:
                if step.timeout is not None and self.clock() - started_at > step.timeout:
                    self._emit(
                        run,
                        StepFailed(
                            cid,
                            self.clock(),
                            step.name,
                            attempt,
                            f"no reply within {step.timeout:g} s: effect unknown",
                            injected=False,
                            timed_out=True,
                        ),
                    )
                    return f"{step.name} timed out after {step.timeout:g} s"
                run.results[step.name] = result
                self._emit(run, StepSucceeded(cid, self.clock(), step.name, attempt, dict(result)))
                return None
            if retryable and attempt < policy.max_attempts:
                delay = policy.delay(attempt, self.rng)
                self._emit(
                    run,
                    StepRetried(
                        cid, self.clock(), step.name, attempt, policy.max_attempts, delay, error
                    ),
                )
                self.sleep(delay)
                attempt += 1
                continue
            self._emit(
                run, StepFailed(cid, self.clock(), step.name, attempt, error, injected, False)
            )
            return error

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
            steps = tuple(reversed(run.queue.compensation_stack))
        self._emit(
            run,
            CompensationTriggered(run.correlation_id, self.clock(), failed_step, steps, recovery),
        )
        for name in steps:
            run.compensations.append(self._undo(run, self.definition.step(name)))
        done = tuple(r.compensation for r in run.compensations if r.success)
        parked = tuple(r.compensation for r in run.compensations if not r.success)
        self._emit(
            run,
            SagaCompensated(
                run.correlation_id,
                self.clock(),
                failed_step,
                error,
                len(run.queue.completed),
                done,
                parked,
                recovery,
            ),
        )
        outcome = SagaOutcome.DEAD_LETTERED if parked else SagaOutcome.COMPENSATED
        return self._result(run, outcome, failed_step=failed_step, error=error)

    def _undo(
        self, run: _Run, step: SagaStep, *, dead_letter_on_failure: bool = True
    ) -> CompensationRecord:
        """Run ``step``'s compensation with its retry policy."""
        policy: RetryPolicy = step.compensation_retry
        cid, name = run.correlation_id, step.compensation_name
        attempt = 1
        while True:
            self._emit(
                run,
                CompensationStarted(
                    cid, self.clock(), step.name, name, attempt, policy.max_attempts
                ),
            )
            try:
                result = step.compensation(self._context(run, step, attempt)) or {}
            except Exception as exc:
                # Any error of an undo is worth retrying: an undo has no other way out.
                injected = isinstance(exc, StepError) and exc.injected
                error = str(exc) if isinstance(exc, StepError) else f"{type(exc).__name__}: {exc}"
            else:
                self._emit(
                    run,
                    CompensationSucceeded(
                        cid, self.clock(), step.name, name, attempt, dict(result)
                    ),
                )
                return CompensationRecord(step.name, name, True, attempt)
            if attempt < policy.max_attempts:
                delay = policy.delay(attempt, self.rng)
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
            self._emit(
                run,
                CompensationFailed(cid, self.clock(), step.name, name, attempt, error, injected),
            )
            if dead_letter_on_failure:
                self._emit(run, DeadLettered(cid, self.clock(), step.name, name, attempt, error))
            return CompensationRecord(step.name, name, False, attempt, error)

    def _result(
        self,
        run: _Run,
        outcome: SagaOutcome,
        *,
        failed_step: str | None = None,
        error: str | None = None,
    ) -> SagaResult:
        return SagaResult(
            correlation_id=run.correlation_id,
            outcome=outcome,
            total_steps=len(self.definition.steps),
            steps_completed=len(run.queue.completed),
            results=dict(run.results),
            failed_step=failed_step,
            error=error,
            compensations=tuple(run.compensations),
            events=tuple(run.events) if run.events is not None else (),
        )
