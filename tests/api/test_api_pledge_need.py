"""Pledges towards a need through the API: ``need_id`` on create/read/edit, the
``?need_id=`` list filter, refusals as problem+json, and the OpenAPI description."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def test_pledge_towards_a_need(client: TestClient, tokens: dict[str, str]) -> None:
    lab = _auth(tokens, "lab")
    lab_org = client.get("/v1/me", headers=lab).json()["organisation_id"]
    need_id = client.get("/v1/registry/needs").json()["data"][0]["id"]
    created = client.post(
        "/v1/registry/pledges",
        json={
            "organisation_id": lab_org,
            "title": "Cloud credits",
            "amount": 1000,
            "need_id": need_id,
        },
        headers=lab,
    )
    assert created.status_code == 201, created.text
    pledge = created.json()
    assert pledge["need_id"] == need_id and pledge["project_id"] is None
    url = f"/v1/registry/pledges/{pledge['id']}"
    assert client.get(url).json()["need_id"] == need_id
    listed = client.get(f"/v1/registry/pledges?need_id={need_id}").json()["data"]
    assert [p["id"] for p in listed] == [pledge["id"]]
    assert all(
        p["need_id"] is None
        for p in client.get("/v1/registry/pledges").json()["data"]
        if p["id"] != pledge["id"]
    )

    unknown = client.post(
        "/v1/registry/pledges",
        json={"organisation_id": lab_org, "title": "Nowhere", "need_id": 99999},
        headers=lab,
    )
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "need_id 99999 does not exist" in unknown.json()["detail"]

    project = client.get("/v1/registry/projects").json()["data"][0]
    assert project["need_id"] != need_id
    mismatch = client.patch(url, json={"project_id": project["id"]}, headers=lab)
    assert mismatch.status_code == 422
    assert "does not match project" in mismatch.json()["detail"]
    assert client.get(url).json()["project_id"] is None  # nothing changed

    cleared = client.patch(url, json={"need_id": None, "version": pledge["version"]}, headers=lab)
    assert cleared.status_code == 200 and cleared.json()["need_id"] is None
    assert client.get(f"/v1/registry/pledges?need_id={need_id}").json()["data"] == []
    audit = client.get(
        f"/v1/registry/audit?entity=pledge&entity_id={pledge['id']}", headers=_auth(tokens, "mod")
    ).json()["data"]
    assert audit[0]["before"]["need_id"] == need_id and audit[0]["after"]["need_id"] is None
    assert client.delete(url, headers=lab).status_code == 204  # leave the shared fixture as found


def test_openapi_describes_need_id(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("PledgeCreate", "PledgeUpdate", "PledgePublic"):
        assert "need_id" in schemas[name]["properties"], name
    assert schemas["PledgeCreate"]["examples"][0]["need_id"] == 1
    params = spec["paths"]["/v1/registry/pledges"]["get"]["parameters"]
    assert {"need_id", "project_id"} <= {p["name"] for p in params}
