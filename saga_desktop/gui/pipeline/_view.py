"""The saga drawn left to right: step cards, arrows, a token and the compensation lane."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Property, QEvent, QObject, QPointF, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from saga_desktop.gui.pipeline import _lanes
from saga_desktop.gui.pipeline._card import StepCard
from saga_desktop.gui.pipeline._looks import (
    _COMPACT_BELOW,
    _COMPENSATION_ACCENT,
    _DEFAULT_DURATION_MS,
    _FORWARD_TOKEN,
    _LOOKS,
    COMPENSATION_STATUSES,
    FORWARD_STATUSES,
    LOOK_STATUS,
    StepInfo,
    _scaled,
    _with_alpha,
)
from saga_desktop.gui.pipeline._parts import _Token
from saga_desktop.gui.theme import readable

if TYPE_CHECKING:
    from PySide6.QtCore import QPropertyAnimation


class PipelineView(QWidget):
    """The saga drawn left to right: step cards, arrows, a token and the compensation lane."""

    fault_plan_changed = Signal()

    def __init__(self, steps: Sequence[StepInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not steps:
            raise ValueError("a pipeline needs at least one step")
        self.setObjectName("pipeline")
        self.setAccessibleName("Saga pipeline")
        self.setAccessibleDescription(
            "The saga's steps from left to right; compensations run right to left underneath."
        )
        self._steps = tuple(steps)
        self._scale = 1.0
        self._duration = _DEFAULT_DURATION_MS
        self._compensating = False
        self._token_pos = QPointF()
        self._token_at: tuple[str, str] | None = None

        self._cards: dict[str, StepCard] = {}
        self._controls = True
        self._live_run = False
        self._ran: set[str] = set()
        self._row = QHBoxLayout()
        for number, info in enumerate(self._steps, start=1):
            card = StepCard(info, number, self)
            card.fault_spec_changed.connect(self._on_card_fault_spec_changed)
            card.status_changed.connect(self._on_card_status_changed)
            card.installEventFilter(self)
            self._cards[info.name] = card
            self._row.addWidget(card, 1)
        layout = self._outer = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(self._row)
        layout.addStretch(1)

        self._token = _Token(self)
        self._token.hide()
        # Made on the token's first move (see _token_motion), after the first paint.
        self._token_animation: QPropertyAnimation | None = None
        self._apply_scale()

    # -- Qt properties ---------------------------------------------------------------

    def _get_token_pos(self) -> QPointF:
        return QPointF(self._token_pos)

    def _set_token_pos(self, pos: QPointF) -> None:
        self._token_pos = QPointF(pos)
        self._token.move(
            round(pos.x() - self._token.width() / 2), round(pos.y() - self._token.height() / 2)
        )

    token_pos = Property(QPointF, _get_token_pos, _set_token_pos)

    # -- public API ------------------------------------------------------------------

    def cards(self) -> dict[str, StepCard]:
        return dict(self._cards)

    def card(self, name: str) -> StepCard:
        try:
            return self._cards[name]
        except KeyError:
            raise KeyError(f"no step {name!r} in this pipeline: {', '.join(self._cards)}") from None

    def steps(self) -> tuple[StepInfo, ...]:
        return self._steps

    def fault_specs(self) -> dict[str, str]:
        specs: dict[str, str] = {}
        for name, card in self._cards.items():
            spec = card.fault_spec()
            if spec is not None:
                specs[name.lower()] = spec
        return specs

    def set_fault_specs(self, specs: dict[str, str]) -> None:
        """Switch on exactly the steps in ``specs`` (keys as in ``fault_specs``)."""
        keys = {name.lower(): name for name in self._cards}
        unknown = set(specs) - set(keys)
        if unknown:
            raise KeyError(f"unknown steps {sorted(unknown)}: expected some of {sorted(keys)}")
        for key, name in keys.items():
            self._cards[name].set_fault_spec(specs.get(key))

    def token_visible(self) -> bool:
        return self._token.isVisibleTo(self)

    def token_lane(self) -> str | None:
        """``"forward"``, ``"compensation"`` or ``None`` when the token is hidden."""
        return self._token_at[1] if self._token_at is not None else None

    def token_step(self) -> str | None:
        return self._token_at[0] if self._token_at is not None else None

    @Slot(str, str)
    def set_step_status(self, name: str, status: str) -> None:
        self.card(name).set_status(status)
        status = LOOK_STATUS.get(status, status)
        if status in FORWARD_STATUSES:
            self._move_token(name, "forward")
        elif status in COMPENSATION_STATUSES:
            self._move_token(name, "compensation")

    def show_wait(self, name: str, text: str, seconds: float, held: float) -> None:
        """Count down a wait (backoff, a late reply) on step ``name``'s card."""
        self.card(name).show_wait(text, seconds, held)

    @Slot(str, int, int)
    def set_attempt(self, name: str, attempt: int, max_attempts: int) -> None:
        self.card(name).set_attempt(attempt, max_attempts)

    @Slot(str, str)
    def set_note(self, name: str, text: str) -> None:
        self.card(name).set_note(text)

    @Slot(bool)
    def set_compensating(self, active: bool) -> None:
        self._compensating = active
        self.update()

    def is_compensating(self) -> bool:
        return self._compensating

    @Slot()
    def reset(self) -> None:
        self._stop_token()
        for card in self._cards.values():
            card.set_status("PENDING")
            card.set_attempt(0, 0)
            card.set_note("")
        self._token.hide()
        self._token_at = None
        self._compensating = False
        self.update()

    @Slot(int)
    def set_animation_duration(self, ms: int) -> None:
        self._duration = max(0, ms)
        for card in self._cards.values():
            card.set_animation_duration(self._duration)
        animation = self._token_animation
        if (
            self._duration == 0
            and animation is not None
            and animation.state() != animation.State.Stopped
        ):
            animation.stop()
            self._snap_token()

    def animation_duration(self) -> int:
        return self._duration

    @Slot(bool)
    def set_controls_enabled(self, enabled: bool) -> None:
        """Let every switch change (idle) or none (busy; see :meth:`set_live_run`)."""
        self._controls = enabled
        self._refresh_controls()

    def set_live_run(self, on: bool) -> None:
        """While a run goes on, the switches of the steps it has not reached may change."""
        if on and not self._live_run:
            self._ran.clear()
        self._live_run = on
        self._refresh_controls()

    def mark_ran(self, name: str) -> None:
        """The run has started ``name`` (the worker said so): its switches stay as they are."""
        self._ran.add(name)
        self._refresh_controls()

    def _refresh_controls(self) -> None:
        for name, card in self._cards.items():
            if self._controls:
                card.set_controls_enabled(True)
            elif not self._live_run:
                card.set_controls_enabled(False, "A run is in progress")
            elif card.property("status") == "PENDING" and name not in self._ran:
                card.set_controls_enabled(
                    True, "The run has not reached this step: a change counts in this run"
                )
            else:
                card.set_controls_enabled(
                    False, "This step has run: its fault stays as the step started with it"
                )

    @Slot(float)
    def set_presenter_scale(self, factor: float) -> None:
        if not 0.5 <= factor <= 4.0:
            raise ValueError(f"presenter scale {factor} is out of range: use 0.5 to 4.0")
        self._scale = factor
        self._apply_scale()

    def presenter_scale(self) -> float:
        return self._scale

    # -- slots -------------------------------------------------------------------------

    @Slot()
    def _on_card_fault_spec_changed(self) -> None:
        self.update()
        self.fault_plan_changed.emit()

    @Slot(str)
    def _on_card_status_changed(self, status: str) -> None:
        # Lit arrows and lane segments follow the statuses; a step that has started
        # keeps its switch during a live run.
        if self._live_run:
            self._refresh_controls()
        self.update()

    # -- events ------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_compact()
        self._stop_token()
        self._snap_token()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._snap_token()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_scale()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A card that moves or resizes repaints the lanes and arrows hung off it.

        Qt would repaint only the strips the card left and entered, and the old lanes
        would stay on screen beside the new ones.
        """
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize):
            self.update()
        return super().eventFilter(watched, event)

    def event(self, event: QEvent) -> bool:
        result = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._snap_token()
        return result

    def paintEvent(self, event: QPaintEvent) -> None:
        cards = list(self._cards.values())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        ink = palette.color(QPalette.ColorRole.WindowText)
        background = palette.color(QPalette.ColorRole.Window)
        muted = _with_alpha(ink, 0.35)
        s = self._scale
        glow = cards[0]._glow_margin()

        # The forward lane: a faint dotted track the token rides on.
        top = self._lane_y("forward")
        if len(cards) > 1:
            pen = QPen(_with_alpha(ink, 0.22), 1.5 * s)
            pen.setDashPattern([1.0, 3.0])
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(
                QPointF(self._centre_x(cards[0]), top), QPointF(self._centre_x(cards[-1]), top)
            )
        for card in cards:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_with_alpha(ink, 0.22))
            painter.drawEllipse(QPointF(self._centre_x(card), top), 2.5 * s, 2.5 * s)

        # Forward arrows between the cards, lit once the saga has gone past them.
        lit = QColor(_LOOKS["COMPLETED"].accent)
        for left, right in itertools.pairwise(cards):
            x1 = left.geometry().right() + 1 - glow + 4 * s
            x2 = right.geometry().left() + glow - 4 * s
            y = left.geometry().center().y()
            passed = right._status != "PENDING"
            color = readable(lit, background, ratio=3.0) if passed else muted
            _lanes.draw_arrow(
                painter, QPointF(x1, y), QPointF(x2, y), color, (3.0 if passed else 2.0) * s
            )

        _lanes.paint_compensation_lane(
            painter,
            _lanes.LanePaint(
                cards=cards,
                lane=self._lane_y("compensation"),
                scale=s,
                compensating=self._compensating,
                font=_scaled(self.font(), s * 0.9, italic=True),
                ink=ink,
                background=background,
                muted=muted,
                centre_x=self._centre_x,
            ),
        )

    # -- helpers -----------------------------------------------------------------------

    def _apply_scale(self) -> None:
        s = self._scale
        base = self.font()
        for card in self._cards.values():
            card.apply_fonts(base, s)
        glow = next(iter(self._cards.values()))._glow_margin()
        self._token.set_radius(8.0 * s)
        label_height = QFontMetricsF(_scaled(base, s * 0.9)).height()
        top = round(self._token.height() + 6 * s) - glow
        bottom = round(14 * s + label_height + 10 * s) - glow
        side = round(14 * s) - glow + 2
        self._outer.setContentsMargins(side, top, side, bottom)
        self._outer.setSpacing(0)
        # Gaps grow slower than the cards: at presenter scales the cards get the room.
        self._row.setSpacing(round(40 * s**0.6) - 2 * glow)
        self._update_compact()
        self.updateGeometry()
        self.update()

    def _update_compact(self) -> None:
        margins = self._outer.contentsMargins()
        count = len(self._cards)
        room = self.width() - margins.left() - margins.right() - self._row.spacing() * (count - 1)
        compact = room / count < _COMPACT_BELOW * self._scale
        for card in self._cards.values():
            card.set_compact(compact)

    def _centre_x(self, card: QWidget) -> float:
        return card.geometry().x() + card.geometry().width() / 2

    def _lane_y(self, lane: str) -> float:
        cards = list(self._cards.values())
        glow = cards[0]._glow_margin()
        if lane == "forward":
            top = min(card.geometry().top() for card in cards) + glow
            return top - self._token.height() / 2 - 2 * self._scale
        bottom = max(card.geometry().bottom() + 1 for card in cards) - glow
        label_height = QFontMetricsF(_scaled(self.font(), self._scale * 0.9)).height()
        return bottom + 12 * self._scale + label_height / 2

    def _token_point(self, name: str, lane: str) -> QPointF:
        return QPointF(self._centre_x(self._cards[name]), self._lane_y(lane))

    def _snap_token(self) -> None:
        if self._token_at is None:
            return
        animation = self._token_animation
        if animation is not None and animation.state() == animation.State.Running:
            return
        self._set_token_pos(self._token_point(*self._token_at))

    def _stop_token(self) -> None:
        if self._token_animation is not None:
            self._token_animation.stop()

    def _token_motion(self) -> QPropertyAnimation:
        if self._token_animation is None:
            from PySide6.QtCore import QEasingCurve, QPropertyAnimation

            self._token_animation = QPropertyAnimation(self, b"token_pos", self)
            self._token_animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        return self._token_animation

    def _move_token(self, name: str, lane: str) -> None:
        previous = self._token_at
        if previous == (name, lane):
            return
        self._token_at = (name, lane)
        color = QColor(_FORWARD_TOKEN if lane == "forward" else _COMPENSATION_ACCENT)
        self._token.set_color(color)
        target = self._token_point(name, lane)
        self._stop_token()
        if previous is None or self._duration == 0 or not self.isVisible():
            self._set_token_pos(target)
            self._token.show()
            self._token.raise_()
            return
        self._token.show()
        self._token.raise_()
        start = QPointF(self._token_pos)
        points = [start]
        if previous[1] != lane:
            # Change lanes in the gap beside the card, not across its text.
            card = self._cards[previous[0]].geometry()
            gap = self._row.spacing() / 2
            x = card.right() + 1 + gap if lane == "compensation" else card.left() - gap
            points += [QPointF(x, start.y()), QPointF(x, target.y())]
        points.append(target)
        lengths = [math.hypot(b.x() - a.x(), b.y() - a.y()) for a, b in itertools.pairwise(points)]
        total = sum(lengths) or 1.0
        hop = max(1.0, self._cards[name].width() + self._row.spacing())
        animation = self._token_motion()
        animation.setDuration(round(self._duration * min(2.2, max(1.0, total / hop))))
        # All key values at once: setKeyValueAt would keep the corners of an earlier path.
        keys: list[tuple[float, object]] = [(0.0, start)]
        travelled = 0.0
        for point, length in zip(points[1:-1], lengths, strict=False):
            travelled += length
            keys.append((travelled / total, point))
        keys.append((1.0, target))
        animation.setKeyValues(keys)
        animation.start()
