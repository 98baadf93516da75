"""The window's side of the worker: its reports, gathered into frames and shown.

Every slot here takes a fact from the worker thread (events, world snapshots,
responses, a crash, a batch's end) into the window's state, and shows it with
the next frame (at most one every ``FRAME_MS``).
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot

from saga_desktop import booking, engine
from saga_desktop.gui.moment import (
    Activity,
    Banner,
    RunRecord,
)
from saga_desktop.gui.pipeline import PipelineFrame as _PipelineFrame
from saga_desktop.gui.pipeline import show_event
from saga_desktop.gui.replay import what_is_left
from saga_desktop.gui.window_base import WindowBase

if TYPE_CHECKING:
    from saga_desktop.engine import SagaEvent
    from saga_desktop.gui.paced_waits import PacedWait


class WindowLive(WindowBase):
    """The worker's reports, taken into the window's state and shown."""

    @Slot()
    def _on_poll_timer_timeout(self) -> None:
        if not self._busy and not self._closed:
            self.refresh_requested.emit()

    @Slot()
    def _on_frame_timer_timeout(self) -> None:
        self._flush_frame()

    def _flush_frame(self) -> None:
        """Show everything the worker reported since the last frame, in order."""
        self._frame_timer.stop()
        self._frame_clock.start()
        events, self._frame_events = self._frame_events, []
        lines, self._frame_lines = self._frame_lines, []
        world, self._frame_world = self._frame_world, None
        finished, self._frame_finished = self._frame_finished, []
        if world is not None:
            self._take_world(world)
        self._update_panels()
        if events:
            self._show_events(events, lines)
        if world is not None:
            self.world.update_state(world)
        self.world.set_running(self._busy)
        for response in finished:
            self._add_history(response)
        self.show_moment()
        for response in finished:
            self.saga_finished.emit(response)

    def _take_world(self, world: dict[str, Any]) -> None:
        self.state.world = world
        # The dead-letter queue comes with every world snapshot.
        letters = world.get("dead_letters", [])
        if self.dead_tab.show_letters(letters):
            self.tabs.setTabText(
                self.tabs.indexOf(self.dead_tab),
                f"Dead letters ({len(letters)})" if letters else "Dead letters",
            )
        if self._interrupted != bool(world.get("interrupted")):
            self._interrupted = not self._interrupted
            self._update_controls()
            if self._interrupted and not self._crashed and not self._busy:
                count = len(world["interrupted"])
                self.state.notice = Banner(
                    "crash",
                    f"<b>⟲ {count} saga(s) interrupted</b> — a process working in this "
                    "data directory stopped before they ended. Press <b>Restart "
                    "orchestrator</b> to recover them.",
                )

    @Slot(object)
    def _on_worker_events_ready(
        self, payload: tuple[list[SagaEvent], list[tuple[str, str]]]
    ) -> None:
        events, lines = payload
        self._frame_events.extend(events)
        self._frame_lines.extend(lines)
        self._schedule_frame()

    def _show_events(self, events: list[SagaEvent], lines: list[tuple[str, str]]) -> None:
        # The lines were formatted in the worker thread: the GUI thread only shows them.
        self.log.append_lines(lines)
        if self.batch_running:
            # Hundreds of sagas a second: the log streams; the pipeline waits for the
            # end, and the History keeps the runs made one by one.
            return
        state = self.state
        before = state.live
        switched = state.take_events(events)
        record = state.live_run()
        if record is None or record.events is None:
            return
        if not self.pipeline_live or switched:
            # A live run takes the pipeline back from a replay, and shows from its start.
            if self.replay.length:
                self.replay.load([])
            self.history_tab.select(None)
            self.pipeline_live = True
            self.rebuild_live(record.events)
        else:
            frame = _PipelineFrame()
            if self._live_queue is None or state.live != before:
                self._live_queue = engine.SagaMemoryQueue()
            for event in events:
                if event.correlation_id == state.live:
                    show_event(frame, event)
                    self._live_queue.apply(event)
            frame.apply(self.pipeline)
            self.what_is_left.setText(what_is_left(self._live_queue))
        shown = record.events
        if self._presenter and shown:
            self.caption.setText(booking.caption(shown[-1], shown[:-1], self.saga))

    @Slot(object)
    def _on_worker_wait_started(self, wait: PacedWait) -> None:
        # After what came before it (the retry, the late effect in the world).
        self._flush_frame()
        if self.pipeline_live:
            self.pipeline.show_wait(wait.step, wait.text, wait.seconds, wait.held)

    @Slot(object)
    def _on_worker_world_changed(self, state: dict[str, Any]) -> None:
        self._frame_world = state
        self._schedule_frame()

    @Slot(object)
    def _on_worker_saga_finished(self, response: dict[str, Any]) -> None:
        self._elapsed_timer.stop()
        self._on_elapsed_timer_timeout()
        # Emitted with the frame that shows it, so the window and the signal agree.
        self._frame_finished.append(response)
        self._schedule_frame()

    def _add_history(self, response: dict[str, Any], source: str = "") -> RunRecord:
        state = self.state
        record = state.finish(response, state.world, time.time())
        if source:
            record.source = source
        if state.activity is Activity.SAGA and response["correlation_id"] == state.live:
            state.activity = Activity.IDLE
            state.paused = self.pause_action.isChecked()
        self.history_tab.show_run(record)
        self.history_tab.forget(set(state.runs))
        if state.moment.kind == "live" and self._timeline_tab.built:
            # The Timeline shows the moment's run too: the one that just ended.
            self.show_on_timeline(record.known_events() or [])
        return record

    @Slot(str)
    def _on_worker_crashed(self, message: str) -> None:
        self._stopped(
            f"<b>💥 Orchestrator crashed</b> — {html.escape(message)}.<br>The saga is "
            "interrupted: press <b>Restart orchestrator</b> to recover it from the durable "
            "saga log."
        )

    def _stopped(self, text: str) -> None:
        self._flush_frame()
        self._elapsed_timer.stop()
        self.pipeline.set_compensating(False)
        self.state.activity = Activity.IDLE
        self.state.crash = Banner("crash", text)
        self._update_controls()
        self.show_moment()

    @Slot(str)
    def _on_worker_stopped(self, message: str) -> None:
        # Unrefused, uncompensated: left for recovery, like a crash, but said as it was.
        self._stopped(
            f"<b>⏸ The saga stopped unfinished</b> — {html.escape(message)}<br>Press "
            "<b>Restart orchestrator</b> once the data directory is free to recover it."
        )

    @Slot(str)
    def _on_worker_lock_waited(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    @Slot(object)
    def _on_worker_recovered(self, responses: list[dict[str, Any]]) -> None:
        self._flush_frame()
        state = self.state
        was_crashed = state.crash is not None
        state.crash = None
        state.activity = Activity.IDLE
        for response in responses:
            self._add_history(response, "recovered")
        if responses:
            state.notice = Banner(
                "failure",
                f"<b>⟲ Recovered {len(responses)} interrupted saga(s)</b> — every step that may "
                "have run was compensated, newest first.",
            )
        elif was_crashed:
            state.notice = Banner("idle", "Orchestrator restarted: nothing to recover.")
        self._update_controls()
        self.show_moment()
        if responses:
            self.saga_finished.emit(responses[-1])

    @Slot(str, str)
    def _on_worker_booking_rejected(self, field: str, message: str) -> None:
        self._busy = False
        self._elapsed_timer.stop()
        self._run_timer.invalidate()
        self.world.set_running(False)
        self.form.show_error(field, message)
        self.tabs.setCurrentWidget(self.booking_tab)
        self.state.activity = Activity.IDLE
        self._say("idle", f"<b>Nothing was run:</b> {html.escape(message)}")
        self._update_controls()

    @Slot(str)
    def _on_worker_errored(self, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._busy = False
        self.world.set_running(False)
        if self.batch_running:  # a batch that failed never sends batch_finished
            self.batch_running = False
            self.batch.set_running(False)
        self.state.activity = Activity.IDLE
        self._update_controls()
        self.show_moment()
        QMessageBox.warning(self, "SAGA Desktop", message)

    @Slot(bool)
    def _on_worker_busy_changed(self, busy: bool) -> None:
        self._busy = busy
        # The world is judged "in flight" or not with the frame that shows its snapshot.
        self._update_controls()

    @Slot(str)
    def _on_worker_world_reset(self, message: str) -> None:
        self._flush_frame()
        kind = "idle" if not message.startswith("Refused") else "failure"
        self._say(kind, message)

    @Slot(object, str)
    def _on_worker_scenarios_finished(self, report: dict[str, Any], path: str) -> None:
        from saga_desktop.gui.scenario_report import scenario_report_dialog

        if self.scenario_dialog is not None:
            # One report at a time: a new run's replaces the last (open or closed).
            self.scenario_dialog.close()
            self.scenario_dialog.deleteLater()
        self.scenario_dialog = dialog = scenario_report_dialog(self, report, path)
        self.state.activity = Activity.IDLE
        self._say(
            "success" if report["all_passed"] else "failure",
            f"<b>Scenarios: {report['passed']} of {report['total']} passed</b> — "
            f"report in {html.escape(path)}",
        )
        self._update_controls()
        dialog.show()

    @Slot(object)
    def _on_worker_batch_progressed(self, progress: dict[str, Any]) -> None:
        self.batch.show_progress(progress)

    @Slot(object)
    def _on_worker_batch_finished(self, report: dict[str, Any]) -> None:
        self._flush_frame()
        self.batch_running = False
        self.batch.set_running(False)
        self.batch.show_report(report)
        self.state.activity = Activity.IDLE
        outcomes = report["outcomes"]
        where = (
            "on a scratch world (this world is unchanged)"
            if report.get("scratch")
            else "on this world"
        )
        self._say(
            "success" if report["consistent"] else "dead",
            f"<b>Batch {'cancelled' if report['cancelled'] else 'finished'}</b> {where}: "
            f"{report['attempted']:,} sagas, {outcomes['confirmed']:,} confirmed, "
            f"{outcomes['compensated']:,} compensated, "
            f"{outcomes['dead_lettered']:,} dead-lettered, "
            f"{report['sagas_per_second']:,.0f} sagas/s — "
            + ("the world adds up." if report["consistent"] else "the world does NOT add up."),
        )
        self._update_controls()
        self.batch_finished.emit(report)

    @Slot(str)
    def _on_worker_breakpoint_hit(self, where: str) -> None:
        self._flush_frame()
        record = self.state.live_run()
        self.state.breakpoint = (where, len(record.events or []) if record else 0)
        self._set_paused(True)

    @Slot()
    def _on_elapsed_timer_timeout(self) -> None:
        if self._run_timer.isValid() and self.state.moment.kind == "live":
            self.elapsed_label.setText(f"Elapsed {self._run_timer.elapsed() / 1000:.1f} s")
