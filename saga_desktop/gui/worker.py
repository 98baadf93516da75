"""The worker: runs the engine in its own thread and paces events for people.

The window never touches a database or runs a saga. It asks the worker through
queued signals (``*_requested``) and hears back through the worker's signals.
While a saga runs, the worker's thread is busy, so speed, pause, step and
cancel are shared through :class:`Pacer`, a thread-safe object both threads see.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from saga_desktop import booking, engine
from saga_desktop.booking import BookingError, InvalidBooking
from saga_desktop.gui.paced_waits import PacedClock, describe_wait
from saga_desktop.gui.pacer import INSTANT, Pacer

if TYPE_CHECKING:
    from saga_desktop.booking import BatchProgress, BookingSagaOrchestrator, SagaSpec
    from saga_desktop.engine import SagaEvent, SagaResult
    from saga_desktop.monitoring import MetricsRecorder

__all__ = ["INSTANT", "Pacer", "SagaWorker"]


@functools.cache
def _world_events() -> tuple[type[SagaEvent], ...]:
    # Events that change the world: a fresh snapshot follows them. Looked up on first
    # use, so that importing the worker before the window's first paint loads no engine.
    return (
        engine.StepSucceeded,
        engine.CompensationSucceeded,
        engine.SagaCompleted,
        engine.SagaCompensated,
    )


# At Instant speed, events reach the window in batches at most this often (seconds).
_FLUSH_INTERVAL = 0.05
# The history shows at most this many runs read back from the saga log.
_HISTORY_FROM_LOG = 300
# Seconds the worker waits for a database another process holds before it gives up.
_LOCK_WAIT = 30.0
# A running batch reports its progress (and the world) at most this often (seconds).
_BATCH_PROGRESS_INTERVAL = 0.1
_BATCH_WORLD_INTERVAL = 0.5


class SagaWorker(QObject):
    """Runs booking sagas, recovery and dead-letter actions in the worker thread.

    Create it in the GUI thread, ``moveToThread`` it, and call its slots only
    through queued signals. ``pacer`` is the one thing shared across threads.

    Parameters
    ----------
    data_dir
        The world's directory.
    pacer
        Shared speed, pause, step and cancel.
    saga
        A saga file's saga to run (in its own world of the data directory), or
        None for the flight booking.
    """

    #: A batch of events, oldest first (coalesced at Instant speed), with their log
    #: lines already formatted here, off the GUI thread: ``(events, lines)`` where a
    #: line is ``(level, text)``.
    events_ready = Signal(object)
    #: A world snapshot (``WorldSnapshot.to_dict()``) plus ``dead_letters``: the
    #: dead-letter queue, as a list of dicts.
    world_changed = Signal(object)
    #: The guide's response object of a finished saga.
    saga_finished = Signal(object)
    #: The orchestrator "died" right after this step.
    crashed = Signal(str)
    #: A saga stopped unfinished, unrefused: a participant was out of reach (the text says why).
    stopped = Signal(str)
    #: Waiting for a database another process holds: the text says which and how long.
    lock_waited = Signal(str)
    #: Recovery finished: the responses of the recovered sagas.
    recovered = Signal(object)
    #: The booking was refused before anything ran: field, message.
    booking_rejected = Signal(str, str)
    #: Something went wrong that a person must read.
    errored = Signal(str)
    #: A paced run waits (backoff, a late reply): a ``PacedWait`` the card counts down.
    wait_started = Signal(object)
    #: True while the worker is running something.
    busy_changed = Signal(bool)
    #: A breakpoint paused the run; the text says where.
    breakpoint_hit = Signal(str)
    #: Runs recorded in the durable saga log (newest first), as dicts.
    history_loaded = Signal(object)
    #: A recorded run's events: correlation id, list of events.
    run_loaded = Signal(str, object)
    #: "Run all scenarios" ended: the report (as ``saga-desktop scenarios``) and its path.
    scenarios_finished = Signal(object, str)
    #: A running batch's progress (``BatchProgress`` as a dict).
    batch_progressed = Signal(object)
    #: A batch ended: its report (``BatchReport.to_dict()``).
    batch_finished = Signal(object)
    #: Something went wrong that changes no outcome (a log file that cannot be
    #: written): one line, once per distinct problem.
    warned = Signal(str)
    #: A run file was read and checked: its path and the ``RunFile``.
    run_file_read = Signal(str, object)
    #: A run file was refused: its path and the one-line reason.
    run_file_refused = Signal(str, str)
    #: Reset world or Erase history ended: what happened, in words ("Refused: …" if not).
    world_reset = Signal(str)

    def __init__(
        self,
        data_dir: Path,
        pacer: Pacer,
        saga: SagaSpec | None = None,
        metrics: MetricsRecorder | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.pacer = pacer
        self.saga = saga
        #: Counts every event of this window's sagas (the Metrics tab, --metrics-port);
        #: a tap of the saga log, not a listener.
        self.metrics = metrics
        # The newest event of the saga log when it was opened: older ones are history
        # (count_history), newer ones the recorder hears of live.
        self._history_until: int | None = None
        self._history_counted = False
        self._orchestrator: BookingSagaOrchestrator | None = None
        self._pending: list[SagaEvent] = []
        self._last_flush = 0.0
        self._world_dirty = False
        self._batch = False
        self._last_world = 0.0
        self._last_event: SagaEvent | None = None

    # -- life cycle -------------------------------------------------------------

    def _open(self) -> BookingSagaOrchestrator:
        if self._orchestrator is None:
            # The lazy booking package loads the saga machinery here, in the worker's
            # thread: it is a tenth of the window's start-up, and only this thread runs it.
            orchestrator = booking.BookingSagaOrchestrator(
                self.data_dir,
                listeners=[self._on_event],
                busy=engine.BusyWait(limit=_LOCK_WAIT, on_wait=self._on_lock_wait),
                clock=PacedClock(self._on_sleep),
                saga=self.saga,
                tap=self.metrics,
            )
            store = orchestrator.store
            if self.metrics is not None and store is not None and not self._history_counted:
                self._history_until = store.last_seq()
            if orchestrator.logs is not None:
                orchestrator.logs.on_problem = self.warned.emit
            self._orchestrator = orchestrator
        return self._orchestrator

    def close(self) -> None:
        """Close the databases and logs (after the thread has stopped)."""
        if self._orchestrator is not None:
            self._orchestrator.close()
            self._orchestrator = None

    # -- pacing and coalescing ----------------------------------------------------

    def _on_event(self, event: SagaEvent) -> None:
        self._pending.append(event)
        self._last_event = event
        if isinstance(event, _world_events()):
            self._world_dirty = True
        if self._batch:
            # A batch runs flat out: events are coalesced, never paced or stopped.
            if time.monotonic() - self._last_flush >= _FLUSH_INTERVAL:
                self._flush()
            return
        hit = self.pacer.breakpoint_for(event)
        if hit is not None:
            self._flush()
            self.pacer.set_paused(True)
            self.breakpoint_hit.emit(hit)
            self.pacer.wait()
            return
        if self.pacer.instant:
            # Coalesce: one signal per interval, not one per event.
            if time.monotonic() - self._last_flush >= _FLUSH_INTERVAL:
                self._flush()
            return
        self._flush()
        self.pacer.wait()

    def _on_sleep(self, seconds: float) -> None:
        # Paused, a person steps event by event: a wait held then would eat a Step.
        if self._batch or self.pacer.instant or self.pacer.paused:
            return
        wait = describe_wait(self._last_event, seconds, self.pacer.delay, self._timeout())
        if wait is None or wait.held <= 0:
            return
        # What a late reply hides is in the world already: shown while the wait runs.
        self._world_dirty = True
        self._flush()
        self.wait_started.emit(wait)
        self.pacer.wait(wait.held)

    def _timeout(self) -> float:
        """The timeout of the last event's step (a saga file's step may have its own)."""
        step = getattr(self._last_event, "step", "")
        if self.saga is not None and step:
            try:
                timeout = self.saga.step(step).timeout
            except KeyError:
                timeout = None
            if timeout is not None:
                return timeout
        return booking.STEP_TIMEOUT

    def _step_key(self, name: str) -> str:
        """A switch's step key, checked against the saga's steps."""
        if self.saga is None:
            return booking.step_key(name)
        try:
            return self.saga.step(name).key
        except KeyError:
            raise booking.InvalidFaultSpec(f"{self.saga.name} has no step {name!r}") from None

    def _on_lock_wait(self, name: str, waited: float) -> None:
        self.lock_waited.emit(
            f"Waiting for {name}: another process holds it ({waited:.0f} s so far, "
            f"at most {_LOCK_WAIT:.0f} s)…"
        )

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            lines = [
                (line.level, engine.format_log_line(event, line))
                for event in batch
                for line in engine.describe(event)
            ]
            self.events_ready.emit((batch, lines))
        if self._world_dirty:
            self._world_dirty = False
            self._emit_world()
        self._last_flush = time.monotonic()

    def _emit_world(self) -> None:
        if self.pacer.cancelled.is_set():
            return  # the window is closing: a snapshot nobody sees only delays the quit
        orchestrator = self._open()
        state = orchestrator.world.snapshot(orchestrator.store).to_dict()
        letters = [letter.to_dict() for letter in orchestrator.dead_letters()]
        state["dead_letters"] = letters
        state["other_processes"] = self._other_processes()
        self.world_changed.emit(state)

    def _other_processes(self) -> int:
        """How many other processes (windows, batches, runs) work in the data directory now."""
        store = self._open().store
        if store is None:
            return 0
        # Taking this window's own lease first makes it visible to the others too.
        own = store.owner_id
        return sum(owner != own for owner in engine.live_owners(store.owners))

    def _guarded(self, work: str) -> bool:
        """Open the world; on failure tell the window and return False."""
        try:
            self._open()
        except (BookingError, engine.SagaError) as exc:
            self.errored.emit(f"Cannot {work}: {exc}")
            return False
        return True

    # -- requests from the window ---------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Open the world, finish any saga a crash interrupted, and show the world."""
        if not self._guarded("open the data directory"):
            return
        self._other_processes()  # takes this window's lease: other processes see it open
        self.recover()

    @Slot()
    def refresh(self) -> None:
        """Send a fresh world snapshot."""
        if self._guarded("read the world"):
            self._emit_world()

    @Slot(object, object)
    def run_saga(self, booking_data: Mapping[str, Any], fault_specs: Mapping[str, Any]) -> None:
        """Validate ``booking_data`` and run one saga with the given fault specs.

        ``fault_specs`` maps a step key (``process_payment``) to a kind spec
        (``transient:2``), or is the window's ``LiveFaultPlan``, which changes
        while the saga runs.
        """
        if not self._guarded("run a saga"):
            return
        orchestrator = self._open()
        try:
            request = orchestrator.validate(dict(booking_data))
            # The window's live plan as it is: it changes while the saga runs.
            plan = (
                fault_specs
                if isinstance(fault_specs, booking.LiveFaultPlan)
                else {self._step_key(k): booking.parse_kind(v) for k, v in fault_specs.items()}
            )
        except InvalidBooking as exc:
            self.booking_rejected.emit(exc.field, exc.message)
            return
        except BookingError as exc:
            self.errored.emit(str(exc))
            return
        self.busy_changed.emit(True)
        try:
            result = orchestrator.run(request, plan)
        except engine.SimulatedCrash as crash:
            self._flush()
            self.crashed.emit(str(crash))
            return
        except engine.ParticipantUnavailable as exc:
            self._flush()
            self.stopped.emit(str(exc))
            return
        except (BookingError, engine.SagaError) as exc:
            self._flush()
            self.errored.emit(f"The saga stopped: {exc}")
            return
        finally:
            self.busy_changed.emit(False)
        self._finish(result)

    def _finish(self, result: SagaResult) -> None:
        self._world_dirty = True
        self._flush()
        self.saga_finished.emit(self._open().world.response(result))

    @Slot()
    def recover(self) -> None:
        """Finish every interrupted saga, visibly (paced like a run)."""
        if not self._guarded("recover"):
            return
        self.busy_changed.emit(True)
        try:
            results = self._open().recover()
        except (BookingError, engine.SagaError) as exc:
            self.errored.emit(f"Recovery failed: {exc}")
            results = []
        finally:
            self.busy_changed.emit(False)
        self._world_dirty = True
        self._flush()
        self.recovered.emit([self._open().world.response(r) for r in results])

    @Slot()
    def reset_world(self) -> None:
        """Restock the world; the saga log stays (the window asked the person first)."""
        if not self._guarded("restock the world"):
            return
        try:
            kept = booking.restock_world(self._open())
        except (BookingError, engine.SagaError) as exc:
            self._emit_world()
            self.world_reset.emit(f"Refused: {exc}")
            return
        self._emit_world()
        held = (
            f" {len(kept)} saga(s) still owed a compensation keep what they hold until it runs."
            if kept
            else ""
        )
        self.world_reset.emit(
            "<b>World restocked</b>: the default flights, seats and points again; the "
            f"History and the saga log are kept.{held}"
        )

    @Slot()
    def erase_history(self) -> None:
        """Forget the saga log and start the world again (the window asked first)."""
        if not self._guarded("erase the history"):
            return
        try:
            booking.erase_history(self._open())
        except (BookingError, engine.SagaError) as exc:
            self.world_reset.emit(f"Refused: {exc}")
            return
        self._emit_world()
        self.world_reset.emit(
            "<b>History erased</b>: the saga log is empty and the world is back to the "
            "default data."
        )

    @Slot(str, str)
    def retry_dead_letter(self, correlation_id: str, step: str) -> None:
        """Run a dead letter's compensation again."""
        self._dead_letter_action(correlation_id, step, retry=True)

    @Slot(str, str)
    def resolve_dead_letter(self, correlation_id: str, step: str) -> None:
        """Mark a dead letter settled by hand."""
        self._dead_letter_action(correlation_id, step, retry=False)

    def _dead_letter_action(self, correlation_id: str, step: str, *, retry: bool) -> None:
        if not self._guarded("reach the dead-letter queue"):
            return
        orchestrator = self._open()
        try:
            letter = orchestrator.find_dead_letter(f"{correlation_id}:{step}")
            if retry:
                if not orchestrator.retry_dead_letter(letter):
                    self.errored.emit(
                        f"{letter.compensation} failed again; it stays dead-lettered."
                    )
            else:
                orchestrator.resolve_dead_letter(letter)
        except (BookingError, engine.SagaError) as exc:
            self.errored.emit(str(exc))
        self._world_dirty = True
        self._flush()

    @Slot()
    def load_history(self) -> None:
        """Send the runs the durable saga log remembers (newest first)."""
        if not self._guarded("read the saga log"):
            return
        store = self._open().store
        if store is None:
            return
        try:
            sagas = store.sagas(limit=_HISTORY_FROM_LOG)
        except engine.SagaError as exc:
            self.errored.emit(str(exc))
            return
        self.history_loaded.emit([dataclasses.asdict(summary) for summary in sagas])

    @Slot()
    def count_history(self) -> None:
        """Count the saga log's sagas from before this window into the metrics (once)."""
        if self.metrics is None or not self._guarded("read the saga log"):
            return
        store = self._open().store
        until, self._history_until = self._history_until, None
        if store is None or until is None or self._history_counted:
            return
        from saga_desktop.monitoring import record_history

        self._history_counted = True
        try:
            record_history(store, self.metrics, until=until)
        except engine.SagaError as exc:
            self.errored.emit(str(exc))

    @Slot(str)
    def load_run(self, correlation_id: str) -> None:
        """Send a recorded run's events (for replay and the timeline)."""
        if not self._guarded("read the saga log"):
            return
        store = self._open().store
        try:
            events = store.history(correlation_id) if store is not None else []
        except engine.SagaError as exc:
            self.errored.emit(str(exc))
            return
        self.run_loaded.emit(correlation_id, events)

    @Slot(str)
    def read_run_file(self, path: str) -> None:
        """Read and check a run file (here, off the GUI thread: it may be 20 MB)."""
        try:
            run_file = booking.read_run(path)
        except BookingError as exc:
            self.run_file_refused.emit(path, str(exc))
            return
        self.run_file_read.emit(path, run_file)

    @Slot()
    def run_all_scenarios(self) -> None:
        """Run the guide's five scenarios on a scratch world and write the report."""
        logs = (
            self.data_dir if self.saga is None else booking.saga_world_dir(self.data_dir, self.saga)
        ) / "logs"
        report_path = logs / "saga_test_report.json"
        self.busy_changed.emit(True)
        try:
            report = booking.run_scenarios_on_scratch_world(
                self.data_dir, on_log_problem=self.warned.emit, saga=self.saga
            )
            booking.write_report(report, report_path)
        except (BookingError, engine.SagaError, OSError) as exc:
            self.errored.emit(f"The scenarios could not run: {exc}")
            return
        finally:
            self.busy_changed.emit(False)
        self.scenarios_finished.emit(report, str(report_path))

    @Slot(int, float, int, bool)
    def run_batch(self, count: int, failure_rate: float, seed: int, scratch: bool = False) -> None:
        """Run a batch of sagas with random failures; ``seed`` -1 draws one.

        ``scratch``: on a world of its own (``<data dir>/batch-world``, made afresh),
        so this world keeps its seats and points; otherwise on this world.
        """
        if not self._guarded("run a batch"):
            return
        try:
            plan = booking.BatchPlan(count, failure_rate, None if seed < 0 else seed)
            orchestrator = self._scratch_world() if scratch else self._open()
        except (BookingError, engine.SagaError) as exc:
            self.errored.emit(str(exc))
            return
        if scratch:
            orchestrator.tap = self.metrics
        self.pacer.batch_cancelled.clear()
        self._batch = True
        self.busy_changed.emit(True)
        try:
            report = booking.run_batch(
                orchestrator,
                plan,
                on_progress=self._on_batch_progress,
                cancelled=self.pacer.batch_cancelled,
                progress_interval=_BATCH_PROGRESS_INTERVAL,
            )
        except (BookingError, engine.SagaError) as exc:
            self.errored.emit(f"The batch stopped: {exc}")
            return
        finally:
            if scratch:
                orchestrator.close()
            self._batch = False
            self._world_dirty = True
            self._flush()
            self.busy_changed.emit(False)
        self.batch_finished.emit(report.to_dict() | {"scratch": scratch})

    def _scratch_world(self) -> BookingSagaOrchestrator:
        """An orchestrator on the batches' scratch world, made afresh."""
        busy = engine.BusyWait(limit=_LOCK_WAIT, on_wait=self._on_lock_wait)
        if self.saga is None:
            return booking.open_scratch_world(
                self.data_dir,
                listeners=(self._on_event,),
                busy=busy,
                on_log_problem=self.warned.emit,
            )
        # A saga file's scratch world: its own folder inside the batches' one.
        orchestrator = booking.BookingSagaOrchestrator(
            self.data_dir / "batch-world",
            listeners=[self._on_event],
            busy=busy,
            write_logs=False,
            saga=self.saga,
            # The Metrics tab follows the batch live (its sagas are the window's too).
            tap=self.metrics,
        )
        try:
            orchestrator.reset_world()
        except BaseException:
            orchestrator.close()
            raise
        return orchestrator

    def _on_batch_progress(self, progress: BatchProgress) -> None:
        data = dataclasses.asdict(progress)
        data["sagas_per_second"] = progress.sagas_per_second
        now = time.monotonic()
        # The world's check reads every saga: twice a second is plenty during a batch.
        if now - self._last_world >= _BATCH_WORLD_INTERVAL:
            self._last_world = now
            self._world_dirty = True
        self._flush()
        self.batch_progressed.emit(data)
