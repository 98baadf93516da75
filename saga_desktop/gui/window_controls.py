"""The window's controls: what Run, Pause, Step, Reset, Erase, Restart and the switches do."""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtGui import (
    QGuiApplication,
)

from saga_desktop.gui.moment import (
    Activity,
    Banner,
    RunContext,
    RunRecord,
)
from saga_desktop.gui.window_base import delay_for_speed
from saga_desktop.gui.window_live import WindowLive


class WindowControls(WindowLive):
    """What the controls do (the worker is asked through queued signals)."""

    @Slot()
    def _on_run_action_triggered(self) -> None:
        if self._busy or self._crashed:
            return
        # The last run's end may still wait for its frame: taken now, it cannot end
        # this new run's activity (a Run within a frame of the last one's end did).
        self._flush_frame()
        self.form.clear_errors()
        self._busy = True
        self.world.mark_baseline()
        self.state.start(
            Activity.SAGA,
            RunContext(
                booking=self.form.booking(),
                faults=self.fault_specs(),
                scenario=self.scenarios.title(),
                world_before=self.state.world,
            ),
        )
        # Shown with the next frame: a run shorter than a frame shows only its outcome.
        self.show_live(render=False)
        self._update_controls()
        self._run_timer.start()
        self._elapsed_timer.start()
        # The plan stays the window's: switches of steps still to come change it.
        self.run_requested.emit(self.form.booking(), self.run_faults.start(self.fault_specs()))

    @Slot(bool)
    def _on_pause_action_triggered(self, paused: bool) -> None:
        self._set_paused(paused)

    @Slot()
    def _on_step_action_triggered(self) -> None:
        self.pacer.step()

    @Slot(int)
    def _on_speed_slider_value_changed(self, value: int) -> None:
        delay = delay_for_speed(value)
        self.pacer.set_delay(delay)
        self.speed_label.setText("Instant" if delay == 0 else f"{delay:.2f} s/event")
        if hasattr(self, "pipeline"):
            self.pipeline.set_animation_duration(self._animation_ms())

    def _animation_ms(self) -> int:
        delay = self.pacer.delay
        if not self._animations or delay == 0:
            return 0
        # The token must arrive before the next event does.
        return int(min(350, delay * 600))

    def set_animations_enabled(self, enabled: bool) -> None:
        """Turn the pipeline's animations on or off (view only; tests turn them off)."""
        self._animations = enabled
        self.pipeline.set_animation_duration(self._animation_ms())

    def _ask(self, title: str, text: str, button: Any) -> bool:
        from PySide6.QtWidgets import QMessageBox

        cancel = QMessageBox.StandardButton.Cancel
        return bool(QMessageBox.question(self, title, text, button | cancel, cancel) == button)

    @Slot()
    def _on_reset_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self._busy:
            return
        held = self._still_held()
        text = (
            "Restock the world: every flight's seats, every user's points, the payments and "
            "the bookings back to the default data? The saga log and the History stay."
            + (f"\n\n{held} stay held until their compensation runs." if held else "")
        )
        if not self._ask("Reset world", text, QMessageBox.StandardButton.Reset):
            return
        self.pipeline.reset()
        self.pipeline_live = True
        self.state.start(Activity.IDLE)
        self._say("idle", "Restocking the world…")
        # Changes since the last run mean nothing across a restock.
        self.world.forget_baseline()
        self.reset_requested.emit()
        self._update_controls()

    def _still_held(self) -> str:
        """What a restock leaves held, in words ("" for nothing): sagas owed a compensation."""
        world = self.state.world or {}
        letters = len({letter["correlation_id"] for letter in world.get("dead_letters", [])})
        interrupted = len(world.get("interrupted", []))
        parts = [
            *([f"{letters} dead-lettered saga(s)"] if letters else []),
            *([f"{interrupted} interrupted saga(s)"] if interrupted else []),
        ]
        return ("What " + " and ".join(parts) + " hold") if parts else ""

    @Slot()
    def _on_erase_action_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self._busy:
            return
        text = (
            "Forget every saga in the saga log (the History, the dead letters, what "
            "interrupted sagas would recover) and start the world again from the default "
            "data? This cannot be undone. The log files stay."
        )
        if not self._ask("Erase history and world", text, QMessageBox.StandardButton.Discard):
            return
        self.pipeline.reset()
        self.pipeline_live = True
        self.replay.load([])
        self.state.start(Activity.IDLE)
        self.state.runs.clear()
        self.state.live = None
        self.state.crash = None
        self.history_tab.forget(set())
        self.show_on_timeline([])
        self._say("idle", "Erasing the history and the world…")
        self.world.forget_baseline()
        self.erase_requested.emit()
        self._update_controls()

    @Slot()
    def _on_restart_action_triggered(self) -> None:
        self._busy = True
        self.state.start(Activity.RECOVERY)
        self._say("running", "Restarting the orchestrator: recovering the interrupted saga…")
        self._update_controls()
        self.recover_requested.emit()

    @Slot()
    def _on_pipeline_fault_plan_changed(self) -> None:
        self.run_faults.switches_changed()
        specs = self.fault_specs()
        self.statusBar().showMessage(
            "Failures: " + (", ".join(f"{k}={v}" for k, v in specs.items()) or "none"), 3000
        )
        self.scenarios.switches_changed()

    def _on_run_faults_applied(self, specs: dict[str, str]) -> None:
        # The run goes by the switches as they are now: so does its record.
        self.state.context.faults = specs
        record = self.state.live_run()
        if record is not None and record.response is None:
            record.faults = dict(specs)

    @Slot(object)
    def _on_scenarios_chosen(self, banner: Banner) -> None:
        # Choosing what to run next is about the live side.
        self.show_live()
        self.state.notice = banner
        self.show_moment()

    @Slot(int, int)
    def _on_form_focus_changed(self, flight_id: int, user_id: int) -> None:
        self.world.set_focus(flight_id, user_id)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        if self._shown_cid:
            QGuiApplication.clipboard().setText(self._shown_cid)
            self.statusBar().showMessage("Correlation id copied", 2000)

    def _dead_letter_action(self, correlation_id: str) -> None:
        # The run the letter belongs to becomes the live one: the banner then says
        # how its stuck compensation ended (read from the saga log if not at hand).
        state = self.state
        record = state.runs.get(correlation_id)
        if record is None:
            record = state.remember(
                RunRecord(correlation_id, time.time(), source="saga log", faults_known=False)
            )
        state.start(Activity.IDLE)
        if state.live != correlation_id:
            state.live = correlation_id
            self.pipeline_live = False
        self.show_live()
        if record.known_events() is None:
            self.run_load_requested.emit(correlation_id)

    @Slot(str, str)
    def _on_dead_tab_retry_requested(self, correlation_id: str, step: str) -> None:
        self._dead_letter_action(correlation_id)
        self.dead_letter_retry_requested.emit(correlation_id, step)

    @Slot(str, str)
    def _on_dead_tab_resolve_requested(self, correlation_id: str, step: str) -> None:
        self._dead_letter_action(correlation_id)
        self.dead_letter_resolve_requested.emit(correlation_id, step)

    @Slot()
    def _on_run_all_action_triggered(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._set_paused(False)  # the scenarios run flat out: nothing to pause
        self.state.start(Activity.SCENARIOS)
        what = (
            "the guide's five test scenarios"
            if self.saga is None
            else f"the {len(self.saga.steps) + 1} generated scenarios of "
            f"{html.escape(self.saga.title)}"
        )
        self._say("running", f"Running {what} on a scratch world…")
        self._update_controls()
        self.scenarios_requested.emit()

    @Slot(int, float, int)
    def _on_batch_start_requested(self, count: int, rate: float, seed: int) -> None:
        if self._busy or self._crashed:
            return
        self._busy = True
        self.batch_running = True
        scratch = self.batch.on_scratch_world()
        self._set_paused(False)  # a batch runs flat out: nothing to pause or step
        self.state.start(Activity.BATCH)
        where = "on a scratch world" if scratch else "on this world"
        self._say("running", f"Running a batch of {count:,} sagas at full speed {where}…")
        self._update_controls()
        self.batch.set_running(True)
        if not scratch:
            self.world.mark_baseline()
        self.batch_requested.emit(count, rate, seed, scratch)

    @Slot()
    def _on_batch_cancel_requested(self) -> None:
        # Thread-safe: the worker checks it between two sagas.
        self.pacer.batch_cancelled.set()
