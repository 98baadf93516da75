"""The engine benchmark's contenders run the very same sagas and agree on how they end.

A smoke run of ``tests/benchmarks/bench_engine.py`` at a tiny size: it checks
what the benchmark compares (not how fast anything is, which only the
benchmark command measures).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_engine


def test_every_contender_runs_the_guide_mix_to_the_same_outcomes():
    timings = bench_engine.compare(sagas=300, rounds=2)

    names = [timing.name for timing in timings]
    assert bench_engine.LEAN in names
    assert bench_engine.FULL in names
    plan = bench_engine.guide_mix(300)
    expected = sum(fail_at == 0 for fail_at in plan)
    assert 0 < expected < 300
    assert {timing.succeeded for timing in timings} == {expected}
    for timing in timings:
        assert timing.per_saga > 0
        if bench_engine.SAGA_PY in names:
            assert timing.vs_saga_py is not None


def test_the_saga_log_contender_keeps_every_event_of_the_latest_sagas():
    script = bench_engine._Script()
    orchestrator = bench_engine.engine_orchestrator(script, 4, log="saga log")
    for fail_at in bench_engine.guide_mix(50):
        script.fail_at = fail_at
        orchestrator.run()

    assert orchestrator.log is not None
    events = orchestrator.log.events()
    assert len({event.correlation_id for event in events}) == 50
    ended = [e for e in events if type(e).__name__ in {"SagaCompleted", "SagaCompensated"}]
    assert len(ended) == 50


@pytest.mark.parametrize("fail_at", [0, 2, 3, 4])
def test_the_floor_and_the_engine_undo_the_same_steps(fail_at):
    script = bench_engine._Script(fail_at)
    runners = bench_engine.runners(script)
    assert {name: run() for name, run in runners.items()} == dict.fromkeys(runners, fail_at == 0)
