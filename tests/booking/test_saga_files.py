"""Saga files: the issue's example loads unchanged; every bad file says where and why."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from saga_desktop.booking import (
    InvalidSagaFile,
    StepRole,
    Take,
    load_saga,
    parse_saga,
    saga_problems,
)

GALLERY = Path(__file__).resolve().parents[2] / "resources" / "sagas"
TRIP = GALLERY / "trip_booking.saga.toml"
TRIP_TEXT = TRIP.read_text(encoding="utf-8")


def test_the_trip_booking_loads_with_six_steps_and_its_pivot():
    spec = load_saga(TRIP)

    assert spec.name == "trip_booking"
    assert spec.step_names == (
        "BOOK_FLIGHT",
        "BOOK_HOTEL",
        "RENT_CAR",
        "CHARGE_CARD",
        "ISSUE_ITINERARY",
        "EMAIL_TRAVELLER",
    )
    assert spec.pivot is not None
    assert spec.pivot.name == "CHARGE_CARD"
    assert spec.step("charge_card").retries == 3
    assert spec.step("CHARGE_CARD").timeout == 2.0
    assert [s.role for s in spec.steps[-2:]] == [StepRole.RETRIABLE] * 2
    assert spec.steps[0].effect == Take("LH400", 1)
    assert spec.steps[0].compensation == "Give the seat back"
    assert spec.request == {"traveller": "traveller_1", "price": 640.0}
    assert set(spec.services) == {"flights", "hotels", "cars", "payments", "itineraries"}


def test_json_of_the_same_structure_is_read_too(tmp_path):
    path = tmp_path / "trip.saga.json"
    path.write_text(json.dumps(tomllib.loads(TRIP_TEXT)))

    assert load_saga(path).step_names == load_saga(TRIP).step_names


def bad(replace: str, by: str) -> str:
    assert replace in TRIP_TEXT, replace
    return TRIP_TEXT.replace(replace, by, 1)


BAD_FILES = {
    "unknown item, with a suggestion": (
        bad('item = "compact"', 'item = "compakt"'),
        'steps[2].take.item: "compakt" is not in services.cars.stock (did you mean "compact"?)',
    ),
    "a typo in a key": (
        bad('service = "cars"', 'sevice = "cars"'),
        'steps[2].sevice: unknown key (did you mean "service"?)',
    ),
    "an unknown service": (bad('service = "hotels"', 'service = "hotel"'), "steps[1].service"),
    "an unknown account": (
        bad('account = "{traveller}"', 'account = "traveller_2"'),
        "steps[3].debit.account",
    ),
    "a request field the saga has not": (
        bad('amount = "{price}"', 'amount = "{prize}"'),
        "steps[3].debit.amount: {prize} reads request.prize",
    ),
    "a negative amount": (
        bad("amount = 1 }       # one", "amount = -1 }       # one"),
        "steps[0].take.amount",
    ),
    "a non-finite request value": (bad("price = 640.0", "price = inf"), "request.price"),
    "a negative stock": (bad("compact = 5", "compact = -5"), "services.cars.stock.compact"),
    "two pivots": (
        bad(
            'record = { kind = "itinerary" }\nrole = "retriable"',
            'record = { kind = "itinerary" }\nrole = "pivot"',
        ),
        "steps[4].role: a second pivot",
    ),
    "a compensatable step after the pivot": (
        bad('record = { kind = "email" }\nrole = "retriable"', 'record = { kind = "email" }'),
        "steps[5].role: a compensatable step cannot follow the pivot",
    ),
    "a duplicate step name": (
        bad('name = "RENT_CAR"', 'name = "BOOK_HOTEL"'),
        "steps[2].name: BOOK_HOTEL is the name of steps[1] too",
    ),
    "no steps": (
        "name = 'x'\n[services.a]\nrecords = true\n",
        "steps: a saga needs at least one step",
    ),
    "a step with two effects": (
        bad(
            'take = { item = "compact", amount = 1 }',
            'take = { item = "compact" }\nrecord = { kind = "x" }',
        ),
        "steps[2]: a step does one thing",
    ),
    "a bad saga name": (bad('name = "trip_booking"', 'name = "Trip Booking"'), "name:"),
    "invalid TOML": (bad('title = "Trip booking"', 'title = "Trip booking'), "not TOML"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_bad_saga_file_is_refused_with_the_field_path(case):
    text, expected = BAD_FILES[case]

    with pytest.raises(InvalidSagaFile) as caught:
        parse_saga(text, source="trip.saga.toml")

    message = str(caught.value)
    assert message.startswith("trip.saga.toml")
    assert expected in message
    assert "\n" not in message


def test_a_field_problem_names_the_line_that_holds_it():
    text = bad('item = "compact"', 'item = "compakt"')
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "compakt" in row)

    with pytest.raises(InvalidSagaFile) as caught:
        parse_saga(text, source="trip.saga.toml")

    assert caught.value.line == line
    assert str(caught.value).startswith(f"trip.saga.toml:{line}: ")


def test_every_problem_is_listed_at_once_for_the_editor():
    text = bad('service = "cars"', 'service = "car"').replace("compact = 5", "compact = -5")

    paths = [problem.path for problem in saga_problems(text)]

    assert "services.cars.stock.compact" in paths
    assert "steps[2].service" in paths


def test_more_than_forty_steps_are_refused():
    steps = "".join(
        f'\n[[steps]]\nname = "S{n}"\nservice = "a"\nrecord = {{ kind = "r" }}\n' for n in range(41)
    )
    with pytest.raises(InvalidSagaFile, match="41 steps; at most 40"):
        parse_saga('name = "many"\n[services.a]\nrecords = true\n' + steps)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"x" * (1 << 20) + b"x", "larger than 1 MB"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, content, expected):
    path = tmp_path / "bad.saga.toml"
    path.write_bytes(content)

    with pytest.raises(InvalidSagaFile, match=expected):
        load_saga(path)


def test_a_saga_file_is_data_a_value_is_never_evaluated():
    text = bad("price = 640.0", "price = \"__import__('os').system('true')\"")
    # Text where the debit needs a number: refused as data, never run as code.
    with pytest.raises(InvalidSagaFile, match=r"request\.price"):
        parse_saga(text)
