"""No display (over SSH, say): the window says so in one line; the self-test goes offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXE = Path(sys.executable).parent / "saga-desktop"
# What tells Qt where to draw; tests/conftest.py sets QT_QPA_PLATFORM for the whole run.
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


@pytest.fixture
def no_display_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
    env["SAGA_DESKTOP_DATA_DIR"] = str(tmp_path / "data")
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="these always have a display")
def test_the_window_without_a_display_is_one_line_and_exit_2(
    no_display_env: dict[str, str], tmp_path: Path
) -> None:
    result = _run([str(EXE)], no_display_env)

    assert result.returncode == 2, result.stderr  # not Qt's abort (134)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.strip()
    assert line.startswith("saga-desktop: error: no display")
    assert "xvfb-run saga-desktop" in line
    assert "QT_QPA_PLATFORM=offscreen" in line
    assert "xcb" not in line
    assert not (tmp_path / "data").exists()  # nothing was touched


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="these always have a display")
def test_no_display_is_found_before_qt_is_loaded(no_display_env: dict[str, str]) -> None:
    probe = (
        "import sys; from saga_desktop.cli import main; code = main([]); "
        "print(code, 'PySide6' in sys.modules)"
    )
    result = _run([sys.executable, "-c", probe], no_display_env)

    assert result.stdout.split() == ["2", "False"], result.stderr


def test_self_test_without_a_display_runs_offscreen(no_display_env: dict[str, str]) -> None:
    result = _run([str(EXE), "--self-test"], no_display_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("self-test passed: 5 of 5 scenarios"), result.stdout
    assert result.stderr == ""


def test_a_platform_named_in_the_environment_is_used_without_a_display(
    no_display_env: dict[str, str],
) -> None:
    # QT_QPA_PLATFORM=offscreen is one of the two ways out the message names.
    env = {**no_display_env, "QT_QPA_PLATFORM": "offscreen", "SAGA_DESKTOP_EXIT_AFTER_PAINT": "1"}
    result = _run([str(EXE)], env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
