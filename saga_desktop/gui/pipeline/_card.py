"""One step's card: what it does, how it is undone, its status and its fault switch."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Property, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from saga_desktop.gui.pipeline._card_paint import (
    font_to_fit,
    longest_word,
    paint_card,
    place_marks,
    pulse_animation,
)
from saga_desktop.gui.pipeline._looks import (
    _COUNTED_KINDS,
    _DEFAULT_DURATION_MS,
    _FAULT_ACCENT,
    _LOOKS,
    _PULSE_PERIOD_MS,
    _ROLE_TEXTS,
    FAULT_CHOICES,
    LOOK_STATUS,
    STATUSES,
    StepInfo,
    _card_fill,
    _fault_label,
    _scaled,
)
from saga_desktop.gui.pipeline._parts import _ElidedLabel, _NumberBadge, _StatusChip
from saga_desktop.gui.theme import readable

if TYPE_CHECKING:
    from PySide6.QtCore import QPropertyAnimation


class StepCard(QFrame):
    """One step of the saga: what it does, how it is undone, its status and its fault switch."""

    status_changed = Signal(str)
    fault_spec_changed = Signal()

    def __init__(self, info: StepInfo, number: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = info
        self._number = number
        self._status = "PENDING"
        #: The look shown: the status, or one that says more (see LOOK_STATUS).
        self._shown = "PENDING"
        self._wait: tuple[str, float, float, float] | None = None
        self._wait_timer: QTimer | None = None
        self._pulse = 0.0
        self._duration = _DEFAULT_DURATION_MS
        self._controls_enabled = True
        self._attempt_text = ""
        self._last_spec: str | None = None
        key = info.name.lower()
        self.setObjectName(f"stepNode_{info.name}")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._compact = False
        self._base_font = QFont(self.font())
        self._factor = 1.0
        # The fonts last set, as (base font's key, factor, compact): setting the same
        # again restyles every label for nothing (three times per card at start-up).
        self._fonts_set: tuple[str, float, bool] | None = None

        self._build_labels(info, key)
        self._build_switches(info, key)
        self._build_layout()

        # Made when the card first executes: no animation is needed before the first
        # paint, and leaving them (and their classes) out shortens the window's start.
        self._pulse_animation: QPropertyAnimation | None = None

        self._fail.toggled.connect(self._on_fail_toggled)
        self._kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.apply_fonts(self.font(), 1.0)
        self._refresh()

    def _build_labels(self, info: StepInfo, key: str) -> None:
        """The card's texts, badge and status chip."""
        number = self._number
        self._badge = _NumberBadge(number, self)
        self._title = QLabel(info.title, self)
        self._title.setObjectName(f"stepTitle_{key}")
        self._title.setWordWrap(True)
        self._title_font = self._title.font()  # as wanted; _fit_title may shrink it
        self._armed = QLabel("⚡", self)
        self._armed.setObjectName(f"faultArmed_{key}")
        self._armed.setVisible(False)
        self._breakpoint = QLabel("⏸", self)
        self._breakpoint.setObjectName(f"breakpoint_{key}")
        self._breakpoint.setVisible(False)
        self._breakpoints = (False, False)
        self._fault_style = ""
        self._name = _ElidedLabel(info.name, self)
        self._name.setObjectName(f"stepName_{key}")
        self._name.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._description = QLabel(info.description, self)
        self._description.setObjectName(f"stepDescription_{key}")
        self._description.setWordWrap(True)
        self._compensation = QLabel(f"↩ {info.compensation}", self)
        self._compensation.setObjectName(f"stepCompensation_{key}")
        self._compensation.setWordWrap(True)
        self._compensation.setToolTip(f"Compensation (COMPENSATE_{info.name}): {info.compensation}")
        if info.role in _ROLE_TEXTS:
            # Past the pivot nothing is undone: the card says so instead of an undo.
            text, tip = _ROLE_TEXTS[info.role]
            self._compensation.setText(text)
            self._compensation.setToolTip(tip)
        self._chip = _StatusChip(self)
        self._chip.setObjectName(f"stepStatus_{key}")
        self._attempt = QLabel(self)
        self._attempt.setObjectName(f"stepAttempt_{key}")
        self._attempt.setVisible(False)
        self._note = QLabel(self)
        self._note.setObjectName(f"stepNote_{key}")
        self._note.setWordWrap(True)

    def _build_switches(self, info: StepInfo, key: str) -> None:
        """The fail switch, the fault kind box and the note on changes during a run."""
        number = self._number
        self._fail = QCheckBox("Fail", self)
        self._fail.setObjectName(f"failToggle_{key}")
        # As wide as its box and word: a click beside them (a stretched box) does nothing.
        self._fail.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        shortcut = f" ({info.shortcut})" if info.shortcut else ""
        self._fail.setToolTip(
            f"Inject a failure into step {number}, {info.title}, on the next run{shortcut}"
        )
        self._fail.setAccessibleName(f"Fail step {number} {info.title}{shortcut}")
        self._kind = QComboBox(self)
        self._kind.setObjectName(f"faultKind_{key}")
        self._kind.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._kind.setMinimumContentsLength(6)
        self._kind.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._kind.setToolTip(f"What goes wrong in {info.title} when its fail switch is on")
        self._kind.setAccessibleName(f"Fault kind for step {number} {info.title}")
        for label, spec, tip in FAULT_CHOICES:
            self._add_choice(label, spec, tip)
        self._kind.setEnabled(False)
        # What a change of the switches during a run did (counts in this run, or not).
        self._run_note = QLabel(self)
        self._run_note.setObjectName(f"faultRunNote_{key}")
        self._run_note.setWordWrap(True)
        self._run_note.setVisible(False)

    def _build_layout(self) -> None:
        """Header, texts, then status and switches at the bottom (aligned across cards)."""
        header = self._header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self._badge, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self._title, 1)
        details = self._details = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        details.setSpacing(6)
        details.addWidget(self._attempt, 0, Qt.AlignmentFlag.AlignTop)
        details.addWidget(self._note, 1)
        self._controls = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._controls.setSpacing(6)
        self._fail_row = QHBoxLayout()
        self._fail_row.setSpacing(6)
        self._fail_row.addWidget(self._fail)
        self._controls.addLayout(self._fail_row)
        self._controls.addWidget(self._kind, 1)
        layout = self._layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self._name)
        layout.addSpacing(2)
        layout.addWidget(self._description)
        layout.addWidget(self._compensation)
        # The stretch sits above the status, so chips and switches line up across cards.
        layout.addStretch(1)
        layout.addSpacing(4)
        self._status_row = QHBoxLayout()
        self._status_row.setSpacing(6)
        self._status_row.addWidget(self._chip)
        layout.addLayout(self._status_row)
        self._place_marks()
        layout.addLayout(details)
        layout.addLayout(self._controls)
        layout.addWidget(self._run_note)

    # -- Qt properties ---------------------------------------------------------------

    def _get_status(self) -> str:
        return self._status

    def _set_status(self, status: str) -> None:
        self.set_status(status)

    status = Property(str, _get_status, _set_status, notify=status_changed)

    def _get_pulse(self) -> float:
        return self._pulse

    def _set_pulse(self, value: float) -> None:
        self._pulse = float(value)
        self.update()

    pulse = Property(float, _get_pulse, _set_pulse)

    # -- public API ------------------------------------------------------------------

    def info(self) -> StepInfo:
        return self._info

    def number(self) -> int:
        return self._number

    @Slot(str)
    def set_status(self, status: str) -> None:
        """Show ``status`` (one of the guide's, or a look of one: ``TIMED_OUT``…)."""
        if status not in _LOOKS:
            raise ValueError(f"unknown status {status!r}: expected one of {', '.join(STATUSES)}")
        waited = self._stop_wait()
        if status == self._shown and not waited:
            return
        self._shown = status
        status = LOOK_STATUS.get(status, status)
        changed = status != self._status
        self._status = status
        # The card paints its own look; no style sheet keys on the status, so no
        # re-polish (it cost a full restyle per status change in fast runs).
        self._refresh()
        if changed:
            self.status_changed.emit(status)

    def shown_look(self) -> str:
        """The look shown: the status, or the look that says more (``UNDO_FAILED``…)."""
        return self._shown

    def show_wait(self, text: str, seconds: float, held: float) -> None:
        """Count a wait down on the card: ``text``, ``seconds`` simulated over ``held`` real."""
        self._wait = (text, seconds, held, time.monotonic())
        self._shown = "UNDO_WAITING" if self._status == "COMPENSATING" else "WAITING"
        if self._wait_timer is None:
            self._wait_timer = QTimer(self, interval=100)
            self._wait_timer.timeout.connect(self._on_wait_timer_timeout)
        self._wait_timer.start()
        self._on_wait_timer_timeout()
        self._refresh()

    def waiting(self) -> bool:
        """True while a wait counts down on the card."""
        return self._wait is not None

    @Slot()
    def _on_wait_timer_timeout(self) -> None:
        if self._wait is None:
            return
        text, seconds, held, since = self._wait
        done = min(1.0, (time.monotonic() - since) / held) if held > 0 else 1.0
        self.set_note(f"{text} — {seconds * (1 - done):.1f} s left")

    def _stop_wait(self) -> bool:
        """End a countdown; True if one ran."""
        if self._wait is None:
            return False
        self._wait = None
        if self._wait_timer is not None:
            self._wait_timer.stop()
        self._shown = self._status
        self._note.setText("")
        return True

    @Slot(int, int)
    def set_attempt(self, attempt: int, max_attempts: int) -> None:
        self._attempt_text = f"attempt {attempt}/{max_attempts}" if max_attempts > 1 else ""
        self._attempt.setText(self._attempt_text)
        self._attempt.setVisible(bool(self._attempt_text))
        self._refresh_accessibility()

    def attempt_text(self) -> str:
        return self._attempt_text

    @Slot(str)
    def set_note(self, text: str) -> None:
        self._note.setText(text)
        self._refresh_accessibility()

    def note(self) -> str:
        return self._note.text()

    def fault_spec(self) -> str | None:
        if not self._fail.isChecked():
            return None
        spec = self._kind.currentData()
        return str(spec) if spec is not None else None

    def set_fault_spec(self, spec: str | None) -> None:
        if spec is None:
            self._fail.setChecked(False)
            return
        spec = spec.strip().lower()
        if spec in _COUNTED_KINDS:
            spec = f"{spec}:1"
        index = self._kind.findData(spec)
        if index < 0:
            self._add_choice(_fault_label(spec), spec, "")
            index = self._kind.count() - 1
        self._kind.setCurrentIndex(index)
        self._fail.setChecked(True)
        self._emit_if_spec_changed()

    @Slot(bool)
    def set_controls_enabled(self, enabled: bool, why: str = "") -> None:
        """Let the switches change or not; ``why`` says on hover why they cannot."""
        self._controls_enabled = enabled
        self._fail.setEnabled(enabled)
        self._kind.setEnabled(enabled and self._fail.isChecked())
        number, title = self._number, self._info.title
        tip = f"Inject a failure into step {number}, {title}, on the next run"
        if enabled and why:
            tip = f"{why} ({tip[:1].lower()}{tip[1:]})"
        elif not enabled and why:
            tip = why
        shortcut = f" ({self._info.shortcut})" if self._info.shortcut else ""
        self._fail.setToolTip(tip + shortcut)

    def controls_enabled(self) -> bool:
        """True when the switches may change now."""
        return self._controls_enabled

    @Slot()
    def toggle_fault(self) -> None:
        """Flip the fail switch, as a click does: only while it may change (Ctrl+N)."""
        if self._controls_enabled:
            self._fail.toggle()

    def set_run_note(self, text: str) -> None:
        """What a change of the switch during the run did ("" hides it)."""
        self._run_note.setText(text)
        self._run_note.setVisible(bool(text))

    def run_note(self) -> str:
        """The text of :meth:`set_run_note` (empty when none)."""
        return self._run_note.text()

    def fail_toggle(self) -> QCheckBox:
        return self._fail

    def fault_kind_combo(self) -> QComboBox:
        return self._kind

    def set_animation_duration(self, ms: int) -> None:
        self._duration = max(0, ms)
        self._update_pulse()

    def set_compact(self, compact: bool) -> None:
        """Drop the secondary lines and stack the fault controls, for narrow cards."""
        if compact == self._compact:
            return
        self._compact = compact
        self._name.setVisible(not compact)
        self._description.setVisible(not compact)
        self._place_marks()
        direction = (
            QBoxLayout.Direction.TopToBottom if compact else QBoxLayout.Direction.LeftToRight
        )
        self._controls.setDirection(direction)
        # "attempt 6/6" beside its note does not fit a narrow card: it goes above it,
        # and may break after "attempt" rather than be cut.
        self._details.setDirection(direction)
        self._attempt.setWordWrap(compact)
        self.apply_fonts(self._base_font, self._factor)

    def is_compact(self) -> bool:
        return self._compact

    def apply_fonts(self, base: QFont, factor: float) -> None:
        """Set every font from ``base`` scaled by ``factor`` (presenter mode)."""
        wanted = (base.key(), factor, self._compact)
        if wanted == self._fonts_set:
            return
        self._fonts_set = wanted
        self._base_font = QFont(base)
        self._factor = factor
        self.setFont(_scaled(base, factor))
        self._title_font = _scaled(base, factor * (1.0 if self._compact else 1.15), bold=True)
        self._title.setFont(self._title_font)
        self._badge.setFont(_scaled(base, factor, bold=True))
        self._armed.setFont(_scaled(base, factor**0.6 * 1.4, bold=True))
        self._breakpoint.setFont(_scaled(base, factor**0.6 * 1.2, bold=True))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(1.0, _scaled(base, factor * 0.82).pointSizeF()))
        self._name.setFont(mono)
        self._description.setFont(_scaled(base, factor))
        self._compensation.setFont(_scaled(base, factor * 0.95, italic=True))
        # The chip and the margins grow slower than the titles: at presenter scales the
        # longest word ("Compensating") still fits a quarter of the screen.
        self._chip.setFont(_scaled(base, factor**0.5, bold=True))
        self._attempt.setFont(_scaled(base, factor * 0.88, bold=True))
        self._note.setFont(_scaled(base, factor * 0.88, italic=True))
        self._run_note.setFont(_scaled(base, factor * 0.82, italic=True))
        # The switches are for the trainer, not the hall: they grow slower.
        self._fail.setFont(_scaled(base, factor**0.6))
        self._kind.setFont(_scaled(base, factor**0.6))
        metrics = QFontMetricsF(self._note.font())
        # Room for one detail line is kept, so cards do not jump when a note appears.
        self._note.setMinimumHeight(math.ceil(metrics.height()))
        margin = round((8 if self._compact else 12) * factor**0.5) + self._glow_margin()
        self._layout.setContentsMargins(margin + 2, margin, margin + 2, margin)
        # Counted with a compact card's margins and gaps: the pipeline turns its cards
        # compact before they get this narrow, and the window's minimum stays small.
        compact_margin = round(8 * factor**0.5) + self._glow_margin()
        self.setMinimumWidth(max(round(110 * factor**0.6), self._header_width(compact_margin)))
        self._fit_title()
        self._fit_height()
        self._chip.updateGeometry()
        self._badge.updateGeometry()

    # -- slots -------------------------------------------------------------------------

    @Slot(bool)
    def _on_fail_toggled(self, checked: bool) -> None:
        self._kind.setEnabled(checked and self._controls_enabled)
        self._refresh_fault()
        self._emit_if_spec_changed()

    @Slot(int)
    def _on_kind_current_index_changed(self, index: int) -> None:
        self._refresh_fault()
        self._emit_if_spec_changed()

    # -- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_card(self, self._shown, self._status, self._pulse, self._glow_margin())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh()

    # -- helpers -----------------------------------------------------------------------

    def _place_marks(self) -> None:
        row = self._fail_row if self._compact else self._status_row
        place_marks(row, (self._status_row, self._fail_row), (self._breakpoint, self._armed))

    def _fit_title(self) -> None:
        """Beside the number, shrink the title until its longest word fits its line."""
        margins = self._layout.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        room -= self._badge.sizeHint().width() + self._header.spacing()
        font = font_to_fit(self._title_font, self._info.title, room)
        if font != self._title.font():
            self._title.setFont(font)
        # The title is the show: whatever else a squeezed card loses, not its lines.
        self._title.setMinimumHeight(max(0, self._title.heightForWidth(max(1, room))))

    def _fit_height(self) -> None:
        """Keep the height the texts need at the card's width.

        Wrapped labels report a height for no particular width, so the window could
        squeeze a narrow card until its title or switches are cut.
        """
        self._layout.invalidate()
        if self._factor != 1.0:
            # Presenter mode sizes its fonts from the screen's height: a card held at
            # its full height there would push the compensation lane off the screen.
            self.setMinimumHeight(0)
            return
        width = max(self.width(), self.minimumWidth())
        self.setMinimumHeight(max(0, self._layout.heightForWidth(width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Follow the width with the height the wrapped texts need."""
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_title()
            self._fit_height()

    def _header_width(self, margin: int) -> int:
        """The narrowest card whose header (number and title) cuts no word of the title.

        A wrapped title still cuts a word wider than its line ("Reserv", "paymen" at
        the window's minimum size), and the card's own minimum width overrides its
        layout's: so the header's needs are added up here. In presenter mode the
        title shrinks to its line instead (``_fit_title``): six cards of 36 px words
        would not fit a 1920 px screen.
        """
        title = longest_word(self._title_font, self._info.title) if self._factor == 1.0 else 0
        self._title.setMinimumWidth(title)
        return 2 * (margin + 2) + self._badge.sizeHint().width() + self._header.spacing() + title

    def _glow_margin(self) -> int:
        return 6

    def _add_choice(self, label: str, spec: str, tip: str) -> None:
        self._kind.addItem(label, spec)
        if tip:
            self._kind.setItemData(self._kind.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)

    def _emit_if_spec_changed(self) -> None:
        spec = self.fault_spec()
        if spec != self._last_spec:
            self._last_spec = spec
            self.fault_spec_changed.emit()

    def _refresh(self) -> None:
        look = _LOOKS[self._shown]
        self._chip.set_look(look)
        self._badge.set_look(look)
        self._refresh_fault()
        self._update_pulse()
        self._refresh_accessibility()
        self.update()

    def set_breakpoints(self, before_run: bool, before_compensation: bool) -> None:
        """Mark the card: the run pauses before this step runs / is compensated."""
        self._breakpoints = (before_run, before_compensation)
        where = [
            w for w, on in zip(("runs", "is compensated"), self._breakpoints, strict=True) if on
        ]
        self._breakpoint.setVisible(bool(where))
        text = f"Breakpoint: the run pauses before this step {' and before it '.join(where)}"
        self._breakpoint.setToolTip(text if where else "")
        self._breakpoint.setAccessibleName(text if where else "")

    def breakpoints(self) -> tuple[bool, bool]:
        """(pause before it runs, pause before it is compensated)."""
        return self._breakpoints

    def _refresh_fault(self) -> None:
        armed = self._fail.isChecked()
        self._armed.setVisible(armed)
        # Against the tinted fill it is drawn on, not the plain card.
        background = _card_fill(self.palette(), self._shown)
        color = readable(QColor(_FAULT_ACCENT), background)
        style = f"color: {color.name()};"
        # A style sheet change restyles the label: only when the colour really changed.
        if style != self._fault_style:
            self._fault_style = style
            self._armed.setStyleSheet(style)
        spec = self._kind.currentText()
        self._armed.setToolTip(f"A fault is injected here: {spec}" if armed else "")
        self._armed.setAccessibleName(f"Fault injected: {spec}" if armed else "")
        self.update()

    def _refresh_accessibility(self) -> None:
        look = _LOOKS[self._shown]
        info = self._info
        self.setAccessibleName(f"Step {self._number} {info.title}: {look.label}")
        extra = [part for part in (self._attempt_text, self._note.text()) if part]
        self.setAccessibleDescription(
            f"{info.description}. Undo: {info.compensation}."
            + (f" {', '.join(extra)}." if extra else "")
        )
        self._chip.setAccessibleName(f"Status: {look.label}")
        self.setToolTip(
            f"{info.name} — {info.description}\n"
            f"Compensation: {info.compensation}\n"
            f"Status: {look.symbol} {look.label}" + (f" ({', '.join(extra)})" if extra else "")
        )

    def _update_pulse(self) -> None:
        animation = self._pulse_animation
        if animation is None and self._status == "EXECUTING":
            animation = self._pulse_animation = pulse_animation(self, _PULSE_PERIOD_MS)
        running = animation is not None and animation.state() == animation.State.Running
        wanted = self._status == "EXECUTING" and self._duration > 0
        if wanted and not running and animation is not None:
            animation.start()
        elif not wanted:
            if running and animation is not None:
                animation.stop()
            self._set_pulse(0.0)
