"""The window's actions, declared once as data: menus, tool bar, shortcuts and help come from here.

Each :class:`ActionSpec` names a slot of the window; :func:`make_actions`
builds the ``QAction`` objects, :func:`shortcut_rows` the F1 help, and
:mod:`saga_desktop.gui.toolbar` lays their buttons out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QToolButton, QWidget

from saga_desktop.gui._qt import named

__all__ = [
    "ACTIONS",
    "MENUS",
    "ActionSpec",
    "make_action",
    "make_actions",
    "place_keeper",
    "shortcut_rows",
    "spec",
    "tool_button",
]


@dataclasses.dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: its texts, shortcut, the window's slot it triggers, its tool button."""

    key: str
    text: str
    name: str
    shortcut: str
    tip: str
    slot: str
    checkable: bool = False
    #: objectName and accessible name of its tool button ("" when it has none).
    button: str = ""
    accessible: str = ""
    #: What the F1 help says it does ("" for the tip).
    help: str = ""
    #: A platform's own key for it (a ``QKeySequence.StandardKey`` name), over ``shortcut``.
    standard: str = ""


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "run", "▶ Run", "runAction", "Ctrl+R", "Run one booking saga",
        "_on_run_action_triggered", button="runButton", accessible="Run", help="Run one saga",
    ),
    ActionSpec(
        "restart", "⚡ Restart", "restartAction", "Ctrl+Shift+O",
        "Restart the orchestrator: a new one recovers the interrupted saga",
        "_on_restart_action_triggered", button="restartButton",
        accessible="Restart orchestrator", help="Restart orchestrator (after a crash)",
    ),
    ActionSpec(
        "pause", "⏸ Pause", "pauseAction", "Ctrl+P", "Pause or resume the saga",
        "_on_pause_action_triggered", checkable=True, button="pauseButton",
        accessible="Pause", help="Pause / resume",
    ),
    ActionSpec(
        "step", "⏭ Step", "stepAction", "Ctrl+N", "Advance one event while paused",
        "_on_step_action_triggered", button="stepButton", accessible="Step",
        help="Step one event while paused",
    ),
    ActionSpec(
        "reset", "⟲ Reset world", "resetAction", "Ctrl+Shift+R",
        "Restock the world: the default flights, seats and users again; the history stays",
        "_on_reset_action_triggered", button="resetButton", accessible="Reset world",
        help="Reset world (restock; the history stays)",
    ),
    ActionSpec(
        "erase", "Erase history and world…", "eraseHistoryAction", "",
        "Forget every saga in the saga log and start the world again from the default data",
        "_on_erase_action_triggered",
    ),
    ActionSpec(
        "run_all", "Run all scenarios", "runAllScenariosAction", "Ctrl+Shift+A",
        "Run the guide's five test scenarios at Instant speed and show a pass/fail table",
        "_on_run_all_action_triggered", button="runAllScenariosButton",
        accessible="Run all scenarios",
    ),
    ActionSpec(
        "presenter", "Presenter mode", "presenterAction", "F11",
        "Big cards and fonts for a projector, plain-language captions, no developer detail",
        "_on_presenter_action_triggered", checkable=True,
    ),
    ActionSpec(
        "metrics", "Metrics", "metricsAction", "Ctrl+Shift+M",
        "The Metrics tab: compensation success rate, outcomes, latencies, retries "
        "(shown in presenter mode too; again: back)", "_on_metrics_action_triggered",
        help="Metrics tab (in presenter mode too)",
    ),
    ActionSpec(
        "lab", "Isolation lab", "labAction", "Ctrl+L",
        "Two sagas over one world: watch lost updates, dirty and fuzzy reads, and the "
        "countermeasures that stop them", "_on_lab_action_triggered",
        help="Isolation lab",
    ),
    ActionSpec(
        "dark", "Dark theme", "darkThemeAction", "Ctrl+Shift+D",
        "Switch between the light and the dark palette", "_on_dark_action_triggered",
        checkable=True,
    ),
    ActionSpec(
        "save_log", "Save log…", "saveLogAction", "Ctrl+S", "Save the log to a file",
        "_on_save_log_action_triggered", help="Save the log", standard="Save",
    ),
    ActionSpec(
        "open_saga", "Open saga…", "openSagaAction", "Ctrl+Shift+S",
        "Open a saga file (TOML or JSON) and run it in this window",
        "_on_open_saga_action_triggered", help="Open a saga file",
    ),
    ActionSpec(
        "new_saga", "New saga…", "newSagaAction", "",
        "Write a saga of your own: its steps, services and starting stock",
        "_on_new_saga_action_triggered",
    ),
    ActionSpec(
        "flight_booking", "The flight booking", "flightBookingAction", "",
        "Go back to the guide's flight booking saga", "_on_flight_booking_action_triggered",
    ),
    ActionSpec(
        "quit", "Quit", "quitAction", "", "Close the window", "close", standard="Quit",
    ),
    ActionSpec(
        "shortcuts", "Keyboard shortcuts", "shortcutsAction", "F1",
        "Every keyboard shortcut", "_on_shortcuts_action_triggered", help="This list",
    ),
    ActionSpec(
        "about", "About SAGA Desktop", "aboutAction", "", "Version and data directory",
        "_on_about_action_triggered",
    ),
)  # fmt: skip

#: The menu bar, declared as data: (title, entries) where an entry is an action's
#: key, None for a separator, or ``@name`` for a group the window fills itself
#: (``@exports`` and ``@import``: the run files; ``@gallery``: the saga gallery;
#: ``@breakpoints``: the cards' breakpoints).
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (
        "&File",
        (
            "open_saga", "@gallery", "new_saga", "flight_booking", None,
            "save_log", None, "@exports", None, "@import", None, "quit",
        ),
    ),
    (
        "&Run",
        ("run", "pause", "step", None, "reset", "erase", "restart", None, "run_all",
         "@breakpoints"),
    ),
    ("&View", ("presenter", "dark", None, "metrics", "lab")),
    ("&Help", ("shortcuts", "about")),
)  # fmt: skip

# Shortcuts that are not actions of ACTIONS: (keys, what they do), for the F1 help.
_OTHER_SHORTCUTS = (
    ("Ctrl+O", "Import a run"),
    ("Right-click a card", "Breakpoints: pause before it runs / is compensated"),
)


def make_action(
    parent: QWidget,
    text: str,
    name: str,
    shortcut: str,
    tip: str,
    slot: Callable[..., Any],
    checkable: bool = False,
    standard: str = "",
) -> QAction:
    """A named action of ``parent`` with its shortcut in its tooltip, triggering ``slot``."""
    action = named(QAction(text, parent, checkable=checkable), name)
    keys = (
        QKeySequence(getattr(QKeySequence.StandardKey, standard))
        if standard
        else QKeySequence(shortcut)
    )
    if not keys.isEmpty():
        action.setShortcut(keys)
        native = keys.toString(QKeySequence.SequenceFormat.NativeText)
        tip = f"{tip} ({native})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    parent.addAction(action)
    return action


def make_actions(window: QWidget, specs: Sequence[ActionSpec] = ACTIONS) -> dict[str, QAction]:
    """Build the actions of ``specs`` on ``window`` (each triggers the window's slot)."""
    return {
        spec.key: make_action(
            window,
            spec.text,
            spec.name,
            spec.shortcut,
            spec.tip,
            getattr(window, spec.slot),
            spec.checkable,
            spec.standard,
        )
        for spec in specs
    }


def tool_button(action: QAction, declared: ActionSpec) -> QToolButton:
    """The tool bar's button for ``action``, named and with text only."""
    button = named(QToolButton(), declared.button)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setAccessibleName(declared.accessible or declared.text)
    return button


def spec(key: str) -> ActionSpec:
    """The declaration of the action ``key``."""
    return next(entry for entry in ACTIONS if entry.key == key)


def shortcut_rows(steps: int = 4) -> list[tuple[str, str]]:
    """(keys, what they do) of every shortcut, for the F1 help (``steps``: the saga's cards)."""
    rows = [(entry.shortcut, entry.help or entry.tip) for entry in ACTIONS if entry.shortcut]
    last = min(steps, 9)
    switches = (f"Ctrl+1 … Ctrl+{last}", f"Flip the failure switch of step 1 … {last}")
    return [switches, *rows, *_OTHER_SHORTCUTS]


def place_keeper(button: QToolButton) -> QWidget:
    """A holder as large as ``button``, which keeps its place while the button is hidden.

    A tool bar re-lays out when one of its widgets appears: Restart showing up
    after a crash pushed the seed and "Run all scenarios" into the overflow menu.
    """
    holder = QWidget()
    holder.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    button.setParent(holder)
    holder.setFixedSize(button.sizeHint())
    return holder
