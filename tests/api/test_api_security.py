"""Security: every write route refuses without a token and with too weak a role; hostile input
(SQL injection, oversized payloads, long parameters) answers 4xx and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aibridge.store import Store

PROBLEM = "application/problem+json"


def _write_routes(app: FastAPI) -> list[tuple[str, str]]:
    out = []
    schema = app.openapi()
    for path, item in schema["paths"].items():
        for method in item:
            # POST .../scenarios and .../paths compute on demand and write nothing: public
            computed = path.endswith(("/scenarios", "/paths"))
            if method in ("post", "patch", "put", "delete") and not computed:
                out.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return out


_MINIMAL_BODY: dict[str, dict[str, Any]] = {
    "/v1/registry/needs": {
        "organisation_id": 1,
        "economy": "KEN",
        "title": "A need for tests",
        "areas": [1],
    },
    "/v1/registry/offers": {
        "organisation_id": 2,
        "kind": "training",
        "title": "An offer for tests",
        "areas": [1],
    },
    "/v1/registry/organisations": {"name": "Viewer's organisation", "kind": "ngo"},
    "/v1/registry/matches": {"need_id": 1, "offer_id": 1},
    "/v1/registry/pledges": {"organisation_id": 1, "title": "A pledge for tests"},
    "/v1/registry/projects": {
        "organisation_id": 1,
        "activity": {
            "iati_identifier": "XM-TEST-1",
            "reporting_org": {"ref": "XM-TEST", "type": "10", "narratives": [{"text": "Test"}]},
            "title": [{"text": "A project for tests"}],
            "descriptions": [{"type": "1", "narratives": [{"text": "Description"}]}],
            "participating_orgs": [
                {"ref": "XM-TEST", "role": "1", "type": "10", "narratives": [{"text": "T"}]}
            ],
            "activity_status": "2",
            "activity_dates": [{"type": "1", "iso_date": "2025-01-01"}],
        },
    },
    "/v1/resolutions": {
        "symbol": "A/RES/79/999",
        "title": "A test resolution",
        "body": "General Assembly",
        "adopted_on": "2025-01-01",
        "how_adopted": "without a vote",
        "source": "https://undocs.org/A/RES/79/999",
    },
    "/v1/registry/pledges/1/progress": {"reported_on": "2026-01-01", "progress_pct": 10},
    "/v1/registry/matches/1": {"status": "accepted"},
    "/v1/registry/needs/1": {"title": "Changed"},
    "/v1/registry/offers/1": {"title": "Changed"},
    "/v1/registry/organisations/1": {"name": "Changed"},
    "/v1/registry/pledges/1": {"title": "Changed"},
    "/v1/registry/projects/1": {"areas": [1]},
}


def test_there_are_write_routes(api_app: FastAPI) -> None:
    routes = _write_routes(api_app)
    assert len(routes) >= 18
    assert ("POST", "/v1/registry/needs") in routes


def test_every_write_route_refuses_without_a_token(api_app: FastAPI, client: TestClient) -> None:
    for method, path in _write_routes(api_app):
        r = client.request(method, path, json=_MINIMAL_BODY.get(path, {}))
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.headers["content-type"] == PROBLEM
        assert r.headers["www-authenticate"].startswith("Bearer")
        bad = client.request(
            method,
            path,
            json=_MINIMAL_BODY.get(path, {}),
            headers={"Authorization": "Bearer abr_000000000000_not-a-real-token"},
        )
        assert bad.status_code == 401, (method, path)
        basic = client.request(method, path, headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert basic.status_code == 401, (method, path)


def test_every_write_route_refuses_a_viewer(
    api_app: FastAPI, client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['reader']}"}
    for method, path in _write_routes(api_app):
        r = client.request(method, path, json=_MINIMAL_BODY.get(path, {}), headers=headers)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.headers["content-type"] == PROBLEM


def test_contributors_cannot_write_other_organisations(
    client: TestClient, tokens: dict[str, str]
) -> None:
    lab = {"Authorization": f"Bearer {tokens['lab']}"}
    r = client.patch("/v1/registry/needs/1", json={"title": "Hijacked"}, headers=lab)
    assert r.status_code == 403
    r = client.post("/v1/registry/needs", json=_MINIMAL_BODY["/v1/registry/needs"], headers=lab)
    assert r.status_code == 403
    r = client.delete("/v1/registry/organisations/1", headers=lab)
    assert r.status_code == 403
    assert client.get("/v1/registry/needs/1").json()["title"].startswith("Training")


def test_audit_log_needs_a_moderator(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/v1/registry/audit").status_code == 401
    r = client.get("/v1/registry/audit", headers={"Authorization": f"Bearer {tokens['kenya']}"})
    assert r.status_code == 403
    r = client.get("/v1/registry/audit", headers={"Authorization": f"Bearer {tokens['mod']}"})
    assert r.status_code == 200 and r.json()["count"] >= 1


INJECTIONS = [
    "KEN' OR '1'='1",
    "KEN; DROP TABLE observations;--",
    'KEN") UNION SELECT * FROM origins --',
    "' OR 1=1 --",
    "%' OR '%'='",
]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_is_refused(client: TestClient, api_store: Store, attack: str) -> None:
    before = api_store.con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    for url, params in (
        ("/v1/observations", {"economy": attack}),
        ("/v1/observations", {"indicator": attack}),
        ("/v1/observations", {"as_of": attack}),
        ("/v1/observations", {"cursor": attack}),
        ("/v1/economies", {"region": attack}),
        ("/v1/indicators", {"q": attack}),
        ("/v1/indicators", {"source_id": attack}),
        ("/v1/vintages", {"source_id": attack}),
        ("/v1/registry/organisations", {"q": attack}),
        ("/v1/registry/needs", {"economy": attack}),
        ("/v1/frameworks/hdi/results", {"node": attack}),
    ):
        r = client.get(url, params=params)
        assert r.status_code < 500, (url, params, r.status_code)
        if r.status_code == 200 and "data" in r.json():
            # a search may match nothing; it must never match everything
            assert r.json()["data"] == [] or url == "/v1/indicators", (url, params)
    for path in (f"/v1/economies/{attack}", f"/v1/indicators/{attack}", f"/v1/sources/{attack}"):
        assert 400 <= client.get(path).status_code < 500
    after = api_store.con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    assert after == before


def test_sql_injection_in_a_body_is_stored_as_text(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens['kenya']}"}
    title = "x'); DELETE FROM needs; --"
    r = client.post(
        "/v1/registry/needs",
        json={**_MINIMAL_BODY["/v1/registry/needs"], "title": title},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["title"] == title
    assert client.get("/v1/registry/needs/1").status_code == 200
    client.delete(f"/v1/registry/needs/{r.json()['id']}", headers=headers)


def test_oversized_payloads_are_refused(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['kenya']}"}
    huge = {**_MINIMAL_BODY["/v1/registry/needs"], "description": "x" * 2_000_000}
    r = client.post("/v1/registry/needs", json=huge, headers=headers)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    long_text = {**_MINIMAL_BODY["/v1/registry/needs"], "title": "x" * 50_000}
    r = client.post("/v1/registry/needs", json=long_text, headers=headers)
    assert r.status_code == 422
    many_areas = {**_MINIMAL_BODY["/v1/registry/needs"], "areas": list(range(1, 10_000))}
    assert client.post("/v1/registry/needs", json=many_areas, headers=headers).status_code == 422
    deep = "[" * 5000 + "]" * 5000
    r = client.post(
        "/v1/registry/needs",
        content=deep,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500


def test_oversized_parameters_are_refused(client: TestClient) -> None:
    many = ",".join(["KEN"] * 2000)
    assert client.get("/v1/observations", params={"economy": many}).status_code == 422
    assert client.get("/v1/observations", params=[("economy", "KEN")] * 400).status_code == 422
    assert client.get("/v1/indicators", params={"q": "x" * 1000}).status_code == 422
    assert client.get("/v1/observations", params={"cursor": "A" * 5000}).status_code == 422
    assert client.get("/v1/observations", params={"limit": 10**9}).status_code == 422
    assert client.get(f"/v1/economies/{'K' * 500}").status_code == 422


def test_malformed_json_is_a_4xx(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {
        "Authorization": f"Bearer {tokens['kenya']}",
        "Content-Type": "application/json",
    }
    r = client.post("/v1/registry/needs", content=b"{not json", headers=headers)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = client.post(
        "/v1/registry/needs",
        json={**_MINIMAL_BODY["/v1/registry/needs"], "is_admin": True},
        headers={"Authorization": f"Bearer {tokens['kenya']}"},
    )
    assert r.status_code == 422  # unknown fields are refused, not ignored
