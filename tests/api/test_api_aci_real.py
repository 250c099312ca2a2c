"""The AI Capacity Index through the API on the real open data (skipped when ../shared/data is
absent): the API serves what `aibridge aci build` publishes from the same store file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aibridge.analysis.aci import build_aci, build_aci_gender
from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.settings import Settings
from aibridge.store import Store

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def real_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store file with the series of the ACI and the gender lens (about 30 s)."""
    from support.aci_store import build_aci_store

    return str(build_aci_store(shared_data, tmp_path_factory.mktemp("api-aci-real") / "s.duckdb"))


@pytest.fixture(scope="module")
def published(real_db: str) -> Any:
    """`aibridge aci build` (default bands) from the store file, before the API opens it."""
    return build_aci(store_path=real_db, n_uncertainty=200)


@pytest.fixture(scope="module")
def lens(real_db: str, published: Any) -> Any:
    return build_aci_gender(store_path=real_db, n_uncertainty=0)


@pytest.fixture(scope="module")
def client(real_db: str, published: Any, lens: Any) -> Iterator[TestClient]:
    store = Store(real_db)
    app = create_app(
        Settings(env="test"),
        store=store,
        web=False,
        limits=Limits(rate_limit_per_minute=0, access_log=False),
    )
    yield TestClient(app, raise_server_exceptions=False)
    store.close()


def test_aci_results_equal_the_cli_build(client: TestClient, published: Any) -> None:
    r = client.get("/v1/frameworks/aci/results?node=aci")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["years"] == [2022] and body["latest_complete_year"] == 2022
    rows = {x["economy"]: x for x in body["data"]}
    want = published.scores_frame(2022).set_index("economy")
    assert set(rows) == set(want.index) and len(rows) == 195
    scored = [e for e, x in rows.items() if x["status"] == "scored"]
    assert len(scored) == int((want["status"] == "scored").sum()) == 187
    for iso3 in ("KEN", "IND", "DEU", "USA", "KOR", "BRA"):
        x, w = rows[iso3], want.loc[iso3]
        assert x["score"] == pytest.approx(w["score"], rel=1e-12), iso3
        assert x["rank"] == int(w["rank"])
        for col in ("score_p05", "score_p95", "rank_p05", "rank_p95"):
            assert x[col] == pytest.approx(w[col], rel=1e-12), (iso3, col)
    for e, x in rows.items():
        if x["status"] != "scored":
            assert x["reason"] == want.loc[e, "reason"] and x["reason"]
    assert {"KOR", "SGP", "USA"} <= {e for e in scored if rows[e]["rank"] <= 20}


def test_aci_profile_on_the_real_data(client: TestClient, published: Any) -> None:
    r = client.get("/v1/frameworks/aci/profiles/KEN")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["year"] == 2022 and p["name"] == "Kenya"
    nodes = {n["node"]: n for n in p["nodes"]}
    want = published.frame[
        (published.frame["year"] == 2022) & (published.frame["economy"] == "KEN")
    ].set_index("node")
    for code in ("aci", "infra", "industry", "skills", "data", "governance"):
        assert nodes[code]["score"] == pytest.approx(want.loc[code, "score"], rel=1e-12)
        assert nodes[code]["rank_p95"] == want.loc[code, "rank_p95"]
        assert nodes[code]["region"] == "Africa"
    assert p["bottleneck"]["pillar"] in nodes
    assert len(p["peers"]) == 5
    assert p["gaps"] and all(g["actions"] or g["sdg"] for g in p["gaps"])
    proj = next(q for q in p["projections"] if q["node"] == "aci")
    assert proj["lower"] <= proj["projection"] <= proj["upper"]
    # an economy the coverage rule leaves out says why
    out = published.scores_frame(2022)
    missing = out[out["status"] != "scored"].iloc[0]
    r = client.get(f"/v1/frameworks/aci/profiles/{missing['economy']}")
    assert r.status_code == 409 and missing["reason"] in r.json()["detail"]


def test_aci_scenario_and_path_on_the_real_data(client: TestClient, published: Any) -> None:
    ken = published.scores_frame(2022).set_index("economy").loc["KEN"]
    sc = client.post(
        "/v1/frameworks/aci/scenarios",
        json={"economy": "KEN", "changes": {"internet_users": 60.0}},
    )
    assert sc.status_code == 200, sc.text
    root = next(n for n in sc.json()["nodes"] if n["node"] == "aci")
    assert root["baseline_score"] == pytest.approx(ken["score"], rel=1e-12)
    assert root["baseline_rank_p05"] == ken["rank_p05"]  # same draws as the published band
    assert root["baseline_rank_p95"] == ken["rank_p95"]
    assert root["score"] > root["baseline_score"] and root["rank"] <= root["baseline_rank"]
    target = int(ken["rank"]) - 15
    path = client.post(
        "/v1/frameworks/aci/paths", json={"economy": "KEN", "target": {"rank": target}}
    )
    assert path.status_code == 200, path.text
    body = path.json()
    assert body["baseline_rank"] == int(ken["rank"])
    assert body["reached"] and body["rank"] <= target and body["steps"]


def test_aci_divide_and_gender_lens(client: TestClient, lens: Any) -> None:
    body = client.get("/v1/frameworks/aci/divide?by=income_group").json()
    assert body["years"][-1] == 2022 and 2016 in body["years"]
    assert all(0 < r["gini"] < 1 for r in body["data"])
    assert body["note"]  # the balanced panel is smaller than the scored set
    rows = client.get("/v1/frameworks/aci_gender/results?node=gender").json()["data"]
    want = lens.scores_frame(lens.latest_year).set_index("economy")
    scored = {x["economy"]: x for x in rows if x["status"] == "scored"}
    assert len(scored) == int((want["status"] == "scored").sum()) >= 160
    for iso3 in ("FIN", "NOR", "KEN"):
        if iso3 in scored:
            assert scored[iso3]["score"] == pytest.approx(want.loc[iso3, "score"], rel=1e-12)


def test_gender_lens_rule_is_the_same_wherever_it_is_built(
    real_db: str, lens: Any, client: TestClient
) -> None:
    """Bug: `build_aci(framework="aci_gender")` (aci profile/scenario, the web app) applied the
    ACI's sub-pillar minimum to the lens, scoring about 50 economies instead of the 175 that
    `aci build --framework aci_gender` publishes."""
    from aibridge.web.data import WebData
    from aibridge.web.rankings import compute_ranking

    store = client.app.state.store  # type: ignore[attr-defined]  # the file is open there
    same = build_aci(store=store, framework="aci_gender", n_uncertainty=0)
    published = lens.scores_frame(lens.latest_year).dropna(subset=["score"])
    assert len(published) >= 160
    got = same.scores_frame(lens.latest_year).dropna(subset=["score"])
    assert list(got["economy"]) == list(published["economy"])
    ranking = compute_ranking(WebData(store), "aci_gender", year=lens.latest_year)
    web = {r.economy: r.score for r in ranking.rows}
    assert web == pytest.approx(dict(zip(published["economy"], published["score"], strict=True)))
