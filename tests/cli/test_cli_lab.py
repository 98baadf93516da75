"""``saga-desktop lab``: list, run and explore, their JSON, exit codes and bad input."""

from __future__ import annotations

import pytest

from saga_desktop.booking.lab import COUNTERMEASURES, LESSONS


def lab(cli, *args: str):
    return cli("lab", *args, data_dir_option=False)


def test_list_json_gives_one_object_per_lesson(cli) -> None:
    result = lab(cli, "list", "--json")
    assert result.code == 0
    lessons = result.json()
    assert [x["lesson"] for x in lessons] == ["lost_update", "dirty_read", "fuzzy_read"]
    for item in lessons:
        assert {"lesson", "anomaly", "prevented_by", "not_prevented_by", "description"} <= set(item)
        assert sorted(item["prevented_by"] + item["not_prevented_by"]) == sorted(COUNTERMEASURES)


def test_list_in_words(cli) -> None:
    result = lab(cli, "list")
    assert result.code == 0
    assert "prevented by:     semantic_lock" in result.out


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_run_without_a_cure_shows_the_anomaly_and_exits_0(cli, lesson: str) -> None:
    result = lab(cli, "run", lesson, "--json")
    assert result.code == 0, result.out
    data = result.json()
    assert data["lesson"] == data["anomaly"] == lesson
    assert data["observed"] is True
    assert data["countermeasures"] == []
    assert set(data["schedule"]) == {"A", "B"}
    assert [s["label"] for s in data["sagas"]] == ["A", "B"]
    assert isinstance(data["consistent"], bool)
    assert any(a["kind"] == lesson for a in data["anomalies"])


@pytest.mark.parametrize("lesson", list(LESSONS))
def test_run_with_a_cure_shows_none_and_exits_0(cli, lesson: str) -> None:
    cure = LESSONS[lesson].prevented_by[0]
    result = lab(cli, "run", lesson, "--countermeasure", cure, "--json")
    assert result.code == 0
    assert result.json()["observed"] is False
    assert result.json()["consistent"] is True


def test_run_that_does_not_behave_as_taught_exits_1(cli) -> None:
    # A serial schedule: A ends before B starts, so the anomaly the lesson expects
    # without a cure does not appear.
    result = lab(cli, "run", "lost_update", "--schedule", "A" * 30, "--json")
    assert result.code == 1
    assert result.json()["observed"] is False


def test_run_in_words_prints_each_turn_and_the_verdict(cli) -> None:
    result = lab(cli, "run", "dirty_read")
    assert result.code == 0
    assert "  1  A  RESERVE_SEAT" in result.out
    assert "ANOMALY dirty_read: Saga B read 0 free seats on FL123" in result.out
    assert result.out.rstrip().endswith("verdict: the dirty_read appeared, as the lesson says")


def test_explore_json_counts_and_replays(cli) -> None:
    result = lab(cli, "explore", "--schedules", "60", "--seed", "7", "--json")
    assert result.code == 0
    data = result.json()
    assert data["schedules"] == 60
    assert set(data["anomalies"]) == {"lost_update", "dirty_read", "fuzzy_read"}
    for kind, first in data["first"].items():
        assert data["anomalies"][kind] > 0
        assert {"seed", "index", "schedule", "sagas", "replay"} <= set(first)
    again = lab(cli, "explore", "--schedules", "60", "--seed", "7", "--json")
    assert again.json() == data


def test_explore_with_a_cure_exits_0_and_finds_none(cli) -> None:
    result = lab(cli, "explore", "--schedules", "40", "--countermeasure", "semantic_lock", "--json")
    assert result.code == 0
    assert result.json()["anomalies"] == {"lost_update": 0, "dirty_read": 0, "fuzzy_read": 0}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("run", "nope"), "unknown lesson 'nope'"),
        (("run", "dirty_read", "--countermeasure", "magic"), "unknown countermeasure 'magic'"),
        (("run", "dirty_read", "--schedule", "ABZ"), "names saga 'Z'"),
        (("run", "dirty_read", "--schedule", ""), "--schedule needs"),
        (("explore", "--sagas", "0"), "--sagas must be 1 to 8"),
        (("explore", "--sagas", "9"), "--sagas must be 1 to 8"),
        (("explore", "--schedules", "-1"), "--schedules must be"),
        (("explore", "--schedules", "many"), "whole number"),
        (("explore", "--seed", "x"), "whole number"),
        (("explore", "--countermeasure", "nope"), "unknown countermeasure"),
        ((), "required"),
        (("dance",), "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args: tuple[str, ...], fragment: str) -> None:
    lab(cli, *args).assert_bad_input(fragment)
