"""Concurrent requests against a real uvicorn server: every pool thread reads the store
through its own DuckDB cursor (a shared one refuses: "connection is busy")."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import uvicorn

from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.settings import Settings
from aibridge.store import Store


def test_concurrent_reads_never_fail(api_store: Store) -> None:
    app = create_app(
        Settings(env="test"),
        store=api_store,
        web=False,
        limits=Limits(rate_limit_per_minute=0, response_cache_bytes=0, access_log=False),
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        paths = [
            "/v1/economies/KEN/latest",
            "/v1/observations?indicator=IT.NET.USER.ZS",
            "/v1/economies/FRA",
            "/v1/frameworks/hdi/results",
        ]

        def get(i: int) -> int:
            return httpx.get(
                f"http://127.0.0.1:{port}{paths[i % len(paths)]}", timeout=30
            ).status_code

        with ThreadPoolExecutor(32) as pool:
            codes = Counter(pool.map(get, range(400)))
        assert codes == Counter({200: 400})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
