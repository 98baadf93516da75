"""The registry of failure kinds: one entry per kind, everything else derived from it.

Each entry says how a person types the kind (``transient:N``), whether it takes
a count (and ``forever``), where it acts on the saga (before the action, after
it, before the undo, or on the orchestrator), the choices the window offers
with their labels and tooltips, how a batch and a random plan weigh it, and the
one line of help the command line prints. Parsing, labels, tooltips, the
batch's draw, random plans and help text all read this table, so a new kind is
one entry here and its hook in :class:`FaultInjector`.
"""

from __future__ import annotations

import dataclasses
import enum

__all__ = [
    "FAULT_KINDS",
    "KIND_HELP",
    "FaultChoice",
    "FaultKind",
    "FaultKindEntry",
    "Hook",
    "fault_choices",
    "kinds_at",
]


class FaultKind(enum.Enum):
    """What goes wrong."""

    FAIL = "fail"
    TRANSIENT = "transient"
    TIMEOUT = "timeout"
    COMPENSATION_FAIL = "compensation_fail"
    CRASH = "crash"


class Hook(enum.Enum):
    """Where a kind acts on a saga."""

    BEFORE_ACTION = "before the action"
    AFTER_ACTION = "after the action"
    BEFORE_COMPENSATION = "before the compensation"
    ORCHESTRATOR = "on the orchestrator, after the step"


@dataclasses.dataclass(frozen=True, slots=True)
class FaultChoice:
    """One choice the window's fault menu offers.

    Attributes
    ----------
    spec
        As a person types it (``transient:2``).
    label
        What the menu shows: short, so a card at 1280 px shows it whole (the
        tooltip says the rest).
    tooltip
        What the choice does, in a sentence.
    weight
        How often a random plan draws it (0: never).
    in_batch
        Whether a batch's random mix draws it.
    in_menu
        Whether the window's fault menu offers it.
    """

    spec: str
    label: str
    tooltip: str
    weight: int = 0
    in_batch: bool = False
    in_menu: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class FaultKindEntry:
    """Everything about one kind of failure."""

    kind: FaultKind
    syntax: str
    summary: str
    hook: Hook
    counted: bool = False
    forever: bool = False
    choices: tuple[FaultChoice, ...] = ()


FAULT_KINDS: dict[FaultKind, FaultKindEntry] = {
    entry.kind: entry
    for entry in (
        FaultKindEntry(
            FaultKind.FAIL,
            "fail",
            "the participant rejects the step; nothing happens",
            Hook.BEFORE_ACTION,
            choices=(
                FaultChoice(
                    "fail", "fail", "The participant rejects the step; nothing happens.", 6, True
                ),
            ),
        ),
        FaultKindEntry(
            FaultKind.TRANSIENT,
            "transient:N",
            "the step fails N times, then succeeds (retried with backoff)",
            Hook.BEFORE_ACTION,
            counted=True,
            choices=(
                FaultChoice(
                    "transient:1",
                    "transient ×1",
                    "Fails once, then succeeds on the retry.",
                    2,
                    True,
                ),
                FaultChoice(
                    "transient:2",
                    "transient ×2",
                    "Fails twice, then succeeds on the third attempt.",
                    2,
                ),
                FaultChoice("transient:3", "transient ×3", "Fails three times.", 2, in_menu=False),
                FaultChoice(
                    "transient:5",
                    "transient ×5",
                    "Fails more times than the retry policy allows: the saga gives up and "
                    "compensates.",
                ),
            ),
        ),
        FaultKindEntry(
            FaultKind.TIMEOUT,
            "timeout",
            "the participant applies the effect but answers after the step's timeout",
            Hook.AFTER_ACTION,
            choices=(
                FaultChoice(
                    "timeout",
                    "timeout",
                    "The effect is applied but the reply comes too late, so the step is "
                    "compensated too.",
                    3,
                    True,
                ),
            ),
        ),
        FaultKindEntry(
            FaultKind.COMPENSATION_FAIL,
            "compensation_fail:N|forever",
            "the undo fails N times, or always (then it is dead-lettered)",
            Hook.BEFORE_COMPENSATION,
            counted=True,
            forever=True,
            choices=(
                FaultChoice(
                    "compensation_fail:1",
                    "undo fails ×1",
                    "The undo fails once, then succeeds.",
                    2,
                    True,
                ),
                FaultChoice(
                    "compensation_fail:2",
                    "undo fails ×2",
                    "The undo fails twice, then succeeds.",
                    2,
                ),
                FaultChoice(
                    "compensation_fail:forever",
                    "undo never",
                    "The undo never succeeds: the step ends in the dead-letter queue.",
                    2,
                ),
            ),
        ),
        FaultKindEntry(
            FaultKind.CRASH,
            "crash",
            "the orchestrator dies right after the step completes",
            Hook.ORCHESTRATOR,
            choices=(
                FaultChoice(
                    "crash",
                    "crash after",
                    "The orchestrator dies right after this step; recovery finishes the saga.",
                    1,
                ),
            ),
        ),
    )
}

#: One line for help texts and error messages: every kind as a person types it.
KIND_HELP = ", ".join(entry.syntax for entry in FAULT_KINDS.values())


def kinds_at(hook: Hook) -> tuple[FaultKind, ...]:
    """The kinds that act at ``hook``."""
    return tuple(kind for kind, entry in FAULT_KINDS.items() if entry.hook is hook)


def fault_choices(*, menu: bool = False) -> tuple[FaultChoice, ...]:
    """Every choice of every kind, kind by kind (with ``menu``, the window's menu only)."""
    return tuple(
        choice
        for entry in FAULT_KINDS.values()
        for choice in entry.choices
        if choice.in_menu or not menu
    )
