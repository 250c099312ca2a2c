"""CPU time per request of the REST API (issue 8), measured, not inferred from latency.

On a machine shared with other jobs, latency tails measure the neighbours; CPU seconds spent
per request measure the server. Two views of the same answers:

* **app**: the ASGI app called in-process (no socket, no HTTP parser): middleware + route,
  ``time.process_time`` over N back-to-back calls;
* **uvicorn**: the server as ``aibridge serve`` runs it, in its own process, driven by
  back-to-back requests on 8 keep-alive connections; the server's user + system CPU (from
  /proc) divided by the requests.

Each for a cached country profile, a cached latest-values answer, a 304 Not Modified and
the observations of one indicator for all economies and years (cached, and computed with
the response cache off).

    .venv/bin/python benchmarks/bench_api_cpu.py --store FILE   # a store built by bench_api.py
    .venv/bin/python benchmarks/bench_api_cpu.py                 # builds one from shared data
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import (
    DEFAULT_DATASETS,
    _commit,
    _read_response,
    build_store,
    free_port,
    machine,
    process_cpu,
)

OBS = "/v1/observations?indicator=SP.POP.TOTL&limit=50000"
PROFILE = "/v1/frameworks/hdi/profiles/"
ECONOMIES = ("KEN", "NOR", "USA", "IND", "BRA", "CHN", "DEU", "NGA")


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def in_process(store: str, n: int) -> dict[str, float]:
    """Microseconds of CPU per request with the app called directly (JSON log to /dev/null)."""
    import logging

    from aibridge.api.app import create_app
    from aibridge.api.middleware import Limits, configure_logging
    from aibridge.settings import Settings

    configure_logging("INFO")
    for handler in logging.getLogger("aibridge").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    app = create_app(Settings(store=store, env="prod"), limits=Limits(rate_limit_per_minute=0))
    statuses: list[int] = []

    async def call(path: str, headers: list[tuple[bytes, bytes]]) -> int:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(_scope(path, headers), receive, send)
        return statuses[-1]

    async def run() -> dict[str, float]:
        out: dict[str, float] = {}
        profiles = [PROFILE + e for e in ECONOMIES]
        etag = ""
        for p in [*profiles, OBS, "/v1/economies/KEN/latest"]:
            await call(p, [])  # computed once, cached after
        cases: dict[str, tuple[list[str], list[tuple[bytes, bytes]], int]] = {
            "country profile (cached)": (profiles, [], n),
            "latest values (cached)": ([f"/v1/economies/{e}/latest" for e in ECONOMIES], [], n),
            "observations (cached, 1.8 MB)": ([OBS], [], max(1, n // 20)),
        }
        for p in cases["latest values (cached)"][0]:
            await call(p, [])
        # the ETag the middleware gives /v1/economies/KEN/latest
        captured: dict[str, bytes] = {}

        async def grab(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured.update(dict(message["headers"]))

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        await app(_scope("/v1/economies/KEN/latest", []), receive, grab)
        etag = captured[b"etag"].decode()
        cases["304 Not Modified"] = (
            ["/v1/economies/KEN/latest"],
            [(b"if-none-match", etag.encode())],
            n,
        )
        for name, (paths, headers, count) in cases.items():
            t = time.process_time()
            for i in range(count):
                await call(paths[i % len(paths)], headers)
            out[name] = 1e6 * (time.process_time() - t) / count
        return out

    result = asyncio.run(run())
    app.state.store.close()  # one process may hold the store file; the server opens it next
    assert set(statuses) <= {200, 304}, set(statuses)
    return result


def via_uvicorn(store: str, n: int, cache: bool = True) -> dict[str, float]:
    """Microseconds of server CPU per request through uvicorn (as ``aibridge serve``)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "bench_api.py"), "--serve"]
        + ["--store", store, "--port", str(port)]
        + ([] if cache else ["--no-cache"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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

        def encoded(paths: list[str], extra: str = "") -> list[bytes]:
            return [
                f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
                f"{extra}\r\n".encode()
                for p in paths
            ]

        async def drive(requests: list[bytes], count: int, connections: int = 8) -> None:
            async def one(k: int) -> None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=8 << 20)
                for i in range(count // connections):
                    writer.write(requests[(i * connections + k) % len(requests)])
                    status = await _read_response(reader)
                    assert status in (200, 304), status
                writer.close()

            await asyncio.gather(*(one(k) for k in range(connections)))

        def measure(requests: list[bytes], count: int) -> float:
            asyncio.run(drive(requests, max(8 * len(requests), 8)))  # warm (and cache)
            before = process_cpu(server.pid)
            asyncio.run(drive(requests, count))
            after = process_cpu(server.pid)
            assert before is not None and after is not None
            return 1e6 * (after - before) / (count // 8 * 8)

        out: dict[str, float] = {}
        if cache:
            etag = httpx.get(base + "/v1/economies/KEN/latest").headers["etag"]
            out["country profile (cached)"] = measure(encoded([PROFILE + e for e in ECONOMIES]), n)
            out["latest values (cached)"] = measure(
                encoded([f"/v1/economies/{e}/latest" for e in ECONOMIES]), n
            )
            out["304 Not Modified"] = measure(
                encoded(["/v1/economies/KEN/latest"], f"If-None-Match: {etag}\r\n"), n
            )
            out["observations (cached, 1.8 MB)"] = measure(encoded([OBS]), max(8, n // 20))
        else:
            out["observations (computed, cache off)"] = measure(encoded([OBS]), 80)
        return out
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="existing store file (default: build one)")
    parser.add_argument("--datasets", default=",".join(DEFAULT_DATASETS))
    parser.add_argument("-n", type=int, default=8000, help="requests per case")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="aibridge-bench-api-cpu-")
    store = args.store
    if store is None:
        store = str(Path(tmp.name) / "bench.duckdb")
        build_store(Path(store), args.datasets.split(","))
    load = os.getloadavg()[0]
    app = in_process(store, args.n)
    server = via_uvicorn(store, args.n)
    server.update(via_uvicorn(store, args.n, cache=False))
    date = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    command = shlex.join([".venv/bin/python", "benchmarks/bench_api_cpu.py", *sys.argv[1:]])
    print(
        f"CPU per request, {date} UTC, {machine()}, load average {load:.2f}–"
        f"{os.getloadavg()[0]:.2f}; commit {_commit()}; command: `{command}`"
    )
    print()
    print("| answer | app only (in-process) | through uvicorn (server process) |")
    print("|---|---:|---:|")
    for name in [*app, *(k for k in server if k not in app)]:
        a = f"{app[name]:.1f} µs" if name in app else "—"
        s = server.get(name)
        print(f"| {name} | {a} | {f'{s:.0f} µs' if s is not None else '—'} |")
    tmp.cleanup()


if __name__ == "__main__":
    main()
