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

    .venv/bin/python benchmarks/bench_api.py                 # builds a store from shared data
    .venv/bin/python benchmarks/bench_api.py --store FILE    # or uses an existing store file
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = ("wdi-2013", "undp-hdr-2023-24")


def build_store(path: Path, datasets: list[str]) -> None:
    from aibridge.sources.catalog import import_shared
    from aibridge.store import Store

    with Store(path) as store:
        import_shared(store, None, datasets=datasets)


def serve(store: str, port: int, cache: bool) -> None:
    """Run the app the way ``aibridge serve`` does (one process, JSON access log on)."""
    import uvicorn

    from aibridge.api.app import create_app
    from aibridge.api.middleware import Limits, configure_logging
    from aibridge.settings import Settings

    configure_logging("INFO")
    app = create_app(
        Settings(store=store, env="prod"),
        # the generator is one client, so no rate limit
        limits=Limits(rate_limit_per_minute=0, response_cache_bytes=64 << 20 if cache else 0),
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
) -> dict[str, float]:
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
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="existing store file (default: build one)")
    parser.add_argument("--datasets", default=",".join(DEFAULT_DATASETS))
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--obs-rate", type=float, default=20.0)
    parser.add_argument("--indicator", default="SP.POP.TOTL")
    parser.add_argument("--framework", default="hdi", help="framework of the profile route")
    parser.add_argument("--json", help="write the numbers to this file")
    parser.add_argument(
        "--no-cache", action="store_true", help="turn the server's response cache off"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.store, args.port, not args.no_cache)
        return

    tmp = tempfile.TemporaryDirectory(prefix="aibridge-bench-api-")
    store = args.store
    if store is None:
        store = str(Path(tmp.name) / "bench.duckdb")
        t = time.perf_counter()
        build_store(Path(store), args.datasets.split(","))
        print(f"built {store} from {args.datasets} in {time.perf_counter() - t:.1f} s")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--store", store, "--port", str(port)]
        + (["--no-cache"] if args.no_cache else []),
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
            time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        economies = [e["iso3"] for e in httpx.get(base + "/v1/economies").json()["data"]]
        obs_path = f"/v1/observations?indicator={args.indicator}&limit=50000"
        first = httpx.get(base + obs_path).json()
        print(f"{len(economies)} economies; {args.indicator}: {first['count']} rows in one page")
        profile = asyncio.run(
            load(
                port,
                [f"/v1/economies/{e}/latest" for e in economies],
                args.rate,
                args.duration,
                warmup=2.0,
            )
        )
        print("economy latest values:", profile)
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
        country = asyncio.run(
            load(
                port,
                [f"/v1/frameworks/{args.framework}/profiles/{e}" for e in profiled],
                args.rate,
                args.duration,
                warmup=2.0,
            )
        )
        country["economies"] = len(profiled)
        country["cold_sequential"] = cold_stats
        print(f"country profile ({args.framework}):", country)
        observations = asyncio.run(
            load(port, [obs_path], args.obs_rate, args.duration, warmup=1.0, connections=4)
        )
        observations["rows"] = first["count"]
        print("observations, one indicator, all economies and years:", observations)
        result = {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "load_average": os.getloadavg()[0],
            "response_cache": not args.no_cache,
            "latest_route": profile,
            "profile_route": country,
            "observations": observations,
        }
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        print(json.dumps(result))
    finally:
        server.terminate()
        server.wait(timeout=10)
        tmp.cleanup()


if __name__ == "__main__":
    main()
