"""What the command line prints: states, runs, batches and progress, for a person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saga_desktop.booking import (
        BatchProgress,
        BatchReport,
        MessageServices,
        ServiceSnapshot,
        WorldSnapshot,
    )
    from saga_desktop.engine import SagaResult

__all__ = [
    "ProgressBar",
    "message_report",
    "print_batch",
    "print_consistency",
    "print_messages",
    "print_result",
    "print_saga_state",
    "print_state",
]


def print_state(snapshot: WorldSnapshot) -> None:
    """The flight booking's world: flights, users, payments, bookings and the verdict."""
    for flight in snapshot.flights:
        print(
            f"Flight {flight['id']} {flight['route']} {flight['date']}: "
            f"{flight['seats_left']} of {flight['capacity']} seats left"
        )
    for user in snapshot.users:
        spent = user["opening_points"] - user["points"]
        print(f"User {user['id']} {user['name']}: {user['points']} points ({spent} spent)")
    payments = snapshot.payments
    print(
        f"Payments: {payments['count']}, captured {payments['captured']:.2f}, "
        f"refunded {payments['refunded']:.2f}, net {payments['net']:.2f}"
    )
    print(
        f"Bookings: {snapshot.bookings['confirmed']} confirmed, "
        f"{snapshot.bookings['cancelled']} cancelled"
    )
    if snapshot.in_flight:
        print(
            f"In flight: {len(snapshot.in_flight):,} saga(s) a running process has not "
            "finished (not judged yet)"
        )
    if snapshot.interrupted:
        print(
            f"Interrupted: {len(snapshot.interrupted):,} saga(s) whose process died; "
            "`saga-desktop recover` finishes them"
        )
    print_consistency(snapshot.violations)


def print_consistency(
    violations: Sequence[str], limit: int | None = None, noun: str = "seats, points and money"
) -> None:
    """Say whether the world adds up; list the violations (the first ``limit`` of them)."""
    if not violations:
        print(f"Consistent: {noun} add{'s' if noun == 'every service' else ''} up.")
        return
    print("INCONSISTENT:")
    for violation in violations[:limit]:
        print(f"  - {violation}")
    if limit is not None and len(violations) > limit:
        print(f"  ... and {len(violations) - limit:,} more")


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn in place."""

    WIDTH = 28

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.drawn = False

    def __call__(self, progress: BatchProgress) -> None:
        filled = self.WIDTH * progress.done // max(1, progress.total)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(
            f"\r[{bar}] {progress.done:,}/{progress.total:,} "
            f"{progress.sagas_per_second:,.0f} sagas/s  confirmed {progress.confirmed:,}  "
            f"compensated {progress.compensated:,}\x1b[K"
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line, so that what follows starts on a line of its own."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def print_batch(report: BatchReport, noun: str = "seats, points and money") -> None:
    """A batch's report: the outcomes, the faults, the pace and the verdict."""
    print(
        f"Batch of {report.count:,} sagas, failure rate {report.failure_rate:g}, seed {report.seed}"
    )
    full = "flights full" if noun.startswith("seats") else "out of stock"
    sold_out = f"  ({report.sold_out:,} refused: {full})" if report.sold_out else ""
    width = len(f"{report.attempted:,}")
    for label, count, note in (
        ("confirmed", report.confirmed, ""),
        ("compensated", report.compensated, sold_out),
        ("dead-lettered", report.dead_lettered, ""),
        ("invalid", report.invalid, ""),
    ):
        print(f"  {label:<14}{count:>{width},}{note}")
    faults = ", ".join(f"{kind} {count:,}" for kind, count in report.faults.items())
    print(f"Faults injected: {faults}")
    if report.cancelled:
        print(f"Cancelled after {report.attempted:,} of {report.count:,} sagas.")
    print(
        f"{report.attempted:,} sagas in {report.elapsed:.2f} s: "
        f"{report.sagas_per_second:,.0f} sagas/s"
    )
    print_consistency(report.violations, limit=20, noun=noun)


def print_in_flight(in_flight: Sequence[str], interrupted: Sequence[str]) -> None:
    """Say which sagas were not judged (in flight) and which wait for recovery."""
    if in_flight:
        print(
            f"In flight: {len(in_flight):,} saga(s) a running process has not "
            "finished (not judged yet)"
        )
    if interrupted:
        print(
            f"Interrupted: {len(interrupted):,} saga(s) whose process died; "
            "`saga-desktop recover` finishes them"
        )


def print_saga_state(snapshot: ServiceSnapshot) -> None:
    """A saga file's world: every service's figures and the verdict."""
    for service in snapshot.services:
        title = service["title"]
        for entry in service.get("items", []):
            print(
                f"{title}: {entry['item']}: {entry['left']} of {entry['initial']} left "
                f"({entry['taken']} taken)"
            )
        for entry in service.get("accounts", []):
            print(
                f"{title}: {entry['account']}: {entry['balance']:,.2f} "
                f"(opening {entry['opening']:,.2f})"
            )
        if "put_back" in service:
            print(
                f"{title}: debited {service['debited']:,.2f}, credited "
                f"{service['credited']:,.2f}, put back {service['put_back']:,.2f}"
            )
        for entry in service.get("kinds", []):
            print(
                f"{title}: {entry['kind']}: {entry['created']} standing, "
                f"{entry['cancelled']} cancelled"
            )
        if service["keeps"] == "records" and not service.get("kinds"):
            print(f"{title}: no records yet")
    print_in_flight(snapshot.in_flight, snapshot.interrupted)
    print_consistency(snapshot.violations, noun="every service")


def print_result(
    result: SagaResult,
    response: dict[str, Any],
    saga: str | None,
    messages: dict[str, Any] | None = None,
) -> None:
    """How one saga ended, in a few lines (and its messages, when it sent any)."""
    _print_outcome(result, response, saga)
    print_messages(messages or {})


def _print_outcome(result: SagaResult, response: dict[str, Any], saga: str | None) -> None:
    if result.success and saga is None:
        print(
            f"Booking confirmed: reference {response['booking_reference']} "
            f"(correlation id {result.correlation_id})"
        )
        return
    if result.success:
        print(f"Saga {saga} completed (correlation id {result.correlation_id})")
        return
    print(f"Saga failed at {result.failed_step}: {result.error}")
    for record in result.compensations:
        mark = "done" if record.success else f"DEAD-LETTERED ({record.error})"
        print(f"  {record.compensation}: {mark}")
    print(f"correlation id {result.correlation_id}")


def message_report(services: MessageServices | None) -> dict[str, Any]:
    """``{"messages": ...}`` for ``--json``; empty when the services were called directly."""
    return {} if services is None else {"messages": services.report()}


def print_messages(report: dict[str, Any]) -> None:
    """One line of what happened to the messages (nothing when none were sent)."""
    if not report:
        return
    m = report["messages"]
    faults = ", ".join(m["faults"]) or "none"
    print(
        f"Messages (faults: {faults}; seed {m['seed']}): {m['sent']:,} sent, "
        f"{m['delivered']:,} delivered, {m['duplicates_ignored']:,} duplicates ignored, "
        f"{m['redelivered']:,} redelivered, {m['dropped']:,} dropped, "
        f"{m['timed_out']:,} timed out ({m['status_queries']:,} status queries, "
        f"{m['resent']:,} resent)"
    )
