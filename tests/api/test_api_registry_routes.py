"""The record routes made by ``record_routes`` document what the hand-written ones did:
operation ids, summaries, body and response models, status codes and error responses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

RECORDS = [
    # plural, noun, model prefix, POST summary, DELETE summary
    (
        "organisations",
        "organisation",
        "Organisation",
        "Register an organisation (moderator)",
        "Delete an organisation (admin)",
    ),
    ("needs", "need", "Need", "Post a need (contributor of the organisation)", "Delete a need"),
    (
        "offers",
        "offer",
        "Offer",
        "Post an offer (contributor of the organisation)",
        "Delete an offer",
    ),
    (
        "projects",
        "project",
        "Project",
        "Record a project (contributor of the organisation)",
        "Delete a project",
    ),
    (
        "pledges",
        "pledge",
        "Pledge",
        "Record a pledge (contributor of the organisation)",
        "Delete a pledge",
    ),
]
ERRORS = {"400", "413", "422", "429"}
WRITE = ERRORS | {"401", "403", "404", "409"}


def _ref(op: dict[str, Any], part: str, status: str = "") -> str:
    node = op["requestBody"] if part == "body" else op["responses"][status]
    return str(node["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[1]


@pytest.mark.parametrize(("plural", "noun", "model", "created", "deleted"), RECORDS)
def test_record_routes_openapi(
    api_app: FastAPI, plural: str, noun: str, model: str, created: str, deleted: str
) -> None:
    paths = api_app.openapi()["paths"]
    many, one = paths[f"/v1/registry/{plural}"], paths[f"/v1/registry/{plural}/{{id}}"]
    assert list(many) == ["get", "post"] and list(one) == ["get", "patch", "delete"]
    slug = f"v1_registry_{plural}"

    get = one["get"]
    assert get["operationId"] == f"get_{noun}_{slug}__id__get"
    assert get["summary"] == f"One {noun}" and "description" not in get
    assert set(get["responses"]) == ERRORS | {"200", "404"}
    assert _ref(get, "response", "200") == f"{model}Public"
    assert [p["name"] for p in get["parameters"]] == ["id"]
    assert get["parameters"][0]["schema"]["minimum"] == 1

    post = many["post"]
    assert post["operationId"] == f"create_{noun}_{slug}_post"
    assert post["summary"] == created
    assert set(post["responses"]) == WRITE | {"201"}
    assert _ref(post, "body") == f"{model}Create"
    assert _ref(post, "response", "201") == f"{model}Public"
    assert post["requestBody"]["required"] is True

    patch = one["patch"]
    assert patch["operationId"] == f"update_{noun}_{slug}__id__patch"
    assert patch["summary"].startswith("Edit a") and patch["summary"].endswith(f" {noun}")
    assert set(patch["responses"]) == WRITE | {"200"}
    assert _ref(patch, "body") == f"{model}Update"
    assert _ref(patch, "response", "200") == f"{model}Public"

    delete = one["delete"]
    assert delete["operationId"] == f"delete_{noun}_{slug}__id__delete"
    assert delete["summary"] == deleted
    assert set(delete["responses"]) == WRITE | {"204"}
    assert "content" not in delete["responses"]["204"]
    for op in (post, patch, delete):
        assert op["tags"] == ["registry"]
        assert op["responses"]["403"]["content"]["application/problem+json"]["example"]
