"""Data routes over a small in-memory store: economies, indicators, observations (filters,
cursors, formats, vintages), sources, vintages, frameworks and index results."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from aibridge.store import Store


def test_economies(client: TestClient) -> None:
    body = client.get("/v1/economies").json()
    assert body["count"] == len(body["data"]) > 190
    assert all(not e["is_aggregate"] for e in body["data"])
    ken = client.get("/v1/economies/KEN").json()
    assert ken["name"] == "Kenya" and ken["m49"] == 404 and ken["names"]["fr"] == "Kenya"
    assert client.get("/v1/economies/ke").json()["iso3"] == "KEN"  # ISO2, any case
    africa = client.get("/v1/economies?region=africa").json()["data"]
    assert africa and all(e["un_region"] == "Africa" for e in africa)
    assert client.get("/v1/economies?include_aggregates=true").json()["count"] > body["count"]


def test_latest_values_carry_provenance(client: TestClient) -> None:
    rows = client.get("/v1/economies/KEN/latest").json()["data"]
    internet = next(r for r in rows if r["indicator"] == "IT.NET.USER.ZS")
    assert internet["year"] == 2022
    assert internet["value"] == 99.0  # the revision
    assert internet["vintage"] == "2025-01-01" and internet["source_id"] == "wdi"
    only = client.get("/v1/economies/KEN/latest?indicator=HDR.le").json()["data"]
    assert [r["indicator"] for r in only] == ["HDR.le"]


def test_indicator_search_and_detail(client: TestClient) -> None:
    hits = client.get("/v1/indicators", params={"q": "internet"}).json()
    assert hits["data"][0]["code"] == "IT.NET.USER.ZS"
    detail = client.get("/v1/indicators/IT.NET.USER.ZS").json()
    assert detail["economies"] == 10 and detail["first_year"] == 2015
    assert detail["last_year"] == 2022
    page = client.get("/v1/indicators?limit=2&offset=1").json()
    assert page["count"] == 2 and page["total"] == 5
    assert client.get("/v1/indicators?q=zzzz-nothing").json()["total"] == 0


def test_observations_filters(client: TestClient, api_store: Store) -> None:
    body = client.get(
        "/v1/observations",
        params={"economy": "KEN,NGA", "indicator": "IT.NET.USER.ZS", "year_from": 2020},
    ).json()
    assert body["count"] == 6 and body["next_cursor"] is None
    assert {r["economy"] for r in body["data"]} == {"KEN", "NGA"}
    assert all(r["year"] >= 2020 for r in body["data"])
    row = next(r for r in body["data"] if r["economy"] == "KEN" and r["year"] == 2022)
    assert row == {
        "economy": "KEN",
        "indicator": "IT.NET.USER.ZS",
        "year": 2022,
        "value": 99.0,
        "flag": None,
        "source_id": "wdi",
        "vintage": "2025-01-01",
        "origin_id": row["origin_id"],
    }
    # repeated parameters work like commas
    same = client.get(
        "/v1/observations?economy=KEN&economy=nga&indicator=IT.NET.USER.ZS&year_from=2020"
    ).json()
    assert same["data"] == body["data"]
    latest = client.get("/v1/observations?indicator=IT.NET.USER.ZS&latest=true").json()
    assert latest["count"] == 10 and {r["year"] for r in latest["data"]} == {2022}
    latest_2020 = client.get(
        "/v1/observations?indicator=IT.NET.USER.ZS&latest=true&year_to=2020"
    ).json()
    assert {r["year"] for r in latest_2020["data"]} == {2020}
    assert client.get("/v1/observations?year_from=2030").json()["count"] == 0


def test_as_of_reads_an_earlier_vintage(client: TestClient) -> None:
    old = client.get(
        "/v1/observations?economy=KEN&indicator=IT.NET.USER.ZS&year_from=2022&as_of=2024-01-01"
    ).json()["data"]
    assert old[0]["value"] == pytest.approx(10.0 + 2.5 * 7) and old[0]["flag"] == "E"
    assert old[0]["vintage"] == "2024-01-01"
    r = client.get("/v1/observations?as_of=no-such-vintage")
    assert r.status_code == 404


@pytest.mark.parametrize("limit", [1, 7, 50, 1000])
def test_cursor_pagination_visits_every_row_once(client: TestClient, limit: int) -> None:
    everything = client.get("/v1/observations?limit=50000").json()["data"]
    seen: list[tuple[str, str, int]] = []
    url = f"/v1/observations?limit={limit}"
    cursor = None
    for _ in range(1000):
        resp = client.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen += [(r["economy"], r["indicator"], r["year"]) for r in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [(r["economy"], r["indicator"], r["year"]) for r in everything]
    assert len(set(seen)) == len(seen) == 160


def test_cursor_pagination_with_latest_and_as_of(client: TestClient) -> None:
    for extra in ("&latest=true", "&as_of=2024-01-01", "&latest=true&year_to=2021"):
        full = client.get("/v1/observations?limit=50000" + extra).json()["data"]
        seen = []
        cursor = None
        while True:
            body = client.get(
                "/v1/observations?limit=4" + extra + (f"&cursor={cursor}" if cursor else "")
            ).json()
            seen += body["data"]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == full, extra


def test_next_page_headers(client: TestClient) -> None:
    r = client.get("/v1/observations?limit=2&indicator=HDR.le")
    cursor = r.json()["next_cursor"]
    assert r.headers["x-next-cursor"] == cursor
    assert r.headers["link"].endswith('rel="next"') and f"cursor={cursor}" in r.headers["link"]


def test_csv_and_parquet(client: TestClient) -> None:
    csv = client.get("/v1/observations?indicator=HDR.le&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "economy,indicator,year,value,flag,source_id,vintage,origin_id"
    assert len(lines) == 21
    by_accept = client.get("/v1/observations?indicator=HDR.le", headers={"Accept": "text/csv"})
    assert by_accept.text == csv.text
    pq_resp = client.get(
        "/v1/observations?indicator=HDR.le",
        headers={"Accept": "application/vnd.apache.parquet"},
    )
    table = pq.read_table(io.BytesIO(pq_resp.content))
    assert table.num_rows == 20 and "vintage" in table.column_names
    json_rows = client.get("/v1/observations?indicator=HDR.le").json()["data"]
    assert table.to_pylist() == json_rows
    weighted = client.get(
        "/v1/observations?indicator=HDR.le",
        headers={"Accept": "application/json;q=0.5, text/csv;q=0.9"},
    )
    assert weighted.headers["content-type"].startswith("text/csv")
    assert client.get("/v1/observations", headers={"Accept": "image/png"}).status_code == 406


def test_sources_and_vintages(client: TestClient) -> None:
    sources = client.get("/v1/sources").json()["data"]
    wdi = next(s for s in sources if s["source_id"] == "wdi")
    assert wdi["vintages"] == ["2024-01-01", "2025-01-01"] and wdi["origins"] == 2
    assert client.get("/v1/sources/wdi").json()["values"] == wdi["values"]
    assert client.get("/v1/sources/nope").status_code == 404
    vintages = client.get("/v1/vintages?source_id=wdi").json()["data"]
    assert [v["label"] for v in vintages] == ["2024-01-01", "2025-01-01"]


def test_frameworks_and_results(client: TestClient) -> None:
    listed = client.get("/v1/frameworks").json()["data"]
    assert "hdi" in {f["name"] for f in listed}
    hdi = client.get("/v1/frameworks/hdi").json()
    assert hdi["indicators"] == 4 and hdi["definition"]["indicators"]
    results = client.get("/v1/frameworks/hdi/results").json()
    assert results["years"] == [2022]
    root = [r for r in results["data"] if r["node"] == "hdi"]
    assert len(root) == 10
    ranks = sorted(r["rank"] for r in root)
    assert ranks == list(range(1, 11))
    best = min(root, key=lambda r: r["rank"])
    assert best["score"] == max(r["score"] for r in root)
    ken = client.get("/v1/frameworks/hdi/results?economy=KEN&all_years=true&node=hdi").json()
    assert [r["year"] for r in ken["data"]] == [2021, 2022]
    assert all(0 < r["score"] < 1 and r["coverage"] == 1.0 for r in ken["data"])


def test_index_results_agree_with_the_engine(client: TestClient, api_store: Store) -> None:
    """The route serves exactly what the engine builds from the same panel."""
    from aibridge.api.routes.frameworks import BUILTIN
    from aibridge.engine import Panel, build_index
    from aibridge.frameworks import load_framework

    fw = load_framework(BUILTIN / "hdi.yaml")
    src = fw.source_codes()
    vals, yrs, econs, inds = api_store.panel(list(src.values()))
    rename = {v: k for k, v in src.items()}
    result = build_index(
        fw.to_spec(), Panel(vals, tuple(yrs), tuple(econs), tuple(rename[c] for c in inds))
    )
    expected = dict(zip(econs, result.score("hdi", 2022), strict=True))
    rows = client.get("/v1/frameworks/hdi/results?node=hdi").json()["data"]
    assert {r["economy"]: r["score"] for r in rows} == pytest.approx(expected)


def test_results_of_a_framework_whose_data_are_missing(client: TestClient) -> None:
    r = client.get("/v1/frameworks/aci/results")
    assert r.status_code == 409
    assert "the store lacks" in r.json()["detail"]


def test_profile(client: TestClient) -> None:
    p = client.get("/v1/frameworks/hdi/profiles/KEN").json()
    assert p["economy"] == "KEN" and p["name"] == "Kenya" and p["year"] == 2022
    nodes = {n["node"]: n for n in p["nodes"]}
    assert set(nodes) == {"hdi", "health", "education", "income"}
    results = client.get("/v1/frameworks/hdi/results?economy=KEN").json()["data"]
    scores = {r["node"]: r["score"] for r in results}
    for code, node in nodes.items():
        assert node["score"] == pytest.approx(scores[code])
        assert node["gap_frontier"] == pytest.approx(node["score"] - node["frontier"])
        assert node["gap_region"] == pytest.approx(node["score"] - node["region_median"])
        assert node["region"] == "Africa"
    # Africa in the fixture: KEN, NGA, EGY; the median of the other two
    others = client.get("/v1/frameworks/hdi/results?economy=NGA&economy=EGY&node=hdi").json()
    median = sum(r["score"] for r in others["data"]) / 2
    assert nodes["hdi"]["region_median"] == pytest.approx(median)
    pillars = {k: v for k, v in nodes.items() if k != "hdi"}
    worst = min(pillars, key=lambda k: pillars[k]["gap_region"])
    assert p["bottleneck"]["pillar"] == worst
    assert len(p["peers"]) == 5 and "KEN" not in {q["economy"] for q in p["peers"]}
    assert [q["distance"] for q in p["peers"]] == sorted(q["distance"] for q in p["peers"])
    proj = {q["node"]: q for q in p["projections"]}
    assert proj["hdi"]["target_year"] == 2030 and proj["hdi"]["low_confidence"]  # 2 points
    assert client.get("/v1/frameworks/hdi/profiles/XYZ").status_code == 404
    assert client.get("/v1/frameworks/aci/profiles/KEN").status_code == 409


def test_divide(client: TestClient) -> None:
    body = client.get("/v1/frameworks/hdi/divide?by=region").json()
    assert body["node"] == "hdi" and [r["year"] for r in body["data"]] == [2021, 2022]
    for r in body["data"]:
        assert r["n"] == 10 and 0 < r["gini"] < 1
        assert r["theil_between"] + r["theil_within"] == pytest.approx(r["theil"])
    scores = [x["score"] for x in client.get("/v1/frameworks/hdi/results?node=hdi").json()["data"]]
    n = len(scores)
    gini = sum(abs(a - b) for a in scores for b in scores) / (2 * n * n * (sum(scores) / n))
    assert body["data"][-1]["gini"] == pytest.approx(gini)
    assert client.get("/v1/frameworks/hdi/divide?node=nope").status_code == 404
    assert client.get("/v1/frameworks/hdi/divide?by=planet").status_code == 422


def test_scenario(client: TestClient) -> None:
    base = client.get("/v1/frameworks/hdi/profiles/KEN").json()
    same = client.post(
        "/v1/frameworks/hdi/scenarios", json={"economy": "KEN", "changes": {"eys": 12.2}}
    ).json()
    root = next(n for n in same["nodes"] if n["node"] == "hdi")
    assert root["baseline_score"] == pytest.approx(base["nodes"][0]["score"])
    up = client.post(
        "/v1/frameworks/hdi/scenarios",
        json={"economy": "KEN", "changes": {"gnipc": 60000.0, "le": 80.0}, "year": 2022},
    )
    assert up.status_code == 200, up.text
    body = up.json()
    hdi = next(n for n in body["nodes"] if n["node"] == "hdi")
    assert hdi["score"] > hdi["baseline_score"] and hdi["rank_change"] > 0
    assert body["rank_changes"] and body["changes"]["le"][1] == 80.0
    unchanged = client.post(
        "/v1/frameworks/hdi/scenarios",
        json={"economy": "KEN", "changes": {"le": body["changes"]["le"][0]}},
    ).json()
    assert all(n["score_change"] in (0.0, None) for n in unchanged["nodes"])
    assert (
        client.post(
            "/v1/frameworks/hdi/scenarios", json={"economy": "KEN", "changes": {"nope": 1}}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/v1/frameworks/hdi/scenarios", json={"economy": "KEN", "changes": {}}
        ).status_code
        == 422
    )


def test_minimal_path(client: TestClient) -> None:
    base = client.get("/v1/frameworks/hdi/profiles/KEN").json()
    rank = next(n for n in base["nodes"] if n["node"] == "hdi")["rank"]
    res = client.post("/v1/frameworks/hdi/paths", json={"economy": "KEN", "target": {"rank": 1}})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["baseline_rank"] == rank and body["node"] == "hdi"
    if body["reached"]:
        assert body["rank"] == 1 and body["n_changed"] == len(body["steps"]) > 0
    else:
        assert body["message"]
    # applying the path in a scenario reaches the same score
    if body["steps"]:
        changes = {s["indicator"]: s["new_value"] for s in body["steps"]}
        sc = client.post(
            "/v1/frameworks/hdi/scenarios", json={"economy": "KEN", "changes": changes}
        ).json()
        hdi = next(n for n in sc["nodes"] if n["node"] == "hdi")
        assert hdi["score"] == pytest.approx(body["score"])
    # already there: nothing to change
    here = client.post(
        "/v1/frameworks/hdi/paths", json={"economy": "KEN", "target": {"rank": rank}}
    ).json()
    assert here["reached"] and here["n_changed"] == 0
    for bad in (
        {"economy": "KEN"},
        {"economy": "KEN", "target": {"rank": 1, "score": 0.5}},
        {"economy": "KEN", "target": {"rank": 0}},
        {"economy": "KEN", "target": {"rank": 1}, "growth": -5},
    ):
        r = client.post("/v1/frameworks/hdi/paths", json=bad)
        assert r.status_code == 422 and r.headers["content-type"].startswith(
            "application/problem+json"
        )
    assert (
        client.post("/v1/frameworks/hdi/paths", json={"economy": "ZZZ", "target": {"rank": 1}})
    ).status_code == 404
    assert (
        client.post(
            "/v1/frameworks/hdi/paths",
            json={"economy": "KEN", "target": {"rank": 1}, "node": "no"},
        )
    ).status_code == 404
