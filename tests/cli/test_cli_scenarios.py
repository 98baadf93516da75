"""``saga-desktop scenarios``: the guide's five tests and ``saga_test_report.json``."""

from __future__ import annotations

import json

from saga_desktop.booking import SCENARIOS

NAMES = [
    "success",
    "reserve_seat_failure",
    "deduct_points_failure",
    "payment_failure",
    "confirm_booking_failure",
]


def test_scenarios_write_the_report(cli, tmp_path):
    report_path = tmp_path / "saga_test_report.json"

    result = cli("scenarios", "--report", str(report_path))

    assert result.code == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["total"] == 5
    assert report["passed"] == 5
    assert report["failed"] == 0
    assert report["all_passed"] is True
    assert [entry["name"] for entry in report["results"]] == NAMES
    assert [s.name for s in SCENARIOS] == NAMES
    for entry in report["results"]:
        assert entry["passed"] is True
        assert entry["problems"] == []
        assert entry["consistent"] is True
    assert report["results"][3]["compensations"] == [
        "COMPENSATE_DEDUCT_LOYALTY_POINTS",
        "COMPENSATE_RESERVE_SEAT",
    ]


def test_scenarios_in_words(cli):
    result = cli("scenarios")

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[:5] == [f"PASS  {s.title}" for s in SCENARIOS]
    assert lines[-1] == "5 passed, 0 failed"


def test_scenarios_pass_again_and_leave_the_users_world_alone(cli, data_dir):
    before = cli("state", "--json").json()

    first = cli("scenarios", "--json")
    second = cli("scenarios", "--json")

    assert (first.code, second.code) == (0, 0)
    assert first.json()["passed"] == second.json()["passed"] == 5
    assert cli("state", "--json").json() == before
    # The scenarios log to the data dir's own log files.
    log = (data_dir / "logs" / "saga_orchestrator.log").read_text(encoding="utf-8")
    assert log.count("[SAGA] Starting booking SAGA") == 10


def test_scenarios_pass_after_the_users_own_bookings(cli):
    for _ in range(3):
        cli("run")

    assert cli("scenarios").code == 0


def test_unwritable_report_is_bad_input(cli, tmp_path):
    result = cli("scenarios", "--report", str(tmp_path / "missing-dir" / "report.json"))

    result.assert_bad_input("cannot write the report")
