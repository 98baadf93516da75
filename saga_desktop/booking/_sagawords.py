"""The words presenter captions use for a saga file's steps, derived from its spec.

The flight booking has words written for each step ("the seat service", "the
seat is released"); a saga file's step gets them from what the file says: its
title, its service's title, its effect and its compensation's text. The same
captions then tell a room any saga.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from saga_desktop.booking._spec import Credit, Debit, Record, SagaSpec, StepSpec, Take, resolve

if TYPE_CHECKING:
    from saga_desktop.booking._captions import _Story

__all__ = ["SpecWords"]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _amount(value: object) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    return str(value)


class SpecWords:
    """A saga file's words for its steps (a step it does not have is named as it is).

    Parameters
    ----------
    spec
        The saga.
    """

    def __init__(self, spec: SagaSpec) -> None:
        self.spec = spec
        self._steps = {step.name: step for step in spec.steps}

    def _step(self, name: str) -> StepSpec | None:
        return self._steps.get(name)

    def saga_kind(self, saga_name: str) -> str:
        """``trip booking saga``: the saga file's title."""
        return f"{_lower(self.spec.title)} saga"

    def title(self, step: str) -> str:
        """The step's title in lower case (``book the flight``)."""
        found = self._step(step)
        return _lower(found.title) if found is not None else step

    def service(self, step: str) -> str:
        """The service that runs the step (``the flight service``)."""
        found = self._step(step)
        if found is None or found.service not in self.spec.services:
            return f"step {step}"
        return f"the {_lower(self.spec.services[found.service].title)}"

    def ask(self, step: str, story: _Story) -> str | None:
        """``asks the flight service to take 1 LH400``, with the request's values."""
        found = self._step(step)
        if found is None or found.effect is None:
            return None
        effect, request = found.effect, story.payload
        if isinstance(effect, Take):
            item, amount = resolve(effect.item, request), resolve(effect.amount, request)
            what = f"to take {_amount(amount)} {item}"
        elif isinstance(effect, Debit):
            account, amount = resolve(effect.account, request), resolve(effect.amount, request)
            what = f"to debit {_amount(amount)} from {account}"
        elif isinstance(effect, Credit):
            account, amount = resolve(effect.account, request), resolve(effect.amount, request)
            what = f"to credit {_amount(amount)} to {account}"
        else:
            assert isinstance(effect, Record)
            what = f"to record the {effect.kind.replace('_', ' ')}"
        return f"asks {self.service(step)} {what}"

    def ask_undo(self, step: str) -> str | None:
        """``asks the flight service to give the seat back``."""
        found = self._step(step)
        if found is None:
            return None
        return f"asks {self.service(step)} to {_lower(found.compensation)}"

    def failed(self, step: str) -> str:
        """The step's failure as a sentence's start (``Book the flight did not go through``)."""
        found = self._step(step)
        return f"{found.title} did not go through" if found is not None else f"Step {step} failed"

    def unknown(self, step: str) -> str:
        """What a late reply leaves unknown: ``book the flight went through``."""
        return f"{self.title(step)} went through"

    def undone(self, step: str) -> str:
        """The undo as it happens: ``give the seat back``."""
        found = self._step(step)
        return _lower(found.compensation) if found is not None else f"{step} is undone"

    def deed(self, step: str) -> str:
        """What the step did, as a noun: ``The effect of book the flight``."""
        return f"The effect of {self.title(step)}"

    def undoing(self, step: str) -> str:
        """The undo as a subject: ``The undo of book the flight``."""
        return f"The undo of {self.title(step)}"

    def back(self, step: str) -> str:
        """What a successful undo says: ``Undone: give the seat back.``."""
        found = self._step(step)
        return (
            f"Undone: {_lower(found.compensation)}." if found is not None else f"{step} is undone."
        )

    def done(self, step: str, result: Mapping[str, Any]) -> str:
        """What the step did, from its result."""
        found = self._step(step)
        effect = found.effect if found is not None else None
        if isinstance(effect, Take) and "item" in result:
            left = result.get("left")
            tail = f"; {left} left" if isinstance(left, int) else ""
            return f"{_amount(result.get('amount'))} {result['item']} taken{tail}."
        if isinstance(effect, Debit) and "account" in result:
            return f"{_amount(result.get('amount'))} debited from {result['account']}."
        if isinstance(effect, Credit) and "account" in result:
            return f"{_amount(result.get('amount'))} credited to {result['account']}."
        if isinstance(effect, Record) and "reference" in result:
            return f"The {effect.kind.replace('_', ' ')} is recorded ({result['reference']})."
        return f"Step {step} is done."
