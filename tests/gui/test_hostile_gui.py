"""The window against hostile files: run files, settings.ini, log files that cannot be written.

A hostile run file is refused with a dialog and read off the GUI thread; an HTML
report made from a run with script in every field runs no script; absurd
settings never stop the window from starting; a log file the kernel refuses to
grow is a warning in the status bar and the log pane, never a dialog per line.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from gui_helpers import arm, history_rows, run_saga, statuses
from test_export_import import Dialogs, export, import_file

from saga_desktop import booking
from saga_desktop.booking import DEFAULT_BOOKING, RUN_FILE_LIMIT
from saga_desktop.cli import main
from saga_desktop.engine import SagaStarted, StepStarted
from saga_desktop.gui.main_window import MainWindow
from saga_desktop.gui.timeline import TimelineView

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, rlimits, symlinks")

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def exported(qtbot, make_window, dialogs, tmp_path) -> tuple[MainWindow, dict[str, Any]]:
    """A window after a failed saga, and the run file exported from it (parsed)."""
    window = make_window()
    arm(qtbot, window, "process_payment")
    assert not run_saga(qtbot, window)["success"]
    path = tmp_path / "run.json"
    export(window, dialogs, "exportRunAction", path)
    return window, json.loads(path.read_text("utf-8"))


# -- run files ------------------------------------------------------------------------------


class _Markup(HTMLParser):
    """Every tag and attribute of a page, and what its meta tags say."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.metas: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)
        if tag == "meta":
            self.metas.append(dict(attrs))


def _poison(value: Any, key: str = "") -> Any:
    """``value`` with SCRIPT added to every string a run file may hold freely."""
    if isinstance(value, dict):
        return {k: _poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(item, key) for item in value]
    # The file's format, the event types and the steps must stay what this app reads.
    fixed = key in ("format", "type", "step", "steps", "compensation")
    return value + SCRIPT if isinstance(value, str) and not fixed else value


def test_a_run_with_script_in_every_field_exports_a_report_that_runs_none(
    qtbot, exported, dialogs, tmp_path
) -> None:
    window, data = exported
    poisoned = _poison(copy.deepcopy(data))
    poisoned["faults"] = data["faults"]  # step keys and kinds: checked on import
    assert poisoned["response"]["error"].endswith(SCRIPT)
    path = tmp_path / "poisoned.json"
    path.write_text(json.dumps(poisoned), encoding="utf-8")

    assert import_file(qtbot, window, path), dialogs.warnings
    export(window, dialogs, "exportHtmlAction", tmp_path / "report.html")

    assert dialogs.warnings == []
    page = (tmp_path / "report.html").read_text("utf-8")
    parsed = _Markup()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert not [value for _, value in parsed.attributes if "javascript:" in value.lower()]
    assert "<script" not in page.lower()
    # The payload is in the page, as text: escaped, where each field is shown.
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5
    (policy,) = [
        m["content"] for m in parsed.metas if m.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy is not None
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none': no script at all
    assert "img-src data:" in policy


def test_the_timeline_svg_escapes_step_names() -> None:
    # A saga file may name its steps anything: the SVG (inlined in the report) escapes them.
    view = TimelineView()
    name = f"PAY{SCRIPT}"
    view.set_events(
        [SagaStarted("c", 1.0, "booking", (name,), {}), StepStarted("c", 2.0, name, 1, 3)]
    )

    svg = view.to_svg()

    parsed = _Markup()
    parsed.feed(svg)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert "&lt;script&gt;" in svg


def _sparse(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(size)
    return path


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "run.fifo"
    os.mkfifo(path)
    return path


def _wrong_world(tmp_path: Path, data: dict[str, Any]) -> Path:
    data["world_after"]["flights"][0]["seats_left"] = "<b>42</b>"
    path = tmp_path / "typed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _wrong_compensations(tmp_path: Path, data: dict[str, Any]) -> Path:
    data["response"]["compensation_result"]["results"] = "all of them"
    path = tmp_path / "typed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp, data: _sparse(tmp, RUN_FILE_LIMIT + 1), "is larger than 20 MB"),
        (lambda tmp, data: _fifo(tmp), "is a FIFO (named pipe), not a regular file"),
        (lambda tmp, data: Path("/dev/zero"), "is a character device, not a regular file"),
        (_wrong_world, "world_after.flights[0].seats_left is a JSON string, not a whole number"),
        (_wrong_compensations, "compensation_result.results is a JSON string, not a list"),
    ],
    ids=["over-20-mb", "fifo", "dev-zero", "world-types", "compensation-types"],
)
def test_a_hostile_run_file_is_refused_in_a_dialog_read_off_the_gui_thread(
    qtbot, exported, dialogs, tmp_path, monkeypatch, make, says
) -> None:
    window, data = exported
    path = make(tmp_path, data)
    readers: list[threading.Thread] = []
    read_run = booking.read_run

    def recording_read_run(target: Any) -> Any:
        readers.append(threading.current_thread())
        return read_run(target)

    monkeypatch.setattr(booking, "read_run", recording_read_run)
    rows, pipeline = history_rows(window), statuses(window)

    with qtbot.assertNotEmitted(window.saga_finished):
        assert import_file(qtbot, window, path) is False

    assert [title for title, _ in dialogs.warnings] == ["Cannot import"]
    assert says in dialogs.warnings[0][1]
    assert str(path) in dialogs.warnings[0][1]
    assert readers
    assert all(reader is not threading.main_thread() for reader in readers)
    assert history_rows(window) == rows
    assert statuses(window) == pipeline


def test_a_failing_export_is_a_dialog_not_a_traceback(
    qtbot, exported, dialogs, tmp_path, monkeypatch
) -> None:
    window, _ = exported

    def broken(**parts: Any) -> str:
        raise ValueError("cannot format this value")

    monkeypatch.setattr("saga_desktop.gui.report.html_report", broken)
    export(window, dialogs, "exportHtmlAction", tmp_path / "report.html")

    assert dialogs.warnings == [
        ("Cannot export", f"{tmp_path / 'report.html'}: ValueError: cannot format this value")
    ]
    assert not (tmp_path / "report.html").exists()


# -- settings.ini ----------------------------------------------------------------------------

SETTINGS = {
    "speed-20-digits": ("[run]\nspeed=99999999999999999999\n", "run/speed"),
    "seed-20-digits": ("[run]\nseed=-99999999999999999999\n", "run/seed"),
    "speed-1e400": ("[run]\nspeed=1e400\n", "run/speed"),
    "flight-1e400": ('[run]\nbooking="{\\"flight_id\\": 1e400}"\n', "run/booking's flight_id"),
    "deep-json": ('[run]\nbooking="' + "[" * 50_000 + '"\n', "run/booking = '[[[["),
    "booking-wrong-types": (
        '[run]\nbooking="{\\"user_id\\": \\"one\\", \\"passengers\\": 7}"\n',
        "run/booking's user_id",
    ),
    "booking-not-an-object": ('[run]\nbooking="[1, 2]"\n', "not a JSON object"),
    "dark-maybe": ("[view]\ndark=maybe\n", "view/dark = 'maybe' dropped (not true or false)"),
    "geometry-garbage": ("[window]\ngeometry=hello\n", "window/geometry"),
}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_an_absurd_setting_is_dropped_with_a_warning_and_the_window_starts(
    qtbot, make_window, tmp_path, name: str
) -> None:
    text, says = SETTINGS[name]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "settings.ini").write_text(text, encoding="utf-8")

    window = make_window(data_dir=data_dir)

    assert any(says in message for message in window.notices.messages), window.notices.messages
    assert window.notices.label.isVisible()
    assert any(says in line for line in window.log.all_lines())
    # The defaults stand.
    assert window.form.booking()["flight_id"] == DEFAULT_BOOKING["flight_id"]
    assert window.seed_spin.value() == 42
    assert not window.dark_action.isChecked()
    assert run_saga(qtbot, window)["success"]


def test_a_symlinked_settings_file_is_neither_read_nor_written(
    qtbot, make_window, tmp_path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    target = tmp_path / "elsewhere.ini"
    target.write_text("[view]\ndark=true\n", encoding="utf-8")
    (data_dir / "settings.ini").symlink_to(target)

    window = make_window(data_dir=data_dir)
    assert not window.dark_action.isChecked()
    (message,) = window.notices.messages
    assert "settings.ini is a symbolic link: it is neither read nor written" in message
    window.close()

    assert target.read_text(encoding="utf-8") == "[view]\ndark=true\n"
    assert (data_dir / "settings.ini").is_symlink()


# -- log files that cannot be written --------------------------------------------------------


@pytest.fixture
def file_size_limit():
    """Limit this process's file sizes (as a full device would); put it back afterwards."""
    import resource

    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill

    def limit(size: int) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, before[1]))

    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, before)
        signal.signal(signal.SIGXFSZ, handler)


def test_a_log_file_that_cannot_be_written_is_a_warning_not_a_failed_booking(
    qtbot, make_window, dialogs, tmp_path, file_size_limit
) -> None:
    data_dir = tmp_path / "data"
    assert main(["run", "--data-dir", str(data_dir)]) == 0
    size = 64 << 20
    with (data_dir / "logs" / "saga_bookings.log").open("ab") as file:
        file.truncate(size)
    file_size_limit(size + 10)
    window = make_window(data_dir=data_dir)

    first = run_saga(qtbot, window)
    second = run_saga(qtbot, window)

    assert first["success"]
    assert second["success"]
    message = (
        "cannot write logs/saga_bookings.log (File too large); "
        "the booking is recorded in saga_log.db"
    )
    qtbot.waitUntil(lambda: window.notices.messages == [message], timeout=5_000)
    assert window.notices.label.isVisible()
    assert "saga_bookings.log" in window.notices.label.text()
    assert [line for line in window.log.all_lines() if "cannot write" in line] == [
        line for line in window.log.all_lines() if line.endswith(message)
    ]
    assert len([line for line in window.log.all_lines() if message in line]) == 1
    assert dialogs.warnings == []  # no dialog: the bookings went through
    assert "Booking confirmed" in window.banner.text()
