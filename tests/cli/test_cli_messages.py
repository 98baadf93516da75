"""``run`` and ``batch`` by messages: --messages, --message-fault KIND=P, --seed; bad input."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Outcome

Cli = Callable[..., Outcome]
COUNTS = {"sent", "delivered", "duplicates_ignored", "redelivered", "dropped", "timed_out"}


def test_run_by_messages_reports_its_traffic(cli: Cli) -> None:
    outcome = cli(
        "run", "--json", "--message-fault", "duplicate=1", "--message-fault", "drop=0.3",
        "--seed", "5",
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    response = outcome.json()
    assert response["success"] is True
    messages = response["messages"]
    assert messages.keys() >= COUNTS
    assert messages["faults"] == ["duplicate", "drop=0.3"]
    assert messages["seed"] == 5
    assert messages["duplicates_ignored"] > 0
    assert messages["delivered"] > messages["sent"] - messages["dropped"]


def test_run_by_messages_tells_the_story_in_words(cli: Cli) -> None:
    outcome = cli("run", "--messages", "--fail", "process_payment")
    assert outcome.code == 1
    assert "Saga failed at PROCESS_PAYMENT" in outcome.out
    assert "Messages (faults: none;" in outcome.out
    assert cli("state").code == 0


def test_direct_calls_say_nothing_of_messages(cli: Cli) -> None:
    response = cli("run", "--json").json()
    assert "messages" not in response


def test_batch_by_messages_keeps_the_books(cli: Cli) -> None:
    outcome = cli(
        "batch", "--count", "30", "--seed", "2", "--json",
        "--message-fault", "duplicate=0.3", "--message-fault", "reorder=0.2",
        "--message-fault", "drop=0.1", "--message-fault", "lost_reply=0.1",
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    report = outcome.json()
    assert report["consistent"] is True
    assert sum(report["outcomes"].values()) == 30
    assert report["messages"]["seed"] == 2
    assert report["messages"]["sent"] > 0


def _world_bytes(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--message-fault", "explode=0.1"), "unknown message fault"),
        (("--message-fault", "drop=1.5"), "not between 0 and 1"),
        (("--message-fault", "drop=-1"), "not between 0 and 1"),
        (("--message-fault", "delay"), "needs milliseconds"),
        (("--message-fault", "drop@nowhere=0.1"), "no step"),
        (("--message-fault", "drop=\nx"), "must be a number"),
    ],
)
def test_bad_message_faults_are_one_line_and_change_nothing(
    cli: Cli, data_dir: Path, args: tuple[str, ...], words: str
) -> None:
    assert cli("state").code == 0  # the world exists
    before = _world_bytes(data_dir)
    cli("run", *args).assert_bad_input(words)
    cli("batch", "--count", "3", *args).assert_bad_input(words)
    assert _world_bytes(data_dir) == before


def test_a_kill_between_write_and_reply_is_healed_by_the_outbox(cli: Cli) -> None:
    outcome = cli("run", "--kill-after-write", "process_payment", "--json")
    assert outcome.code == 0, outcome.err
    response = outcome.json()
    assert response["success"] is True
    assert response["messages"]["deaths"] == {"payments": 1}
    assert cli("state").code == 0


def test_dual_write_loses_the_reply_and_the_payment_is_refunded(cli: Cli) -> None:
    outcome = cli("run", "--dual-write", "--kill-after-write", "process_payment", "--json")
    response = outcome.json()
    assert response["success"] is False
    assert response["failed_step"] == "PROCESS_PAYMENT"
    assert response["messages"]["deaths"] == {"payments": 1}
    # The books still balance: the payment nobody heard of was refunded.
    assert cli("state").code == 0


def test_killing_a_step_that_does_not_exist_is_one_line(cli: Cli) -> None:
    cli("run", "--kill-after-write", "nope").assert_bad_input("--kill-after-write: no step 'nope'")
