"""The packaged executable (PyInstaller) behaves exactly like the source, within budget.

Builds both forms from ``resources/saga-desktop.spec`` once per session (about a
minute), then runs the one-folder build's commands in real subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYINSTALLER = Path(sys.executable).parent / "pyinstaller"
ONE_FOLDER_BUDGET_MB = 130
ONE_FILE_BUDGET_MB = 60

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PYINSTALLER.exists(), reason="PyInstaller (the build extra) is missing"),
    pytest.mark.timeout(900),
]


def _size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    # Symbolic links (PyInstaller links libraries into _internal) take no space.
    files = (f for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return sum(f.stat().st_size for f in files) / 2**20


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    result = subprocess.run(
        [
            str(PYINSTALLER),
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            "resources/saga-desktop.spec",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    yield work / "dist"
    shutil.rmtree(work, ignore_errors=True)


def _run(exe: Path, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SAGA_DESKTOP_DATA_DIR=str(data_dir))
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_sizes_are_within_budget(dist: Path) -> None:
    one_folder = _size_mb(dist / "saga-desktop")
    one_file = _size_mb(dist / ("saga-desktop-onefile" + (".exe" if os.name == "nt" else "")))
    print(f"one-folder {one_folder:.1f} MB, one-file {one_file:.1f} MB")
    assert one_folder <= ONE_FOLDER_BUDGET_MB
    assert one_file <= ONE_FILE_BUDGET_MB


def test_self_test_passes_offscreen(dist: Path, tmp_path: Path) -> None:
    result = _run(dist / "saga-desktop" / "saga-desktop", "--self-test", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("self-test passed: 5 of 5 scenarios")


def test_one_file_self_test_passes(dist: Path, tmp_path: Path) -> None:
    result = _run(dist / "saga-desktop-onefile", "--self-test", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("fail", [None, "process_payment"])
def test_run_json_matches_the_source(dist: Path, tmp_path: Path, fail: str | None) -> None:
    args = ["run", "--json"] + (["--fail", fail] if fail else [])
    packaged = _run(dist / "saga-desktop" / "saga-desktop", *args, data_dir=tmp_path / "packaged")
    source = subprocess.run(
        [sys.executable, "-m", "saga_desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, SAGA_DESKTOP_DATA_DIR=str(tmp_path / "source")),
        check=False,
    )
    assert packaged.returncode == source.returncode == (0 if fail is None else 1)
    mine, theirs = json.loads(packaged.stdout), json.loads(source.stdout)
    assert mine.keys() == theirs.keys()
    for key in ("success", "steps_completed", "total_steps", "failed_step", "compensation_result"):
        assert mine.get(key) == theirs.get(key)
    assert [e["type"] for e in mine["saga_log"]] == [e["type"] for e in theirs["saga_log"]]


def test_scenarios_and_state(dist: Path, tmp_path: Path) -> None:
    exe = dist / "saga-desktop" / "saga-desktop"
    report = tmp_path / "saga_test_report.json"
    result = _run(exe, "scenarios", "--report", str(report), data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(report.read_text())["passed"] == 5
    state = _run(exe, "state", "--json", data_dir=tmp_path)
    assert state.returncode == 0
    assert json.loads(state.stdout)["consistent"] is True


def test_version_and_bad_input(dist: Path, tmp_path: Path) -> None:
    exe = dist / "saga-desktop" / "saga-desktop"
    from saga_desktop import __version__

    assert _run(exe, "--version", data_dir=tmp_path).stdout.strip() == f"saga-desktop {__version__}"
    bad = _run(exe, "run", "--fault", "process_payment=explode", data_dir=tmp_path)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_no_display_is_one_line_and_the_self_test_offscreen(dist: Path, tmp_path: Path) -> None:
    exe = dist / "saga-desktop" / "saga-desktop"
    unset = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["SAGA_DESKTOP_DATA_DIR"] = str(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args], capture_output=True, text=True, timeout=120, env=env, check=False
        )

    window = run()
    assert window.returncode == 2, window.stderr  # not Qt's abort (134)
    assert window.stderr.startswith("saga-desktop: error: no display")
    assert window.stderr.count("\n") == 1
    self_test = run("--self-test")
    assert self_test.returncode == 0, self_test.stdout + self_test.stderr
    assert self_test.stdout.startswith("self-test passed: 5 of 5 scenarios")
