"""The failure switches during a run: a change to a step still to come counts in this run.

The window hands the worker a :class:`~saga_desktop.booking.LiveFaultPlan` with
each run and keeps it. While the run goes on, a switch of a step the run has not
reached changes that plan (it is thread-safe; no database is touched); a switch of
a step that has started cannot change, and the card says which happened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from saga_desktop import booking
from saga_desktop.booking import InvalidFaultSpec, LiveFaultPlan
from saga_desktop.gui.pipeline import PipelineView

__all__ = ["RunFaults"]


class RunFaults:
    """The live run's fault plan and the cards' switches, kept in step.

    Parameters
    ----------
    pipeline
        The cards whose switches are watched.
    on_applied
        Called with the specs in effect (``{step key: spec}``) after each change
        the run took.
    """

    def __init__(
        self, pipeline: PipelineView, on_applied: Callable[[dict[str, str]], None]
    ) -> None:
        self._pipeline = pipeline
        self._on_applied = on_applied
        self._plan: LiveFaultPlan | None = None
        self._specs: dict[str, str] = {}
        self._reverting = False

    def start(self, specs: Mapping[str, str]) -> LiveFaultPlan:
        """A run begins with ``specs``: the plan to give the worker."""
        plan = {booking.step_key(k): booking.parse_kind(v) for k, v in specs.items()}
        self._plan = LiveFaultPlan(plan)
        self._specs = dict(specs)
        for card in self._pipeline.cards().values():
            card.set_run_note("")
        return self._plan

    def end(self) -> None:
        """The run is over: switches are for the next run again."""
        self._plan = None

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`end`."""
        return self._plan is not None

    def specs(self) -> dict[str, str]:
        """The specs the run goes by now."""
        return dict(self._specs)

    def switches_changed(self) -> None:
        """A switch changed: pass it on to the run, or put it back if its step has run."""
        plan = self._plan
        if plan is None or self._reverting:
            return
        wanted = self._pipeline.fault_specs()
        for name, card in self._pipeline.cards().items():
            key = booking.step_key(name)
            spec = wanted.get(key)
            if spec == self._specs.get(key):
                continue
            try:
                fault = booking.parse_kind(spec) if spec is not None else None
            except InvalidFaultSpec:
                continue  # the cards offer known kinds only
            if plan.change(key, fault):
                self._take(key, spec)
                card.set_run_note(
                    f"⚡ {card.fault_kind_combo().currentText()}: counts in this run"
                    if spec is not None
                    else "No fault now: counts in this run"
                )
            else:
                self._put_back(name, key)
                card.set_run_note("Already run: its fault stays as it started")
        self._on_applied(dict(self._specs))

    def _take(self, key: str, spec: str | None) -> None:
        if spec is None:
            self._specs.pop(key, None)
        else:
            self._specs[key] = spec

    def _put_back(self, name: str, key: str) -> None:
        self._reverting = True
        try:
            self._pipeline.card(name).set_fault_spec(self._specs.get(key))
        finally:
            self._reverting = False
        self._pipeline.mark_ran(name)
