"""SAGA Desktop's benchmark suite: one command, one table, budgets checked in the same run.

Run from the repository root::

    .venv/bin/pip install -e '.[bench]'          # saga-py 1.1.0, the reference
    .venv/bin/python tests/benchmarks/run_benchmarks.py            # about 5 minutes
    .venv/bin/python tests/benchmarks/run_benchmarks.py --quick    # about 1 minute

``--only engine|durable|growth|history|workers`` runs one part (repeatable), ``--json PATH``
also writes the figures. To compare with older code, put its tree first on the
path: ``PYTHONPATH=/tmp/old-tree .venv/bin/python tests/benchmarks/run_benchmarks.py``
(the header says which ``saga_desktop`` was measured).

Every budget is a ratio or a rate measured in this very run, so that a slow or
busy machine moves both sides alike:

1. Engine, in memory, the guide's failure mix on four steps: the lean engine
   (``keep_events=False``, no listener) is at least as fast as ``saga-py``; with
   the whole saga log recorded it is within 2x of ``saga-py``.
2. Durable, on the SQLite world: at least 2,000 booking sagas per second with
   the saga log written ahead (``durable=True``: a saga's start committed before
   its first participant call, the rest when it ends), in the configuration
   ``saga-desktop batch`` runs (no text log files; the shipped configuration
   with them is measured too).
4. Growth: the engine's time per step at 1,000 steps is within 1.5x of that at
   10 steps; in the durable log, a saga near the 100,000th takes within 1.5x the
   time of one near the 1,000th.
5. History: ``run``, ``state`` and ``batch --count 1`` on a data directory whose
   saga log holds 200,000 sagas take within 1.2x the time they take on a fresh
   one (``--history-dir DIR`` keeps the directory between runs: making it takes
   about a minute).

6. Metrics: ``saga-desktop batch`` with ``--metrics-port`` (scraped once a
   second) runs at least 0.9x the sagas per second of the same batch without,
   per second of the process' CPU time (the wall figures are shown too).
7. Workers: ``batch --workers W`` for W = 1, 2, 4 leaves the world consistent
   (the throughput is reported, not budgeted: on one interpreter lock, threads
   show correctness under concurrency, not speed).

Nothing here is a test (no ``test_`` prefix): pytest does not collect it, and no
unit test asserts on time. Exit status 0 when every budget holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bench_durable
import bench_engine
import bench_history
import bench_metrics
import bench_workers

#: (name, holds, measured, limit) of every budget.
Budget = tuple[str, bool, str, str]


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def header() -> list[str]:
    """Date, machine, Python and SQLite: what the figures below depend on."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        load = f", load average {os.getloadavg()[0]:.2f}"
    except OSError:
        load = ""
    import saga_desktop

    return [
        f"SAGA Desktop benchmarks — {now} (code: {Path(saga_desktop.__file__).parent})",
        f"Machine: {os.cpu_count()} CPUs ({_cpu_name()}), {platform.platform()}{load}",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SQLite {sqlite3.sqlite_version}",
    ]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(head, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]


def engine_section(sagas: int, rounds: int) -> tuple[list[str], list[Budget], dict[str, Any]]:
    timings = {t.name: t for t in bench_engine.compare(sagas, rounds)}
    reference = timings.get(bench_engine.SAGA_PY)
    rows = []
    for timing in timings.values():
        ratio = f"{timing.vs_saga_py:.2f}x" if timing.vs_saga_py is not None else "-"
        rows.append(
            [
                timing.name,
                f"{timing.per_saga * 1e6:.2f}",
                f"{timing.per_second:,.0f}",
                ratio,
                f"{timing.succeeded:,}/{timing.sagas:,}",
            ]
        )
    lines = [
        f"1. Engine in memory: 4 steps, the guide's mix (70 % succeed, 10 % fail at each of "
        f"steps 2-4), {sagas:,} sagas per round, {rounds} paired rounds: medians, and the "
        "median of the rounds' ratios to saga-py",
        "",
        *_table(["contender", "µs/saga", "sagas/s", "vs saga-py", "succeeded"], rows),
    ]
    costs = bench_engine.unavoidable_costs()
    lean_floor = sum(v for k, v in costs.items() if k.startswith(("correlation", "result")))
    cost_rows = [
        [
            name,
            f"{seconds * 1e6:.2f}",
            f"{seconds / reference.per_saga:.2f}x" if reference else "-",
        ]
        for name, seconds in costs.items()
    ]
    lines += [
        "",
        "What the engine builds per saga, and saga-py does not (µs per saga):",
        "",
        *_table(["built per saga", "µs/saga", "vs saga-py"], cost_rows),
    ]
    if reference is not None:
        lines += [
            "",
            f"The lean engine builds the id and the result: {lean_floor * 1e6:.2f} µs "
            f"({lean_floor / reference.per_saga:.2f}x saga-py) before running a single step. "
            "Steps that take a context add the contexts; a listener, the event objects.",
        ]
    budgets: list[Budget] = []
    if reference is None:
        budgets.append(
            ("engine vs saga-py", False, "saga-py not installed", "pip install .[bench]")
        )
    else:
        lean = timings[bench_engine.LEAN].vs_saga_py or float("inf")
        full = timings[bench_engine.FULL].vs_saga_py or float("inf")
        budgets.append(("1a engine lean vs saga-py", lean <= 1.0, f"{lean:.2f}x", "<= 1.00x"))
        budgets.append(("1b engine + saga log vs saga-py", full <= 2.0, f"{full:.2f}x", "<= 2.00x"))
    four, six, six_ratio = bench_engine.six_vs_four(sagas, rounds)
    lines += [
        "",
        "A six-step saga against the four-step one (engine + saga log, the same shape of "
        f"mix): {four * 1e6:.2f} µs and {six * 1e6:.2f} µs per saga, {six_ratio:.2f}x "
        "(median of paired rounds; linear in steps would be 1.50x)",
    ]
    budgets.append(
        ("1c six steps vs four, per saga", six_ratio <= 1.5, f"{six_ratio:.2f}x", "<= 1.50x")
    )
    data: dict[str, Any] = {name: t.per_saga for name, t in timings.items()}
    data["six vs four steps"] = {"four": four, "six": six, "ratio": six_ratio}
    data["vs saga-py"] = {name: t.vs_saga_py for name, t in timings.items()}
    data["built per saga"] = costs
    return lines, budgets, data


def durable_section(sagas: int) -> tuple[list[str], list[Budget], dict[str, Any]]:
    runs = [
        bench_durable.run_durable(
            "commit groups, no log files (batch)", sagas, write_logs=False, grouped=True
        ),
        bench_durable.run_durable("commit per saga, no log files", sagas, write_logs=False),
        bench_durable.run_durable("commit per saga + log files (as run)", sagas, write_logs=True),
    ]
    reference = bench_durable.PYTHON_SAGA_ORCHESTRATOR_SECONDS
    rows = [
        [
            run.name,
            f"{run.sagas:,}",
            f"{run.per_second:,.0f}",
            f"{run.per_saga * 1e3:.3f}",
            f"{reference / run.per_saga:,.0f}x",
            ", ".join(f"{k.lower()} {v:,}" for k, v in sorted(run.outcomes.items())),
            "yes" if run.consistent else "NO",
        ]
        for run in runs
    ]
    rows.append(
        [
            "python-saga-orchestrator (reported, not run)",
            "-",
            f"{1 / reference:,.0f}",
            f"{reference * 1e3:.3f}",
            "1x",
            "-",
            "-",
        ]
    )
    lines = [
        f"2. Durable on the SQLite world: the booking saga, the same mix, {sagas:,} sagas each, "
        "saga log written ahead (start, then end)",
        "",
        *_table(
            ["configuration", "sagas", "sagas/s", "ms/saga", "vs 46 ms", "outcomes", "consistent"],
            rows,
        ),
    ]
    # The budget is for the configuration `saga-desktop batch` runs: the durable saga
    # log, no text logs, commits grouped (BookingSagaOrchestrator.commit_groups).
    lean = runs[0]
    budgets: list[Budget] = [
        (
            f"2 durable sagas/s ({lean.name})",
            lean.per_second >= 2_000,
            f"{lean.per_second:,.0f}/s",
            ">= 2,000/s",
        )
    ]
    consistent = all(run.consistent for run in runs)
    budgets.append(("2 durable world consistent", consistent, "yes" if consistent else "no", "yes"))
    data = {run.name: run.per_second for run in runs}
    return lines, budgets, data


def growth_section(
    step_counts: Sequence[int],
    total_steps: int,
    repeats: int,
    marks: Sequence[int],
    chunk: int,
) -> tuple[list[str], list[Budget], dict[str, Any]]:
    by_steps = bench_engine.growth_by_steps(step_counts, total_steps, repeats)
    base_step = next(per_step for steps, _, per_step in by_steps if steps == step_counts[1])
    step_rows = [
        [
            f"{steps:,}",
            f"{per_saga * 1e6:,.1f}",
            f"{per_step * 1e6:.2f}",
            f"{per_step / base_step:.2f}x",
        ]
        for steps, per_saga, per_step in by_steps
    ]
    by_sagas = bench_durable.growth_by_sagas(marks, chunk, write_logs=False)
    first = by_sagas[0][1]
    saga_rows = [
        [
            f"{mark:,}",
            f"{mark - chunk + 1:,}-{mark:,}",
            f"{seconds * 1e6:,.0f}",
            f"{seconds / first:.2f}x",
        ]
        for mark, seconds in by_sagas
    ]
    lines = [
        "4. How cost grows",
        "",
        "Engine, saga log recorded, 30 % of sagas fail at their last step (every step undone):",
        "",
        *_table(["steps", "µs/saga", "µs/step", f"vs {step_counts[1]} steps"], step_rows),
        "",
        f"Durable log, one world and one saga_log.db growing to {marks[-1]:,} sagas "
        f"(time per saga over chunks of {chunk:,}):",
        "",
        *_table(["sagas in the log", "chunk", "µs/saga", "vs first chunk"], saga_rows),
    ]
    step_ratio = by_steps[-1][2] / base_step
    saga_ratio = by_sagas[-1][1] / first
    budgets: list[Budget] = [
        (
            f"4a µs/step at {step_counts[-1]:,} vs {step_counts[1]} steps",
            step_ratio <= 1.5,
            f"{step_ratio:.2f}x",
            "<= 1.50x",
        ),
        (
            f"4b durable µs/saga at {marks[-1]:,} vs {marks[0]:,} sagas",
            saga_ratio <= 1.5,
            f"{saga_ratio:.2f}x",
            "<= 1.50x",
        ),
    ]
    data = {
        "steps": [[s, ps, pst] for s, ps, pst in by_steps],
        "sagas": [[m, s] for m, s in by_sagas],
    }
    return lines, budgets, data


def history_section(
    history_dir: Path, sagas: int, rounds: int
) -> tuple[list[str], list[Budget], dict[str, Any]]:
    bench_history.prepare(history_dir, sagas)
    timings = bench_history.measure(history_dir, rounds)
    rows = [
        [t.command, f"{t.fresh * 1e3:,.0f}", f"{t.history * 1e3:,.0f}", f"{t.ratio:.2f}x"]
        for t in timings
    ]
    lines = [
        f"5. History: whole commands on a fresh data directory and on one whose saga log holds "
        f"{sagas:,} sagas ({history_dir}); medians of {rounds} paired runs",
        "",
        *_table(["command", "fresh ms", "history ms", "history / fresh"], rows),
    ]
    budgets: list[Budget] = [
        (f"5 {t.command} with history vs fresh", t.ratio <= 1.2, f"{t.ratio:.2f}x", "<= 1.20x")
        for t in timings
    ]
    data = {t.command: {"fresh": t.fresh, "history": t.history, "ratio": t.ratio} for t in timings}
    return lines, budgets, data


def metrics_section(sagas: int, rounds: int) -> tuple[list[str], list[Budget], dict[str, Any]]:
    timing = bench_metrics.measure(sagas, rounds)
    lines = [
        f"6. Metrics: `batch --count {sagas:,}` without and with --metrics-port, "
        f"scraped every {bench_metrics.SCRAPE_SECONDS} s ({timing.scrapes} scrapes); "
        f"medians of {rounds} paired rounds",
        "",
        *_table(
            ["batch", "sagas/s (wall)", "sagas/s (CPU)"],
            [
                ["plain", f"{timing.plain:,.0f}", f"{timing.plain_cpu:,.0f}"],
                ["--metrics-port", f"{timing.metrics:,.0f}", f"{timing.metrics_cpu:,.0f}"],
                ["with / without", f"{timing.ratio:.2f}x", f"{timing.cpu_ratio:.2f}x"],
            ],
        ),
    ]
    budgets: list[Budget] = [
        (
            "6 batch with --metrics-port vs without (CPU)",
            timing.cpu_ratio >= 0.9,
            f"{timing.cpu_ratio:.2f}x",
            ">= 0.90x",
        )
    ]
    return lines, budgets, dataclasses.asdict(timing)


def workers_section(sagas: int) -> tuple[list[str], list[Budget], dict[str, Any]]:
    """``batch --workers W`` for W = 1, 2, 4: throughput reported, consistency budgeted."""
    measured = {w: bench_workers.throughput(sagas, w) for w in (1, 2, 4)}
    rows = [
        [
            str(w),
            f"{sagas:,}",
            f"{rate:,.0f}",
            f"{rate / measured[1][0]:.2f}x",
            "yes" if ok else "NO",
        ]
        for w, (rate, ok) in measured.items()
    ]
    lines = [
        f"7. batch --workers W: {sagas:,} sagas (failure rate 0.2) on W threads, one "
        "orchestrator each, one SQLite world",
        "",
        *_table(["workers", "sagas", "sagas/s", "vs W=1", "consistent"], rows),
    ]
    consistent = all(ok for _, ok in measured.values())
    budgets: list[Budget] = [
        (
            "7 workers: world consistent for W = 1, 2, 4",
            consistent,
            "yes" if consistent else "no",
            "yes",
        )
    ]
    return lines, budgets, {str(w): rate for w, (rate, _) in measured.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, print the table and the budgets; 0 when every budget holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    parser.add_argument(
        "--only",
        choices=["engine", "durable", "growth", "history", "metrics", "workers"],
        action="append",
        help="run one part",
    )
    parser.add_argument(
        "--history-dir",
        type=Path,
        metavar="DIR",
        help="the long-history data directory (made once, kept; default: a temporary one)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    parts = set(args.only or ["engine", "durable", "growth", "history", "metrics", "workers"])
    if args.quick:
        engine_sagas, rounds, durable_sagas = 2_000, 10, 2_000
        total_steps, marks, chunk = 40_000, (1_000, 3_000, 10_000), 1_000
        history_sagas, history_rounds = 20_000, 3
        metrics_sagas, metrics_rounds = 2_000, 5
    else:
        engine_sagas, rounds, durable_sagas = 5_000, 30, 5_000
        total_steps, marks, chunk = 200_000, (1_000, 10_000, 100_000), 1_000
        history_sagas, history_rounds = 200_000, 7
        metrics_sagas, metrics_rounds = 5_000, 9
    scratch = None
    history_dir = args.history_dir
    if history_dir is None and "history" in parts:
        scratch = tempfile.TemporaryDirectory(prefix="saga-history-")
        history_dir = Path(scratch.name) / "data"

    out = header()
    print("\n".join(out), flush=True)
    budgets: list[Budget] = []
    figures: dict[str, Any] = {"header": list(out)}
    sections = []
    if "engine" in parts:
        sections.append(("engine", lambda: engine_section(engine_sagas, rounds)))
    if "durable" in parts:
        sections.append(("durable", lambda: durable_section(durable_sagas)))
    if "growth" in parts:
        sections.append(
            ("growth", lambda: growth_section((1, 10, 100, 1_000), total_steps, 2, marks, chunk))
        )
    if "workers" in parts:
        sections.append(("workers", lambda: workers_section(durable_sagas)))
    if "history" in parts and history_dir is not None:
        where = history_dir
        sections.append(("history", lambda: history_section(where, history_sagas, history_rounds)))
    if "metrics" in parts:
        sections.append(("metrics", lambda: metrics_section(metrics_sagas, metrics_rounds)))
    for name, section in sections:
        lines, held, data = section()
        print("", *lines, sep="\n", flush=True)
        out += ["", *lines]
        budgets += held
        figures[name] = data

    rows = [
        [name, measured, limit, "holds" if ok else "MISSED"]
        for name, ok, measured, limit in budgets
    ]
    summary = ["", "Budgets", "", *_table(["budget", "measured", "limit", ""], rows)]
    missed = sum(not ok for _, ok, _, _ in budgets)
    summary += ["", f"{len(budgets) - missed} of {len(budgets)} budgets hold."]
    print("\n".join(summary))
    if scratch is not None:
        scratch.cleanup()
    if args.json is not None:
        figures["budgets"] = [
            {"budget": n, "holds": ok, "measured": m, "limit": lim} for n, ok, m, lim in budgets
        ]
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return 0 if missed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
