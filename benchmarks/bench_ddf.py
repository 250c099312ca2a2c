"""Benchmark: the whole Gapminder Systema Globalis DDF archive (issue 3: "well under a minute").

Reads ``gapminder-systema-globalis/systema_globalis_ddf.tar.gz`` from the shared data (streamed,
never unpacked) with :class:`aibridge.sources.ddf.GapminderSystemaGlobalisSource`, then ingests
the batch into a fresh DuckDB store file. Reports wall-clock and CPU time (the machine is shared,
so CPU time says more about the code than wall time when other work runs).

Usage: ``.venv/bin/python benchmarks/bench_ddf.py [--repeat 3] [--json out.json]``.
Prints a Markdown table for docs/benchmarks.md. Skips (exit 0) when the shared data is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from aibridge.settings import find_shared_data
    from aibridge.sources.ddf import GapminderSystemaGlobalisSource
    from aibridge.store import Store

    root = find_shared_data()
    if root is None:
        print("shared data not found; set AIBRIDGE_SHARED_DATA")
        return
    folder = root / "gapminder-systema-globalis"
    wall: list[float] = []
    cpu: list[float] = []
    batch = None
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        batch = next(GapminderSystemaGlobalisSource().read(folder))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert batch is not None
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "bench.duckdb"))
        t0, c0 = time.perf_counter(), time.process_time()
        report = store.ingest(batch)
        ingest_wall, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
        store.close()
    rows = batch.observations.num_rows
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "load_1min": os.getloadavg()[0],
        "rows": rows,
        "indicators": batch.indicators.num_rows,
        "read_wall_s_median": statistics.median(wall),
        "read_cpu_s_median": statistics.median(cpu),
        "ingest_wall_s": ingest_wall,
        "ingest_cpu_s": ingest_cpu,
        "inserted": report.inserted,
    }
    print("| step | rows | wall (median) | CPU | rows/s (wall) |")
    print("|---|---:|---:|---:|---:|")
    read_wall, read_cpu = result["read_wall_s_median"], result["read_cpu_s_median"]
    print(
        f"| read + map tar.gz ({args.repeat} runs) | {rows:,} | {read_wall:.1f} s"
        f" | {read_cpu:.1f} s | {rows / read_wall:,.0f} |"
    )
    print(
        f"| ingest into a new store | {rows:,} | {ingest_wall:.1f} s | {ingest_cpu:.1f} s "
        f"| {rows / ingest_wall:,.0f} |"
    )
    print(f"machine: {result['machine']}; 1-min load average {result['load_1min']:.1f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
