"""The saga pipeline: one card per step, arrows between them, a compensation lane under them.

The view knows nothing of flights or of the engine: the window builds a ``StepInfo``
per step of the saga definition and reports statuses as the run goes. Everything
animated here (the pulse of the executing card, the travelling token) is view-only,
and ``set_animation_duration(0)`` turns all of it off for tests.

Modules: ``_looks`` (statuses, looks, fault choices), ``_parts`` (chip, badge, token),
``_card`` (a step's card), ``_lanes`` (painting the lanes), ``_view`` (the pipeline).
"""

from __future__ import annotations

from saga_desktop.gui.pipeline._card import StepCard
from saga_desktop.gui.pipeline._events import PipelineFrame, show_event
from saga_desktop.gui.pipeline._looks import (
    COMPENSATION_STATUSES,
    FAULT_CHOICES,
    FORWARD_STATUSES,
    STATUSES,
    StepInfo,
    _scaled,
    presenter_scale,
)
from saga_desktop.gui.pipeline._view import PipelineView

__all__ = [
    "COMPENSATION_STATUSES",
    "FAULT_CHOICES",
    "FORWARD_STATUSES",
    "STATUSES",
    "PipelineFrame",
    "PipelineView",
    "StepCard",
    "StepInfo",
    "_scaled",
    "presenter_scale",
    "show_event",
]
