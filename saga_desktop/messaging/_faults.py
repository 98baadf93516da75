"""Message faults: what the transport does wrong, per step or for all traffic.

Kinds, as a person types them (``KIND[:ARG][@STEP][=P]``; P is the chance per
message, 1 when omitted; without ``@STEP`` the fault concerns every step):

``duplicate`` / ``duplicate:K``
    the message is delivered K times (2 by default).
``delay:MS``
    the message arrives MS milliseconds late.
``reorder``
    the message is held back and overtaken by the next one on its way.
``drop``
    a command (or a status query) is lost: the orchestrator's wait times out.
``lost_reply``
    an action's reply is lost: the effect happened, but the orchestrator never
    hears of it (a status query finds it, or the step is undone).

Each message's fate is drawn from a generator seeded by the plan's seed, the
saga's place in the run, the step, the kind of message, its attempt and how
often it was sent before, so the same seed gives the same faults whatever the
threads' timing.
"""

from __future__ import annotations

import dataclasses
import enum
import random
import threading
from collections.abc import Iterable

from saga_desktop.messaging._envelope import Envelope, MessageKind, command_kind
from saga_desktop.messaging._exceptions import InvalidMessageFault

__all__ = [
    "MESSAGE_FAULT_HELP",
    "Fate",
    "MessageFault",
    "MessageFaultKind",
    "MessageFaults",
    "parse_message_fault",
]

#: Most copies of a duplicated message, and the longest delay (ms).
MAX_COPIES = 10
MAX_DELAY_MS = 60_000
# Most sagas whose send counts are remembered (older ones are forgotten first).
_REMEMBERED = 4096


class MessageFaultKind(enum.Enum):
    """What goes wrong with a message."""

    DUPLICATE = "duplicate"
    DELAY = "delay"
    REORDER = "reorder"
    DROP = "drop"
    LOST_REPLY = "lost_reply"


#: One line about each kind, for ``--help`` and error messages.
MESSAGE_FAULT_HELP: dict[MessageFaultKind, str] = {
    MessageFaultKind.DUPLICATE: "duplicate[:K] - delivered K times (2); the inbox ignores repeats",
    MessageFaultKind.DELAY: "delay:MS - arrives MS milliseconds late",
    MessageFaultKind.REORDER: "reorder - overtaken by the next message",
    MessageFaultKind.DROP: "drop - a lost command: the orchestrator times out and asks again",
    MessageFaultKind.LOST_REPLY: "lost_reply - the effect happened, the reply is lost",
}

_COMMANDS = frozenset({MessageKind.ACTION, MessageKind.COMPENSATION, MessageKind.STATUS})


@dataclasses.dataclass(frozen=True, slots=True)
class MessageFault:
    """One planned message fault.

    Attributes
    ----------
    kind
        What goes wrong.
    probability
        The chance, per message it concerns, that it goes wrong (0 to 1).
    value
        ``duplicate``: copies delivered; ``delay``: milliseconds; else 0.
    step
        The step whose messages it concerns; ``None``: every step.
    """

    kind: MessageFaultKind
    probability: float = 1.0
    value: int = 0
    step: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise InvalidMessageFault(
                f"the chance of {self.kind.value} must be between 0 and 1, not {self.probability}"
            )
        if self.kind is MessageFaultKind.DUPLICATE and not 2 <= self.value <= MAX_COPIES:
            raise InvalidMessageFault(
                f"duplicate delivers 2 to {MAX_COPIES} copies, not {self.value}"
            )
        if self.kind is MessageFaultKind.DELAY and not 1 <= self.value <= MAX_DELAY_MS:
            raise InvalidMessageFault(
                f"delay is 1 to {MAX_DELAY_MS:,} milliseconds, not {self.value}"
            )

    def concerns(self, envelope: Envelope) -> bool:
        """True when this fault may strike ``envelope``."""
        if self.step is not None and self.step != envelope.step:
            return False
        if self.kind is MessageFaultKind.DROP:
            return envelope.kind in _COMMANDS
        if self.kind is MessageFaultKind.LOST_REPLY:
            # An action's reply: its effect happened, and the orchestrator never hears.
            return (
                envelope.kind is MessageKind.REPLY
                and command_kind(envelope.idempotency_key) is MessageKind.ACTION
            )
        return True

    def __str__(self) -> str:
        text = self.kind.value
        if self.kind is MessageFaultKind.DELAY or (
            self.kind is MessageFaultKind.DUPLICATE and self.value != 2
        ):
            text += f":{self.value}"
        if self.step is not None:
            text += f"@{self.step.lower()}"
        return text if self.probability == 1.0 else f"{text}={self.probability:g}"


def parse_message_fault(text: str, steps: Iterable[str] = ()) -> MessageFault:
    """Read ``KIND[:ARG][@STEP][=P]`` (see the module's notes).

    Parameters
    ----------
    text
        What a person typed.
    steps
        The saga's step names; a named step must be one of them (any case).

    Raises
    ------
    InvalidMessageFault
        With a message a person can act on.
    """
    spec, _, chance = text.strip().partition("=")
    probability = 1.0
    if chance:
        try:
            probability = float(chance)
        except ValueError:
            raise InvalidMessageFault(
                f"{text!r:.60}: the chance after '=' must be a number from 0 to 1"
            ) from None
        if not 0.0 <= probability <= 1.0:  # NaN too
            raise InvalidMessageFault(
                f"{text!r:.60}: the chance {chance!r:.20} is not between 0 and 1"
            )
    spec, _, step = spec.partition("@")
    name, _, arg = spec.partition(":")
    try:
        kind = MessageFaultKind(name.strip().lower())
    except ValueError:
        known = ", ".join(kind.value for kind in MessageFaultKind)
        raise InvalidMessageFault(
            f"{text!r:.60}: unknown message fault {name!r:.30} (known: {known})"
        ) from None
    value = _value(kind, arg.strip(), text)
    step_name = _step(step.strip(), steps, text) if step else None
    return MessageFault(kind, probability, value, step_name)


def _value(kind: MessageFaultKind, arg: str, text: str) -> int:
    if kind is MessageFaultKind.DUPLICATE:
        default = 2
    elif kind is MessageFaultKind.DELAY:
        if not arg:
            raise InvalidMessageFault(f"{text!r:.60}: delay needs milliseconds (delay:200)")
        default = 0
    else:
        if arg:
            raise InvalidMessageFault(f"{text!r:.60}: {kind.value} takes no ':' value")
        return 0
    if not arg:
        return default
    if not arg.isdigit():
        raise InvalidMessageFault(f"{text!r:.60}: {arg!r:.20} is not a whole number")
    value = int(arg)
    if kind is MessageFaultKind.DUPLICATE and not 2 <= value <= MAX_COPIES:
        raise InvalidMessageFault(f"{text!r:.60}: duplicate delivers 2 to {MAX_COPIES} copies")
    if kind is MessageFaultKind.DELAY and not 1 <= value <= MAX_DELAY_MS:
        raise InvalidMessageFault(f"{text!r:.60}: delay is 1 to {MAX_DELAY_MS:,} milliseconds")
    return value


def _step(step: str, steps: Iterable[str], text: str) -> str:
    names = {name.upper(): name for name in steps}
    if names and step.upper() not in names:
        known = ", ".join(sorted(name.lower() for name in names))
        raise InvalidMessageFault(f"{text!r:.60}: no step {step!r:.30} (steps: {known})")
    return names.get(step.upper(), step.upper())


@dataclasses.dataclass(frozen=True, slots=True)
class Fate:
    """What the transport does with one message.

    Attributes
    ----------
    copies
        How many times it is delivered (0: lost).
    delay
        Seconds before it arrives.
    reorder
        Whether the next message overtakes it.
    """

    copies: int = 1
    delay: float = 0.0
    reorder: bool = False

    @property
    def lost(self) -> bool:
        """True when the message is never delivered."""
        return self.copies == 0


_UNHARMED = Fate()


class MessageFaults:
    """A plan of message faults, and the seeded draw of each message's fate.

    Parameters
    ----------
    faults
        The planned faults.
    seed
        Makes every fate reproducible; ``None``: a fresh draw each run.
    """

    def __init__(self, faults: Iterable[MessageFault], seed: int | None = None) -> None:
        self.faults = tuple(faults)
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**63)
        self._lock = threading.Lock()
        self._ordinals: dict[str, int] = {}
        self._next_ordinal = 0
        self._sends: dict[tuple[str, str], int] = {}

    def __bool__(self) -> bool:
        return bool(self.faults)

    def _draw(self, envelope: Envelope) -> random.Random:
        # The saga's place in the run stands for its correlation id (random), so the
        # draw is the same with the same seed; a command sent again draws anew.
        key = (envelope.idempotency_key, envelope.kind.value)
        with self._lock:
            ordinal = self._ordinals.get(envelope.correlation_id)
            if ordinal is None:
                ordinal = self._ordinals[envelope.correlation_id] = self._next_ordinal
                self._next_ordinal += 1
                if len(self._ordinals) > _REMEMBERED:
                    self._forget()
            sends = self._sends[key] = self._sends.get(key, 0) + 1
        attempt = envelope.idempotency_key.rpartition(":")[2]
        return random.Random(
            f"{self.seed}|{ordinal}|{envelope.step}|{envelope.kind.value}|{attempt}|{sends}"
        )

    def _forget(self) -> None:
        oldest = next(iter(self._ordinals))
        del self._ordinals[oldest]
        self._sends = {key: n for key, n in self._sends.items() if not key[0].startswith(oldest)}

    def fate(self, envelope: Envelope) -> Fate:
        """What happens to ``envelope`` on its way."""
        concerned = [fault for fault in self.faults if fault.concerns(envelope)]
        if not concerned:
            return _UNHARMED
        rng = self._draw(envelope)
        copies, delay, reorder = 1, 0.0, False
        for fault in concerned:
            if rng.random() >= fault.probability:
                continue
            if fault.kind in (MessageFaultKind.DROP, MessageFaultKind.LOST_REPLY):
                copies = 0
            elif fault.kind is MessageFaultKind.DUPLICATE:
                copies = max(copies, fault.value) if copies else 0
            elif fault.kind is MessageFaultKind.DELAY:
                delay += fault.value / 1000
            else:
                reorder = True
        return Fate(copies, delay, reorder)
