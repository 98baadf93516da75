"""The editor's draft without Qt: gallery sagas both ways, problems where they were typed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop._resources import resource_path
from saga_desktop.booking import SagaSpec, load_saga, spec_from_data, spec_to_data
from saga_desktop.gui.saga_editor._draft import (
    SERVICE_COLUMNS,
    STEP_COLUMNS,
    STEP_DETAILS,
    Draft,
    Where,
    draft_from_data,
    draft_problems,
    draft_to_data,
    empty_step,
)

GALLERY = sorted(resource_path("sagas").glob("*.saga.toml"))
EDITABLE = [path for path in GALLERY if load_saga(path).world is None]


def _bare(spec: SagaSpec) -> SagaSpec:
    return dataclasses.replace(spec, source=None)


@pytest.mark.parametrize("path", EDITABLE, ids=[path.stem for path in EDITABLE])
def test_a_gallery_saga_goes_through_the_draft_unchanged(path: Path) -> None:
    spec = load_saga(path)
    draft = draft_from_data(spec_to_data(spec))
    assert draft_problems(draft) == []
    data, issues = draft_to_data(draft)
    assert issues == []
    assert _bare(spec_from_data(data)) == _bare(spec)


def test_the_editable_gallery_is_the_gallery_less_the_built_in_world() -> None:
    assert len(EDITABLE) == len(GALLERY) - 1


def _trip() -> Draft:
    return draft_from_data(
        spec_to_data(load_saga(resource_path("sagas", "trip_booking.saga.toml")))
    )


def test_problems_land_in_the_cell_they_were_typed_in() -> None:
    draft = _trip()
    draft.steps[2]["target"] = "compakt"
    draft.steps[3]["retries"] = "many"
    draft.services[1]["entries"] = "berlin_mitte = 8, potsdam"
    draft.request[1]["field"] = "Price"
    found = {(issue.where, issue.path) for issue in draft_problems(draft)}
    assert (Where("steps", 2, "target"), "steps[2].take.item") in found
    assert (Where("steps", 3, "retries"), "steps[3].retries") in found
    assert (Where("services", 1, "entries"), "services.hotels.stock") in found
    assert (Where("request", 1, "field"), "request.Price") in found


def test_a_value_read_from_the_request_keeps_its_braces_and_numbers_stay_numbers() -> None:
    draft = _trip()
    data, _ = draft_to_data(draft)
    charge = data["steps"][3]
    assert charge["debit"] == {"account": "{traveller}", "amount": "{price}"}
    assert charge["retries"] == 3
    assert charge["timeout"] == 2.0
    assert data["request"]["price"] == 640.0
    assert data["services"]["flights"]["stock"] == {"LH400": 40, "BA117": 12}


def test_text_that_looks_like_a_number_stays_text_both_ways() -> None:
    draft = Draft(request=[{"field": "code", "value": '"640"'}, {"field": "on", "value": "true"}])
    data, _ = draft_to_data(draft)
    assert data["request"] == {"code": "640", "on": True}
    assert draft_from_data(data).request == draft.request


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_KEYS = [c.key for c in STEP_COLUMNS] + [key for key, _ in STEP_DETAILS]


@settings(max_examples=150, deadline=None)
@given(
    saga=st.dictionaries(st.sampled_from(["name", "title", "description", "notes"]), _TEXT),
    services=st.lists(st.fixed_dictionaries({c.key: _TEXT for c in SERVICE_COLUMNS}), max_size=4),
    steps=st.lists(st.dictionaries(st.sampled_from(_KEYS), _TEXT), max_size=5),
)
def test_anything_typed_gives_problems_in_places_never_an_error(
    saga: dict[str, str], services: list[dict[str, str]], steps: list[dict[str, str]]
) -> None:
    draft = Draft(
        saga=saga,
        services=services,
        steps=[{**empty_step(), **step} for step in steps],
    )
    for step in draft.steps:
        if step["effect"] not in ("take", "debit", "credit", "record"):
            step["effect"] = "take"  # a combo box offers only these
    for service in draft.services:
        if service["keeps"] not in ("stock", "accounts", "records"):
            service["keeps"] = "stock"
    issues = draft_problems(draft)
    for issue in issues:
        assert issue.where.section in ("saga", "request", "services", "steps")
        if issue.where.section == "steps" and issue.where.row is not None:
            assert 0 <= issue.where.row < len(draft.steps)
        if issue.where.section == "services" and issue.where.row is not None:
            assert 0 <= issue.where.row < len(draft.services)
    if not issues:
        data, _ = draft_to_data(draft)
        spec_from_data(data)  # a draft without problems always builds
