from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractAnimation, QPointF, QPropertyAnimation
from PySide6.QtWidgets import QCheckBox, QComboBox

from saga_desktop.gui.pipeline import FAULT_CHOICES, STATUSES, PipelineView, StepInfo

BOOKING = [
    StepInfo(
        "RESERVE_SEAT", "Reserve seat", "Reserve seat for passenger", "Cancel the seat", "Ctrl+1"
    ),
    StepInfo("DEDUCT_LOYALTY_POINTS", "Deduct points", "Deduct points", "Refund points", "Ctrl+2"),
    StepInfo("PROCESS_PAYMENT", "Process payment", "Process payment", "Refund payment", "Ctrl+3"),
    StepInfo("CONFIRM_BOOKING", "Confirm booking", "Confirm booking", "Cancel booking", "Ctrl+4"),
]


@pytest.fixture
def view(qtbot) -> PipelineView:
    widget = PipelineView(BOOKING)
    qtbot.addWidget(widget)
    widget.set_animation_duration(0)
    widget.resize(1280, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_cards_are_built_from_the_steps_in_order(view: PipelineView) -> None:
    assert list(view.cards()) == [step.name for step in BOOKING]
    assert view.objectName() == "pipeline"
    card = view.card("PROCESS_PAYMENT")
    assert card.objectName() == "stepNode_PROCESS_PAYMENT"
    assert card.property("status") == "PENDING"
    assert view.findChild(QCheckBox, "failToggle_process_payment") is not None
    assert view.findChild(QComboBox, "faultKind_process_payment") is not None


@pytest.mark.parametrize("count", [1, 7, 8])
def test_any_number_of_steps_builds_that_many_cards(qtbot, count: int) -> None:
    steps = [StepInfo(f"STEP_{i}", f"Step {i}", "does", "undoes") for i in range(count)]
    widget = PipelineView(steps)
    qtbot.addWidget(widget)
    widget.set_animation_duration(0)
    widget.resize(1280, 300)
    widget.show()
    assert len(widget.cards()) == count
    assert widget.card(f"STEP_{count - 1}").accessibleName().startswith(f"Step {count} ")


def test_status_property_changes_and_notifies(qtbot, view: PipelineView) -> None:
    card = view.card("PROCESS_PAYMENT")
    with qtbot.waitSignal(card.status_changed) as blocker:
        view.set_step_status("PROCESS_PAYMENT", "FAILED")
    assert blocker.args == ["FAILED"]
    assert card.property("status") == "FAILED"
    assert card.accessibleName() == "Step 3 Process payment: Failed"
    for status in STATUSES:
        card.set_status(status)
        assert card.property("status") == status


def test_setting_the_same_status_again_emits_nothing(qtbot, view: PipelineView) -> None:
    card = view.card("RESERVE_SEAT")
    card.set_status("COMPLETED")
    with qtbot.assertNotEmitted(card.status_changed):
        card.set_status("COMPLETED")


def test_unknown_status_is_refused(view: PipelineView) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        view.set_step_status("RESERVE_SEAT", "DONE")


def test_fault_specs_follow_switch_and_kind(qtbot, view: PipelineView) -> None:
    assert view.fault_specs() == {}
    card = view.card("PROCESS_PAYMENT")
    with qtbot.waitSignal(view.fault_plan_changed):
        card.fail_toggle().setChecked(True)
    assert view.fault_specs() == {"process_payment": "fail"}
    combo = card.fault_kind_combo()
    with qtbot.waitSignal(view.fault_plan_changed):
        combo.setCurrentIndex(combo.findData("transient:2"))
    assert view.fault_specs() == {"process_payment": "transient:2"}
    assert card.fault_spec() == "transient:2"
    view.card("RESERVE_SEAT").set_fault_spec("compensation_fail:forever")
    assert view.fault_specs() == {
        "process_payment": "transient:2",
        "reserve_seat": "compensation_fail:forever",
    }
    card.set_fault_spec(None)
    assert view.fault_specs() == {"reserve_seat": "compensation_fail:forever"}


def test_combo_offers_every_kind_and_is_enabled_only_when_switched_on(view: PipelineView) -> None:
    card = view.card("CONFIRM_BOOKING")
    combo = card.fault_kind_combo()
    assert [combo.itemData(i) for i in range(combo.count())] == [c[1] for c in FAULT_CHOICES]
    assert not combo.isEnabled()
    card.fail_toggle().setChecked(True)
    assert combo.isEnabled()
    card.fail_toggle().setChecked(False)
    assert not combo.isEnabled()


def test_switch_names_its_shortcut(view: PipelineView) -> None:
    toggle = view.card("PROCESS_PAYMENT").fail_toggle()
    assert toggle.text() == "Fail"
    assert "Ctrl+3" in toggle.toolTip()
    assert "Ctrl+3" in toggle.accessibleName()


def test_controls_lock_while_running(view: PipelineView) -> None:
    card = view.card("PROCESS_PAYMENT")
    card.set_fault_spec("timeout")
    view.set_controls_enabled(False)
    assert not card.fail_toggle().isEnabled()
    assert not card.fault_kind_combo().isEnabled()
    view.set_controls_enabled(True)
    assert card.fail_toggle().isEnabled()
    assert card.fault_kind_combo().isEnabled()


def test_token_follows_the_lanes(view: PipelineView) -> None:
    assert not view.token_visible()
    view.set_step_status("RESERVE_SEAT", "EXECUTING")
    assert (view.token_step(), view.token_lane()) == ("RESERVE_SEAT", "forward")
    forward = QPointF(view.property("token_pos"))
    view.set_compensating(True)
    view.set_step_status("RESERVE_SEAT", "COMPENSATING")
    assert view.token_lane() == "compensation"
    assert view.is_compensating()
    # The compensation lane runs under the cards.
    assert QPointF(view.property("token_pos")).y() > forward.y()


def test_reset_clears_statuses_notes_token_and_lane(view: PipelineView) -> None:
    view.card("PROCESS_PAYMENT").set_fault_spec("fail")
    view.set_step_status("RESERVE_SEAT", "COMPENSATED")
    view.set_step_status("PROCESS_PAYMENT", "FAILED")
    view.set_attempt("PROCESS_PAYMENT", 2, 3)
    view.set_note("PROCESS_PAYMENT", "effect unknown")
    view.set_compensating(True)
    assert view.card("PROCESS_PAYMENT").attempt_text() == "attempt 2/3"
    view.reset()
    assert {card.property("status") for card in view.cards().values()} == {"PENDING"}
    card = view.card("PROCESS_PAYMENT")
    assert card.attempt_text() == ""
    assert card.note() == ""
    assert not view.token_visible()
    assert not view.is_compensating()
    # The plan for the next run survives a reset.
    assert view.fault_specs() == {"process_payment": "fail"}


def test_attempt_is_hidden_for_a_single_attempt(view: PipelineView) -> None:
    card = view.card("PROCESS_PAYMENT")
    card.set_attempt(1, 1)
    assert card.attempt_text() == ""
    card.set_attempt(2, 3)
    assert card.attempt_text() == "attempt 2/3"


def test_no_animation_runs_when_duration_is_zero(view: PipelineView) -> None:
    card = view.card("RESERVE_SEAT")
    view.set_step_status("RESERVE_SEAT", "EXECUTING")
    view.set_step_status("DEDUCT_LOYALTY_POINTS", "EXECUTING")
    assert card.property("pulse") == 0.0
    animations = view.findChildren(QPropertyAnimation)
    assert animations
    assert all(a.state() == QAbstractAnimation.State.Stopped for a in animations)


def test_pulse_runs_only_while_executing(qtbot, view: PipelineView) -> None:
    view.set_animation_duration(100)
    card = view.card("RESERVE_SEAT")
    view.set_step_status("RESERVE_SEAT", "EXECUTING")
    qtbot.waitUntil(lambda: card.property("pulse") > 0.0)
    view.set_step_status("RESERVE_SEAT", "COMPLETED")
    assert card.property("pulse") == 0.0


def test_presenter_scale_grows_the_fonts(view: PipelineView) -> None:
    card = view.card("RESERVE_SEAT")
    before = card.font().pointSizeF()
    view.set_presenter_scale(1.5)
    assert card.font().pointSizeF() == pytest.approx(before * 1.5)
