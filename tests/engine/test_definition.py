"""Saga definitions, step contexts and the exception tree."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import saga_desktop
from saga_desktop.engine import (
    DefinitionError,
    EventStoreError,
    SagaDefinition,
    SagaError,
    SagaStep,
    SimulatedCrash,
    StepContext,
    StepError,
    TransientStepError,
    compensation_name,
)


def noop(ctx):
    return None


def test_empty_saga_is_refused():
    with pytest.raises(DefinitionError) as excinfo:
        SagaDefinition("booking", ())

    assert str(excinfo.value) == "saga 'booking' has no steps"


def test_duplicate_step_names_are_refused():
    steps = (SagaStep("SEAT", noop), SagaStep("PAY", noop), SagaStep("SEAT", noop))

    with pytest.raises(DefinitionError) as excinfo:
        SagaDefinition("booking", steps)

    assert str(excinfo.value) == "saga 'booking' repeats step 'SEAT'"


def test_nameless_step_is_refused():
    with pytest.raises(DefinitionError) as excinfo:
        SagaDefinition("booking", (SagaStep("", noop),))

    assert str(excinfo.value) == "saga 'booking' has a step without a name"


def test_step_lookup_and_names():
    seat, pay = SagaStep("SEAT", noop), SagaStep("PAY", noop)
    definition = SagaDefinition("booking", (seat, pay))

    assert definition.step_names == ("SEAT", "PAY")
    assert definition.step("PAY") is pay
    with pytest.raises(KeyError):
        definition.step("LOYALTY")


def test_compensation_names():
    assert compensation_name("RESERVE_SEAT") == "COMPENSATE_RESERVE_SEAT"
    assert SagaStep("PAY", noop).compensation_name == "COMPENSATE_PAY"


def test_step_defaults():
    step = SagaStep("PAY", noop)

    assert step.timeout is None
    assert step.retry.max_attempts == 1
    assert step.compensation_retry.max_attempts == 1
    assert step.compensation(StepContext("c", "PAY", 1, {}, {})) == {}


def test_step_context_idempotency_key_ignores_the_attempt():
    first = StepContext("cid-1", "PAY", 1, {}, {})
    retry = StepContext("cid-1", "PAY", 2, {}, {})

    assert first.idempotency_key == retry.idempotency_key == "cid-1:PAY"


def test_exception_tree():
    assert issubclass(DefinitionError, SagaError)
    assert issubclass(StepError, SagaError)
    assert issubclass(TransientStepError, StepError)
    assert issubclass(EventStoreError, SagaError)
    assert issubclass(SagaError, Exception)
    assert issubclass(SimulatedCrash, BaseException)
    assert not issubclass(SimulatedCrash, Exception)


def test_step_error_injected_flag():
    assert StepError("x").injected is False
    assert TransientStepError("x", injected=True).injected is True
    assert str(StepError("seat 12A taken")) == "seat 12A taken"


def test_engine_does_not_import_qt_or_booking():
    code = (
        "import sys, saga_desktop.engine; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6') "
        "or m.startswith(('saga_desktop.booking', 'saga_desktop.cli', 'saga_desktop.gui'))]; "
        "print(bad)"
    )
    root = pathlib.Path(saga_desktop.__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )

    assert out.stdout.strip() == "[]"
