"""The metrics recorder: counters and bucket arrays, updated per event, read at a scrape.

Standard library only, so that the batch pays a dict update per event and
nothing more: the Prometheus collector (:mod:`._prometheus`) and the window's
Metrics tab read a :class:`MetricsSnapshot` when they need one. The same
recorder counts a live run (as a tap of the saga log, see
``BookingSagaOrchestrator(tap=...)``) and a saga log read back afterwards
(:func:`~saga_desktop.monitoring.record_history`), so both give the same figures.

What is counted (labels in brackets)
    * runs ``(saga, outcome)``: ``completed``, ``compensated``, ``dead_lettered``;
    * step attempts ``(saga, step, result)``: ``succeeded``, ``retried``,
      ``failed``, ``timed_out``; retries and timeouts ``(saga, step)``;
    * compensation attempts ``(saga, step, result)``: ``succeeded``, ``retried``,
      ``failed`` (its last attempt: dead-lettered);
    * open dead letters ``(saga, step)``;
    * durations of sagas ``(saga)`` and of step attempts ``(saga, step)``, in
      :data:`BUCKETS`, from the events' own times;
    * outcomes per second of the events' times, the last :data:`TIMELINE_SECONDS`.

No correlation id is ever a key: it would make every saga a series of its own.
"""

from __future__ import annotations

import bisect
import dataclasses
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from saga_desktop.engine import (
    CompensationFailed,
    CompensationRetried,
    CompensationStarted,
    CompensationSucceeded,
    DeadLettered,
    DeadLetterResolved,
    EventHandler,
    SagaCompensated,
    SagaCompleted,
    SagaEvent,
    SagaStarted,
    StepFailed,
    StepRetried,
    StepStarted,
    StepSucceeded,
)
from saga_desktop.engine._handlers import HANDLER_NAMES

__all__ = [
    "BUCKETS",
    "OUTCOMES",
    "TIMELINE_SECONDS",
    "Histogram",
    "MetricsRecorder",
    "MetricsSnapshot",
]

#: Upper bounds (seconds) of the duration buckets: a step here takes about 100 µs,
#: a saga with a late reply or a backoff several seconds.
BUCKETS: tuple[float, ...] = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
#: How a saga can end, as the ``outcome`` label says it.
OUTCOMES: tuple[str, ...] = ("completed", "compensated", "dead_lettered")
#: Seconds of outcomes the timeline keeps (an hour).
TIMELINE_SECONDS = 3600


@dataclasses.dataclass(frozen=True, slots=True)
class Histogram:
    """Observations in :data:`BUCKETS`.

    Attributes
    ----------
    counts
        Observations per bucket (not cumulative); the last is above every bound.
    total
        The sum of the observations (seconds).
    """

    counts: tuple[int, ...]
    total: float

    @property
    def count(self) -> int:
        """How many observations."""
        return sum(self.counts)

    def cumulative(self) -> list[tuple[str, int]]:
        """``(le, count)`` pairs as Prometheus wants them, ``+Inf`` last."""
        pairs, running = [], 0
        for bound, count in zip((*BUCKETS, float("inf")), self.counts, strict=True):
            running += count
            pairs.append(("+Inf" if bound == float("inf") else repr(bound), running))
        return pairs


@dataclasses.dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """The recorder's figures at one moment (copies: safe to read in any thread).

    Attributes
    ----------
    runs
        ``(saga, outcome)`` → sagas ended so.
    step_attempts
        ``(saga, step, result)`` → attempts.
    compensations
        ``(saga, step, result)`` → compensation attempts.
    retries, timeouts, dead_letters
        ``(saga, step)`` → retries; timeouts; open dead letters.
    saga_durations
        ``saga`` → its sagas' durations.
    step_durations
        ``(saga, step)`` → its attempts' durations.
    steps
        ``saga`` → its steps in order (as its last start listed them).
    timeline
        ``(second, completed, compensated, dead_lettered)``, oldest first.
    """

    runs: Mapping[tuple[str, str], int]
    step_attempts: Mapping[tuple[str, str, str], int]
    compensations: Mapping[tuple[str, str, str], int]
    retries: Mapping[tuple[str, str], int]
    timeouts: Mapping[tuple[str, str], int]
    dead_letters: Mapping[tuple[str, str], int]
    saga_durations: Mapping[str, Histogram]
    step_durations: Mapping[tuple[str, str], Histogram]
    steps: Mapping[str, tuple[str, ...]]
    timeline: tuple[tuple[int, int, int, int], ...]

    def total_runs(self, outcome: str | None = None) -> int:
        """Sagas ended (with ``outcome`` only, when given), every saga together."""
        return sum(n for (_, out), n in self.runs.items() if outcome in (None, out))

    def compensation_results(self) -> dict[str, int]:
        """Compensation attempts by result, every saga and step together."""
        totals = dict.fromkeys(("succeeded", "retried", "failed"), 0)
        for (_, _, result), n in self.compensations.items():
            totals[result] = totals.get(result, 0) + n
        return totals

    def compensation_success_rate(self) -> float | None:
        """Compensations that succeeded, of those that ended (None when none ran)."""
        totals = self.compensation_results()
        ended = totals["succeeded"] + totals["failed"]
        return totals["succeeded"] / ended if ended else None

    def retries_by_step(self) -> dict[str, int]:
        """Retries by step, every saga together."""
        totals: dict[str, int] = {}
        for (_, step), n in self.retries.items():
            totals[step] = totals.get(step, 0) + n
        return totals


class _Buckets:
    """A histogram being filled: counts per bucket and their sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)  # a clock set back must not count below zero
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def frozen(self) -> Histogram:
        return Histogram(tuple(self.counts), self.total)


def _bump(counts: dict[Any, int], key: Any) -> None:
    counts[key] = counts.get(key, 0) + 1


class MetricsRecorder(EventHandler):
    """Counts every event it is given; :meth:`snapshot` reads the figures.

    Call it with each event, in order (it is a tap, and a listener too). Safe
    across threads: a batch records in its thread while a scrape or the window
    reads a snapshot in another.

    Parameters
    ----------
    default_saga
        The saga name of events whose start this recorder never saw (a saga
        recovered or a dead letter retried after the process started again).
    """

    def __init__(self, default_saga: str = "unknown") -> None:
        self.default_saga = default_saga
        self._lock = threading.Lock()
        self._runs: dict[tuple[str, str], int] = {}
        self._attempts: dict[tuple[str, str, str], int] = {}
        self._compensations: dict[tuple[str, str, str], int] = {}
        self._retries: dict[tuple[str, str], int] = {}
        self._timeouts: dict[tuple[str, str], int] = {}
        self._dead: dict[tuple[str, str], int] = {}
        self._saga_durations: dict[str, _Buckets] = {}
        self._step_durations: dict[tuple[str, str], _Buckets] = {}
        self._steps: dict[str, tuple[str, ...]] = {}
        self._timeline: dict[int, list[int]] = {}
        # Sagas under way: name and start; the attempt under way: its start.
        self._open: dict[str, tuple[str, float]] = {}
        self._attempt_started: dict[str, float] = {}
        # Which saga an open dead letter belongs to, for its resolution later.
        self._letters: dict[tuple[str, str], str] = {}

    def __call__(self, event: SagaEvent) -> None:
        """Count ``event`` (anything that is not a saga event is not counted)."""
        if type(event) in HANDLER_NAMES:
            with self._lock:
                self.handle(event)

    def record_many(self, events: Sequence[SagaEvent]) -> None:
        """Count ``events``, in order (a tap hands over a commit's events so: one lock)."""
        with self._lock:
            self.handle_all(events)

    # -- the events ------------------------------------------------------------

    def _saga(self, cid: str) -> str:
        opened = self._open.get(cid)
        return opened[0] if opened is not None else self.default_saga

    def on_saga_started(self, event: SagaStarted) -> None:
        name = event.saga_name
        self._open[event.correlation_id] = (name, event.at)
        if self._steps.get(name) != event.steps:
            self._steps[name] = event.steps
            # Every series of a known saga exists from its first saga, at 0: a rate
            # of a series that appears late misses its first increase.
            for outcome in OUTCOMES:
                self._runs.setdefault((name, outcome), 0)

    def on_step_started(self, event: StepStarted) -> None:
        self._attempt_started[event.correlation_id] = event.at

    def on_compensation_started(self, event: CompensationStarted) -> None:
        self._attempt_started[event.correlation_id] = event.at

    def _step_ended(self, event: StepSucceeded | StepRetried | StepFailed, result: str) -> None:
        key = (self._saga(event.correlation_id), event.step)
        _bump(self._attempts, (*key, result))
        started = self._attempt_started.pop(event.correlation_id, None)
        if started is not None:
            durations = self._step_durations.get(key)
            if durations is None:
                durations = self._step_durations[key] = _Buckets()
            durations.observe(event.at - started)

    def on_step_succeeded(self, event: StepSucceeded) -> None:
        self._step_ended(event, "succeeded")

    def on_step_retried(self, event: StepRetried) -> None:
        self._step_ended(event, "retried")
        _bump(self._retries, (self._saga(event.correlation_id), event.step))

    def on_step_failed(self, event: StepFailed) -> None:
        self._step_ended(event, "timed_out" if event.timed_out else "failed")
        if event.timed_out:
            _bump(self._timeouts, (self._saga(event.correlation_id), event.step))

    def _compensation_ended(self, event: Any, result: str) -> None:
        self._attempt_started.pop(event.correlation_id, None)
        _bump(self._compensations, (self._saga(event.correlation_id), event.step, result))

    def on_compensation_succeeded(self, event: CompensationSucceeded) -> None:
        self._compensation_ended(event, "succeeded")

    def on_compensation_retried(self, event: CompensationRetried) -> None:
        self._compensation_ended(event, "retried")

    def on_compensation_failed(self, event: CompensationFailed) -> None:
        self._compensation_ended(event, "failed")

    def on_dead_lettered(self, event: DeadLettered) -> None:
        saga = self._saga(event.correlation_id)
        _bump(self._dead, (saga, event.step))
        self._letters[(event.correlation_id, event.step)] = saga

    def on_dead_letter_resolved(self, event: DeadLetterResolved) -> None:
        saga = self._letters.pop((event.correlation_id, event.step), None)
        key = (saga or self.default_saga, event.step)
        if self._dead.get(key, 0) > 0:
            self._dead[key] -= 1

    def _ended(self, event: SagaEvent, outcome: str) -> None:
        opened = self._open.pop(event.correlation_id, None)
        self._attempt_started.pop(event.correlation_id, None)
        name = opened[0] if opened is not None else self.default_saga
        _bump(self._runs, (name, outcome))
        if opened is not None:
            durations = self._saga_durations.get(name)
            if durations is None:
                durations = self._saga_durations[name] = _Buckets()
            durations.observe(event.at - opened[1])
        second = int(event.at)
        row = self._timeline.get(second)
        if row is None:
            row = self._timeline[second] = [0, 0, 0]
            if len(self._timeline) > TIMELINE_SECONDS:
                del self._timeline[min(self._timeline)]
        row[OUTCOMES.index(outcome)] += 1

    def on_saga_completed(self, event: SagaCompleted) -> None:
        self._ended(event, "completed")

    def on_saga_compensated(self, event: SagaCompensated) -> None:
        self._ended(event, "dead_lettered" if event.dead_letters else "compensated")

    # -- reading ------------------------------------------------------------------

    def snapshot(self) -> MetricsSnapshot:
        """The figures now (copies, taken under the recorder's lock)."""
        with self._lock:
            return MetricsSnapshot(
                runs=dict(self._runs),
                step_attempts=dict(self._attempts),
                compensations=dict(self._compensations),
                retries=dict(self._retries),
                timeouts=dict(self._timeouts),
                dead_letters=dict(self._dead),
                saga_durations={k: v.frozen() for k, v in self._saga_durations.items()},
                step_durations={k: v.frozen() for k, v in self._step_durations.items()},
                steps=dict(self._steps),
                timeline=tuple(
                    (second, *row)  # type: ignore[misc]
                    for second, row in sorted(self._timeline.items())
                ),
            )
