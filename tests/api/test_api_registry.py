"""Registry routes end to end: create, read, edit (optimistic concurrency), match, progress,
delete, audit; resolutions."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def test_need_lifecycle(client: TestClient, tokens: dict[str, str]) -> None:
    kenya = _auth(tokens, "kenya")
    created = client.post(
        "/v1/registry/needs",
        json={
            "organisation_id": 1,
            "economy": "KEN",
            "title": "Compute for a national language model",
            "areas": [1],
            "actions": ["AP1"],
        },
        headers=kenya,
    )
    assert created.status_code == 201
    need = created.json()
    assert need["version"] == 1 and need["created_at"].endswith("Z")
    url = f"/v1/registry/needs/{need['id']}"
    assert client.get(url).json()["title"] == need["title"]
    edited = client.patch(url, json={"version": 1, "status": "in_progress"}, headers=kenya)
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "title": "Lost update"}, headers=kenya)
    assert stale.status_code == 409
    assert "version" in stale.json()["detail"]
    listed = client.get("/v1/registry/needs?economy=KEN&status=in_progress").json()["data"]
    assert need["id"] in [n["id"] for n in listed]
    bad = client.post(
        "/v1/registry/needs",
        json={"organisation_id": 1, "economy": "Atlantis", "title": "x", "areas": [9]},
        headers=kenya,
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert client.delete(url, headers=kenya).status_code == 204
    assert client.get(url).status_code == 404
    audit = client.get(
        f"/v1/registry/audit?entity=need&entity_id={need['id']}", headers=_auth(tokens, "mod")
    ).json()["data"]
    assert [e["action"] for e in audit][:3] == ["delete", "update", "create"]


def test_matches(client: TestClient, tokens: dict[str, str]) -> None:
    ranked = client.get("/v1/registry/needs/1/matches").json()["data"]
    assert ranked and ranked[0]["offer_id"] == 1
    assert {t["name"] for t in ranked[0]["terms"]} >= {"area"}
    assert abs(sum(t["contribution"] for t in ranked[0]["terms"]) - ranked[0]["score"]) < 1e-9
    assert client.get("/v1/registry/offers/1/matches").json()["data"][0]["need_id"] == 1
    recorded = client.get("/v1/registry/matches?need_id=1").json()["data"]
    assert recorded and recorded[0]["status"] == "proposed"
    match_id = recorded[0]["id"]
    accepted = client.patch(
        f"/v1/registry/matches/{match_id}",
        json={"status": "accepted"},
        headers=_auth(tokens, "kenya"),
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert client.get("/v1/registry/needs/999/matches").status_code == 404


def test_pledge_progress(client: TestClient, tokens: dict[str, str]) -> None:
    lab = _auth(tokens, "lab")
    r = client.post(
        "/v1/registry/pledges/1/progress",
        json={"reported_on": "2026-06-30", "progress_pct": 40, "disbursed_delta": 1000},
        headers=lab,
    )
    assert r.status_code == 201, r.text
    assert client.get("/v1/registry/pledges/1").json()["progress_pct"] == 40
    assert client.get("/v1/registry/pledges/1/progress").json()["count"] >= 1
    refused = client.post(
        "/v1/registry/pledges/1/progress",
        json={"reported_on": "2026-06-30", "progress_pct": 50},
        headers=_auth(tokens, "kenya"),
    )
    assert refused.status_code == 403


def test_me_and_lists(client: TestClient, tokens: dict[str, str]) -> None:
    me = client.get("/v1/me", headers=_auth(tokens, "kenya")).json()
    assert me == {"account_id": me["account_id"], "name": "kenya", "role": "contributor",
                  "organisation_id": 1}  # fmt: skip
    orgs = client.get("/v1/registry/organisations?country=KEN").json()["data"]
    assert [o["name"] for o in orgs] == ["Ministry of ICT, Kenya"]
    assert client.get("/v1/registry/offers?kind=training").json()["count"] >= 1
    assert client.get("/v1/registry/projects").json()["data"][0]["activity"]["iati_identifier"]


def test_resolutions(client: TestClient, tokens: dict[str, str]) -> None:
    listed = client.get("/v1/resolutions").json()["data"]
    assert {"A/RES/78/311", "A/RES/78/265"} <= {r["symbol"] for r in listed}
    one = client.get("/v1/resolutions/A/RES/78/311").json()
    assert one["adopted_on"] == "2024-07-01"
    roles = {
        r["symbol"]: r["role"] for r in client.get("/v1/economies/CHN/resolutions").json()["data"]
    }
    assert roles["A/RES/78/311"] == "proposer"
    assert client.get("/v1/economies/XYZ/resolutions").status_code == 404
    body = {
        "symbol": "A/RES/79/1",
        "title": "A resolution added in a test",
        "adopted_on": "2025-01-01",
        "how_adopted": "without a vote",
    }
    assert (
        client.post("/v1/resolutions", json=body, headers=_auth(tokens, "mod")).status_code == 403
    )
    added = client.post("/v1/resolutions", json=body, headers=_auth(tokens, "root"))
    assert added.status_code == 201
    assert (
        client.post("/v1/resolutions", json=body, headers=_auth(tokens, "root")).status_code == 409
    )
