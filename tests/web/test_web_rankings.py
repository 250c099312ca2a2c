"""Rankings with rank intervals, filters, CSV, and the index builder (weight sliders)."""

from __future__ import annotations

import csv
import io
import math

from fastapi.testclient import TestClient

from aibridge.store import Store
from aibridge.web.data import WebData
from aibridge.web.rankings import compute_ranking


def test_hdi_ranking_follows_the_undp_formula(web_store: Store) -> None:
    ranking = compute_ranking(WebData(web_store), "hdi")
    assert ranking.year == 2022 and len(ranking.rows) == 10
    # recompute one economy by hand: geometric mean of the three dimension indices
    row = next(r for r in ranking.rows if r.economy == "KEN")
    le, eys, mys, gni = 55.0 + 0.2, 9.0, 4.0, 1500.0
    health = (le - 20) / (85 - 20)
    education = (eys / 18 + mys / 15) / 2
    income = (math.log(gni) - math.log(100)) / (math.log(75000) - math.log(100))
    assert row.score == pytest_approx((health * education * income) ** (1 / 3))
    ranks = [r.rank for r in ranking.rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    for r in ranking.rows:  # the nominal rank lies inside its 5-95 % interval
        assert r.p05 is not None and r.p95 is not None
        assert r.p05 <= r.rank <= r.p95


def pytest_approx(value: float) -> object:
    import pytest

    return pytest.approx(value, rel=1e-9)


def test_changing_pillar_weights_changes_ranks(web_store: Store) -> None:
    data = WebData(web_store)
    default = compute_ranking(data, "hdi")
    tilted = compute_ranking(data, "hdi", weights={"income": 5.0, "health": 0.0})
    assert tilted.weights["income"] == 5.0 and tilted.n_replications == 0
    assert [r.economy for r in tilted.rows] != [r.economy for r in default.rows]
    # out-of-range weights are ignored, not applied
    same = compute_ranking(data, "hdi", weights={"income": 99.0, "nope": 1.0})
    assert [r.rank for r in same.rows] == [r.rank for r in default.rows]


def test_rankings_page_filters_sorts_and_downloads(client: TestClient) -> None:
    html = client.get("/en/rankings/hdi").text
    assert "Human Development Index" in html and "Rank interval" in html
    assert html.count('class="band"') == 10
    assert 'name="w_health"' in html  # the index builder's sliders
    html = client.get("/en/rankings/hdi?region=Africa").text
    assert "Kenya" in html and "France" not in html
    response = client.get("/en/rankings/hdi?format=csv&region=Asia")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["economy"] for r in rows} == {"CHN", "SAU", "IND"}
    assert all(r["rank_p05"] and r["rank_p95"] for r in rows)
    partial = client.get("/en/rankings/hdi?w_income=4", headers={"HX-Request": "true"}).text
    assert partial.lstrip().startswith('<section id="rankings-results"')
    assert "Custom weights" in partial
    assert client.get("/en/rankings").status_code == 200
    assert client.get("/en/rankings/nope").status_code == 404
    assert client.get("/en/rankings/hdi?sort=evil").status_code == 422


def test_panel_carries_groups_for_group_imputation(web_store: Store) -> None:
    from aibridge.engine.build import build_index
    from aibridge.frameworks import parse_framework
    from aibridge.web.rankings import _panel

    fw = parse_framework(
        {
            "name": "Digital test index",
            "data": {"store": {"groups": ["un_region"]}},
            "pipeline": {
                "stages": ["impute", "normalise", "aggregate"],
                "impute": {"method": "group_mean", "group": "un_region"},
            },
            "indicators": [
                {"code": "net", "source": "IT.NET.USER.ZS", "parent": "root", "direction": 1},
                {"code": "egov", "source": "EGDI.egdi", "parent": "root", "direction": 1},
            ],
            "nodes": [{"code": "root", "name": "Digital"}],
        }
    )
    panel = _panel(fw, WebData(web_store))
    assert "un_region" in panel.groups and len(panel.groups["un_region"]) == len(panel.economies)
    result = build_index(fw.to_spec(), panel, years=[2022])
    egy = panel.economies.index("EGY")  # no EGDI value: imputed from its region (Africa)
    assert result.imputed[0, egy].any()


def test_profile_shows_pillars_against_peers(client: TestClient, web_store: Store) -> None:
    from aibridge.web.rankings import pillar_profile

    rows = pillar_profile(WebData(web_store), "hdi", "KEN", 2022)
    assert [r.code for r in rows] == ["health", "education", "income"]
    # Africa in the fixture: KEN, NGA, EGY -> a regional median for each pillar
    assert all(r.region_median is not None for r in rows)
    health = rows[0]
    assert health.score == pytest_approx((55.2 - 20) / 65)
    html = client.get("/en/country/KEN").text
    assert "Pillars of Human Development Index" in html and "Gap to region" in html
