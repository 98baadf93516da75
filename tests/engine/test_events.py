"""Events: plain frozen data that survives a JSON round trip."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saga_desktop.engine import (
    EVENT_TYPES,
    CompensationTriggered,
    SagaCompensated,
    SagaEvent,
    SagaStarted,
    StepStarted,
    event_from_dict,
    event_to_dict,
)
from saga_desktop.engine._events import event_to_json
from saga_desktop.engine._json import compact_encoder

CID = "00000000-0000-4000-8000-000000000006"


def test_event_types_lists_all_fourteen():
    assert sorted(EVENT_TYPES) == sorted(
        [
            "SagaStarted",
            "StepStarted",
            "StepSucceeded",
            "StepRetried",
            "StepFailed",
            "CompensationTriggered",
            "CompensationStarted",
            "CompensationSucceeded",
            "CompensationRetried",
            "CompensationFailed",
            "DeadLettered",
            "DeadLetterResolved",
            "SagaCompleted",
            "SagaCompensated",
        ]
    )
    assert all(
        issubclass(cls, SagaEvent) and cls.__name__ == name for name, cls in EVENT_TYPES.items()
    )


def test_sample_runs_produce_every_event_type(sample_events):
    assert {type(e).__name__ for e in sample_events} == set(EVENT_TYPES)


def test_every_event_of_a_real_run_survives_json(sample_events):
    for event in sample_events:
        text = json.dumps(event_to_dict(event))

        again = event_from_dict(json.loads(text))

        assert again == event
        assert type(again) is type(event)


def test_tuple_fields_come_back_as_tuples(sample_events):
    for event in sample_events:
        again = event_from_dict(json.loads(json.dumps(event_to_dict(event))))
        for field in dataclasses.fields(again):
            assert type(getattr(again, field.name)) is type(getattr(event, field.name))


def test_event_to_dict_shape():
    event = CompensationTriggered(CID, 12.5, "C", ("B", "A"), False)

    assert event_to_dict(event) == {
        "type": "CompensationTriggered",
        "correlation_id": CID,
        "at": 12.5,
        "failed_step": "C",
        "steps": ["B", "A"],
        "recovery": False,
    }


def test_saga_compensated_round_trip_with_empty_tuples():
    event = SagaCompensated(CID, 1.0, None, "stopped", 0, (), (), True)

    assert event_from_dict(json.loads(json.dumps(event_to_dict(event)))) == event


def test_events_are_frozen():
    event = StepStarted(CID, 1.0, "A", 1, 1)

    with pytest.raises(dataclasses.FrozenInstanceError):
        event.step = "B"


GOOD = {
    "type": "StepStarted",
    "correlation_id": CID,
    "at": 1.0,
    "step": "A",
    "attempt": 1,
    "max_attempts": 1,
}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "unknown event type None"),
        ({k: v for k, v in GOOD.items() if k != "type"}, "unknown event type None"),
        ({**GOOD, "type": "StepExploded"}, "unknown event type 'StepExploded'"),
        ({**GOOD, "type": 3}, "unknown event type 3"),
        ({**GOOD, "type": "SagaEvent"}, "unknown event type 'SagaEvent'"),
        ({k: v for k, v in GOOD.items() if k != "attempt"}, "malformed StepStarted event"),
        ({**GOOD, "colour": "red"}, "malformed StepStarted event"),
        ({"type": "SagaStarted", "correlation_id": CID}, "malformed SagaStarted event"),
    ],
    ids=[
        "empty",
        "no-type",
        "unknown-type",
        "non-string-type",
        "base-class",
        "missing-field",
        "extra-field",
        "mostly-missing",
    ],
)
def test_malformed_dicts_raise_value_error(data, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        event_from_dict(data)


def test_good_dict_is_accepted():
    assert event_from_dict(GOOD) == StepStarted(CID, 1.0, "A", 1, 1)


def test_event_from_dict_does_not_change_its_input():
    data = event_to_dict(SagaStarted(CID, 1.0, "demo", ("A", "B"), {"k": 1}))
    copy = json.loads(json.dumps(data))

    event_from_dict(data)

    assert data == copy


def test_event_to_json_is_json_dumps_of_event_to_dict(sample_events):
    for event in sample_events:
        assert event_to_json(event) == json.dumps(event_to_dict(event), ensure_ascii=False)


_ODD_TEXT = st.text(alphabet=st.characters(), max_size=8)
_ODD_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    _ODD_TEXT,
    st.tuples(_ODD_TEXT, st.integers()),
    st.dictionaries(_ODD_TEXT, st.one_of(st.integers(), _ODD_TEXT, st.floats())),
)


@given(
    cls=st.sampled_from(list(EVENT_TYPES.values())),
    values=st.lists(_ODD_VALUE, min_size=10, max_size=10),
)
def test_event_to_json_writes_any_value_as_json_dumps_would(cls, values):
    # Even a value of another type than the field's (a bool in an int field, NaN,
    # quotes and control characters in text) gives json.dumps's text.
    event = cls(*values[: len(dataclasses.fields(cls))])

    assert event_to_json(event) == json.dumps(event_to_dict(event), ensure_ascii=False)


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_compact_encoder_is_json_dumps(ensure_ascii):
    value = {"é": ["\u2028", 1.5, float("inf"), None, True, ("t", 2)], "n": -(2**70)}

    text = compact_encoder(ensure_ascii=ensure_ascii)(value)

    assert text == json.dumps(value, ensure_ascii=ensure_ascii)
