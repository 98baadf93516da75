"""``saga-desktop batch``: many sagas with random faults, the counts, the pace, the check."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import saga_desktop.booking as booking_module
from saga_desktop.cli import main

SEATS = 42 + 30 + 60


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_batch_in_words(cli):
    result = cli("batch", "--count", "40", "--seed", "7")

    assert result.code == 0, result.err
    assert result.err == ""  # no bar when stderr is not a terminal
    lines = result.out.splitlines()
    assert lines[0] == "Batch of 40 sagas, failure rate 0.3, seed 7"
    labels = [line.split()[0] for line in lines[1:5]]
    assert labels == ["confirmed", "compensated", "dead-lettered", "invalid"]
    numbers = [int(line.split()[1].replace(",", "")) for line in lines[1:5]]
    assert sum(numbers) == 40
    assert lines[5].startswith("Faults injected: fail ")
    assert lines[6].startswith("40 sagas in ")
    assert lines[6].endswith(" sagas/s")
    assert lines[-1] == "Consistent: seats, points and money add up."


def test_batch_json(cli):
    result = cli("batch", "--count", "25", "--failure-rate", "0.5", "--seed", "3", "--json")

    assert result.code == 0, result.err
    report = result.json()
    assert report["count"] == report["attempted"] == 25
    assert report["failure_rate"] == 0.5
    assert report["seed"] == 3
    assert sum(report["outcomes"].values()) + report["invalid"] == 25
    assert set(report["outcomes"]) == {"confirmed", "compensated", "dead_lettered"}
    assert report["sagas_per_second"] > 0
    assert report["consistent"] is True
    assert report["violations"] == []
    assert report["cancelled"] is False


def test_the_same_seed_on_fresh_data_dirs_gives_the_same_counts(tmp_path, capsys):
    reports = []
    for name in ("first", "second"):
        code, out, _ = run_main(
            capsys,
            "batch",
            "--data-dir",
            str(tmp_path / name),
            "--count",
            str(SEATS + 50),
            "--seed",
            "99",
            "--json",
        )
        assert code == 0
        reports.append(json.loads(out))

    for key in ("outcomes", "sold_out", "faults", "invalid", "seed"):
        assert reports[0][key] == reports[1][key]


def test_without_a_seed_the_drawn_seed_is_shown_and_replays(tmp_path, capsys):
    code, out, _ = run_main(
        capsys, "batch", "--data-dir", str(tmp_path / "a"), "--count", "30", "--json"
    )
    first = json.loads(out)
    code_again, out_again, _ = run_main(
        capsys,
        "batch",
        "--data-dir",
        str(tmp_path / "b"),
        "--count",
        "30",
        "--seed",
        str(first["seed"]),
        "--json",
    )

    assert code == code_again == 0
    assert json.loads(out_again)["outcomes"] == first["outcomes"]


def test_a_batch_larger_than_the_seats_reports_the_sold_out_sagas(cli):
    result = cli("batch", "--count", str(SEATS + 20), "--failure-rate", "0", "--seed", "1")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[1].split() == ["confirmed", str(SEATS)]
    assert lines[2].split() == ["compensated", "20", "(20", "refused:", "flights", "full)"]
    state = cli("state", "--json").json()
    assert all(flight["seats_left"] == 0 for flight in state["flights"])
    assert state["consistent"] is True


def test_the_batch_books_the_world_that_state_shows(cli):
    report = cli("batch", "--count", "20", "--seed", "5", "--json").json()

    state = cli("state", "--json").json()
    assert state["bookings"]["confirmed"] == report["outcomes"]["confirmed"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--count", "0"], "count must be a whole number from 1 to 10,000,000, not 0"),
        (["--count", "-3"], "count must be a whole number from 1 to 10,000,000, not -3"),
        (["--count", "10000001"], "from 1 to 10,000,000, not 10000001"),
        (["--count", str(10**30)], "from 1 to 10,000,000, not a 31-digit number"),
        (["--count", "9" * 5000], "invalid int value"),
        (["--count", "5", "--failure-rate", "1.5"], "failure rate must be between 0 and 1"),
        (["--count", "5", "--failure-rate", "-0.1"], "failure rate must be between 0 and 1"),
        (["--count", "5", "--failure-rate", "nan"], "not nan"),
        (["--count", "5", "--failure-rate", "lots"], "invalid float value: 'lots'"),
        (["--count", "many"], "invalid int value: 'many'"),
        (["--count", "5", "--seed", "x"], "invalid int value: 'x'"),
        ([], "the following arguments are required: --count"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, data_dir, args, fragment):
    result = cli("batch", *args)

    result.assert_bad_input(fragment)
    # Refused before anything opened the world.
    assert not data_dir.exists()


def test_a_world_that_does_not_add_up_exits_1(cli, data_dir):
    cli("state")  # creates the default world
    db = sqlite3.connect(data_dir / "seats.db")
    try:
        with db:
            db.execute(
                "UPDATE seats SET holder = 'ghost' WHERE flight_id = 789 AND seat_no = '10F'"
            )
    finally:
        db.close()

    result = cli("batch", "--count", "3", "--seed", "1")

    assert result.code == 1
    assert "INCONSISTENT:" in result.out
    assert "saga ghost holds seats" in result.out
    assert cli("batch", "--count", "3", "--seed", "1", "--json").json()["consistent"] is False


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal(data_dir, monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    code = main(["batch", "--data-dir", str(data_dir), "--count", "30", "--seed", "2"])

    out = capsys.readouterr().out
    assert code == 0
    bar = terminal.getvalue()
    assert bar.startswith("\r[")
    assert "30/30" in bar
    assert bar.endswith("\n")
    assert out.startswith("Batch of 30 sagas")


def test_ctrl_c_stops_between_two_sagas(data_dir, monkeypatch, capsys):
    # The command imports run_batch from the booking package when it runs.
    real_run_batch = booking_module.run_batch

    def interrupted_run_batch(orchestrator, plan, **options):
        pressed = []

        def on_progress(progress):
            if progress.done == 4 and not pressed:
                pressed.append(True)
                os.kill(os.getpid(), signal.SIGINT)  # the person presses Ctrl-C, once

        return real_run_batch(
            orchestrator, plan, cancelled=options["cancelled"], on_progress=on_progress
        )

    monkeypatch.setattr(booking_module, "run_batch", interrupted_run_batch)
    before = signal.getsignal(signal.SIGINT)

    code = main(["batch", "--data-dir", str(data_dir), "--count", "500", "--seed", "2"])

    out = capsys.readouterr().out
    assert code == 130
    assert "Cancelled after 4 of 500 sagas." in out
    assert out.splitlines()[-1] == "Consistent: seats, points and money add up."
    # The command puts Ctrl-C back as it found it.
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.slow
def test_the_executable_stops_on_sigint_and_leaves_the_world_consistent(tmp_path):
    exe = Path(sys.executable).parent / "saga-desktop"
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [str(exe), "batch", "--data-dir", str(data_dir), "--count", "1000000", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait until sagas are being logged, then press Ctrl-C.
        deadline = time.monotonic() + 30
        while not (data_dir / "saga_log.db").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 130, err
    assert err == ""
    report = json.loads(out)
    assert report["cancelled"] is True
    assert 0 < report["attempted"] < 1_000_000
    assert report["consistent"] is True
    state = subprocess.run(
        [str(exe), "state", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert state.returncode == 0, state.stdout


def test_batch_with_workers_runs_on_threads_and_adds_up(cli):
    result = cli("batch", "--count", "300", "--seed", "4", "--workers", "4", "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["workers"] == 4
    assert report["attempted"] == 300
    assert report["consistent"] is True
    assert report["outcomes"]["confirmed"] <= 132


def test_batch_with_a_bad_number_of_workers_is_one_line_and_exit_2(cli):
    cli("batch", "--count", "3", "--workers", "0").assert_bad_input("workers must be")
