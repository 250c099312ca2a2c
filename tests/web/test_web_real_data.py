"""The pages on the real open data (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webtest_support import make_app

from aibridge.store import Store
from aibridge.web.data import WebData
from aibridge.web.rankings import compute_ranking

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def hdr_store(shared_data: Path) -> Store:
    from aibridge.sources.catalog import import_shared

    store = Store(":memory:")
    import_shared(store, shared_data, datasets=["undp-hdr-2023-24"])
    return store


def test_hdi_ranking_matches_the_published_hdr_values(hdr_store: Store) -> None:
    ranking = compute_ranking(WebData(hdr_store), "hdi", year=2022)
    scores = {r.economy: r.score for r in ranking.rows}
    # UNDP HDR 2023/24, Table 1 (HDI 2022): published to three decimals
    for iso3, published in {"CHE": 0.967, "NOR": 0.966, "ISL": 0.959, "KEN": 0.601}.items():
        assert scores[iso3] == pytest.approx(published, abs=0.0006), iso3
    assert len(ranking.rows) >= 185
    top = [r.economy for r in ranking.rows[:2]]
    assert top == ["CHE", "NOR"]


def test_pages_render_on_real_data(hdr_store: Store) -> None:
    client = TestClient(make_app(hdr_store))
    html = client.get("/en/?indicator=HDR.hdi").text
    assert html.count("/en/country/") >= 180
    assert client.get("/ar/country/KEN").status_code == 200
    assert client.get("/en/rankings/hdi?format=csv").text.count("\n") >= 186
