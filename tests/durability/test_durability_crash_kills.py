"""SIGKILL a real process running booking sagas, recover, and check that nothing is lost.

A short run of the crash harness (25 kills); the full run of 200+ kills is::

    .venv/bin/python tests/durability/durability_crash_harness.py --kills 200
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from durability_crash_harness import format_report, run_harness

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    seed = random.randrange(2**31)
    report = run_harness(25, tmp_path, seed=seed, cli_every=5)
    text = format_report(report)
    print(f"seed {seed}\n{text}")
    assert report.kills == 25, text
    assert report.violations == [], text
    assert report.problems == [], text
    # Recoveries raced every child while it ran its sagas and took none of them.
    assert report.racing_recoveries >= 25, text
    assert report.taken_from_live == 0, text
    # Every kill inside a saga left exactly that saga to recover.
    assert report.sagas_recovered == 25 - report.last_event["(between sagas)"], text
    # Nobody listens to the child's sagas: each commits its start, then the rest at its
    # end, so a kill inside one leaves its start alone in the log, and recovery undoes
    # every step (SagaOrchestrator.recover).
    assert set(report.last_event) <= {"SagaStarted", "(between sagas)"}, text
