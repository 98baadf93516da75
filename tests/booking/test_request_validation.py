"""A request of the wrong shape is refused with the field at fault, and nothing changes.

Only the shape: a request naming an unknown flight or user, or more points than the
user has, is well formed; the participants refuse it during the saga (see
``test_participant_refusals.py``).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop.booking import (
    DEFAULT_BOOKING,
    MAX_NAME_LENGTH,
    PAYMENT_METHODS,
    BookingRequest,
    BookingSagaOrchestrator,
    InvalidBooking,
)


def everything(orchestrator: BookingSagaOrchestrator) -> dict[str, Any]:
    """The world's figures, both log files and the durable saga log's size."""
    logs = orchestrator.data_dir / "logs"
    assert orchestrator.store is not None
    return {
        "world": orchestrator.world.snapshot().to_dict(),
        "orchestrator_log": (logs / "saga_orchestrator.log").read_text(encoding="utf-8"),
        "bookings_log": (logs / "saga_bookings.log").read_text(encoding="utf-8"),
        "events": orchestrator.store.count(),
    }


def changed(**fields: Any) -> dict[str, Any]:
    booking = copy.deepcopy(DEFAULT_BOOKING)
    booking.update(fields)
    return booking


def without(field: str) -> dict[str, Any]:
    booking = copy.deepcopy(DEFAULT_BOOKING)
    del booking[field]
    return booking


def passengers(*people: Any) -> dict[str, Any]:
    return changed(passengers=list(people))


JOHN = {"first_name": "John", "last_name": "Doe", "gender": "male"}

INVALID = [
    pytest.param(changed(total_fare=0), "total_fare", "more than 0", id="zero-fare"),
    pytest.param(changed(total_fare=-500.0), "total_fare", "more than 0", id="negative-fare"),
    pytest.param(changed(total_fare="500"), "total_fare", "must be a number", id="string-fare"),
    pytest.param(changed(total_fare=None), "total_fare", "must be a number", id="null-fare"),
    pytest.param(changed(total_fare=True), "total_fare", "must be a number", id="bool-fare"),
    pytest.param(changed(total_fare=math.nan), "total_fare", "must be a number", id="nan-fare"),
    pytest.param(changed(total_fare=math.inf), "total_fare", "must be a number", id="inf-fare"),
    pytest.param(changed(total_fare=2_000_000), "total_fare", "1,000,000", id="huge-fare"),
    pytest.param(changed(total_fare=10**400), "total_fare", "1,000,000", id="giant-int-fare"),
    pytest.param(
        changed(total_fare=0.004, loyalty_points_to_use=0), "total_fare", "one cent", id="sub-cent"
    ),
    pytest.param(
        changed(total_fare=5.0, loyalty_points_to_use=501),
        "loyalty_points_to_use",
        "exceed the fare (5.00)",
        id="points-over-fare",
    ),
    pytest.param(
        changed(loyalty_points_to_use=-1), "loyalty_points_to_use", "negative", id="negative-points"
    ),
    pytest.param(
        changed(loyalty_points_to_use=10.5),
        "loyalty_points_to_use",
        "whole number",
        id="fractional-points",
    ),
    pytest.param(passengers(), "passengers", "at least one passenger", id="no-passengers"),
    pytest.param(changed(passengers={}), "passengers", "at least one", id="passengers-not-list"),
    pytest.param(
        passengers(*[JOHN] * 10), "passengers", "at most 9 passengers", id="too-many-passengers"
    ),
    pytest.param(
        passengers({"last_name": "Doe"}),
        "passengers",
        "passenger 1 has no first name",
        id="no-first",
    ),
    pytest.param(
        passengers(JOHN, {"first_name": "Jane", "last_name": "   "}),
        "passengers",
        "passenger 2 has no last name",
        id="blank-last-name",
    ),
    pytest.param(
        passengers("John Doe"), "passengers", "passenger 1 is not an object", id="not-a-dict"
    ),
    pytest.param(
        passengers(JOHN, {"first_name": "Jane", "last_name": "S" * 101}),
        "passengers",
        "passenger 2's last name is 101 characters long; at most 100",
        id="long-last-name",
    ),
    pytest.param(
        passengers({"first_name": "J" * 10_000_000, "last_name": "Doe"}),
        "passengers",
        "passenger 1's first name is 10,000,000 characters long; at most 100",
        id="10-mb-first-name",
    ),
    pytest.param(
        changed(payment_method="x" * 10_000_000),
        "payment_method",
        "not 'xxxxxxxxxxxx...xxxxxxxxxxxxx'",
        id="10-mb-method-cut-short",
    ),
    pytest.param(passengers({**JOHN, "gender": "robot"}), "passengers", "gender", id="bad-gender"),
    pytest.param(
        changed(payment_method="bitcoin"), "payment_method", "card, paypal", id="bad-method"
    ),
    pytest.param(changed(payment_method=None), "payment_method", "not None", id="null-method"),
    pytest.param(changed(flight_id=True), "flight_id", "whole number", id="bool-flight"),
    pytest.param(changed(flight_id=123.0), "flight_id", "whole number", id="float-flight"),
    pytest.param(changed(flight_id="12a"), "flight_id", "whole number", id="text-flight"),
    pytest.param(changed(flight_id="²"), "flight_id", "whole number", id="superscript-flight"),
    pytest.param(changed(flight_id=10**30), "flight_id", "out of range", id="giant-flight"),
    pytest.param(changed(flight_id="9" * 5000), "flight_id", "out of range", id="giant-text"),
    pytest.param(changed(user_id=2**63), "user_id", "out of range", id="giant-user"),
    pytest.param(
        changed(loyalty_points_to_use="①"), "loyalty_points_to_use", "whole number", id="circled"
    ),
    pytest.param(without("flight_id"), "flight_id", "no flight_id", id="missing-flight"),
    pytest.param(without("user_id"), "user_id", "no user_id", id="missing-user"),
    pytest.param(without("total_fare"), "total_fare", "no total_fare", id="missing-fare"),
    pytest.param(without("passengers"), "passengers", "no passengers", id="missing-passengers"),
    pytest.param([DEFAULT_BOOKING], "", "JSON object, not list", id="a-list"),
    pytest.param("flight 123", "", "not str", id="a-string"),
    pytest.param(None, "", "not NoneType", id="none"),
]


@pytest.mark.parametrize(("data", "field", "message"), INVALID)
def test_invalid_request_names_the_field_and_changes_nothing(orchestrator, data, field, message):
    with pytest.raises(InvalidBooking) as checked:
        BookingRequest.from_mapping(data)
    before = everything(orchestrator)

    with pytest.raises(InvalidBooking) as started:
        orchestrator.start_booking_saga(data, {"process_payment": True})

    for caught in (checked, started):
        assert caught.value.field == field
        assert message in str(caught.value)
        assert caught.value.message == str(caught.value)
        # One line: the command line prints it as it is.
        assert "\n" not in str(caught.value)
    assert everything(orchestrator) == before


def test_guides_request_is_valid(orchestrator):
    request = orchestrator.validate(DEFAULT_BOOKING)

    assert request == BookingRequest(
        flight_id=123,
        user_id=1,
        fare_cents=50_000,
        loyalty_points_to_use=1000,
        payment_method="card",
        passengers=({"first_name": "John", "last_name": "Doe", "gender": "male"},),
    )
    assert request.discount_cents == 1000
    assert request.amount_due_cents == 49_000
    assert request.to_payload() == DEFAULT_BOOKING


def test_validation_does_not_change_the_request(orchestrator, booking):
    orchestrator.validate(booking)

    assert booking == DEFAULT_BOOKING


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"flight_id": "123", "user_id": " 1 "}, {}, id="ids-as-text"),
        pytest.param({"loyalty_points_to_use": None}, {"loyalty_points_to_use": 0}, id="null"),
        pytest.param({"total_fare": 500}, {}, id="int-fare"),
        pytest.param(
            {"total_fare": 0.01, "loyalty_points_to_use": 1}, {"fare_cents": 1}, id="cent"
        ),
        pytest.param({"payment_method": "paypal"}, {"payment_method": "paypal"}, id="paypal"),
        pytest.param(
            {"passengers": [{"first_name": " Ada ", "last_name": "Lovelace"}]},
            {"passengers": ({"first_name": "Ada", "last_name": "Lovelace"},)},
            id="names-stripped-gender-optional",
        ),
    ],
)
def test_valid_variants(orchestrator, fields, expected):
    request = orchestrator.validate(changed(**fields))

    for name, value in expected.items():
        assert getattr(request, name) == value
    assert request.flight_id == 123
    assert request.user_id == 1


def test_missing_optional_fields_take_their_defaults(orchestrator):
    data = without("loyalty_points_to_use")
    del data["payment_method"]

    request = orchestrator.validate(data)

    assert request.loyalty_points_to_use == 0
    assert request.payment_method == "card"


def test_names_up_to_the_length_cap_are_accepted(orchestrator):
    name = "A" * MAX_NAME_LENGTH
    request = orchestrator.validate(passengers({"first_name": name, "last_name": f"  {name}  "}))
    assert request.passengers == ({"first_name": name, "last_name": name},)


def test_points_up_to_the_whole_balance_are_accepted(orchestrator):
    request = orchestrator.validate(changed(loyalty_points_to_use=5000))

    assert request.amount_due_cents == 45_000


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"flight_id": 999}, id="unknown-flight"),
        pytest.param({"user_id": 42}, id="unknown-user"),
        pytest.param({"loyalty_points_to_use": 5001}, id="points-over-balance"),
        pytest.param({"user_id": 2, "loyalty_points_to_use": 1201}, id="over-balance-user-2"),
    ],
)
def test_what_only_a_participant_knows_is_not_checked(orchestrator, fields):
    # The request's shape is right; no service's database is read to check it.
    orchestrator.world.close()
    request = BookingRequest.from_mapping(changed(**fields))

    for name, value in fields.items():
        assert getattr(request, name) == value


# -- property: junk never changes the world ---------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
_passenger = st.sampled_from([JOHN, {"first_name": " Ada", "last_name": "Lovelace"}]) | (
    st.fixed_dictionaries(
        {},
        optional={
            "first_name": st.sampled_from(["John", "", "  "]) | _json,
            "last_name": st.sampled_from(["Doe", ""]) | _json,
            "gender": st.sampled_from(["male", "female", "other", "", "robot"]) | _json,
        },
    )
)
# Each field is often valid and sometimes junk, so that junk reaches every check.
_fields = {
    "flight_id": st.sampled_from([123, 456, 789, "123", " 456 "])
    | st.sampled_from([999, 0, -1, True, 123.0, "", "²"])
    | _scalars,
    "user_id": st.sampled_from([1, 2, 3, "1"]) | st.sampled_from([4, False, "one"]) | _scalars,
    "total_fare": st.sampled_from([500.0, 180, 1e6, 0.015, 12.345])
    | st.sampled_from([0.004, 0.005, 1e6 + 0.01, -0.0, 0, "500"])
    | st.floats(min_value=-10, max_value=2e6)
    | _scalars,
    "loyalty_points_to_use": st.integers(-10, 25_000) | st.none() | _scalars,
    "payment_method": st.sampled_from([*PAYMENT_METHODS, "bitcoin", "CARD"]) | _scalars,
    "passengers": st.lists(_passenger, min_size=1, max_size=10)
    | st.lists(_passenger | _json, max_size=3)
    | _json,
}
_booking_junk = st.builds(
    lambda changes, dropped, extra: {
        key: value
        for key, value in {**extra, **DEFAULT_BOOKING, **changes}.items()
        if key not in dropped
    },
    st.fixed_dictionaries({}, optional=_fields),
    st.sets(st.sampled_from(sorted(_fields)), max_size=1),
    st.dictionaries(st.text(max_size=8), _json, max_size=2),
)
_junk = _booking_junk | _booking_junk | _json


def test_junk_never_changes_the_world_and_is_valid_or_invalid_booking(orchestrator):
    before = everything(orchestrator)

    @settings(max_examples=50, deadline=None)
    @given(data=_junk)
    def check(data: Any) -> None:
        refusal: InvalidBooking | None = None
        try:
            request = orchestrator.validate(data)
        except InvalidBooking as exc:
            refusal = exc
        if refusal is not None:
            assert isinstance(refusal.field, str)
            assert "\n" not in str(refusal)
        else:
            # A checked request reads back as itself: the saga's payload is valid too.
            assert orchestrator.validate(request.to_payload()) == request
            assert request.fare_cents >= 1
            assert 0 <= request.loyalty_points_to_use <= request.fare_cents
        assert everything(orchestrator) == before

    check()
