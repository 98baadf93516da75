"""Run ``saga-desktop`` in process through ``main(argv)`` (httpx's way), on a tmp data dir."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from saga_desktop.cli import main


@dataclasses.dataclass(frozen=True)
class Outcome:
    """Exit code and output of one command."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def assert_bad_input(self, *fragments: str) -> None:
        """Exit 2, nothing on stdout, exactly one error line on stderr."""
        assert self.code == 2, (self.out, self.err)
        assert self.out == ""
        lines = self.err.splitlines()
        assert len(lines) == 1, self.err
        assert lines[0].startswith("saga-desktop: error:"), lines[0]
        assert "Traceback" not in self.err
        for fragment in fragments:
            assert fragment in lines[0]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """``cli("run", "--json")`` runs ``saga-desktop run --data-dir <tmp> --json``."""

    def run(command: str, *args: str, data_dir_option: bool = True) -> Outcome:
        argv = [command, *(["--data-dir", str(data_dir)] if data_dir_option else []), *args]
        code = main(argv)
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    return run
