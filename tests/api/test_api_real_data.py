"""Every route family on the real open data (skipped when ../shared/data is absent)."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.settings import Settings
from aibridge.store import Store

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def real_client(shared_data: Path) -> TestClient:
    from aibridge.sources.catalog import import_shared

    store = Store(":memory:")
    import_shared(store, shared_data, datasets=["undp-hdr-2023-24", "un-egdi-2003-2024"])
    app = create_app(
        Settings(env="test"), store=store, web=False, limits=Limits(rate_limit_per_minute=0)
    )
    return TestClient(app, raise_server_exceptions=False)


def test_economies_and_latest_values(real_client: TestClient) -> None:
    assert real_client.get("/v1/economies?un_member=true").json()["count"] == 193
    rows = real_client.get("/v1/economies/KEN/latest").json()["data"]
    hdi = next(r for r in rows if r["indicator"] == "HDR.hdi")
    assert hdi["year"] == 2022 and hdi["value"] == pytest.approx(0.601, abs=0.0006)
    assert hdi["source_id"] and hdi["vintage"]


def test_indicator_search(real_client: TestClient) -> None:
    hits = real_client.get("/v1/indicators?q=human development index").json()["data"]
    assert "HDR.hdi" in [h["code"] for h in hits[:5]]
    egdi = real_client.get("/v1/indicators/EGDI.egdi").json()
    assert egdi["economies"] >= 190


def test_one_indicator_for_every_economy_and_year(real_client: TestClient) -> None:
    body = real_client.get("/v1/observations?indicator=HDR.hdi&limit=50000").json()
    assert body["next_cursor"] is None and body["count"] > 5000
    assert {r["year"] for r in body["data"]} >= set(range(1990, 2023))
    parquet = real_client.get("/v1/observations?indicator=HDR.hdi&limit=50000&format=parquet")
    assert pq.read_table(io.BytesIO(parquet.content)).num_rows == body["count"]


def test_sources_and_vintages(real_client: TestClient) -> None:
    sources = real_client.get("/v1/sources").json()["data"]
    assert len(sources) >= 2 and all(s["uris"] for s in sources)
    assert real_client.get("/v1/vintages").json()["count"] >= 2


def test_hdi_results_match_the_published_values(real_client: TestClient) -> None:
    rows = real_client.get("/v1/frameworks/hdi/results?year=2022&node=hdi").json()["data"]
    scores = {r["economy"]: r["score"] for r in rows if r["score"] is not None}
    # UNDP HDR 2023/24, Table 1 (HDI 2022), published to three decimals
    for iso3, published in {"CHE": 0.967, "NOR": 0.966, "KEN": 0.601}.items():
        assert scores[iso3] == pytest.approx(published, abs=0.0006), iso3
    top = min(rows, key=lambda r: r["rank"] or 10_000)
    assert top["economy"] == "CHE" and top["rank"] == 1
