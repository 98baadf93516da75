"""What the banner, the status bar and the world panel say about the moment shown (no Qt).

Pure functions of :class:`~saga_desktop.gui.moment.WindowState`: the window
calls them whenever a fact comes in and shows what they return. A run's
outcome is worded from its events and the dead-letter queue as they are now,
so a stuck compensation that was retried since is said to be settled; a
replay is worded from the events replayed so far, never from the run's end.
"""

from __future__ import annotations

import dataclasses
import html
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from saga_desktop import booking, engine
from saga_desktop.gui.moment import Activity, Banner, Moment, RunRecord, response_from_events
from saga_desktop.gui.saga_figures import saga_world_at

if TYPE_CHECKING:
    from saga_desktop.booking import SagaSpec
    from saga_desktop.engine import SagaEvent
    from saga_desktop.gui.moment import WindowState

__all__ = ["StatusTexts", "WorldView", "banner", "outcome_banner", "status", "world_view"]

_HINT = "Flip a failure switch, then press <b>Run</b> (Ctrl+R)."


def _esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def _ended(events: Sequence[SagaEvent]) -> bool:
    return any(isinstance(e, engine.SagaCompleted | engine.SagaCompensated) for e in events)


def _said(events: Sequence[SagaEvent], saga: SagaSpec | None = None) -> str:
    """The last event, in the captions' plain words."""
    return _esc(booking.caption(events[-1], list(events[:-1]), saga))


def _compensations(
    cid: str,
    results: Sequence[dict[str, Any]],
    settled: dict[str, str],
    open_letters: frozenset[tuple[str, str]] | None,
) -> tuple[list[str], list[str]]:
    """The compensations as said now, and those still stuck in the dead-letter queue."""
    parts, stuck = [], []
    for result in results:
        name = str(result["step"])
        if result["success"]:
            parts.append(f"{_esc(name)} ✔")
        elif name in settled:
            how = "✔ on a dead-letter retry" if settled[name] == "retried" else "resolved by hand"
            parts.append(f"{_esc(name)} {how}")
        elif open_letters is not None and (cid, name) not in open_letters:
            parts.append(f"{_esc(name)} no longer in the dead-letter queue")
        else:
            parts.append(f"{_esc(name)} ✖ dead-lettered")
            stuck.append(name)
    return parts, stuck


def outcome_banner(
    response: dict[str, Any],
    events: Sequence[SagaEvent],
    open_letters: frozenset[tuple[str, str]] | None,
    head: str = "",
    saga: SagaSpec | None = None,
) -> Banner:
    """A run's outcome, worded as things stand: ``events`` may hold a later retry's.

    ``open_letters`` are the dead letters open now (None: as the events say);
    ``head`` (markup) says which run and moment this is; ``saga`` names a saga
    file's saga (the flight booking's words when None).
    """
    top = f"{head}<br>" if head else ""
    steps = f"{response.get('steps_completed')}/{response.get('total_steps')} steps"
    noun = "Booking" if saga is None else _esc(saga.title)
    if response.get("success") and saga is not None:
        return Banner("success", f"{top}<b>✔ {noun} completed</b> — {steps}")
    if response.get("success"):
        return Banner(
            "success",
            f"{top}<b>✔ Booking confirmed</b> — reference "
            f"<b>{_esc(response.get('booking_reference'))}</b> &nbsp;·&nbsp; {steps}",
        )
    if response.get("outcome") == "RUNNING":
        return Banner(
            "crash",
            f"{top}<b>⟲ Interrupted</b> — the orchestrator stopped before this saga ended; "
            "a restart recovers it.",
        )
    cid = str(response.get("correlation_id", ""))
    settled = {
        e.compensation: e.resolution for e in events if isinstance(e, engine.DeadLetterResolved)
    }
    results = (response.get("compensation_result") or {}).get("results", [])
    parts, stuck = _compensations(cid, results, settled, open_letters)
    was_stuck = any(not r["success"] for r in results)
    if stuck:
        kind, title = "dead", "✖ Failed, and a compensation is stuck in the dead-letter queue"
    elif was_stuck:
        kind, title = (
            "failure",
            f"✖ {noun} failed — reversed once the stuck compensation was settled",
        )
    else:
        kind, title = "failure", f"✖ {noun} failed — all changes reversed"
    failed = response.get("failed_step") or "none (the run was recovered after a crash)"
    return Banner(
        kind,
        f"{top}<b>{title}</b><br>Failed step: <b>{_esc(failed)}</b> — "
        f"{_esc(response.get('error', ''))}<br>Compensations: "
        + (" → ".join(parts) or "none needed"),
    )


def _run_head(record: RunRecord, what: str) -> str:
    when = time.strftime("%H:%M:%S", time.localtime(record.started))
    source = f", {_esc(record.source)}" if record.source else ""
    scenario = f" · {_esc(record.scenario)}" if record.scenario else ""
    return (
        f"<small>{what} run {_esc(record.correlation_id[:8])} from {when}{source}{scenario}</small>"
    )


def _replay_banner(state: WindowState, moment: Moment) -> Banner:
    record = state.runs.get(moment.correlation_id or "")
    events = (record.known_events() if record else None) or []
    shown = events[: moment.position]
    head = (
        f"<b>▷ Replay</b> of run {_esc((moment.correlation_id or '')[:8])} — "
        f"event {moment.position} of {moment.length}"
    )
    if not shown:
        return Banner("idle", f"{head}: at the start, nothing has happened yet.")
    if not _ended(shown):
        return Banner("running", f"{head}<br>{_said(shown, state.saga)}")
    # As it was then: the dead letters are those the replayed events leave open.
    return outcome_banner(response_from_events(shown), shown, None, head, state.saga)


def _selected_banner(state: WindowState, moment: Moment) -> Banner:
    record = state.runs.get(moment.correlation_id or "")
    if record is None:
        return Banner("idle", "This run's log was forgotten (history limit).")
    response = record.outcome()
    head = _run_head(record, "Selected in the History:")
    if response is None:
        return Banner("idle", f"{head}<br>Reading this run from the saga log…")
    return outcome_banner(
        response, record.known_events() or [], state.open_letters(), head, state.saga
    )


def _paused_banner(state: WindowState, events: Sequence[SagaEvent]) -> Banner:
    step = "Press <b>Step</b> for the next event or <b>Resume</b>."
    if state.breakpoint is not None and state.breakpoint[1] == len(events):
        return Banner("running", f"<b>⏸ Breakpoint</b>: paused {_esc(state.breakpoint[0])}. {step}")
    if not events:
        return Banner("running", f"<b>⏸ Paused</b> before the saga's first event. {step}")
    return Banner(
        "running",
        f"<b>⏸ Paused</b> after event {len(events)}: {_said(events, state.saga)}<br>{step}",
    )


def _live_banner(state: WindowState) -> Banner:
    record = state.live_run()
    if state.activity is Activity.SAGA:
        events = (record.events if record and record.events is not None else None) or []
        if record is not None and _ended(events):
            events = []  # the run just started: its saga has no event yet
        if state.paused:
            return _paused_banner(state, events)
        what = "booking" if state.saga is None else _esc(state.saga.title)
        return Banner("running", f"Running the {what} saga…")
    if state.activity is not Activity.IDLE:
        return state.notice or Banner("running", "Working…")
    if state.crash is not None:
        return state.crash
    if state.notice is not None:
        return state.notice
    response = record.outcome() if record else None
    if record is None or response is None:
        return Banner("idle", _HINT)
    return outcome_banner(
        response, record.known_events() or [], state.open_letters(), saga=state.saga
    )


def banner(state: WindowState) -> Banner:
    """The banner of the moment shown."""
    if state.moment.kind == "replay":
        return _replay_banner(state, state.moment)
    if state.moment.kind == "selected":
        return _selected_banner(state, state.moment)
    return _live_banner(state)


@dataclasses.dataclass(frozen=True, slots=True)
class StatusTexts:
    """The status bar's texts, and the correlation id Copy copies ("" for none)."""

    step: str
    elapsed: str
    correlation: str
    correlation_id: str


def _last_step(events: Sequence[SagaEvent]) -> str:
    for event in reversed(events):
        name = getattr(event, "compensation", None) or getattr(event, "step", None)
        if name:
            return str(name)
    return "–"


def status(state: WindowState, live_elapsed: float | None) -> StatusTexts:
    """The status bar of the moment shown; ``live_elapsed`` is the live run's clock."""
    moment = state.moment
    record = state.shown_run()
    if record is None:
        return StatusTexts("Step: –", "Elapsed –", "Correlation –", "")
    cid = record.correlation_id
    if moment.kind == "live":
        events = record.events or []
        step = f"Step: {_last_step(events)}"
        if state.crash is not None and state.activity is Activity.IDLE:
            step = "Step: orchestrator crashed"
        # The clock runs while the saga does; after it, the run's own duration.
        seconds = live_elapsed if state.activity is Activity.SAGA else record.seconds()
        elapsed = "Elapsed –" if seconds is None else f"Elapsed {seconds:.1f} s"
        return StatusTexts(step, elapsed, f"Correlation {cid}", cid)
    events = record.known_events() or []
    if moment.kind == "replay":
        shown = events[: moment.position]
        since = shown[-1].at - shown[0].at if shown else 0.0
        return StatusTexts(
            f"Step: {_last_step(shown)}",
            f"Replay {moment.position}/{moment.length} · {since:.2f} s in",
            f"Correlation {cid} (replay)",
            cid,
        )
    seconds = record.seconds()
    took = "–" if seconds is None else f"{seconds:.2f} s"
    return StatusTexts(
        f"Step: {_last_step(events)}", f"Took {took}", f"Correlation {cid} (selected)", cid
    )


@dataclasses.dataclass(frozen=True, slots=True)
class WorldView:
    """The figures the world panel shows, and its title (which moment they belong to)."""

    state: dict[str, Any] | None
    title: str
    live: bool


def world_view(state: WindowState) -> WorldView:
    """The world panel's figures for the moment shown."""
    moment = state.moment
    record = state.shown_run()
    if moment.kind == "live" or record is None:
        return WorldView(state.world, "World", True)
    if moment.kind == "replay" and record.world_before is not None:
        events = (record.known_events() or [])[: moment.position]
        figures = (
            booking.world_at(record.world_before, events)
            if state.saga is None
            else saga_world_at(state.saga, record.world_before, events)
        )
        return WorldView(figures, f"World at event {moment.position} of {moment.length}", False)
    if record.world_after is not None:
        return WorldView(record.world_after, "World after that run", False)
    # Not recorded (a run from the saga log or an imported one without figures): say so.
    return WorldView(state.world, "World now (that run recorded no figures)", True)
