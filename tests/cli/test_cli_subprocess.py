"""End to end: the installed ``saga-desktop`` executable in a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXE = Path(sys.executable).parent / "saga-desktop"


@pytest.fixture
def saga_desktop(tmp_path):
    """Run the executable with the data dir in the environment, as a user would set it."""
    env = {**os.environ, "SAGA_DESKTOP_DATA_DIR": str(tmp_path / "data")}
    # Without a display the window could not open; no test here should try.
    env.pop("DISPLAY", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(EXE), *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    return run


def test_the_executable_is_installed():
    assert EXE.is_file()


def test_run_json(saga_desktop, tmp_path):
    result = saga_desktop("run", "--json")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["success"] is True
    assert (tmp_path / "data" / "logs" / "saga_orchestrator.log").is_file()


def test_state_json(saga_desktop):
    result = saga_desktop("state", "--json")

    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert state["consistent"] is True
    assert state["violations"] == []


def test_bad_input_is_one_line_without_traceback(saga_desktop):
    result = saga_desktop("run", "--fail", "nowhere")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("saga-desktop: error: unknown step 'nowhere'")


def test_a_crash_kills_the_process_and_recovery_heals_the_world(saga_desktop):
    crashed = saga_desktop("run", "--fault", "process_payment=crash", "--json")

    assert crashed.returncode == 70
    assert crashed.stdout == ""  # died before the response was printed
    assert crashed.stderr == (
        "saga-desktop: the orchestrator crashed right after PROCESS_PAYMENT\n"
    )
    # Nothing was compensated: the world shows the half-done saga ...
    assert saga_desktop("state").returncode == 1
    # ... until the next start recovers it.
    recovered = saga_desktop("recover", "--json")
    assert recovered.returncode == 0, recovered.stderr
    (response,) = json.loads(recovered.stdout)
    assert [r["step"] for r in response["compensation_result"]["results"]] == [
        "COMPENSATE_PROCESS_PAYMENT",
        "COMPENSATE_DEDUCT_LOYALTY_POINTS",
        "COMPENSATE_RESERVE_SEAT",
    ]
    assert saga_desktop("state").returncode == 0


def test_python_dash_m_is_the_same_command(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "saga_desktop", "state", "--json", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["consistent"] is True
