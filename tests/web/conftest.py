"""Fixtures of the web tests: a small store, an app with the web pages mounted, a client."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, Origin, indicator_table
from aibridge.store import Store
from aibridge.web.app import mount_web

ECONOMIES = ("KEN", "NGA", "FRA", "CHN", "SAU", "BRA", "IND", "USA", "DEU", "EGY")


def _batch() -> Batch:
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


@pytest.fixture(scope="session")
def web_store() -> Iterator[Store]:
    store = Store(":memory:")
    store.ingest(_batch())
    yield store
    store.close()


def make_app(store: Store) -> FastAPI:
    app = FastAPI()
    app.state.store = store
    mount_web(app)
    return app


@pytest.fixture(scope="session")
def web_app(web_store: Store) -> FastAPI:
    return make_app(web_store)


@pytest.fixture()
def client(web_app: FastAPI) -> TestClient:
    return TestClient(web_app)
