"""The lab's saga files: the saga format with ``check`` and ``set`` steps, checked by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from saga_desktop._resources import resource_path
from saga_desktop.booking.lab import (
    LAB_SAGAS,
    LabSagaError,
    lab_saga_problems,
    lab_sagas,
    load_lab_saga,
    parse_lab_saga,
)

GOOD = """
name = "probe"
title = "Probe"
description = "Checks a booking, then cancels it."
[lab]
value = "fare"
[request]
booking = "BK1"
fare = 300.0
[[steps]]
name = "CHECK_BOOKING"
check = { booking = "{booking}", status = "CONFIRMED" }
[[steps]]
name = "RELEASE_SEAT"
give = { flight = "{CHECK_BOOKING.flight}" }
"""


def test_every_lab_saga_file_loads() -> None:
    specs = lab_sagas()
    assert tuple(specs) == LAB_SAGAS
    kinds = {step.kind for spec in specs.values() for step in spec.steps}
    assert {"check", "set", "take", "give", "debit", "credit", "pay", "refund"} <= kinds
    for name in LAB_SAGAS:
        path = Path(resource_path("sagas", "lab", f"{name}.saga.toml"))
        assert lab_saga_problems(path.read_text(encoding="utf-8")) == []


def test_a_later_step_reads_what_a_check_read() -> None:
    spec = parse_lab_saga(GOOD)
    assert spec.steps[1].args == {"flight": "{CHECK_BOOKING.flight}"}
    assert spec.steps[1].service == "seats"


def test_the_pessimistic_order_is_a_permutation() -> None:
    booking = lab_sagas()["booking"]
    assert booking.ordered(True)[0].name == "PROCESS_PAYMENT"
    assert sorted(s.name for s in booking.ordered(True)) == sorted(s.name for s in booking.steps)
    assert booking.ordered(False) == booking.steps


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            (
                'check = { booking = "{booking}", status = "CONFIRMED" }',
                'check = { booking = "{nope}", status = "CONFIRMED" }',
            ),
            "steps[0].check.booking",
        ),
        (('status = "CONFIRMED"', 'status = "MAYBE"'), "steps[0].check.status"),
        (('"{CHECK_BOOKING.flight}"', '"{RELEASE_SEAT.flight}"'), "steps[1].give.flight"),
        (('"{CHECK_BOOKING.flight}"', '"{CHECK_BOOKING.colour}"'), "steps[1].give.flight"),
        (("give = {", "gift = {"), "steps[1].gift"),
        (('value = "fare"', 'value = "price"'), "lab.value"),
        (("[lab]", '[lab]\npessimistic_order = ["CHECK_BOOKING"]'), "lab.pessimistic_order"),
        (('name = "RELEASE_SEAT"', 'name = "CHECK_BOOKING"'), "steps[1].name"),
        (("fare = 300.0", "fare = 300.0\n"), None),
    ],
)
def test_a_bad_field_is_named_by_its_path(change: tuple[str, str], path: str | None) -> None:
    old, new = change
    assert old in GOOD
    problems = lab_saga_problems(GOOD.replace(old, new, 1))
    if path is None:
        assert problems == []
        return
    assert problems, "the change should be a problem"
    assert problems[0].startswith(f"{path}:"), problems
    with pytest.raises(LabSagaError, match=path.replace("[", r"\[").replace("]", r"\]")):
        parse_lab_saga(GOOD.replace(old, new, 1))


def test_a_file_too_large_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.saga.toml"
    big.write_text(GOOD + "#" * 70_000, encoding="utf-8")
    with pytest.raises(LabSagaError, match="larger than 64 KiB"):
        load_lab_saga(big)
