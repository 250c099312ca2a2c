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

from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, Origin, indicator_table
from aibridge.store import Store
from aibridge.web.app import mount_web

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


ECONOMIES = ("KEN", "NGA", "FRA", "CHN", "SAU", "BRA", "IND", "USA", "DEU", "EGY")


def fixture_batch() -> Batch:
    rows: list[dict[str, object]] = []
    for i, eco in enumerate(ECONOMIES):
        for year in range(2015, 2023):
            rows.append(
                {
                    "economy": eco,
                    "indicator": "IT.NET.USER.ZS",
                    "year": year,
                    "value": 10.0 + 7 * i + 2.5 * (year - 2015),
                    "flag": "E" if (eco == "KEN" and year == 2022) else None,
                }
            )
        if eco != "EGY":
            rows.append(
                {
                    "economy": eco,
                    "indicator": "EGDI.egdi",
                    "year": 2022,
                    "value": 0.3 + 0.06 * i,
                    "flag": "I" if eco == "NGA" else None,
                }
            )
        # HDI components (so the built-in HDI framework can be ranked), 2021-2022
        for year in (2021, 2022):
            for code, value in (
                ("HDR.le", 55.0 + 3 * ((i * 7) % 10) + 0.2 * (year - 2021)),
                ("HDR.eys", 9.0 + 0.8 * i),
                ("HDR.mys", 4.0 + (0.9 * i if i % 2 else 0.6 * i)),
                ("HDR.gnipc", 1500.0 * (1 + (i * 3) % 10) ** 1.6),
            ):
                rows.append(
                    {"economy": eco, "indicator": code, "year": year, "value": value, "flag": None}
                )
    obs = pa.Table.from_pylist(rows, schema=OBSERVATION_SCHEMA)
    indicators = indicator_table(
        [
            {
                "code": "IT.NET.USER.ZS",
                "name": "Individuals using the Internet (% of population)",
                "unit": "%",
                "description": "Internet users are individuals who have used the Internet.",
                "topic": "Infrastructure",
                "direction": 1,
                "licence": "CC BY-4.0",
                "source": "World Development Indicators",
            },
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
    origin = Origin(
        source_id="test-src",
        uri="/data/test.csv",
        sha256="0" * 64,
        vintage="2024-01-01",
        publisher="Test publisher",
        licence="CC BY-4.0",
        title="Test source",
    )
    return Batch(origin=origin, observations=obs, indicators=indicators)


def make_app(store: Store) -> FastAPI:
    app = FastAPI()
    app.state.store = store
    mount_web(app)
    return app


def make_registry(path: Path) -> tuple[Any, dict[str, str]]:
    """A SQLite registry with two organisations, a contributor of each, a viewer, one need
    and one offer; returns the registry and the API tokens by account name."""
    from aibridge.registry.auth import SYSTEM
    from aibridge.registry.service import Registry

    registry = Registry(f"sqlite:///{path}")
    ministry = registry.create_organisation(
        SYSTEM, {"name": "Ministry of ICT, Kenya", "kind": "government", "country": "KEN"}
    )
    university = registry.create_organisation(
        SYSTEM, {"name": "Open AI Lab University", "kind": "university", "country": "FRA"}
    )
    tokens: dict[str, str] = {}
    for name, role, org in (
        ("kenya.contributor", "contributor", ministry.id),
        ("lab.contributor", "contributor", university.id),
        ("reader", "viewer", None),
    ):
        account = registry.create_account(
            SYSTEM, {"name": name, "role": role, "organisation_id": org}
        )
        tokens[name] = registry.create_token(SYSTEM, account.id, label="tests").token
    registry.create_need(
        SYSTEM,
        {
            "organisation_id": ministry.id,
            "economy": "KEN",
            "title": "Training for data scientists in public statistics",
            "description": "Two cohorts of 30 statisticians.",
            "areas": [3, 4],
            "actions": ["AP5"],
        },
    )
    registry.create_offer(
        SYSTEM,
        {
            "organisation_id": university.id,
            "kind": "training",
            "title": "Machine learning summer school",
            "areas": [3],
            "actions": ["AP5"],
        },
    )
    return registry, tokens
