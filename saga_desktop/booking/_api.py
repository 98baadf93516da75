"""The guide's public API: ``BookingSagaOrchestrator`` (``BookingSagaService`` is beside it)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saga_desktop.booking import _faults
from saga_desktop.booking._commitgroup import (
    GROUP_SAGAS,
    GROUP_SECONDS,
    CommitGroup,
    commit_nothing,
)
from saga_desktop.booking._datadir import SAGA_LOG_DB, checked_folder, remove_database
from saga_desktop.booking._exceptions import DatabaseUnusable, DataDirectoryBusy, InvalidBooking
from saga_desktop.booking._faultkinds import FAULT_KINDS, Hook
from saga_desktop.booking._faults import Fault, FaultPlan, plan_from_failure_scenarios
from saga_desktop.booking._logs import LoggedEventStore, SagaLogFiles
from saga_desktop.booking._paths import default_data_dir
from saga_desktop.booking._request import BookingRequest
from saga_desktop.booking._response import guide_response
from saga_desktop.booking._saga import CrashHook, FaultInjector
from saga_desktop.booking._sagaworld import SAGAS_FOLDER, ServiceWorld, saga_world_dir
from saga_desktop.booking._spec import SagaSpec
from saga_desktop.booking._tap import tapped
from saga_desktop.booking._world import FlightWorld
from saga_desktop.engine import (
    DeadLetter,
    EventSink,
    Listener,
    SagaDefinition,
    SagaOrchestrator,
    SagaResult,
    SqliteEventStore,
    VirtualClock,
)
from saga_desktop.engine._sqlite import BusyWait

if TYPE_CHECKING:  # loaded only by a run that talks by messages
    from saga_desktop.booking._messages import MessageServices, MessageSetup

__all__ = [
    "GROUP_SAGAS",
    "GROUP_SECONDS",
    "SAGA_LOG_DB",
    "BookingSagaOrchestrator",
    "CommitGroup",
    "guide_response",
]

#: What run() reuses: (the participants and clock it was built for, its injector, it,
#: and the services' own definition when they talk by messages).
_CachedDefinition = tuple[tuple[object, ...], FaultInjector, SagaDefinition, SagaDefinition | None]
#: What run() reuses: (everything the engine was built from, the engine).
_CachedEngine = tuple[tuple[object, ...], SagaOrchestrator]


def _services(
    world: FlightWorld | ServiceWorld, setup: MessageSetup | None
) -> MessageServices | None:
    from saga_desktop.booking._messages import MessageServices

    return MessageServices(world, setup) if setup is not None else None


class BookingSagaOrchestrator:
    """Runs booking sagas on the world in a data directory (the guide's orchestrator).

    Parameters
    ----------
    data_dir
        The world's directory; the per-user data directory when omitted.
    listeners
        Called with every event of every saga, after the log file is written.
        Without listeners, a durable saga commits its saga log when it starts
        and when it ends (see :class:`SagaOrchestrator`), and the log file gets
        the lines of each commit.
    durable
        Write every event to the saga log ``saga_log.db`` before acting on it,
        so that sagas interrupted by a crash can be recovered.
    on_crash
        What a ``crash`` fault does (default: raise ``SimulatedCrash``).
    clock
        Time of the saga log; its ``sleep`` moves the simulated time on (backoff,
        late replies), which timeouts are measured on; the stamps never pass the
        wall clock.
    rng
        Source of retry jitter.
    write_logs
        Append to ``logs/saga_orchestrator.log`` and ``logs/saga_bookings.log``.
    keep_events
        Keep each saga's events (its ``saga_log``) in the result.
    log_dir
        Where the log files go; ``<data_dir>/logs`` when omitted.
    saga
        Run this saga file's saga instead of the flight booking: its world (and
        saga log and logs) live in ``<data_dir>/sagas/<name>``.
    busy
        How long to wait for a database another process holds (a running or
        paused batch), and who hears of the wait.
    deep
        Check every database's integrity on opening, however large (see
        :class:`FlightWorld`).
    tap
        Called with every event once the saga log has it (metrics, traces). Not
        a listener: the saga log keeps grouping its commits (see ``_tap``).
    messages
        Talk to the participants by messages (services on threads, behind the
        in-process transport, with these message faults) instead of calling
        them; ``None``: direct calls.
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        *,
        listeners: Iterable[Listener] = (),
        durable: bool = True,
        on_crash: Callable[[str], None] | None = None,
        clock: VirtualClock | None = None,
        rng: random.Random | None = None,
        write_logs: bool = True,
        keep_events: bool = True,
        log_dir: Path | None = None,
        saga: SagaSpec | None = None,
        busy: BusyWait | None = None,
        deep: bool = False,
        tap: Listener | None = None,
        messages: MessageSetup | None = None,
    ) -> None:
        self.tap = tap
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.busy = busy if busy is not None else BusyWait()
        self.saga = saga
        self.world: FlightWorld | ServiceWorld
        if saga is None:
            self.world = FlightWorld(self.data_dir, busy=self.busy, deep=deep)
        else:
            checked_folder(self.data_dir / SAGAS_FOLDER, "the sagas' worlds")
            self.data_dir = saga_world_dir(self.data_dir, saga)
            self.world = ServiceWorld(saga, self.data_dir, busy=self.busy, deep=deep)
        self.listeners = list(listeners)
        try:
            self.store = (
                SqliteEventStore(
                    self.data_dir / SAGA_LOG_DB,
                    create=False,
                    busy=self.busy,
                    check=self.world.check,
                )
                if durable
                else None
            )
            self.messages = _services(self.world, messages)
        except BaseException:
            store: SqliteEventStore | None = getattr(self, "store", None)
            if store is not None:
                store.close()
            self.world.close()
            raise
        self.on_crash = on_crash
        self.clock = clock or VirtualClock()
        self.rng = rng or random.Random()
        self.keep_events = keep_events
        self.logs = SagaLogFiles(log_dir or self.data_dir / "logs") if write_logs else None
        self._cached_definition: _CachedDefinition | None = None
        self._cached_engine: _CachedEngine | None = None
        self._logged_store: LoggedEventStore | None = None
        self._tapped_sink: tuple[EventSink | None, Listener, EventSink] | None = None

    def close(self) -> None:
        """Close the world's databases and the log files (and stop the services)."""
        if self.messages is not None:
            self.messages.close()
        self.world.close()
        if self.store is not None:
            self.store.close()
        if self.logs is not None:
            self.logs.close()

    def __enter__(self) -> BookingSagaOrchestrator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def validate(self, booking_data: object) -> BookingRequest | dict[str, Any]:
        """Check the shape of the request data (the guide's, or a saga file's request).

        No service's database is read: an unknown flight or user, a full flight or
        too few points are refused by the participant concerned, during the saga.

        Raises
        ------
        InvalidBooking
            When a field is wrong; nothing is started or changed.
        """
        return self.world.validate(booking_data)

    def orchestrator(self, faults: FaultPlan | None = None) -> SagaOrchestrator:
        """Return an engine orchestrator for the booking saga with ``faults`` planned."""
        plan = dict(faults or {})
        return self._engine(plan, self.definition(plan))

    def _sink(self) -> EventSink | None:
        # With a saga log, the orchestrator log is written behind it rather than
        # by a listener: a saga nobody listens to commits its log twice, not once
        # per event (SagaOrchestrator), and the text never runs ahead of the log.
        store, logs = self.store, self.logs
        sink: EventSink | None = store
        if store is not None and logs is not None:
            logged = self._logged_store
            if logged is None or logged.store is not store or logged.logs is not logs:
                logged = self._logged_store = LoggedEventStore(store, logs)
            sink = logged
        tap = self.tap
        if tap is None:
            return sink
        # The same wrapper while nothing changed: the engine is reused by identity.
        cached = self._tapped_sink
        if cached is None or cached[0] is not sink or cached[1] is not tap:
            cached = self._tapped_sink = (sink, tap, tapped(sink, tap))
        return cached[2]

    def _engine(
        self, plan: FaultPlan, definition: SagaDefinition, *, reuse: bool = False
    ) -> SagaOrchestrator:
        # A live plan may gain a crash while the saga runs: its hook is always there.
        kinds = (FAULT_KINDS[fault.kind].hook for fault in plan.values())
        crash = isinstance(plan, _faults.LiveFaultPlan) or Hook.ORCHESTRATOR in kinds
        sink = self._sink()
        # run() is a batch's hot path: it reuses an engine built from the same parts,
        # never handed out (one with a crash hook is not reused: the hook holds its plan).
        reuse = reuse and not crash
        key = (definition, sink, self.logs, self.clock, self.rng, self.keep_events, *self.listeners)
        cached = self._cached_engine
        if (
            reuse
            and cached is not None
            and len(cached[0]) == len(key)
            and all(a is b for a, b in zip(cached[0], key, strict=True))
        ):
            return cached[1]
        listeners: list[Listener] = []
        if self.logs is not None and self.store is None:
            listeners.append(self.logs)
        listeners.extend(self.listeners)
        # Last, so that every other listener has seen the step complete before dying.
        # Only when a crash is planned: a saga nobody listens to commits its saga log
        # twice instead of once per event (SagaOrchestrator).
        if crash:
            listeners.append(CrashHook(plan, self.on_crash))
        engine = SagaOrchestrator(
            definition,
            listeners=listeners,
            sink=sink,
            clock=self.clock.time,
            sleep=self.clock.sleep,
            timer=self.clock.simulated,
            rng=self.rng,
            keep_events=self.keep_events,
        )
        if reuse:
            self._cached_engine = (key, engine)
        return engine

    def _run_definition(self, plan: FaultPlan) -> SagaDefinition:
        # run() is a batch's hot path: it reuses one definition and gives its injector
        # the next plan. The definition is never handed out, so nobody else sees the
        # swap; a reset world (new participants) or a new clock builds it again.
        key = (*self.world.participants, self.clock, self.messages)
        cached = self._cached_definition
        if cached is not None and all(a is b for a, b in zip(cached[0], key, strict=True)):
            cached[1].replan(plan)
            if self.messages is not None and cached[3] is not None:
                self.messages.serve_definition(cached[3])
            return cached[2]
        injector = FaultInjector(plan, self.clock.sleep, self.world.errors)
        definition, served = self._definition_with(injector)
        self._cached_definition = (key, injector, definition, served)
        return definition

    def step_retries(self) -> dict[str, int]:
        """Attempts after the first, by step, of the sagas :meth:`run` ran so far."""
        cached = self._cached_definition
        return dict(cached[1].retries) if cached is not None else {}

    def _definition_with(
        self, injector: FaultInjector
    ) -> tuple[SagaDefinition, SagaDefinition | None]:
        # By messages, the services do the work with their own definition (the same
        # injector), and the orchestrator's steps send them commands.
        definition = self.world.definition(injector)
        if self.messages is None:
            return definition, None
        served = self.messages.serve(injector)
        return self.messages.commands(definition, self.clock.sleep), served

    def definition(self, faults: FaultPlan | None = None) -> SagaDefinition:
        """Return the booking saga's definition on this world with ``faults`` planned."""
        injector = FaultInjector(faults or {}, self.clock.sleep, self.world.errors)
        return self._definition_with(injector)[0]

    def run(
        self,
        request: BookingRequest | Mapping[str, Any],
        faults: FaultPlan | None = None,
        *,
        correlation_id: str | None = None,
    ) -> SagaResult:
        """Run one booking saga for a checked request.

        Returns
        -------
        SagaResult
            How the saga ended; its response is also appended to ``saga_bookings.log``.
        """
        plan = faults if isinstance(faults, _faults.LiveFaultPlan) else dict(faults or {})
        engine = self._engine(plan, self._run_definition(plan), reuse=True)
        with self._dies_with_the_saga():
            payload = request.to_payload() if isinstance(request, BookingRequest) else request
            result = engine.run(payload, correlation_id=correlation_id)
        self.record(result)
        return result

    @contextlib.contextmanager
    def _dies_with_the_saga(self, doing: str = "The saga had begun") -> Iterator[None]:
        # A saga that stops half way without the process dying (a simulated crash,
        # a participant out of reach) is left as a dead process leaves it: its owner
        # gives it up, so that recovery (in this process too) can take it over.
        try:
            yield
        except (DataDirectoryBusy, DatabaseUnusable) as exc:
            self._release_ownership()
            raise type(exc)(
                f"{exc}. {doing}: it stopped unfinished, nothing was compensated "
                "for the step that never ran, and `saga-desktop recover` (or the window's "
                "start) undoes what it did once the directory can be used again"
            ) from None
        except BaseException:
            self._release_ownership()
            raise

    def _release_ownership(self) -> None:
        if self.store is not None:
            self.store.release_ownership()

    @contextlib.contextmanager
    def commit_groups(self) -> Iterator[CommitGroup]:
        """Group the commits of the sagas run inside, for throughput (batches).

        Yields a :class:`CommitGroup`: call it to make every saga run so far
        durable, or tell it of each saga that ended and it commits every
        ``GROUP_SAGAS`` sagas or ``GROUP_SECONDS``; the group is committed when
        the block ends, too. Each saga stays a saga: every
        participant operation is all-or-nothing (a savepoint) and the saga log
        holds every event. What changes is when they become durable: at each
        group commit, in an order that keeps a crash recoverable at any moment:

        1. the sagas' starts, in the saga log;
        2. each participant's operations (seats, points, payments, bookings);
        3. every other event of the sagas, their ends included.

        A crash before 1 loses the group's sagas whole (nothing of them is
        durable anywhere). A crash between 1 and 3 leaves sagas the log shows
        started and not ended: recovery undoes every step they list, newest
        first, whatever was durable (undoing an action that never became
        durable leaves a tombstone). The log never shows an end whose effects
        are not durable.

        Only a saga log nobody listens to groups its commits: with listeners
        (the window), text log files or no saga log, the block runs the sagas
        as usual and committing does nothing.

        Raises
        ------
        EventStoreError
            When the saga log cannot be written; the participants' pending
            operations are rolled back then, so nothing outlives a lost start.
        """
        store = self.store
        # Services that talk by messages commit each command themselves.
        if store is None or self.logs is not None or self.listeners or self.messages is not None:
            yield CommitGroup(commit_nothing)
            return
        participants = self.world.participants

        def commit_group() -> None:
            try:
                store.commit_starts()
                for participant in participants:
                    participant.commit_group()
            except BaseException:
                # What the log would say next may not be true any more: it is
                # dropped with whatever is not durable. Recovery finishes the
                # sagas whose starts made it.
                store.discard_staged()
                for participant in participants:
                    participant.rollback_group()
                raise
            store.commit_held()

        store.hold_commits(True)
        for participant in participants:
            participant.begin_group()
        try:
            yield CommitGroup(commit_group)
        finally:
            # After an error too: what the sagas did is committed in the safe order,
            # and a saga cut short is left started, for recovery to finish.
            try:
                commit_group()
            finally:
                store.hold_commits(False)
                for participant in participants:
                    participant.end_group()

    def record(self, result: SagaResult) -> None:
        """Append a finished saga's response to ``saga_bookings.log``."""
        if self.logs is not None:
            self.logs.write_booking(self.world.response(result))

    def recover(self) -> list[SagaResult]:
        """Finish every saga that a crash left interrupted, oldest first.

        Only sagas whose owner is gone are taken over (a saga another live
        process runs is left alone), each by one recoverer however many run at
        once. Each step that may have run is compensated, newest first;
        idempotency makes undoing a step that never applied a no-op.

        Returns
        -------
        list of SagaResult
            One per recovered saga (empty when nothing was interrupted).
        """
        store = self.store
        if store is None:
            return []
        results = []
        for correlation_id in store.claim_orphans():
            history = store.history(correlation_id)
            with self._dies_with_the_saga("A saga was being recovered"):
                result = self.orchestrator().recover(history)
            self.record(result)
            results.append(result)
        return results

    def dead_letters(self) -> list[DeadLetter]:
        """Compensations waiting in the dead-letter queue, oldest first."""
        return self.store.dead_letters() if self.store is not None else []

    def find_dead_letter(self, reference: str) -> DeadLetter:
        """Return the dead letter whose correlation id starts with ``reference``.

        ``reference`` may also be ``<id prefix>:<STEP>`` when one saga has several.

        Raises
        ------
        InvalidBooking
            When no dead letter, or more than one, matches.
        """
        prefix, _, step = reference.partition(":")
        matches = [
            letter
            for letter in self.dead_letters()
            if letter.correlation_id.startswith(prefix.strip())
            and (not step or letter.step == step.strip().upper())
        ]
        if not prefix.strip() or not matches:
            raise InvalidBooking("dead_letter", f"no dead letter matches {reference!r}")
        if len(matches) > 1:
            raise InvalidBooking(
                "dead_letter",
                f"{reference!r} matches {len(matches)} dead letters: give more of the id, "
                "or ID:STEP",
            )
        return matches[0]

    def retry_dead_letter(self, letter: DeadLetter) -> bool:
        """Run a dead letter's compensation again; return True if it left the queue.

        A retriable step's dead letter is its action: that runs again, with the
        saga's request and results from the saga log, and the saga goes on.
        """
        history = self.store.history(letter.correlation_id) if self.store is not None else ()
        record = self.orchestrator().retry_dead_letter(
            letter.correlation_id, letter.step, history=history
        )
        return record.success

    def resolve_dead_letter(self, letter: DeadLetter) -> None:
        """Record that a person settled a dead letter by hand (nothing is run)."""
        self.orchestrator().resolve_dead_letter(letter.correlation_id, letter.step)

    def reset_world(self) -> None:
        """Back to the default data: the world and the saga log start again."""
        messages, self.messages = self.messages, None
        if messages is not None:
            messages.close()  # its connections are to the databases thrown away
        self.world.reset()
        self.messages = _services(self.world, messages.setup if messages else None)
        if self.store is not None:
            self.store.close()
            remove_database(self.data_dir / SAGA_LOG_DB)
            self.store = SqliteEventStore(self.data_dir / SAGA_LOG_DB, busy=self.busy)

    def start_booking_saga(
        self,
        booking_data: Mapping[str, Any],
        failure_scenarios: Mapping[str, object] | None = None,
        *,
        faults: Mapping[str, Fault] | None = None,
    ) -> dict[str, Any]:
        """Run one booking saga and return the guide's response object.

        Parameters
        ----------
        booking_data
            The guide's request data.
        failure_scenarios
            The guide's map of step key → ``True`` to make that step fail.
        faults
            Richer failure injection (step key → :class:`Fault`); wins over
            ``failure_scenarios`` for the same step.

        Returns
        -------
        dict
            The guide's success or failure response (see :func:`guide_response`).

        Raises
        ------
        InvalidBooking
            When the request is wrong; no saga is started, nothing changes.
        InvalidFaultSpec
            When ``failure_scenarios`` names an unknown step.
        """
        request = self.validate(booking_data)
        plan = plan_from_failure_scenarios(failure_scenarios)
        plan.update(faults or {})
        return self.world.response(self.run(request, plan))
