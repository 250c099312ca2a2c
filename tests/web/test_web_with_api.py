"""The web pages mounted by the API's ``create_app``: one server, HTML errors for pages,
problem+json for /v1, the API's store and registry shared with the pages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from aibridge.store import Store


@pytest.fixture()
def api_client(web_store: Store, registry_and_tokens: tuple[Any, dict[str, str]]) -> TestClient:
    api = pytest.importorskip("aibridge.api.app")
    app = api.create_app(store=web_store, registry=registry_and_tokens[0])
    return TestClient(app)


def test_pages_are_served_by_the_api_app(api_client: TestClient) -> None:
    response = api_client.get("/", headers={"accept-language": "fr"}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/fr/"
    for path in ("/fr/", "/ar/country/KEN", "/en/rankings/hdi", "/en/board", "/zh/sources"):
        response = api_client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "Training for data scientists" in api_client.get("/en/board").text  # shared registry


def test_errors_are_html_for_pages_and_problem_json_for_the_api(api_client: TestClient) -> None:
    page = api_client.get("/en/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = api_client.get("/v1/no-such-route")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api_client.get("/static/css/app.css").status_code == 200


def test_csv_download_links_resolve_in_the_api(api_client: TestClient) -> None:
    import re

    html = api_client.get("/en/?indicator=IT.NET.USER.ZS&year=2022").text
    link = re.search(r'href="(/v1/observations\?[^"]+)" download', html)
    assert link is not None
    response = api_client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200, response.text[:300]
    assert "KEN" in response.text and "IT.NET.USER.ZS" in response.text
    html = api_client.get("/en/compare?e=KEN&e=NGA&indicator=EGDI.egdi").text
    link = re.search(r'href="(/v1/observations\?[^"]+)" download', html)
    assert link is not None
    response = api_client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and "NGA" in response.text
