"""Load benchmark of the REST API against a uvicorn server on 127.0.0.1 (issue 8).

Targets: country profile p99 < 20 ms at 500 requests/s; observations of one indicator for
all economies and years p99 < 50 ms. Three loads: ``GET /v1/frameworks/{fw}/profiles/{iso3}``
(pillars vs peers, bottleneck, nearest peers, projection; ``--framework``, default the HDI,
since the ACI needs data the shared folder lacks), ``GET /v1/economies/{iso3}/latest`` (every
indicator's latest value for one economy), both cycling through every economy so no single
answer is hot, and ``GET /v1/observations?indicator=...&limit=50000``.

The load is open-loop at a fixed rate (request *i* is due at ``t0 + i / rate``) and latency
counts from the due time, so a stalled server cannot hide queueing (no coordinated omission).
Requests go to 127.0.0.1 only; the generator is bounded by ``--duration`` and ``--rate``.

The server runs as ``aibridge serve`` runs it (``aibridge.api.app.serve``: uvicorn with
uvloop and httptools, the JSON access log on, written to /dev/null here) in its own process.
Besides latency, each load reports the **server's CPU time per request** (user + system, from
/proc): on a machine shared with other jobs, tails measure the neighbours, CPU per request
measures the server. ``--pin`` puts the server and the generator on different cores.

    .venv/bin/python benchmarks/bench_api.py                 # builds a store from shared data
    .venv/bin/python benchmarks/bench_api.py --store FILE    # or uses an existing store file

The last lines printed are Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = ("wdi-2013", "undp-hdr-2023-24")


def build_store(path: Path, datasets: list[str]) -> None:
    from aibridge.sources.catalog import import_shared
    from aibridge.store import Store

    with Store(path) as store:
        import_shared(store, None, datasets=datasets)


def serve(store: str, port: int, cache: bool, cpus: str | None, gc_log: str | None) -> None:
    """Run the app the way ``aibridge serve`` does (one process, JSON access log on)."""
    if cpus:
        # before any thread starts (DuckDB's pool, the route thread pool), so all inherit it
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
    if gc_log:
        _log_gc_pauses(gc_log)

    from aibridge.api.app import create_app
    from aibridge.api.app import serve as serve_app
    from aibridge.api.middleware import Limits, configure_logging
    from aibridge.settings import Settings

    configure_logging("INFO")
    app = create_app(
        Settings(store=store, env="prod"),
        # the generator is one client, so no rate limit
        limits=Limits(rate_limit_per_minute=0, response_cache_bytes=64 << 20 if cache else 0),
    )
    serve_app(app, host="127.0.0.1", port=port, log_level="warning")


def _log_gc_pauses(path: str) -> None:
    """Append ``generation seconds`` for every garbage collection to ``path`` (benchmark
    only: a collection holds the GIL, so its pause is a latency every request in flight
    pays)."""
    import gc

    sink = open(path, "a", buffering=1)  # noqa: SIM115 - open for the process's life
    started = [0.0]

    def hook(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            sink.write(f"{info['generation']} {time.perf_counter() - started[0]:.6f}\n")

    gc.callbacks.append(hook)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` and all its threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length bodies, as the API sends); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def load(
    port: int,
    paths: list[str],
    rate: float,
    duration: float,
    warmup: float,
    connections: int = 32,
) -> dict[str, Any]:
    """Open-loop load: request *i* is due at ``t0 + i / rate``; ``connections`` keep-alive
    connections take due requests from a queue, and latency counts from the due time.

    A minimal HTTP/1.1 client over asyncio streams (pre-encoded requests), because a
    full client library costs more CPU per request than the server on this 2-core machine
    and would measure itself."""
    requests = [
        f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".encode()
        for p in paths
    ]
    total = int(rate * (duration + warmup))
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        # a read buffer larger than the biggest body: with asyncio's 64 KiB default a 1.8 MB
        # answer pauses and resumes the socket every few chunks (client CPU, not server time)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=8 << 20)
        try:
            while (item := await queue.get()) is not None:
                i, due = item
                writer.write(requests[i % len(requests)])
                status = await _read_response(reader)
                if i >= rate * warmup:
                    if status == 200:
                        latencies.append(time.perf_counter() - due)
                    else:
                        errors += 1
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    t0 = time.perf_counter() + 0.1
    for i in range(total):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {
        "requests": len(latencies),
        "errors": errors,
        "rate": rate,
        "achieved_rate": round(total / wall, 1),
        "p50_ms": round(pct(0.50), 2),
        "p90_ms": round(pct(0.90), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(1000 * latencies[-1], 2),
        "mean_ms": round(1000 * statistics.fmean(latencies), 2),
    }


def _run(coro: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run the generator on uvloop when installed (less client CPU per request)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a pinned dependency
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def measured(
    server_pid: int, run: Callable[[], dict[str, Any]], gc_log: Path | None
) -> dict[str, Any]:
    """Run one load and add the CPU both sides spent per request, the load average before
    and after, and the server's garbage-collection pauses during it."""
    load_before = os.getloadavg()[0]
    gc_lines = len(gc_log.read_text().splitlines()) if gc_log else 0
    server_before = process_cpu(server_pid)
    client_before = time.process_time()
    out = run()
    client = time.process_time() - client_before
    server_after = process_cpu(server_pid)
    n = max(1, out["requests"] + out["errors"])
    if server_before is not None and server_after is not None:
        out["server_cpu_ms_per_request"] = round(1000 * (server_after - server_before) / n, 3)
    out["client_cpu_ms_per_request"] = round(1000 * client / n, 3)
    out["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    if gc_log:
        pauses = [float(line.split()[1]) for line in gc_log.read_text().splitlines()[gc_lines:]]
        out["gc_collections"] = len(pauses)
        out["gc_max_ms"] = round(1000 * max(pauses, default=0.0), 2)
    return out


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.machine()}{', ' + model if model else ''}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def markdown_rows(result: dict[str, Any]) -> list[str]:
    """Rows for the table in docs/benchmarks.md (REST API section)."""
    cache = "on" if result["response_cache"] else "off"
    # the run's options that change what is measured (not where the store or JSON live)
    date = result["date"] + (f" `{result['options']}`" if result.get("options") else "")

    def row(route: str, r: dict[str, Any], cache_note: str = cache) -> str:
        lo, hi = r["load_average"]
        p99 = f"**{r['p99_ms']:.1f} ms**"
        return (
            f"| {date} | {route} | {cache_note} | {r['rate']:g}/s ({r['achieved_rate']:g}) | "
            f"{r['p50_ms']:.2f} ms | {r['p90_ms']:.1f} ms | {p99} | {r['max_ms']:.0f} ms | "
            f"{r['errors']} | {r.get('server_cpu_ms_per_request', float('nan')):.3f} ms | "
            f"{r.get('gc_collections', '–')} / {r.get('gc_max_ms', '–')} ms | {lo:.1f}–{hi:.1f} |"
        )

    cold = result["profile_route"]["cold_sequential"]
    return [
        f"Run {result['date']} UTC on {result['machine']}; {result['server']}; "
        f"{result['pinning']}; niceness {result['niceness']}; "
        f"load average (1 min) at start {result['load_average_start'][0]:.2f}; commit "
        f"{result['commit']}; command: `{result['command']}`",
        "",
        "| date (UTC) | route | server cache | rate (achieved) | p50 | p90 | p99 | max | errors "
        "| server CPU / request | GC runs / longest | load avg |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        row(
            "country profile",
            result["profile_route"],
            f"{cache} (warm)" if cache == "on" else cache,
        ),
        f"| {date} | country profile, cold, sequential | — | 1 at a time | "
        f"{cold['p50_ms']:.1f} ms | — | {cold['p99_ms']:.0f} ms | — | 0 | — | — | — |",
        row("latest values", result["latest_route"]),
        row("observations, one indicator × all economies × years", result["observations"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="existing store file (default: build one)")
    parser.add_argument("--datasets", default=",".join(DEFAULT_DATASETS))
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--obs-rate", type=float, default=20.0)
    parser.add_argument(
        "--obs-duration",
        type=float,
        default=30.0,
        help="seconds of observations load (600 answers at 20/s, so p99 is not one sample)",
    )
    parser.add_argument("--indicator", default="SP.POP.TOTL")
    parser.add_argument("--framework", default="hdi", help="framework of the profile route")
    parser.add_argument("--json", help="write the numbers to this file")
    parser.add_argument(
        "--no-cache", action="store_true", help="turn the server's response cache off"
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin the server to core 0 and the generator to core 1 (os.sched_setaffinity)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="change the niceness of the generator and the server by this much (e.g. -10, "
        "needs root): on a shared machine, shows how much of the tail is other jobs",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--server-cpus", help=argparse.SUPPRESS)
    parser.add_argument("--gc-log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.store, args.port, not args.no_cache, args.server_cpus, args.gc_log)
        return

    command = shlex.join([".venv/bin/python", "benchmarks/bench_api.py", *sys.argv[1:]])
    start_load = os.getloadavg()
    tmp = tempfile.TemporaryDirectory(prefix="aibridge-bench-api-")
    store = args.store
    if store is None:
        store = str(Path(tmp.name) / "bench.duckdb")
        t = time.perf_counter()
        build_store(Path(store), args.datasets.split(","))
        print(f"built {store} from {args.datasets} in {time.perf_counter() - t:.1f} s")
    niceness = os.nice(args.nice) if args.nice else os.nice(0)  # the server inherits it
    pin = args.pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
    if pin:
        os.sched_setaffinity(0, {1})
    gc_log = Path(tmp.name) / "gc.log"
    gc_log.touch()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--store",
            store,
            "--port",
            str(port),
            "--gc-log",
            str(gc_log),
        ]
        + (["--no-cache"] if args.no_cache else [])
        + (["--server-cpus", "0"] if pin else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "AIBRIDGE_HOME": tmp.name},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise SystemExit("the server exited at start-up")
            time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        economies = [e["iso3"] for e in httpx.get(base + "/v1/economies").json()["data"]]
        obs_path = f"/v1/observations?indicator={args.indicator}&limit=50000"
        first = httpx.get(base + obs_path, timeout=60).json()
        print(f"{len(economies)} economies; {args.indicator}: {first['count']} rows in one page")
        # every economy's latest values once (computed, then cached when the cache is on)
        with httpx.Client(base_url=base, timeout=60) as client:
            for e in economies:
                client.get(f"/v1/economies/{e}/latest").raise_for_status()
        latest = measured(
            server.pid,
            lambda: _run(
                load(
                    port,
                    [f"/v1/economies/{e}/latest" for e in economies],
                    args.rate,
                    args.duration,
                    warmup=2.0,
                )
            ),
            gc_log,
        )
        print("economy latest values:", latest)
        scored = httpx.get(
            base + f"/v1/frameworks/{args.framework}/results?node={args.framework}", timeout=120
        ).json()["data"]
        profiled = [r["economy"] for r in scored if r["score"] is not None]
        # cold answers: one sequential request per economy (computed, then cached when the
        # cache is on, so the load below measures the warm steady state)
        cold = []
        with httpx.Client(base_url=base, timeout=60) as client:
            for e in profiled:
                t = time.perf_counter()
                client.get(f"/v1/frameworks/{args.framework}/profiles/{e}").raise_for_status()
                cold.append(1000 * (time.perf_counter() - t))
        cold.sort()
        cold_stats = {
            "p50_ms": round(cold[len(cold) // 2], 2),
            "p99_ms": round(cold[min(len(cold) - 1, int(0.99 * len(cold)))], 2),
            "n": len(cold),
        }
        print(f"country profile ({args.framework}), cold, sequential:", cold_stats)
        country = measured(
            server.pid,
            lambda: _run(
                load(
                    port,
                    [f"/v1/frameworks/{args.framework}/profiles/{e}" for e in profiled],
                    args.rate,
                    args.duration,
                    warmup=2.0,
                )
            ),
            gc_log,
        )
        country["economies"] = len(profiled)
        country["cold_sequential"] = cold_stats
        print(f"country profile ({args.framework}):", country)
        observations = measured(
            server.pid,
            lambda: _run(
                load(port, [obs_path], args.obs_rate, args.obs_duration, warmup=1.0, connections=4)
            ),
            gc_log,
        )
        observations["rows"] = first["count"]
        print("observations, one indicator, all economies and years:", observations)
        from aibridge.api.app import server_info

        info = server_info()
        result = {
            "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            "machine": machine(),
            "command": command,
            "options": _measuring_options(sys.argv[1:]),
            "commit": _commit(),
            "server": f"uvicorn ({info['loop']}, {info['http']}), 1 process, JSON access log on",
            "pinning": "server on core 0, generator on core 1" if pin else "not pinned",
            "niceness": niceness,
            "load_average_start": [round(x, 2) for x in start_load],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
            "response_cache": not args.no_cache,
            "latest_route": latest,
            "profile_route": country,
            "observations": observations,
        }
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        print(json.dumps(result))
        print()
        print("\n".join(markdown_rows(result)))
    finally:
        server.terminate()
        server.wait(timeout=10)
        tmp.cleanup()


def _measuring_options(argv: list[str]) -> str:
    """``argv`` without ``--store FILE`` and ``--json FILE``."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--store", "--json"):
            skip = True
        elif not arg.startswith(("--store=", "--json=")):
            out.append(arg)
    return shlex.join(out)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = out.stdout.strip() or "unknown"
    return commit + (" (tree modified)" if dirty.stdout.strip() else "")


if __name__ == "__main__":
    main()
