"""Benchmark: WDI bulk import and latest-value look-ups (issue 3 targets).

1. Generates, in a temporary folder, a file with the full WDI bulk size and layout:
   ~1,500 series x 266 economies (~400,000 rows), one column per year 1960-2024, with
   realistic sparsity (series start late, end 1-4 years before the release, gaps, ~1/6 of
   the rows empty) and quoted names containing commas, as in ``WDIData.csv``.
2. Imports it with aibridge (``Store.import_path(WdiBulkSource(), file)`` into a fresh DuckDB
   file, exactly what ``aibridge import wdi-bulk FILE`` does: parse, check, map economy codes,
   unpivot, write history + current + latest values + provenance in one transaction) —
   target < 15 s on the 2-core machine.
3. Runs the plain baseline in the same process: ``pandas.read_csv`` + ``melt`` + ``dropna`` +
   insert into a DuckDB table — target: aibridge at least 3x faster.
4. Times ``Store.latest_values(economy)`` over all indicators for 200 economies — target < 5 ms.

Usage: ``.venv/bin/python benchmarks/bench_store.py [--series 1500] [--economies 266]
[--repeat 3] [--json out.json]``. Prints a Markdown table for docs/benchmarks.md.
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

import duckdb

FIRST_YEAR, LAST_YEAR = 1960, 2024


def generate(path: Path, n_series: int, n_economies: int, seed: int = 42) -> dict[str, int]:
    """Write a WDI-bulk-layout CSV with DuckDB (seeded, so runs are comparable)."""
    import pycountry

    from aibridge.reference.economies import WB_AGGREGATES

    codes = sorted(c.alpha_3 for c in pycountry.countries)[: max(0, n_economies - 48)]
    aggregates = sorted(WB_AGGREGATES)[: n_economies - len(codes)]  # WLD, HIC, EAS ...
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 100})")
    con.execute(
        "CREATE TABLE econ AS SELECT code, 'Name of ' || code || ', region' AS name, "
        "row_number() OVER () AS e FROM (SELECT unnest(?::VARCHAR[]) AS code)",
        [codes + aggregates],
    )
    con.execute(
        "CREATE TABLE series AS SELECT i AS s, 'XX.' || lpad(CAST(i AS VARCHAR), 4, '0') "
        "|| '.ZS' AS code, 'Indicator ' || i || ', computed (% of GDP, constant 2015 US$)' "
        "AS name, 1960 + CAST(floor(random() * random() * 60) AS INTEGER) AS start_year, "
        "2024 - CAST(floor(random() * 4) AS INTEGER) AS end_year, "
        "0.35 + random() * 0.6 AS fill FROM range(?) t(i)",
        [n_series],
    )
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    cells = ", ".join(
        f"CASE WHEN r.empty OR {y} < s.start_year OR {y} > s.end_year "
        f'OR random() > s.fill THEN NULL ELSE round(random() * 1000, 6) END AS "{y}"'
        for y in years
    )
    con.execute(
        'CREATE TABLE wide AS SELECT e.name AS "Country Name", e.code AS "Country Code", '
        's.name AS "Indicator Name", s.code AS "Indicator Code", '
        f"{cells} FROM (SELECT e.*, s.*, random() < 0.17 AS empty FROM econ e, series s) r "
        "JOIN econ e ON r.e = e.e JOIN series s ON r.s = s.s ORDER BY s.code, e.code"
    )
    con.execute(f"COPY wide TO '{path.as_posix()}' (HEADER, DELIMITER ',', QUOTE '\"')")
    rows = con.sql("SELECT count(*) FROM wide").fetchall()[0][0]
    values = con.sql(
        "SELECT sum(" + " + ".join(f'("{y}" IS NOT NULL)::INT' for y in years) + ") FROM wide"
    ).fetchall()[0][0]
    con.close()
    return {"rows": int(rows), "values": int(values), "bytes": path.stat().st_size}


def run_aibridge(csv_path: Path, store_path: Path) -> tuple[float, int]:
    from aibridge.sources.wdi_bulk import WdiBulkSource
    from aibridge.store import Store

    if store_path.exists():
        store_path.unlink()
    t0 = time.perf_counter()
    with Store(store_path) as store:
        report = store.import_path(WdiBulkSource(vintage="2024-12-16"), csv_path)
    return time.perf_counter() - t0, report.written


def run_pandas(csv_path: Path, db_path: Path) -> tuple[float, int]:
    import pandas as pd

    if db_path.exists():
        db_path.unlink()
    t0 = time.perf_counter()
    frame = pd.read_csv(csv_path, keep_default_na=False, na_values=[""])
    long = frame.drop(columns=["Country Name", "Indicator Name"]).melt(
        id_vars=["Country Code", "Indicator Code"], var_name="year", value_name="value"
    )
    long = long.dropna(subset=["value"])
    long["year"] = long["year"].astype("int16")
    long.columns = ["economy", "indicator", "year", "value"]
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE observations (economy VARCHAR, indicator VARCHAR, year SMALLINT, "
        "value DOUBLE)"
    )
    con.register("long_df", long)
    con.execute("INSERT INTO observations SELECT * FROM long_df")
    n = con.sql("SELECT count(*) FROM observations").fetchall()[0][0]
    con.close()
    return time.perf_counter() - t0, int(n)


def run_latest(store_path: Path, n: int = 200) -> dict[str, float]:
    from aibridge.store import Store

    with Store(store_path, read_only=True) as store:
        economies = [
            r[0]
            for r in store.con.sql(
                "SELECT DISTINCT economy FROM latest ORDER BY economy LIMIT ?", params=[n]
            ).fetchall()
        ]
        store.latest_values(economies[0])  # warm-up
        timings = []
        rows = 0
        for economy in economies:
            t0 = time.perf_counter()
            obs = store.latest_values(economy)
            timings.append((time.perf_counter() - t0) * 1000)
            rows = max(rows, len(obs))
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "max_ms": timings[-1],
        "indicators_per_economy_max": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1500)
    parser.add_argument("--economies", type=int, default=266)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aibridge-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "WDIData.csv"
        t0 = time.perf_counter()
        shape = generate(csv_path, args.series, args.economies)
        gen_s = time.perf_counter() - t0
        print(
            f"generated {shape['rows']:,} rows, {shape['values']:,} values, "
            f"{shape['bytes'] / 1e6:.0f} MB in {gen_s:.1f} s"
        )
        ours, base = [], []
        for i in range(args.repeat):
            seconds, written = run_aibridge(csv_path, folder / "store.duckdb")
            ours.append(seconds)
            print(f"aibridge import #{i + 1}: {seconds:.2f} s ({written:,} values)")
            seconds, n = run_pandas(csv_path, folder / "baseline.duckdb")
            base.append(seconds)
            print(f"pandas baseline #{i + 1}: {seconds:.2f} s ({n:,} values)")
        latest = run_latest(folder / "store.duckdb")
        print(
            f"latest_values: median {latest['median_ms']:.2f} ms, p95 {latest['p95_ms']:.2f} ms,"
            f" max {latest['max_ms']:.2f} ms ({latest['indicators_per_economy_max']} indicators)"
        )
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"duckdb {duckdb.__version__}",
        "file": shape,
        "aibridge_s": min(ours),
        "aibridge_runs": ours,
        "pandas_s": min(base),
        "pandas_runs": base,
        "speedup": min(base) / min(ours),
        "latest_values": latest,
    }
    print()
    print("| measure | target | result |")
    print("|---|---|---|")
    print(
        f"| WDI bulk import, {shape['rows']:,} rows / {shape['values']:,} values "
        f"({shape['bytes'] / 1e6:.0f} MB) | < 15 s | {result['aibridge_s']:.2f} s (best of "
        f"{args.repeat}) |"
    )
    print(f"| pandas read_csv + melt + insert baseline | — | {result['pandas_s']:.2f} s |")
    print(f"| speed-up vs baseline | ≥ 3× | {result['speedup']:.1f}× |")
    print(
        f"| `latest_values(economy)` | < 5 ms | median {latest['median_ms']:.2f} ms, "
        f"p95 {latest['p95_ms']:.2f} ms |"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
