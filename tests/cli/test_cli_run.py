"""``saga-desktop run``: exit codes, the guide's response as JSON, faults, and bad input."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from saga_desktop._resources import resource_path
from saga_desktop.cli import main

# The guide's "Request Data", as it stands in the guide.
GUIDE_REQUEST = """{
  "flight_id": 123,
  "user_id": 1,
  "total_fare": 500.00,
  "loyalty_points_to_use": 1000,
  "payment_method": "card",
  "passengers": [
    {
      "first_name": "John",
      "last_name": "Doe",
      "gender": "male"
    }
  ]
}
"""

ALL_COMPENSATIONS = [
    "COMPENSATE_PROCESS_PAYMENT",
    "COMPENSATE_DEDUCT_LOYALTY_POINTS",
    "COMPENSATE_RESERVE_SEAT",
]


def compensations(response):
    return [(r["step"], r["success"]) for r in response["compensation_result"]["results"]]


def test_run_confirms_the_guides_booking(cli):
    result = cli("run")

    assert result.code == 0
    assert result.err == ""
    assert re.fullmatch(
        r"Booking confirmed: reference [0-9A-F]{8} \(correlation id [0-9a-f-]{36}\)\n", result.out
    )


def test_run_json_prints_the_guides_success_response(cli):
    result = cli("run", "--json")

    assert result.code == 0
    response = result.json()
    assert response["success"] is True
    assert uuid.UUID(response["correlation_id"]).version == 4
    assert re.fullmatch(r"[0-9A-F]{8}", response["booking_reference"])
    assert response["steps_completed"] == 4
    assert response["total_steps"] == 4
    assert response["saga_log"][0]["type"] == "SagaStarted"
    assert response["saga_log"][-1]["type"] == "SagaCompleted"


def test_run_fail_payment_compensates_in_reverse_order(cli):
    result = cli("run", "--fail", "process_payment", "--json")

    assert result.code == 1
    response = result.json()
    assert response["success"] is False
    assert response["failed_step"] == "PROCESS_PAYMENT"
    assert response["error"].startswith("Payment authorization failed")
    assert response["steps_completed"] == 2
    assert response["compensation_result"]["total_compensations"] == 2
    assert response["compensation_result"]["successful_compensations"] == 2
    assert compensations(response) == [
        ("COMPENSATE_DEDUCT_LOYALTY_POINTS", True),
        ("COMPENSATE_RESERVE_SEAT", True),
    ]
    assert cli("state").code == 0


def test_too_many_points_are_the_loyalty_services_refusal(cli, tmp_path):
    booking = tmp_path / "booking.json"
    booking.write_text(GUIDE_REQUEST.replace("1000", "6000"), encoding="utf-8")

    result = cli("run", "--booking", str(booking), "--json")

    assert result.code == 1
    response = result.json()
    assert response["failed_step"] == "DEDUCT_LOYALTY_POINTS"
    assert "exceed the balance of user 1 (5000)" in response["error"]
    assert compensations(response) == [("COMPENSATE_RESERVE_SEAT", True)]
    assert cli("state").code == 0


def test_run_failure_in_words(cli):
    result = cli("run", "--fail", "confirm_booking")

    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "Saga failed at CONFIRM_BOOKING: Booking confirmation failed (injected)"
    assert lines[1:4] == [f"  {name}: done" for name in ALL_COMPENSATIONS]
    assert lines[4].startswith("correlation id ")


def test_fail_is_repeatable_and_the_first_failing_step_wins(cli):
    result = cli("run", "--fail", "confirm_booking", "--fail", "DEDUCT_LOYALTY_POINTS", "--json")

    assert result.code == 1
    response = result.json()
    assert response["failed_step"] == "DEDUCT_LOYALTY_POINTS"
    assert compensations(response) == [("COMPENSATE_RESERVE_SEAT", True)]


@pytest.mark.parametrize(
    ("fault", "code", "failed_step"),
    [
        ("process_payment=fail", 1, "PROCESS_PAYMENT"),
        ("process_payment=transient:2", 0, None),
        ("process_payment=transient:5", 1, "PROCESS_PAYMENT"),
        ("reserve_seat=timeout", 1, "RESERVE_SEAT"),
        ("confirm_booking=compensation_fail:1", 0, None),
    ],
)
def test_fault_kinds(cli, fault, code, failed_step):
    result = cli("run", "--fault", fault, "--json")

    assert result.code == code
    assert result.json().get("failed_step") == failed_step
    assert cli("state").code == 0


def test_timeout_on_payment_compensates_the_payment_first(cli):
    result = cli("run", "--fault", "process_payment=timeout", "--json")

    assert result.code == 1
    assert compensations(result.json()) == [(name, True) for name in ALL_COMPENSATIONS]


def test_compensation_retried_to_success_exits_1(cli):
    result = cli(
        "run", "--fault", "reserve_seat=compensation_fail:2", "--fail", "confirm_booking", "--json"
    )

    assert result.code == 1
    response = result.json()
    assert response["outcome"] == "COMPENSATED"
    assert response["compensation_result"]["results"][-1]["attempts"] == 3


def test_dead_letters_exit_3(cli):
    result = cli(
        "run",
        "--fault",
        "reserve_seat=compensation_fail:forever",
        "--fault",
        "process_payment=fail",
        "--json",
    )

    assert result.code == 3
    response = result.json()
    assert response["outcome"] == "DEAD_LETTERED"
    assert response["dead_letters"] == ["COMPENSATE_RESERVE_SEAT"]
    assert cli("state").code == 1


def test_dead_letter_in_words(cli):
    result = cli(
        "run",
        "--fault",
        "deduct_loyalty_points=compensation_fail:forever",
        "--fail",
        "confirm_booking",
    )

    assert result.code == 3
    assert "  COMPENSATE_DEDUCT_LOYALTY_POINTS: DEAD-LETTERED (" in result.out


def test_dead_letter_listed_and_retried_with_dlq(cli):
    run = cli(
        "run",
        "--fault",
        "reserve_seat=compensation_fail:forever",
        "--fail",
        "process_payment",
        "--json",
    )
    cid = run.json()["correlation_id"]

    listed = cli("dlq", "--json")
    assert listed.code == 0
    assert [(d["correlation_id"], d["step"]) for d in listed.json()] == [(cid, "RESERVE_SEAT")]

    retried = cli("dlq", "retry", cid[:8])
    assert retried.code == 0
    assert "dead letter cleared" in retried.out
    assert cli("dlq", "--json").json() == []
    assert cli("state").code == 0


def test_verbose_prints_the_saga_log_as_it_happens(cli):
    result = cli("run", "-v", "--fail", "process_payment")

    assert result.code == 1
    assert "INFO    [QUEUE] Executing step: RESERVE_SEAT" in result.out
    assert "DEBUG   [QUEUE] Compensation popped: COMPENSATE_RESERVE_SEAT" in result.out
    assert "WARNING [SAGA] ❌ Step PROCESS_PAYMENT failed" in result.out


def test_booking_file_with_the_guides_request_works_unchanged(cli, tmp_path):
    path = tmp_path / "booking.json"
    path.write_text(GUIDE_REQUEST, encoding="utf-8")

    result = cli("run", "--booking", str(path), "--json")

    assert result.code == 0
    assert result.json()["saga_log"][0]["payload"] == json.loads(GUIDE_REQUEST)


def test_shipped_example_booking_is_the_guides_request(cli):
    example = resource_path("examples", "guide-booking.json")

    result = cli("run", "--booking", str(example), "--json")

    assert result.code == 0
    assert json.loads(example.read_text(encoding="utf-8")) == json.loads(GUIDE_REQUEST)


def test_booking_file_for_another_flight(cli, tmp_path):
    path = tmp_path / "booking.json"
    booking = json.loads(GUIDE_REQUEST) | {"flight_id": 789, "user_id": 3}
    path.write_text(json.dumps(booking), encoding="utf-8")

    assert cli("run", "--booking", str(path)).code == 0
    flights = cli("state", "--json").json()["flights"]
    assert {f["id"]: f["seats_taken"] for f in flights} == {123: 0, 456: 0, 789: 1}


def test_data_dir_from_the_environment(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SAGA_DESKTOP_DATA_DIR", str(tmp_path / "env-data"))

    assert main(["run", "--json"]) == 0

    capsys.readouterr()
    assert (tmp_path / "env-data" / "bookings.db").is_file()
    assert main(["state", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bookings"]["confirmed"] == 1


def test_data_dir_before_the_command(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "run"]) == 0

    assert (data_dir / "seats.db").is_file()


def test_the_option_data_dir_wins_over_the_environment(monkeypatch, tmp_path, cli, data_dir):
    monkeypatch.setenv("SAGA_DESKTOP_DATA_DIR", str(tmp_path / "env-data"))

    assert cli("run").code == 0

    assert (data_dir / "seats.db").is_file()
    assert not (tmp_path / "env-data").exists()


# -- bad input ----------------------------------------------------------------------------


def bad_booking(tmp_path, content: str | bytes):
    path = tmp_path / "booking.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(("--fail", "pay"), ("unknown step 'pay'",), id="unknown-step"),
        pytest.param(("--fault", "process_payment=explode"), ("bad fault",), id="bad-kind"),
        pytest.param(("--fault", "nonsense"), ("expected STEP=KIND",), id="no-equals"),
        pytest.param(("--fault", "reserve_seat=transient:0"), ("1 to 1000",), id="bad-count"),
        pytest.param(("--booking", "/nonexistent/booking.json"), ("cannot be read",), id="no-file"),
        pytest.param(("--nope",), ("unrecognized arguments: --nope",), id="unknown-option"),
        pytest.param(("--fail",), ("expected one argument",), id="missing-value"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, fragments):
    result = cli("run", *args)

    result.assert_bad_input(*fragments)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        pytest.param("{not json", ("not JSON: Expecting property name",), id="invalid-json"),
        pytest.param("", ("not JSON: Expecting value",), id="empty"),
        pytest.param("[1, 2]", ("must hold a JSON object, not a JSON array",), id="json-array"),
        pytest.param('"text"', ("not a JSON string",), id="json-string"),
        pytest.param(b"\xff\xfe{}", ("not UTF-8 text",), id="not-utf8"),
        pytest.param(
            GUIDE_REQUEST.replace("1000", "999999"),
            ("loyalty_points_to_use: ", "exceed the fare (500.00)"),
            id="too-many-points",
        ),
        pytest.param(
            GUIDE_REQUEST.replace("123", "1" + "0" * 30), ("flight_id: ", "out of range"), id="huge"
        ),
        pytest.param(GUIDE_REQUEST.replace("500.00", "NaN"), ("NaN is not allowed",), id="nan"),
        pytest.param('{"flight_id": 123}', ("user_id: the booking has no user_id",), id="partial"),
    ],
)
def test_bad_booking_file_is_one_line_and_changes_nothing(cli, tmp_path, content, fragments):
    before = cli("state", "--json").json()

    result = cli("run", "--booking", bad_booking(tmp_path, content))

    result.assert_bad_input(*fragments)
    assert cli("state", "--json").json() == before


def test_booking_path_that_is_a_directory(cli, tmp_path):
    cli("run", "--booking", str(tmp_path)).assert_bad_input(
        "the booking file", "is a directory, not a regular file"
    )


def test_data_dir_that_is_a_file(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")

    result = cli("run", "--data-dir", str(blocker), data_dir_option=False)

    result.assert_bad_input("data directory")


def test_bad_fault_changes_nothing(cli, data_dir):
    cli("run", "--fault", "process_payment=explode").assert_bad_input()

    # Refused before the world was even opened.
    assert not (data_dir / "logs").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])

    assert caught.value.code == 0
    assert re.fullmatch(r"saga-desktop \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)
