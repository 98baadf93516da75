"""Run files: export a real run, read it back anywhere, and refuse every damaged file clearly."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saga_desktop import __version__
from saga_desktop.booking import (
    DEFAULT_BOOKING,
    ORCHESTRATOR_LOG,
    RUN_FILE_FORMAT,
    RUN_FILE_LIMIT,
    RUN_FILE_VERSION,
    BookingError,
    BookingSagaOrchestrator,
    InvalidRunFile,
    RunFile,
    captions,
    export_log_text,
    export_run,
    guide_response,
    parse_kind,
    parse_plan,
    parse_run,
    read_run,
    write_run,
)
from saga_desktop.engine import SagaStarted, SimulatedCrash, VirtualClock, event_from_dict

CLOCK_START = 1_700_000_000.0


def record(orchestrator, booking, faults):
    """Run ``faults`` and export the run; a crash is recovered and the recovery exported."""
    before = orchestrator.world.snapshot().to_dict()
    request = orchestrator.validate(booking)
    try:
        result = orchestrator.run(request, parse_plan(faults))
    except SimulatedCrash:
        (result,) = orchestrator.recover()
    response = guide_response(result)
    after = orchestrator.world.snapshot().to_dict()
    data = export_run(
        response, booking=booking, faults=faults, world_before=before, world_after=after
    )
    return result, response, data


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """The plain data of a real run file (payment fails)."""
    clock = VirtualClock(lambda: CLOCK_START)
    data_dir = tmp_path_factory.mktemp("runfile")
    with BookingSagaOrchestrator(data_dir, clock=clock, write_logs=False) as orchestrator:
        _, _, data = record(orchestrator, DEFAULT_BOOKING, {"process_payment": "fail"})
    return data


def write_text(tmp_path, text):
    path = tmp_path / "run.json"
    path.write_text(text, encoding="utf-8")
    return path


def write_json(tmp_path, data):
    return write_text(tmp_path, json.dumps(data))


# -- round trips --------------------------------------------------------------------------

PLANS = [
    pytest.param({}, id="success"),
    pytest.param({"process_payment": "fail"}, id="payment-fails"),
    pytest.param({"confirm_booking": "timeout"}, id="confirm-times-out"),
    pytest.param(
        {"reserve_seat": "compensation_fail:forever", "confirm_booking": "fail"}, id="dead-letter"
    ),
    pytest.param({"process_payment": "crash"}, id="crash-recovered"),
]


@pytest.mark.parametrize("faults", PLANS)
def test_round_trip_of_a_real_run(orchestrator, booking, tmp_path, faults):
    result, response, data = record(orchestrator, booking, faults)
    path = tmp_path / "export" / "exported.sagarun.json"
    path.parent.mkdir()

    write_run(path, data)
    run = read_run(path)

    assert isinstance(run, RunFile)
    assert run.events == result.events
    assert run.events == tuple(event_from_dict(d) for d in response["saga_log"])
    assert isinstance(run.events[0], SagaStarted)
    assert run.correlation_id == response["correlation_id"]
    assert run.response == response
    assert run.booking == booking
    assert run.faults == faults
    assert run.fault_plan() == {key: parse_kind(spec) for key, spec in faults.items()}
    assert run.world_before == data["world_before"]
    assert run.world_after == orchestrator.world.snapshot().to_dict()
    assert run.app_version == __version__
    assert run.exported_at == data["exported_at"]
    # Nothing is left beside the file.
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_export_run_holds_what_the_issue_lists(orchestrator, booking):
    _, response, data = record(orchestrator, booking, {"process_payment": "fail"})

    assert set(data) == {
        "format",
        "version",
        "exported_at",
        "app_version",
        "response",
        "events",
        "booking",
        "faults",
        "world_before",
        "world_after",
    }
    assert data["format"] == RUN_FILE_FORMAT == "saga-desktop-run"
    assert data["version"] == RUN_FILE_VERSION == 1
    assert data["events"] == response["saga_log"]
    assert data["response"] == response
    assert data["faults"] == {"process_payment": "fail"}
    assert json.loads(json.dumps(data)) == data


def test_export_run_copies_its_input(orchestrator, booking):
    _, response, data = record(orchestrator, booking, {})
    booking["passengers"][0]["first_name"] = "Changed"
    response["saga_log"].clear()
    assert data["booking"]["passengers"][0]["first_name"] == "John"
    assert data["events"]


def test_export_run_refuses_what_could_not_be_read_back(orchestrator, booking):
    _, response, _ = record(orchestrator, booking, {})
    without_log = {k: v for k, v in response.items() if k != "saga_log"}
    with pytest.raises(InvalidRunFile, match=r'^cannot export this run: has no "events"'):
        export_run(without_log, booking=None, faults={}, world_before=None, world_after=None)
    with pytest.raises(InvalidRunFile, match=r"cannot export this run: .*unknown step 'pay'"):
        export_run(
            response, booking=None, faults={"pay": "fail"}, world_before=None, world_after=None
        )
    with pytest.raises(InvalidRunFile, match=r"^cannot export this run: "):
        export_run(response, booking={"x": {1, 2}}, faults={}, world_before=None, world_after=None)


def test_optional_parts_may_be_missing(valid, tmp_path):
    data = {k: v for k, v in valid.items() if k not in ("booking", "faults", "world_before")}
    del data["exported_at"], data["app_version"]
    run = read_run(write_json(tmp_path, data))
    assert (run.booking, run.faults, run.world_before) == (None, {}, None)
    assert (run.exported_at, run.app_version) == (None, None)


def test_a_byte_order_mark_is_accepted(valid, tmp_path):
    path = tmp_path / "bom.json"
    path.write_text("\ufeff" + json.dumps(valid), encoding="utf-8")
    assert read_run(path).response == valid["response"]


def test_whole_numbers_in_time_stamps_read_as_floats(valid, tmp_path):
    data = copy.deepcopy(valid)
    data["events"][0]["at"] = 1_700_000_000
    run = read_run(write_json(tmp_path, data))
    assert type(run.events[0].at) is float


# -- the log as text ----------------------------------------------------------------------


def test_export_log_text_is_the_log_files_lines(orchestrator, booking, data_dir):
    result, _, _ = record(orchestrator, booking, {"process_payment": "transient:5"})
    orchestrator.close()
    log = (data_dir / "logs" / ORCHESTRATOR_LOG).read_text(encoding="utf-8")

    text = export_log_text(result.events)

    assert text.endswith("\n")
    mine = [line for line in log.splitlines() if result.correlation_id in line]
    assert text.splitlines() == mine
    assert "[SAGA] Starting booking SAGA with 4 steps" in text.splitlines()[0]
    assert export_log_text([]) == ""


# -- damaged and foreign files ------------------------------------------------------------


def mutate(valid, change):
    data = copy.deepcopy(valid)
    change(data)
    return data


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _drop_response_keys(*keys):
    def change(data):
        for key in keys:
            del data["response"][key]

    return change


def _second_saga(data):
    data["events"][3]["correlation_id"] = "ffffffff-0000-4000-8000-000000000000"


def _two_extra_sagas(data):
    for index, event in enumerate(data["events"][1:], 1):
        event["correlation_id"] = f"{index % 3:08d}-0000-4000-8000-000000000000"


def _undo_named(name):
    def change(data):
        undo = next(event for event in data["events"] if "compensation" in event)
        undo["compensation"] = name

    return change


def _drop_first(data):
    del data["events"][0]


MALFORMED = [
    pytest.param(_set(("format",), "something-else"), r'not a SAGA Desktop run file \(no "format"'),
    pytest.param(lambda d: d.pop("format"), "not a SAGA Desktop run file"),
    pytest.param(
        _set(("version",), 2),
        r"written by a newer SAGA Desktop \(format 2; this version reads 1\)$",
    ),
    pytest.param(_set(("version",), "1"), r"has no valid format version \('1'; this version"),
    pytest.param(_set(("version",), True), "has no valid format version"),
    pytest.param(_set(("version",), 0), "has no valid format version"),
    pytest.param(lambda d: d.pop("version"), r"has no valid format version \(None"),
    pytest.param(_set(("events",), []), 'has no "events"'),
    pytest.param(lambda d: d.pop("events"), 'has no "events"'),
    pytest.param(_set(("events",), {"0": {}}), 'has no "events"'),
    pytest.param(_set(("events", 2), "StepStarted"), "event 3 is a JSON string, not an object"),
    pytest.param(
        _set(("events", 1, "type"), "StepExploded"),
        "event 2 cannot be read: unknown event type 'StepExploded'",
    ),
    pytest.param(lambda d: d["events"][1].pop("step"), "event 2 cannot be read: malformed"),
    pytest.param(_set(("events", 1, "extra"), 1), "event 2 cannot be read: malformed"),
    pytest.param(
        _set(("events", 1, "attempt"), "one"), r"event 2 \(StepStarted\) has a bad attempt: 'one'"
    ),
    pytest.param(_set(("events", 1, "attempt"), True), r"has a bad attempt: True"),
    pytest.param(_set(("events", 0, "steps"), "RESERVE_SEAT"), "has a bad steps"),
    pytest.param(_set(("events", 0, "steps"), [1, 2]), "has a bad steps"),
    pytest.param(_set(("events", 0, "payload"), []), "has a bad payload"),
    pytest.param(_set(("events", 0, "at"), "yesterday"), "has a bad at"),
    pytest.param(_set(("events", 0, "at"), 1e300), "event 1 has a time stamp out of range"),
    pytest.param(_set(("events", 0, "at"), -5.0), "event 1 has a time stamp out of range"),
    pytest.param(_set(("events", 0, "correlation_id"), 7), "has a bad correlation_id"),
    pytest.param(_second_saga, r"mixes the events of 2 sagas \(.*\); a run is one saga"),
    pytest.param(_two_extra_sagas, r"mixes the events of 4 sagas \(.*, …\)"),
    pytest.param(_drop_first, "the first event is StepStarted, not SagaStarted$"),
    pytest.param(_set(("response",), None), 'has no "response" object'),
    pytest.param(
        _drop_response_keys("correlation_id", "outcome"),
        "the response lacks correlation_id, outcome$",
    ),
    pytest.param(_set(("response", "success"), "no"), "the response's success is 'no'"),
    pytest.param(
        _set(("response", "correlation_id"), "0badc0de-0000"),
        "the response is of saga 0badc0de, the events of saga",
    ),
    pytest.param(_set(("faults",), ["fail"]), '"faults" must map step keys to fault kinds'),
    pytest.param(_set(("faults",), {"process_payment": 1}), '"faults" must map step keys'),
    pytest.param(_set(("faults",), {"pay": "fail"}), "unknown step 'pay' in a fault plan"),
    pytest.param(
        _set(("faults",), {"process_payment": "explode"}), "bad fault 'process_payment=explode'"
    ),
    pytest.param(_set(("booking",), [1]), '"booking" must be an object or null, not a JSON array'),
    pytest.param(_set(("world_after",), "x"), '"world_after" must be an object or null'),
    # Every field of the response and the worlds that the window shows, sums or writes
    # into the HTML report has its type checked.
    *(
        pytest.param(_set(path, value), message, id="-".join(map(str, path)))
        for path, value, message in (
            (("response", "steps_completed"), "2", "steps_completed is a JSON string, not a whole"),
            (("response", "total_steps"), 4.5, "total_steps is the number 4.5, not a whole number"),
            (("response", "total_steps"), 10**30, "total_steps is the number 1000"),
            (("response", "outcome"), 3, "response.outcome is the number 3, not a string"),
            (
                ("response", "failed_step"),
                ["X"],
                "failed_step is a JSON array, not a string or null",
            ),
            (("response", "error"), {}, "response.error is a JSON object, not a string or null"),
            (("response", "booking_reference"), 5, "booking_reference is the number 5, not a str"),
            (("response", "compensation_result"), "x", "compensation_result is a JSON string, not"),
            (
                ("response", "compensation_result", "results", 0, "step"),
                1,
                r"compensation_result.results\[0\].step is the number 1, not a string",
            ),
            (
                ("response", "compensation_result", "results", 0, "success"),
                "yes",
                r"results\[0\].success is a JSON string, not true or false",
            ),
            (
                ("response", "compensation_result", "results"),
                {"a": 1},
                "compensation_result.results is a JSON object, not a list",
            ),
            (
                ("response", "compensation_result", "total_compensations"),
                "2",
                "total_compensations",
            ),
            (
                ("response", "dead_letters"),
                "X",
                "response.dead_letters is a JSON string, not a list",
            ),
            (("response", "dead_letters"), [None], r"dead_letters\[0\] is null, not a string"),
            (("world_before", "flights"), "x", "world_before.flights is a JSON string, not a list"),
            (
                ("world_before", "flights", 0, "seats_left"),
                "42",
                r"world_before.flights\[0\].seats_left is a JSON string, not a whole number",
            ),
            (("world_before", "flights", 0, "route"), 7, r"flights\[0\].route is the number 7"),
            (("world_after", "flights", 1, "id"), True, r"flights\[1\].id is true, not a whole"),
            (("world_after", "users", 0, "name"), [], r"users\[0\].name is a JSON array"),
            (("world_after", "users", 0, "points"), "many", r"users\[0\].points is a JSON str"),
            (("world_after", "payments"), [], "world_after.payments is a JSON array, not an obj"),
            (("world_after", "payments", "captured"), "lots", "payments.captured is a JSON str"),
            (("world_after", "bookings", "confirmed"), "1", "bookings.confirmed is a JSON string"),
            (("world_after", "consistent"), "yes", "world_after.consistent is a JSON string"),
            (("world_after", "violations"), "none", "world_after.violations is a JSON string"),
            (("world_after", "violations"), [1], r"world_after.violations\[0\] is the number 1"),
        )
    ),
    pytest.param(lambda d: d["world_after"].pop("flights"), "world_after has no flights$"),
    # The window draws the booking's four cards: a run of other steps is refused.
    pytest.param(
        _set(("events", 0, "steps"), ["RESERVE_SEAT", "<script>x</script>"]),
        r"event 1 names '<script>x</script>', not a step of the flight booking \(RESERVE_SEAT,",
    ),
    pytest.param(_set(("events", 1, "step"), "LAUNCH"), "event 2 names 'LAUNCH', not a step"),
    pytest.param(_undo_named("COMPENSATE_SOMETHING_ELSE"), "names 'COMPENSATE_SOMETHING_ELSE'"),
]


@pytest.mark.parametrize(("change", "message"), MALFORMED)
def test_a_damaged_run_file_is_refused_in_one_line(valid, tmp_path, change, message):
    path = write_json(tmp_path, mutate(valid, change))

    with pytest.raises(InvalidRunFile, match=message) as caught:
        read_run(path)

    text = str(caught.value)
    assert text.startswith(f"{path}: ")
    assert "\n" not in text
    assert isinstance(caught.value, BookingError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            "", r"not a SAGA Desktop run file \(not JSON: Expecting value at line 1", id="empty"
        ),
        pytest.param("hello", r"\(not JSON: Expecting value at line 1, column 1\)", id="text"),
        pytest.param('{"format": ', "not JSON", id="cut-short"),
        pytest.param("NaN", r"not JSON: NaN is not allowed \(JSON has no such number\)", id="nan"),
        pytest.param("[" * 100_000 + "]" * 100_000, "not JSON: nested too deeply", id="deep"),
        pytest.param("9" * 5000, r"not JSON: Exceeds the limit", id="huge-number"),
        pytest.param("[1, 2]", r"a JSON array, not an object", id="array"),
        pytest.param('"run"', r"a JSON string, not an object", id="string"),
        pytest.param("null", r"a JSON null, not an object", id="null"),
        pytest.param("{}", r'no "format": "saga-desktop-run"', id="empty-object"),
    ],
)
def test_a_file_that_is_no_run_file_is_refused(tmp_path, content, message):
    path = write_text(tmp_path, content)
    with pytest.raises(InvalidRunFile, match=message) as caught:
        read_run(path)
    assert "\n" not in str(caught.value)


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(InvalidRunFile, match=r"missing\.json: cannot be read \(No such file"):
        read_run(tmp_path / "missing.json")
    with pytest.raises(InvalidRunFile, match=r"is a directory, not a regular file"):
        read_run(tmp_path)
    binary = tmp_path / "picture.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(
        InvalidRunFile,
        match=r"not a SAGA Desktop run file \(not UTF-8 text: invalid start byte at byte 0\)",
    ):
        read_run(binary)


def test_a_run_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as file:  # sparse: no 20 MB written
        file.truncate(RUN_FILE_LIMIT + 1)
    with pytest.raises(InvalidRunFile, match=r"huge\.json: is larger than 20 MB"):
        read_run(path)
    path.write_bytes(b" " * 10)
    with path.open("r+b") as file:  # exactly at the limit: read (and refused as no JSON)
        file.truncate(RUN_FILE_LIMIT)
    with pytest.raises(InvalidRunFile, match="not JSON"):
        read_run(path)


def test_a_run_file_with_more_events_than_the_cap_is_refused(valid, tmp_path, monkeypatch):
    monkeypatch.setattr("saga_desktop.booking._runfile.RUN_FILE_MAX_EVENTS", 5)
    assert len(valid["events"]) > 5
    with pytest.raises(InvalidRunFile, match=r"holds \d+ events, more than the 5 this app"):
        read_run(write_json(tmp_path, valid))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    with pytest.raises(InvalidRunFile, match=r"is a FIFO \(named pipe\), not a regular file"):
        read_run(fifo)


def test_parse_run_names_its_source():
    with pytest.raises(InvalidRunFile, match=r"^dropped data: not a SAGA Desktop run file"):
        parse_run([], source="dropped data")


# -- whatever the file holds --------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
DELETE = object()


def _paths(data, prefix=()):
    """Every path into ``data`` (the world snapshots only down to their first level)."""
    yield prefix
    if len(prefix) >= 1 and prefix[0] in ("world_before", "world_after", "booking"):
        return
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        yield from _paths(value, (*prefix, key))


def _apply(data, path, value):
    if not path:
        return value
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def _check_reads_or_refuses(path):
    try:
        run = read_run(path)
    except InvalidRunFile as exc:
        message = str(exc)
    else:
        message = None
    if message is not None:
        assert message.startswith(f"{path}: ")
        assert "\n" not in message
        return
    # What reads is fit for replay: its log and captions can be made.
    assert isinstance(run.events[0], SagaStarted)
    export_log_text(run.events)
    assert len(captions(run.events)) == len(run.events)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_damaged_real_run_is_read_or_refused_never_crashes(valid, data):
    paths = list(_paths(valid))
    damaged = copy.deepcopy(valid)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        live = [p for p in paths if _reachable(damaged, p)]
        where = data.draw(st.sampled_from(live))
        value = data.draw(st.one_of(JSON_VALUES, st.just(DELETE)) if where else JSON_VALUES)
        damaged = _apply(damaged, where, value)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.json"
        path.write_text(json.dumps(damaged), encoding="utf-8")
        _check_reads_or_refuses(path)


def _reachable(data, path):
    target = data
    for key in path:
        in_dict = isinstance(target, dict) and isinstance(key, str) and key in target
        in_list = isinstance(target, list) and isinstance(key, int) and key < len(target)
        if not (in_dict or in_list):
            return False
        target = target[key]
    return True


@settings(max_examples=200, deadline=None)
@given(
    content=st.one_of(st.binary(max_size=200), JSON_VALUES.map(json.dumps), st.text(max_size=200))
)
def test_junk_is_refused_never_crashes(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junk.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        _check_reads_or_refuses(path)


# -- a saga file's run ---------------------------------------------------------------------


def test_a_saga_files_run_carries_its_saga_and_reads_back_anywhere(tmp_path):
    from pathlib import Path

    from saga_desktop.booking import (
        BookingSagaOrchestrator,
        Fault,
        FaultKind,
        export_run,
        load_saga,
        read_run,
        write_run,
    )

    trip = Path(__file__).resolve().parents[2] / "resources" / "sagas" / "trip_booking.saga.toml"
    spec = load_saga(trip)
    with BookingSagaOrchestrator(tmp_path / "data", saga=spec) as runner:
        assert runner.store is not None
        before = runner.world.snapshot(runner.store).to_dict()
        result = runner.run(runner.validate({}), {"rent_car": Fault(FaultKind.FAIL)})
        after = runner.world.snapshot(runner.store).to_dict()
        response = runner.world.response(result)
    data = export_run(
        response,
        booking={},
        faults={"rent_car": "fail"},
        world_before=before,
        world_after=after,
        saga=spec,
    )
    write_run(tmp_path / "run.json", data)

    run = read_run(tmp_path / "run.json")

    assert run.saga is not None
    assert run.saga.step_names == spec.step_names
    assert run.fault_plan() == {"rent_car": Fault(FaultKind.FAIL)}
    assert run.events[0].steps == spec.step_names


def test_a_saga_run_whose_saga_is_bad_is_refused_with_the_field(tmp_path):
    import json

    from saga_desktop.booking import InvalidRunFile, parse_run

    with pytest.raises(InvalidRunFile, match="its saga: steps: a saga needs at least one step"):
        parse_run(
            {
                "format": "saga-desktop-run",
                "version": 1,
                "saga": json.loads('{"name": "x", "services": {"a": {"records": true}}}'),
                "response": {},
            }
        )
