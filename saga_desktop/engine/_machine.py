"""The interpreter of a saga run: steps in order, retries, roles, compensation, dead letters.

There is one interpreter, :class:`SagaMachine`: what happens is told to the
run's recorder (see :mod:`~saga_desktop.engine._recorders`), or to nobody when
nobody watches. For that case alone a specialised loop
(:meth:`SagaMachine._run_unwatched`) makes each step's first attempt in place
and hands the run to the interpreter at the first thing that is not a plain
success; ``tests/engine/test_lean_path.py`` proves the two agree.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from saga_desktop.engine._definition import SagaDefinition, SagaStep, StepContext, StepRole
from saga_desktop.engine._events import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    CompensationTriggered,
    DeadLettered,
    SagaCompensated,
    SagaCompleted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.engine._exceptions import ParticipantUnavailable, StepError, TransientStepError
from saga_desktop.engine._recorders import Emit, Recorder
from saga_desktop.engine._results import CompensationRecord, SagaResult, describe_error
from saga_desktop.engine._status import SagaOutcome

__all__ = ["SagaMachine"]

# Builds a named tuple in C, skipping its Python ``__new__``: the hot path makes
# a context per call and a result per saga.
_new_tuple = tuple.__new__
_COMPLETED = SagaOutcome.COMPLETED
_COMPENSATED = SagaOutcome.COMPENSATED
_PIVOT = StepRole.PIVOT
_RETRIABLE = StepRole.RETRIABLE


def _call(
    function: Callable[..., Mapping[str, Any] | None],
    step: SagaStep,
    correlation_id: str,
    attempt: int,
    payload: Mapping[str, Any],
    results: Mapping[str, Mapping[str, Any]],
) -> Mapping[str, Any] | None:
    """Call ``step``'s action or compensation: with its context, or none if it takes none."""
    if not step.takes_context:
        return function()
    return function(_new_tuple(StepContext, (correlation_id, step.name, attempt, payload, results)))


class _Plan:
    """What the hot path reads of a definition, read once per definition.

    ``steps`` holds ``(name, action, takes_context, max_attempts, step)`` of
    every step, the action ``None`` when the step has a timeout or a role (it
    goes :meth:`SagaMachine._execute`'s way): reading a slotted step's fields
    cost a tenth of a lean saga. ``by_name`` maps a step's name to the step and its compensation's
    name, so that a saga of a thousand steps undoes them in linear time.
    """

    __slots__ = ("by_name", "definition", "names", "steps", "undos")

    def __init__(self, definition: SagaDefinition) -> None:
        self.definition = definition
        self.names = definition.step_names
        self.steps: tuple[tuple[str, Callable[..., Any] | None, bool, int, SagaStep], ...] = tuple(
            (
                step.name,
                step.action
                if step.timeout is None and step.role is StepRole.COMPENSATABLE
                else None,
                step.takes_context,
                step.max_attempts,
                step,
            )
            for step in definition.steps
        )
        self.by_name = {step.name: (step, step.compensation_name) for step in definition.steps}
        #: Of each step, what the first attempt at its undo reads.
        self.undos: dict[str, tuple[SagaStep, str, Callable[..., Any], bool, int]] = {
            step.name: (
                step,
                step.compensation_name,
                step.compensation,
                step.takes_context,
                step.compensation_retry.max_attempts,
            )
            for step in definition.steps
        }


class _Run:
    """Mutable bookkeeping of one saga while it runs.

    Of the guide's memory queue the interpreter needs only the completed steps
    (the keys of ``results``, in the order they completed) and the compensation
    stack (those steps, then the step that timed out, if one did). The whole
    queue is a projection of the events (:class:`SagaMemoryQueue`).
    """

    __slots__ = (
        "attempt",
        "compensations",
        "correlation_id",
        "emit",
        "payload",
        "rec",
        "results",
        "timed_out",
    )

    def __init__(
        self,
        correlation_id: str,
        payload: Mapping[str, Any],
        results: dict[str, Mapping[str, Any]],
        rec: Recorder | None = None,
        emit: Emit | None = None,
    ) -> None:
        self.correlation_id = correlation_id
        self.payload = payload
        self.results = results
        #: Who is told what happens (a recorder's ``emit``); ``None``: nobody.
        self.emit = emit
        #: The recorder with work to do at the pivot and at the end (see
        #: :class:`Recorder`); ``None`` when there is none (nobody watches, or a
        #: :class:`SagaLog` alone, told through :func:`compact_recorder`).
        self.rec = rec
        self.compensations: list[CompensationRecord] = []
        self.timed_out: str | None = None
        #: The attempt :meth:`SagaMachine._execute` ended on.
        self.attempt = 0


class SagaMachine:
    """Runs a definition's steps and compensations; the base of :class:`SagaOrchestrator`.

    Attributes
    ----------
    definition
        The saga's steps.
    clock
        The time of each event.
    sleep
        Waits a number of seconds (the backoff between retries).
    timer
        What a step's timeout is measured on.
    rng
        Source of retry jitter.
    """

    definition: SagaDefinition
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    timer: Callable[[], float]
    rng: random.Random
    _plan: _Plan

    def _plan_of(self, definition: SagaDefinition) -> _Plan:
        plan = self._plan
        if plan.definition is not definition:
            plan = self._plan = _Plan(definition)
        return plan

    def _run_unwatched(self, cid: str, payload: Mapping[str, Any], plan: _Plan) -> SagaResult:
        """The specialised loop for a saga nobody watches: first attempts, in place.

        Each step's first attempt, and after a plain refusal each undo's first
        attempt, runs right here with no bookkeeping object; anything else (a
        retry, a step with a timeout or a role, an undo that fails) hands the
        saga to the interpreter from there.
        """
        results: dict[str, Mapping[str, Any]] = {}
        for name, action, takes_context, max_attempts, _ in plan.steps:
            if action is None:
                return self._run_steps(_Run(cid, payload, results), len(results))
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
                    return self._run_steps(_Run(cid, payload, results), len(results), exc)
                return self._undo_unwatched(cid, payload, results, plan, name, describe_error(exc))
            results[name] = result or {}
        count = len(plan.steps)
        return _new_tuple(SagaResult, (cid, _COMPLETED, count, count, results, None, None, (), ()))

    def _undo_unwatched(
        self,
        cid: str,
        payload: Mapping[str, Any],
        results: dict[str, Mapping[str, Any]],
        plan: _Plan,
        failed_step: str,
        error: str,
    ) -> SagaResult:
        # The first attempt of each undo, in place; one that fails takes _undo's way.
        records: list[CompensationRecord] = []
        by_name = plan.by_name
        for name in reversed(results):
            step, undo_name = by_name[name]
            try:
                _call(step.compensation, step, cid, 1, payload, results)
            except ParticipantUnavailable:
                raise  # not a refusal: the saga stops here, left to recovery
            except Exception as exc:
                run = _Run(cid, payload, results)
                run.compensations = records
                undo = tuple(reversed(results))
                records.append(self._undo(run, step, undo_name, failed=exc))
                for later in undo[undo.index(name) + 1 :]:
                    later_step, later_name = by_name[later]
                    records.append(self._undo(run, later_step, later_name))
                return self._end_compensated(run, failed_step, error)
            records.append(_new_tuple(CompensationRecord, (name, undo_name, True, 1, None)))
        count = len(plan.steps)
        return _new_tuple(
            SagaResult,
            (
                cid,
                _COMPENSATED,
                count,
                len(results),
                results,
                failed_step,
                error,
                tuple(records),
                (),
            ),
        )

    def _run_steps(self, run: _Run, start: int, refused: Exception | None = None) -> SagaResult:
        """The interpreter: run the saga's steps from ``start`` on, then end the saga.

        ``refused`` is the error of a first attempt at step ``start`` that was
        already made (see :meth:`_execute`). A step without a timeout or a role
        has its first attempt made right here; anything else (a retry, a
        timeout to watch, a role) goes :meth:`_execute`'s way.
        """
        emit, clock = run.emit, self.clock
        cid, payload, results = run.correlation_id, run.payload, run.results
        plan = self._plan
        if plan.definition is not self.definition:
            plan = self._plan_of(self.definition)
        if refused is not None:  # that step goes on with its retries
            step = plan.steps[start][4]
            failure = self._execute(run, step, refused)
            refused = None  # its traceback sees this frame: dropped, so that it makes no cycle
            if failure is not None:
                return self._failed(run, step, failure)
            start += 1
        steps = plan.steps if start == 0 else plan.steps[start:]
        for name, action, takes_context, max_attempts, step in steps:
            if action is None:
                failure = self._execute(run, step)
                if failure is not None:
                    return self._failed(run, step, failure)
                continue
            if emit is not None:
                emit((StepStarted, clock(), name, 1, max_attempts))
            try:
                result = (
                    action(_new_tuple(StepContext, (cid, name, 1, payload, results)))
                    if takes_context
                    else action()
                )
            except ParticipantUnavailable:
                raise  # not a refusal: the saga stops here, left to recovery
            except Exception as exc:
                if max_attempts == 1:  # a refusal: the saga fails here
                    error = describe_error(exc)
                    if emit is not None:
                        injected = isinstance(exc, StepError) and exc.injected
                        emit((StepFailed, clock(), name, 1, error, injected, False))
                    return self._compensate(run, name, error)
                failure = self._execute(run, step, exc)  # a retry, or the failure
                if failure is not None:
                    return self._failed(run, step, failure)
                continue
            result = results[name] = result or {}
            if emit is not None:
                emit((StepSucceeded, clock(), name, 1, result))
        if emit is not None:
            emit((SagaCompleted, clock(), len(plan.steps), results))
        return self._result(run, _COMPLETED)

    def _execute(self, run: _Run, step: SagaStep, refused: Exception | None = None) -> str | None:
        """Run ``step`` with its retry policy; return the error, or None on success.

        ``refused`` is the error of a first attempt already made. A retriable
        step is tried again after any error, and after a late reply (its effect
        is unknown, and its idempotency key makes a repeat safe), until it
        succeeds or reaches its safety limit (:attr:`SagaStep.max_attempts`).
        """
        cid, name, emit, timeout = run.correlation_id, step.name, run.emit, step.timeout
        retriable = step.role is _RETRIABLE
        max_attempts = step.max_attempts
        attempt, started_at = 1, 0.0
        while True:
            run.attempt = attempt
            late: str | None = None
            if refused is None:
                if emit is not None:
                    emit((StepStarted, self.clock(), name, attempt, max_attempts))
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
            if refused is not None:
                error = describe_error(refused)
                injected = isinstance(refused, StepError) and refused.injected
                retryable = retriable or isinstance(refused, TransientStepError)
            else:  # a retriable step's late reply: tried again
                error, injected, retryable = str(late), False, True
            # Dropped, so that the error's traceback (which sees this frame) makes no cycle.
            refused = None
            if retryable and attempt < max_attempts:
                delay = step.retry.delay(attempt, self.rng)
                if emit is not None:
                    emit((StepRetried, self.clock(), name, attempt, max_attempts, delay, error))
                self.sleep(delay)
                attempt += 1
                continue
            if emit is not None:
                emit((StepFailed, self.clock(), name, attempt, error, injected, False))
            return error

    def _succeeded(
        self, run: _Run, step: SagaStep, attempt: int, result: Mapping[str, Any]
    ) -> None:
        run.results[step.name] = result
        if run.emit is not None:
            run.emit((StepSucceeded, self.clock(), step.name, attempt, result))
        if step.role is _PIVOT and run.rec is not None:
            # Past the point of no return: recovery must know it, or it would
            # undo a saga that may only go forward (see recover()).
            run.rec.checkpoint()

    def _timed_out(self, run: _Run, step: SagaStep, attempt: int, error: str) -> str:
        # The effect may have happened: it is undone like a completed step's
        # (unless the step is retriable: then it is dead-lettered, see _failed).
        if step.role is not _RETRIABLE:
            run.timed_out = step.name
        if run.emit is not None:
            run.emit((StepFailed, self.clock(), step.name, attempt, error, False, True))
        return f"{step.name} timed out after {step.timeout:g} s"

    def _failed(self, run: _Run, step: SagaStep, error: str) -> SagaResult:
        """End a saga whose ``step`` failed for good: compensate, or park it if past the pivot.

        A retriable step fails only once its safety limit is spent. It comes after
        the pivot, so nothing is compensated: the step itself waits in the
        dead-letter queue (``compensation`` is the step's own name: its action, not
        an undo, is what a retry runs), and the saga ends dead-lettered.
        """
        if step.role is not _RETRIABLE:
            return self._compensate(run, failed_step=step.name, error=error)
        attempts = run.attempt
        run.compensations.append(
            _new_tuple(CompensationRecord, (step.name, step.name, False, attempts, error))
        )
        if run.emit is not None:
            run.emit((DeadLettered, self.clock(), step.name, step.name, attempts, error))
        return self._end_compensated(run, step.name, error)

    def _compensate(
        self,
        run: _Run,
        failed_step: str | None,
        error: str,
        *,
        steps: tuple[str, ...] | None = None,
        recovery: bool = False,
    ) -> SagaResult:
        """Undo ``steps`` (by default the completed ones, newest first), then end the saga."""
        if steps is None:
            undo = list(run.results)
            if run.timed_out is not None:
                undo.append(run.timed_out)
            steps = tuple(reversed(undo))
        emit, clock, cid = run.emit, self.clock, run.correlation_id
        if emit is not None:
            emit((CompensationTriggered, clock(), failed_step, steps, recovery))
        plan = self._plan
        if plan.definition is not self.definition:
            plan = self._plan_of(self.definition)
        undos = plan.undos
        records = run.compensations
        payload, results = run.payload, run.results
        for name in steps:
            step, undo_name, compensation, takes_context, max_attempts = undos[name]
            # The first attempt right here (most undos need no other): one that
            # fails goes on in _undo, with its retries and its dead letter.
            if emit is not None:
                emit((CompensationStarted, clock(), name, undo_name, 1, max_attempts))
            try:
                result = (
                    compensation(_new_tuple(StepContext, (cid, name, 1, payload, results)))
                    if takes_context
                    else compensation()
                )
            except ParticipantUnavailable:
                raise  # not a refusal: the saga stops here, left to recovery
            except Exception as exc:
                records.append(self._undo(run, step, undo_name, failed=exc))
                continue
            if emit is not None:
                emit((CompensationSucceeded, clock(), name, undo_name, 1, result or {}))
            records.append(_new_tuple(CompensationRecord, (name, undo_name, True, 1, None)))
        return self._end_compensated(run, failed_step, error, recovery)

    def _end_compensated(
        self, run: _Run, failed_step: str | None, error: str, recovery: bool = False
    ) -> SagaResult:
        # A compensated saga's last event and its result. A loop, not two
        # comprehensions: each of those is a call.
        done: list[str] = []
        parked: list[str] = []
        for record in run.compensations:
            (done if record.success else parked).append(record.compensation)
        if run.emit is not None:
            run.emit(
                (
                    SagaCompensated,
                    self.clock(),
                    failed_step,
                    error,
                    len(run.results),
                    tuple(done),
                    tuple(parked),
                    recovery,
                )
            )
        outcome = SagaOutcome.DEAD_LETTERED if parked else _COMPENSATED
        return self._result(run, outcome, failed_step, error)

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

        ``failed`` is the error of a first attempt already made.
        """
        tries = step.compensation_retry.max_attempts
        cid, emit, clock, undone = run.correlation_id, run.emit, self.clock, step.name
        attempt = 1
        while True:
            if failed is None:
                if emit is not None:
                    emit((CompensationStarted, clock(), undone, name, attempt, tries))
                try:
                    result = _call(step.compensation, step, cid, attempt, run.payload, run.results)
                except ParticipantUnavailable:
                    raise  # not a refusal: the saga stops here, left to recovery
                except Exception as exc:
                    failed = exc
                else:
                    if emit is not None:
                        emit((CompensationSucceeded, clock(), undone, name, attempt, result or {}))
                    return _new_tuple(CompensationRecord, (undone, name, True, attempt, None))
            # Any error of an undo is worth retrying: an undo has no other way out.
            injected = isinstance(failed, StepError) and failed.injected
            error = describe_error(failed)
            failed = None  # its traceback sees this frame: dropped, so that it makes no cycle
            if attempt < tries:
                delay = step.compensation_retry.delay(attempt, self.rng)
                if emit is not None:
                    emit((CompensationRetried, clock(), undone, name, attempt, tries, delay, error))
                self.sleep(delay)
                attempt += 1
                continue
            if emit is not None:
                emit((CompensationFailed, clock(), undone, name, attempt, error, injected))
                if dead_letter_on_failure:
                    emit((DeadLettered, clock(), undone, name, attempt, error))
            return _new_tuple(CompensationRecord, (undone, name, False, attempt, error))

    def _result(
        self,
        run: _Run,
        outcome: SagaOutcome,
        failed_step: str | None = None,
        error: str | None = None,
    ) -> SagaResult:
        events = run.rec.finish() if run.rec is not None else ()
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
                events,
            ),
        )
