"""Recorded runs on screen: the History's rows, selecting a run, and replaying it.

Selecting a run shows it where it ended (the *selected* moment); Replay, Back
and Forward move through its events (the *replay* moment); Live gives the
window back to the live run. The cards follow through the window's replay
controller; the banner, status bar and world panel follow the window's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Slot

from saga_desktop import booking, engine
from saga_desktop.gui.history_tab import detail_text
from saga_desktop.gui.moment import Moment, RunRecord, response_from_events
from saga_desktop.gui.replay import ReplayController, what_is_left

if TYPE_CHECKING:
    from saga_desktop.engine import SagaEvent
    from saga_desktop.gui.main_window import MainWindow

__all__ = ["RecordedRuns"]


class RecordedRuns(QObject):
    """The History tab's behaviour for one window (see the module's docstring)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        # Selecting a run loads it at its end: that is no replay yet.
        self._selecting = False
        self.replay = ReplayController(self._replay_show, self._replay_reset, self)
        self.replay.position_changed.connect(self._on_replay_position_changed)
        tab = window.history_tab
        tab.run_selected.connect(self._on_history_tab_run_selected)
        tab.replay_requested.connect(self._on_history_tab_replay_requested)
        tab.pause_requested.connect(self.replay.pause)
        tab.back_requested.connect(self._on_history_tab_back_requested)
        tab.forward_requested.connect(self._on_history_tab_forward_requested)
        tab.live_requested.connect(self._on_history_tab_live_requested)

    # -- rows ---------------------------------------------------------------------

    def add(self, record: RunRecord, *, newest: bool = True) -> None:
        """Keep ``record`` and show its row (a run read back, imported or made)."""
        window = self._window
        window.state.remember(record, newest=newest)
        window.history_tab.show_run(record, newest=newest)
        window.history_tab.forget(set(window.state.runs))

    @Slot(object)
    def on_history_loaded(self, sagas: list[dict[str, Any]]) -> None:
        """Runs from before this start, read back from the durable saga log."""
        for summary in sagas:
            if summary["correlation_id"] in self._window.state.runs:
                continue
            record = RunRecord(
                summary["correlation_id"],
                summary["started_at"],
                source="saga log",
                faults_known=False,
                ended=summary["ended_at"],
                source_outcome=str(summary["status"]),
                source_failed_step=str(summary["failed_step"] or ""),
            )
            self.add(record, newest=False)

    @Slot(str, object)
    def on_run_loaded(self, correlation_id: str, events: list[SagaEvent]) -> None:
        """A run's events, read from the saga log: show it if it is the moment's."""
        window = self._window
        record = window.state.runs.get(correlation_id)
        if record is None or not events:
            window.history_detail.setPlainText("This run is not in the saga log any more.")
            return
        record.events = list(events)
        record.started = events[0].at
        if record.response is None:
            record.response = response_from_events(events)
        window.history_tab.show_run(record)
        moment = window.state.moment
        if moment.kind == "selected" and moment.correlation_id == correlation_id:
            self._show_selected(record, list(events))
        elif moment.kind == "live" and window.state.live == correlation_id:
            window.rebuild_live(events)
        window.show_moment()

    # -- selecting ------------------------------------------------------------------

    def select(self, correlation_id: str) -> None:
        """Make the run's row current and show the run: the selected moment."""
        self._window.history_tab.select(correlation_id)
        self._on_history_tab_run_selected(correlation_id)

    @Slot(str)
    def _on_history_tab_run_selected(self, correlation_id: str) -> None:
        window = self._window
        record = window.state.runs.get(correlation_id)
        if record is None:
            window.history_detail.setPlainText("This run's log was forgotten (history limit).")
            return
        window.state.moment = Moment("selected", correlation_id)
        events = record.known_events()
        if events is None:
            # Read back from the saga log: ask the worker for its events.
            window.history_detail.setPlainText("Reading this run from the saga log…")
            window.run_load_requested.emit(correlation_id)
        else:
            self._show_selected(record, events)
        window.show_moment()

    def _show_selected(self, record: RunRecord, events: list[SagaEvent]) -> None:
        window = self._window
        window.history_detail.setPlainText(detail_text(record.outcome() or {}, events))
        window.show_on_timeline(events)
        if not window.busy:
            # The pipeline shows where the selected run ended; Replay starts it over.
            window.pipeline_live = False
            self._selecting = True
            try:
                self.replay.load(events, at_end=True)
            finally:
                self._selecting = False

    # -- replaying ------------------------------------------------------------------

    def _replay_show(self, events: Sequence[SagaEvent]) -> None:
        from saga_desktop.gui.pipeline import PipelineFrame, show_event

        window = self._window
        frame = PipelineFrame()
        for event in events:
            show_event(frame, event)
        frame.apply(window.pipeline)
        queue = engine.SagaMemoryQueue()
        # The replay counts these events already: one step forward, or a seek.
        history = self.replay.shown
        for event in history:
            queue.apply(event)
        window.what_is_left.setText(what_is_left(queue))
        if history:
            window.caption.setText(booking.caption(history[-1], history[:-1], window.saga))

    def _replay_reset(self) -> None:
        window = self._window
        window.pipeline.reset()
        window.what_is_left.setText("Replay: at the start, nothing has happened yet.")
        window.caption.setText("")

    @Slot(int, int)
    def _on_replay_position_changed(self, position: int, length: int) -> None:
        window = self._window
        window.history_tab.set_position(position, length)
        moment = window.state.moment
        if length and not self._selecting and moment.kind != "live":
            window.state.moment = Moment("replay", moment.correlation_id, position, length)
            window.show_moment()

    def _replaying(self) -> bool:
        """True when a recorded run is in the pipeline, ready to replay."""
        window = self._window
        return not window.busy and window.state.moment.kind != "live" and bool(self.replay.length)

    @Slot()
    def _on_history_tab_replay_requested(self) -> None:
        if self._replaying():
            self.replay.set_interval(int(self._window.pacer.delay * 1000))
            self.replay.play()

    @Slot()
    def _on_history_tab_back_requested(self) -> None:
        if self._replaying():
            self.replay.pause()
            self.replay.step_back()

    @Slot()
    def _on_history_tab_forward_requested(self) -> None:
        if self._replaying():
            self.replay.pause()
            self.replay.step_forward()

    @Slot()
    def _on_history_tab_live_requested(self) -> None:
        self._window.show_live()
