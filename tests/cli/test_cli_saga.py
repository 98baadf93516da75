"""Every command with ``--saga FILE``: the saga file's world, its steps, its verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saga_desktop.cli import EXIT_BAD_INPUT, main

GALLERY = Path(__file__).resolve().parents[2] / "resources" / "sagas"
TRIP = GALLERY / "trip_booking.saga.toml"


@pytest.fixture
def saga(cli):
    """``saga("run", ...)`` runs ``saga-desktop run --saga trip.saga.toml ...``."""

    def run(command: str, *args: str):
        return cli(command, "--saga", str(TRIP), *args)

    return run


def test_run_completes_the_six_steps_and_state_adds_up(saga, data_dir):
    ran = saga("run", "--json")

    assert ran.code == 0, ran.err
    response = ran.json()
    assert response["success"] is True
    assert response["steps_completed"] == 6
    assert "booking_reference" not in response
    assert (data_dir / "sagas" / "trip_booking" / "flights.db").exists()
    assert not (data_dir / "seats.db").exists()  # the flight booking's world is not touched

    state = saga("state", "--json")
    assert state.code == 0
    assert state.json()["consistent"] is True
    flights = next(s for s in state.json()["services"] if s["name"] == "flights")
    assert flights["items"][0] == {"item": "LH400", "initial": 40, "left": 39, "taken": 1}


@pytest.mark.parametrize("step", ["BOOK_HOTEL", "book_hotel", "Book_Hotel"])
def test_fail_takes_a_step_in_either_case_and_the_flight_is_given_back(saga, step):
    ran = saga("run", "--fail", step, "--json")

    assert ran.code == 1
    response = ran.json()
    assert response["failed_step"] == "BOOK_HOTEL"
    assert [r["step"] for r in response["compensation_result"]["results"]] == [
        "COMPENSATE_BOOK_FLIGHT"
    ]
    assert saga("state").code == 0


def test_a_failed_undo_is_retried_or_dead_lettered(saga):
    retried = saga("run", "--fault", "rent_car=compensation_fail:1", "--fail", "charge_card")
    assert retried.code == 1  # the undo failed once, was retried, and went through

    parked = saga("run", "--fault", "book_hotel=compensation_fail:forever", "--fail", "RENT_CAR")
    assert parked.code == 3
    letters = saga("dlq", "--json").json()
    assert [letter["step"] for letter in letters] == ["BOOK_HOTEL"]
    assert saga("state").code == 0  # the parked undo's effect is what its saga holds
    # A later retry has no fault planned: the undo goes through and the letter is cleared.
    assert saga("dlq", "retry", letters[0]["correlation_id"]).code == 0
    assert saga("dlq", "--json").json() == []
    assert saga("state").code == 0


def test_a_request_field_is_overridden_with_booking(saga, tmp_path):
    booking = tmp_path / "request.json"
    booking.write_text(json.dumps({"price": 99.5}))

    ran = saga("run", "--booking", str(booking), "--json")

    assert ran.code == 0
    charged = next(
        e
        for e in ran.json()["saga_log"]
        if e["type"] == "StepSucceeded" and e["step"] == "CHARGE_CARD"
    )
    assert charged["result"]["amount"] == 99.5


def test_a_request_field_the_saga_has_not_is_bad_input(saga, tmp_path):
    booking = tmp_path / "request.json"
    booking.write_text(json.dumps({"prize": 1}))

    saga("run", "--booking", str(booking)).assert_bad_input("trip_booking has no request field")


def test_scenarios_are_generated_and_pass(saga):
    report = saga("scenarios", "--json")

    assert report.code == 0, report.out
    titles = [entry["title"] for entry in report.json()["results"]]
    assert len(titles) == 7  # the success, and one per step
    assert report.json()["all_passed"]


def test_batch_draws_faults_over_the_sagas_steps_and_adds_up(saga):
    batch = saga("batch", "--count", "60", "--seed", "4", "--json")

    assert batch.code == 0, batch.err
    report = batch.json()
    assert report["attempted"] == 60
    assert report["consistent"]


def test_an_unknown_step_is_bad_input_with_a_suggestion(saga):
    saga("run", "--fail", "BOOK_HOTELS").assert_bad_input('did you mean "book_hotel"?')


BAD = {
    "compakt": ('item = "compact"', 'item = "compakt"', 'did you mean "compact"?'),
    "two-pivots": (
        'kind = "itinerary" }\nrole = "retriable"',
        'kind = "itinerary" }\nrole = "pivot"',
        "second pivot",
    ),
    "bad-toml": ('title = "Trip booking"', 'title = "Trip booking', "not TOML"),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("command", ["run", "state", "recover", "dlq", "scenarios"])
def test_a_bad_saga_file_is_one_line_exit_2_and_writes_nothing(
    cli, data_dir, tmp_path, case, command
):
    old, new, fragment = BAD[case]
    path = tmp_path / "bad.saga.toml"
    path.write_text(TRIP.read_text().replace(old, new, 1))

    cli(command, "--saga", str(path)).assert_bad_input(str(path), fragment)

    assert not data_dir.exists()


def test_a_missing_saga_file_is_bad_input(cli, tmp_path):
    assert main(["run", "--saga", str(tmp_path / "none.toml")]) == EXIT_BAD_INPUT


def test_the_flight_bookings_own_file_runs_the_built_in_booking(data_dir, capsys):
    """``--saga flight_booking.saga.toml`` is the guide's booking (it crashed with KeyError)."""
    from saga_desktop._resources import resource_path

    path = str(resource_path("sagas", "flight_booking.saga.toml"))
    assert main(["run", "--data-dir", str(data_dir), "--saga", path, "--json"]) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["success"] is True
    assert response["booking_reference"]
    assert main(["state", "--data-dir", str(data_dir), "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["consistent"]
    # The booking's world where it always is, not a saga world of its own.
    assert not (data_dir / "sagas" / "flight_booking").exists()
