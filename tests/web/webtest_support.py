"""Helpers of the web tests: a small fixture batch, the app, a live uvicorn server, axe-core."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import uvicorn
from fastapi import FastAPI

from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, indicator_table
from aibridge.store import Store
from aibridge.web.app import mount_web
from support.data import INTERNET_USE, Row, origin, panel_rows
from support.registry import seed_registry

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1 on a free port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 15 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Inject axe-core and return the WCAG 2.0/2.1 A and AA violations of the page."""
    # CSP forbids inline script, so axe is added by the DevTools protocol, not a <script>
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                resultTypes: ['violations'],
            });
            return JSON.stringify(r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
            })));
        }"""
    )
    return list(json.loads(result))


def fixture_batch() -> Batch:
    """Internet use and the HDI components (``support.data``) plus the E-Government index
    for 2022 (no value for Egypt; Nigeria's imputed), with a ``<script>`` in its metadata."""

    def egdi(i: int, eco: str) -> list[Row]:
        if eco == "EGY":
            return []
        flag = "I" if eco == "NGA" else None
        return [
            {
                "economy": eco,
                "indicator": "EGDI.egdi",
                "year": 2022,
                "value": 0.3 + 0.06 * i,
                "flag": flag,
            }
        ]

    obs = pa.Table.from_pylist(panel_rows(egdi), schema=OBSERVATION_SCHEMA)
    indicators = indicator_table(
        [
            INTERNET_USE,
            {
                "code": "EGDI.egdi",
                "name": "E-Government Development Index",
                "unit": "index 0-1",
                "description": "<script>alert(1)</script> composite of OSI, HCI and TII.",
                "topic": "Governance",
                "direction": 1,
                "licence": "UN terms",
                "source": "UN DESA",
            },
        ]
    )
    source = origin(
        "test-src", "2024-01-01", uri="/data/test.csv", sha256="0" * 64, title="Test source"
    )
    return Batch(origin=source, observations=obs, indicators=indicators)


def make_app(store: Store) -> FastAPI:
    app = FastAPI()
    app.state.store = store
    mount_web(app)
    return app


def make_registry(path: Path) -> tuple[Any, dict[str, str]]:
    """A SQLite registry with two organisations, a contributor of each, a viewer, one need
    and one offer; returns the registry and the API tokens by account name."""
    registry, tokens, _ = seed_registry(
        path,
        (
            ("kenya.contributor", "contributor", "ministry"),
            ("lab.contributor", "contributor", "university"),
            ("reader", "viewer", None),
        ),
        need_description="Two cohorts of 30 statisticians.",
    )
    return registry, tokens
