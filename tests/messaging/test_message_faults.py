"""Message faults as people type them: KIND[:ARG][@STEP][=P]."""

from __future__ import annotations

import pytest

from saga_desktop.messaging import (
    InvalidMessageFault,
    MessageFault,
    MessageFaultKind,
    parse_message_fault,
)

STEPS = ("RESERVE_SEAT", "PROCESS_PAYMENT")


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("duplicate", MessageFault(MessageFaultKind.DUPLICATE, 1.0, 2)),
        ("duplicate:3=0.3", MessageFault(MessageFaultKind.DUPLICATE, 0.3, 3)),
        ("delay:200", MessageFault(MessageFaultKind.DELAY, 1.0, 200)),
        ("reorder=0.2", MessageFault(MessageFaultKind.REORDER, 0.2)),
        ("drop=0.1", MessageFault(MessageFaultKind.DROP, 0.1)),
        ("LOST_REPLY=0", MessageFault(MessageFaultKind.LOST_REPLY, 0.0)),
        (
            "drop@process_payment=0.5",
            MessageFault(MessageFaultKind.DROP, 0.5, step="PROCESS_PAYMENT"),
        ),
    ],
)
def test_faults_read_as_typed(text: str, fault: MessageFault) -> None:
    parsed = parse_message_fault(text, STEPS)
    assert parsed == fault
    assert parse_message_fault(str(parsed), STEPS) == parsed


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("explode=0.1", "unknown message fault"),
        ("drop=1.5", "not between 0 and 1"),
        ("drop=-0.1", "not between 0 and 1"),
        ("drop=nan", "not between 0 and 1"),
        ("drop=lots", "must be a number"),
        ("delay", "needs milliseconds"),
        ("delay:0", "1 to 60,000"),
        ("duplicate:1", "2 to 10"),
        ("duplicate:x", "not a whole number"),
        ("reorder:3", "takes no"),
        ("drop@fly_away", "no step"),
    ],
)
def test_bad_faults_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(InvalidMessageFault, match=words):
        parse_message_fault(text, STEPS)
