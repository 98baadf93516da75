"""The process the crash harness kills: booking sagas in a loop, with random faults.

Run as ``python durability_crash_child.py DATA_DIR SEED``. It opens a durable
orchestrator on DATA_DIR, prints ``ready`` on stdout once everything is imported
and open, then runs sagas until it is killed. It never ends on its own.

With ``--recover`` after SEED it recovers the interrupted sagas instead and ends
(unless the harness kills it first). With ``--batch`` it runs the sagas as
``saga-desktop batch`` does: no log files, no events kept.

The faults never include ``compensation_fail:forever`` (a dead letter is a
legitimate end that leaves the world inconsistent until a person acts) nor
``crash`` (the harness's SIGKILL is the crash, and a self-inflicted one would
only end the run before the kill).
"""

from __future__ import annotations

import random
import sys

from saga_desktop.booking import (
    STEP_KEYS,
    BookingSagaOrchestrator,
    Fault,
    FaultKind,
)

#: The kinds the harness plans; ``transient:3`` exhausts the three attempts and fails.
HARNESS_FAULTS: tuple[Fault, ...] = (
    Fault(FaultKind.FAIL),
    Fault(FaultKind.TRANSIENT, 1),
    Fault(FaultKind.TRANSIENT, 2),
    Fault(FaultKind.TRANSIENT, 3),
    Fault(FaultKind.TIMEOUT),
    Fault(FaultKind.COMPENSATION_FAIL, 1),
    Fault(FaultKind.COMPENSATION_FAIL, 2),
)

#: Chance that a step has a fault planned.
FAULT_RATE = 0.45


def random_plan(rng: random.Random) -> dict[str, Fault]:
    """At most one fault per step, each step faulty with probability FAULT_RATE."""
    return {key: rng.choice(HARNESS_FAULTS) for key in STEP_KEYS if rng.random() < FAULT_RATE}


def random_booking(rng: random.Random) -> dict[str, object]:
    """A request on the default world, small enough that seats and points last a while."""
    passengers = [
        {"first_name": f"P{n}", "last_name": "Crash", "gender": "other"}
        for n in range(rng.randint(1, 2))
    ]
    return {
        "flight_id": rng.choice((123, 456, 789)),
        "user_id": rng.choice((1, 2, 3)),
        "total_fare": rng.choice((180.0, 500.0, 1200.0)),
        "loyalty_points_to_use": rng.choice((0, 0, 100, 300)),
        "payment_method": rng.choice(("card", "paypal", "bank_transfer")),
        "passengers": passengers,
    }


def main(argv: list[str]) -> int:
    data_dir, seed = argv[0], int(argv[1])
    rng = random.Random(seed)
    batch = argv[2:] == ["--batch"]
    orchestrator = BookingSagaOrchestrator(
        data_dir, rng=random.Random(seed + 1), write_logs=not batch, keep_events=not batch
    )
    print("ready", flush=True)
    if argv[2:] == ["--recover"]:
        # The harness kills recovery itself too: recover once and end.
        orchestrator.recover()
        orchestrator.close()
        return 0
    while True:
        # A user whose points ran low is refused by the loyalty service, in the saga.
        request = orchestrator.validate(random_booking(rng))
        orchestrator.run(request, random_plan(rng))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
