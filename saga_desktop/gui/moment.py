"""The window's state, with no Qt: the runs it knows, and which moment it shows.

The window shows one moment at a time: the **live** side (what the worker does
or last did), a recorded run **replayed** at event *k*, or a run **selected**
in the History. Banner, cards, world panel and status bar all describe that
one moment. This module holds the state they are derived from (typed run
records, the moment, what the live side is doing); :mod:`saga_desktop.gui.moment_text`
derives the words. The window feeds it facts (events, responses, world
snapshots, a person's choices) and renders what is derived: no slot writes the
banner by hand, so it cannot describe another moment than the cards do.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from saga_desktop import engine

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec
    from saga_desktop.engine import SagaEvent

__all__ = [
    "LIVE",
    "Activity",
    "Banner",
    "Moment",
    "RunContext",
    "RunRecord",
    "WindowState",
    "response_from_events",
]

# History keeps this many runs before forgetting the oldest.
HISTORY_LIMIT = 500


class Activity(enum.Enum):
    """What the live side is doing."""

    IDLE = "idle"
    SAGA = "saga"
    RECOVERY = "recovery"
    BATCH = "batch"
    SCENARIOS = "scenarios"


@dataclasses.dataclass(frozen=True, slots=True)
class Moment:
    """Which moment is shown: ``live``, ``replay`` (at ``position`` of ``length``), ``selected``."""

    kind: str
    correlation_id: str | None = None
    position: int = 0
    length: int = 0


#: The live side: what the worker does now, or last did.
LIVE = Moment("live")


@dataclasses.dataclass(frozen=True, slots=True)
class Banner:
    """The result banner: its look (``idle``, ``running``, ``success``, ...) and rich text."""

    kind: str
    html: str


@dataclasses.dataclass(slots=True)
class RunContext:
    """What the next run started in this window runs under, kept in its record."""

    #: The request (the booking, or a saga file's request fields).
    booking: dict[str, Any] | None = None
    #: The failure switches as ``{step key: kind spec}``.
    faults: dict[str, str] = dataclasses.field(default_factory=dict)
    #: The scenario picked ("" for none).
    scenario: str = ""
    #: The world's snapshot before the run.
    world_before: dict[str, Any] | None = None


@dataclasses.dataclass(slots=True)
class RunRecord:
    """A run the window knows: made here, read back from the saga log, or imported.

    ``events`` are every event of the run the window saw (a later dead-letter
    retry's too); None until known (a run from the saga log is read on demand).
    ``source`` says where a run not made in this window came from, or that it
    was recovered; ``scenario`` is what it ran under ("" when not known).
    """

    correlation_id: str
    started: float
    response: dict[str, Any] | None = None
    events: list[SagaEvent] | None = None
    booking: dict[str, Any] | None = None
    faults: dict[str, str] = dataclasses.field(default_factory=dict)
    #: False when the faults it ran under are not known (a run of the saga log).
    faults_known: bool = True
    scenario: str = ""
    world_before: dict[str, Any] | None = None
    world_after: dict[str, Any] | None = None
    source: str = ""
    duration: float | None = None
    ended: float | None = None
    #: What the saga log's summary says of a run whose events are not read yet.
    source_outcome: str = ""
    source_failed_step: str = ""

    def known_events(self) -> list[SagaEvent] | None:
        """The run's events, from its response's ``saga_log`` when not kept as events."""
        if self.events is None and self.response and self.response.get("saga_log"):
            self.events = [engine.event_from_dict(entry) for entry in self.response["saga_log"]]
        return self.events

    def outcome(self) -> dict[str, Any] | None:
        """The run's response object (made from its events when none was kept)."""
        if self.response is not None:
            return self.response
        events = self.known_events()
        return response_from_events(events) if events else None

    def seconds(self) -> float | None:
        """How long the run took: from its start to its last event (a recovery's too)."""
        if self.duration is not None:
            return self.duration
        events = self.events
        if events:
            return max(0.0, events[-1].at - self.started)
        return None if self.ended is None else max(0.0, self.ended - self.started)


def response_from_events(events: Sequence[SagaEvent]) -> dict[str, Any]:
    """A summary of a recorded run in the shape of the guide's response object.

    Used for runs read back from the saga log or a run file, where the
    original response object is not at hand.
    """
    queue = engine.SagaMemoryQueue.from_events(events)
    cid = events[0].correlation_id if events else ""
    end = next(
        (
            e
            for e in reversed(events)
            if isinstance(e, engine.SagaCompleted | engine.SagaCompensated)
        ),
        None,
    )
    response: dict[str, Any] = {
        "success": isinstance(end, engine.SagaCompleted),
        "correlation_id": cid,
        "outcome": queue.outcome.value,
        "steps_completed": len(queue.completed),
        "total_steps": len(queue.statuses),
    }
    if isinstance(end, engine.SagaCompleted):
        confirm = end.results.get("CONFIRM_BOOKING", {})
        response["booking_reference"] = confirm.get("booking_reference")
    elif isinstance(end, engine.SagaCompensated):
        response["failed_step"] = end.failed_step
        response["error"] = end.error
        results = [{"step": name, "success": True} for name in end.compensated]
        results += [{"step": name, "success": False} for name in end.dead_letters]
        response["compensation_result"] = {
            "total_compensations": len(results),
            "successful_compensations": len(end.compensated),
            "results": results,
        }
        response["dead_letters"] = list(end.dead_letters)
        response["recovered"] = end.recovered
    else:
        response["failed_step"] = None
        response["error"] = "the run was interrupted (the orchestrator crashed)"
        response["compensation_result"] = {
            "total_compensations": 0,
            "successful_compensations": 0,
            "results": [],
        }
    return response


@dataclasses.dataclass
class WindowState:
    """Everything the banner, status bar and world panel are derived from.

    Attributes
    ----------
    runs
        The runs the window knows, oldest first (at most ``HISTORY_LIMIT``).
    moment
        Which moment is shown.
    live
        The run the live side follows (the last one started, or acted upon).
    activity
        What the live side is doing.
    paused
        The pacer is paused.
    breakpoint
        Where the last breakpoint paused, and how many live events had been
        seen then: once a Step moves past it, the banner says what happened since.
    crash
        The banner of a crashed or stopped run, until the orchestrator restarts.
    notice
        The live side's last word that is no run's outcome (a scenario picked,
        a reset, a batch's end); None when the live run's outcome speaks.
    world
        The live world's last snapshot (with ``dead_letters``).
    """

    runs: OrderedDict[str, RunRecord] = dataclasses.field(default_factory=OrderedDict)
    moment: Moment = LIVE
    live: str | None = None
    activity: Activity = Activity.IDLE
    paused: bool = False
    breakpoint: tuple[str, int] | None = None
    crash: Banner | None = None
    notice: Banner | None = dataclasses.field(
        default_factory=lambda: Banner(
            "idle", "Flip a failure switch, then press <b>Run</b> (Ctrl+R)."
        )
    )
    world: dict[str, Any] | None = None
    #: The saga file's saga the window runs (None for the flight booking).
    saga: SagaSpec | None = None
    #: What the next run started here runs under.
    context: RunContext = dataclasses.field(default_factory=RunContext)

    # -- the runs -----------------------------------------------------------------

    def remember(self, record: RunRecord, *, newest: bool = True) -> RunRecord:
        """Keep ``record`` (replacing one of the same run); forget the oldest beyond the limit."""
        self.runs[record.correlation_id] = record
        self.runs.move_to_end(record.correlation_id, last=newest)
        while len(self.runs) > HISTORY_LIMIT:
            self.runs.popitem(last=False)
        return record

    def live_run(self) -> RunRecord | None:
        """The run the live side follows, if known."""
        return self.runs.get(self.live or "")

    def shown_run(self) -> RunRecord | None:
        """The run of the moment shown (the live run, the replayed or the selected one)."""
        if self.moment.kind == "live":
            return self.live_run()
        return self.runs.get(self.moment.correlation_id or "")

    def open_letters(self) -> frozenset[tuple[str, str]] | None:
        """``(correlation id, compensation)`` of the open dead letters (None before a snapshot)."""
        if self.world is None:
            return None
        return frozenset(
            (str(letter.get("correlation_id")), str(letter.get("compensation")))
            for letter in self.world.get("dead_letters", [])
        )

    # -- facts from the live side -----------------------------------------------

    def start(
        self, activity: Activity, context: RunContext | Mapping[str, Any] | None = None
    ) -> None:
        """The live side begins something: the window shows it.

        ``context`` is what a run started now runs under (its fields as a
        mapping are taken too).
        """
        self.activity = activity
        self.moment = LIVE
        self.notice = None
        self.breakpoint = None
        if context is not None:
            self.context = (
                context if isinstance(context, RunContext) else RunContext(**dict(context))
            )

    def take_events(self, events: Iterable[SagaEvent]) -> bool:
        """Record live events; return True when the live run changed to one seen before.

        A new saga (``SagaStarted``) becomes the live run, with the context of
        its start; an event of another known run (a dead-letter retry, a
        recovery) makes that run the live one, and its record keeps the event.
        """
        switched = False
        context = self.context
        for event in events:
            cid = event.correlation_id
            record = self.runs.get(cid)
            if isinstance(event, engine.SagaStarted) and (record is None or not record.events):
                record = self.remember(
                    RunRecord(
                        cid,
                        event.at,
                        events=[],
                        booking=context.booking,
                        faults=dict(context.faults),
                        scenario=context.scenario,
                        world_before=context.world_before,
                    )
                )
                self.live = cid
            elif record is None or record.events is None:
                continue  # a run whose events are read from the saga log when shown
            elif cid != self.live:
                self.live, switched = cid, True
            if record.events is not None:
                record.events.append(event)
            self.moment = LIVE
        return switched

    def finish(
        self, response: Mapping[str, Any], world_after: Mapping[str, Any] | None, ended: float
    ) -> RunRecord:
        """A saga ended (or was recovered): its record gets its response and figures."""
        cid = str(response["correlation_id"])
        record = self.runs.get(cid)
        if record is None:
            # A saga this window did not start (recovered at start-up): its log says when.
            log = response.get("saga_log") or [{}]
            record = self.remember(RunRecord(cid, float(log[0].get("at", ended))))
        record.response = dict(response)
        record.world_after = dict(world_after) if world_after is not None else None
        record.ended = ended
        self.live = cid
        self.notice = None
        return record
