"""The AI Capacity Index and its gender lens through the API, and the 5-95 % bands of every
framework (fixture stores; the real data are in ``test_api_aci_real.py``).

A synthetic store holds every source series of ``aci.yaml`` and ``aci_gender.yaml`` plus the
expert inputs for 12 economies, 2013-2022, so the whole ACI pipeline runs; GHA has too few
indicators (insufficient data) and ZAF lacks the gender lens's own series.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from api_support import base_batch
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aibridge.analysis.aci import build_aci, build_aci_gender
from aibridge.api import create_app
from aibridge.api.middleware import Limits
from aibridge.frameworks import load_framework
from aibridge.settings import Settings
from aibridge.sources._base import Batch
from aibridge.store import Store
from support.aci_synth import ECONOMIES, NO_LENS, SPARSE, YEARS
from support.aci_synth import aci_batch as synth_aci_batch

BAND_COLUMNS = ("score_p05", "score_p95", "rank_p05", "rank_p95")


def aci_batch() -> Batch:
    """The synthetic ACI inputs of tests/support/aci_synth.py (this file's draw: seed 11)."""
    return synth_aci_batch(seed=11)


def make_app(store: Store) -> FastAPI:
    return create_app(
        Settings(env="test"),
        store=store,
        web=False,
        limits=Limits(rate_limit_per_minute=0, access_log=False),
    )


@pytest.fixture(scope="module")
def aci_store() -> Iterator[Store]:
    store = Store(":memory:")
    store.ingest(base_batch())
    store.ingest(aci_batch())
    yield store
    store.close()


@pytest.fixture(scope="module")
def aci_client(aci_store: Store) -> TestClient:
    return TestClient(make_app(aci_store), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def published(aci_store: Store) -> Any:
    """What `aibridge aci build` publishes from the same data (bands included)."""
    return build_aci(store=aci_store, n_uncertainty=200)


def _root(rows: list[dict[str, Any]], node: str = "aci") -> dict[str, dict[str, Any]]:
    return {r["economy"]: r for r in rows if r["node"] == node}


# -- results ---------------------------------------------------------------------------------


def test_results_are_the_published_aci(aci_client: TestClient, published: Any) -> None:
    r = aci_client.get("/v1/frameworks/aci/results")
    assert r.status_code == 200, r.text
    body = r.json()
    year = published.latest_year
    assert body["years"] == [year] and body["latest_complete_year"] == year
    assert body["coverage_rule"] == {
        "min_coverage": 0.6,
        "max_imputed": 0.5,
        "min_pillar_coverage": pytest.approx(1 / 3),
    }
    assert body["bands"]["replications"] == 200 and body["bands"]["years"] == [year]
    expected = published.frame[published.frame["year"] == year]
    assert body["count"] == len(expected)  # every node of every universe economy
    got = {(x["economy"], x["node"]): x for x in body["data"]}
    for row in expected.to_dict("records"):
        x = got[(row["economy"], row["node"])]
        assert x["status"] == row["status"] and x["reason"] == row["reason"]
        for col in ("score", "coverage", "imputed_share", *BAND_COLUMNS):
            want = row[col]
            if want is None or (isinstance(want, float) and math.isnan(want)):
                assert x[col] is None, (row["economy"], row["node"], col)
            else:
                assert x[col] == pytest.approx(want, rel=1e-12), (row["economy"], col)
        rank = row["rank"]
        assert x["rank"] == (None if rank is None or rank != rank else int(rank))


def test_every_universe_economy_is_listed_with_a_status(aci_client: TestClient) -> None:
    rows = _root(aci_client.get("/v1/frameworks/aci/results?node=aci").json()["data"])
    assert len(rows) == 195  # 193 UN members and 2 observer states, data or not
    scored = {e for e, x in rows.items() if x["status"] == "scored"}
    assert scored == set(ECONOMIES) - {SPARSE}
    assert sorted(rows[e]["rank"] for e in scored) == list(range(1, len(scored) + 1))
    thin = rows[SPARSE]
    assert thin["status"] == "insufficient data" and thin["score"] is None
    assert "below 60%" in thin["reason"]
    assert rows["TUV"]["status"] == "insufficient data" and rows["TUV"]["coverage"] == 0
    for e in scored:
        x = rows[e]
        assert x["rank_p05"] <= x["rank"] <= x["rank_p95"]
        assert x["score_p05"] <= x["score"] + 1e-9 and x["score"] <= x["score_p95"] + 1e-9


def test_results_filters_years_and_bands_off(aci_client: TestClient, published: Any) -> None:
    body = aci_client.get(
        "/v1/frameworks/aci/results?all_years=true&economy=KEN&node=aci&node=infra"
    ).json()
    assert body["years"] == list(published.years)
    assert {x["node"] for x in body["data"]} == {"aci", "infra"}
    banded = {x["year"] for x in body["data"] if x["rank_p05"] is not None}
    assert banded == set(published.band_years) == set(body["bands"]["years"])
    off = aci_client.get("/v1/frameworks/aci/results?bands=false&economy=KEN").json()
    assert off["bands"] is None and all(x["rank_p05"] is None for x in off["data"])


def test_gender_lens_uses_its_own_coverage_rule(aci_client: TestClient, aci_store: Store) -> None:
    body = aci_client.get("/v1/frameworks/aci_gender/results?node=gender").json()
    assert body["coverage_rule"]["min_pillar_coverage"] == 0.0
    lens = build_aci_gender(store=aci_store, n_uncertainty=0)
    want = lens.scores_frame(lens.latest_year).set_index("economy")
    rows = _root(body["data"], "gender")
    assert body["years"] == [lens.latest_year]
    for e, x in rows.items():
        assert x["status"] == want.loc[e, "status"]
        if x["score"] is not None:
            assert x["score"] == pytest.approx(want.loc[e, "score"], rel=1e-12)
    assert rows[NO_LENS]["status"] == "insufficient data" and rows[NO_LENS]["reason"]


def test_results_have_etags(aci_client: TestClient) -> None:
    first = aci_client.get("/v1/frameworks/aci/results?node=aci")
    again = aci_client.get(
        "/v1/frameworks/aci/results?node=aci", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


# -- profiles --------------------------------------------------------------------------------


def test_profile_pillars_bands_gaps_and_projection(aci_client: TestClient, published: Any) -> None:
    r = aci_client.get("/v1/frameworks/aci/profiles/KEN")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["year"] == published.latest_year and p["status"] == "scored"
    nodes = {n["node"]: n for n in p["nodes"]}
    assert set(nodes) == {"aci", "infra", "industry", "skills", "data", "governance"}
    table = published.frame[
        (published.frame["year"] == p["year"]) & (published.frame["economy"] == "KEN")
    ].set_index("node")
    for code, node in nodes.items():
        assert node["score"] == pytest.approx(table.loc[code, "score"], rel=1e-12)
        assert node["rank_p05"] == table.loc[code, "rank_p05"]
        assert node["rank_p95"] == table.loc[code, "rank_p95"]
    assert p["coverage"] == pytest.approx(table.loc["aci", "coverage"])
    assert p["bands"]["years"] == [p["year"]]
    assert p["peers"] and p["projections"][0]["target_year"] == 2030
    # gaps: every node behind a peer group, worst first, each with actions and SDG targets
    gaps = p["gaps"]
    assert [g["gap"] for g in gaps] == sorted(g["gap"] for g in gaps)
    for g in gaps:
        assert g["gap"] < 0 and g["grouping"] in ("region", "income_group") and g["reason"]
        assert all(a["id"].startswith("AP") and a["text"] for a in g["actions"])
        assert g["actions"] or g["sdg"]
        behind = nodes.get(g["node"])
        if behind is not None:
            assert g["gap"] == pytest.approx(
                min(v for v in (behind["gap_region"], behind["gap_income_group"]) if v is not None)
            )
    assert p["map_version"]


def test_profile_says_why_an_economy_is_not_scored(aci_client: TestClient) -> None:
    r = aci_client.get(f"/v1/frameworks/aci/profiles/{SPARSE}")
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "insufficient data: coverage" in r.json()["detail"]
    outside = aci_client.get("/v1/frameworks/aci/profiles/PRI")  # a territory
    assert outside.status_code == 404 and "UN member" in outside.json()["detail"]
    assert aci_client.get("/v1/frameworks/aci/profiles/KEN?year=1999").status_code == 404


def test_hdi_profile_has_no_bands_unless_asked(aci_client: TestClient) -> None:
    plain = aci_client.get("/v1/frameworks/hdi/profiles/KEN").json()
    assert plain["bands"] is None and plain["gaps"] == [] and plain["status"] is None
    banded = aci_client.get("/v1/frameworks/hdi/profiles/KEN?bands=true&n=50").json()
    hdi = next(n for n in banded["nodes"] if n["node"] == "hdi")
    assert hdi["rank_p05"] <= hdi["rank"] <= hdi["rank_p95"]
    assert banded["bands"]["replications"] == 50


# -- divide, scenarios, paths ----------------------------------------------------------------


def test_divide_on_the_published_scores(aci_client: TestClient, published: Any) -> None:
    body = aci_client.get("/v1/frameworks/aci/divide?balanced=false").json()
    assert body["years"] and min(body["years"]) >= min(YEARS)
    last = next(r for r in body["data"] if r["year"] == published.latest_year)
    scored = published.scores_frame().dropna(subset=["score"])
    assert last["n"] == len(scored)
    assert last["mean"] == pytest.approx(scored["score"].mean())
    assert last["theil_between"] + last["theil_within"] == pytest.approx(last["theil"])
    one = aci_client.get("/v1/frameworks/aci/divide?year_from=2020&year_to=2021").json()
    assert one["years"] == [2020, 2021]
    assert aci_client.get("/v1/frameworks/aci/divide?year_from=2100").status_code == 404


def test_scenario_carries_bands_and_reproduces_the_baseline(
    aci_client: TestClient, published: Any
) -> None:
    results = _root(aci_client.get("/v1/frameworks/aci/results?node=aci").json()["data"])
    value = published.frame[
        (published.frame["economy"] == "KEN")
        & (published.frame["node"] == "internet_users")
        & (published.frame["year"] == published.latest_year)
    ]["raw_value"].iloc[0]
    same = aci_client.post(
        "/v1/frameworks/aci/scenarios",
        json={"economy": "KEN", "changes": {"internet_users": float(value)}},
    )
    assert same.status_code == 200, same.text
    body = same.json()
    assert body["year"] == published.latest_year and body["bands"]["replications"] == 200
    root = next(n for n in body["nodes"] if n["node"] == "aci")
    ken = results["KEN"]
    assert root["baseline_score"] == pytest.approx(ken["score"], rel=1e-12)
    assert root["baseline_rank"] == ken["rank"] and root["rank_change"] == 0
    # same draws: the baseline band is the published band
    for col in BAND_COLUMNS:
        assert root[f"baseline_{col}"] == pytest.approx(ken[col], rel=1e-12)
        assert root[col] == pytest.approx(ken[col], rel=1e-12)
    up = aci_client.post(
        "/v1/frameworks/aci/scenarios",
        json={"economy": "KEN", "changes": {"internet_users": 1000.0}, "bands": 50},
    ).json()
    root = next(n for n in up["nodes"] if n["node"] == "aci")
    assert root["score"] > root["baseline_score"]
    assert root["rank_p05"] <= root["baseline_rank_p05"]
    none = aci_client.post(
        "/v1/frameworks/aci/scenarios",
        json={"economy": "KEN", "changes": {"internet_users": 50.0}, "bands": 0},
    ).json()
    assert none["bands"] is None and all(n["rank_p05"] is None for n in none["nodes"])


def test_scenario_and_path_refuse_an_unscored_economy(aci_client: TestClient) -> None:
    for path, body in (
        ("scenarios", {"economy": SPARSE, "changes": {"internet_users": 50.0}}),
        ("paths", {"economy": SPARSE, "target": {"rank": 1}}),
    ):
        r = aci_client.post(f"/v1/frameworks/aci/{path}", json=body)
        assert r.status_code == 409, r.text
        assert "insufficient data" in r.json()["detail"]


def test_minimal_path_is_checked_by_a_scenario(aci_client: TestClient) -> None:
    rows = _root(aci_client.get("/v1/frameworks/aci/results?node=aci").json()["data"])
    last = max((x for x in rows.values() if x["rank"]), key=lambda x: x["rank"])
    target = last["rank"] - 3
    r = aci_client.post(
        "/v1/frameworks/aci/paths", json={"economy": last["economy"], "target": {"rank": target}}
    )
    assert r.status_code == 200, r.text
    path = r.json()
    assert path["baseline_rank"] == last["rank"] and path["node"] == "aci"
    assert path["reached"] and path["rank"] <= target and path["steps"]
    changes = {s["indicator"]: s["new_value"] for s in path["steps"]}
    sc = aci_client.post(
        "/v1/frameworks/aci/scenarios",
        json={"economy": last["economy"], "changes": changes, "bands": 0},
    ).json()
    root = next(n for n in sc["nodes"] if n["node"] == "aci")
    assert root["score"] == pytest.approx(path["score"], rel=1e-9)
    assert root["rank"] == path["rank"]


# -- bands of other frameworks ---------------------------------------------------------------


def test_hdi_bands_on_request(aci_client: TestClient) -> None:
    plain = aci_client.get("/v1/frameworks/hdi/results?node=hdi").json()
    assert plain["bands"] is None
    body = aci_client.get("/v1/frameworks/hdi/results?node=hdi&bands=true&n=100").json()
    assert body["bands"]["replications"] == 100 and body["bands"]["nodes"][0] == "education"
    scored = [x for x in body["data"] if x["score"] is not None]
    assert len(scored) >= 10
    for x in scored:
        assert x["rank_p05"] <= x["rank"] <= x["rank_p95"]
        assert x["score_p05"] <= x["score_p95"]
    # cached with the build: the same answer twice
    again = aci_client.get("/v1/frameworks/hdi/results?node=hdi&bands=true&n=100").json()
    assert again["data"] == body["data"]
    for bad in ("n=5", "n=5000", "bands=maybe"):
        assert aci_client.get(f"/v1/frameworks/hdi/results?{bad}").status_code == 422


def test_bands_budget(aci_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from aibridge.api.routes import frameworks

    monkeypatch.setattr(frameworks, "BANDS_BUDGET", 300)
    r = aci_client.get("/v1/frameworks/hdi/results?all_years=true&bands=true&n=200")
    assert r.status_code == 422 and "year=" in r.json()["detail"]
    assert aci_client.get("/v1/frameworks/hdi/results?bands=true&n=200").status_code == 200


def test_hdi_scenario_bands(aci_client: TestClient) -> None:
    body = aci_client.post(
        "/v1/frameworks/hdi/scenarios",
        json={"economy": "KEN", "changes": {"gnipc": 60000.0}, "bands": 100},
    ).json()
    hdi = next(n for n in body["nodes"] if n["node"] == "hdi")
    assert hdi["baseline_rank_p05"] <= hdi["baseline_rank"] <= hdi["baseline_rank_p95"]
    assert hdi["rank_p05"] <= hdi["rank"] <= hdi["rank_p95"]
    assert body["bands"]["years"] == [body["year"]]


def test_uncertainty_honours_dat_thresh() -> None:
    """Bug: run_uncertainty failed on frameworks whose aggregation carries dat_thresh (the
    HDI: 'geom_mean() got an unexpected keyword argument'); it must apply it as the engine."""
    from aibridge.analysis.aci import index_bands
    from aibridge.engine import Panel, build_index

    fw = load_framework("hdi")
    rng = np.random.default_rng(3)
    econ = tuple(f"E{i:02d}" for i in range(8))
    vals = np.column_stack(
        [
            rng.uniform(50, 80, 8),
            rng.uniform(8, 17, 8),
            rng.uniform(3, 14, 8),
            rng.uniform(1e3, 5e4, 8),
        ]
    )[None]
    vals[0, 0, 2] = np.nan  # E00 lacks mean years of schooling: no education index, no HDI
    panel = Panel(vals, (2022,), econ, ("le", "eys", "mys", "gnipc"))
    spec = fw.to_spec()
    nominal = build_index(spec, panel)
    bands = index_bands(spec, panel, 2022, n=60, seed=0).set_index(["economy", "node"])
    # the engine's rule: E00 has no HDI (1 = every component required), nominally and in the
    # bands' nominal build (a replication leaving mys out may score it: leave-one-out)
    assert math.isnan(nominal.score("hdi", 2022)[0])
    assert math.isnan(bands.loc[("E00", "hdi"), "nominal_score"])
    scores = nominal.score("hdi", 2022)
    for i, e in enumerate(econ[1:], start=1):
        assert bands.loc[(e, "hdi"), "nominal_score"] == pytest.approx(scores[i], rel=1e-12)
        assert bands.loc[(e, "hdi"), "p05_score"] <= scores[i] <= bands.loc[(e, "hdi"), "p95_score"]


def test_two_apps_never_share_a_build(aci_store: Store) -> None:
    """Bug: builds were cached per data version in the module, so two apps whose stores had
    the same version string (same origin count and vintage labels) served each other's
    results."""
    other = Store(":memory:")
    batch = base_batch()
    obs = batch.observations
    values = pa.compute.multiply(obs["value"], pa.scalar(1.1))  # same shape, other values
    other.ingest(
        Batch(
            origin=batch.origin,
            observations=obs.set_column(obs.schema.get_field_index("value"), "value", values),
            indicators=batch.indicators,
        )
    )
    other.ingest(aci_batch())
    a = TestClient(make_app(aci_store)).get("/v1/frameworks/hdi/results?node=hdi&economy=KEN")
    b = TestClient(make_app(other)).get("/v1/frameworks/hdi/results?node=hdi&economy=KEN")
    assert a.json()["data"][0]["score"] != b.json()["data"][0]["score"]
    other.close()


def test_missing_data_still_answers_409() -> None:
    store = Store(":memory:")
    store.ingest(base_batch())
    client = TestClient(make_app(store))
    for route in ("results", "profiles/KEN", "divide"):
        r = client.get(f"/v1/frameworks/aci/{route}")
        assert r.status_code == 409 and "the store lacks" in r.json()["detail"], route
    store.close()


def test_a_year_before_the_published_table(aci_client: TestClient, aci_store: Store) -> None:
    """`aci build` publishes 2015 onwards by default; `--year 2014` publishes 2014, and so
    does `results?year=2014`, bands included."""
    one = build_aci(store=aci_store, year=2014, n_uncertainty=200)
    want = one.scores_frame(2014).set_index("economy")
    body = aci_client.get("/v1/frameworks/aci/results?node=aci&year=2014").json()
    assert body["years"] == [2014] and body["bands"]["years"] == [2014]
    rows = _root(body["data"])
    assert len(rows) == len(want) == 195
    for e, x in rows.items():
        assert x["status"] == want.loc[e, "status"]
        if x["score"] is not None:
            assert x["score"] == pytest.approx(want.loc[e, "score"], rel=1e-12)
            assert x["rank_p95"] == pytest.approx(want.loc[e, "rank_p95"], rel=1e-12)
